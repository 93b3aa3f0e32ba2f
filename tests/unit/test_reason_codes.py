"""Issue 16: the ``reason`` label of /metrics is a field each outcome carries (``Outcome.code``), set from what
caused it, never read back from the reason's words: rewording a message cannot move a metric."""
from __future__ import annotations

from typing import get_args

import pytest

from wp_seo_bridge.claims import Gate, Unlimited, not_claimed
from wp_seo_bridge.daemon.reasons import CODES, OTHER, all_codes
from wp_seo_bridge.gateways import mistral
from wp_seo_bridge.gateways.wordpress.errors import ContentAltered, MetaDropped, SiteDown, WordPressError, refused
from wp_seo_bridge.model import DraftSummary, Outcome, ReasonCode


def test_the_codes_are_declared_in_both_places_with_a_meaning():
    declared = {code for table in CODES.values() for code in table} | {OTHER}
    assert set(get_args(ReasonCode)) - {""} == declared
    assert all(meaning.strip() for table in CODES.values() for meaning in table.values())


@pytest.mark.parametrize("result,code", [("skipped", ""), ("failed", ""), ("failed", "a bug"),
                                         ("skipped", "rewritten"), ("rewritten", "other"), ("refreshed", "checks")])
def test_an_outcome_without_a_declared_code_is_refused(result, code):
    with pytest.raises(ValueError, match="reason code"):
        Outcome("blog", "1", result, "why", code=code)


def test_a_skip_or_failure_carries_a_code_and_a_batched_send_none():
    assert Outcome("blog", "1", "failed", "why", code="checks").code == "checks"
    assert Outcome("blog", "1", "rewritten").code == ""
    assert Outcome("blog", "1", "skipped", "sent in batch job 7", batched=True).code == ""


@pytest.mark.parametrize("error,code", [
    (refused("locked"), "editing"),  # the claim or the push met the editor's lock
    (refused("changed"), "conflict"),
    (refused("claim_lost"), "conflict"),
    (refused("gone"), "conflict"),
    (refused("login", url="https://blog.example.fr", user="bot"), "wordpress"),
    (refused("post_forbidden", user="bot"), "wordpress"),
    (SiteDown("https://blog.example.fr: no answer within 30 s"), "wordpress"),  # no "WordPress" in its words
    (MetaDropped("post 12: _yoast_wpseo_title not stored"), "wordpress"),
    (ContentAltered("cut on save"), "wordpress"),
    (mistral.AuthError("Mistral refused the API key (HTTP 401)"), "mistral_refused"),
    (mistral.SettingsError("no Mistral API key"), "mistral_refused"),
    (mistral.RateLimited("Mistral rate limit hit (HTTP 429)"), "mistral_unavailable"),
    (mistral.ServerError("Mistral server error (HTTP 503)"), "mistral_unavailable"),
    (mistral.Timeout("not sent: pool timeout"), "mistral_unavailable"),
    (mistral.Truncated("Mistral's answer was cut"), "mistral_answer"),
    (mistral.Malformed("Mistral's answer is not valid JSON"), "mistral_answer"),
    (mistral.Rejected("Mistral rejected the request (HTTP 400)"), "mistral_other"),
])
def test_each_error_names_its_code(error, code):
    assert error.code == code


class _Site:
    site = "blog"


SUMMARY = DraftSummary("7", "draft", None, (), "h1", None, None)


@pytest.mark.parametrize("error,result,code", [
    (refused("locked"), "skipped", "editing"),
    (refused("changed"), "skipped", "conflict"),
    (SiteDown("down"), "failed", "wordpress"),
    (WordPressError("post 7: WordPress answered in a shape this daemon cannot read"), "failed", "wordpress"),
])
def test_a_refused_claim_is_coded_by_its_error(error, result, code):
    o = not_claimed(_Site(), SUMMARY, error, "m")  # type: ignore[arg-type]
    assert (o.result, o.code) == (result, code)


class _Spent(Unlimited):
    def try_start(self) -> str | None:
        return "daily cost budget reached (2.00 EUR spent today, limit 2.00)"


def test_the_gates_refusals_carry_their_codes():
    assert Gate(None, Unlimited(), lambda: False).refusal() is None
    assert Gate(0, Unlimited(), lambda: False).refusal() == ("max 0 posts per pass reached", "budget")
    assert Gate(None, _Spent(), lambda: False).refusal() == (
        "daily cost budget reached (2.00 EUR spent today, limit 2.00)", "budget")
    assert Gate(None, Unlimited(), lambda: True).refusal() == ("stopping", "stopping")
    halted = Gate(None, Unlimited(), lambda: True)
    halted.halt("Mistral refused the request: bad key")
    assert halted.refusal() == ("Mistral refused the request: bad key", "mistral_refused")


def test_every_code_of_a_result_is_one_of_its_table_or_other():
    assert all_codes("skipped") == sorted([*CODES["skipped"], "other"])
    assert "checks" in all_codes("failed") and "checks" not in all_codes("skipped")
