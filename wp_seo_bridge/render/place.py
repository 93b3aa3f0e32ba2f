"""Putting back the protected elements the model dropped.

An element is placed where it sat in the source, proportionally: a source element at 40 % of the
draft's text goes to the unit boundary at about 40 % of the article's text.

- A block element (``KEEP-n``) goes between two units (never inside a paragraph or a list).
- A link (``LINK-n``) is appended, after a space, to the end of the paragraph whose middle is the
  closest to that position; with no paragraph at all, it becomes a paragraph of its own at the end.
"""
from __future__ import annotations

import re

from ..model import Source
from .serialise import Unit, link_slot

_TAGS = re.compile(r"<[^>]+>")


def _weight(u: Unit) -> int:
    if u.kind == "keep":
        return 0
    return len(_TAGS.sub("", u.html)) + sum(len(_TAGS.sub("", i)) for i in u.items) + len(u.cite)


def source_position(token: str, source: Source) -> float:
    """Where a token sits in the model text of the source, from 0 (start) to 1 (end)."""
    i = source.text.find(f"[[{token}]]")
    return i / max(len(source.text), 1) if i >= 0 else 1.0


def reinsert(units: list[Unit], source: Source, missing: list[str]) -> list[Unit]:
    total = sum(_weight(u) for u in units) or 1
    starts, acc = [], 0
    for u in units:
        starts.append(acc / total)
        acc += _weight(u)
    starts.append(1.0)  # the boundary after the last unit
    inserts: dict[int, list[Unit]] = {}
    appended: dict[int, list[str]] = {}
    trailing: list[str] = []
    for token in missing:
        p = source_position(token, source)
        if token.startswith("KEEP"):
            boundary = min(range(len(starts)), key=lambda i: (abs(starts[i] - p), -i))
            inserts.setdefault(boundary, []).append(Unit("keep", source.protected[token], token=token))
            continue
        markup = link_slot(token)
        paragraphs = [i for i, u in enumerate(units) if u.kind == "paragraph"]
        if not paragraphs:
            trailing.append(markup)
            continue
        middle = lambda i: (starts[i] + starts[i + 1]) / 2  # noqa: E731
        target = min(paragraphs, key=lambda i: abs(middle(i) - p))
        appended.setdefault(target, []).append(markup)
    out: list[Unit] = []
    for i, u in enumerate(units):
        out.extend(inserts.get(i, []))
        if i in appended:
            u = Unit(u.kind, u.html + "".join(" " + m for m in appended[i]))
        out.append(u)
    out.extend(inserts.get(len(units), []))
    if trailing:
        out.append(Unit("paragraph", " ".join(trailing)))
    return out
