"""Plain-text drafts → blocks of model text, read the way WordPress displays them (wpautop).

A blank line ends a paragraph and a single line break stays a line break; lines that look like list
items (``-``, ``–``, ``•``, ``*``, ``1.``, ``1)``, ``1 -``) become lists. A text with no blank line at
all (one paragraph per line, as pasted from many editors) gets one paragraph per line.
Shortcodes and URLs alone on their line (embeds) are protected.
"""
from __future__ import annotations

import re

from .protect import KEEP_PLACEHOLDER, Collector, find_bare_urls, find_shortcodes, find_text_urls, replace_spans

_BLANK = re.compile(r"\n[ \t\r]*\n")
_ITEM = re.compile(r"^[ \t]*(?:(?P<bullet>[-–•*])|(?P<number>\d{1,3})(?:[.)]|[ \t]+[-–]))[ \t]+(?P<text>\S.*)$")


def _keep(col: Collector):
    return lambda markup: col.keep(markup, pad=True)


def _split_keeps(text: str) -> list[str]:
    return [p.strip() for p in KEEP_PLACEHOLDER.split(text) if p.strip()]


def _chunk_blocks(chunk: str, by_line: bool) -> list[str]:
    """A paragraph's lines: runs of list items become lists, the other lines paragraphs."""
    blocks: list[str] = []
    para: list[str] = []
    items: list[str] = []

    def flush_para() -> None:
        if para:
            blocks.extend(_split_keeps("\n".join(para)))
            para.clear()

    def flush_items() -> None:
        if items:
            blocks.append("\n".join(items))
            items.clear()

    for line in chunk.split("\n"):
        line = line.strip()
        if not line:
            continue
        m = _ITEM.match(line)
        if m:
            flush_para()
            items.append(("-" if m.group("bullet") else f"{int(m.group('number'))}.") + " " + m.group("text").strip())
            continue
        flush_items()
        para.append(line)
        if by_line:
            flush_para()
    flush_para()
    flush_items()
    return blocks


def plain_blocks(text: str, col: Collector) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    by_line = not _BLANK.search(text.strip())
    text = replace_spans(text, find_shortcodes(text, col.shortcodes), _keep(col))
    text = replace_spans(text, find_bare_urls(text), _keep(col))
    text = replace_spans(text, find_text_urls(text), lambda url: col.link(url, url))
    blocks: list[str] = []
    for chunk in _BLANK.split(text):
        blocks.extend(_chunk_blocks(chunk, by_line))
    return blocks
