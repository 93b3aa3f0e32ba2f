"""check: is a rewritten article publishable? Pure Python, no I/O.

``run`` judges the article together with its rendered HTML (exactly what is pushed: the caller
renders, check never imports render) and returns a Report whose
findings carry stable codes (``CODES``), one per declaration in ``CHECKS``. The Yoast-side codes agree with
yoastseo 3.6.0's fr_FR analysis; the others check faithfulness to the source and HTML safety.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Callable, Literal, Mapping, Sequence

from ..markup.safety import sanitize
from ..markup.tokens import missing_tokens
from ..model import Article, Finding, Report, Source
from . import faithful, links, rules
from .analysis import Analysis
from .keyphrase import Keyphrase

__all__ = ["CHECKS", "CODES", "Check", "run", "sanitize", "analyse", "policy"]

_TAGS = re.compile(r"<[^>]+>")

#: Yoast's overall ratings (yoastseo 3.6.0; shared notes): SEO is green from 71 (the mean of the assessment
#: scores, each out of 9, as a percentage); readability is green while its penalty points stay at most 4.
SEO_GREEN = 71
READABILITY_GREEN_PENALTY = 4


@dataclass(frozen=True)
class Facts:
    """What every check may read: the article, its rendered HTML and Yoast numbers, the source."""

    article: Article
    source: Source
    html: str
    a: Analysis
    facts: faithful.SourceFacts
    min_words: int
    used: frozenset[str]

    @property
    def body(self) -> str:
        return _TAGS.sub(" ", self.a.text)


@dataclass(frozen=True)
class Check:
    """One check, declared once: the runner, the review panel's report (through the findings' codes and
    ``blocking``) and the Yoast agreement test (tests/judge, through ``yoast``) are built from these.

    ``hard``: a failure an editor would see as a problem (faithfulness, language, protected elements,
    minimum length as Yoast counts it, structure, keyphrase in title/meta/slug/intro): always repaired.
    Soft ones are Yoast's individual items: repaired only when their part's overall rating would not be
    green, else pushed and shown orange. ``miss``: for an SEO item, the score Yoast gives a near miss
    (out of 9); for a readability item, its penalty points (2 orange, 3 red)."""

    code: str
    run: Callable[[Facts], Finding]
    hard: bool
    part: Literal["seo", "readability", "source", "safety"]
    yoast: str = ""
    miss: int = 0
    limits: Mapping[str, float] = field(default_factory=dict)
    hard_if: Callable[[Facts], bool] | None = None  # a soft item whose miss is hard in this case


CHECKS: tuple[Check, ...] = (
    Check("word_count", lambda f: rules.word_count(f.a, f.min_words), True, "seo", "textLength", 3),
    Check("structure", lambda f: rules.structure(f.a, f.article), True, "seo", "singleH1", 3),
    Check("section_length", lambda f: rules.section_length(f.a), False, "readability", "subheadingsTooLong", 2,
          {"max_words": 300}),
    Check("paragraph_length", lambda f: rules.paragraph_length(f.a), False, "readability", "textParagraphTooLong",
          2, {"max_words": 150}),
    Check("keyphrase_length", lambda f: rules.keyphrase_length(f.a), False, "seo", "keyphraseLength", 6,
          {"min_words": 1, "max_words": 4}),
    Check("seo_title_keyphrase", lambda f: rules.seo_title_keyphrase(f.a), True, "seo", "keyphraseInSEOTitle", 3),
    Check("seo_title_width", lambda f: rules.seo_title_width(f.a), False, "seo", "titleWidth", 3, {"max_px": 600}),
    Check("metadesc_length", lambda f: rules.metadesc_length(f.a), False, "seo", "metaDescriptionLength", 6,
          {"min_chars": rules.METADESC_MIN, "max_chars": rules.METADESC_MAX}),  # Yoast's 121–156 minus the date
    Check("metadesc_keyphrase", lambda f: rules.metadesc_keyphrase(f.a), True, "seo", "metaDescriptionKeyword", 3),
    Check("slug_keyphrase", lambda f: rules.slug_keyphrase(f.a), True, "seo", "slugKeyword", 3),
    Check("keyphrase_density", lambda f: rules.keyphrase_density(f.a), False, "seo", "keyphraseDensity", 4,
          {"min_percent": 0.5, "max_percent": 3}, hard_if=lambda f: _stuffed(f.a)),  # Yoast: -10, red
    Check("keyphrase_intro", lambda f: rules.keyphrase_intro(f.a), True, "seo", "introductionKeyword", 3),
    Check("keyphrase_subheadings", lambda f: rules.keyphrase_subheadings(f.a), False, "seo", "subheadingsKeyword",
          3, {"min_percent": 30, "max_percent": 75}),
    Check("keyphrase_used_before", lambda f: rules.keyphrase_used_before(f.a, f.used), False, "seo",
          "previouslyUsedKeywords-usedKeywords", 6),
    Check("sentence_length", lambda f: rules.sentence_length(f.a), False, "readability", "textSentenceLength", 2,
          {"max_words": 20, "max_percent_long": 25}),
    Check("transition_words", lambda f: rules.transition_words(f.a), False, "readability", "textTransitionWords", 2,
          {"min_percent": 30}),
    Check("passive_voice", lambda f: rules.passive_voice(f.a), False, "readability", "passiveVoice", 3,
          {"max_percent": 10}),
    Check("sentence_beginnings", lambda f: rules.sentence_beginnings(f.a), False, "readability",
          "sentenceBeginnings", 3, {"max_same_in_a_row": 2}),
    Check("language_fr", lambda f: rules.language_fr(f"{f.article.title}\n{f.article.meta_description}\n{f.body}"),
          True, "source"),
    Check("quote_not_in_source", lambda f: rules.quote_not_in_source(f.article, f.facts), True, "source"),
    Check("number_not_in_source", lambda f: rules.number_not_in_source(f.article, f.facts), True, "source"),
    Check("unknown_names", lambda f: rules.unknown_names(f.article, f.facts), False, "source"),  # editor verifies
    Check("protected_elements", lambda f: rules.protected_elements(f.article, f.source, f.html,
                                                                    missing_tokens(f.article, f.source)),
          True, "source"),
    Check("url_not_in_source", lambda f: rules.url_not_in_source(f.html, f.article, f.source), True, "safety"),
    Check("html_unsafe", lambda f: rules.html_unsafe(f.html, f.source), True, "safety"),
    Check("internal_links", lambda f: links.internal_links(f.article, f.source, f.html), True, "safety"),
)
CODES = tuple(c.code for c in CHECKS)
_BY_CODE = {c.code: c for c in CHECKS}


def analyse(article: Article, html: str) -> Analysis:
    """The Yoast numbers of a rendered article (for reports and tests)."""
    return Analysis(html, Keyphrase(article.focus_keyphrase.strip()), title=article.seo_title.strip(),
                    description=article.meta_description.strip(), slug=article.slug.strip())


def overall(findings: Sequence[Finding]) -> tuple[int, int]:
    """Our prediction of Yoast's overall SEO score (0-100, over the assessments we port: images and links
    are left out, since a rewrite cannot invent them) and readability penalty points."""
    seo = [(_BY_CODE[f.code], f) for f in findings if f.code in _BY_CODE and _BY_CODE[f.code].part == "seo"]
    score = round(100 * sum(9 if f.ok else c.miss for c, f in seo) / (9 * len(seo))) if seo else 100
    penalty = sum(c.miss for f in findings if not f.ok and (c := _BY_CODE.get(f.code)) and c.part == "readability")
    return score, penalty


def _stuffed(a: Analysis) -> bool:
    """Keyphrase stuffing (density over 3 %): Yoast scores it -10, an editor sees it at once."""
    words = a.tree_words
    if words < 100:
        return a.keyphrase_count > (2 if words > 50 else 1)
    return a.keyphrase_count > 2 and a.keyphrase_count / words * 100 * (0.7 + len(a.keyphrase.words) / 3) > 3


def policy(findings: Sequence[Finding], hard: frozenset[str] = frozenset()) -> tuple[Finding, ...]:
    """Which failures ask for a repair: every hard one (and those ``hard`` names: a soft item whose miss
    is hard this time, like keyphrase stuffing); a soft Yoast item only when its part's predicted
    overall rating is below green (then the soft misses of that part are what the repair must fix).
    Other soft misses are pushed and shown as Yoast would, orange (``blocking`` False)."""
    score, penalty = overall(findings)
    below = {"seo": score < SEO_GREEN, "readability": penalty > READABILITY_GREEN_PENALTY}
    out = []
    for f in findings:
        c = _BY_CODE.get(f.code)
        if c is not None and not c.hard and f.code not in hard:
            f = replace(f, blocking=below.get(c.part, False) and f.blocking)
        out.append(f)
    return tuple(out)


def run(article: Article, source: Source, html: str, *, min_words: int = 700,
        used_keyphrases=frozenset()) -> Report:
    """Every check of CHECKS, in order, on the article and ``html``, the post_content render made of it;
    soft failures block only under :func:`policy`."""
    a = analyse(article, html)
    facts = Facts(article, source, html, a, faithful.SourceFacts(source), min_words, frozenset(used_keyphrases))
    findings = policy([c.run(facts) for c in CHECKS],
                      frozenset(c.code for c in CHECKS if c.hard_if is not None and c.hard_if(facts)))
    score, penalty = overall(findings)
    return Report(findings, html=html, words=a.word_count, seo_score=score, readability_penalty=penalty)
