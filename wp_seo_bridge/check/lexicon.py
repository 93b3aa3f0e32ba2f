"""French word lists of Yoast's analysis (copied from yoastseo 3.6.0, see the data files' headers).

Loaded once, on first use, and shared by every check.
"""
from __future__ import annotations

import json
from functools import cache
from importlib import resources

_DATA = resources.files(__package__) / "data"


def _lines(name: str) -> tuple[str, ...]:
    text = (_DATA / name).read_text(encoding="utf-8")
    return tuple(line for line in text.splitlines() if line and not line.startswith("#"))


@cache
def transition_words() -> tuple[tuple[str, ...], ...]:
    """Each transition word or phrase, lower-cased and split on spaces (matched on tokens)."""
    return tuple(tuple(w.lower().split(" ")) for w in _lines("transition_words.txt"))


@cache
def transition_words_by_first_word() -> dict[str, tuple[tuple[str, ...], ...]]:
    index: dict[str, list[tuple[str, ...]]] = {}
    for words in transition_words():
        index.setdefault(words[0], []).append(words)
    return {k: tuple(v) for k, v in index.items()}


@cache
def two_part_transition_words() -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    pairs = (line.split(" | ") for line in _lines("two_part_transition_words.txt"))
    return tuple((tuple(a.lower().split(" ")), tuple(b.lower().split(" "))) for a, b in pairs)


@cache
def first_word_exceptions() -> frozenset[str]:
    return frozenset(_lines("first_word_exceptions.txt"))


@cache
def function_words() -> frozenset[str]:
    return frozenset(_lines("function_words.txt"))


@cache
def words(name: str) -> tuple[str, ...]:
    """Any other list by file stem (passive voice data), in file order."""
    return _lines(f"{name}.txt")


@cache
def arial() -> dict:
    return json.loads((_DATA / "arial-widths.json").read_text(encoding="utf-8"))
