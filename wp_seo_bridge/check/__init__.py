"""check: is a rewritten article publishable? Pure Python, no I/O.

``run`` judges the article together with its rendered HTML (exactly what is pushed: the caller
renders, check never imports render) and returns a Report whose
findings carry stable codes (``CODES``), one per declaration in ``CHECKS``. The Yoast-side codes agree with
yoastseo 3.6.0's fr_FR analysis; the others check faithfulness to the source and HTML safety.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Callable, Literal, Mapping, Sequence

from ..markup.safety import sanitize
from ..markup.tokens import missing_tokens
from ..model import Article, Finding, Report, Source
from . import faithful, links, rules
from .analysis import Analysis
from .keyphrase import Keyphrase

__all__ = ["CHECKS", "CODES", "Check", "rule", "run", "sanitize", "analyse", "policy"]

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
    ``blocking``), the predicted Yoast scores (``part``, ``miss``) and the Yoast agreement test
    (tests/judge, through ``yoast``) are built from these.

    ``rule``: its function in rules.py, called with what ``reads`` takes from the facts and with
    ``limits``, the named thresholds: a threshold changes here and nowhere else (the rules have none).
    ``hard``: a failure an editor would see as a problem (faithfulness, language, protected elements,
    minimum length as Yoast counts it, structure, keyphrase in title/meta/slug/intro): always repaired.
    Soft ones are Yoast's individual items: repaired only when their part's overall rating would not be
    green, else pushed and shown orange. ``miss``: for an SEO item, the score Yoast gives a near miss
    (out of 9); for a readability item, its penalty points (2 orange, 3 red)."""

    code: str
    rule: Callable[..., Finding]
    reads: Callable[[Facts], tuple]
    hard: bool
    part: Literal["seo", "readability", "source", "safety"]
    yoast: str = ""
    miss: int = 0
    limits: Mapping[str, float] = field(default_factory=dict)
    hard_if: Callable[[Facts, Mapping[str, float]], bool] | None = None  # a soft miss that is hard this time

    def run(self, facts: Facts) -> Finding:
        return self.rule(*self.reads(facts), **self.limits)


def _analysis(f: Facts) -> tuple:
    return (f.a,)


CHECKS: tuple[Check, ...] = (
    Check("word_count", rules.word_count, lambda f: (f.a, f.min_words), True, "seo", "textLength", 3),
    Check("structure", rules.structure, lambda f: (f.a, f.article), True, "seo", "singleH1", 3, {"min_h2": 3}),
    Check("section_length", rules.section_length, _analysis, False, "readability", "subheadingsTooLong", 2,
          {"max_words": 300, "applies_from_words": 300}),
    Check("paragraph_length", rules.paragraph_length, _analysis, False, "readability", "textParagraphTooLong", 2,
          {"max_words": 150}),
    Check("keyphrase_length", rules.keyphrase_length, _analysis, False, "seo", "keyphraseLength", 6,
          {"min_words": 1, "max_words": 4}),
    Check("seo_title_keyphrase", rules.seo_title_keyphrase, _analysis, True, "seo", "keyphraseInSEOTitle", 3),
    Check("seo_title_width", rules.seo_title_width, _analysis, False, "seo", "titleWidth", 3, {"max_px": 600}),
    Check("metadesc_length", rules.metadesc_length, _analysis, False, "seo", "metaDescriptionLength", 6,
          {"min_chars": rules.METADESC_MIN, "max_chars": rules.METADESC_MAX}),  # Yoast's 121–156 minus the date
    Check("metadesc_keyphrase", rules.metadesc_keyphrase, _analysis, True, "seo", "metaDescriptionKeyword", 3,
          {"min_matches": 1, "max_matches": 2}),
    Check("slug_keyphrase", rules.slug_keyphrase, _analysis, True, "seo", "slugKeyword", 3,
          {"max_chars": 75, "min_percent_long_keyphrase": 50}),
    Check("keyphrase_density", rules.keyphrase_density, _analysis, False, "seo", "keyphraseDensity", 4,
          {"min_percent": 0.5, "max_percent": 3},
          hard_if=lambda f, limits: _stuffed(f.a, limits["max_percent"])),  # Yoast: -10, red
    Check("keyphrase_intro", rules.keyphrase_intro, _analysis, True, "seo", "introductionKeyword", 3),
    Check("keyphrase_subheadings", rules.keyphrase_subheadings, _analysis, False, "seo", "subheadingsKeyword", 3,
          {"min_share": 0.3, "max_share": 0.75, "applies_from_words": 300}),
    Check("keyphrase_used_before", rules.keyphrase_used_before, lambda f: (f.a, f.used), False, "seo",
          "previouslyUsedKeywords-usedKeywords", 6),
    Check("sentence_length", rules.sentence_length, _analysis, False, "readability", "textSentenceLength", 2,
          {"max_words": 20, "max_percent_long": 25}),
    Check("transition_words", rules.transition_words, _analysis, False, "readability", "textTransitionWords", 2,
          {"min_percent": 30, "applies_from_words": 200}),
    Check("passive_voice", rules.passive_voice, _analysis, False, "readability", "passiveVoice", 3,
          {"max_percent": 10}),
    Check("sentence_beginnings", rules.sentence_beginnings, _analysis, False, "readability",
          "sentenceBeginnings", 3, {"max_same_in_a_row": 2}),
    Check("language_fr", rules.language_fr,
          lambda f: (f"{f.article.title}\n{f.article.meta_description}\n{f.body}",), True, "source"),
    Check("quote_not_in_source", rules.quote_not_in_source, lambda f: (f.article, f.facts), True, "source"),
    Check("number_not_in_source", rules.number_not_in_source, lambda f: (f.article, f.facts), True, "source"),
    Check("unknown_names", rules.unknown_names, lambda f: (f.article, f.facts), False, "source"),  # editor verifies
    Check("protected_elements", rules.protected_elements,
          lambda f: (f.article, f.source, f.html, missing_tokens(f.article, f.source)), True, "source"),
    Check("url_not_in_source", rules.url_not_in_source, lambda f: (f.html, f.article, f.source), True, "safety"),
    Check("html_unsafe", rules.html_unsafe, lambda f: (f.html, f.source), True, "safety"),
    Check("internal_links", links.internal_links, lambda f: (f.article, f.source, f.html), True, "safety"),
)
CODES = tuple(c.code for c in CHECKS)
_BY_CODE = {c.code: c for c in CHECKS}


def rule(code: str) -> Callable[..., Finding]:
    """The rule of check ``code`` with its declared limits: call it with what the check reads."""
    c = _BY_CODE[code]
    return partial(c.rule, **c.limits)


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


def _stuffed(a: Analysis, max_percent: float) -> bool:
    """Keyphrase stuffing (density over keyphrase_density's maximum): Yoast scores it -10, an editor sees it
    at once."""
    words = a.tree_words
    if words < 100:
        return a.keyphrase_count > (2 if words > 50 else 1)
    return a.keyphrase_count > 2 and \
        a.keyphrase_count / words * 100 * (0.7 + len(a.keyphrase.words) / 3) > max_percent


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
                      frozenset(c.code for c in CHECKS if c.hard_if is not None and c.hard_if(facts, c.limits)))
    score, penalty = overall(findings)
    return Report(findings, html=html, words=a.word_count, seo_score=score, readability_penalty=penalty)
