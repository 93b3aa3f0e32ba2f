"""The numbers Yoast's French analysis computes on one rendered article, each computed once.

Every property is named after the yoastseo 3.6.0 research it reproduces.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import cached_property

from ..markup.text import count_words, get_words, strip_spaces, word_offsets, words_from_tokens
from ..markup.view import WORD_COUNT_IGNORED_CLASSES, text_view
from . import lexicon
from .keyphrase import Keyphrase
from .passive import is_passive
from .sentences import get_sentences
from .tree import Node, build_tree, sentences_of, sentences_outside

_SUBHEADING = re.compile(r"<h([1-6])(?:[^>]+)?>(.*?)</h\1>", re.I)
_SUBHEADING_23 = re.compile(r"<h([2-3])(?:[^>]+)?>(.*?)</h\1>", re.I)
_NON_TEXT_TAGS = re.compile(r"<(?!li|/li|p|/p|h1|/h1|h2|/h2|h3|/h3|h4|/h4|h5|/h5|h6|/h6|dd).*?>")
_SHORTCODE_FIRST = re.compile(r"\[/?(caption|gallery|embed|playlist)[^\]]*\]")
_LISTS_AND_TABLES = frozenset({"ol", "ul", "table"})


def _round1(x: float) -> float:
    """formatNumber.js: integers stay, others get one decimal."""
    return x if x == round(x) else round(x * 10) / 10


@dataclass
class Analysis:
    html: str
    keyphrase: Keyphrase
    title: str = ""
    description: str = ""
    slug: str = ""

    # --- the two views of the body ---------------------------------------------------------

    @cached_property
    def tree(self) -> Node:
        return build_tree(self.html)

    @cached_property
    def text(self) -> str:
        return text_view(self.html)

    @cached_property
    def sentences(self):
        return sentences_of(self.tree)

    # --- counts ------------------------------------------------------------------------------

    @cached_property
    def word_starts(self) -> list[int]:
        """Offsets in ``text`` of its words (string model), for counting any tag-aligned slice."""
        return word_offsets(self.text)

    @cached_property
    def word_count(self) -> int:
        """wordCountInText (the Text length assessment)."""
        if "yoast-ai-summarize" not in self.html:  # the only class the two views treat differently
            return len(self.word_starts)
        return count_words(text_view(self.html, WORD_COUNT_IGNORED_CLASSES))

    def _words_between(self, start: int, end: int) -> int:
        return bisect_left(self.word_starts, end) - bisect_left(self.word_starts, start)

    @cached_property
    def tree_words(self) -> int:
        """getAllWordsFromTree: the denominator of the keyphrase density and transition words' text length."""
        return sum(s.split_words for s in self.sentences)

    @cached_property
    def sentence_lengths(self) -> list[int]:
        """countSentencesFromText (sentences without words are not counted)."""
        lengths = (len(s.words) for s in self.sentences)
        return [n for n in lengths if n > 0]

    def long_sentence_percent(self, max_words: int) -> float:
        """The share of sentences longer than ``max_words`` (sentence_length's limit)."""
        n = self.sentence_lengths
        return _round1(sum(1 for x in n if x > max_words) / len(n) * 100) if n else 0

    @cached_property
    def paragraph_lengths(self) -> list[int]:
        """getParagraphLength: words per (explicit or implicit) paragraph."""
        out = []
        for p in self.tree.find_all(lambda n: n.name == "p"):
            sentences = p.sentences or ()
            if any("-" in s.tokens for s in sentences):  # a hyphen may join words across sentences
                n = len(words_from_tokens([t for s in sentences for t in s.tokens], False))
            else:
                n = sum(len(s.words) for s in sentences)
            if n > 0:
                out.append(n)
        return out

    @cached_property
    def section_lengths(self) -> list[int]:
        """getSubheadingTextLengths: words after each heading, and before the first one."""
        matches = list(_SUBHEADING.finditer(self.text))
        if not matches:
            return []
        lengths = []
        for i, m in enumerate(matches):
            end = matches[i + 1].start() if i + 1 < len(matches) else len(self.text)
            lengths.append(self._words_between(m.end(), end))
        before = self._words_between(0, matches[0].start())
        return ([before] if before > 0 else []) + lengths

    @cached_property
    def text_length(self) -> int:
        """getWords of the text view (subheadingsTooLong uses it)."""
        return len(self.word_starts)

    # --- readability -------------------------------------------------------------------------

    @cached_property
    def transition_sentences(self) -> int:
        """findTransitionWords: sentences holding a transition word (or both parts of a two-part one)."""
        by_first = lexicon.transition_words_by_first_word()
        firsts = by_first.keys()
        pairs = lexicon.two_part_transition_words()
        pair_firsts = {a[0] for a, _ in pairs}
        found = 0
        for s in self.sentences:
            tokens = [t.lower() for t in s.tokens if t != " "]
            present = set(tokens)
            if not present.isdisjoint(pair_firsts) and any(
                    a[0] in present and b[0] in present and _contains(tokens, a) and _contains(tokens, b)
                    for a, b in pairs):
                found += 1
                continue
            starts = present & firsts  # set work in C; most sentences hold one candidate or none
            if any(tuple(tokens[i:i + len(w)]) == w
                   for i, t in enumerate(tokens) if t in starts for w in by_first[t]):
                found += 1
        return found

    @cached_property
    def transition_percent(self) -> float:
        total = len(self.sentences)
        return _round1(self.transition_sentences / total * 100) if total and self.transition_sentences else 0

    @cached_property
    def passive(self) -> tuple[int, int]:
        """getPassiveVoiceResult: (passive sentences, sentences) of the text view."""
        sentences = get_sentences(self.text)
        return sum(1 for s in sentences if is_passive(s)), len(sentences)

    @cached_property
    def passive_percent(self) -> float:
        passives, total = self.passive
        return _round1(passives / total * 100) if total else 0

    @cached_property
    def sentence_beginnings(self) -> list[tuple[str, int]]:
        """getSentenceBeginnings: runs of consecutive sentences starting alike (lists and tables excluded)."""
        sentences = [s for s in sentences_outside(self.tree, _LISTS_AND_TABLES, frozenset({"wp-block-table"}))
                     if s.tokens]
        exceptions = lexicon.first_word_exceptions()
        beginnings = []
        for s in sentences:
            words = s.words[:2]  # Yoast also drops words equal to " " after stripSpaces: there are none
            if not words:
                beginnings.append("")
                continue
            first = words[0].lower()
            if first in exceptions and len(words) > 1:
                first += " " + words[1].lower()
            beginnings.append(first)
        runs, count = [], 0
        for i, b in enumerate(beginnings):
            count += 1
            nxt = beginnings[i + 1] if i + 1 < len(beginnings) else None
            if b and b != nxt:
                runs.append((b, count))
                count = 0
        return runs

    # --- keyphrase ---------------------------------------------------------------------------

    @cached_property
    def keyphrase_count(self) -> int:
        return sum(self.keyphrase.count_in_sentence(s.tokens) for s in self.sentences)

    @cached_property
    def first_paragraph(self) -> tuple[bool, bool]:
        """findKeywordInFirstParagraph: (all words in one sentence, all words in the paragraph)."""
        paragraphs = [p for p in self.tree.find_all(lambda n: n.name == "p") if p.sentences]
        paragraphs = [p for p in paragraphs if not all(c.name == "a" for c in p.children)]
        paragraphs = [p for p in paragraphs
                      if not (p.implicit and p.parent is not None and p.parent.name == "figcaption")]
        paragraphs = [p for p in paragraphs if not (p.children and p.children[0].name == "#text"
                                                    and _SHORTCODE_FIRST.search(p.children[0].value))]
        if not paragraphs:
            return False, False
        first = paragraphs[0]
        if any(self.keyphrase.percent_found(s.text) == 100 for s in first.sentences or ()):
            return True, True
        return False, self.keyphrase.percent_found(first.inner_text()) == 100

    @cached_property
    def subheadings(self) -> tuple[int, int]:
        """matchKeywordInSubheadings: (H2/H3 count, those holding > 50 % of the keyphrase words)."""
        headings = [m.group(0) for m in _SUBHEADING_23.finditer(self._text_tags_stripped)]
        return len(headings), sum(1 for h in headings if self.keyphrase.percent_found(h) > 50)

    @cached_property
    def _text_tags_stripped(self) -> str:
        return strip_spaces(_NON_TEXT_TAGS.sub("", self.text))

    @cached_property
    def subheadings_text_length(self) -> int:
        """matchKeywordInSubheadings' text length (tags glued, not spaced: "liste.<br>Nouvelle" is one word)."""
        return len(get_words(self._text_tags_stripped))

    @cached_property
    def has_subheadings(self) -> bool:
        return bool(_SUBHEADING_23.search(self.html))

    @cached_property
    def h1_count(self) -> int:
        return sum(1 for h in self.tree.find_all(lambda n: n.name == "h1") if _text_of(h))


def _text_of(node: Node) -> str:
    return node.inner_text(br="")


def _contains(tokens: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    first = phrase[0]
    return any(tokens[i] == first and tuple(tokens[i:i + n]) == phrase for i in range(len(tokens) - n + 1))
