"""The corpus of real drafts (tests/fixtures/drafts: Markdown, Markdown mixed with HTML, plain text,
Gutenberg, classic HTML with shortcodes, a Word paste), plus a 6,000-word draft and a 10,000-level nesting."""
from __future__ import annotations

from pathlib import Path

DRAFTS = Path(__file__).resolve().parents[1] / "fixtures" / "drafts"


def corpus() -> dict[str, str]:
    drafts = {f.stem: f.read_text(encoding="utf-8") for f in sorted(DRAFTS.iterdir())
              if f.suffix in (".md", ".txt", ".html")}
    # A 6,000-word draft: the plain-text and Markdown drafts' paragraphs, one after the other, under headings.
    parts, words, i = [], 0, 0
    texts = [drafts[k] for k in sorted(drafts) if k.startswith(("01", "02", "04", "05"))]
    while words < 6000:
        chunk = texts[i % len(texts)].replace("# ", "## ", 1)
        parts.append(f"## Partie {i + 1}\n\n{chunk}")
        words += len(chunk.split())
        i += 1
    drafts["11-long-6000"] = "\n\n".join(parts)
    # A 10,000-level nesting around a classic draft (its links, image and embed line included).
    drafts["12-nested-10000"] = "<div>" * 10_000 + drafts["07-classic-caption"] + "</div>" * 10_000
    return drafts
