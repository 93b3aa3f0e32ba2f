"""Internal links the model adds: ``[[POST-n|anchor]]``, a post of the same site the relate stage offered.

Read by check (only offered posts, once each, never the post itself, a real anchor) and by render (the
token becomes ``<a href="permalink">anchor</a>``): one floor below both.
"""
from __future__ import annotations

import html as _html
import re
from dataclasses import dataclass

from ..model import Article, LinkOffer, Source

#: What the model writes; the anchor is the words of its own sentence.
INTERNAL = re.compile(r"\[\[\s*POST-(\d+)\s*\|([^\[\]|]*)\]\]", re.I)
#: Anything that looks like one (a malformed or anchorless token is still an attempt at a link).
ANY_POST = re.compile(r"\[\[\s*POST\b[^\]]*\]\]", re.I)


@dataclass(frozen=True)
class InternalLink:
    token: str  # "POST-2" (canonical spelling)
    anchor: str  # as the model wrote it, spaces folded
    where: str  # "paragraph" | "list" | "heading" | "quote"
    offer: LinkOffer | None  # None: not one of the offered posts

    def as_dict(self) -> dict:
        o = self.offer
        return {"anchor": self.anchor, "post_id": o.post_id if o else "", "url": o.url if o else "",
                "title": o.title if o else ""}


def offered(source: Source) -> dict[str, LinkOffer]:
    return {o.token: o for o in source.links}


def _texts(article: Article) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    blocks = [("paragraph", b) for b in article.intro]
    for section in article.sections:
        out.append(("heading", section.heading))
        blocks += [("paragraph", b) for b in section.blocks]
    for _, b in blocks:
        if b.type == "paragraph":
            out.append(("paragraph", b.text))
        elif b.type == "list":
            out += [("list", i) for i in b.items]
        elif b.type == "quote":
            out += [("quote", b.text), ("quote", b.cite)]
    return out


def internal_links(article: Article, source: Source) -> list[InternalLink]:
    """Every internal-link token of the article, in order, with its offer (None when not offered)."""
    offers = offered(source)
    found: list[InternalLink] = []
    for where, text in _texts(article):
        for m in INTERNAL.finditer(text):
            token = f"POST-{int(m.group(1))}"
            found.append(InternalLink(token, " ".join(m.group(2).split()), where, offers.get(token)))
    return found


def malformed(article: Article) -> list[str]:
    """POST tokens that are not ``[[POST-n|anchor]]``: never rendered as links, refused by the checks."""
    return [m.group(0) for _, t in _texts(article) for m in ANY_POST.finditer(t) if not INTERNAL.fullmatch(m.group(0))]


def anchor_markup(url: str, escaped_anchor: str) -> str:
    """The link as pushed: ``escaped_anchor`` is already HTML text."""
    return f'<a href="{_html.escape(url, quote=True)}">{escaped_anchor}</a>'


def link_markups(html: str, source: Source) -> list[str]:
    """The internal links render wrote into ``html`` (to offered URLs only)."""
    if not source.links:
        return []
    urls = "|".join(re.escape(_html.escape(o.url, quote=True)) for o in source.links)
    return re.findall(f'<a href="(?:{urls})">[^<]*</a>', html)
