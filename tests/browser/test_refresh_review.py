"""An editor reviews a refresh proposal of a published post in a real headless Chromium (issue 14): the Posts
list's view and row actions, the live-vs-proposal diff page, Approve; "Refresh SEO" asks for a proposal of an
untagged published post. What visitors see is fetched from the front end over HTTP; the post is read back over
XML-RPC as the admin.
"""
from __future__ import annotations

import json
import re

import pytest
import requests

from tests.support.sync import FIXTURES, TAG, one_pass, seed_text

pytestmark = [pytest.mark.browser, pytest.mark.wordpress]

YOAST = {"_yoast_wpseo_title": "Ancien titre SEO",
         "_yoast_wpseo_metadesc": "Ancienne méta description écrite à la main.",
         "_yoast_wpseo_focuskw": "pirates chinois"}


def description(url: str) -> str | None:
    m = re.search(r'<meta name="description" content="([^"]*)"', requests.get(url, timeout=30).text)
    return m.group(1) if m else None


def test_editor_compares_and_approves_a_refresh_and_asks_for_another(site, standin, login, artifacts):
    site.option("wp_seo_bridge_refresh_enabled", "1")
    tagged = site.create_post("La Chine rejette les allégations", seed_text(), status="publish", tags=[TAG], meta=YOAST)
    untagged = site.create_post("Un autre article publié", seed_text(), status="publish", meta=YOAST)
    link = site.call("wp.getPost", site.admin, tagged, ["link"])["link"]
    _, report = one_pass(site, standin)
    assert [(int(o.post_id), o.result) for o in report.outcomes] == [(tagged, "refreshed")]
    assert description(link) == site.printed_by_yoast(YOAST["_yoast_wpseo_metadesc"])  # live, untouched

    editor = login(site.editor)
    page = editor.page
    # "Awaiting SEO review" lists it beside the rewritten drafts (one draft here).
    draft = site.create_post("Brouillon sur Storm-0558", seed_text(), tags=[TAG])
    one_pass(site, standin)
    editor.goto("edit.php?post_status=pending&wpsb_review=1")
    assert re.search(r"\(2\)", page.locator(".subsubsub .wpsb_review a").inner_text())
    listed = page.locator("#the-list tr").evaluate_all("rows => rows.map(r => r.id)")
    assert sorted(listed) == sorted([f"post-{tagged}", f"post-{draft}"])
    editor.goto("edit.php")
    view = page.locator(".subsubsub .wpsb_refresh a")
    assert re.search(r"\(1\)", view.inner_text())
    view.click()
    page.wait_for_url(re.compile(r"wpsb_refresh=1"))
    rows = page.locator("#the-list tr").evaluate_all("rows => rows.map(r => r.id)")
    assert rows == [f"post-{tagged}"]
    row = page.locator(f"#post-{tagged}")
    row.hover()
    row.locator("a.wpsb-refresh-diff").click()
    page.wait_for_url(re.compile(r"page=wpsb-refresh-diff"))
    article = json.loads((FIXTURES / "seed-fr.json").read_text(encoding="utf-8"))["article"]
    assert article["meta_description"] in page.locator(".wpsb-refresh-yoast").inner_text()
    assert page.locator("table.diff").count() == 2  # title and content, core's diff
    page.screenshot(path=str(artifacts / "refresh-diff.png"), full_page=False)
    editor.act(page.locator("a.wpsb-refresh-approve"))
    assert description(link) == site.printed_by_yoast(article["meta_description"])
    assert site.call("wp.getPost", site.admin, tagged, ["link"])["link"] == link  # same URL

    # "Refresh SEO" on a published post without the tag: the next pass proposes a refresh of it.
    editor.goto("edit.php")
    row = page.locator(f"#post-{untagged}")
    row.hover()
    editor.act(row.locator("a.wpsb-refresh-ask"))
    _, again = one_pass(site, standin)
    assert [(int(o.post_id), o.result) for o in again.outcomes if o.result != "skipped"] == [(untagged, "refreshed")]
