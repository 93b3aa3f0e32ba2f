"""Refresh of published posts (issue 14), end to end on the real local WordPress with Yoast: the daemon's rewrite
of a published post is a proposal beside it; visitors see the live post, exactly as before, until an editor's
Approve; Reject and Roll back bring everything back; an edited live post makes the proposal stale; two daemons
make one proposal; the bot can neither write the live post nor apply its proposal.

What visitors see is read from the front end over HTTP (``<title>``, meta description, canonical URL, the article's
paragraphs), as a visitor's browser gets it.
"""
from __future__ import annotations

import html
import json
import re
import threading
import xmlrpc.client
from datetime import timedelta

import pytest
import requests

from tests.support.sync import SOURCES, TAG, engine, seed_text, site_cfg
from wp_seo_bridge.model import source_hash
from wp_seo_bridge.pipeline import PassSettings, run_pass
from wp_seo_bridge.wiring import make_wordpress

pytestmark = pytest.mark.wordpress

YOAST = {"_yoast_wpseo_title": "Ancien titre SEO de l’article publié",
         "_yoast_wpseo_metadesc": "Ancienne méta description de l’article publié, écrite à la main il y a longtemps.",
         "_yoast_wpseo_focuskw": "pirates chinois"}  # the seed fixture's: the author's keyphrase is kept
LIVE_TITLE = "La Chine rejette les allégations"
#: The per-post calls of a refresh, per transport: the same claim as a draft's, and the proposal's guarded write.
PER_POST = {"xmlrpc": ("seobridge.claimPost", "seobridge.proposeRefresh"),
            "rest": ("POST /wp-seo-bridge/v1/claim/<id>", "POST /wp-seo-bridge/v1/propose/<id>")}


@pytest.fixture
def site(reset):
    reset.option("wp_seo_bridge_sync_enabled", "1")
    reset.option("wp_seo_bridge_refresh_enabled", "1")
    return reset


def one_pass(wp, handle, transport="xmlrpc", daemon_id="test-daemon"):
    gw = make_wordpress(site_cfg(wp, transport=transport))
    return gw, run_pass(gw, engine(handle), PassSettings(daemon_id, "tag", TAG, timedelta(0)))


def live_post(wp, title=LIVE_TITLE, status="publish", tags=(TAG,)) -> int:
    return wp.create_post(title, seed_text(), status=status, tags=list(tags), meta=dict(YOAST))


def stored(wp, post_id: int) -> dict:
    p = wp.call("wp.getPost", wp.admin, post_id, ["post_title", "post_content", "post_status", "post_name",
                                                   "post_modified_gmt", "link", "custom_fields"])
    p["meta"] = {f["key"]: f["value"] for f in p.pop("custom_fields")}
    p["post_modified_gmt"] = str(p["post_modified_gmt"])
    return p


def front(url: str) -> dict:
    """What a visitor gets at ``url``: status, title, meta description, canonical, the paragraphs' text."""
    r = requests.get(url, timeout=30, allow_redirects=False)
    page = r.text
    desc = re.search(r'<meta name="description" content="([^"]*)"', page)
    canonical = re.search(r'<link rel="canonical" href="([^"]*)"', page)
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    paragraphs = [html.unescape(re.sub(r"<[^>]+>", "", p)).strip() for p in re.findall(r"<p[ >].*?</p>", page, re.S)]
    return {"status": r.status_code, "title": html.unescape(title.group(1).strip()) if title else None,
            "description": html.unescape(desc.group(1)) if desc else None,
            "canonical": canonical.group(1) if canonical else None, "paragraphs": [p for p in paragraphs if p]}


def proposals(wp) -> list[dict]:
    """Every proposal post in the database, read as the admin through the plugin's helper-free path: core's
    wp.getPosts with the private type (the admin may list any registered type)."""
    try:
        return wp.call("wp.getPosts", wp.admin, {"post_type": "wpsb_proposal", "post_status": "any", "number": 50},
                       ["post_id", "post_parent", "post_title", "post_content", "post_status"])
    except xmlrpc.client.Fault:
        return []


def action_url(wp, session: requests.Session, post_id: int, name: str) -> str:
    """The row action the editor sees in the Posts list (nonce included); the list, unlike the edit screen,
    takes no edit lock."""
    page = session.get(f"{wp.url}/wp-admin/edit.php", params={"post_status": "all"}, timeout=30).text
    for url in re.findall(rf'class="wpsb-refresh-{name}"[^>]* href="([^"]+)"', page):
        url = html.unescape(url)
        if re.search(rf"[?&]post={post_id}(&|$)", url):
            return url
    raise AssertionError(f"no {name} action for post {post_id} in the Posts list")


def act(wp, account, post_id: int, name: str) -> requests.Response:
    s = wp.admin_session(account)
    return s.get(action_url(wp, s, post_id, name), timeout=60, allow_redirects=False)


def test_a_published_post_gets_a_proposal_and_visitors_see_the_live_post_until_approve(site, standin, transport):
    post_id = live_post(site)
    before = stored(site, post_id)
    seen_before = front(before["link"])
    assert seen_before["status"] == 200
    assert seen_before["description"] == site.printed_by_yoast(YOAST["_yoast_wpseo_metadesc"])
    assert (site.printed_by_yoast(YOAST["_yoast_wpseo_title"]) or LIVE_TITLE) in seen_before["title"]

    gw, report = one_pass(site, standin, transport)
    assert [o.result for o in report.outcomes] == ["refreshed"], report.outcomes
    assert "refreshed" in report.total_line()
    assert [gw.calls[k] for k in PER_POST[transport]] == [1, 1], gw.calls

    # The live post: not one byte changed (content, title, slug, status, date, Yoast fields), nor what visitors get.
    after = stored(site, post_id)
    assert {k: after[k] for k in ("post_title", "post_content", "post_status", "post_name", "post_modified_gmt")} == \
        {k: before[k] for k in ("post_title", "post_content", "post_status", "post_name", "post_modified_gmt")}
    assert {k: after["meta"].get(k) for k in YOAST} == YOAST
    assert front(before["link"]) == seen_before
    # The proposal: one child post of the private type, holding the rewrite and its Yoast fields.
    [proposal] = proposals(site)
    assert int(proposal["post_parent"]) == post_id and "<h2" in proposal["post_content"]
    fixture = json.loads((SOURCES.parent / "seed-fr.json").read_text(encoding="utf-8"))["article"]
    assert proposal["post_title"] == fixture["title"]
    # Not visible to visitors: no URL of its own, not in search, not in Yoast's sitemap.
    assert requests.get(f"{site.url}/?p={proposal['post_id']}", timeout=30).status_code == 404
    assert fixture["title"] not in requests.get(f"{site.url}/?s=Storm-0558", timeout=30).text
    # The e-mail of the pass says it is a refresh.
    mails = site.mails()
    assert mails and ("Refresh of a published post" in mails[-1]["message"]
                      or "Rafraîchissement d’un article publié" in mails[-1]["message"]), mails

    # A second pass: the same live version is never rewritten twice.
    _, again = one_pass(site, standin, transport)
    assert [o.result for o in again.outcomes] == ["skipped"] and len(standin.completions()) == 1

    # Approve (an editor): the proposal's title, content and Yoast fields are live, at the same URL.
    r = act(site, site.editor, post_id, "approve")
    assert r.status_code == 302 and "wpsb_done=refresh_approve" in r.headers["location"], r.text[:500]
    approved = stored(site, post_id)
    assert approved["post_name"] == before["post_name"] and approved["link"] == before["link"]
    assert approved["post_title"] == fixture["title"] and "<h2" in approved["post_content"]
    assert approved["meta"]["_yoast_wpseo_metadesc"] == fixture["meta_description"]
    assert approved["meta"]["_yoast_wpseo_focuskw"] == YOAST["_yoast_wpseo_focuskw"]  # the author's, kept
    seen = front(before["link"])
    assert seen["status"] == 200 and seen["description"] == site.printed_by_yoast(fixture["meta_description"])
    assert seen["canonical"] == seen_before["canonical"]
    assert seen["paragraphs"] != seen_before["paragraphs"]
    assert proposals(site) == []
    # The previous live version is a core revision.
    revisions = site.call("wp.getRevisions", site.admin, post_id, ["post_content"])
    assert any(r["post_content"] == before["post_content"] for r in revisions)
    # The approved version is ours: not rewritten again.
    _, third = one_pass(site, standin, transport)
    assert [o.result for o in third.outcomes] == ["skipped"] and len(standin.completions()) == 1

    # Roll back: the previous title, content and Yoast fields are live again, as visitors see them.
    r = act(site, site.editor, post_id, "rollback")
    assert r.status_code == 302, r.text[:500]
    back = stored(site, post_id)
    assert (back["post_title"], back["post_content"], back["post_name"]) == \
        (before["post_title"], before["post_content"], before["post_name"])
    assert {k: back["meta"].get(k) for k in YOAST} == YOAST
    assert front(before["link"]) == seen_before
    _, fourth = one_pass(site, standin, transport)
    assert [o.result for o in fourth.outcomes] == ["skipped"] and len(standin.completions()) == 1


def test_reject_discards_the_proposal_and_leaves_the_live_post_as_it_was(site, standin):
    post_id = live_post(site, status="future")  # a scheduled post is handled like a published one
    before = stored(site, post_id)
    _, report = one_pass(site, standin)
    assert [o.result for o in report.outcomes] == ["refreshed"] and len(proposals(site)) == 1
    r = act(site, site.editor, post_id, "reject")
    assert r.status_code == 302, r.text[:500]
    assert proposals(site) == [] and stored(site, post_id) == before
    _, again = one_pass(site, standin)
    assert [o.result for o in again.outcomes] == ["skipped"] and len(standin.completions()) == 1


def test_an_edit_of_the_live_post_makes_the_proposal_stale(site, standin):
    post_id = live_post(site)
    one_pass(site, standin)
    site.call("wp.editPost", site.admin, post_id, {"post_content": seed_text() + "\n\nUn correctif de l’éditeur."})
    edited = stored(site, post_id)
    r = act(site, site.editor, post_id, "approve")
    assert r.status_code == 409 and ("changed since this proposal" in r.text or "a changé depuis" in r.text), r.text
    assert stored(site, post_id) == edited  # the editor's correction is live, untouched
    # The daemon makes a new proposal for the new live version, in place of the stale one.
    _, report = one_pass(site, standin)
    assert [o.result for o in report.outcomes] == ["refreshed"], report.outcomes
    [proposal] = proposals(site)
    assert int(proposal["post_parent"]) == post_id


def test_two_daemons_make_one_proposal_for_one_live_version(site, standin):
    post_id = live_post(site)
    results: list = []
    start = threading.Barrier(2)

    def daemon(name):
        start.wait()
        results.append(one_pass(site, standin, daemon_id=name)[1])

    threads = [threading.Thread(target=daemon, args=(n,)) for n in ("daemon-a", "daemon-b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    outcomes = sorted(o.result for r in results for o in r.outcomes)
    assert outcomes.count("refreshed") == 1, outcomes
    assert len(proposals(site)) == 1 and len(standin.completions()) == 1
    assert stored(site, post_id)["post_status"] == "publish"


def test_refresh_is_off_by_default_and_a_published_post_is_then_left_alone(reset, standin):
    reset.option("wp_seo_bridge_sync_enabled", "1")
    post_id = live_post(reset)
    before = stored(reset, post_id)
    gw, report = one_pass(reset, standin)
    assert report.outcomes == [] and proposals(reset) == [] and stored(reset, post_id) == before
    assert not any("Refresh" in k for k in gw.calls), gw.calls  # no listing request while off


def test_the_bot_cannot_write_a_live_post_nor_apply_its_proposal(site, standin):
    """The attacks of a stolen bot password on a live post with a proposal waiting."""
    post_id = live_post(site)
    one_pass(site, standin)
    before = stored(site, post_id)
    [proposal] = proposals(site)
    bot = site.bot
    claim = site.call("seobridge.claimPost", bot, post_id,
                      source_hash(before["post_title"], before["post_content"]), "evil", 600)
    live_hash = claim["seo_bridge"]["content_hash"]
    struct = {"post_title": "Piraté", "post_content": "<p>Piraté</p>", "seo_bridge_expect_hash": live_hash,
              "seo_bridge_daemon": "evil", "custom_fields": [{"key": "_yoast_wpseo_metadesc", "value": "Piraté"}]}
    # 1. the draft's guarded write, aimed at the live post (XML-RPC both ways, and REST).
    for method in ("wp.editPost", "seobridge.editPost"):
        with pytest.raises(xmlrpc.client.Fault):
            site.call(method, bot, post_id, struct)
    r = site.rest("POST", f"/wp/v2/posts/{post_id}", bot, json={
        "title": "Piraté", "content": "<p>Piraté</p>", "wp_seo_bridge_expect_hash": live_hash,
        "wp_seo_bridge_daemon": "evil"})
    assert r.status_code in (401, 403, 409), r.text
    # 2. the proposal itself published, or re-parented onto another post, through core.
    for change in ({"post_status": "publish"}, {"post_parent": post_id + 1000}):
        with pytest.raises(xmlrpc.client.Fault):
            site.call("wp.editPost", bot, int(proposal["post_id"]), {**change, "seo_bridge_expect_hash": live_hash,
                                                                      "seo_bridge_daemon": "evil"})
    # 3. Approve: wp-admin is closed to the bot, with or without a nonce.
    s = requests.Session()
    login = s.post(f"{site.url}/wp-login.php", timeout=30, allow_redirects=False,
                   data={"log": bot.user, "pwd": bot.password, "wp-submit": "Log In"})
    r = s.get(f"{site.url}/wp-admin/admin-post.php", params={"action": "wpsb_refresh_approve", "post": post_id},
              timeout=30, allow_redirects=False)
    assert r.status_code == 403, (login.status_code, r.status_code)
    # 4. its own refresh write, with a title and Yoast fields of its choosing: lands on the proposal only.
    state = json.dumps({"state": "rewritten", "source_hash": live_hash, "at": "2026-12-03T00:00:00Z"})
    answer = site.call("seobridge.proposeRefresh", bot, post_id, {
        **struct, "custom_fields": struct["custom_fields"] + [{"key": "_wp_seo_bridge_state", "value": state},
                                                             {"key": "_wp_seo_bridge_refresh_before", "value": "{}"}]})
    assert answer["post_status"] == "pending"
    after = stored(site, post_id)
    assert after == before, "the live post changed"
    assert front(before["link"])["description"] == site.printed_by_yoast(YOAST["_yoast_wpseo_metadesc"])
    # 5. the plugin's keys on the live post (the rollback record, the refresh state) are not writable over the APIs.
    for key in ("_wp_seo_bridge_refresh_before", "_wp_seo_bridge_refresh"):
        r = site.rest("POST", f"/wp/v2/posts/{post_id}", site.admin, json={"meta": {key: "{}"}})
        assert key not in stored(site, post_id)["meta"] or stored(site, post_id)["meta"][key] != "{}"


def test_nobody_plants_a_proposal_through_core(site, standin):
    """An author (or a stolen bot password) creating a post of the proposal type, child of someone else's live post,
    through core's XML-RPC: refused, and the editor still reviews the daemon's proposal."""
    post_id = live_post(site)
    one_pass(site, standin)
    [proposal] = proposals(site)
    for account in (site.author, site.editor):
        with pytest.raises(xmlrpc.client.Fault):
            site.call("wp.newPost", account, {"post_type": "wpsb_proposal", "post_parent": post_id,
                                              "post_title": "Spam", "post_content": "<p>Achetez</p>"})
    assert [p["post_id"] for p in proposals(site)] == [proposal["post_id"]]
    s = site.admin_session(site.editor)
    diff = {"page": "wpsb-refresh-diff", "post": post_id}
    page = s.get(f"{site.url}/wp-admin/edit.php", params=diff, timeout=30).text
    assert "Achetez" not in page and "Storm-0558" in page
