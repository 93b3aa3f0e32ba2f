"""The text of an HTML body as Yoast's older htmlParser (htmlparser2) keeps it, and the tokenizer under it.

Shared by extract (the source's word count) and check (the analysis): a floor below both. No I/O.
``iter_html`` is a flat event stream (no tree, no recursion), so any nesting depth is fine.
"""
from __future__ import annotations

import re
from html import unescape
from typing import Protocol

VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
COMMENTS = re.compile(r"<!--.*?-->", re.S)
_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())

# One pass of regexes over the HTML: html.parser's per-tag Python work was the engine's hot spot.
_HTML_TOKEN = re.compile(
    r"<!--.*?-->"
    r"|<(?P<end>/)?(?P<tag>[a-zA-Z][^\s/>]*)(?P<attrs>(?:[^>\"']|\"[^\"]*\"|'[^']*')*)>"
    r"|<[!?][^>]*>"
    r"|(?P<text>[^<]+|<)", re.S)
_ATTRIBUTE = re.compile(r"([^\s/>=][^\s/>=]*)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+))?")


def iter_html(html: str, raw_text: tuple[str, ...] = ("script", "style")):
    """("start", tag, attrs) / ("end", tag) / ("text", decoded text) events, like html.parser's."""
    pos, n = 0, len(html)
    while pos < n:
        m = _HTML_TOKEN.match(html, pos)
        assert m is not None  # its last alternative matches any character
        pos = m.end()
        if m.group("text") is not None:
            yield "text", unescape(m.group("text"))
        elif m.group("tag"):
            tag = m.group("tag").lower()
            if m.group("end"):
                yield "end", tag, None
                continue
            attrs = [(k.lower(), unescape(v.strip("\"'")) if v is not None else None)
                     for k, v in _ATTRIBUTE.findall(m.group("attrs")) if k != "/"]
            yield "start", tag, attrs
            if tag in raw_text:  # script/style bodies are raw text up to their end tag
                close = re.compile(f"</{tag}\\s*>", re.I).search(html, pos)
                end = close.start() if close else n
                if end > pos:
                    yield "text", html[pos:end]
                pos = end


class HtmlHandler(Protocol):
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None: ...
    def handle_endtag(self, tag: str) -> None: ...
    def handle_data(self, data: str) -> None: ...


def dispatch(handler: HtmlHandler, html: str, raw_text: tuple[str, ...] = ("script", "style")) -> None:
    """Calls the handler's methods for ``iter_html``'s events, as html.parser's ``feed`` would."""
    for event in iter_html(html, raw_text):
        if event[0] == "text":
            handler.handle_data(event[1])
        elif event[0] == "start":
            handler.handle_starttag(event[1], event[2])
        else:
            handler.handle_endtag(event[1])


# --- htmlParser.js (htmlparser2): the text the string-based researches read ----------------

_IGNORED_TAGS = frozenset("script style code pre blockquote textarea".split())
_IGNORED_CLASSES = frozenset((
    "yoast-ai-summarize yoast-table-of-contents yoast-reading-time__wrapper elementor-button-wrapper "
    "elementor-divider elementor-spacer elementor-custom-embed elementor-icon-wrapper elementor-icon-box-wrapper "
    "elementor-counter elementor-progress-wrapper elementor-alert elementor-soundcloud-wrapper "
    "elementor-shortcode elementor-menu-anchor elementor-title").split())
# htmlparser2 3.x openImpliesClose (only what matters for text output).
_IMPLIES_CLOSE = {"tr": {"tr", "th", "td"}, "th": {"th"}, "td": {"thead", "th", "td"}, "li": {"li"},
                  "p": {"p"}, **{h: {"p"} for h in _HEADINGS}, "option": {"option"}, "optgroup": {"optgroup"}}


class _TextView:
    def __init__(self, ignored_classes: frozenset[str]) -> None:
        self.out: list[str] = []
        self.stack: list[str] = []  # open elements, as htmlparser2 tracks them
        self.ignore: list[str] = []
        self.ignored_classes = ignored_classes

    def _open(self, tag: str, attrs) -> None:
        if self.ignore:
            self.ignore.append(tag)
            return
        classes = [c for c in (dict(attrs).get("class") or "").split(" ")]
        if tag in _IGNORED_TAGS or any(c in self.ignored_classes for c in classes):
            self.ignore.append(tag)
            return
        self.out.append("<" + tag + "".join(f" {k}='{v if v is not None else ''}'" for k, v in attrs) + ">")

    def _closed(self, tag: str) -> None:
        if len(self.ignore) == 1 and self.ignore[0] == tag:
            self.ignore = []
        elif self.ignore:
            self.ignore.pop()
        else:
            self.out.append(f"</{tag}>")

    def handle_starttag(self, tag, attrs):
        implied = _IMPLIES_CLOSE.get(tag)
        if implied:
            while self.stack and self.stack[-1] in implied:
                self._closed(self.stack.pop())
        self._open(tag, attrs)
        if tag in VOID:
            self._closed(tag)
        else:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack:
                name = self.stack.pop()
                self._closed(name)
                if name == tag:
                    break
        elif tag in ("p", "br"):
            self._open(tag, [])
            self._closed(tag)

    def handle_data(self, data):
        if not self.ignore:
            self.out.append(data)

    def feed(self, html: str) -> None:
        dispatch(self, html)
        while self.stack:
            self._closed(self.stack.pop())


def text_view(html: str, ignored_classes: frozenset[str] = _IGNORED_CLASSES) -> str:
    """htmlParser.js's output: tags rebuilt, entities decoded, comments and ignored blocks dropped."""
    p = _TextView(ignored_classes)
    p.feed(COMMENTS.sub("", html))
    return "".join(p.out)


WORD_COUNT_IGNORED_CLASSES = _IGNORED_CLASSES - {"yoast-ai-summarize"}
