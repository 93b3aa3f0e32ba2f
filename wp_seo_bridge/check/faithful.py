"""Faithfulness: the article may only quote, number, name and link what the source says.

Comparisons are made on normalised text: Unicode NFC, typographic apostrophes and quotes made
plain, every kind of space (incl. French non-breaking and thin spaces) a single space.
"""
from __future__ import annotations

import html as _html
import re
import unicodedata
from collections import Counter
from decimal import Decimal, InvalidOperation
from functools import cached_property

from ..markup.internal import INTERNAL
from ..markup.tokens import block_texts, referenced_tokens
from ..model import Article, Source

_SPACE = re.compile(r"[^\S\u2029]+")  # every space (incl. non-breaking and thin ones) but \u2029
_APOSTROPHES = (("’", "'"), ("‘", "'"), ("‛", "'"), ("`", "'"), ("´", "'"), ("‹", "'"), ("›", "'"),
                ("“", '"'), ("”", '"'), ("„", '"'), ("«", '"'), ("»", '"'))
_TOKEN = re.compile(r"\[\[\s*(?:KEEP|LINK)-\d+\s*\]\]", re.I)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    for a, b in _APOSTROPHES:  # str.replace is much faster than a translate table on long texts
        if a in text:
            text = text.replace(a, b)
    return _SPACE.sub(" ", text).strip()


class SourceFacts:
    """What the faithfulness checks need from a source, computed once per check run."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.text = normalise(f"{source.title}\n{source.plain}")
        self.folded = self.text.casefold()

    @cached_property
    def numbers(self) -> set[str]:
        return source_numbers(self.source, self.text)

    @cached_property
    def words(self) -> set[str]:
        known = set(re.findall(r"[\w'-]+", self.folded))
        return known | {_ELISION.sub("", w) for w in known if "'" in w}


def _model_texts(article: Article) -> list[str]:
    """Everything the model wrote that gets published, tokens removed (they are not its words)."""
    texts = [article.title, article.seo_title, article.meta_description]
    blocks = list(article.intro)
    for s in article.sections:
        texts.append(s.heading)
        blocks.extend(s.blocks)
    for b in blocks:
        texts.extend(block_texts(b))
    return [_words(t) for t in texts if t]


def _words(text: str) -> str:
    """Model text as published: protected-element tokens out, an internal link's anchor in (its words)."""
    return _TOKEN.sub(" ", INTERNAL.sub(lambda m: m.group(2), text))


# --- quotations ----------------------------------------------------------------------------

_QUOTED = re.compile(r"«\s*(.+?)\s*»|“\s*(.+?)\s*”|\"\s*([^\"]+?)\s*\"", re.S)
_ELLIPSIS = re.compile(r"\s*(?:\[…\]|\[\.\.\.\]|\(…\)|\(\.\.\.\)|…|\.\.\.)\s*")
_EDGE_PUNCT = " .,;:!?…-–—'\""


def quotations(article: Article) -> list[str]:
    """Every « … », “ … ” and "…" quotation the article writes, and every quote block."""
    found: list[str] = []
    for text in _model_texts(article):
        for m in _QUOTED.finditer(text):
            found.append(next(g for g in m.groups() if g is not None))
    for b in [*article.intro, *(b for s in article.sections for b in s.blocks)]:
        if b.type == "quote" and b.text.strip():
            found.append(_words(b.text))
    return found


def quote_in_source(quote: str, source_folded: str) -> bool:
    """Each part of the quotation (split at ellipses) appears word for word in the source."""
    parts = [normalise(p).strip(_EDGE_PUNCT).casefold() for p in _ELLIPSIS.split(quote)]
    return all(p in source_folded for p in parts if p)


# --- numbers -------------------------------------------------------------------------------

_NUMBER_WORDS = {
    "zéro": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8,
    "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16,
    "vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60, "cent": 100, "cents": 100,
    "mille": 1000, "million": 1000000, "millions": 1000000, "milliard": 10**9, "milliards": 10**9,
    "premier": 1, "première": 1, "second": 2, "seconde": 2, "deuxième": 2, "troisième": 3, "quatrième": 4,
    "cinquième": 5, "dizaine": 10, "douzaine": 12, "quinzaine": 15, "vingtaine": 20, "trentaine": 30,
    "quarantaine": 40, "cinquantaine": 50, "centaine": 100, "centaines": 100, "moitié": 50, "quart": 25,
    "dix-sept": 17, "dix-huit": 18, "dix-neuf": 19, "soixante-dix": 70, "quatre-vingt": 80, "quatre-vingts": 80,
    "quatre-vingt-dix": 90,
    # A written month allows its number ("15 novembre 2026" → "15/11/2026").
    "janvier": 1, "février": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7, "août": 8,
    "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12,
}
_TIME = re.compile(r"\b(\d{1,2})\s?(?:h|:)\s?(\d{2})\b")
# At a digit that starts a number: a time ("14h30", "14 h 30", "14:30"), else a number: "1 000",
# "1.000" (thousands), "3,5", "2024".
_TIME_AT = re.compile(r"(?P<h>\d{1,2})\s?(?:h|:)\s?(?P<m>\d{2})\b")
_NUMBER_AT = re.compile(r"(?P<int>\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d{1,3}(?:\.\d{3})+(?!\.\d)|\d+)"
                        r"(?:[.,](?P<frac>\d+))?")
_DIGIT = re.compile(r"\d")
_WORD = re.compile(r"[\w-]+")


def _value(integer: str, fraction: str | None) -> str:
    if fraction is None and integer.isdigit():
        return str(int(integer))
    digits = integer.replace(" ", "").replace("\u00a0", "").replace("\u202f", "").replace(".", "")
    try:
        value = Decimal(f"{digits}.{fraction}" if fraction else digits)
    except InvalidOperation:
        return integer
    return format(value.normalize(), "f")


def numbers(text: str, normalised: bool = False) -> set[str]:
    """Canonical numbers of a text: "1 000" = "1000" = "1.000", "3,5" = "3.5", "14h30" = "14:30"."""
    text = text if normalised else normalise(text)
    found = set()
    pos = 0
    while (d := _DIGIT.search(text, pos)):  # jumping from digit to digit is much faster than a full regex scan
        i = d.start()
        prev = text[i - 1] if i else " "
        if prev.isalnum() or prev == "_":  # inside a word or a number
            pos = i + 1
            continue
        if (m := _TIME_AT.match(text, i)):
            found.add(f"{int(m.group('h'))}:{m.group('m')}")
        elif prev not in ".," and (m := _NUMBER_AT.match(text, i)):
            found.add(_value(m.group("int"), m.group("frac")))
        else:
            pos = i + 1
            continue
        pos = m.end()
    return found


def source_numbers(source: Source, normalised: str | None = None) -> set[str]:
    text = normalised if normalised is not None else normalise(f"{source.title}\n{source.plain}")
    allowed = numbers(text, normalised=True)
    for h, m in _TIME.findall(text):  # "14h30" in the source also allows 14 and 30
        allowed.update({str(int(h)), str(int(m))})
    allowed.update(str(v) for w in set(_WORD.findall(text.lower())) if (v := _NUMBER_WORDS.get(w)) is not None)
    return allowed


def invented_numbers(article: Article, facts: SourceFacts) -> list[str]:
    text = "\n".join([*_model_texts(article), article.slug.replace("-", " ")])
    return [n for n in sorted(numbers(text)) if n not in facts.numbers]


# --- proper names --------------------------------------------------------------------------

_CAPITALISED = re.compile(r"(?<![\w'’])([A-ZÀ-ÖØ-Þ][\w’'-]*)")
# Before a sentence's first word: a full stop, a colon, an opening quote, or a new text (\u2029).
_SENTENCE_START = re.compile(r"(^|[.!?…:«\"“\u2029]\s*)$")
_ELISION = re.compile(r"^(?:[ldjmnstc]|qu|jusqu|lorsqu|puisqu)['’]", re.I)


def unknown_names(article: Article, facts: SourceFacts) -> list[str]:
    """Capitalised words (not starting a sentence) that the source never uses."""
    known = facts.words
    out: list[str] = []
    text = normalise("\n\n".join(_model_texts(article)).replace("\n", "\u2029"))
    for m in _CAPITALISED.finditer(text):
        if m.group(1).casefold() in known:  # the common case, settled first
            continue
        if m.start() == 0 or _SENTENCE_START.search(text[max(0, m.start() - 3):m.start()]):
            continue
        word = _ELISION.sub("", m.group(1).strip("'-"))
        parts = [p for p in re.split(r"[-']", word) if p]
        if word.casefold() in known or all(p.casefold() in known for p in parts):
            continue
        if word not in out:
            out.append(word)
    return out


# --- protected elements and URLs -----------------------------------------------------------

def token_uses(article: Article) -> Counter:
    return Counter(referenced_tokens(article))


_URL_ATTR = re.compile(r"\b(?:href|src|srcset|data-src|poster|action|cite|data)\s*=\s*"
                       r"(\"[^\"]*\"|'[^']*'|[^\s>]+)", re.I)
_URL_TEXT = re.compile(r"(?:https?:)?//[^\s<>\"'()]+|www\.[^\s<>\"'()]+", re.I)


_START_TAG = re.compile(r"<[a-zA-Z][^>]*>")


def urls(html: str, text: str) -> set[str]:
    """URLs in the attributes of ``html`` and in the plain ``text`` (entities decoded)."""
    found: set[str] = set()
    tags = " ".join(m.group(0) for m in _START_TAG.finditer(html) if "=" in m.group(0))
    for m in _URL_ATTR.finditer(tags):
        value = _html.unescape(m.group(1).strip("\"'"))
        for part in value.split(","):  # srcset
            if part.strip():
                found.add(part.strip().split(" ")[0])
    for m in _URL_TEXT.finditer(text):
        found.add(m.group(0).rstrip(".,;:!?»"))
    return found


def foreign_urls(html: str, article: Article, source: Source) -> list[str]:
    """URLs of the rendered HTML that the source does not have. Protected elements are the source's
    own markup, so only the rest is read: our tags' attributes and the model's words."""
    rest = html
    for markup in sorted(source.protected.values(), key=len, reverse=True):
        rest = rest.replace(markup, " ")
    # The offered internal links' permalinks come from the site itself (check/links.py judges their use).
    haystack = _html.unescape("\n".join([*source.protected.values(), source.plain, source.text,
                                         *(o.url for o in source.links)]))
    return sorted(u for u in urls(rest, "\n".join(_model_texts(article))) if u not in haystack)
