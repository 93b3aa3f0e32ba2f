"""Gutenberg block markup → blocks of model text.

Top-level blocks are found with WordPress's own delimiter grammar (WP_Block_Parser). Text blocks
(paragraph, heading, list, quote) are read as HTML; every other block (image, gallery, embed,
table, html, shortcode, groups, third-party blocks...) is protected whole, comment delimiters
included. HTML between blocks (a "freeform" classic block) is read as classic HTML.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from .html import html_blocks, protect, read
from .protect import Collector

# WP_Block_Parser::next_token()'s pattern.
_DELIMITER = re.compile(
    r"<!--\s+(?P<closer>/)?wp:(?P<namespace>[a-z][a-z0-9_-]*/)?(?P<name>[a-z][a-z0-9_-]*)\s+"
    r"(?P<attrs>\{(?:(?:[^}]+|}+(?=})|(?!}\s+/?-->).)*)?}\s+)?(?P<void>/)?-->", re.S)
# Blocks whose words the model rewrites; a pullquote or verse keeps its own layout, so it is protected.
_TEXT_BLOCKS = {"core/paragraph", "core/heading", "core/list", "core/quote"}


@dataclass(frozen=True)
class Block:
    name: str  # "core/paragraph"; "" for freeform HTML between blocks
    attrs: dict
    start: int  # offsets in the content: the whole block, delimiters included
    end: int
    inner_start: int
    inner_end: int


def top_level_blocks(content: str) -> list[Block]:
    """Top-level blocks and the freeform runs between them, in order."""
    blocks: list[Block] = []
    depth, opener = 0, None
    last = 0

    def freeform(a: int, b: int) -> None:
        if content[a:b].strip():
            blocks.append(Block("", {}, a, b, a, b))

    for m in _DELIMITER.finditer(content):
        name = (m.group("namespace") or "core/") + m.group("name")
        if m.group("void"):
            if depth == 0:
                freeform(last, m.start())
                blocks.append(Block(name, _attrs(m), m.start(), m.end(), m.end(), m.end()))
                last = m.end()
            continue
        if not m.group("closer"):
            if depth == 0:
                freeform(last, m.start())
                opener = (name, m)
            depth += 1
            continue
        if depth == 0:
            continue  # a stray closer: WordPress ignores it too
        depth -= 1
        if depth == 0 and opener:
            name, om = opener
            blocks.append(Block(name, _attrs(om), om.start(), m.end(), om.end(), m.start()))
            last = m.end()
    if depth and opener:  # unclosed block: WordPress reads it to the end
        name, om = opener
        blocks.append(Block(name, _attrs(om), om.start(), len(content), om.end(), len(content)))
        last = len(content)
    freeform(last, len(content))
    return blocks


def _attrs(m: re.Match) -> dict:
    try:
        return json.loads(m.group("attrs") or "{}")
    except ValueError:
        return {}


def gutenberg_blocks(content: str, col: Collector) -> list[str]:
    out: list[str] = []
    # Consecutive text blocks are read in one go (BeautifulSoup is slow to start), each protected on
    # its own so that a protected element never spans two blocks.
    run: list[str] = []

    def flush() -> None:
        if run:
            out.extend(read("".join(run), autop=False))
            run.clear()

    for block in top_level_blocks(content):
        inner = content[block.inner_start:block.inner_end]
        if block.name in _TEXT_BLOCKS:
            run.append(protect(inner, col) + "\n")
            continue
        flush()
        if block.name == "":
            out.extend(html_blocks(inner, col))
        else:
            out.append(col.keep(content[block.start:block.end]))
    flush()
    return out
