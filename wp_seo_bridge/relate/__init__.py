"""relate: which published posts of the site a draft should link to. Pure, no I/O.

The site's published posts (titles, focus keyphrases, categories, tags) are ranked against the draft
with BM25 (the ``bm25s`` library), in French: accents folded, French function words dropped, words
reduced by the Snowball French stemmer. Only candidates that share at least ``min_terms`` distinct
stems with the draft and score at least ``threshold`` are offered, so a draft on a topic the site never
covered gets none, and one of the shared stems must be the candidate's subject (its keyphrase, category
or tags): a title sharing only "installer" and "toit" with a story about a market hall is not related.
The offers become ``[[POST-n|…]]`` tokens the model may place (see markup/internal.py).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Iterable, Sequence

from ..model import LinkOffer, PublishedPost, Source

#: Offered to the model at most; it places 1 to 3 of them.
MAX_OFFERS = 5
#: Below this BM25 score (measured on the test corpus: related posts 5-13, a title sharing one word with the
#: draft ≤ 3.3, two common words ≤ 4.8) a candidate is not related enough.
THRESHOLD = 5.0
#: Distinct stems a candidate must share with the draft: one common word is a coincidence, not a topic.
MIN_TERMS = 2

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.U)
_ELISION = re.compile(r"^(?:[ldjmnstc]|qu|jusqu|lorsqu|puisqu)['’]", re.I)


def fold(text: str) -> str:
    """Lower case without accents (œ → oe): 'Été' and 'ete' are the same word to the ranking."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@cache
def stop_words() -> frozenset[str]:
    """French function words (Yoast's list, shipped with the checks), folded."""
    data = resources.files("wp_seo_bridge") / "check" / "data" / "function_words.txt"
    words: set[str] = set()
    for line in data.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            words.update(fold(w) for w in re.split(r"[\s'’-]+", line) if w)
    return frozenset(words)


@cache
def _stemmer():
    import snowballstemmer  # a pure-Python Snowball; loaded on first use only

    return snowballstemmer.stemmer("french")


def terms(text: str) -> list[str]:
    """The ranking's words: elisions cut (l'eau → eau), function words dropped, stemmed, then folded."""
    out: list[str] = []
    for m in _WORD.finditer(text.replace("’", "'")):
        for word in m.group(0).split("-"):
            word = _ELISION.sub("", word.lower())
            for part in word.split("'"):
                if len(part) >= 2 and (t := _term(part)):
                    out.append(t)
    return out


@lru_cache(maxsize=200_000)
def _term(word: str) -> str:
    """One lower-case word's stem, '' for a function word. Cached: the same few thousand words recur in
    every draft and every candidate (measured: 1 ms of CPU per candidate and draft without it)."""
    if fold(word) in stop_words():
        return ""
    return fold(_stemmer().stemWord(_singular(word)))


@lru_cache(maxsize=50_000)
def candidate_terms(post: PublishedPost) -> tuple[str, ...]:
    """What a candidate is about: its title, focus keyphrase (twice: the author's own summary), terms."""
    return tuple(terms(" ".join([post.title, post.keyphrase, post.keyphrase, *post.categories, *post.tags])))


#: The draft's words the ranking reads: its title and lede, where an article says what it is about.
#: The whole of a long draft mentions everything once (measured: a 1,900-word draft drew unrelated posts).
LEDE_WORDS = 150


def draft_terms(source: Source) -> list[str]:
    """The distinct stems of the draft's title and first LEDE_WORDS words."""
    lede = " ".join(source.plain.split()[:LEDE_WORDS])
    return sorted(set(terms(f"{source.title}\n{lede}")))


def _singular(word: str) -> str:
    """Snowball keeps some plurals apart ("potagers" → potager, "potager" → potag): drop the plural mark first."""
    if len(word) > 4 and word[-1] in "sx" and word[-2] not in "sux":
        return word[:-1]
    return word


@lru_cache(maxsize=50_000)
def subject_terms(post: PublishedPost) -> frozenset[str]:
    """What the post is filed under: its keyphrase, categories and tags (its title when it has none)."""
    return frozenset(terms(" ".join([post.keyphrase, *post.categories, *post.tags]))) or frozenset(terms(post.title))


@dataclass(frozen=True)
class Scored:
    post: PublishedPost
    score: float
    shared: int  # distinct stems shared with the draft
    on_subject: bool  # one of them is a subject term: shared title words alone are a coincidence


def rank(source: Source, candidates: Sequence[PublishedPost], *, exclude: Iterable[str] = ()) -> list[Scored]:
    """Every candidate sharing a word with the draft (except ``exclude``d ids and links the draft already
    has), best first."""
    skip = set(exclude)
    own_links = "\n".join(source.protected.values())
    query = draft_terms(source)
    if not candidates or not query:
        return []
    pool = tuple(candidates)
    index, docs = _index(pool)
    known = [t for t in query if t in index.vocab_dict]
    if not known:
        return []
    scores = index.get_scores(known)
    wanted = set(query)
    ranked = [Scored(p, float(s), len(wanted & d), bool(wanted & subject_terms(p)))
              for p, s, d in zip(pool, scores, docs)
              if s > 0 and p.post_id not in skip and p.link and p.link not in own_links]
    ranked.sort(key=lambda r: (-r.score, int(r.post.post_id) if r.post.post_id.isdigit() else 0))
    return ranked


@lru_cache(maxsize=4)
def _index(pool: tuple[PublishedPost, ...]):
    """One BM25 index per candidate list: a pass ranks all its drafts against the same site (measured: the
    index of 5,000 posts costs ~0.1 s of CPU to build)."""
    import bm25s  # numpy-backed; loaded on first use only

    docs = [list(candidate_terms(p)) or ["\u2205"] for p in pool]  # an empty document would break the index
    index = bm25s.BM25()
    index.index(docs, show_progress=False)
    return index, [frozenset(d) for d in docs]


def offers(source: Source, candidates: Sequence[PublishedPost], *, post_id: str = "", limit: int = MAX_OFFERS,
           threshold: float = THRESHOLD, min_terms: int = MIN_TERMS) -> tuple[LinkOffer, ...]:
    """The few related posts offered to the model, as ``POST-1``.. tokens, most related first."""
    chosen = [r for r in rank(source, candidates, exclude=[post_id] if post_id else [])
              if r.score >= threshold and r.shared >= min_terms and r.on_subject][:limit]
    return tuple(LinkOffer(f"POST-{i}", r.post.post_id, r.post.title, r.post.link)
                 for i, r in enumerate(chosen, 1))
