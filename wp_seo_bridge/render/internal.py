"""Offered internal links in escaped model text: a slot while nh3 cleans the text, then the ``<a>``.

The slot is made of private-use characters, which ``escape_text`` removes from whatever the model wrote,
so model text cannot pose as one. A token that was not offered stays visible text (the checks refuse it).
"""
from __future__ import annotations

import re

from ..markup.internal import INTERNAL, anchor_markup, offered
from ..model import Source

_SLOT = re.compile("\ue005(POST-\\d+)\ue006([^\ue005\ue006]*)\ue005\ue006")


def to_slots(escaped: str, source: Source) -> str:
    """``[[POST-n|anchor]]`` of an offered post → slot; others untouched."""
    if not source.links:
        return escaped
    offers = offered(source)

    def slot(m: re.Match) -> str:
        token = f"POST-{int(m.group(1))}"
        anchor = " ".join(m.group(2).split())
        return f"\ue005{token}\ue006{anchor}\ue005\ue006" if token in offers and anchor else m.group(0)

    return INTERNAL.sub(slot, escaped)


def fill(html: str, source: Source) -> str:
    """Slots → ``<a href="permalink">anchor</a>`` (the anchor is escaped, sanitised text already)."""
    if "\ue005" not in html:
        return html
    offers = offered(source)
    return _SLOT.sub(lambda m: anchor_markup(offers[m.group(1)].url, m.group(2)), html)
