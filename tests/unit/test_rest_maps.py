"""The REST transport's field maps, error mapping and paging: pure code, no server.

Where a behaviour needs answers (paging, ?rest_route= fallback, redirects), a requests transport adapter
plays the site: the Session is the gateway's seam, as in production.
"""
from __future__ import annotations

import io
import json
import os
import xmlrpc.client
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import urllib3
from requests.adapters import BaseAdapter

from wp_seo_bridge.config import parse
from wp_seo_bridge.gateways.wordpress.auto import AutoGateway
from wp_seo_bridge.gateways.wordpress.base import PostUpdate
from wp_seo_bridge.gateways.wordpress.errors import (
    AuthFailed,
    Conflict,
    Forbidden,
    InsecureTransport,
    MetaDropped,
    PluginMissing,
    RestDisabled,
    SiteDown,
    WordPressError,
)
from wp_seo_bridge.gateways.wordpress.rest import (
    PAGE_SIZE,
    RestGateway,
    draft_from_json,
    error_for,
    summary_from_json,
    update_body,
)
from wp_seo_bridge.gateways.wordpress.xmlrpc import RequestsTransport, XmlRpcGateway
from wp_seo_bridge.model import source_hash


def site(url: str = "https://blog.example.fr", **kw):
    return parse({"sites": [{"name": "s", "url": url, "user": "bot", "password_env": "WPSB_UNIT_PW", **kw}]}).sites[0]


os.environ["WPSB_UNIT_PW"] = "abcd efgh ijkl mnop"  # read by SiteConfig.password() at call time


POST = {
    "id": 7, "status": "draft", "modified_gmt": "2026-11-28T10:11:12",
    "title": {"raw": "Titre\r\n", "rendered": "Titre"},
    "content": {"raw": "Un\r\n\r\nDeux", "rendered": "<p>Un</p>"},
    "tags": [3, 9],
    "meta": {"_yoast_wpseo_title": "old", "_yoast_wpseo_focuskw": "", "_wp_seo_bridge_state": ""},
    "seo_bridge": {"content_hash": "h", "locked_by": 0, "tags": ["seo-bridge", "tech"],
                   "state": '{"state":"failed","source_hash":"h","at":"x","reason":"court"}'},
}


# --- field maps --------------------------------------------------------------------------


def test_summary_takes_tag_slugs_from_the_plugin_field_not_term_ids():
    s = summary_from_json(POST)
    assert s.post_id == "7" and s.tags == ("seo-bridge", "tech") and s.content_hash == "h"
    assert s.modified_gmt == datetime(2026, 11, 28, 10, 11, 12, tzinfo=timezone.utc)
    assert s.state.state == "failed" and s.locked_by is None


def test_summary_tolerates_garbage_state_and_a_missing_plugin_field():
    s = summary_from_json({"id": 1, "status": "draft", "modified_gmt": None,
                           "seo_bridge": {"state": "{nope", "locked_by": "4"}})
    assert s.state is None and s.locked_by == 4 and s.modified_gmt is None
    assert summary_from_json({"id": 2, "seo_bridge": None}).tags == ()


def test_draft_normalises_line_endings_so_its_hash_equals_the_plugins():
    d = draft_from_json(POST)
    assert (d.title, d.content) == ("Titre\n", "Un\n\nDeux")
    assert d.hash == source_hash("Titre\n", "Un\n\nDeux")
    # Only meta that holds something, like XML-RPC's stored rows.
    assert set(d.meta) == {"_yoast_wpseo_title"} and d.meta_value("_yoast_wpseo_title") == "old"


def test_draft_without_raw_text_is_refused_rather_than_rewritten_from_rendered_html():
    with pytest.raises(WordPressError, match="no raw title"):
        draft_from_json({**POST, "title": {"rendered": "Titre"}})


def test_update_body_sends_the_guard_and_never_dates_or_terms():
    d = draft_from_json(POST)
    b = update_body(d, PostUpdate("Nouveau", "<p>x</p>", "nouveau", {"_yoast_wpseo_title": "A"}), "d1")
    assert b["wp_seo_bridge_if_unmodified_since"] == "2026-11-28T10:11:12Z"
    assert b["wp_seo_bridge_expect_hash"] == d.hash and b["wp_seo_bridge_daemon"] == "d1"
    assert b["status"] == "pending" and b["meta"] == {"_yoast_wpseo_title": "A"}
    assert not {"date", "date_gmt", "modified", "modified_gmt", "tags", "categories", "sticky", "author"} & set(b)
    floating = draft_from_json({**POST, "modified_gmt": None})
    assert "wp_seo_bridge_if_unmodified_since" not in update_body(floating, PostUpdate("t", "c", "s", {}), "d1")


# --- error mapping -----------------------------------------------------------------------


def err(status, payload, about_post=False):
    return error_for(status, payload, site=site(), where="https://blog.example.fr/wp-json", about_post=about_post)


@pytest.mark.parametrize("status,payload,about_post,cls,words", [
    (401, {"code": "wpsb_cannot_edit", "data": {"status": 401}}, False, AuthFailed, "application password"),
    (401, {"code": "incorrect_password"}, False, AuthFailed, "normal login password"),
    (400, {"code": "rest_invalid_param", "data": {"status": 400, "details": {
        "status": {"code": "rest_forbidden_status", "data": {"status": 401}}}}}, False, AuthFailed, "bot"),
    (404, {"code": "rest_disabled"}, False, RestDisabled, "disabled or restricted"),
    (403, {"code": "rest_forbidden"}, False, RestDisabled, "disabled or restricted"),
    (401, {"code": "rest_cannot_access"}, False, RestDisabled, "did not accept the application password"),
    (404, None, False, RestDisabled, "no REST API here"),
    (403, None, False, RestDisabled, "firewall"),
    (404, {"code": "rest_no_route"}, False, RestDisabled, "no such REST route"),
    (409, {"code": "wpsb_modified"}, True, Conflict, "changed in WordPress"),
    (409, {"code": "wpsb_not_claimed"}, True, Conflict, "claim expired"),
    (423, {"code": "wpsb_edit_locked"}, True, Conflict, "open in the editor"),
    (404, {"code": "wpsb_no_post"}, True, Conflict, "no longer exists"),
    (403, {"code": "wpsb_cannot_edit"}, True, Forbidden, "may not do this on this post"),
    (403, {"code": "wpsb_cannot_edit"}, False, Forbidden, "may not edit posts"),
    (500, None, False, SiteDown, "HTTP 500"),
    (502, {"code": "x"}, False, SiteDown, "HTTP 502"),
    (400, {"code": "rest_invalid_param", "data": {"params": {"slug": "bad"}}}, True, WordPressError, "slug"),
])
def test_each_answer_maps_to_one_clear_error(status, payload, about_post, cls, words):
    e = err(status, payload, about_post)
    assert type(e) is cls and words in str(e)
    assert "\n" not in str(e) and len(str(e)) < 320 and "abcd" not in str(e)


# --- the gateway over a canned transport -------------------------------------------------


class Site(BaseAdapter):
    """A requests transport adapter answering like a WordPress site; records what was asked."""

    def __init__(self, handler):
        super().__init__()
        self.handler = handler
        self.seen: list[requests.PreparedRequest] = []

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        self.seen.append(request)
        assert timeout and verify is not False  # explicit timeouts, TLS verified (a CA bundle path counts)
        parts = urlsplit(request.url)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        payload = request.body if "xml" in request.headers.get("Content-Type", "") else (
            json.loads(request.body) if request.body else None)
        status, headers, body = self.handler(request.method, parts.path, query, payload)
        if isinstance(body, Exception):
            r = requests.Response()
            r.status_code, r.url, r.request, r.raw = status, request.url, request, _Broken(body)
            return r
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        r = requests.Response()
        r.status_code, r.url, r.request = status, request.url, request
        r.headers.update(headers)
        r.raw = _Raw(raw)
        return r

    def close(self):
        pass


class _Broken(io.BytesIO):
    def __init__(self, error):
        super().__init__()
        self.error = error

    def read(self, n=-1, decode_content=False):
        raise self.error


class _Raw(io.BytesIO):
    """urllib3's body API as the gateway uses it."""

    def read(self, n=-1, decode_content=False):
        return super().read(n)


def gateway(handler, url="https://blog.example.fr"):
    adapter = Site(handler)
    s = requests.Session()
    s.mount("https://", adapter)
    s.mount("http://", adapter)
    return RestGateway(site(url), session=s), adapter


def test_drafts_are_listed_page_by_page_until_x_wp_totalpages():
    posts = [{"id": i, "status": "draft", "modified_gmt": "2026-01-01T00:00:00",
              "seo_bridge": {"content_hash": str(i), "tags": [], "state": "", "locked_by": 0}} for i in range(1, 1251)]

    def handler(method, path, q, body):
        assert path == "/wp-json/wp-seo-bridge/v1/drafts" and q["per_page"] == "500"
        page = int(q["page"])
        chunk = posts[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        return 200, {"X-WP-TotalPages": "3", "X-WP-Total": "1250"}, chunk

    gw, adapter = gateway(handler)
    got = list(gw.list_drafts())
    assert [s.post_id for s in got] == [str(i) for i in range(1, 1251)]
    assert len(adapter.seen) == 3 and gw.calls["GET /wp-seo-bridge/v1/drafts"] == 3
    assert adapter.seen[0].headers["Authorization"].startswith("Basic ")


def test_without_paging_headers_a_short_page_is_the_last():
    def handler(method, path, q, body):
        n = PAGE_SIZE if q["page"] == "1" else 3
        return 200, {}, [{"id": int(q["page"]) * 1000 + i, "seo_bridge": {}} for i in range(n)]

    gw, adapter = gateway(handler)
    assert len(list(gw.list_drafts())) == PAGE_SIZE + 3 and len(adapter.seen) == 2


def test_sites_without_pretty_permalinks_are_reached_through_rest_route_once_found():
    def handler(method, path, q, body):
        if path.startswith("/wp-json"):
            return 404, {"Content-Type": "text/html"}, b"<html>Not found</html>"
        assert path == "/" and q["rest_route"] == "/wp-seo-bridge/v1/info"
        return 200, {}, {"version": "0.3.0", "sync_enabled": True, "opt_in": "tag", "opt_in_tag": "t",
                         "can_publish": False, "used_keyphrases": ["Cloud"]}

    gw, adapter = gateway(handler)
    info = gw.site_info()
    assert info.sync_enabled and info.used_keyphrases == {"cloud"}
    assert info.wp_version == "6.1"  # a plugin that does not say: the oldest supported markup
    gw.site_info()
    assert len(adapter.seen) == 3  # the pretty URL is tried once, never again


@pytest.mark.parametrize("version", ["0.2.0", "", "0.2.9-beta"])
def test_a_plugin_older_than_the_daemon_needs_is_named_with_the_fix(version):
    gw, _ = gateway(lambda *a: (200, {}, {"version": version, "sync_enabled": True}))
    with pytest.raises(PluginMissing, match=r"plugin 'wp-seo-bridge' is version .*needs 0\.3\.0 or later.*--zip"):
        gw.site_info()
    gw, _ = gateway(lambda *a: (200, {}, {"version": "0.10.1", "sync_enabled": True, "wp_version": "7.1"}))
    assert gw.site_info().plugin_version == "0.10.1"  # compared as numbers, not text
    assert gw.site_info().wp_version == "7.1"


def test_our_route_missing_means_the_plugin_is_missing_when_rest_itself_works():
    def handler(method, path, q, body):
        if path == "/wp-json/":
            return 200, {}, {"namespaces": ["oembed/1.0", "wp/v2"]}
        return 404, {}, {"code": "rest_no_route", "message": "Aucune route", "data": {"status": 404}}

    gw, _ = gateway(handler)
    with pytest.raises(PluginMissing, match="companion plugin 'wp-seo-bridge' is not active"):
        gw.site_info()


def test_redirects_are_not_followed_a_moved_site_is_a_config_fix():
    gw, adapter = gateway(lambda *a: (301, {"Location": "https://www.blog.example.fr/wp-json/x"}, b""))
    with pytest.raises(WordPressError, match="redirects to https://www.blog.example.fr"):
        gw.site_info()
    assert len(adapter.seen) == 1


def test_push_checks_what_the_update_answers_as_stored_and_refuses_a_silent_drop():
    sent = {}

    def handler(method, path, q, body):
        assert method == "POST" and q == {"_fields": "status,meta,wp_seo_bridge_scores,wp_seo_bridge_stored"}
        sent.update(body)
        return 200, {}, {"status": "pending", "meta": {"_yoast_wpseo_title": "A", "_yoast_wpseo_focuskw": ""}}

    gw, adapter = gateway(handler)
    update = PostUpdate("T", "<p>x</p>", "t", {"_yoast_wpseo_title": "A", "_yoast_wpseo_focuskw": "cloud"})
    with pytest.raises(MetaDropped, match="_yoast_wpseo_focuskw"):
        gw.push(draft_from_json(POST), update, "d1")
    # One round trip: the update's own answer is the read-back.
    assert sent["wp_seo_bridge_daemon"] == "d1" and [r.method for r in adapter.seen] == ["POST"]


def test_push_accepts_an_update_stored_as_sent():
    update = PostUpdate("T", "<p>x</p>", "t", {"_yoast_wpseo_title": "A"})
    gw, adapter = gateway(lambda *a: (200, {}, {"status": "pending", "meta": {"_yoast_wpseo_title": "A"}}))
    gw.push(draft_from_json(POST), update, "d1")
    gw, _ = gateway(lambda *a: (200, {}, {"status": "publish", "meta": {"_yoast_wpseo_title": "A"}}))
    with pytest.raises(WordPressError, match="status is 'publish', expected 'pending'"):
        gw.push(draft_from_json(POST), update, "d1")


def test_push_refuses_stored_content_whose_fingerprint_is_not_the_articles():
    from wp_seo_bridge.gateways.wordpress.errors import ContentAltered
    from wp_seo_bridge.markup.stored import fingerprint

    sent = '<p><a href="https://x.fr" onclick="go()">x</a></p>'
    update = PostUpdate("T", sent, "t", {"_yoast_wpseo_title": "A"}, fingerprint=fingerprint(sent))
    cut = '<p><a href="https://x.fr">x</a></p>'
    answers = {
        "cut, rolled back": {"fingerprint": fingerprint(cut), "rolled_back": True, "content": cut},
        "cut, kept": {"fingerprint": fingerprint(cut), "rolled_back": False},
        "no proof": None,
    }
    for what, stored in answers.items():
        gw, _ = gateway(lambda *a, s=stored: (200, {}, {"status": "pending", "meta": {"_yoast_wpseo_title": "A"},
                                                        "wp_seo_bridge_stored": s}))
        with pytest.raises(ContentAltered) as e:
            gw.push(draft_from_json(POST), update, "d1")
        assert e.value.rolled_back == (what == "cut, rolled back")
        assert e.value.stored == (stored or {}).get("content", "")
    # Re-serialised by kses, nothing lost: the same fingerprint, accepted.
    kept = '<p><a onclick=\'go()\' href="HTTPS://x.fr" >x</a></p>'
    gw, adapter = gateway(lambda *a: (200, {}, {"status": "pending", "meta": {"_yoast_wpseo_title": "A"},
                                                "wp_seo_bridge_stored": {"fingerprint": fingerprint(kept),
                                                                         "rolled_back": False}}))
    gw.push(draft_from_json(POST), update, "d1")
    assert json.loads(adapter.seen[0].body)["wp_seo_bridge_expect_fingerprint"] == fingerprint(sent)


def test_a_connection_broken_mid_answer_is_site_down():
    gw, _ = gateway(lambda *a: (200, {}, urllib3.exceptions.ProtocolError("Connection broken: IncompleteRead")))
    with pytest.raises(SiteDown, match="broke while reading"):
        gw.site_info()


def test_plain_http_to_a_remote_host_is_refused_before_any_call():
    with pytest.raises(InsecureTransport, match="application password would travel in clear"):
        RestGateway(site("http://blog.example.fr"))
    RestGateway(site("http://blog.example.fr", allow_insecure_http=True))
    RestGateway(site("http://127.0.0.1:8080"))


def test_connection_refused_is_site_down():
    with pytest.raises(SiteDown, match="cannot connect"):
        RestGateway(site("http://127.0.0.1:9")).site_info()


# --- transport = "auto" ------------------------------------------------------------------

INFO = {"version": "0.3.0", "sync_enabled": True, "opt_in": "tag", "opt_in_tag": "t", "can_publish": False,
        "used_keyphrases": []}


def auto_over(handler):
    """An AutoGateway whose two transports talk to one canned site."""
    adapter = Site(handler)
    s = requests.Session()
    s.mount("https://", adapter)
    cfg = site()
    xmlrpc = XmlRpcGateway(cfg, transport=RequestsTransport(f"{cfg.url}/xmlrpc.php", session=s))
    return AutoGateway(cfg, xmlrpc=xmlrpc, rest=lambda: RestGateway(cfg, session=s)), adapter


@pytest.mark.parametrize("blocked", [403, 405])
def test_auto_falls_back_to_rest_once_when_xmlrpc_php_is_blocked(blocked, caplog):
    def handler(method, path, q, body):
        if path == "/xmlrpc.php":
            return blocked, {"Content-Type": "text/plain"}, b"XML-RPC is disabled on this server."
        assert path == "/wp-json/wp-seo-bridge/v1/info"
        return 200, {}, INFO

    gw, adapter = auto_over(handler)
    assert gw.site_info().sync_enabled and gw.site_info().opt_in_tag == "t"
    assert gw.transport == "rest" and f"HTTP {blocked}" in gw.why_rest
    assert [urlsplit(r.url).path for r in adapter.seen].count("/xmlrpc.php") == 1  # decided once
    assert gw.calls["GET /wp-seo-bridge/v1/info"] == 2
    assert sum("transport auto → REST" in r.getMessage() for r in caplog.records) == 1


def test_auto_does_not_fall_back_on_a_wrong_password():
    fault = xmlrpc.client.dumps(xmlrpc.client.Fault(403, "Identifiant ou mot de passe incorrect."),
                                methodresponse=True).encode()
    methods = xmlrpc.client.dumps((["seobridge.info", "wp.getPosts"],), methodresponse=True).encode()

    def handler(method, path, q, body):
        assert path == "/xmlrpc.php"  # never REST
        return 200, {"Content-Type": "text/xml"}, methods if b"mt.supportedMethods" in body else fault

    gw, _ = auto_over(handler)
    with pytest.raises(AuthFailed):
        gw.site_info()
    assert gw.transport == "" and gw.rest is None


def test_auto_says_both_doors_are_closed_in_one_line():
    def handler(method, path, q, body):
        if path == "/xmlrpc.php":
            return 405, {}, b"blocked"
        return 403, {}, {"code": "rest_forbidden", "message": "Non.", "data": {"status": 403}}

    gw, _ = auto_over(handler)
    with pytest.raises(RestDisabled) as e:
        gw.site_info()
    assert "REST API is disabled" in str(e.value) and "XML-RPC is blocked" in str(e.value)
    assert "\n" not in str(e.value)


# --- claims in batches -----------------------------------------------------------------------


def _summaries(*ids: int):
    return [summary_from_json({**POST, "id": i}) for i in ids]


def test_a_round_of_claims_is_one_batch_request_judged_claim_by_claim():
    def handler(method, path, q, body):
        assert (method, path) == ("POST", "/wp-json/batch/v1")
        assert [r["path"] for r in body["requests"]] == [f"/wp-seo-bridge/v1/claim/{i}" for i in (7, 8, 9)]
        assert {r["body"]["daemon_id"] for r in body["requests"]} == {"d1"}
        return 200, {}, {"responses": [
            {"status": 200, "body": {**POST, "id": 7}},
            {"status": 409, "body": {"code": "wpsb_changed", "message": "changé", "data": {"status": 409}}},
            {"status": 403, "body": {"code": "rest_cannot_edit", "message": "non", "data": {"status": 403}}},
        ]}

    gw, adapter = gateway(handler)
    claims = gw.claim_many(_summaries(7, 8, 9), "d1", 600)
    assert claims[0].post_id == "7" and isinstance(claims[1], Conflict) and isinstance(claims[2], WordPressError)
    assert len(adapter.seen) == 1


def test_a_site_refusing_batches_is_claimed_one_request_per_draft_from_then_on():
    def handler(method, path, q, body):
        if path == "/wp-json/batch/v1":
            return 403, {}, {"code": "rest_forbidden", "message": "batch off", "data": {"status": 403}}
        return 200, {}, {**POST, "id": int(path.rsplit("/", 1)[1])}

    gw, adapter = gateway(handler)
    assert [c.post_id for c in gw.claim_many(_summaries(7, 8), "d1", 600)] == ["7", "8"]
    assert [c.post_id for c in gw.claim_many(_summaries(9, 10), "d1", 600)] == ["9", "10"]
    assert gw.calls["POST /batch/v1"] == 1 and gw.calls["POST /wp-seo-bridge/v1/claim/<id>"] == 4


def test_a_multicall_whose_later_logins_are_refused_falls_back_to_one_claim_per_request():
    """Some security plugins let the first login of a multicall through and fault the others (403)."""
    methods = xmlrpc.client.dumps((["seobridge.claimPost", "seobridge.info"],), methodresponse=True).encode()
    post = {"post_id": "7", "post_title": "T", "post_content": "C", "post_status": "draft", "custom_fields": []}
    multicall = xmlrpc.client.dumps(([[post], {"faultCode": 403, "faultString": "Trop de connexions."}],),
                                    methodresponse=True).encode()
    single = xmlrpc.client.dumps(({**post, "post_id": "8"},), methodresponse=True).encode()

    def handler(method, path, q, body):
        if b"mt.supportedMethods" in body:
            return 200, {"Content-Type": "text/xml"}, methods
        return 200, {"Content-Type": "text/xml"}, multicall if b"system.multicall" in body else single

    adapter = Site(handler)
    s = requests.Session()
    s.mount("https://", adapter)
    cfg = site()
    gw = XmlRpcGateway(cfg, transport=RequestsTransport(f"{cfg.url}/xmlrpc.php", session=s))
    claims = gw.claim_many(_summaries(7, 8), "d1", 600)
    assert [c.post_id for c in claims] == ["8", "8"]  # both claimed again one by one (canned answer: post 8)
    assert gw.calls["system.multicall"] == 1 and gw.calls["seobridge.claimPost"] == 2
    gw.claim_many(_summaries(9, 10), "d1", 600)
    assert gw.calls["system.multicall"] == 1  # not tried again
