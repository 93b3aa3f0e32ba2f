"""The tokens an article uses for the source's protected elements (``[[KEEP-n]]``, ``[[LINK-n]]``).

Read by check (is every element used once?) and by render (where does each go?): one floor below both.
"""
from __future__ import annotations

import re

from ..model import Article, Block, Source

TOKEN = re.compile(r"\[\[\s*(KEEP|LINK)-(\d+)\s*\]\]", re.I)


def canonical_token(kind: str, number: str) -> str:
    return f"{kind.upper()}-{int(number)}"


def article_texts(article: Article) -> list[str]:
    """Every piece of model text of the article, in order (keep refs included)."""
    texts: list[str] = []
    blocks = list(article.intro)
    for section in article.sections:
        texts.append(section.heading)
        blocks.extend(section.blocks)
    for b in blocks:
        if b.type == "keep":  # only a keep block's ref means something ("ref" exists on every block)
            texts.append(f"[[{b.ref.strip().strip('[]').strip()}]]" if b.ref.strip() else "")
        else:
            texts.extend(block_texts(b))
    return texts


def block_texts(b: Block) -> list[str]:
    """The fields of a block that get rendered (the schema is flat: other fields are ignored)."""
    if b.type == "paragraph":
        return [b.text]
    if b.type == "list":
        return list(b.items)
    if b.type == "quote":
        return [b.text, b.cite]
    return []


def referenced_tokens(article: Article) -> list[str]:
    """Tokens the article uses, once per use, canonical spelling ("KEEP-3")."""
    return [canonical_token(m.group(1), m.group(2)) for t in article_texts(article) for m in TOKEN.finditer(t)]


def missing_tokens(article: Article, source: Source) -> list[str]:
    used = set(referenced_tokens(article))
    return [t for t in source.protected if t not in used]
