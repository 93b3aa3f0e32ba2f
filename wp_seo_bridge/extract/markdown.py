"""Markdown drafts, whole or mixed with HTML → blocks of model text.

WordPress does not render Markdown, so a Markdown draft is turned into the HTML it means (markdown-it-py:
CommonMark, tables, strikethrough; raw HTML passes through) and that HTML is read like a classic draft:
links become LINK tokens, tables and code blocks are kept whole (code text exact), headings, lists and
quotes keep their structure. Images become real image blocks (``core/image``). Shortcodes and URLs alone
on their line (embeds) are cut out before parsing, never inside code.
"""
from __future__ import annotations

import html as _html
from functools import cache
from typing import cast

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token

from .html import html_blocks
from .protect import Collector, find_bare_urls, find_shortcodes, replace_spans


@cache
def parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    # The author's URLs exactly as typed (no percent-encoding), so that they come back byte for byte;
    # validateLink still refuses javascript:, vbscript:, file: and data: (but images) links.
    md.normalizeLink = lambda url: url  # type: ignore[method-assign]
    md.normalizeLinkText = lambda link: link  # type: ignore[method-assign]
    return md


def image_block(src: str, alt: str, title: str = "", href: str = "") -> str:
    """A core/image block as the block editor saves it (url, alt, title and link come from the HTML)."""
    esc = lambda v: _html.escape(v, quote=True)  # noqa: E731
    img = f'<img src="{esc(src)}" alt="{esc(alt)}"' + (f' title="{esc(title)}"' if title else "") + "/>"
    if href:
        img = f'<a href="{esc(href)}">{img}</a>'
    return f'<!-- wp:image -->\n<figure class="wp-block-image">{img}</figure>\n<!-- /wp:image -->'


def _cut_outside_code(text: str, col: Collector) -> str:
    """Shortcodes and bare-URL lines become placeholders, except in code blocks (their text is code)."""
    lines = text.split("\n")
    code = [False] * (len(lines) + 1)
    for tok in parser().parse(text):
        if tok.type in ("fence", "code_block") and tok.map:
            for i in range(tok.map[0], min(tok.map[1], len(lines))):
                code[i] = True
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            chunk = "\n".join(run)
            chunk = replace_spans(chunk, find_shortcodes(chunk, col.shortcodes, markdown=True), col.keep)
            out.append(replace_spans(chunk, find_bare_urls(chunk), col.keep))
            run.clear()

    for i, line in enumerate(lines):
        if code[i]:
            flush()
            out.append(line)
        else:
            run.append(line)
    flush()
    return "\n".join(out)


def _images(tokens: list[Token], col: Collector, md: MarkdownIt) -> None:
    """Each image (or linked image) of the inline tokens becomes a placeholder of its image block."""
    for tok in tokens:
        if tok.type != "inline" or not tok.children:
            continue
        kids, out, i = tok.children, [], 0
        while i < len(kids):
            k = kids[i]
            linked = (k.type == "link_open" and i + 2 < len(kids) and kids[i + 1].type == "image"
                      and kids[i + 2].type == "link_close")
            image = kids[i + 1] if linked else k
            if image.type == "image":
                alt = cast(RendererHTML, md.renderer).renderInlineAsText(image.children or [], md.options, {})
                markup = image_block(str(image.attrGet("src") or ""), alt, str(image.attrGet("title") or ""),
                                     str(k.attrGet("href") or "") if linked else "")
                placeholder = Token("text", "", 0)
                placeholder.content = col.keep(markup, words=alt)
                out.append(placeholder)
                i += 3 if linked else 1
                continue
            out.append(k)
            i += 1
        tok.children = out


def markdown_blocks(text: str, col: Collector) -> list[str]:
    text = text.replace("\r\n", "\n")
    text = _cut_outside_code(text, col)
    md = parser()
    tokens = md.parse(text)
    _images(tokens, col, md)
    return html_blocks(md.renderer.render(tokens, md.options, {}), col, autop=False)
