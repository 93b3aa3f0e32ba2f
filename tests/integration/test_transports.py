"""The REST transport's own cases (CRLF imports, author, REST errors), and ``auto`` on a site that blocks xmlrpc.php.

Same real local WordPress and real mistralai SDK against the stand-in as tests/integration/test_sync.py,
with the same helpers (tests/support/sync.py). Gateways come from ``wiring.make_wordpress`` (the product's own choice).
Posts are read back as the admin over XML-RPC (outside any ``xmlrpc_disabled`` block), never from memory.
"""
from __future__ import annotations

import contextlib
import json
from datetime import timedelta

import pytest

from tests.support.sync import REPO, TAG, engine, meta, seed_text, site_cfg, snapshot
from tests.support.wordpress import Account
from wp_seo_bridge.gateways.wordpress.auto import AutoGateway
from wp_seo_bridge.gateways.wordpress.errors import AuthFailed, Forbidden, PluginMissing, SiteDown
from wp_seo_bridge.model import STATE_KEY
from wp_seo_bridge.pipeline import PassSettings, run_pass
from wp_seo_bridge.wiring import make_wordpress

pytestmark = pytest.mark.wordpress

SEED = json.loads((REPO / "wp_seo_bridge/standin/fixtures/seed-fr.json").read_text(encoding="utf-8"))["article"]


def gateway(wp, transport: str = "rest", account: Account | None = None, **kw):
    return make_wordpress(site_cfg(wp, account or wp.bot, transport=transport, **kw))


def one_pass(wp, handle, gw=None, daemon_id="test-daemon"):
    gw = gw or gateway(wp)
    return gw, run_pass(gw, engine(handle), PassSettings(daemon_id, "tag", TAG, timedelta(0)))


def assert_rewritten(wp, post_id: int) -> dict:
    post = snapshot(wp, post_id)
    m = meta(post)
    assert post["post_status"] == "pending" and "<h2" in post["post_content"]
    assert (m["_yoast_wpseo_title"], m["_yoast_wpseo_metadesc"], m["_yoast_wpseo_focuskw"]) == (
        SEED["seo_title"], SEED["meta_description"], SEED["focus_keyphrase"])
    assert post["post_name"] == SEED["slug"] and post["post_title"] == SEED["title"]
    assert json.loads(m[STATE_KEY])["state"] == "rewritten"
    return post


def test_rest_imported_draft_with_crlf_is_claimed_pushed_and_keeps_its_original(site, standin):
    # REST keeps "\r\n" as sent (XML-RPC would not): the hash must still match the plugin's.
    original = seed_text().replace("\n", "\r\n")
    post_id = site.create_post_rest("Import", original, tags=[TAG])
    _, report = one_pass(site, standin)
    assert report.count("rewritten") == 1, report.outcomes
    revisions = site.call("wp.getRevisions", site.admin, post_id, ["post_content"])
    assert any(r["post_content"].replace("\r\n", "\n") == seed_text() for r in revisions)


@pytest.fixture
def author_app(site):
    """An application password for the author account (the site gives one to admin and bot only)."""
    uid = site.user_id(site.author)
    r = site.rest("POST", f"/wp/v2/users/{uid}/application-passwords", site.admin, json={"name": "wpsb-test"})
    assert r.status_code == 201, r.text
    yield Account(site.author.user, site.author.password, r.json()["password"])
    site.rest("DELETE", f"/wp/v2/users/{uid}/application-passwords/{r.json()['uuid']}", site.admin)


def test_rest_an_author_account_cannot_rewrite_someone_elses_draft(site, standin, author_app):
    post_id = site.create_post("Brouillon", seed_text(), tags=[TAG])
    before = snapshot(site, post_id)
    [summary] = gateway(site).list_drafts()  # as the bot (site_cfg's secret is one env var: bot first)
    gw, report = one_pass(site, standin, gateway(site, account=author_app))
    # REST hides other authors' drafts from an author: nothing listed, nothing done.
    assert report.outcomes == [] and snapshot(site, post_id) == before
    # And asked directly, WordPress refuses the claim (the author may not edit it).
    with pytest.raises(Forbidden, match="may not"):
        gw.claim(summary, "test-daemon", 60)
    assert snapshot(site, post_id) == before and standin.completions() == []


@pytest.mark.parametrize("breakage", ["wrong app password", "login password", "plugin missing", "wordpress down"])
def test_rest_site_level_failures_are_one_clear_error_and_change_nothing(site, standin, breakage):
    post_id = site.create_post("Brouillon", seed_text(), tags=[TAG])
    before = snapshot(site, post_id)
    secret = {"wrong app password": "abcd efgh ijkl mnop qrst uvwx",  # well formed, not the bot's
              "login password": site.bot.password}.get(breakage, site.bot.app_password)
    url = "http://127.0.0.1:9" if breakage == "wordpress down" else site.url  # nothing listens on port 9
    cfg = site_cfg(site, site.bot, transport="rest", secret=secret, url=url)
    expected = {"plugin missing": PluginMissing, "wordpress down": SiteDown}.get(breakage, AuthFailed)
    with site.plugin_disabled() if breakage == "plugin missing" else contextlib.nullcontext():
        with pytest.raises(expected) as e:
            one_pass(site, standin, make_wordpress(cfg))
    text = str(e.value)
    assert "\n" not in text and len(text) < 320 and site.bot.password not in text
    if expected is AuthFailed:
        assert "application password" in text and "normal login password" in text
    assert snapshot(site, post_id) == before and standin.completions() == []


def test_auto_uses_xmlrpc_where_it_works(site, standin):
    post_id = site.create_post("Brouillon", seed_text(), tags=[TAG])
    gw, report = one_pass(site, standin, gateway(site, "auto"))
    assert isinstance(gw, AutoGateway) and gw.transport == "xmlrpc" and gw.rest is None
    assert report.count("rewritten") == 1 and gw.calls["seobridge.editPost"] == 1
    assert_rewritten(site, post_id)


def test_auto_completes_a_sync_over_rest_when_xmlrpc_php_is_blocked(site, standin, caplog):
    post_id = site.create_post("La Chine rejette les allégations", seed_text(), tags=[TAG])
    with site.xmlrpc_disabled():
        gw, report = one_pass(site, standin, gateway(site, "auto"))
    assert gw.transport == "rest" and "XML-RPC is blocked" in gw.why_rest
    assert [o.result for o in report.outcomes] == ["rewritten"], report.outcomes
    assert gw.calls["POST /wp/v2/posts/<id>"] == 1 and gw.calls["POST /wp-seo-bridge/v1/notify"] == 1
    assert not {"wp.getPosts", "seobridge.editPost", "seobridge.claimPost"} & set(gw.calls)
    assert any("transport auto → REST" in r.getMessage() for r in caplog.records)  # decided once, logged
    assert_rewritten(site, post_id)
