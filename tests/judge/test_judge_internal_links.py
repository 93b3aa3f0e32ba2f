"""Internal links as the real Yoast analysis sees them (yoastseo 3.6.0, fr_FR): the stand-in's rewrites of
drafts related to the 210-post corpus, with the links it placed from our offers, turn Yoast's "Internal
links" assessment green and do not lower the SEO score. (The real editor's view is the browser tests'.)"""
from __future__ import annotations

import json
from dataclasses import replace

import pytest

from tests.support import corpus
from tests.support.judge import FIXTURES, judge_command, run_judge
from wp_seo_bridge import relate
from wp_seo_bridge.extract import extract
from wp_seo_bridge.model import Article
from wp_seo_bridge.pipeline import judge
from wp_seo_bridge.render import render
from wp_seo_bridge.rewrite.rewrite import user_message
from wp_seo_bridge.standin.links import place

pytestmark = pytest.mark.judge

SITE = "https://blog.example.fr"


def _scores(report: dict) -> dict[str, int]:
    return {a["identifier"]: a["score"] for a in report["seo"]["assessments"]}


@pytest.mark.parametrize("name", ["seed-fr", "long-fr"])
def test_offered_links_placed_by_the_standin_turn_yoasts_internal_links_green(name):
    fixture = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    text = (FIXTURES / fixture["source"]).read_text(encoding="utf-8")
    title = text.splitlines()[0]
    source = extract(text, title)
    source = replace(source, links=relate.offers(source, corpus.as_published(SITE)), post_id="9999")
    assert source.links, "the corpus has posts related to this draft"
    before = Article.model_validate(fixture["article"])
    after = Article.model_validate(place(fixture["article"], user_message(source, min_words=700)["content"]))
    assert after != before and judge(after, source).passed
    command = judge_command()
    reports = {}
    for label, article in (("before", before), ("after", after)):
        reports[label] = run_judge(command, {
            "html": render(article, source), "title": article.seo_title, "metaDescription": article.meta_description,
            "keyword": article.focus_keyphrase, "slug": article.slug, "locale": "fr_FR",
            "permalink": f"{SITE}/{article.slug}/"})
    print(name, {k: (r["seo"]["score"], _scores(r).get("internalLinks")) for k, r in reports.items()})
    assert _scores(reports["before"])["internalLinks"] < 9
    assert _scores(reports["after"])["internalLinks"] == 9
    assert reports["after"]["seo"]["score"] >= reports["before"]["seo"]["score"]
