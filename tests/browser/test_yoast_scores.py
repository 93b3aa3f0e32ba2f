"""What editors see in Yoast SEO equals what we predicted (issue 12), with the site's real Yoast SEO.

Rewrites are real (the pipeline against the local WordPress and the offline stand-in). Yoast's Posts list is
read before anyone opens the posts (it shows the score meta the push stored), then Yoast's own analysis in
the block editor scores each post: same colour as our prediction, and within 5 points.
"""
from __future__ import annotations

import pytest

from tests.support.sync import TAG, one_pass, seed_text, source, wp_version
from wp_seo_bridge.check.scores import Scores
from wp_seo_bridge.model import YOAST_READABILITY_SCORE, YOAST_SEO_SCORE

pytestmark = [pytest.mark.browser, pytest.mark.wordpress]

#: Yoast's Posts list: the score icon's class per colour (its SEO and readability columns).
LIST_CLASS = {"green": "good", "orange": "ok", "red": "bad"}


def stored_scores(site, post_id: int) -> tuple[int, int]:
    answer = site.rest("GET", f"/wp/v2/posts/{post_id}", site.admin,
                       params={"context": "edit", "_fields": "wp_seo_bridge_scores"}).json()["wp_seo_bridge_scores"]
    return int(answer[YOAST_SEO_SCORE]), int(answer[YOAST_READABILITY_SCORE])


def list_icons(admin, post_id: int) -> tuple[str, str]:
    """The classes of the SEO and readability icons in the post's row of Yoast's Posts list columns."""
    row = admin.page.locator(f"#post-{post_id}")
    seo = row.locator(".column-wpseo-score .wpseo-score-icon").get_attribute("class")
    readability = row.locator(".column-wpseo-score-readability .wpseo-score-icon").get_attribute("class")
    return seo, readability


def editor_scores(admin, post_id: int) -> tuple[int, int]:
    """Yoast's own analysis of the post in the block editor: its SEO and readability overall scores."""
    admin.open_editor(post_id)
    # Yoast first analyses an empty text while the editor loads: wait for an analysis of the post's text.
    admin.page.wait_for_function(
        """() => { const s = wp.data.select('yoast-seo/editor');
                   const length = s && (s.getResultsForFocusKeyword().results || [])
                       .find(r => r._identifier === 'textLength');
                   return length && length.score > 0 && s.getReadabilityResults().overallScore > 0; }""",
        timeout=60_000)
    # The analysis runs again as the editor settles (the worker answers asynchronously): read a stable pair.
    pair = None
    for _ in range(10):
        admin.page.wait_for_timeout(1000)
        now = admin.page.evaluate("""() => { const s = wp.data.select('yoast-seo/editor');
            return [s.getResultsForFocusKeyword().overallScore, s.getReadabilityResults().overallScore]; }""")
        if now == pair:
            break
        pair = now
    # Each result, for the failure message: what Yoast scored differently.
    admin.last_results = admin.page.evaluate("""() => { const s = wp.data.select('yoast-seo/editor');
        return [...s.getResultsForFocusKeyword().results, ...s.getReadabilityResults().results]
            .map(r => r._identifier + ' ' + r.score).join(', '); }""")
    return int(pair[0]), int(pair[1])


def test_yoasts_list_and_editor_show_the_scores_we_predicted(site, standin, login):
    site.require_yoast()
    posts = {
        site.create_post("Brouillon sur Storm-0558", seed_text(), tags=[TAG]): "seed",
        site.create_post("Dépêche halle", source("wire-fr"), tags=[TAG]): "wire",
        site.create_post("Fête du pain", source("gutenberg-fr"), tags=[TAG]): "gutenberg",
    }
    _, report = one_pass(site, standin)
    assert sorted(int(o.post_id) for o in report.outcomes if o.result == "rewritten") == sorted(posts), \
        [o.line() for o in report.outcomes]
    predicted = {post_id: stored_scores(site, post_id) for post_id in posts}

    editor = login(site.editor)
    # Yoast's Posts list, before anyone opened the posts: the dots of the stored scores.
    editor.goto("edit.php?post_status=pending")
    for post_id, (seo, readability) in predicted.items():
        icons = list_icons(editor, post_id)
        assert LIST_CLASS[Scores.colour(seo)] in icons[0].split(), (posts[post_id], seo, icons)
        assert LIST_CLASS[Scores.colour(readability)] in icons[1].split(), (posts[post_id], readability, icons)

    # Yoast's own analysis in the editor agrees: same colour, within 5 points.
    seen = {}
    for post_id, (seo, readability) in predicted.items():
        seen[posts[post_id]] = (editor_scores(editor, post_id), (seo, readability), editor.last_results)
    version = f"WordPress {wp_version(site)}, Yoast {site.yoast_version}"
    for name, ((yoast_seo, yoast_readability), (seo, readability), _) in seen.items():
        assert Scores.colour(yoast_seo) == Scores.colour(seo) and abs(yoast_seo - seo) <= 5, (version, name, seen)
        assert Scores.colour(yoast_readability) == Scores.colour(readability), (version, name, seen)
        assert abs(yoast_readability - readability) <= 5, (version, name, seen)
