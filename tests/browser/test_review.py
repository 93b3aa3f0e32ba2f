"""Editors review the robot's rewrites inside WordPress, in a real headless Chromium (issue 5).

Rewrites are real: ``one_pass`` runs the daemon's pipeline against the local WordPress and the offline
Mistral stand-in. Every outcome is read back over XML-RPC as the admin, never from the page alone.
"""
from __future__ import annotations

import re

import pytest

from tests.support.sync import (
    REVIEW_VIEW,
    TAG,
    meta,
    one_pass,
    seed_text,
    snapshot,
    source,
    state_of,
    tags_of,
    wp_version,
)
from wp_seo_bridge.extract import extract
from wp_seo_bridge.model import YOAST_KEYS, Article, Block, Section
from wp_seo_bridge.render import dialect, render

pytestmark = [pytest.mark.browser, pytest.mark.wordpress]


def yoast_of(post: dict) -> dict:
    return {k: v for k, v in meta(post).items() if k in YOAST_KEYS}


def version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", version.split("-")[0])[:2])


def test_editor_finds_approves_and_rejects_rewrites(site, standin, login, artifacts):
    storm = site.create_post("Brouillon sur Storm-0558", seed_text(), tags=[TAG])
    wire = site.create_post("Dépêche halle", source("wire-fr"), tags=[TAG, "marche"],
                            meta={"_yoast_wpseo_title": "Titre SEO de l'auteur", "_yoast_wpseo_focuskw": "halle"})
    blocks = site.create_post("Fête du pain", source("gutenberg-fr"), tags=[TAG])
    wire_before = snapshot(site, wire)
    _, report = one_pass(site, standin)
    rewritten = sorted(int(o.post_id) for o in report.outcomes if o.result == "rewritten")
    assert rewritten == sorted([storm, wire, blocks]), [o.line() for o in report.outcomes]
    calls = len(standin.completions())

    editor = login(site.editor)
    page = editor.page
    # The Posts list: the view, its count and the row actions.
    editor.goto("edit.php")
    view = page.locator(".subsubsub .wpsb_review a")
    assert re.search(r"\(3\)", view.inner_text())
    view.click()
    page.wait_for_url(re.compile(r"wpsb_review=1"))
    rows = page.locator("#the-list tr").evaluate_all("rows => rows.map(r => r.id)")
    listed = {int(i.removeprefix("post-")) for i in rows}
    assert listed == {storm, wire, blocks}

    # Open one: the panel tells what the robot did, and the blocks are valid.
    page.click(f"#post-{storm} a.row-title")
    editor.open_editor()
    state = state_of(site, storm)
    panel = page.locator("#wpsb-review")
    # A panel of the document sidebar, open, and no classic meta box: one would turn the editor's iframe off.
    assert page.locator(".interface-complementary-area .wpsb-review-panel.is-opened #wpsb-review").count() == 1
    boxes = page.evaluate("() => wp.data.select('core/edit-post').getAllMetaBoxes().map(b => b.id)")
    assert "wpsb-review" not in boxes and page.locator(".postbox#wpsb-review").count() == 0
    if version_tuple(wp_version(site)) >= (7, 0) and not boxes:
        assert page.locator('iframe[name="editor-canvas"]').count() == 1
    panel.scroll_into_view_if_needed()
    text = panel.inner_text()
    assert state["keyphrase"] and state["keyphrase"] in text
    # Words as WordPress formats numbers in the site's language ("1 088", "1,088").
    assert re.search(r"\D" + r"\D{0,3}".join(re.findall(r"\d{1,3}", f"{state['words']:,}")) + r"\D", text), text
    assert state["model"] in text
    # Offline, the stand-in answered: the panel says so and shows no cost (real calls only show euros).
    assert state["standin_calls"] == state["calls"] > 0 and state["cost_eur"] == 0
    assert "doublure hors ligne" in text and "€" not in text
    assert len(state["report"]) == panel.locator(".wpsb-check").count() > 0
    assert editor.invalid_blocks() == [] and editor.block_messages() == []
    panel.screenshot(path=str(artifacts / "review-panel.png"))
    page.screenshot(path=str(artifacts / "review-editor.png"))
    # The editor's notice area announces the review, with the same two actions.
    assert page.locator(".components-notice.is-info .components-notice__action").count() == 2

    # Compare Revisions opens on the pre-rewrite revision and the rewrite.
    compare = panel.locator("a.wpsb-compare").get_attribute("href")
    revisions = {r["post_id"]: r for r in site.call("wp.getRevisions", site.admin, storm, ["post_content"])}
    ids = dict(re.findall(r"(from|to)=(\d+)", compare))
    original = revisions[ids["from"]]["post_content"]
    assert "Storm-0558" in original and "<!-- wp:heading" not in original
    assert "<!-- wp:heading" in revisions[ids["to"]]["post_content"]

    # Approve from the panel: published.
    assert "wpsb_done=published" in editor.act(panel.locator("a.wpsb-approve"))
    editor.open_editor()  # back in the editor, which says what happened (its own notice area and the panel)
    assert page.locator(".components-notice.is-success").count() == 1
    assert page.locator("#wpsb-review .wpsb-done").count() == 1
    assert snapshot(site, storm)["post_status"] == "publish"
    assert state_of(site, storm)["state"] == "approved" and state_of(site, storm)["reviewed_by"] == site.editor.user

    # The other rewrite of block markup (image, table, embed, shortcode) opens without invalid blocks.
    editor.console.clear()
    editor.open_editor(blocks)
    assert editor.invalid_blocks() == [] and editor.block_messages() == []
    # Approve from the editor's notice this time.
    assert "wpsb_done=published" in editor.act(page.locator(".components-notice.is-info a.wpsb-notice-approve"))
    assert snapshot(site, blocks)["post_status"] == "publish"

    # Reject from the Posts list: text, title and Yoast fields back as before, a draft, no opt-in tag.
    editor.goto(REVIEW_VIEW)
    page.hover(f"#post-{wire}")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.type), dialog.accept()))
    assert "wpsb_done=reject" in editor.act(page.locator(f"#post-{wire} .wpsb_reject a"))
    assert asked == ["confirm"]
    assert page.locator(".notice.wpsb-notice").count() == 1
    after = snapshot(site, wire)
    assert after["post_status"] == "draft"
    assert (after["post_title"], after["post_content"]) == (wire_before["post_title"], wire_before["post_content"])
    assert yoast_of(after) == yoast_of(wire_before) == {"_yoast_wpseo_title": "Titre SEO de l'auteur",
                                                        "_yoast_wpseo_focuskw": "halle"}
    assert after["post_name"] == wire_before["post_name"] == ""
    assert tags_of(site, wire) == ["marche"]
    rejected = state_of(site, wire)
    assert rejected["state"] == "rejected" and rejected["reviewed_by"] == site.editor.user
    assert page.locator(f"#post-{wire}").count() == 0  # no longer awaiting review

    # The next pass leaves the rejected draft (and the published post) alone.
    _, again = one_pass(site, standin)
    assert again.outcomes == [] and len(standin.completions()) == calls
    assert snapshot(site, wire) == after


def test_the_invalid_block_check_sees_a_broken_block(site, login):
    # Guards the assertion above: a heading whose markup disagrees with its level is invalid.
    post_id = site.create_post("Cassé", '<!-- wp:heading {"level":3} -->\n<h2>Titre</h2>\n<!-- /wp:heading -->')
    editor = login(site.editor)
    editor.open_editor(post_id)
    assert len(editor.invalid_blocks()) >= 1


def test_the_console_check_sees_markup_the_editor_rewrites(site, login):
    # Guards block_messages() above. Every version re-serialises ("Updated Block") a list in the markup of
    # WordPress 6.0 (no list-item blocks); 6.2 and later also our headings and lists in 6.1's markup. The
    # same article in the site's own version's markup opens silently.
    version = wp_version(site)
    article = Article(title="T", seo_title="S", meta_description="M", focus_keyphrase="k", slug="k",
                      intro=[Block(type="paragraph", text="Intro."), Block(type="list", items=["un", "deux"])],
                      sections=[Section(level=2, heading="Deux", blocks=[Block(type="quote", text="Q", cite="C")]),
                                Section(level=3, heading="Trois", blocks=[Block(type="paragraph", text="Fin.")])])
    list_60 = "<!-- wp:list -->\n<ul><li>un</li><li>deux</li></ul>\n<!-- /wp:list -->"
    older = site.create_post("Balisage ancien", list_60 + "\n\n" + render(article, extract("x"), wp_version="6.1"))
    own = site.create_post("Sa version", render(article, extract("x"), wp_version=version))
    editor = login(site.editor)
    editor.open_editor(older)
    updated = [m for m in editor.block_messages() if "Updated Block" in m]
    # The list of 6.0 (+ 2 headings and a list of 6.1 on 6.2 and later), from the editor's parse; plugins
    # that parse the content again (Yoast's analysis) log the same messages again.
    per_parse = 1 if dialect(version) == dialect("6.1") else 4
    assert len(updated) % per_parse == 0 and len(updated) >= per_parse, editor.console
    fresh = login(site.editor)  # its own console: messages of the other page may still arrive
    fresh.open_editor(own)
    assert fresh.block_messages() == [] and fresh.invalid_blocks() == []


def test_the_classic_editor_keeps_a_meta_box(site, standin, login):
    post_id = site.create_post("Brouillon classique", seed_text(), tags=[TAG])
    one_pass(site, standin)
    site.option("wpsb_local_classic_editor", "1")
    try:
        editor = login(site.editor)
        page = editor.page
        # Not "load": the classic editor with Yoast loads slowly on a busy host, and only its form matters here.
        page.goto(f"{site.url}/wp-admin/post.php?post={post_id}&action=edit", wait_until="domcontentloaded",
                  timeout=90_000)
        page.locator("#wpsb-review.postbox").wait_for(timeout=60_000)
        assert page.locator("#post-body #content").count() == 1  # the classic editor, not the block editor
        box = page.locator("#wpsb-review.postbox")
        assert box.count() == 1 and state_of(site, post_id)["keyphrase"] in box.inner_text()
        assert box.locator("a.wpsb-approve").count() == 1
        # review.js loads without the block editor's packages and still asks before Reject.
        asked = []
        page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
        box.locator("a.wpsb-reject").click()
        assert asked and "Rejeter" in asked[0] and "/post.php" in page.url
        assert snapshot(site, post_id)["post_status"] == "pending"
    finally:
        site.option("wpsb_local_classic_editor", "0")


def test_only_users_allowed_to_publish_can_approve(site, standin, login):
    post_id = site.create_post("Brouillon", seed_text(), tags=[TAG])
    one_pass(site, standin)
    assert snapshot(site, post_id)["post_status"] == "pending"
    editor_page = site.admin_session(site.editor).get(f"{site.url}/wp-admin/{REVIEW_VIEW}", timeout=30).text
    editor_approve = re.search(r'class="wpsb-approve" href="([^"]+)"', editor_page).group(1).replace("&amp;", "&")

    # An author sees the waiting post in the list but no review action, and cannot open it.
    author = login(site.author)
    author.goto(REVIEW_VIEW)
    assert author.page.locator(f"#post-{post_id}").count() == 1
    assert author.page.locator("a.wpsb-approve, a.wpsb-reject").count() == 0
    author.goto(f"post.php?post={post_id}&action=edit")
    assert author.page.locator("#wpsb-review").count() == 0
    # Forged requests: no nonce, or the editor's nonce (bound to the editor's session), are refused.
    bare = re.sub(r"&_wpnonce=\w+", "", editor_approve)
    for url in (bare, editor_approve):
        assert author.page.request.get(url, max_redirects=0).status == 403

    # The robot's role may edit the post but not publish it, and has no dashboard at all: neither the editor
    # nor admin-post.php (Approve, even with the editor's nonce) answers it.
    bot = site.admin_session(site.bot)
    edit = bot.get(f"{site.url}/wp-admin/post.php", params={"post": post_id, "action": "edit"}, timeout=30)
    assert edit.status_code == 403
    assert bot.get(editor_approve, allow_redirects=False, timeout=30).status_code == 403
    assert snapshot(site, post_id)["post_status"] == "pending"
    assert state_of(site, post_id)["state"] == "rewritten"
