#!/usr/bin/env python3
"""The context a rewrite needs, for self-hosted servers (README "Self-hosting"): the prompt the product
actually builds (system + user message, from French drafts of N words cut from the fixtures' sources),
each answer's max_tokens (rewrite/budget.py) and the largest request of the conversation (the repair,
which carries the first answer back). Tokens are estimated: prompt characters / 3 (French runs about 4
characters a token: the estimate errs on the side of room) and 2 tokens a word for the article.

    .venv/bin/python scripts/context_needs.py [--min-words 700] [--repairs 1]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from wp_seo_bridge.extract import extract  # noqa: E402
from wp_seo_bridge.rewrite import build_messages  # noqa: E402
from wp_seo_bridge.rewrite.budget import CHARS_PER_TOKEN, plan  # noqa: E402
from wp_seo_bridge.rewrite.rewrite import prompt  # noqa: E402

SOURCES = REPO / "wp_seo_bridge" / "standin" / "fixtures" / "sources"


def french_words() -> list[str]:
    words: list[str] = []
    for name in ("long-fr.txt", "seed-fr.txt", "wire-fr.txt", "injection-fr.txt"):
        words += (SOURCES / name).read_text(encoding="utf-8").split()
    return words


def draft(n: int, pool: list[str]) -> str:
    words = (pool * (n // len(pool) + 1))[:n]
    return "\n\n".join(" ".join(words[i:i + 80]) for i in range(0, n, 80))  # paragraphs of 80 words


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--min-words", type=int, default=700)
    ap.add_argument("--repairs", type=int, default=1)
    args = ap.parse_args()
    pool = french_words()
    print(f"min_words={args.min_words}, repairs={args.repairs}; tokens = characters / {CHARS_PER_TOKEN:g} "
          f"(prompt), 2 a word (article)")
    print(f"{'draft words':>11}  {'prompt chars':>12}  {'prompt tokens':>13}  {'max_tokens':>10}  "
          f"{'first call':>10}  {'with repair':>11}")
    for n in (700, 1500, 3000):
        source = extract(draft(n, pool), "Brouillon de test")
        messages = build_messages(source, min_words=args.min_words,
                                  used_keyphrases=[f"expression {i}" for i in range(20)])
        chars = sum(len(m["content"]) for m in messages)
        p = plan(messages, min_words=args.min_words, source_words=source.words, context=10**9,
                 repairs=args.repairs, repair_chars=len(prompt("repair")) + 400)
        print(f"{source.words:>11,}  {chars:>12,}  {p.prompt_tokens:>13,}  {p.max_tokens:>10,}  "
              f"{p.prompt_tokens + p.max_tokens:>10,}  {p.conversation_tokens:>11,}")


if __name__ == "__main__":
    main()
