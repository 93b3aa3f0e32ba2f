"""Markdown and plain-text drafts → blocks of model text.

Markdown keeps its own syntax for protected elements: an image stays ``![alt](src)`` and a link
``[text](url)``, byte for byte (a Markdown-enabled site renders them; we do not convert them).
"""
from __future__ import annotations

import re

from .html import protect as protect_html
from .protect import KEEP_PLACEHOLDER, Collector, find_bare_urls, find_shortcodes, replace_spans

_FENCE = re.compile(r"^(```|~~~)[^\n]*\n.*?^\1[ \t]*$", re.M | re.S)
_TABLE = re.compile(r"(?:^[ \t]*\|?.*\|.*\n)+^[ \t]*\|?[ \t]*:?-{3,}.*\n(?:^[ \t]*\|?.*\|.*(?:\n|\Z))*", re.M)
_RULE = re.compile(r"^[ \t]*([-*_])([ \t]*\1){2,}[ \t]*$", re.M)
_IMAGE = re.compile(r"\[!\[[^\]]*\]\([^)\s]+(?:\s+\"[^\"]*\")?\)\]\([^)\s]+\)|!\[[^\]]*\]\([^)\s]+(?:\s+\"[^\"]*\")?\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)\s]+(?:\s+\"[^\"]*\")?\)|<(https?://[^>\s]+)>")
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t#]*$")
_SETEXT = re.compile(r"^(=+|-+)[ \t]*$")
_ITEM = re.compile(r"^([ \t]*)([-*+]|\d+[.)])[ \t]+(.*)$")
_QUOTE = re.compile(r"^[ \t]*>[ \t]?(.*)$")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
_BLANK = re.compile(r"\n[ \t\r]*\n")


def _keep(col: Collector):
    return lambda markup: col.keep(markup, pad=True)


def markdown_blocks(text: str, col: Collector) -> list[str]:
    text = text.replace("\r\n", "\n")  # Markdown is line syntax: CRLF is read (and kept) as LF
    text = _FENCE.sub(lambda m: _keep(col)(m.group(0)), text)
    text = _TABLE.sub(lambda m: _keep(col)(m.group(0).rstrip("\n")) + "\n", text)
    text = _RULE.sub(lambda m: _keep(col)(m.group(0)), text)
    text = protect_html(text, col)  # HTML embedded in Markdown
    text = _IMAGE.sub(lambda m: _keep(col)(m.group(0)), text)
    text = _LINK.sub(lambda m: col.link(m.group(0), m.group(1) or m.group(2)), text)
    blocks: list[str] = []
    for chunk in _BLANK.split(text):
        blocks.extend(_markdown_chunk(chunk))
    return blocks


def _markdown_chunk(chunk: str) -> list[str]:
    out: list[str] = []
    para: list[str] = []
    lines = chunk.split("\n")

    def flush() -> None:
        if para:
            joined = " ".join(line.strip() for line in para if line.strip())
            out.extend(_split_keeps(_EMPHASIS.sub(r"\2", joined)))
            para.clear()

    items: list[str] = []

    def flush_items() -> None:
        if items:
            out.append("\n".join(items))
            items.clear()

    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if (h := _HEADING.match(line)):
            flush(), flush_items()
            out.append("#" * max(2, min(len(h.group(1)), 4)) + " " + _EMPHASIS.sub(r"\2", h.group(2)))
        elif _SETEXT.match(nxt) and line.strip() and not _ITEM.match(line):
            flush(), flush_items()
            out.append("## " + _EMPHASIS.sub(r"\2", line.strip()))
        elif _SETEXT.match(line) and i > 0 and lines[i - 1].strip():
            continue
        elif (it := _ITEM.match(line)):
            flush()
            marker = "-" if it.group(2) in "-*+" else it.group(2).rstrip(")") + ("." if it.group(2).endswith(")") else "")
            indent = "  " * (len(it.group(1).expandtabs(4)) // 2)
            item = _EMPHASIS.sub(r"\2", it.group(3).strip())
            items.append(f"{indent}{marker} {item}")
        elif (q := _QUOTE.match(line)):
            flush(), flush_items()
            out.append("> " + _EMPHASIS.sub(r"\2", q.group(1).strip()))
        else:
            flush_items()
            para.append(line)
    flush()
    flush_items()
    return _merge_quotes([b for b in out if b.strip()])


def _merge_quotes(blocks: list[str]) -> list[str]:
    merged: list[str] = []
    for b in blocks:
        if b.startswith("> ") and merged and merged[-1].startswith("> "):
            merged[-1] += "\n" + b
        else:
            merged.append(b)
    return merged


def _split_keeps(text: str) -> list[str]:
    return [p.strip() for p in KEEP_PLACEHOLDER.split(text) if p.strip()]


def plain_blocks(text: str, col: Collector) -> list[str]:
    """Plain text: one paragraph per line, or per blank-line-separated chunk when there are some."""
    by_line = not _BLANK.search(text.strip())
    text = replace_spans(text, find_shortcodes(text), _keep(col))
    text = replace_spans(text, find_bare_urls(text), _keep(col))
    chunks = text.split("\n") if by_line else _BLANK.split(text)
    blocks: list[str] = []
    for chunk in chunks:
        joined = " ".join(line.strip() for line in chunk.split("\n") if line.strip())
        blocks.extend(_split_keeps(joined))
    return blocks
