"""render: an Article (+ its Source) → the post_content pushed to WordPress, and the Yoast fields.

The model writes plain text: it is escaped here, and the only markup in the output is ours or a
protected element of the source, verbatim. Tokens the model dropped are put back (see ``place``).
No I/O.
"""
from __future__ import annotations

import html as _html
import re
import unicodedata
from typing import Literal

from ..markup.safety import sanitize
from ..markup.tokens import TOKEN, canonical_token, missing_tokens
from ..model import Article, Block, Source, YoastFields
from . import internal
from .place import reinsert
from .serialise import LATEST_WP, OLDEST_WP, SLOT, Unit, dialect, link_slot, to_blocks, to_classic  # noqa: F401

_SPACES = re.compile(r"\s+")
_SEPARATOR = "\ue002"
_MARKERS = re.compile("[\ue000-\ue006]")


def escape_text(text: str) -> str:
    """Model text as HTML text: &, < and > escaped, line breaks folded, typography untouched (our
    private-use markers removed, so that no text can pose as a link slot)."""
    return _html.escape(_SPACES.sub(" ", _MARKERS.sub("", text)), quote=False)


def _inline(text: str, source: Source, keeps: list[str]) -> str:
    """Escaped text with known [[LINK-n]] as link slots; [[KEEP-n]] go to ``keeps``."""
    out, last = [], 0
    for m in TOKEN.finditer(text):
        token = canonical_token(m.group(1), m.group(2))
        out.append(internal.to_slots(escape_text(text[last:m.start()]), source))
        if token.startswith("LINK") and token in source.protected:
            out.append(link_slot(token))
        elif token.startswith("KEEP") and token in source.protected:
            keeps.append(token)
        else:
            out.append(escape_text(m.group(0)))  # invented: shown as typed, and the checks refuse it
        last = m.end()
    out.append(internal.to_slots(escape_text(text[last:]), source))
    return "".join(out).strip()


def _paragraph_units(text: str, source: Source) -> list[Unit]:
    """A paragraph; a [[KEEP-n]] inside it splits it around the element."""
    units: list[Unit] = []
    pieces = re.split(r"(\[\[\s*KEEP-\d+\s*\]\])", text, flags=re.I)
    for piece in pieces:
        m = TOKEN.fullmatch(piece.strip()) if piece.strip() else None
        if m and m.group(1).upper() == "KEEP":
            units.extend(_keep_units(canonical_token(m.group(1), m.group(2)), source, piece))
        elif piece.strip():
            inner = _inline(piece, source, [])
            if inner:
                units.append(Unit("paragraph", inner))
    return units


def _keep_units(token: str, source: Source, typed: str = "") -> list[Unit]:
    if token in source.protected:
        return [Unit("keep", source.protected[token], token=token)]
    if typed.strip():  # an invented element: kept visible as text so that nothing hides it
        return [Unit("paragraph", escape_text(typed.strip()))]
    return []


def _block_units(block: Block, source: Source) -> list[Unit]:
    if block.type == "paragraph":
        return _paragraph_units(block.text, source)
    if block.type == "keep":
        m = TOKEN.fullmatch(block.ref.strip()) or re.fullmatch(r"\s*(KEEP|LINK)-(\d+)\s*", block.ref, re.I)
        return _keep_units(canonical_token(m.group(1), m.group(2)), source) if m else []
    keeps: list[str] = []
    if block.type == "list":
        items = [i for i in (_inline(t, source, keeps) for t in block.items) if i]
        units = [Unit("list", items=items, ordered=block.ordered)] if items else []
    else:
        units = [Unit("quote", _inline(block.text, source, keeps), cite=escape_text(block.cite).strip())]
    return units + [u for t in keeps for u in _keep_units(t, source)]


def layout(article: Article, source: Source) -> list[Unit]:
    """The article as a flat list of units, before dropped elements are put back."""
    units: list[Unit] = []
    for block in article.intro:
        units.extend(_block_units(block, source))
    for section in article.sections:
        keeps: list[str] = []
        units.append(Unit("heading", _inline(section.heading, source, keeps), level=section.level))
        for token in keeps:
            units.extend(_keep_units(token, source))
        for block in section.blocks:
            units.extend(_block_units(block, source))
    return units


def render(article: Article, source: Source, mode: Literal["blocks", "classic"] = "blocks",
           wp_version: str = LATEST_WP) -> str:
    """post_content for WordPress: Gutenberg block markup ("blocks") as the block editor of ``wp_version``
    saves it, or plain HTML ("classic")."""
    if mode not in ("blocks", "classic"):
        raise ValueError(f"unknown render mode {mode!r} (expected 'blocks' or 'classic')")
    units = _sanitised(reinsert(layout(article, source), source, missing_tokens(article, source)), source)
    return to_blocks(units, wp_version) if mode == "blocks" else to_classic(units)


def _sanitised(units: list[Unit], source: Source) -> list[Unit]:
    """Every model-written piece through nh3 in one pass (defence in depth: it is escaped text
    already), its brackets neutralised, then the link slots filled with the source's markup, verbatim."""
    texts = [t for u in units if u.kind != "keep" for t in (u.html, *u.items, u.cite)]
    cleaned = sanitize(_SEPARATOR.join(texts)).split(_SEPARATOR)
    if len(cleaned) != len(texts):  # cannot happen with escaped text; never trade safety for it
        cleaned = [sanitize(t) for t in texts]
    fill = iter(internal.fill(SLOT.sub(lambda m: source.protected[m.group(1)], neutralise_brackets(t)), source)
                for t in cleaned)
    out = []
    for u in units:
        if u.kind == "keep":
            out.append(u)
            continue
        html = next(fill)
        items = [next(fill) for _ in u.items]
        out.append(Unit(u.kind, html, u.level, items, u.ordered, next(fill), u.token))
    return out


def neutralise_brackets(html: str) -> str:
    """Brackets in model-written text as character references: WordPress runs no shortcode the model
    wrote ("[gallery]", "[playlist]"...), and the reader still sees the brackets. After nh3, which
    would decode them back."""
    return html.replace("[", "&#91;").replace("]", "&#93;")


def _field(text: str) -> str:
    """Yoast strips line breaks and tabs from its fields; we send them already clean."""
    return _SPACES.sub(" ", text).strip()


def yoast_fields(article: Article) -> YoastFields:
    return YoastFields(_field(article.seo_title), _field(article.meta_description), _field(article.focus_keyphrase))


_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ø": "o", "Ø": "o", "đ": "d",
                            "ł": "l", "Ł": "l", "’": "-", "'": "-"})


def normalise_slug(text: str, limit: int = 75) -> str:
    """Lowercase ASCII words joined by hyphens, at most ``limit`` characters (cut between words)."""
    text = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(slug) > limit:
        cut = slug[:limit + 1]
        slug = cut[:cut.rfind("-")] if "-" in cut else slug[:limit]
    return slug.strip("-")
