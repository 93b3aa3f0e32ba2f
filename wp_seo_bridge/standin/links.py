"""The stand-in places offered internal links the way a model would: generic and deterministic.

The prompt's ``<<<LIENS … LIENS>>>`` section lists ``[[POST-n|…]] : « title »``. For each offer, most
related first, the stand-in looks through the article's paragraphs for the shortest run of 2 to 6 words
of one sentence that shares the most words (as stems) with the offer's title, and turns it into
``[[POST-n|those words]]``: at most one link per paragraph, at most three, never inside a quotation,
never the focus keyphrase alone. An offer with no such run in the article is left out, as a model
would leave out a link that fits no sentence.
"""
from __future__ import annotations

import copy
import re

from ..relate import fold, terms

_SECTION = re.compile(r"<<<LIENS\n(.*?)\nLIENS>>>", re.S)
_OFFER = re.compile(r"^- \[\[(POST-\d+)\|…\]\] : « (.*) »$", re.M)
_SENTENCE = re.compile(r"[^.!?]+[.!?]*")
_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.U)
MAX_LINKS = 3
MAX_WORDS = 6


def offers_in(prompt: str) -> list[tuple[str, str]]:
    m = _SECTION.search(prompt)
    return _OFFER.findall(m.group(1)) if m else []


def _paragraphs(article: dict) -> list[dict]:
    blocks = list(article.get("intro") or [])
    for section in article.get("sections") or []:
        blocks += section.get("blocks") or []
    return [b for b in blocks if b.get("type") == "paragraph" and b.get("text")]


def _best_run(text: str, wanted: set[str], keyphrase: str) -> tuple[int, int, int] | None:
    """(start, end, matches) of the best run of words in one sentence of ``text``, or None.

    A run starts and ends on a word of the title; a lone match takes the following words up to the
    next content word ("comptes de messagerie"), so an anchor is never a single word."""
    quoted = [(m.start(), m.end()) for m in re.finditer(r"«[^»]*»|\[\[[^\]]*\]\]", text)]
    best = None
    for s in _SENTENCE.finditer(text):
        words = [w for w in _WORD.finditer(text, s.start(), s.end())
                 if not any(a <= w.start() < b for a, b in quoted)]
        content = [bool(terms(w.group(0))) for w in words]
        hits = [bool(set(terms(w.group(0))) & wanted) for w in words]
        for i in range(len(words)):
            if not hits[i]:
                continue
            ends = [j for j in range(i + 1, min(i + MAX_WORDS, len(words))) if hits[j]]
            if not ends:  # a lone match: up to the next content word
                ends = [next((j for j in range(i + 1, min(i + 4, len(words))) if content[j]), None)]
            for j in ends:
                if j is None or any(a < words[j].end() and words[i].start() < b for a, b in quoted):
                    continue
                start, end = words[i].start(), words[j].end()
                if fold(text[start:end]) == fold(keyphrase):
                    continue
                score = (sum(hits[i:j + 1]), -(j - i))
                if best is None or score > best[0]:
                    best = (score, start, end)
    return (best[1], best[2], best[0][0]) if best else None


def place(article: dict, prompt: str) -> dict:
    """The article with the offered links placed (a copy; the article itself is not changed)."""
    offers = offers_in(prompt)
    if not offers:
        return article
    article = copy.deepcopy(article)
    used: set[int] = set()
    paragraphs = _paragraphs(article)
    placed = 0
    for token, title in offers:
        if placed >= MAX_LINKS:
            break
        wanted = set(terms(title))
        choice = None
        for n, block in enumerate(paragraphs):
            if n in used:
                continue
            run = _best_run(block["text"], wanted, article.get("focus_keyphrase", ""))
            if run and (choice is None or run[2] > choice[3]):
                choice = (n, block, (run[0], run[1]), run[2])
        if choice is None:
            continue
        n, block, (start, end), _ = choice
        text = block["text"]
        block["text"] = f"{text[:start]}[[{token}|{text[start:end]}]]{text[end:]}"
        used.add(n)
        placed += 1
    return article
