"""French passive voice, as yoastseo 3.6.0 detects it (periphrastic: a form of "être" + participle).

Port of helpers/passiveVoice/periphrastic/getClauses.js, languages/fr/helpers/getClauses.js,
languages/fr/values/Clause.js and languages/fr/helpers/internal/getParticiples.js.
"""
from __future__ import annotations

import re
from functools import cache
from typing import Any

from ..markup.text import WORD_BOUNDARIES, get_words, normalize_single_quotes, sanitize_string, strip_spaces
from . import lexicon
from .sentences import WORD_BOUNDARY_CHARS, word_boundary_regex

_STOP_CHARACTER = re.compile(r"(,)(?=[ \n\r\t'\"+\-»«‹›<>])", re.I)
_REGULAR_PARTICIPLE = re.compile(r"\S+(é|ée|és|ées)($|[ \n\r\t.,'()\"+\-;!?:/»«‹›<>])", re.I)
_TAGS = re.compile(r"<([^>]+)>")
_PIECE_SPLIT = re.compile("[" + re.escape(WORD_BOUNDARY_CHARS + "'‘’‛`") + "]")


def _array_regex(words, boundary: bool = True) -> re.Pattern:
    """createRegexFromArray.js, with the boundaries factored out of the alternation.

    Yoast writes ``(B word1 E)|(B word2 E)|...``; ``B (word1|word2|...) E`` matches the same strings
    (same order of alternatives, no word starts with a boundary character) and is much faster.
    """
    body = "(?:" + "|".join(re.escape(sanitize_string(w)) for w in words) + ")"
    return word_boundary_regex(body, lookahead=True) if boundary else re.compile(body, re.I)


@cache
def _data():
    d: dict[str, Any] = {name: lexicon.words(name) for name in (
        "passive_auxiliaries", "passive_stopwords", "passive_cannot_directly_precede", "passive_cannot_be_between",
        "participles_irregular_regular", "participles_irregular_ending_in_s", "participles_irregular_irregular",
        "participle_exceptions_adjectives_verbs", "participle_exceptions_nouns", "participle_exceptions_others")}
    d["auxiliary_regex"] = _array_regex(d["passive_auxiliaries"])
    # Any match of an auxiliary leaves each of its parts ("sera", "t", "il") as a piece of the sentence
    # split on boundaries: the longest part of each makes a cheap, exact pre-test.
    d["auxiliary_pieces"] = frozenset(max(_PIECE_SPLIT.split(a), key=len) for a in d["passive_auxiliaries"])
    d["following_exception"] = _array_regex(["le", "la", "les", "une", "l'un", "l'une"])
    d["direct_precedence"] = _array_regex(["se", "me", "te", "s'y", "m'y", "t'y", "nous nous", "vous vous"])
    d["elision"] = _array_regex(["c'", "s'", "peut-"], boundary=False)
    # "^fait(e|s|es)?$" for every irregular participle, as one set of all the accepted forms.
    d["irregular_forms"] = frozenset(
        [w + e for w in d["participles_irregular_regular"] for e in ("", "e", "s", "es")]
        + [w + e for w in d["participles_irregular_ending_in_s"] for e in ("", "e", "es")]
        + list(d["participles_irregular_irregular"]))
    for key in ("participles_irregular_irregular", "participle_exceptions_adjectives_verbs",
                "participle_exceptions_nouns", "participle_exceptions_others", "passive_cannot_directly_precede",
                "passive_cannot_be_between"):
        d[key] = frozenset(d[key])
    return d


def _in_boundary(text: str, i: int) -> bool:
    return 0 <= i < len(text) and text[i] in WORD_BOUNDARIES


@cache
def _word_regex(word: str) -> re.Pattern:
    return word_boundary_regex(re.escape(word))


def _is_word_in_sentence(word: str, sentence: str) -> bool:
    """matchWordInSentence.isWordInSentence (including its off-by-one at index 0)."""
    word, sentence = word.lower(), sentence.lower()
    m = _word_regex(word).search(sentence)
    if not m:
        return False
    start = m.start() + 1 if m.start() > 0 else 0
    end = start + len(word)
    return (_in_boundary(sentence, start - 1) or start == 0) and (_in_boundary(sentence, end) or end == len(sentence))


def _indices_by_word_list(words, text: str) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    lower = text.lower()
    for word in words:
        if word.lower() not in lower:
            continue  # cheap test first
        word = strip_spaces(word)
        if not word or not _is_word_in_sentence(word, text):
            continue
        start = 0
        while (i := text.find(word, start)) > -1:
            end = i + len(word)
            if (_in_boundary(text, i - 1) or i == 0) and (_in_boundary(text, end) or len(text) == end):
                found.append((i, word))
            start = i + len(word)
    return found


def _filter_overlaps(indices: list[tuple[int, str]]) -> list[tuple[int, str]]:
    indices = sorted(indices, key=lambda x: x[0])
    out, i = [], 0
    while i < len(indices):
        out.append(indices[i])
        if i + 1 < len(indices) and indices[i + 1][0] < indices[i][0] + len(indices[i][1]):
            i += 1
        i += 1
    return out


def _regex_indices(text: str, regex: re.Pattern) -> list[tuple[int, str]]:
    return [(m.start(), m.group(0)) for m in regex.finditer(text)]


def _drop_preceded(text, auxiliaries, regex, space: int = 1):
    """includesIndex: drop auxiliaries that directly follow a match of ``regex``."""
    ends = {i + len(m) + space for i, m in _regex_indices(text, regex)}
    return [a for a in auxiliaries if a[0] not in ends]


def _drop_followed(text, auxiliaries, regex):
    """followsIndex: drop auxiliaries directly followed by a match of ``regex``."""
    starts = {i for i, _ in _regex_indices(text, regex)}
    return [a for a in auxiliaries if a[0] + len(a[1]) not in starts]


def _breakers(sentence: str, d) -> list[tuple[int, str]]:
    sentence = sentence.lower()
    auxiliaries = _indices_by_word_list(d["passive_auxiliaries"], sentence)
    stops = _regex_indices(sentence, _STOP_CHARACTER)
    stopwords = _indices_by_word_list(d["passive_stopwords"], sentence)
    auxiliaries = _drop_preceded(sentence, auxiliaries, d["direct_precedence"])
    auxiliaries = _drop_preceded(sentence, auxiliaries, d["elision"], space=0)
    return sorted(_filter_overlaps(auxiliaries + stopwords + stops), key=lambda x: x[0])


def _has_auxiliary(clause: str, d) -> bool:
    matches = [m.group(0) for m in d["auxiliary_regex"].finditer(clause)]
    indices = _indices_by_word_list(matches, clause)
    indices = _drop_preceded(clause, indices, d["direct_precedence"])
    indices = _drop_followed(clause, indices, d["following_exception"])
    return bool(indices)


def _participles(clause: str, d) -> list[str]:
    found = []
    for word in get_words(clause):
        if _REGULAR_PARTICIPLE.search(word) or word.lower() in d["irregular_forms"]:
            found.append(word)
    return found


def _on_adjective_verb_list(p: str, d) -> bool:
    if p in d["participle_exceptions_adjectives_verbs"]:
        return True
    p = p[:-2] if p.endswith("es") else p[:-1] if p.endswith(("e", "s")) else p
    return p in d["participle_exceptions_adjectives_verbs"]


def _on_noun_list(p: str, d) -> bool:
    return p in d["participle_exceptions_nouns"] or (p.endswith("s") and p[:-1] in d["participle_exceptions_nouns"])


def _preceded_by(clause_words: list[str], participle: str, words: frozenset[str], directly: bool) -> bool:
    try:
        i = clause_words.index(participle.lower())
    except ValueError:
        return False
    if i < 1:
        return False
    return clause_words[i - 1] in words if directly else any(w in words for w in clause_words[:i])


def _clause_is_passive(clause: str, d) -> bool:
    words = [w.lower() for w in get_words(clause)]
    for p in _participles(clause, d):
        if (p.startswith(("l'", "d'")) or p in d["participle_exceptions_others"] or _on_adjective_verb_list(p, d)
                or _on_noun_list(p, d)
                or _preceded_by(words, p, d["passive_cannot_directly_precede"], True)
                or _preceded_by(words, p, d["passive_cannot_be_between"], False)):
            continue
        return True
    return False


def is_passive(sentence: str) -> bool:
    """One sentence of the HTML text view (tags are stripped here, as Yoast does)."""
    d = _data()
    if d["auxiliary_pieces"].isdisjoint(_PIECE_SPLIT.split(sentence.lower())):
        return False  # no form of "être" at all (tags and quotes split pieces the same way)
    sentence = normalize_single_quotes(strip_spaces(_TAGS.sub(" ", sentence)).lower())
    if not d["auxiliary_regex"].search(sentence):
        return False
    indices = _breakers(sentence, d)
    for k, (start, _) in enumerate(indices):
        end = indices[k + 1][0] if k + 1 < len(indices) else len(sentence)
        clause = strip_spaces(sentence[start:end])
        if _has_auxiliary(clause, d) and _clause_is_passive(clause, d):
            return True
    return False
