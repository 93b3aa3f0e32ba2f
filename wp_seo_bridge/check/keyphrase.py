"""Focus keyphrase matching as free Yoast (no morphology) does it: exact word forms, case ignored,
French function words ignored, accents optional (transliteration), elisions allowed ("l'agence").

Ports keyphrase parts of yoastseo 3.6.0: buildTopicStems, matchTextWithWord / matchTextWithTransliteration,
findKeywordFormsInString, keywordCount, metaDescriptionKeyword, findKeyphraseInSEOTitle, keywordCountInSlug.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import cache, cached_property

from ..markup.text import JS_WS, get_words, normalize_quotes, normalize_single_quotes, remove_punctuation, strip_spaces
from . import lexicon
from .sentences import get_sentences, word_boundary_regex

_WITHOUT_HYPHEN = re.compile(f"[{re.escape(JS_WS)}\u2013]")
_WITH_HYPHEN = re.compile(f"[{re.escape(JS_WS)}\u2013\\-]")
_DOUBLE_QUOTES = "“”〝〞〟‟„\"「」『』"
_ONLY_PUNCTUATION = re.compile(r"[‘’“”\"'.?!:;,¿¡«»&*@#±^%|~`\[\](){}⟨⟩<>/\\–\-\u2014\u00d7+\s]")
_NON_TEXT_TAGS = re.compile(r"<(?!li|/li|p|/p|h1|/h1|h2|/h2|h3|/h3|h4|/h4|h5|/h5|h6|/h6|dd).*?>")
_WS_ANY = re.compile(f"[{re.escape(JS_WS)}]")


@cache
def _transliterations() -> tuple[dict, dict]:
    data = json.loads((lexicon._DATA / "transliterations.json").read_text(encoding="utf-8"))
    fr = {ord(c): alt for chars, alt in data["fr"] for c in chars}
    wp = {ord(c): alt for c, alt in data["wp"]}
    return fr, wp


@cache
def _regex(word: str) -> re.Pattern:
    return word_boundary_regex(word)


def _match_with_transliteration(text: str, escaped: str) -> list[str]:
    """matchTextWithTransliteration.js: matches of the word, then of its accent-free spellings."""
    fr, wp = _transliterations()
    regex = _regex(escaped)
    matches = [m.group(0) for m in regex.finditer(text)]
    text = regex.sub("", text)
    plain = escaped.translate(fr)
    matches += [m.group(0) for m in _regex(plain).finditer(text)]
    wp_plain = escaped.translate(wp)
    if wp_plain != plain:
        matches += [m.group(0) for m in _regex(wp_plain).finditer(text)]
    return [strip_spaces(m) for m in matches]


def count_in_text(text: str, word: str) -> tuple[int, int]:
    """matchTextWithWord.js: (number of matches, position of the first one or -1) of a raw word."""
    text = normalize_quotes(_WS_ANY.sub(" ", strip_spaces(_NON_TEXT_TAGS.sub("", text)).replace("&nbsp;", " ")
                                        .replace("\u2014", " ")))
    found = _match_with_transliteration(text, normalize_quotes(re.escape(word)))
    matches = [strip_spaces(remove_punctuation(m)) for m in found]
    positions = [text.find(m) for m in matches]
    return len(matches), (min(positions) if positions else -1)


@cache
def _spellings(word: str) -> tuple[str, ...]:
    fr, wp = _transliterations()
    return tuple({word.lower(), word.translate(fr).lower(), word.translate(wp).lower()})


def token_matches(token: str, word: str) -> bool:
    """matchWordFormInTokens: does this token contain the word form (keyphrase word)?"""
    lower = token.lower()
    if not any(s in lower for s in _spellings(word)):
        return False  # cheap test first: the regexes can only match where the letters are
    return bool(_match_with_transliteration(token, re.escape(word)))


@dataclass(frozen=True)
class Keyphrase:
    raw: str

    @cached_property
    def text(self) -> str:
        """As Yoast keeps it: empty when the keyphrase has no letter at all."""
        return self.raw if _ONLY_PUNCTUATION.sub("", self.raw) else ""

    @property
    def quoted(self) -> bool:
        k = self.text
        return len(k) > 1 and k[0] in _DOUBLE_QUOTES and k[-1] in _DOUBLE_QUOTES

    def _words(self, boundary: re.Pattern) -> tuple[str, ...]:
        k = self.text.lower().strip(JS_WS)
        if not k:
            return ()
        if self.quoted:  # Yoast's exact-match mode is not ported: the quotes are dropped.
            k = k[1:-1]
        words = get_words(k, boundary)
        content = [w for w in words if w not in lexicon.function_words()]
        return tuple(normalize_single_quotes(w) for w in (content or words))

    @cached_property
    def words(self) -> tuple[str, ...]:
        """The words that must match (function words dropped unless nothing else is left)."""
        return self._words(_WITHOUT_HYPHEN)

    @cached_property
    def slug_words(self) -> tuple[str, ...]:
        return self._words(_WITH_HYPHEN)

    def percent_found(self, text: str, words: tuple[str, ...] | None = None) -> int:
        """findWordFormsInString: % of keyphrase words present in ``text`` (rounded like Yoast)."""
        words = self.words if words is None else words
        if not words:
            return 0
        found = sum(1 for w in words if count_in_text(text, w)[0] > 0)
        return int(_js_round(found / len(words) * 100))

    def count_in_sentence(self, tokens: list[str]) -> int:
        """keywordCount: matches of the whole keyphrase in one sentence (the rarest word's count)."""
        if not self.words:
            return 0
        joined = " ".join(tokens).lower()
        counts = []
        for w in self.words:
            if not any(s in joined for s in _spellings(w)):
                return 0  # a word absent from the sentence: no full match here
            counts.append(sum(1 for t in tokens if token_matches(t, w)))
        return min(counts)

    def meta_description_matches(self, description: str) -> int:
        """metaDescriptionKeyword: sum over sentences of full keyphrase matches."""
        if not self.words:
            return 0
        total = 0
        for sentence in get_sentences(description):
            total += min(count_in_text(sentence, w)[0] for w in self.words)
        return total

    def in_title(self, title: str) -> str:
        """findKeyphraseInSEOTitle: "start" (exact, only function words before), "exact", "words" or ""."""
        phrase = self.text[1:-1] if self.quoted else self.text
        count, position = count_in_text(title, phrase)
        if count > 0:
            return "start" if position == 0 or _only_function_words(title[:position]) else "exact"
        if self.percent_found(title) == 100:
            return "words"
        return ""

    def slug_percent(self, slug: str) -> int:
        return self.percent_found(re.sub(r"[-_]", " ", slug), self.slug_words)


def _only_function_words(text: str) -> bool:
    words = get_words(text.lower(), _WITH_HYPHEN)
    return not [w for w in words if w.strip(JS_WS).lower() not in lexicon.function_words()]


def _js_round(x: float) -> float:
    """Math.round: halves go up."""
    return math.floor(x + 0.5)
