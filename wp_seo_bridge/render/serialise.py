"""Units of an article → post_content, as Gutenberg core blocks or classic HTML.

Block markup is exactly what the site's own block editor saves (block-library.js save() + the block
serializer), so the editor opens the post without an "unexpected or invalid content" warning and
without silently re-serialising it ("Updated Block" in the console, a changed post on first save):

- heading: ``class="wp-block-heading"`` from WordPress 6.2 (heading.php ``@since 6.2.0``), none on
  6.1 (``supports.className: false``); level 3 carries ``{"level":3}``;
- list: ``class="wp-block-list"`` from 6.6 (list.php ``@since 6.6.0``); items are ``core/list-item``
  inner blocks (no class, ``supports.className: false`` up to 7.1);
- quote: ``class="wp-block-quote"`` and a ``core/paragraph`` inner block, the same from 6.1 to 7.1;
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

#: The newest WordPress whose saved markup we checked (its block-library.js); the default off-site.
LATEST_WP = "7.1"
#: The oldest the companion plugin supports ("Requires at least"): assumed when a site does not say.
OLDEST_WP = "6.1"


@dataclass(frozen=True)
class Dialect:
    """What one WordPress version's block editor writes where versions differ."""

    heading_class: bool
    list_class: bool


def _version(text: str) -> tuple[int, ...]:
    parts = re.findall(r"\d+", text.split("-")[0])[:2]
    return tuple(int(p) for p in parts) if parts else ()


def dialect(wp_version: str) -> Dialect:
    """The markup of ``wp_version`` ("6.1", "7.1.0", "6.9-RC1"); an unreadable version is taken as the
    oldest supported: older markup is upgraded silently by a newer editor, never refused as invalid,
    while newer markup (an unknown class) is invalid on an older one."""
    v = _version(wp_version) or _version(OLDEST_WP)
    return Dialect(heading_class=v >= (6, 2), list_class=v >= (6, 6))


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


def to_blocks(units: list[Unit], wp_version: str = LATEST_WP) -> str:
    d = dialect(wp_version)
    heading_class = ' class="wp-block-heading"' if d.heading_class else ""
    list_class = ' class="wp-block-list"' if d.list_class else ""
    out = []
    for u in units:
        if u.kind == "heading":
            attrs = {"level": u.level} if u.level != 2 else None
            out.append(_block("heading", f"<h{u.level}{heading_class}>{u.html}</h{u.level}>", attrs))
        elif u.kind == "paragraph":
            out.append(_block("paragraph", f"<p>{u.html}</p>"))
        elif u.kind == "list":
            tag = "ol" if u.ordered else "ul"
            items = "\n\n".join(_block("list-item", f"<li>{item}</li>") for item in u.items)
            out.append(_block("list", f"<{tag}{list_class}>{items}</{tag}>", {"ordered": True} if u.ordered else None))
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
