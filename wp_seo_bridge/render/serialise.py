"""Units of an article → post_content, as Gutenberg (WordPress 6.1 core blocks) or classic HTML.

Block markup is exactly what the 6.1 block editor saves (block-library.js save() + the block
serializer), so the editor opens the post without an "unexpected or invalid content" warning:

- heading: no class in 6.1 (``supports.className: false``); level 3 carries ``{"level":3}``;
- list and quote: 6.1 saves their content as inner blocks (``core/list-item``, ``core/paragraph``);
- protected blocks come back verbatim; protected non-block markup (classic or Markdown sources) goes
  in ``shortcode``, ``embed`` (a bare URL) or ``more`` blocks, and any other HTML stays raw between
  blocks, where the editor shows it as a Classic block: a ``core/html`` block would be refused as
  soon as the browser normalises the HTML (``<table><tr>`` gains a ``<tbody>``), a Classic block never.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Literal


SLOT = re.compile("\ue003(LINK-\\d+)\ue004")


def link_slot(token: str) -> str:
    """Where a source link goes in model text; filled with its markup once the text is sanitised."""
    return f"\ue003{token}\ue004"


@dataclass
class Unit:
    kind: Literal["heading", "paragraph", "list", "quote", "keep"]
    html: str = ""  # heading/paragraph inner HTML, quote text HTML, keep: original markup
    level: int = 2
    items: list[str] = field(default_factory=list)
    ordered: bool = False
    cite: str = ""
    token: str = ""  # keep: its token


def _attrs(attrs: dict) -> str:
    """serializeAttributes() of @wordpress/blocks: JSON made safe inside an HTML comment."""
    if not attrs:
        return ""
    s = json.dumps(attrs, ensure_ascii=False, separators=(",", ":"))
    s = s.replace("--", "\\u002d\\u002d").replace("<", "\\u003c").replace(">", "\\u003e")
    s = s.replace("&", "\\u0026").replace('\\"', "\\u0022")
    return s + " "


def _block(name: str, content: str, attrs: dict | None = None) -> str:
    return f"<!-- wp:{name} {_attrs(attrs or {})}-->\n{content}\n<!-- /wp:{name} -->"


def _keep_block(markup: str) -> str:
    m = markup.strip()
    if m.startswith("<!-- wp:"):
        return markup
    if m == "<!--more-->" or m.startswith("<!--more "):
        return _block("more", markup)
    if m == "<!--nextpage-->":
        return _block("nextpage", markup)
    if m.startswith("[") and m.endswith("]"):
        return _block("shortcode", markup)
    if m.startswith(("http://", "https://")) and " " not in m and "<" not in m:
        wrapper = f'<figure class="wp-block-embed"><div class="wp-block-embed__wrapper">\n{m}\n</div></figure>'
        return _block("embed", wrapper, {"url": m})
    return markup


def to_blocks(units: list[Unit]) -> str:
    out = []
    for u in units:
        if u.kind == "heading":
            attrs = {"level": u.level} if u.level != 2 else None
            out.append(_block("heading", f"<h{u.level}>{u.html}</h{u.level}>", attrs))
        elif u.kind == "paragraph":
            out.append(_block("paragraph", f"<p>{u.html}</p>"))
        elif u.kind == "list":
            tag = "ol" if u.ordered else "ul"
            items = "\n\n".join(_block("list-item", f"<li>{item}</li>") for item in u.items)
            out.append(_block("list", f"<{tag}>{items}</{tag}>", {"ordered": True} if u.ordered else None))
        elif u.kind == "quote":
            cite = f"<cite>{u.cite}</cite>" if u.cite else ""
            inner = _block("paragraph", f"<p>{u.html}</p>")
            out.append(_block("quote", f'<blockquote class="wp-block-quote">{inner}{cite}</blockquote>'))
        else:
            out.append(_keep_block(u.html))
    return "\n\n".join(out)


def to_classic(units: list[Unit]) -> str:
    out = []
    for u in units:
        if u.kind == "heading":
            out.append(f"<h{u.level}>{u.html}</h{u.level}>")
        elif u.kind == "paragraph":
            out.append(f"<p>{u.html}</p>")
        elif u.kind == "list":
            tag = "ol" if u.ordered else "ul"
            out.append(f"<{tag}>\n" + "\n".join(f"<li>{i}</li>" for i in u.items) + f"\n</{tag}>")
        elif u.kind == "quote":
            cite = f"<cite>{u.cite}</cite>" if u.cite else ""
            out.append(f"<blockquote><p>{u.html}</p>{cite}</blockquote>")
        else:
            out.append(u.html)
    return "\n\n".join(out)
