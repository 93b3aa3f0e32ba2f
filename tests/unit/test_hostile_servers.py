"""Attacks from hostile servers against the gateways (issue 11), each against a real socket on this
machine (tests/support/hostile.py): the URL is the seam, nothing of ours is patched."""
from __future__ import annotations

import time
import xmlrpc.client

import pytest

from tests.support.standin import TEST_KEY
from wp_seo_bridge.config import is_loopback, parse
from wp_seo_bridge.gateways.mistral import MistralError, MistralGateway, MistralSettings, SettingsError
from wp_seo_bridge.gateways.wordpress.errors import InsecureTransport, SiteDown, WordPressError
from wp_seo_bridge.gateways.wordpress.rest import RestGateway
from wp_seo_bridge.gateways.wordpress.xmlrpc import XmlRpcGateway

PASSWORD = "bot-password-not-a-secret"
GATEWAYS = {"xmlrpc": XmlRpcGateway, "rest": RestGateway}


def site(url: str, **kw):
    return parse({"sites": [{"name": "s", "url": url, "user": "bot", "password_env": "WPSB_HOSTILE_PW",
                             **kw}]}).sites[0]


@pytest.fixture(autouse=True)
def _password(monkeypatch):
    monkeypatch.setenv("WPSB_HOSTILE_PW", PASSWORD)  # the environment, not our code


# --- the Mistral key over plain http ------------------------------------------------------------


@pytest.mark.parametrize("url", ["http://10.0.0.5:8765", "http://127.attacker.example:8765",
                                 "http://localhost.attacker.example", "HTTP://api.example.fr"])
def test_the_mistral_key_is_refused_over_plain_http_to_another_host(url):
    with pytest.raises(SettingsError, match="Mistral API key would travel in clear.*mistral.allow_insecure_http"):
        MistralSettings(api_key=TEST_KEY, server_url=url)


def test_the_mistral_key_never_reaches_a_plain_http_server_on_another_host(hostile_remote):
    assert not is_loopback(hostile_remote.url)
    with pytest.raises(SettingsError):
        MistralGateway(MistralSettings(api_key=TEST_KEY, server_url=hostile_remote.url, max_retries=0))
    assert hostile_remote.requests == []
    # the operator's explicit opt-out, as for WordPress
    gw = MistralGateway(MistralSettings(api_key=TEST_KEY, server_url=hostile_remote.url, max_retries=0,
                                        allow_insecure_http=True))
    with pytest.raises(MistralError):  # the hostile server's answer is no article; the key went there all the same
        gw.complete_article([{"role": "user", "content": "x"}])
    gw.close()
    assert hostile_remote.requests[0].headers["Authorization"] == f"Bearer {TEST_KEY}"


@pytest.mark.parametrize("url, loopback", [
    ("http://127.0.0.1:8080", True), ("http://127.8.9.10", True), ("http://[::1]:80", True),
    ("http://localhost:1", True), ("http://LOCALHOST", True),
    ("http://127.attacker.example", False), ("http://127.0.0.1.nip.io", False), ("http://10.0.0.5", False),
    ("http://localhost.attacker.example", False), ("http://[::ffff:10.0.0.1]", False),
])
def test_loopback_is_decided_by_parsing_the_address(url, loopback):
    assert is_loopback(url) is loopback
    assert site(url).is_loopback is loopback


def test_a_wordpress_site_named_like_loopback_is_refused_over_plain_http():
    for gw in GATEWAYS.values():
        with pytest.raises(InsecureTransport):
            gw(site("http://127.attacker.example"))


# --- redirects: never followed, the login never re-sent -----------------------------------------


@pytest.mark.parametrize("transport", GATEWAYS)
@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_refused_and_the_login_goes_nowhere_else(hostile, transport, status):
    catcher_hits = []
    target = f"{hostile.url}/stolen"

    def behaviour(h):
        if h.path.startswith("/stolen"):
            catcher_hits.append(h.path)
            h.reply(200, b"{}")
        else:
            h.reply(status, b"", {"Location": target})

    hostile.answer(behaviour)
    gw = GATEWAYS[transport](site(hostile.url))
    with pytest.raises(WordPressError, match=r"redirects to .*/stolen.*not followed"):
        gw.site_info()
    assert catcher_hits == [] and [r.path for r in hostile.requests if r.path.startswith("/stolen")] == []
    assert len(hostile.requests) == 1  # one request, never a second one carrying the login


# --- a wall-clock deadline on every WordPress request ----------------------------------------------


def _dripper(hostile, head_first: bool):
    body = b"x" * 200

    def behaviour(h):
        raw = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
               str(len(body)).encode() + b"\r\n\r\n" + body)
        if head_first:  # headers at once, then the body a byte every 0.1 s (each read well within timeout)
            split = raw.index(b"\r\n\r\n") + 4
            h.wfile.write(raw[:split])
            h.wfile.flush()
            raw = raw[split:]
        h.drip(raw, 0.1, hostile.stopping)

    hostile.answer(behaviour)


@pytest.mark.parametrize("transport", GATEWAYS)
@pytest.mark.parametrize("head_first", [True, False], ids=["dripped-body", "dripped-headers"])
def test_a_server_dripping_its_answer_is_cut_at_the_deadline(hostile, transport, head_first):
    _dripper(hostile, head_first)
    gw = GATEWAYS[transport](site(hostile.url, timeout_s=0.5))
    started = time.monotonic()
    with pytest.raises(SiteDown, match=r"no complete answer within 0\.5 s"):
        gw.site_info()
    assert time.monotonic() - started < 15  # the whole drip takes ~20 s: cut well before its end


def test_sync_once_ends_when_the_site_drips(hostile, tmp_path, standin):
    """The pass, not only the call: `sync --once` against a dripping site ends, with the reason."""
    import os
    import subprocess
    import sys

    _dripper(hostile, head_first=True)
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[daemon]\nstate_dir = "{tmp_path}"\n[[sites]]\nname = "slow"\nurl = "{hostile.url}"\n'
                   f'user = "bot"\npassword_env = "WPSB_HOSTILE_PW"\ntimeout_s = 1\n')
    env = {**os.environ, "MISTRAL_API_KEY": "k", "MISTRAL_SERVER_URL": standin.url}
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "wp_seo_bridge", "--config", str(cfg), "sync", "--once"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert time.monotonic() - started < 15
    assert "no complete answer within 1 s" in proc.stdout + proc.stderr and proc.returncode == 1


# --- oversized answers ------------------------------------------------------------------------------


@pytest.mark.parametrize("transport", GATEWAYS)
def test_an_oversized_answer_is_refused_before_it_is_read(hostile, transport):
    hostile.answer(lambda h: h.reply(200, b"[]", {"Content-Length": str(64 * 1024 * 1024)}))
    with pytest.raises(WordPressError, match="larger than 16 MB"):
        GATEWAYS[transport](site(hostile.url)).site_info()


@pytest.mark.parametrize("transport", GATEWAYS)
def test_an_oversized_answer_without_a_length_is_cut_at_the_cap(hostile, transport):
    def behaviour(h):  # 20 MB, chunked: no Content-Length to refuse it up front
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        chunk = b" " * (1024 * 1024)
        for _ in range(20):
            h.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        h.wfile.write(b"0\r\n\r\n")

    hostile.answer(behaviour)
    with pytest.raises(WordPressError, match="larger than 16 MB"):
        GATEWAYS[transport](site(hostile.url)).site_info()


# --- oddly shaped answers: a WordPressError, never a crash of the pass ---------------------------------


def _xmlrpc_site(hostile, answers: dict):
    """An XML-RPC server answering ``answers[method]`` (mt.supportedMethods lists them)."""
    def behaviour(h):
        method = xmlrpc.client.loads(h.server.owner.requests[-1].body)[1]
        value = list(answers) if method == "mt.supportedMethods" else answers[method]
        h.reply(200, xmlrpc.client.dumps((value,), methodresponse=True).encode(), {"Content-Type": "text/xml"})

    hostile.answer(behaviour)
    return XmlRpcGateway(site(hostile.url))


def _rest_site(hostile, answers: dict):
    """A REST server answering ``answers[path]`` (raw bytes) with 200."""
    def behaviour(h):
        path = h.path.split("?")[0].removeprefix("/wp-json")
        h.reply(200, answers[path])

    hostile.answer(behaviour)
    return RestGateway(site(hostile.url))


DEEP = b"[" * 200_000 + b"]" * 200_000
SUMMARY = {"expect_hash": "h"}


@pytest.mark.parametrize("body", [DEEP, b"[1, 2]", b'"text"', b'{"version": "0.3.0", "used_keyphrases": 5}'],
                         ids=["deep", "list", "string", "odd-keyphrases"])
def test_rest_oddly_shaped_info_is_a_wordpress_error(hostile, body):
    gw = _rest_site(hostile, {"/wp-seo-bridge/v1/info": body})
    with pytest.raises(WordPressError):
        gw.site_info()


@pytest.mark.parametrize("body", [b"[1, 2]", b'[{"no": "id"}]', b'{"a": 1}', b'[{"id": 1, "seo_bridge": [1]}]'])
def test_rest_oddly_shaped_draft_listing_is_a_wordpress_error(hostile, body):
    gw = _rest_site(hostile, {"/wp-seo-bridge/v1/drafts": body})
    with pytest.raises(WordPressError):
        list(gw.list_drafts())


@pytest.mark.parametrize("info", [[1, 2], "text", {"version": "0.3.0", "used_keyphrases": 5}])
def test_xmlrpc_oddly_shaped_info_is_a_wordpress_error(hostile, info):
    gw = _xmlrpc_site(hostile, {"seobridge.info": info})
    with pytest.raises(WordPressError):
        gw.site_info()


@pytest.mark.parametrize("page", [[1, 2], [{"no": "id"}], {"a": 1}, 7])
def test_xmlrpc_oddly_shaped_draft_listing_is_a_wordpress_error(hostile, page):
    gw = _xmlrpc_site(hostile, {"wp.getPosts": page})
    with pytest.raises(WordPressError):
        list(gw.list_drafts())


@pytest.mark.parametrize("answer", ["text", [1], {"post_id": None}])
def test_xmlrpc_oddly_shaped_claim_is_a_wordpress_error(hostile, answer):
    from wp_seo_bridge.model import DraftSummary

    gw = _xmlrpc_site(hostile, {"seobridge.claimPost": answer})
    with pytest.raises(WordPressError):
        gw.claim(DraftSummary("1", "draft", None, (), "h", None, None), "d", 60)
