"""The two views of an HTML body that Yoast's researches read, rebuilt in Python.

- ``build_tree``: Yoast's "tree" (parse5 + adapt + tokenize + filterTree): explicit and implicit
  paragraphs and headings, each with its sentences and tokens. Block quotes, captions of quotes
  (``cite``), code, comments, iframes... are left out, as Yoast leaves them out.
- ``text_view`` (the string view, htmlparser2's) lives one floor down, in ``markup.view``: extract needs it too.

The HTML parser is a small HTML5-ish tree builder on top of :mod:`html.parser`: enough for the
markup WordPress and our renderer produce (implied ``</p>``/``</li>``, void elements).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

from ..markup.text import JS_WS, normalize_single_quotes, split_into_tokens, unhash_entities, words_from_tokens
from ..markup.view import COMMENTS, VOID, dispatch
from .sentences import split_sentences

# Comments are swapped for this void element before parsing: html.parser is slow on the hundreds of
# block delimiters of a Gutenberg post, and a comment only matters as a "not phrasing" separator.
_COMMENT_TAG = "wpsb-comment"
_CLOSES_P = frozenset(("address article aside blockquote center details dialog dir div dl fieldset figcaption "
                       "figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr main menu nav ol p pre section "
                       "table ul").split())
_SCOPE = frozenset("applet caption html table td th marquee object template button".split())
_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
PHRASING = frozenset(("b big i small tt abbr acronym cite code dfn em kbd strong samp time var a bdo br img map "
                      "object q script span sub sup button input label select textarea").split()) | {"#text"}
_EMPTIED = frozenset("code kbd math q samp script var #comment cite form map noscript output".split())
_FILTERED = frozenset(("base blockquote canvas code head iframe input kbd link math meta meter noscript object "
                       "portal pre progress q samp script slot style svg template textarea title var #comment "
                       "cite form map output").split())
_FILTERED_CLASSES = frozenset((
    "yoast-table-of-contents yoast-reading-time__wrapper yoast-ai-summarize elementor-button-wrapper "
    "elementor-divider elementor-spacer elementor-custom-embed elementor-icon-wrapper elementor-icon-box-wrapper "
    "elementor-counter elementor-progress-wrapper elementor-title elementor-alert elementor-soundcloud-wrapper "
    "elementor-shortcode elementor-menu-anchor e-rating").split())
_ENTITIES = re.compile(r"&(amp;|lt;|gt;|quot;|apos;|ndash;|mdash;|copy;|reg;|trade;|pound;|yen;|euro;|dollar;|"
                       r"deg;|asymp;|ne;|nbsp;)", re.I)
_WHITESPACE_ONLY = re.compile(f"^[\n{re.escape(JS_WS)}]+\\Z")
_TRAILING_WS = re.compile(f"^[{re.escape(JS_WS)}]+\\Z")


@dataclass
class Sentence:
    text: str
    tokens: list[str]

    @cached_property
    def words(self) -> list[str]:
        """Words with hyphenated ones kept whole (sentence and paragraph lengths, beginnings)."""
        return words_from_tokens(self.tokens, False)

    @cached_property
    def split_words(self) -> int:
        """Word count with hyphens splitting words (getAllWordsFromTree)."""
        if "-" not in self.tokens:
            return len(self.words)  # no hyphen token: both ways of counting agree
        return len(words_from_tokens(self.tokens))


@dataclass(slots=True)
class Node:
    name: str
    attrs: dict = field(default_factory=dict)
    children: list["Node"] = field(default_factory=list)
    value: str = ""  # text nodes only
    implicit: bool = False
    sentences: list[Sentence] | None = None
    parent: "Node | None" = field(default=None, repr=False)

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def inner_text(self, br: str = "\n") -> str:
        """The text of the descendants in document order (a ``<br>`` counts as ``br``). Walked with a
        stack, as everything here: a draft may nest elements far deeper than Python's recursion limit."""
        out: list[str] = []
        stack = self.children[::-1]
        while stack:
            c = stack.pop()
            if c.name == "#text":
                out.append(c.value)
            elif c.name == "br":
                out.append(br)
            else:
                stack.extend(c.children[::-1])
        return "".join(out)

    def find_all(self, cond) -> list["Node"]:
        """findAllInTree: pre-order, without descending into found nodes."""
        found = []
        stack = self.children[::-1]
        while stack:
            c = stack.pop()
            if cond(c):
                found.append(c)
            else:
                stack.extend(c.children[::-1])
        return found


def _post_order(root: Node) -> list[Node]:
    """Every element node (text nodes left out), children before their parent."""
    out: list[Node] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.name != "#text":
            out.append(node)
            stack.extend(node.children)
    out.reverse()  # a parent came before its children: reversed, every child precedes its parent
    return out


class _Builder:
    def __init__(self) -> None:
        self.root = Node("#document-fragment")
        self.stack = [self.root]
        self.open: Counter[str] = Counter()  # names on the stack: deep nesting must not cost a scan per tag

    def feed(self, html: str) -> None:
        dispatch(self, html, ("script", "style", "iframe", "xmp", "noembed", "noframes"))

    def _append(self, node: Node) -> None:
        self.stack[-1].children.append(node)

    def _truncate(self, i: int) -> None:
        for node in self.stack[i:]:
            self.open[node.name] -= 1
        del self.stack[i:]

    def _close(self, names: frozenset[str] | set[str], boundary: frozenset[str] = _SCOPE) -> None:
        if not any(self.open[n] for n in names):
            return  # nothing to close: the scan down the stack would find nothing
        for i in range(len(self.stack) - 1, 0, -1):
            name = self.stack[i].name
            if name in names:
                self._truncate(i)
                return
            if name in boundary:
                return

    def handle_starttag(self, tag, attrs):
        if tag in _CLOSES_P:
            self._close({"p"})
        if tag == "li":
            self._close({"li"}, _SCOPE | {"ul", "ol"})
        elif tag in ("dd", "dt"):
            self._close({"dd", "dt"}, _SCOPE | {"dl"})
        elif tag in ("td", "th"):
            self._close({"td", "th"}, frozenset({"table", "tr"}))
        elif tag == "tr":
            self._close({"tr", "td", "th"}, frozenset({"table"}))
        if tag in _HEADINGS and self.stack[-1].name in _HEADINGS:
            self._truncate(len(self.stack) - 1)
        if tag == _COMMENT_TAG:
            self._append(Node("#comment"))
            return
        node = Node(tag, {k: (v if v is not None else "") for k, v in attrs})
        self._append(node)
        if tag not in VOID:
            self.stack.append(node)
            self.open[tag] += 1

    def handle_endtag(self, tag):
        if tag == "br":
            self._append(Node("br"))
            return
        if tag == "p" and not self.open["p"]:
            self._append(Node("p"))
            return
        if not self.open[tag]:
            return
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].name == tag:
                self._truncate(i)
                return

    def handle_data(self, data):
        last = self.stack[-1].children[-1] if self.stack[-1].children else None
        if last is not None and last.name == "#text":
            last.value += data
        else:
            self._append(Node("#text", value=data))



def parse_html(html: str) -> Node:
    b = _Builder()
    b.feed(html)
    return b.root


# --- Yoast's adapt(): implicit paragraphs ---------------------------------------------------

def _is_block(name: str) -> bool:
    return not (name == "p" or name in PHRASING or name in _HEADINGS)


def _combine(nodes: list[Node]) -> list[Node]:
    out: list[Node] = []
    para = Node("p", implicit=True)
    for i, node in enumerate(nodes):
        prev = nodes[i - 1] if i else None
        nxt = nodes[i + 1] if i + 1 < len(nodes) else None
        double_br = node.name == "br" and ((prev is not None and prev.name == "br")
                                           or (nxt is not None and nxt.name == "br"))
        whitespace = node.name == "#text" and node.value and _WHITESPACE_ONLY.match(node.value)
        if node.name in PHRASING and not whitespace and not double_br:
            para.children.append(node)
        else:
            if para.children:
                out.append(para)
                para = Node("p", implicit=True)
            out.append(node)
    if para.children:
        out.append(para)
    return out


def _adapt(root: Node) -> None:
    for node in _post_order(root):
        if node.children and _is_block(node.name):
            node.children = _combine(node.children)
        if node.name == "p" and any(c.name == "br" and i + 1 < len(node.children)
                                    and node.children[i + 1].name == "br" for i, c in enumerate(node.children)):
            node.name = "p-overarching"
            node.children = _combine(node.children)


def _empty_unanalysed(root: Node) -> None:
    """filterBeforeTokenizing: text inside code, cite, comments... never reaches a sentence."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node.name in _EMPTIED:
            node.children = []
        stack.extend(node.children)


def _sentence(text: str) -> Sentence:
    # Yoast's Token normalises single quotes ("d’abord" is the token "d'abord"). Normalising the
    # text first splits the same way, except for ` and ‛ (not punctuation, unlike the ' they become).
    if "`" in text or "‛" in text:
        tokens = [normalize_single_quotes(t) for t in split_into_tokens(text)]
    else:
        tokens = split_into_tokens(normalize_single_quotes(text))
    if "#" in text:  # hashed entities ("#amp;", kept whole while tokenizing) become characters again
        tokens = [unhash_entities(t) for t in tokens]
        text = unhash_entities(text)
    return Sentence(text, tokens)


def _tokenize(root: Node) -> None:
    stack = [root]
    while stack:
        node = stack.pop()
        if node.name == "p" or node.name in _HEADINGS:
            texts = list(split_sentences(node.inner_text(), False))
            if texts and _TRAILING_WS.match(texts[-1]):
                texts.pop()
            node.sentences = [_sentence(t) for t in texts]
        stack.extend(node.children)


def _filter(root: Node) -> None:
    """filterTree, in place: filtered elements go, and implicit paragraphs left empty by that."""
    def goes(node: Node) -> bool:
        return node.name in _FILTERED or bool(node.attrs and (node.classes & _FILTERED_CLASSES
                                                              or node.attrs.get("id") == "breadcrumbs"))

    for node in _post_order(root):  # children are final before their parent looks at them
        node.children = [c for c in node.children
                         if c.name == "#text" or not (goes(c) or (c.implicit and not c.children))]
        for c in node.children:
            c.parent = node


def build_tree(html: str) -> Node:
    """Yoast's build(): the analysis tree of an HTML body."""
    root = parse_html(COMMENTS.sub(f"<{_COMMENT_TAG}>", _ENTITIES.sub(r"#\1", html)))
    _adapt(root)
    _empty_unanalysed(root)
    _tokenize(root)
    _filter(root)
    return root


def sentences_of(tree: Node) -> list[Sentence]:
    """getSentencesFromTree: every sentence of every paragraph and heading, in document order."""
    return [s for n in tree.find_all(lambda n: n.sentences is not None) for s in n.sentences or ()]


def sentences_outside(tree: Node, names: frozenset[str], classes: frozenset[str]) -> list[Sentence]:
    """The sentences left once elements with these names or classes are filtered out of the tree."""
    out: list[Sentence] = []
    stack = tree.children[::-1]
    while stack:
        c = stack.pop()
        if c.name == "#text" or c.name in names or c.classes & classes:
            continue
        if c.sentences is not None:
            out.extend(c.sentences)
        else:
            stack.extend(c.children[::-1])
    return out
