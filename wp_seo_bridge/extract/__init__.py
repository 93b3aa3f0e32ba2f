"""extract: a draft (Gutenberg, classic HTML, Markdown or plain text) → the Source the model sees.

``Source.text`` holds paragraphs separated by blank lines, headings as ``## …``, lists as ``- …``,
quotes as ``> …``, each protected block element as a line ``[[KEEP-n]]`` and each inline link as
``[[LINK-n]]``; ``Source.protected`` maps the tokens to their original markup, byte for byte.
No I/O.
"""
from __future__ import annotations

import re
from typing import Literal, cast

from ..markup.text import count_words
from ..markup.view import WORD_COUNT_IGNORED_CLASSES, text_view
from ..model import Source, xml_clean
from .blocks import gutenberg_blocks
from .html import html_blocks
from .markdown import markdown_blocks
from .protect import HIDDEN_PLACEHOLDER, Collector
from .text import plain_blocks

FORMATS = ("blocks", "classic", "markdown", "text")
_BLOCK_COMMENT = re.compile(r"<!--\s+wp:[a-z]")
_HTML_TAG = re.compile(r"<(p|div|br|h[1-6]|ul|ol|li|a|img|figure|table|blockquote|strong|em|b|i|span|iframe|"
                       r"section|article|pre|code)\b[^>]*>", re.I)
# Markdown's own syntax (a heading, a fence, a link or image, bold, a quote, a table rule): list-looking
# lines alone are plain text, which WordPress shows line by line.
_MARKDOWN = re.compile(r"^#{1,6}[ \t]+\S|^```|^~~~|!?\[[^\]\n]+\]\([^)\s]+\)|\*\*\S[^*\n]*\*\*|^>[ \t]"
                       r"|^\|?[ \t]*:?-{3,}:?[ \t]*\|", re.M)


def detect_format(content: str) -> str:
    if _BLOCK_COMMENT.search(content):
        return "blocks"
    if _MARKDOWN.search(content):  # Markdown may hold HTML; markdown-it reads both
        return "markdown"
    if _HTML_TAG.search(content):
        return "classic"
    return "text"


def extract(content: str, title: str = "", fmt: str | None = None,
            shortcodes: frozenset[str] | None = None) -> Source:
    """Reads a draft. ``fmt`` forces one of FORMATS; by default it is detected. ``shortcodes``: the
    site's registered shortcode names, when it says (else a bracketed phrase must look like one)."""
    # Word's manual line break (U+000B) and page break (U+000C) are line breaks to a reader; the other
    # characters XML cannot carry are dropped (the plugin's answers leave them out too).
    content = xml_clean(content.replace("\x0b", "\n").replace("\x0c", "\n"))
    title = xml_clean(title.replace("\x0b", " ").replace("\x0c", " "))
    fmt = fmt or detect_format(content)
    if fmt not in FORMATS:
        raise ValueError(f"unknown draft format {fmt!r} (expected one of {', '.join(FORMATS)})")
    col = Collector(shortcodes=shortcodes)
    if fmt == "blocks":
        blocks = gutenberg_blocks(content, col)
    elif fmt == "classic":
        blocks = html_blocks(content, col)
    elif fmt == "markdown":
        blocks = markdown_blocks(content, col)
    else:
        blocks = plain_blocks(content, col)
    blocks = [b for b in blocks if HIDDEN_PLACEHOLDER.sub("", b).strip()]  # e.g. a paragraph that was a comment
    joined = "\n\n".join(blocks)
    col.finish(joined)
    plain = "\n\n".join(p for p in (col.plain_text(b).strip() for b in blocks) if p)
    if fmt in ("blocks", "classic"):
        words = count_words(text_view(content, WORD_COUNT_IGNORED_CLASSES))
    else:
        words = count_words(plain)
    return Source(title=title.strip(), text=col.model_text(joined), plain=plain, protected=col.protected,
                  format=cast(Literal["blocks", "classic", "markdown", "text"], fmt), words=words)
