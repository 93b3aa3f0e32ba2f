"""SEO title width in pixels, as the Yoast editor measures it (Arial 20 px, kerning on).

Port of yoast-judge's lib/titleWidth.mjs; the metrics (data/arial-widths.json) are Liberation
Sans 2.1.5's, which is metric-compatible with Arial.
"""
from __future__ import annotations

import re

from . import lexicon

_FONT_SIZE_PX = 20
_ENTITY = re.compile(r"&(#x[0-9a-f]+|#[0-9]+|[a-z]+);", re.I)
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'", "nbsp": "\u00a0"}


def _decode(match: re.Match) -> str:
    body = match.group(1)
    if body[0] == "#":
        try:
            return chr(int(body[2:], 16) if body[1] in "xX" else int(body[1:]))
        except (ValueError, OverflowError):
            return match.group(0)
    return _NAMED.get(body.lower(), match.group(0))


def visible_text(title: str) -> str:
    """What a browser lays out: tags removed, entities decoded, white space collapsed."""
    text = _ENTITY.sub(_decode, re.sub(r"<[^>]*>", "", title or ""))
    return re.sub(r"[ \t\n\r\f]+", " ", text).strip()


def title_width(title: str) -> int:
    table = lexicon.arial()
    advances, kerning, em = table["advances"], table["kerning"], table["unitsPerEm"]
    units, previous = 0, None
    for char in visible_text(title):
        cp = ord(char)
        advance = advances.get(str(cp))
        units += em if advance is None else advance  # glyphs Arial lacks come from a fallback: 1 em
        if previous is not None:
            units += kerning.get(f"{previous},{cp}", 0)
        previous = cp
    x = units * _FONT_SIZE_PX / em
    return int(x + 0.5)  # Math.round
