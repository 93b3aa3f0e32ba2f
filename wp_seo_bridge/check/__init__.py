"""check: is a rewritten article publishable? Pure Python, no I/O.

``run`` judges the article together with its rendered HTML (exactly what is pushed: the caller
renders, check never imports render) and returns a Report whose
findings carry stable codes (``CODES``). The Yoast-side codes agree with yoastseo 3.6.0's fr_FR
analysis; the others check faithfulness to the source and HTML safety.
"""
from __future__ import annotations

import re

from ..markup.safety import sanitize
from ..markup.tokens import missing_tokens
from ..model import Article, Report, Source
from . import faithful, links, rules
from .analysis import Analysis
from .keyphrase import Keyphrase

__all__ = ["CODES", "run", "sanitize", "analyse"]

CODES = ("word_count", "structure", "section_length", "paragraph_length", "keyphrase_length",
         "seo_title_keyphrase", "seo_title_width", "metadesc_length", "metadesc_keyphrase", "slug_keyphrase",
         "keyphrase_density", "keyphrase_intro", "keyphrase_subheadings", "keyphrase_used_before",
         "sentence_length", "transition_words", "passive_voice", "sentence_beginnings", "language_fr",
         "quote_not_in_source", "number_not_in_source", "unknown_names", "protected_elements",
         "url_not_in_source", "html_unsafe", "internal_links")

_TAGS = re.compile(r"<[^>]+>")


def analyse(article: Article, html: str) -> Analysis:
    """The Yoast numbers of a rendered article (for reports and tests)."""
    return Analysis(html, Keyphrase(article.focus_keyphrase.strip()), title=article.seo_title.strip(),
                    description=article.meta_description.strip(), slug=article.slug.strip())


def run(article: Article, source: Source, html: str, *, min_words: int = 700,
        used_keyphrases=frozenset()) -> Report:
    """Every check, in CODES order, on the article and ``html``, the post_content render made of it."""
    a = analyse(article, html)
    body = _TAGS.sub(" ", a.text)
    facts = faithful.SourceFacts(source)
    findings = (
        rules.word_count(a, min_words),
        rules.structure(a, article),
        rules.section_length(a),
        rules.paragraph_length(a),
        rules.keyphrase_length(a),
        rules.seo_title_keyphrase(a),
        rules.seo_title_width(a),
        rules.metadesc_length(a),
        rules.metadesc_keyphrase(a),
        rules.slug_keyphrase(a),
        rules.keyphrase_density(a),
        rules.keyphrase_intro(a),
        rules.keyphrase_subheadings(a),
        rules.keyphrase_used_before(a, frozenset(used_keyphrases)),
        rules.sentence_length(a),
        rules.transition_words(a),
        rules.passive_voice(a),
        rules.sentence_beginnings(a),
        rules.language_fr(f"{article.title}\n{article.meta_description}\n{body}"),
        rules.quote_not_in_source(article, facts),
        rules.number_not_in_source(article, facts),
        rules.unknown_names(article, facts),
        rules.protected_elements(article, source, html, missing_tokens(article, source)),
        rules.url_not_in_source(html, article, source),
        rules.html_unsafe(html, source),
        links.internal_links(article, source, html),
    )
    return Report(findings, html=html, words=a.word_count)
