"""Issue 16 item 4: one table of the plugin's refusals, used by both transports; the batch-then-one-by-one
rule written once."""
from __future__ import annotations

import xmlrpc.client

import pytest

from wp_seo_bridge.config import parse
from wp_seo_bridge.gateways.wordpress import errors
from wp_seo_bridge.gateways.wordpress.base import ClaimRounds
from wp_seo_bridge.gateways.wordpress.errors import (
    CONTRACT,
    REST_STATUSES,
    XMLRPC_FAULTS,
    AuthFailed,
    Conflict,
    SiteDown,
    WordPressError,
)
from wp_seo_bridge.gateways.wordpress.rest import error_for
from wp_seo_bridge.gateways.wordpress.xmlrpc import XmlRpcGateway
from wp_seo_bridge.model import DraftSummary

SITE = parse({"sites": [{"name": "s", "url": "https://blog.example.fr", "user": "bot", "password_env": "PW"}]}).sites[0]


def test_every_error_class_has_a_docstring_and_is_in_the_drawn_hierarchy():
    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, WordPressError)]
    assert len(classes) >= 10
    for c in classes:
        assert c.__doc__ and c.__doc__.strip(), c.__name__
        assert c.__name__ in errors.__doc__, c.__name__


@pytest.mark.parametrize("kind", sorted(set(XMLRPC_FAULTS.values()) & set(REST_STATUSES.values())))
def test_both_transports_say_a_refusal_with_the_same_class_and_words(kind):
    fault = next(code for code, k in XMLRPC_FAULTS.items() if k == kind)
    status = next(code for code, k in REST_STATUSES.items() if k == kind)
    by_xmlrpc = XmlRpcGateway(SITE)._fault(xmlrpc.client.Fault(fault, "traduit"))
    by_rest = error_for(status, {"code": "wpsb_x"}, site=SITE, where="w", about_post=True)
    cls = CONTRACT[kind].error
    assert type(by_xmlrpc) is cls and type(by_rest) is cls
    common = str(by_xmlrpc).split("(")[0]  # the row's words, before the transport's code
    assert str(by_rest).startswith(common) and len(common) > 20


def test_a_refusal_is_one_row_both_transports_read():
    """Every transport code comes from CONTRACT, once: no transport keeps a code table of its own."""
    for kind, row in CONTRACT.items():
        assert (XMLRPC_FAULTS.get(row.fault) == kind) is bool(row.fault), kind
        assert (REST_STATUSES.get(row.status) == kind) is bool(row.status), kind
    assert len(XMLRPC_FAULTS) == sum(1 for r in CONTRACT.values() if r.fault)  # no code read two ways
    assert len(REST_STATUSES) == sum(1 for r in CONTRACT.values() if r.status)
    by_rest = error_for(409, {"code": "wpsb_not_claimed"}, site=SITE, where="w", about_post=True)
    assert type(by_rest) is Conflict and str(by_rest) == CONTRACT["claim_lost"].message


def summaries(n: int) -> list[DraftSummary]:
    return [DraftSummary(str(i), "draft", None, (), "h", None, None) for i in range(n)]


def test_a_refused_round_switches_to_one_by_one_for_good_and_keeps_earlier_rounds():
    rounds, one_by_one = [], []

    def many(chunk):
        rounds.append([s.post_id for s in chunk])
        if len(rounds) == 2:
            raise WordPressError("batch refused by a security plugin")
        return [f"draft {s.post_id}" for s in chunk]

    def one(s):
        one_by_one.append(s.post_id)
        if s.post_id == "3":
            raise Conflict("open in the editor")
        return f"draft {s.post_id}"

    r = ClaimRounds("s", "batch", fatal=(SiteDown,), size=2)
    got = r.claim(summaries(5), one, many)
    assert rounds == [["0", "1"], ["2", "3"]] and one_by_one == ["2", "3", "4"] and not r.batches
    assert got[:3] == ["draft 0", "draft 1", "draft 2"] and isinstance(got[3], Conflict) and got[4] == "draft 4"
    r.claim(summaries(2), one, many)
    assert len(rounds) == 2  # never batched again


@pytest.mark.parametrize("error", [SiteDown("down"), AuthFailed("wrong password")])
def test_a_site_wide_failure_is_raised_not_taken_for_a_refused_round(error):
    def many(chunk):
        raise error

    r = ClaimRounds("s", "batch", fatal=(SiteDown, AuthFailed))
    with pytest.raises(type(error)):
        r.claim(summaries(3), lambda s: "d", many)
    assert r.batches
