"""Protected elements: what the model never rewrites and the renderer puts back byte for byte.

Each one gets a token, ``KEEP-n`` for block-level elements (images, embeds, tables, shortcodes,
unknown blocks...) and ``LINK-n`` for inline links, numbered separately in source order. While a
draft is being read, a protected span is replaced by a placeholder made of private-use characters,
so the HTML/Markdown reading that follows cannot touch it; at the end the placeholders become
``[[KEEP-n]]`` for the model and the element's own words (caption, alt text, anchor) for ``plain``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape

OPEN, CLOSE = "\ue000", "\ue001"
PLACEHOLDER = re.compile(f"{OPEN}([KLH]\\d+){CLOSE}")
KEEP_PLACEHOLDER = re.compile(f"({OPEN}K\\d+{CLOSE})")
HIDDEN_PLACEHOLDER = re.compile(f"{OPEN}H\\d+{CLOSE}")

# Shortcode names WordPress itself registers. Without the site's own list, another bracketed phrase
# is a shortcode only when it looks like one: attributes (name=value), a closing tag, or a dash or
# underscore in its name; so "[sic]", "[1]" or "[services systemd renforcés]" stay text.
_CORE_SHORTCODES = frozenset({"gallery", "caption", "wp_caption", "embed", "audio", "video", "playlist"})
# WordPress's tag name: no spaces, no < > & / [ ] = or control characters (add_shortcode's rule).
_SHORTCODE_OPEN = re.compile(r"\[(?!\[)([^\s<>&/\[\]\x00-\x20=\"']+)(?=[\s\]/])([^\]]*?)(/?)\]")
_BARE_URL_LINE = re.compile(r"^[ \t]*(https?://[^\s<>\"]+)[ \t]*$", re.M)
_TAG = re.compile(r"<[^>]+>")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_SCRIPT = re.compile(r"<(script|style)\b.*?</\1\s*>", re.S | re.I)
_ALT = re.compile(r"<img\b[^>]*?\balt\s*=\s*([\"'])(.*?)\1", re.I | re.S)
_SHORTCODE_CLOSE = re.compile(r"\[/[a-z][a-z0-9_-]*\]")
_SPACES = re.compile(r"\s+")


@dataclass
class Collector:
    """Collects protected elements while a draft is read; names them in document order at the end.

    Placeholders carry a provisional id; when a protected span swallows another one (a shortcode
    inside a link), the inner element is folded back into the outer markup.
    """

    _markup: dict[str, str] = field(default_factory=dict)  # provisional id -> original markup
    _kind: dict[str, str] = field(default_factory=dict)  # provisional id -> "KEEP" | "LINK"
    _words: dict[str, str] = field(default_factory=dict)
    _names: dict[str, str] = field(default_factory=dict)  # provisional id -> final token, after finish()
    _padded: set[str] = field(default_factory=set)  # placeholders whose blank lines are ours
    shortcodes: frozenset[str] | None = None  # the site's registered shortcodes, when it says

    def keep(self, markup: str, words: str | None = None, pad: bool = False) -> str:
        """A block element's placeholder; ``pad`` puts it in a paragraph of its own (blank lines)."""
        placeholder = self._add("KEEP", markup, words)
        if pad:
            self._padded.add(placeholder)
            return f"\n\n{placeholder}\n\n"
        return placeholder

    def link(self, markup: str, words: str | None = None) -> str:
        return self._add("LINK", markup, words)

    def hide(self, markup: str) -> str:
        """Markup dropped from the text (an editor's comment), yet kept if a protected element holds it."""
        return self._add("HIDE", markup, "")

    def _add(self, kind: str, markup: str, words: str | None) -> str:
        if words is not None:
            words = self.plain_text(words)  # an anchor may hold an inner element's placeholder
        markup = self.expand(markup)
        pid = f"{kind[0]}{len(self._markup) + 1}"
        self._markup[pid] = markup
        self._kind[pid] = kind
        self._words[pid] = visible_words(markup) if words is None else words
        return f"{OPEN}{pid}{CLOSE}"

    def expand(self, text: str) -> str:
        """Original bytes of a text holding placeholders (the inner elements are absorbed)."""
        for placeholder in [p for p in self._padded if p in text]:  # our blank lines go with them
            pid = placeholder[1:-1]
            text = text.replace(f"\n\n{placeholder}\n\n", self._absorb(pid), 1)
        return PLACEHOLDER.sub(lambda m: self._absorb(m.group(1)), text)

    def _absorb(self, pid: str) -> str:
        self._kind.pop(pid, None)
        return self._markup[pid]

    def finish(self, text: str) -> None:
        """Names the elements found in ``text`` KEEP-1.., LINK-1.. in document order."""
        counters = {"KEEP": 0, "LINK": 0}
        for m in PLACEHOLDER.finditer(text):
            pid = m.group(1)
            kind = self._kind.get(pid)
            if kind in ("KEEP", "LINK") and pid not in self._names:
                counters[kind] += 1
                self._names[pid] = f"{kind}-{counters[kind]}"

    @property
    def protected(self) -> dict[str, str]:
        return {name: self._markup[pid] for pid, name in self._names.items()}

    def model_text(self, text: str) -> str:
        return PLACEHOLDER.sub(lambda m: f"[[{self._names[m.group(1)]}]]" if m.group(1) in self._names else "", text)

    def plain_text(self, text: str) -> str:
        return PLACEHOLDER.sub(lambda m: self._words[m.group(1)], text)


def visible_words(markup: str) -> str:
    """The facts an element carries for a reader: its text, captions and image alt texts."""
    inner = _COMMENT.sub(" ", markup)
    alts = [unescape(m.group(2)) for m in _ALT.finditer(inner)]
    text = unescape(_TAG.sub(" ", _SCRIPT.sub(" ", inner)))
    text = _SHORTCODE_OPEN.sub(" ", _SHORTCODE_CLOSE.sub(" ", text))
    return _SPACES.sub(" ", " ".join([*alts, text])).strip()


def _is_shortcode(name: str, attrs: str, closed: bool, registered: frozenset[str] | None) -> bool:
    if registered is not None:  # the site told us: WordPress runs exactly these
        return name in registered
    return (name.lower() in _CORE_SHORTCODES or closed or "=" in attrs or "-" in name or "_" in name) \
        and bool(re.fullmatch(r"[A-Za-z0-9_-]+", name))


def find_shortcodes(text: str, registered: frozenset[str] | None = None,
                    markdown: bool = False) -> list[tuple[int, int]]:
    """Spans of shortcodes, paired ("[caption]...[/caption]") or not, outermost only. In Markdown a
    bracket followed by "(", "[" or ":" is a link, a reference or a link definition, never a shortcode."""
    spans: list[tuple[int, int]] = []
    pos = 0
    while (m := _SHORTCODE_OPEN.search(text, pos)):
        name, attrs, self_closing = m.group(1), m.group(2), m.group(3)
        before, after = text[m.start() - 1:m.start()], text[m.end():m.end() + 1]
        if markdown and (after in ("(", "[", ":") or before in ("!", "]")):
            pos = m.end()
            continue
        end = m.end()
        closer = None if self_closing else re.compile(rf"\[/{re.escape(name)}\]").search(text, m.end())
        if closer:
            end = closer.end()
        if _is_shortcode(name, attrs, bool(closer), registered):
            spans.append((m.start(), end))
            pos = end
        else:
            pos = m.end()
    return spans


_TEXT_URL = re.compile(r"(?<![\w/=\"'\]@.-])https?://[^\s<>\"'\[\]]+")


def find_text_urls(text: str) -> list[tuple[int, int]]:
    """URLs written in running text (no link, no attribute): kept exact like a link's URL, so that the
    model never sees, changes or drops them. Trailing punctuation stays text."""
    spans = []
    tags = [m.span() for m in _TAG.finditer(text)]  # a URL in an attribute is the element's business
    t = 0
    for m in _TEXT_URL.finditer(text):
        while t < len(tags) and tags[t][1] <= m.start():
            t += 1
        if t < len(tags) and tags[t][0] < m.start():
            continue
        url = m.group(0).rstrip(".,;:!?»)")
        if len(url) > len("https://"):
            spans.append((m.start(), m.start() + len(url)))
    return spans


def find_bare_urls(text: str) -> list[tuple[int, int]]:
    """URLs alone on their line: WordPress turns them into embeds (oEmbed)."""
    return [m.span(1) for m in _BARE_URL_LINE.finditer(text)]


def replace_spans(text: str, spans: list[tuple[int, int]], make) -> str:
    """Replaces non-overlapping ``spans`` (in any order) by ``make(original)``."""
    out, last = [], 0
    for start, end in sorted(spans):
        if start < last:
            continue
        out.append(text[last:start])
        out.append(make(text[start:end]))
        last = end
    out.append(text[last:])
    return "".join(out)
