"""The companion plugin's contract, checked on the real local WordPress with plain xmlrpc.client / REST.

Fault codes are the contract (messages are translated): 400 bad argument, 401 may not edit, 403 bad login
or forbidden status, 404 no post, 409 changed / not a draft / not our claim, 423 human edit lock, another
daemon's claim, or busy.
"""
from __future__ import annotations

import json
import re
import time
import xmlrpc.client
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from functools import partial

import pytest
import requests

from tests.support.wordpress import fault_code
from wp_seo_bridge.model import STATE_KEY, YOAST_FOCUSKW, YOAST_METADESC, YOAST_TITLE, source_hash

# A refusal is a clean WordPress answer: no PHP warning or error logged during any test here.
pytestmark = [pytest.mark.wordpress, pytest.mark.usefixtures("no_php_errors")]

SELECTION_FIELDS = ["post_id", "post_status", "post_modified_gmt", "terms", "seo_bridge"]
TITLE = "Été 2024 : « œufs brûlés » à Noël — ça coûte 12 €"
CONTENT = "<!-- wp:paragraph -->\n<p>Crème brûlée, garçon, naïf, Œdipe… L’été ‘ici’ 🍅</p>\n<!-- /wp:paragraph -->"


def summary(wp, post_id: int) -> dict:
    return wp.call("wp.getPost", wp.bot, post_id, ["post_id", "post_modified_gmt", "seo_bridge"])


def claim(wp, post_id: int, daemon: str = "daemon-a", ttl: int = 600, account=None, expect: str | None = None):
    expect = expect if expect is not None else summary(wp, post_id)["seo_bridge"]["content_hash"]
    return wp.call("seobridge.claimPost", account or wp.bot, post_id, expect, daemon, ttl)


def state_of(wp, post_id: int) -> dict:
    raw = summary(wp, post_id)["seo_bridge"]["state"]
    return json.loads(raw) if raw else {}


def guarded_edit(wp, post_id: int, expect: str, daemon: str = "daemon-a", account=None, **fields):
    struct = {"seo_bridge_expect_hash": expect, "seo_bridge_daemon": daemon, **fields}
    return wp.call("wp.editPost", account or wp.bot, post_id, struct)


def revisions(wp, post_id: int) -> list[dict]:
    return wp.call("wp.getRevisions", wp.admin, post_id, ["post_title", "post_content"])


# --- hash and listing ----------------------------------------------------------------------------------


def test_content_hash_equals_python_source_hash(reset):
    wp = reset
    pid = wp.create_post(TITLE, CONTENT, tags=["seo-bridge"])
    (listed,) = [p for p in wp.call("wp.getPosts", wp.bot, {"post_status": "draft"}, SELECTION_FIELDS)
                 if int(p["post_id"]) == pid]
    full = wp.call("wp.getPost", wp.bot, pid, ["post_title", "post_content"])

    assert (full["post_title"], full["post_content"]) == (TITLE, CONTENT)
    assert listed["seo_bridge"]["content_hash"] == source_hash(TITLE, CONTENT)
    assert listed["seo_bridge"] | {"content_hash": ""} == {"content_hash": "", "state": "", "locked_by": 0,
                                                           "tags": ["seo-bridge"]}
    assert "post_content" not in listed


def test_content_hash_ignores_windows_line_endings(wp):
    # Editors' drafts can hold \r\n (REST keeps it); XML parsers hand the daemon \n only.
    pid = wp.create_post_rest(TITLE, "<p>Ligne un</p>\r\n<p>Ligne deux</p>")
    full = wp.call("wp.getPost", wp.bot, pid, ["post_title", "post_content", "seo_bridge"])

    assert full["post_content"] == "<p>Ligne un</p>\n<p>Ligne deux</p>"
    assert full["seo_bridge"]["content_hash"] == source_hash(full["post_title"], full["post_content"])


def test_get_posts_pages_of_500_carry_the_selection_fields(reset):
    wp = reset
    ids = wp.create_posts([{"title": f"Brouillon {i}", "tags": ("seo-bridge",) if i % 2 else ()} for i in range(120)])
    page = wp.call("wp.getPosts", wp.bot, {"post_status": "draft", "number": 500}, SELECTION_FIELDS)

    assert sorted(int(p["post_id"]) for p in page) == sorted(ids)
    tagged = {int(p["post_id"]) for p in page if p["seo_bridge"]["tags"] == ["seo-bridge"]}
    assert tagged == {pid for i, pid in enumerate(ids) if i % 2}
    assert all(p["seo_bridge"]["content_hash"] == source_hash(f"Brouillon {ids.index(int(p['post_id']))}",
                                                               "<p>Un paragraphe.</p>") for p in page)


# --- seobridge.info ------------------------------------------------------------------------------------


def test_info_reports_the_switch_and_used_keyphrases(reset):
    wp = reset
    wp.create_post("A", meta={YOAST_FOCUSKW: "Potager Urbain"})
    wp.create_post("B", meta={YOAST_FOCUSKW: "potager urbain"})
    wp.create_post("C", status="publish", meta={YOAST_FOCUSKW: "Compost Maison"})
    wp.create_post("D", status="trash", meta={YOAST_FOCUSKW: "Jeté"})

    info = wp.call("seobridge.info", wp.bot)
    assert info["sync_enabled"] is False and info["opt_in"] == "tag" and info["opt_in_tag"] == "seo-bridge"
    assert info["can_publish"] is False and info["version"]
    # The site's WordPress, as core itself reports it: the daemon writes that version's block markup.
    core = wp.call("wp.getOptions", wp.admin, ["software_version"])["software_version"]["value"]
    assert info["wp_version"] == core and core[0].isdigit()
    assert sorted(info["used_keyphrases"]) == ["compost maison", "potager urbain"]
    assert wp.call("seobridge.info", wp.editor)["can_publish"] is True

    # The admin flips the switch on the settings page (Settings API form, nonce included).
    session = wp.admin_session(wp.admin)
    page = session.get(f"{wp.url}/wp-admin/options-general.php", params={"page": "wp-seo-bridge"}, timeout=30)
    nonce = _input_value(page.text, "_wpnonce")
    saved = session.post(f"{wp.url}/wp-admin/options.php", timeout=30, data={
        "option_page": "wp_seo_bridge", "action": "update", "_wpnonce": nonce,
        "_wp_http_referer": "/wp-admin/options-general.php?page=wp-seo-bridge",
        "wp_seo_bridge_sync_enabled": "1", "wp_seo_bridge_opt_in": "all-drafts",
        "wp_seo_bridge_opt_in_tag": "Réécrire SEO", "wp_seo_bridge_notify": "chef@example.fr, pas-un-mail",
    })
    assert saved.status_code == 200
    info = wp.call("seobridge.info", wp.bot)
    assert (info["sync_enabled"], info["opt_in"], info["opt_in_tag"]) == (True, "all-drafts", "reecrire-seo")
    assert wp.option("wp_seo_bridge_notify") == "chef@example.fr"


def test_info_requires_a_writer_and_a_valid_login(wp):
    assert fault_code(lambda: wp.call("seobridge.info", wp.subscriber)) == 401
    assert fault_code(lambda: wp.proxy().seobridge.info(1, wp.bot.user, "wrong")) == 403


def _input_value(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert match, f"no {name} in the page"
    return match.group(1)


# --- seobridge.claimPost -------------------------------------------------------------------------------


def test_claim_marks_the_draft_and_returns_it_without_touching_it(wp):
    pid = wp.create_post(TITLE, CONTENT, tags=["seo-bridge"])
    before = summary(wp, pid)
    revs = len(revisions(wp, pid))

    post = claim(wp, pid, ttl=600)

    assert (post["post_id"], post["post_title"], post["post_content"], post["post_status"]) == (
        str(pid), TITLE, CONTENT, "draft")
    assert [t["slug"] for t in post["terms"] if t["taxonomy"] == "post_tag"] == ["seo-bridge"]
    state = json.loads(post["seo_bridge"]["state"])
    assert state["state"] == "claimed" and state["by"] == "daemon-a"
    assert state["source_hash"] == source_hash(TITLE, CONTENT)
    at = datetime.strptime(state["at"], "%Y-%m-%dT%H:%M:%SZ")
    until = datetime.strptime(state["claim_until"], "%Y-%m-%dT%H:%M:%SZ")
    assert until - at == timedelta(seconds=600)
    assert abs(at - datetime.now(timezone.utc).replace(tzinfo=None)) < timedelta(seconds=60)
    assert {f["key"]: f["value"] for f in post["custom_fields"]}[STATE_KEY] == post["seo_bridge"]["state"]
    assert summary(wp, pid)["post_modified_gmt"] == before["post_modified_gmt"]
    assert len(revisions(wp, pid)) == revs


def test_claim_refuses_a_changed_draft_or_a_non_draft(wp):
    pid = wp.create_post(TITLE, CONTENT)
    assert fault_code(lambda: claim(wp, pid, expect=source_hash(TITLE, CONTENT + " "))) == 409
    pending = wp.create_post(TITLE, CONTENT, status="pending")
    assert fault_code(lambda: claim(wp, pending)) == 409
    assert state_of(wp, pid) == {} and state_of(wp, pending) == {}


def test_claim_refuses_a_draft_open_in_the_editor(wp):
    pid = wp.create_post(TITLE, CONTENT)
    wp.hold_edit_lock(pid, wp.editor)

    assert summary(wp, pid)["seo_bridge"]["locked_by"] == wp.user_id(wp.editor)
    assert fault_code(lambda: claim(wp, pid)) == 423
    assert state_of(wp, pid) == {}


def test_claim_of_another_daemon_blocks_unless_expired_and_same_daemon_takes_over(wp):
    pid = wp.create_post(TITLE, CONTENT)
    claim(wp, pid, daemon="daemon-a", ttl=600)

    assert fault_code(lambda: claim(wp, pid, daemon="daemon-b")) == 423
    assert claim(wp, pid, daemon="daemon-a", ttl=900)["post_id"] == str(pid)  # renewal
    assert state_of(wp, pid)["by"] == "daemon-a"

    # An expired claim (a crashed daemon) is taken over.
    claim(wp, pid, daemon="daemon-a", ttl=1)
    time.sleep(2)
    claim(wp, pid, daemon="daemon-b")
    assert state_of(wp, pid)["by"] == "daemon-b"


def test_simultaneous_claims_have_exactly_one_winner(wp):
    pid = wp.create_post(TITLE, CONTENT)
    expect = source_hash(TITLE, CONTENT)

    def attempt(daemon: str) -> int:
        try:
            claim(wp, pid, daemon=daemon, expect=expect)
            return 0
        except xmlrpc.client.Fault as f:
            return f.faultCode

    with ThreadPoolExecutor(6) as pool:
        codes = list(pool.map(attempt, [f"daemon-{i}" for i in range(6)]))
    assert sorted(codes) == [0, 423, 423, 423, 423, 423]
    assert state_of(wp, pid)["by"] == f"daemon-{codes.index(0)}"


def test_claim_checks_rights_and_arguments(wp):
    pid = wp.create_post(TITLE, CONTENT)  # admin's
    assert fault_code(lambda: claim(wp, pid, account=wp.author)) == 401
    assert fault_code(lambda: claim(wp, 999999, expect="0" * 64)) == 404
    assert fault_code(lambda: claim(wp, pid, daemon="")) == 400
    assert fault_code(lambda: claim(wp, pid, ttl=0)) == 400
    assert fault_code(lambda: wp.proxy().seobridge.claimPost(1, wp.bot.user, "wrong", pid, "x", "d", 60)) == 403


# --- guarded wp.editPost -------------------------------------------------------------------------------


def test_guarded_edit_writes_once_and_keeps_the_original_as_a_revision(wp):
    # Created like an import (REST): WordPress made no revision, so only the guard keeps the original.
    pid = wp.create_post_rest(TITLE, CONTENT)
    assert revisions(wp, pid) == []
    post = claim(wp, pid)
    meta = {YOAST_TITLE: "Crème brûlée : la recette", YOAST_METADESC: "Tout sur la crème brûlée.",
            YOAST_FOCUSKW: "crème brûlée"}

    assert guarded_edit(wp, pid, post["seo_bridge"]["content_hash"], post_title="Crème brûlée",
                        post_content="<p>Réécrit.</p>", post_status="pending", post_name="creme-brulee",
                        custom_fields=[{"key": k, "value": v} for k, v in meta.items()]) is True

    after = wp.call("wp.getPost", wp.admin, pid, ["post", "custom_fields"])
    assert (after["post_title"], after["post_content"], after["post_status"], after["post_name"]) == (
        "Crème brûlée", "<p>Réécrit.</p>", "pending", "creme-brulee")
    stored = {f["key"]: f["value"] for f in after["custom_fields"]}
    assert {k: stored.get(k) for k in meta} == meta
    assert (TITLE, CONTENT) in {(r["post_title"], r["post_content"]) for r in revisions(wp, pid)}


def test_seobridge_edit_post_answers_what_the_database_holds_after_the_guarded_write(wp):
    pid = wp.create_post(TITLE, CONTENT)
    post = claim(wp, pid)
    expect = post["seo_bridge"]["content_hash"]
    state_id = {f["key"]: f["id"] for f in post["custom_fields"]}[STATE_KEY]  # update the row, do not add one
    fields = [{"key": YOAST_FOCUSKW, "value": "crème brûlée"},
              {"id": state_id, "key": STATE_KEY, "value": '{"state": "rewritten"}'}]
    struct = {"seo_bridge_expect_hash": expect, "seo_bridge_daemon": "daemon-a", "post_status": "pending",
              "post_content": "<p>Réécrit.</p>", "custom_fields": fields}

    stored = wp.call("seobridge.editPost", wp.bot, pid, struct)

    assert stored["post_status"] == "pending"
    assert stored["meta"] == {YOAST_FOCUSKW: "crème brûlée", STATE_KEY: '{"state": "rewritten"}'}
    assert wp.call("wp.getPost", wp.admin, pid, ["post_content"])["post_content"] == "<p>Réécrit.</p>"
    # The same guard as wp.editPost: a second write finds a changed draft; no guard fields, no write.
    assert fault_code(lambda: wp.call("seobridge.editPost", wp.bot, pid, struct)) == 409
    assert fault_code(lambda: wp.call("seobridge.editPost", wp.bot, pid, {"post_content": "x"})) == 400
    assert wp.call("wp.getPost", wp.admin, pid, ["post_content"])["post_content"] == "<p>Réécrit.</p>"


def test_guarded_edit_refuses_a_draft_changed_after_the_claim(wp):
    pid = wp.create_post(TITLE, CONTENT)
    post = claim(wp, pid)
    assert wp.call("wp.editPost", wp.editor, pid, {"post_content": "<p>Corrigé par l’éditrice.</p>"}) is True

    assert fault_code(lambda: guarded_edit(wp, pid, post["seo_bridge"]["content_hash"],
                                           post_content="<p>Réécrit.</p>", post_status="pending")) == 409
    after = wp.call("wp.getPost", wp.admin, pid, ["post_content", "post_status"])
    assert (after["post_content"], after["post_status"]) == ("<p>Corrigé par l’éditrice.</p>", "draft")


@pytest.mark.parametrize("status", ["publish", "trash", "pending", "private", "future"])
def test_guarded_edit_refuses_a_post_that_is_not_a_draft(wp, status):
    pid = wp.create_post(TITLE, CONTENT, status=status)
    # As the editor, who may edit all of these: the refusal is the guard's, not a missing capability.
    assert fault_code(lambda: guarded_edit(wp, pid, source_hash(TITLE, CONTENT), account=wp.editor,
                                           post_content="<p>Réécrit.</p>")) == 409
    assert wp.call("wp.getPost", wp.admin, pid, ["post_content"])["post_content"] == CONTENT


def test_guarded_edit_needs_our_live_claim_no_human_and_a_robot_status(wp):
    pid = wp.create_post(TITLE, CONTENT)
    expect = source_hash(TITLE, CONTENT)
    assert fault_code(lambda: guarded_edit(wp, pid, expect, post_content="x")) == 409  # never claimed
    claim(wp, pid, daemon="daemon-b")
    assert fault_code(lambda: guarded_edit(wp, pid, expect, daemon="daemon-a", post_content="x")) == 409
    assert fault_code(lambda: guarded_edit(wp, pid, expect, daemon="daemon-b", account=wp.editor,
                                           post_status="publish")) == 403
    assert fault_code(lambda: wp.call("wp.editPost", wp.editor, pid, {"seo_bridge_daemon": "daemon-b",
                                                                        "post_content": "x"})) == 400
    wp.hold_edit_lock(pid, wp.editor)
    assert fault_code(lambda: guarded_edit(wp, pid, expect, daemon="daemon-b", post_content="x")) == 423
    assert wp.call("wp.getPost", wp.admin, pid, ["post_content"])["post_content"] == CONTENT


def test_robot_role_cannot_publish_upload_or_post_unfiltered_html(wp):
    draft = wp.create_post(TITLE, CONTENT)
    published = wp.create_post(TITLE, CONTENT, status="publish")

    assert fault_code(lambda: wp.call("wp.editPost", wp.bot, draft, {"post_status": "publish"})) == 401
    assert fault_code(lambda: wp.call("wp.editPost", wp.bot, published, {"post_content": "x"})) == 401
    assert fault_code(lambda: wp.call("wp.uploadFile", wp.bot, {"name": "a.txt", "type": "text/plain",
                                                                 "bits": xmlrpc.client.Binary(b"a")})) == 401
    expect = claim(wp, draft)["seo_bridge"]["content_hash"]
    assert guarded_edit(wp, draft, expect, post_content='<p>ok</p><script>alert(1)</script>')
    assert "<script" not in wp.call("wp.getPost", wp.admin, draft, ["post_content"])["post_content"]


# --- meta rights, recordState --------------------------------------------------------------------------


def test_author_cannot_write_yoast_meta_on_someone_elses_post(wp):
    theirs = wp.create_post(TITLE, CONTENT, meta={YOAST_FOCUSKW: "avant"})
    mine = wp.create_post(TITLE, CONTENT, author=wp.author)
    field_id = {f["key"]: f["id"] for f in wp.call("wp.getPost", wp.admin, theirs, ["custom_fields"])["custom_fields"]}

    assert fault_code(lambda: wp.call("wp.editPost", wp.author, theirs, {
        "custom_fields": [{"id": field_id[YOAST_FOCUSKW], "key": YOAST_FOCUSKW, "value": "piraté"}]})) == 401
    assert wp.call("wp.editPost", wp.author, mine, {"custom_fields": [{"key": YOAST_FOCUSKW, "value": "à moi"}]})

    def focus(pid):
        return {f["key"]: f["value"] for f in wp.call("wp.getPost", wp.admin, pid, ["custom_fields"])["custom_fields"]}

    assert focus(theirs)[YOAST_FOCUSKW] == "avant"
    assert focus(mine)[YOAST_FOCUSKW] == "à moi"


def test_record_state_writes_only_the_state_and_respects_claims(wp):
    pid = wp.create_post(TITLE, CONTENT)
    before = summary(wp, pid)["post_modified_gmt"]
    claim(wp, pid, daemon="daemon-a")
    failed = {"state": "failed", "source_hash": source_hash(TITLE, CONTENT), "at": "2024-05-01T10:00:00Z",
              "reason": "Citation « inventée » \\ refusée", "by": "daemon-a"}

    assert fault_code(lambda: wp.call("seobridge.recordState", wp.bot, pid, "daemon-b", json.dumps(failed))) == 423
    assert wp.call("seobridge.recordState", wp.bot, pid, "daemon-a", json.dumps(failed)) is True
    assert state_of(wp, pid) == failed
    assert summary(wp, pid)["post_modified_gmt"] == before
    for bad in ("not json", "[]", '{"reason": "no state"}'):
        assert fault_code(partial(wp.call, "seobridge.recordState", wp.bot, pid, "daemon-a", bad)) == 400
    # Only on the daemon's own claim: a failed draft must be claimed again first.
    assert fault_code(lambda: wp.call("seobridge.recordState", wp.bot, pid, "daemon-b",
                                      json.dumps(failed | {"by": "daemon-b"}))) == 409
    claim(wp, pid, daemon="daemon-b")
    assert wp.call("seobridge.recordState", wp.bot, pid, "daemon-b", json.dumps(failed | {"by": "daemon-b"}))


# --- switches of the local site ------------------------------------------------------------------------


def test_xmlrpc_switch_answers_405_like_hardened_hosts(wp):
    with wp.xmlrpc_disabled():
        with pytest.raises(xmlrpc.client.ProtocolError) as info:
            wp.call("seobridge.info", wp.bot)
        assert info.value.errcode == 405
    assert wp.call("seobridge.info", wp.bot)["version"]


def test_without_the_plugin_and_yoast_methods_are_missing_and_yoast_meta_is_dropped(wp):
    pid = wp.create_post(TITLE, CONTENT)
    # Core alone drops protected meta; Yoast itself opens its keys to anyone who may edit the post.
    with wp.plugin_disabled(), wp.yoast_disabled():
        assert fault_code(lambda: wp.call("seobridge.info", wp.bot)) == -32601
        assert wp.call("wp.editPost", wp.bot, pid, {"custom_fields": [{"key": YOAST_FOCUSKW, "value": "x"}]})
        fields = wp.call("wp.getPost", wp.admin, pid, ["custom_fields"])["custom_fields"]
        assert YOAST_FOCUSKW not in {f["key"] for f in fields}
    assert wp.call("seobridge.info", wp.bot)["version"]


def test_mails_are_captured_as_files(reset):
    wp = reset
    r = requests.post(f"{wp.url}/wp-login.php", params={"action": "lostpassword"},
                      data={"user_login": wp.editor.user}, timeout=30, allow_redirects=False)
    assert r.status_code == 302
    (mail,) = wp.mails()
    assert mail["to"] == [f"{wp.editor.user}@example.test"] and wp.editor.user in mail["message"]


# --- REST parity ---------------------------------------------------------------------------------------


def test_rest_drafts_route_lists_what_xmlrpc_lists_in_pages_of_up_to_500(reset):
    wp = reset
    mine = wp.create_post(TITLE, CONTENT, tags=["seo-bridge"], author=wp.author)
    others = [wp.create_post(f"Brouillon {i}", CONTENT) for i in range(3)]
    wp.create_post("Publié", CONTENT, status="publish")
    claim(wp, others[0])
    xmlrpc_rows = {int(p["post_id"]): p["seo_bridge"] for p in
                   wp.call("wp.getPosts", wp.bot, {"post_status": "draft", "number": 500}, SELECTION_FIELDS)}

    r = wp.rest("GET", "/wp-seo-bridge/v1/drafts", wp.bot, params={"per_page": 2, "page": 1})
    page2 = wp.rest("GET", "/wp-seo-bridge/v1/drafts", wp.bot, params={"per_page": 2, "page": 2}).json()
    rows = r.json() + page2
    assert (r.headers["X-WP-Total"], r.headers["X-WP-TotalPages"]) == ("4", "2")
    assert [row["id"] for row in rows] == sorted([mine, *others])  # drafts only, oldest id first
    assert {row["id"]: row["seo_bridge"] for row in rows} == xmlrpc_rows
    assert all(row["status"] == "draft" and row["modified_gmt"] for row in rows)
    # Pages beyond 500 are refused, not silently cut.
    assert wp.rest("GET", "/wp-seo-bridge/v1/drafts", wp.bot, params={"per_page": 501}).status_code == 400


def test_rest_claim_state_and_guarded_update(reset):
    wp = reset
    pid = wp.create_post_rest(TITLE, CONTENT, tags=["seo-bridge"])
    base = "/wp-seo-bridge/v1"
    info = wp.rest("GET", f"{base}/info", wp.bot).json()
    assert info == wp.call("seobridge.info", wp.bot)

    read = wp.rest("GET", f"/wp/v2/posts/{pid}", wp.bot, params={"context": "edit"}).json()
    expect = read["seo_bridge"]["content_hash"]
    assert expect == source_hash(TITLE, CONTENT)
    r = wp.rest("POST", f"{base}/claim/{pid}", wp.bot, json={"expect_hash": expect, "daemon_id": "d-rest",
                                                             "ttl_seconds": 300})
    assert r.status_code == 200 and json.loads(r.json()["meta"][STATE_KEY])["by"] == "d-rest"
    r = wp.rest("POST", f"{base}/claim/{pid}", wp.bot, json={"expect_hash": expect, "daemon_id": "other",
                                                             "ttl_seconds": 300})
    assert r.status_code == 423

    stale = wp.rest("POST", f"/wp/v2/posts/{pid}", wp.bot, json={
        "content": "x", "wp_seo_bridge_expect_hash": expect, "wp_seo_bridge_daemon": "d-rest",
        "wp_seo_bridge_if_unmodified_since": "2000-01-01T00:00:00"})
    assert stale.status_code == 409
    wrong = wp.rest("POST", f"/wp/v2/posts/{pid}", wp.bot, json={
        "content": "x", "wp_seo_bridge_expect_hash": "0" * 64, "wp_seo_bridge_daemon": "d-rest"})
    assert wrong.status_code == 409
    ok = wp.rest("POST", f"/wp/v2/posts/{pid}", wp.bot, json={
        "content": "<p>Réécrit.</p>", "status": "pending", "meta": {YOAST_FOCUSKW: "crème"},
        "wp_seo_bridge_expect_hash": expect, "wp_seo_bridge_daemon": "d-rest",
        "wp_seo_bridge_if_unmodified_since": read["modified_gmt"]})
    assert ok.status_code == 200, ok.text
    assert (ok.json()["status"], ok.json()["meta"][YOAST_FOCUSKW]) == ("pending", "crème")
    assert (TITLE, CONTENT) in {(r["post_title"], r["post_content"]) for r in revisions(wp, pid)}

    pid = wp.create_post_rest(TITLE, CONTENT, tags=["seo-bridge"])
    wp.rest("POST", f"{base}/claim/{pid}", wp.bot, json={"expect_hash": expect, "daemon_id": "d-rest",
                                                         "ttl_seconds": 300})
    r = wp.rest("POST", f"{base}/state/{pid}", wp.bot, json={"daemon_id": "d-rest",
                                                             "state_json": '{"state": "released"}'})
    assert r.status_code == 200 and r.json()["state"] == '{"state": "released"}'
    assert wp.rest("POST", f"{base}/state/{pid}", wp.bot, json={"daemon_id": "d-rest",
                                                                "state_json": "nope"}).status_code == 400
