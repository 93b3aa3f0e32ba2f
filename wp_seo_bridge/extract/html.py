"""Classic-editor HTML (and the inside of Gutenberg text blocks) → blocks of model text.

First the protected elements are cut out of the raw string (so their bytes stay exact), then
BeautifulSoup reads what is left: paragraphs, headings (``## …``), lists (``- …``), quotes (``> …``).
Content without ``<p>`` tags is read the way WordPress's wpautop shows it: a blank line ends a
paragraph, a single line break stays a line break.
"""
from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from .protect import (
    HIDDEN_PLACEHOLDER,
    KEEP_PLACEHOLDER,
    Collector,
    find_bare_urls,
    find_shortcodes,
    find_text_urls,
    replace_spans,
)

# Elements kept whole (outermost first), matched with their own nesting.
_KEPT_ELEMENTS = ("figure", "table", "iframe", "video", "audio", "object", "pre", "script", "style", "form",
                  "svg", "canvas", "noscript", "math", "dl")
_KEPT_VOID = re.compile(r"<(?:embed|hr)\b[^>]*>", re.I)
_COMMENT = re.compile(r"<!--(.*?)-->", re.S)
_LINKED_IMAGE = re.compile(r"<a\b[^>]*>\s*<img\b[^>]*>\s*</a>", re.I)
_IMAGE = re.compile(r"<img\b[^>]*>", re.I)
_LINK = re.compile(r"<a\b[^>]*>.*?</a>", re.I | re.S)
_CODE = re.compile(r"<code\b[^>]*>.*?</code>", re.I | re.S)  # inline code: its text is exact, like a link's URL
_BLOCK_TAGS = {"p", "div", "section", "article", "header", "footer", "main", "aside", "nav", "center", "address",
               "details", "summary", "figcaption", "dt", "dd"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_SPACES = re.compile(r"[ \t\r\f\v\n]+")
_BANG = re.compile(r"<!(?!--)")
_AUTOP_SPACES = re.compile(r"[ \t\r\f\v]+")


def balanced_spans(html: str, tag: str) -> list[tuple[int, int]]:
    """Spans of the outermost ``<tag>…</tag>`` elements (unclosed ones run to the end)."""
    spans: list[tuple[int, int]] = []
    pattern = re.compile(rf"<(/?){tag}\b[^>]*>", re.I)
    depth, start = 0, 0
    for m in pattern.finditer(html):
        if not m.group(1):
            if depth == 0:
                start = m.start()
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                spans.append((start, m.end()))
    if depth:
        spans.append((start, len(html)))
    return spans


def protect(html: str, col: Collector) -> str:
    """Cuts the protected elements out of ``html``, leaving placeholders."""
    def keep(markup: str) -> str:
        return col.keep(markup, pad=True)

    def comment(m: re.Match) -> str:
        # <!--more--> and <!--nextpage--> are structure, other comments are notes: dropped.
        return keep(m.group(0)) if m.group(1).strip().split(" ")[0] in ("more", "nextpage", "noteaser") \
            else col.hide(m.group(0))

    html = _COMMENT.sub(comment, html)
    for tag in _KEPT_ELEMENTS:
        html = replace_spans(html, balanced_spans(html, tag), keep)
    html = replace_spans(html, find_shortcodes(html, col.shortcodes), keep)
    html = _KEPT_VOID.sub(lambda m: keep(m.group(0)), html)
    html = _LINKED_IMAGE.sub(lambda m: keep(m.group(0)), html)
    html = _IMAGE.sub(lambda m: keep(m.group(0)), html)
    html = replace_spans(html, find_bare_urls(html), keep)
    html = _CODE.sub(lambda m: col.link(m.group(0), soup(m.group(0)).get_text()), html)
    html = _LINK.sub(lambda m: col.link(m.group(0), soup(m.group(0)).get_text(" ").strip()), html)
    return replace_spans(html, find_text_urls(html), lambda url: col.link(url, url))


def soup(html: str) -> BeautifulSoup:
    # "<!" that opens no comment (a doctype, "<![CDATA[", or text like "<![x]") makes html.parser
    # give up: it is never content, so it is read as text.
    return BeautifulSoup(_BANG.sub("&lt;!", html), "html.parser")


_FLUSH = object()  # in the reader's work stack: the end of a block element


class _Reader:
    """Walks the soup and collects blocks of model text (placeholders still inside)."""

    def __init__(self, autop: bool, quoted: bool = False) -> None:
        self.autop = autop
        self.quoted = quoted
        self.blocks: list[str] = []
        self.buffer: list[str] = []

    def flush(self) -> None:
        text = "".join(self.buffer)
        self.buffer = []
        if self.autop:
            lines = (_AUTOP_SPACES.sub(" ", line).strip() for line in text.split("\n"))
            text = "\n".join(line for line in lines if line)
        else:
            text = _SPACES.sub(" ", text).strip()
        self._emit_split(text)

    def _emit_split(self, text: str) -> None:
        """A KEEP placeholder inside a paragraph makes it three blocks: before, element, after."""
        for part in KEEP_PLACEHOLDER.split(text):
            part = part.strip()
            if part:
                self.blocks.append(part)

    def text(self, s: str) -> None:
        if self.autop:
            parts = re.split(r"\n[ \t]*\n", s)
            for i, part in enumerate(parts):
                if i:
                    self.flush()
                self.buffer.append(part)
        else:
            self.buffer.append(s)

    def walk(self, node) -> None:
        """Reads ``node``'s children in order, with a stack of work instead of recursion: a draft may
        nest elements far deeper than Python's recursion limit (10,000 ``<div>`` are read fine)."""
        todo: list = list(node.children)[::-1]
        while todo:
            item = todo.pop()
            if item is _FLUSH:
                self.flush()
            elif isinstance(item, Comment):
                continue
            elif isinstance(item, NavigableString):
                self.text(str(item))
            elif isinstance(item, Tag):
                todo.extend(self.element(item)[::-1])

    def element(self, tag: Tag) -> list:
        """Handles ``tag`` and answers what is still to read, in order (children, _FLUSH marks)."""
        name = tag.name
        if name == "br":
            self.buffer.append("\n" if self.autop else " \n")
        elif name in _HEADINGS:
            self.flush()
            level = max(2, min(int(name[1]), 4))
            self.blocks.append("#" * level + " " + inline_text(tag))
        elif name in ("ul", "ol"):
            self.flush()
            self.blocks.append("\n".join(list_lines(tag)))
        elif name == "blockquote" and not self.quoted:
            self.flush()
            inner = _Reader(self.autop, quoted=True)  # a quote inside it is one more block of the quote
            inner.walk(tag)
            inner.flush()
            lines = [line for block in inner.blocks for line in block.split("\n")]
            self.blocks.append("\n".join("> " + line for line in lines if line))
        elif name == "cite":
            self.buffer.append("— ")
            return list(tag.children)
        elif name in _BLOCK_TAGS or name == "blockquote":
            self.flush()
            return [*tag.children, _FLUSH]
        else:
            return list(tag.children)
        return []


def inline_text(tag: Tag) -> str:
    return _SPACES.sub(" ", "".join(t for t in tag.strings if not isinstance(t, Comment))).strip()


def list_lines(tag: Tag) -> list[str]:
    """"- item" lines ("1. item" for <ol>), nested lists indented. One pass over the list's elements
    with a stack (no recursion, linear time): each text goes to the innermost item of the innermost list."""
    lines: list[tuple[int, str, list[str]]] = []  # depth, marker, the item's own texts
    lists: list[list] = []  # open lists: [name, depth, items so far]
    items: list[tuple[list, list[str]]] = []  # open items: (their list, their texts)
    todo: list = [(tag, True)]
    while todo:
        node, entering = todo.pop()
        if not entering:
            (lists if node.name in ("ul", "ol") else items).pop()
            continue
        if isinstance(node, Comment):
            continue
        if isinstance(node, NavigableString):
            if items and lists and items[-1][0] is lists[-1]:  # not text between the items of a list
                items[-1][1].append(str(node))
            continue
        if not isinstance(node, Tag):
            continue
        if node.name in ("ul", "ol"):
            lists.append([node.name, len(lists), 0])
            todo.append((node, False))
        elif node.name == "li" and lists:
            current = lists[-1]
            current[2] += 1
            texts: list[str] = []
            lines.append((current[1], f"{current[2]}." if current[0] == "ol" else "-", texts))
            items.append((current, texts))
            todo.append((node, False))
        todo.extend((c, True) for c in reversed(node.contents))
    return ["  " * depth + f"{marker} " + _SPACES.sub(" ", "".join(texts)).strip() for depth, marker, texts in lines]


def read(html: str, autop: bool) -> list[str]:
    """Blocks of model text of HTML whose protected elements are already placeholders."""
    reader = _Reader(autop)
    reader.walk(soup(HIDDEN_PLACEHOLDER.sub("", html)))  # dropped comments: nothing left to keep them for
    reader.flush()
    return reader.blocks


def html_blocks(html: str, col: Collector, autop: bool | None = None) -> list[str]:
    """Blocks of model text (with placeholders) for a piece of HTML."""
    html = protect(html, col)
    if autop is None:
        autop = not re.search(r"<(p|div|h[1-6]|ul|ol|li|blockquote|table)\b", html, re.I)
    return read(html, autop)
