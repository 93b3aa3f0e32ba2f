#!/usr/bin/env python3
"""CPU time of the pure engine on a 3,000-word draft: extract + render + every check.

Builds the draft and its article from the stand-in fixtures (Gutenberg markup, with images, a
table, an embed, a shortcode and links), so no network and no model are involved. One pass is
what the pipeline does for one draft: extract, then check, which renders the article (the pushed
HTML is the one the checks judged, so nothing is rendered twice). The headline uses
an article as long as the draft (the worst case); a second line shows a 1,000-word article, the
usual size of a rewrite. Prints median CPU milliseconds and the ratio to the 50 ms budget.

    .venv/bin/python scripts/bench_engine.py [--runs 30] [--words 3000]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wp_seo_bridge import check  # noqa: E402
from wp_seo_bridge.check.sentences import split_sentences  # noqa: E402
from wp_seo_bridge.extract import extract  # noqa: E402
from wp_seo_bridge.markup import text as text_module  # noqa: E402
from wp_seo_bridge.model import Article  # noqa: E402
from wp_seo_bridge.pipeline import judge  # noqa: E402
from wp_seo_bridge.render import render  # noqa: E402

FIXTURES = ROOT / "wp_seo_bridge" / "standin" / "fixtures"
BUDGET_MS = 50.0


def build(words: int, article_words: int | None = None) -> tuple[str, Article]:
    """A Gutenberg draft of about ``words`` words, and an article of ``article_words`` (default: as many)."""
    fixture = json.loads((FIXTURES / "gutenberg-fr.json").read_text(encoding="utf-8"))
    blocks = (FIXTURES / fixture["source"]).read_text(encoding="utf-8")
    long_text = (FIXTURES / "sources" / "long-fr.txt").read_text(encoding="utf-8")
    paragraphs = [f"<!-- wp:paragraph -->\n<p>{line}</p>\n<!-- /wp:paragraph -->"
                  for line in long_text.splitlines() if line.strip()]
    draft, i = blocks, 0
    while extract(draft).words < words:
        draft += "\n\n" + paragraphs[i % len(paragraphs)]
        i += 1
    article = Article.model_validate(fixture["article"])
    long_fixture = json.loads((FIXTURES / "long-fr.json").read_text(encoding="utf-8"))
    long_article = Article.model_validate(long_fixture["article"])
    sections, source, i = list(article.sections), extract(draft), 0
    target = article_words or words
    while check.analyse(article, render(article.model_copy(update={"sections": sections}), source)).word_count < target:
        sections.append(long_article.sections[i % len(long_article.sections)])
        i += 1
    return draft, article.model_copy(update={"sections": sections})


def one_pass(draft: str, article: Article) -> float:
    # Text-level caches would remember this very article from the previous pass: a fresh draft
    # does not have that luck. (Word-level caches stay warm, as in a long-running daemon.)
    split_sentences.cache_clear()
    text_module._get_words.cache_clear()
    start = time.process_time()
    source = extract(draft)
    judge(article, source)
    return (time.process_time() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--words", type=int, default=3000)
    args = parser.parse_args()
    draft, article = build(args.words)
    _, short = build(args.words, 1000)
    source = extract(draft)
    one_pass(draft, article)  # warm-up: word lists and regexes load once per process
    for label, art in (("article as long as the draft", article), ("1,000-word article", short)):
        words = check.analyse(art, render(art, source)).word_count
        times = [one_pass(draft, art) for _ in range(args.runs)]
        median = statistics.median(times)
        if art is article:
            print(f"draft: {source.words} words, {len(source.protected)} protected elements")
            headline = median
        print(f"{label} ({words} words): extract + render + checks median {median:.1f} ms CPU over "
              f"{args.runs} runs (min {min(times):.1f}, max {max(times):.1f})")
    print(f"ratio to the {BUDGET_MS:.0f} ms budget: {headline / BUDGET_MS:.2f}")


if __name__ == "__main__":
    main()
