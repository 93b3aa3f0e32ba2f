"""HTML safety: model-written markup is sanitised with nh3; only protected source elements may
carry iframes, scripts or arbitrary attributes (they are the author's own, kept verbatim).
"""
from __future__ import annotations

import re

import nh3

# The markup our renderer writes around model text (and a link's own tag, allowed by its token).
SAFE_TAGS = {"p", "h2", "h3", "ul", "ol", "li", "blockquote", "cite", "figure", "div", "br"}
# class: the block editor's own (wp-block-quote, wp-block-heading from 6.2, wp-block-list from 6.6).
SAFE_ATTRIBUTES = {t: {"class"} for t in ("blockquote", "figure", "div", "h2", "h3", "ul", "ol")}
_DANGEROUS = re.compile(r"<\s*(script|style|iframe|object|embed|form|input|svg|math|link|meta|base|frame)\b"
                        r"|\son\w+\s*=|javascript\s*:|vbscript\s*:|data\s*:\s*text/html", re.I)


def sanitize(html: str) -> str:
    """Our allowed subset of HTML; everything else is dropped (comments, i.e. block delimiters, kept)."""
    return nh3.clean(html, tags=SAFE_TAGS, attributes=SAFE_ATTRIBUTES, strip_comments=False, link_rel=None,
                     clean_content_tags={"script", "style"}, url_schemes={"http", "https", "mailto"})


_START_TAG = re.compile(r"<([a-zA-Z][\w:-]*)((?:\s+[^\s/>=]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*/?>")
_ATTR_NAME = re.compile(r"([^\s/>=]+)(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?")


def _tags(html: str) -> list[tuple[str, tuple[str, ...]]]:
    """(tag, sorted attribute names) of every start tag."""
    return [(m.group(1).lower(), tuple(sorted(a.lower() for a in _ATTR_NAME.findall(m.group(2)))))
            for m in _START_TAG.finditer(html)]


def unsafe_markup(html: str, protected: list[str]) -> list[str]:
    """What sanitising would remove from the parts of ``html`` that are not protected elements."""
    rest = html
    for markup in sorted(protected, key=len, reverse=True):
        rest = rest.replace(markup, " ")
    problems = [m.group(0).strip() for m in _DANGEROUS.finditer(rest)]
    tags = _tags(rest)
    if not problems and all(t in SAFE_TAGS and set(a) <= SAFE_ATTRIBUTES.get(t, set()) for t, a in tags):
        return []  # only our own markup: nothing for the sanitiser to remove
    clean = _tags(sanitize(rest))
    for tag, attrs in tags:
        if (tag, attrs) in clean:
            clean.remove((tag, attrs))
        else:
            problems.append(f"<{tag}{''.join(' ' + a for a in attrs)}>")
    return list(dict.fromkeys(problems))
