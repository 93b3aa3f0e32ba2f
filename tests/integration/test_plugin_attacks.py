"""Attacks on the companion plugin from the security review (issue 11), each against the real local WordPress.

Every test here failed on the plugin as it was before the fix (0.2.0) and is kept as a regression test. The
accounts: anonymous, subscriber, contributor, author, editor, the bot's password alone (see SECURITY.md).
"""
from __future__ import annotations

import json
import threading
import time
import xmlrpc.client
from functools import partial

import pytest
import requests

from tests.support.wordpress import fault_code
from wp_seo_bridge.model import PREVIOUS_KEY, STATE_KEY, YOAST_FOCUSKW, YOAST_METADESC, YOAST_TITLE, source_hash

# A refusal is a clean WordPress answer: no PHP warning or error logged during any test here.
pytestmark = [pytest.mark.wordpress, pytest.mark.usefixtures("no_php_errors")]

TITLE = "Brouillon de l’éditrice"
CONTENT = "<p>Le texte de l’éditrice, à ne pas perdre.</p>"
BRIDGE_KEYS = (STATE_KEY, PREVIOUS_KEY)
PHISHING = json.dumps({"state": "rewritten", "source_hash": "0" * 64, "keyphrase":
                       "URGENT: reset your password at https://evil.example/login", "words": 900})


def stored(wp, post_id: int) -> dict:
    """The post as the admin reads it: fields and every meta value (REST, edit context)."""
    r = wp.rest("GET", f"/wp/v2/posts/{post_id}", wp.admin, params={"context": "edit"})
    assert r.status_code == 200, r.text
    return r.json()


def raw_meta(wp, post_id: int) -> dict:
    return {f["key"]: f["value"] for f in wp.call("wp.getPost", wp.admin, post_id, ["custom_fields"])["custom_fields"]}


def claim(wp, post_id: int, account, daemon: str = "daemon-a") -> dict:
    expect = wp.call("wp.getPost", wp.admin, post_id, ["seo_bridge"])["seo_bridge"]["content_hash"]
    return wp.call("seobridge.claimPost", account, post_id, expect, daemon, 600)


def rewritten_by_the_bot(wp, status_after: str = "pending") -> int:
    """A post the daemon rewrote through the guard (state + previous Yoast values), optionally published."""
    pid = wp.create_post(TITLE, CONTENT, tags=["seo-bridge"], meta={YOAST_FOCUSKW: "ancienne expression"})
    post = claim(wp, pid, wp.bot)
    ids = {f["key"]: f["id"] for f in post["custom_fields"]}
    fields = {YOAST_FOCUSKW: "crème brûlée", YOAST_TITLE: "Crème brûlée", YOAST_METADESC: "Tout sur la crème.",
              STATE_KEY: json.dumps({"state": "rewritten", "by": "daemon-a", "host": "redaction-srv-01",
                                     "source_hash": source_hash(TITLE, CONTENT), "cost_eur": 0.012,
                                     "keyphrase": "crème brûlée", "words": 812}),
              PREVIOUS_KEY: json.dumps({"yoast": {YOAST_FOCUSKW: "ancienne expression"}})}
    struct = {"seo_bridge_expect_hash": post["seo_bridge"]["content_hash"], "seo_bridge_daemon": "daemon-a",
              "post_status": "pending", "post_content": "<p>Réécrit.</p>",
              "custom_fields": [{"id": ids[k], "key": k, "value": v} if k in ids else {"key": k, "value": v}
                                for k, v in fields.items()]}
    wp.call("seobridge.editPost", wp.bot, pid, struct)
    if status_after != "pending":
        wp.call("wp.editPost", wp.editor, pid, {"post_status": status_after})
    return pid


# --- 1. the claim's lock: capability first ---------------------------------------------------------------


def test_a_subscriber_multicall_of_claims_holds_no_lock_an_editor_claims_at_once(reset):
    wp = reset
    pid = wp.create_post(TITLE, CONTENT, author=wp.editor, tags=["seo-bridge"])
    expect = source_hash(TITLE, CONTENT)
    # A large system.multicall of claims on the editor's draft and on ids that do not exist: before the fix,
    # each took the post's MySQL lock before checking the capability and kept it until the request ended.
    # Each call in a multicall logs in again: ~2 ms on WordPress 6.1, ~0.3 s with 7.x's password hashing. Size the
    # attack to last about 8 s whatever the site, far longer than an editor's claim even on a loaded host (core's
    # 30,000-element XML-RPC limit caps it near 1,150 calls: ~1.6 s on 6.1).
    probe = xmlrpc.client.MultiCall(wp.proxy(timeout=300))
    for i in range(50):
        probe.seobridge.claimPost(1, *wp.subscriber.creds, 800000 + i, expect, "evil", 60)
    started = time.monotonic()
    probe()
    per_call = (time.monotonic() - started) / 50
    calls = max(50, min(1000, int(8.0 / per_call)))
    multi = xmlrpc.client.MultiCall(wp.proxy(timeout=300))
    for i in range(calls):
        multi.seobridge.claimPost(1, *wp.subscriber.creds, pid if i % 2 == 0 else 900000 + i, expect, "evil", 60)
    answers: list = []
    thread = threading.Thread(target=lambda: answers.extend(multi().results))
    thread.start()
    time.sleep(max(0.3, 20 * per_call))  # the attack's first claims (on this very post among them) have run
    assert thread.is_alive(), "the attack ended before the editor claimed: size it longer"
    claimed = claim(wp, pid, wp.editor, daemon="editor-daemon")
    # The condition, not a clock: the subscriber's request was still running when the editor's claim came back.
    attack_still_running = thread.is_alive()
    thread.join(timeout=300)

    assert json.loads(claimed["seo_bridge"]["state"])["by"] == "editor-daemon"
    assert attack_still_running, "the editor's claim waited for the subscriber's request"
    assert len(answers) == calls and all(isinstance(a, dict) and a.get("faultCode") == 401 for a in answers)


def test_unknown_ids_and_other_peoples_posts_are_refused_before_any_lock(reset):
    wp = reset
    pid = wp.create_post(TITLE, CONTENT, author=wp.editor)
    assert fault_code(lambda: wp.call("seobridge.claimPost", wp.subscriber, 999999, "0" * 64, "d", 60)) == 401
    assert fault_code(lambda: wp.call("seobridge.claimPost", wp.bot, 999999, "0" * 64, "d", 60)) == 404
    # An author may edit their own drafts, never take the daemon's path on anybody's.
    assert fault_code(lambda: claim(wp, pid, wp.author)) == 401
    mine = wp.create_post(TITLE, CONTENT, author=wp.author)
    assert fault_code(lambda: claim(wp, mine, wp.author)) == 401
    assert raw_meta(wp, pid).get(STATE_KEY) is None and raw_meta(wp, mine).get(STATE_KEY) is None


# --- 2. bookkeeping: written only through the guard, read only in the edit context -------------------------


def test_anonymous_visitors_do_not_read_the_bookkeeping_of_a_published_post(reset):
    wp = reset
    pid = rewritten_by_the_bot(wp, status_after="publish")
    assert json.loads(stored(wp, pid)["meta"][STATE_KEY])["state"] == "approved"

    r = requests.get(f"{wp.rest_url}/wp/v2/posts/{pid}", params={"_fields": "meta"}, timeout=30)
    assert r.status_code == 200
    meta = r.json().get("meta", {})
    assert not set(meta) & set(BRIDGE_KEYS), meta  # (Yoast's own keys are Yoast's to show or not)
    assert "redaction-srv-01" not in r.text and "ancienne expression" not in r.text
    listing = requests.get(f"{wp.rest_url}/wp/v2/posts", params={"_fields": "id,meta"}, timeout=30)
    assert listing.status_code == 200 and "redaction-srv-01" not in listing.text
    assert requests.get(f"{wp.rest_url}/wp/v2/posts/{pid}", params={"context": "edit"}, timeout=30).status_code == 401


def test_contributors_authors_and_editors_cannot_forge_the_bookkeeping(reset):
    wp = reset
    contributor = wp.contributor()
    r = wp.rest("POST", "/wp/v2/posts", contributor, json={"title": TITLE, "content": CONTENT, "status": "draft"})
    assert r.status_code == 201, r.text
    own = int(r.json()["id"])

    # Core REST meta, on their own post.
    r = wp.rest("POST", f"/wp/v2/posts/{own}", contributor, json={"status": "pending", "meta": {
        STATE_KEY: PHISHING, PREVIOUS_KEY: json.dumps({"yoast": {YOAST_TITLE: "piège"}})}})
    assert r.status_code == 403, r.text
    # XML-RPC custom_fields: contributor (own post), author (own post), editor (anybody's).
    authors = wp.create_post(TITLE, CONTENT, author=wp.author)
    editors = wp.create_post(TITLE, CONTENT, author=wp.editor)
    for account, post_id in ((contributor, own), (wp.author, authors), (wp.editor, editors), (wp.editor, own)):
        wp.call("wp.editPost", account, post_id, {"custom_fields": [
            {"key": STATE_KEY, "value": PHISHING}, {"key": PREVIOUS_KEY, "value": "{}"}]})

    for post_id in (own, authors, editors):
        meta = raw_meta(wp, post_id)
        assert STATE_KEY not in meta and PREVIOUS_KEY not in meta, (post_id, meta)
    # recordState cannot write a rewritten state either, not even for the robot.
    post = claim(wp, editors, wp.bot)
    assert fault_code(lambda: wp.call("seobridge.recordState", wp.bot, editors, "daemon-a", PHISHING)) == 400
    assert json.loads(raw_meta(wp, editors)[STATE_KEY])["state"] == "claimed" and post


# --- 3. the review e-mail: the plugin's, never on a user's request ------------------------------------------


def test_a_contributor_cannot_make_the_plugin_mail_the_editors(reset):
    wp = reset
    contributor = wp.contributor()
    r = wp.rest("POST", "/wp/v2/posts", contributor, json={"title": "Mise à jour de sécurité", "content": CONTENT,
                                                            "status": "pending", "meta": {STATE_KEY: PHISHING}})
    own = int(r.json()["id"]) if r.status_code == 201 else 0
    if not own:  # the meta refused with the whole request: create, then try the meta again
        own = int(wp.rest("POST", "/wp/v2/posts", contributor, json={"title": "Mise à jour", "content": CONTENT,
                                                                      "status": "pending"}).json()["id"])
        wp.rest("POST", f"/wp/v2/posts/{own}", contributor, json={"meta": {STATE_KEY: PHISHING}})

    for _ in range(5):
        try:
            wp.call("seobridge.notifyPending", contributor, [own])
        except xmlrpc.client.Fault as f:
            assert f.faultCode == 401
        r = wp.rest("POST", "/wp-seo-bridge/v1/notify", contributor, json={"post_ids": [own]})
        assert r.status_code == 403, r.text

    assert wp.mails() == []


def test_the_review_mail_lists_each_guarded_rewrite_once_whoever_asks(reset):
    wp = reset
    pid = rewritten_by_the_bot(wp)
    forged = wp.create_post("Faux", CONTENT, status="pending")  # no guarded write: never listed

    assert wp.call("seobridge.notifyPending", wp.bot) >= 1
    assert wp.call("seobridge.notifyPending", wp.bot, [pid, forged]) == 0  # ids are ignored, nothing is due
    r = wp.rest("POST", "/wp-seo-bridge/v1/notify", wp.bot, json={"post_ids": [pid, forged]})
    assert r.status_code == 200 and r.json() == {"recipients": 0}
    (mail,) = wp.mails()
    assert f"post={pid}&" in mail["message"] and f"post={forged}&" not in mail["message"]


# --- 4. the bot's password alone: nothing but the guarded write ----------------------------------------------


def test_the_bots_password_alone_cannot_replace_reassign_trash_or_retag_posts(reset):
    wp = reset
    draft = wp.create_post(TITLE, CONTENT, author=wp.editor, meta={YOAST_FOCUSKW: "avant"})
    pending = wp.create_post(TITLE, CONTENT, author=wp.editor, status="pending")
    before = {pid: stored(wp, pid) for pid in (draft, pending)}
    bot_id = wp.user_id(wp.bot)

    attempts = [
        ("wp.editPost", draft, {"post_content": "<p>Remplacé par le robot.</p>"}),
        ("wp.editPost", draft, {"post_author": bot_id}),
        ("wp.editPost", pending, {"post_status": "trash"}),
        ("wp.editPost", draft, {"custom_fields": [{"key": YOAST_FOCUSKW, "value": "piraté"}]}),
        ("wp.editPost", draft, {"terms_names": {"post_tag": ["seo-bridge"]}}),
        ("wp.deletePost", pending, None),
        ("wp.newPost", None, {"post_title": "Du robot", "post_status": "draft"}),
    ]
    for method, pid, struct in attempts:
        args = [a for a in (pid, struct) if a is not None]
        assert fault_code(partial(wp.call, method, wp.bot, *args)) == 401, (method, struct)
    # Even with the guard keys, only the daemon's fields: not the author, not a foreign meta key.
    post = claim(wp, draft, wp.bot)
    guard = {"seo_bridge_expect_hash": post["seo_bridge"]["content_hash"], "seo_bridge_daemon": "daemon-a"}
    assert fault_code(lambda: wp.call("wp.editPost", wp.bot, draft, {**guard, "post_author": bot_id})) == 401
    assert fault_code(lambda: wp.call("seobridge.editPost", wp.bot, draft, {
        **guard, "custom_fields": [{"key": "_edit_lock", "value": "1"}]})) == 401

    # REST: an update, a trash, a meta write without the guard.
    for method, route, body in (("POST", f"/wp/v2/posts/{draft}", {"content": "<p>Remplacé.</p>"}),
                                ("POST", f"/wp/v2/posts/{draft}", {"meta": {YOAST_FOCUSKW: "piraté"}}),
                                ("POST", f"/wp/v2/posts/{pending}", {"author": bot_id}),
                                ("DELETE", f"/wp/v2/posts/{pending}", None),
                                ("POST", "/wp/v2/posts", {"title": "Du robot"}),
                                ("POST", "/wp/v2/users/me/application-passwords", {"name": "persistance"})):
        r = wp.rest(method, route, wp.bot, json=body)
        assert r.status_code == 403, (method, route, r.status_code, r.text)

    # wp-admin: the robot account has no dashboard (the classic editor, quick edit, admin-ajax).
    s = wp.admin_session(wp.bot)
    assert s.get(f"{wp.url}/wp-admin/post.php", params={"post": draft, "action": "edit"}, timeout=30).status_code == 403

    for pid in (draft, pending):
        after = stored(wp, pid)
        for field in ("content", "status", "author", "tags"):
            assert after[field] == before[pid][field], (pid, field)
        assert after["meta"][YOAST_FOCUSKW] == before[pid]["meta"][YOAST_FOCUSKW]
    assert {p["id"] for p in wp.rest("GET", "/wp/v2/posts", wp.admin, params={
        "status": "draft,pending,trash", "context": "edit"}).json()} == {draft, pending}  # nothing created


# --- 5. the guarded edit's answer ----------------------------------------------------------------------------


def test_the_guarded_edit_answers_only_the_plugins_keys(reset):
    wp = reset
    pid = wp.create_post(TITLE, CONTENT, author=wp.editor)
    wp.hold_edit_lock(pid, wp.editor)  # core's protected _edit_lock now holds "time:user"
    post = claim(wp, pid, wp.editor)
    struct = {"seo_bridge_expect_hash": post["seo_bridge"]["content_hash"], "seo_bridge_daemon": "daemon-a",
              "post_content": "<p>Réécrit.</p>", "custom_fields": [
                  {"key": YOAST_FOCUSKW, "value": "crème"}, {"key": "_edit_lock", "value": ""},
                  {"key": "_editorial_private_note", "value": ""}]}

    answer = wp.call("seobridge.editPost", wp.editor, pid, struct)

    assert answer["meta"] == {YOAST_FOCUSKW: "crème"}


# --- 6. counts and odd input -----------------------------------------------------------------------------------


def test_drafts_count_is_not_disclosed_to_users_who_cannot_edit_others_posts(reset):
    wp = reset
    contributor = wp.contributor()
    for i in range(3):
        wp.create_post(f"Brouillon {i}", CONTENT, author=wp.editor)
    own = wp.rest("POST", "/wp/v2/posts", contributor, json={"title": TITLE, "content": CONTENT}).json()["id"]

    r = wp.rest("GET", "/wp-seo-bridge/v1/drafts", contributor)
    assert r.status_code == 200
    assert [row["id"] for row in r.json()] == [own]
    assert (r.headers["X-WP-Total"], r.headers["X-WP-TotalPages"]) == ("1", "1")
    r = wp.rest("GET", "/wp/v2/posts", contributor, params={"status": "draft", "context": "edit"})
    assert [p["id"] for p in r.json()] == [own] and r.headers["X-WP-Total"] == "1"
    # The daemon's account still counts them all.
    assert wp.rest("GET", "/wp-seo-bridge/v1/drafts", wp.bot).headers["X-WP-Total"] == "4"


ODD_BODIES = [
    b"[]", b"null", b"\"claim\"", b"42", b"{", b"[" * 5000 + b"]" * 5000,
    json.dumps({"expect_hash": {"a": [1, {"b": None}]}, "daemon_id": ["x"], "ttl_seconds": "soon"}).encode(),
    json.dumps({"expect_hash": "0" * 64, "daemon_id": "d", "ttl_seconds": 1e308}).encode(),
    json.dumps({"daemon_id": {"nested": {"deeper": [[[]]]}}, "state_json": {"state": "failed"}}).encode(),
    json.dumps({"post_ids": [[1, 2], {"3": 4}]}).encode(),
    json.dumps({"requests": "not a list"}).encode(),
    json.dumps({"requests": [{"path": ["/wp-seo-bridge/v1/claim/1"], "body": "x"}]}).encode(),
    b'{"expect_hash": ' + b"[" * 600 + b"]" * 600 + b"}",  # deeper than PHP's json_decode accepts (512)
]


@pytest.mark.parametrize("route", ["/wp-seo-bridge/v1/claim/1", "/wp-seo-bridge/v1/state/1",
                                   "/wp-seo-bridge/v1/notify", "/batch/v1"])
def test_odd_json_to_the_plugins_routes_is_a_clean_wordpress_error(wp, route):
    pid = wp.create_post(TITLE, CONTENT)
    route = route.replace("/1", f"/{pid}")
    for body in ODD_BODIES:
        r = wp.rest("POST", route, wp.bot, data=body, headers={"Content-Type": "application/json"})
        assert r.status_code < 500, (route, body[:80], r.status_code, r.text[:300])
        if r.status_code >= 400:
            assert isinstance(r.json().get("code"), str), r.text[:300]
    assert raw_meta(wp, pid).get(STATE_KEY) is None
