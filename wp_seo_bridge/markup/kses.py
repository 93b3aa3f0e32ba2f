"""What WordPress's kses would strip from markup saved by an account without ``unfiltered_html``.

The plugin tells the daemon, in the site info, which tags and attributes kses allows for its account
and which URL protocols; a protected element of the draft that breaks those rules would be silently
stripped when the bot pushes, so the draft fails before any call instead. Comments (block delimiters)
are never touched by kses.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

from .view import COMMENTS, iter_html

_URL_ATTRIBUTES = frozenset("href src cite action longdesc poster background usemap formaction data".split())
_SCHEME = re.compile(r"\s*([a-zA-Z][a-zA-Z0-9+.-]*):")


@dataclass(frozen=True)
class KsesRules:
    allowed: Mapping[str, frozenset[str]]  # tag -> attribute names
    protocols: frozenset[str]


def kses_losses(markup: str, rules: KsesRules) -> list[str]:
    """The tags, attributes and URL schemes of ``markup`` that kses would remove, each once."""
    problems: list[str] = []
    for event in iter_html(COMMENTS.sub("", markup)):
        if event[0] != "start":
            continue
        tag, attributes = event[1], event[2]
        allowed = rules.allowed.get(tag)
        if allowed is None:
            problems.append(f"<{tag}>")
            continue
        for name, value in attributes:
            if name not in allowed and not (name.startswith("data-") and "data-*" in allowed):
                problems.append(f"<{tag} {name}>")
            elif name in _URL_ATTRIBUTES and value and (m := _SCHEME.match(value)) \
                    and m.group(1).lower() not in rules.protocols:
                problems.append(f'<{tag} {name}="{m.group(1).lower()}:…">')
    return list(dict.fromkeys(problems))
