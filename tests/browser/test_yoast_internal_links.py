"""Internal links in the real Yoast editor (issue 15): on a site of 210 published French posts, the rewrite of a
related draft gains a link to a related post, and Yoast's own analysis in the block editor (the site's Yoast
SEO: 21.1 on Debian's WordPress, 28.3 on 7.1) rates its "Internal links" assessment green."""
from __future__ import annotations

import pytest

from tests.support.sync import TAG, load_corpus, one_pass, seed_text, site_cfg
from wp_seo_bridge.wiring import make_wordpress

pytestmark = [pytest.mark.browser, pytest.mark.wordpress]


def editor_results(admin, post_id: int) -> tuple[int, dict[str, int]]:
    """Yoast's SEO analysis of the post in the block editor, once stable: overall score, score per assessment."""
    admin.open_editor(post_id)
    # Yoast first analyses an empty text while the editor loads: wait for an analysis of the post's text.
    admin.page.wait_for_function(
        """() => { const s = wp.data.select('yoast-seo/editor');
                   const length = s && (s.getResultsForFocusKeyword().results || [])
                       .find(r => r._identifier === 'textLength');
                   return length && length.score > 0; }""", timeout=60_000)
    seen = None
    for _ in range(10):  # the worker answers again as the editor settles: read a stable analysis
        admin.page.wait_for_timeout(1000)
        now = admin.page.evaluate("""() => { const r = wp.data.select('yoast-seo/editor').getResultsForFocusKeyword();
            return [r.overallScore, Object.fromEntries(r.results.map(x => [x._identifier, x.score]))]; }""")
        if now == seen:
            break
        seen = now
    return int(seen[0]), seen[1]


def test_a_related_rewrite_has_yoasts_internal_links_assessment_green(site, standin, login):
    site.require_yoast()
    load_corpus(site)
    post_id = site.create_post("Cyberespionnage : Microsoft accuse des pirates chinois", seed_text(), tags=[TAG])
    _, report = one_pass(site, standin, link_candidates=lambda: make_wordpress(site_cfg(site)).list_published().posts)
    assert [o.result for o in report.outcomes] == ["rewritten"], [o.line() for o in report.outcomes]
    assert "1 internal link" in report.outcomes[0].reason
    seo, results = editor_results(login(site.editor), post_id)
    print(f"Yoast {site.yoast_version}: SEO {seo}, {results}")
    assert results["internalLinks"] == 9, results
    assert seo >= 71, results  # green overall
