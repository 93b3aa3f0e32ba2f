"""The review actions and the notification e-mail, server side (no browser): wp-admin as a logged-in editor
would call it (cookies, nonces), XML-RPC and REST as the daemon does. Real rewrites via ``one_pass``."""
from __future__ import annotations

import html
import re
import time

import pytest
from bs4 import BeautifulSoup

from tests.support.sync import REVIEW_VIEW, TAG, one_pass, seed_text, snapshot, source, state_of, tags_of
from wp_seo_bridge.model import YOAST_READABILITY_SCORE, YOAST_SEO_SCORE

pytestmark = pytest.mark.wordpress


def row_action(wp, session, post_id: int, name: str, view: str = REVIEW_VIEW) -> str:
    """The URL of a row action (approve, reject, rewrite-again) as the Posts list prints it for this user."""
    page = session.get(f"{wp.url}/wp-admin/{view}", timeout=30).text
    row = re.search(rf'<tr id="post-{post_id}".*?</tr>', page, re.S)
    assert row, f"post {post_id} not in {view}"
    link = re.search(rf'class="wpsb-{name}"[^>]*href="([^"]+)"', row.group(0))
    assert link, f"no {name} action for post {post_id}"
    return html.unescape(link.group(1))


def follow(session, url: str, referer: str):
    return session.get(url, headers={"Referer": referer}, allow_redirects=False, timeout=30)


def editor_emails(wp) -> set[str]:
    users = wp.call("wp.getUsers", wp.admin, {"number": 100}, ["email", "roles"])
    return {u["email"] for u in users if {"editor", "administrator"} & set(u["roles"])}


def test_one_email_per_pass_lists_the_new_pending_posts(site, standin):
    ids = [site.create_post("Brouillon", seed_text(), tags=[TAG]),
           site.create_post("Dépêche", source("wire-fr"), tags=[TAG]),
           site.create_post("Pas inscrit", source("wire-fr"))]
    _, report = one_pass(site, standin)
    assert report.count("rewritten") == 2
    mails = site.mails()
    assert len(mails) == 1, mails
    mail = mails[0]
    assert set(mail["to"]) == editor_emails(site) and len(mail["to"]) == 2
    assert "2 articles attendent votre relecture SEO" in mail["subject"]  # the site is French, so is the plugin
    for post_id in ids[:2]:
        post = snapshot(site, post_id)
        assert html.unescape(post["post_title"]) in mail["message"]
        assert f"/wp-admin/post.php?post={post_id}&action=edit" in mail["message"]
        assert state_of(site, post_id)["keyphrase"] in mail["message"]
    assert f"post={ids[2]}&" not in mail["message"]
    assert REVIEW_VIEW in mail["message"]

    # A pass that rewrites nothing sends nothing.
    one_pass(site, standin)
    assert len(site.mails()) == 1


def test_the_review_mail_is_the_plugins_list_sent_once_and_never_on_a_users_request(site, standin):
    site.option("wp_seo_bridge_notify", "redaction@example.test, chef@example.test")
    pending = site.create_post("Brouillon", seed_text(), tags=[TAG])
    one_pass(site, standin)
    plain_draft = site.create_post("Un brouillon", "<p>Rien.</p>", tags=[TAG])
    mails = site.mails()
    assert len(mails) == 1 and mails[0]["to"] == ["redaction@example.test", "chef@example.test"]
    assert mails[0]["message"].count("/wp-admin/post.php?post=") == 1 and f"post={pending}&" in mails[0]["message"]

    # Asking again sends nothing (each rewrite is mailed once), whatever ids the caller names; an author may
    # not ask at all.
    assert site.call("seobridge.notifyPending", site.bot, [pending, plain_draft, 987654]) == 0
    r = site.rest("POST", "/wp-seo-bridge/v1/notify", site.bot, json={"post_ids": [pending]})
    assert r.status_code == 200 and r.json() == {"recipients": 0}
    with pytest.raises(Exception) as refused:
        site.call("seobridge.notifyPending", site.author, [pending])
    assert getattr(refused.value, "faultCode", None) == 401
    assert len(site.mails()) == 1

    # Switched off: the next rewrite is not mailed, not even later.
    site.option("wp_seo_bridge_notify_enabled", "0")
    site.create_post("Dépêche", source("wire-fr"), tags=[TAG])
    one_pass(site, standin)
    site.option("wp_seo_bridge_notify_enabled", "1")
    assert site.call("seobridge.notifyPending", site.bot) == 0
    assert len(site.mails()) == 1


def test_approving_a_post_with_a_future_date_schedules_it(site, standin):
    post_id = site.create_post("Brouillon", seed_text(), tags=[TAG])
    one_pass(site, standin)
    # The editor fixed a publication date next week before approving.
    site.call("wp.editPost", site.admin, post_id, {"post_date_gmt": _in_a_week()})
    editor = site.admin_session(site.editor)
    approve = row_action(site, editor, post_id, "approve")
    r = follow(editor, approve, f"{site.url}/wp-admin/{REVIEW_VIEW}")
    assert r.status_code == 302 and "wpsb_done=scheduled" in r.headers["location"]
    # (XML-RPC reports scheduled posts as "publish": ask REST.)
    stored = site.rest("GET", f"/wp/v2/posts/{post_id}", site.admin, params={"context": "edit"}).json()
    assert stored["status"] == "future"
    assert state_of(site, post_id)["state"] == "approved"
    # Used twice (a stale tab): refused, nothing changes.
    assert follow(editor, approve, f"{site.url}/wp-admin/{REVIEW_VIEW}").status_code == 409


def _in_a_week():
    import datetime as dt
    import xmlrpc.client

    return xmlrpc.client.DateTime(dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) + dt.timedelta(days=7))


def test_publishing_with_the_editors_own_button_counts_as_approval(site, standin):
    post_id = site.create_post("Brouillon", seed_text(), tags=[TAG])
    one_pass(site, standin)
    site.call("wp.editPost", site.editor, post_id, {"post_status": "publish"})
    state = state_of(site, post_id)
    assert state["state"] == "approved" and state["reviewed_by"] == site.editor.user


def test_actions_need_the_nonce_and_rights_on_the_post(site, standin):
    post_id = site.create_post("Brouillon", seed_text(), tags=[TAG])
    one_pass(site, standin)
    before = snapshot(site, post_id)
    editor = site.admin_session(site.editor)
    reject = row_action(site, editor, post_id, "reject")
    no_nonce = re.sub(r"&_wpnonce=\w+", "", reject)
    assert follow(editor, no_nonce, f"{site.url}/wp-admin/edit.php").status_code == 403
    other_post = reject.replace(f"post={post_id}", f"post={post_id + 1}")
    assert follow(editor, other_post, f"{site.url}/wp-admin/edit.php").status_code == 403
    subscriber = site.admin_session(site.subscriber)
    assert follow(subscriber, reject, f"{site.url}/wp-admin/edit.php").status_code == 403
    # Someone else has the post open in the editor: wait for them, as WordPress does for restores.
    approve = row_action(site, editor, post_id, "approve")
    site.hold_edit_lock(post_id, site.admin)
    for url in (approve, reject):
        assert follow(editor, url, f"{site.url}/wp-admin/edit.php").status_code == 423
    assert snapshot(site, post_id) == before


def test_rewrite_again_after_a_reject(site, standin):
    post_id = site.create_post("Brouillon", seed_text(), tags=[TAG])
    one_pass(site, standin)
    editor = site.admin_session(site.editor)
    follow(editor, row_action(site, editor, post_id, "reject"), f"{site.url}/wp-admin/{REVIEW_VIEW}")
    assert snapshot(site, post_id)["post_status"] == "draft" and TAG not in tags_of(site, post_id)

    # All-drafts mode: no tag to re-add; the rejected draft is skipped until "Rewrite again".
    site.option("wp_seo_bridge_opt_in", "all-drafts")
    _, skipped = one_pass(site, standin)
    assert [o.result for o in skipped.outcomes] == ["skipped"] and "rejected" in skipped.outcomes[0].reason
    again = row_action(site, editor, post_id, "rewrite-again", view="edit.php?post_status=draft")
    r = follow(editor, again, f"{site.url}/wp-admin/edit.php?post_status=draft")
    assert r.status_code == 302 and "wpsb_done=rewrite_again" in r.headers["location"]
    assert state_of(site, post_id) is None
    _, report = one_pass(site, standin)
    assert [o.result for o in report.outcomes] == ["rewritten"]
    assert snapshot(site, post_id)["post_status"] == "pending"

    # Tag mode: rejecting again removes the tag; adding it back is the author asking again.
    site.option("wp_seo_bridge_opt_in", "tag")
    follow(editor, row_action(site, editor, post_id, "reject"), f"{site.url}/wp-admin/{REVIEW_VIEW}")
    _, quiet = one_pass(site, standin)
    assert quiet.outcomes == []
    site.call("wp.editPost", site.admin, post_id, {"terms_names": {"post_tag": [TAG]}})
    _, report = one_pass(site, standin)
    assert [o.result for o in report.outcomes] == ["rewritten"]


def test_the_settings_page_switches_review_emails_off(site):
    admin = site.admin_session(site.admin)
    page = admin.get(f"{site.url}/wp-admin/options-general.php", params={"page": "wp-seo-bridge"}, timeout=30).text
    assert "Réécriture automatique des brouillons" in page and "E-mails de relecture" in page  # in French
    form = BeautifulSoup(page, "html.parser").find("form", action="options.php")
    box = form.find("input", attrs={"type": "checkbox", "name": "wp_seo_bridge_notify_enabled"})
    assert box is not None and box.has_attr("checked")  # on by default
    fields = {}
    for field in form.find_all("input"):
        if field.get("name") and (field.get("type") not in ("checkbox", "radio") or field.has_attr("checked")):
            fields[field["name"]] = field.get("value", "")
    fields["wp_seo_bridge_notify_enabled"] = "0"  # what the browser sends for the unticked box (hidden input)
    r = admin.post(f"{site.url}/wp-admin/options.php", data=fields, allow_redirects=False, timeout=30)
    assert r.status_code == 302 and "settings-updated=true" in r.headers["location"]
    assert site.option("wp_seo_bridge_notify_enabled") == "0"


def scores_of(wp, post_id: int) -> dict[str, str]:
    """Yoast's score meta (its Posts list's dots): '' when the post has none."""
    r = wp.rest("GET", f"/wp/v2/posts/{post_id}", wp.admin,
                params={"context": "edit", "_fields": "wp_seo_bridge_scores"})
    assert r.status_code == 200, r.text
    return r.json()["wp_seo_bridge_scores"]


def save_with_yoast_scores(wp, post_id: int, scores: dict[str, str]) -> None:
    """The author saves the draft in the classic editor, Yoast's form fields carrying the scores its analysis
    computed in the browser: how Yoast stores them on a real site."""
    wp.option("wpsb_local_classic_editor", "1")
    try:
        admin = wp.admin_session(wp.admin)
        page = admin.get(f"{wp.url}/wp-admin/post.php", params={"post": post_id, "action": "edit"}, timeout=30).text
        form = BeautifulSoup(page, "html.parser").find("form", id="post")
        fields = {i["name"]: i.get("value", "") for i in form.find_all("input")
                  if i.get("name") and i.get("type") not in ("submit", "button", "checkbox", "radio")}
        fields.update({t["name"]: t.get_text() for t in form.find_all("textarea") if t.get("name")})
        fields.update({f"yoast_wpseo_{k.removeprefix('_yoast_wpseo_')}": v for k, v in scores.items()})
        fields["save"] = "Save Draft"
        r = admin.post(f"{wp.url}/wp-admin/post.php", data=fields, allow_redirects=False, timeout=30)
        assert r.status_code == 302, r.status_code
        # Leave the editor as WordPress does on closing it (its lock then lapses within seconds): the daemon
        # skips drafts open in the editor.
        # WordPress's redirect after the save opens the editor again; its page holds the lock to give back.
        page = admin.get(f"{wp.url}/wp-admin/post.php", params={"post": post_id, "action": "edit"}, timeout=30).text
        lock = BeautifulSoup(page, "html.parser").find(id="active_post_lock")["value"]
        r = admin.post(f"{wp.url}/wp-admin/admin-ajax.php", timeout=30,
                       data={"action": "wp-remove-post-lock", "post_ID": post_id, "active_post_lock": lock,
                             "_wpnonce": fields["_wpnonce"]})
        assert r.status_code == 200 and r.text.strip() == "1", (r.status_code, r.text, lock)
    finally:
        wp.option("wpsb_local_classic_editor", "0")
    deadline = time.monotonic() + 60
    while wp.call("wp.getPost", wp.bot, post_id, ["seo_bridge"])["seo_bridge"]["locked_by"]:
        assert time.monotonic() < deadline, "the editor's lock did not lapse"
        time.sleep(0.5)


def test_reject_gives_the_draft_its_own_yoast_scores_back(site, standin):
    # Yoast's Posts list shows _yoast_wpseo_linkdex and _yoast_wpseo_content_score as dots: after Reject the
    # restored draft must show its own (here the author's, saved by Yoast before the rewrite), not the rewrite's.
    site.require_yoast()
    authors, fresh = (site.create_post("Brouillon", seed_text(), tags=[TAG]) for _ in range(2))
    own = {YOAST_SEO_SCORE: "17", YOAST_READABILITY_SCORE: "33"}
    none = {YOAST_SEO_SCORE: "", YOAST_READABILITY_SCORE: ""}
    save_with_yoast_scores(site, authors, own)
    assert scores_of(site, authors) == own and scores_of(site, fresh) == none

    _, report = one_pass(site, standin)
    assert sorted(o.result for o in report.outcomes) == ["rewritten", "rewritten"], [o.line() for o in report.outcomes]
    for post_id in (authors, fresh):
        rewrite = scores_of(site, post_id)
        assert rewrite != own and all(rewrite.values()), rewrite  # the push stored the rewrite's own

    editor = site.admin_session(site.editor)
    for post_id in (authors, fresh):
        r = follow(editor, row_action(site, editor, post_id, "reject"), f"{site.url}/wp-admin/{REVIEW_VIEW}")
        assert r.status_code == 302 and "wpsb_done=reject" in r.headers["location"]
    assert scores_of(site, authors) == own
    assert scores_of(site, fresh) == none
