"""How many tokens a rewrite needs: the answer's ``max_tokens`` from the target length, and whether
the whole conversation fits the model's context. Pure arithmetic on the prompt the product builds.

Figures (shared notes, measured with mistral-common's tokenizers on the seed rewrite): a French
article costs 1.46 (tekken) to 1.97 (v7) tokens a word, plus about 900 tokens of JSON structure;
French prompt text runs about 4 characters a token. We plan with the costlier tokenizer and 3
characters a token, so an estimate errs on the side of room.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Mapping

TOKENS_PER_WORD = 2.0
JSON_TOKENS = 900
MARGIN = 1.25  # on the answer: the model may write longer than asked
CHARS_PER_TOKEN = 3.0
TARGET_FACTOR = 1.2  # the prompt asks for about min_words × 1.2 words
LONG_SOURCE_FACTOR = 3  # a long draft may give an article up to 3 × min_words


def article_words(min_words: int, source_words: int) -> int:
    """The longest article to plan for: the prompt's target, or a long draft's length (bounded)."""
    return max(round(min_words * TARGET_FACTOR), min(source_words, LONG_SOURCE_FACTOR * min_words))


def answer_tokens(min_words: int, source_words: int) -> int:
    """max_tokens for one answer: the article's words in French tokens, the JSON around them, a margin."""
    return math.ceil((article_words(min_words, source_words) * TOKENS_PER_WORD + JSON_TOKENS) * MARGIN)


def shortest_answer(min_words: int) -> int:
    """The fewest tokens an answer that can pass (min_words words) needs."""
    return math.ceil(min_words * TOKENS_PER_WORD + JSON_TOKENS)


def text_tokens(texts: Iterable[str]) -> int:
    return math.ceil(sum(len(t) for t in texts) / CHARS_PER_TOKEN)


@dataclass(frozen=True)
class Plan:
    max_tokens: int  # for each answer
    prompt_tokens: int  # the first call's prompt (estimate)
    conversation_tokens: int  # the largest request: prompt + answers + repair turns + its own answer
    reason: str = ""  # set when the rewrite cannot fit: it fails with this reason before any call

    @property
    def fits(self) -> bool:
        return not self.reason


def plan(messages: Iterable[Mapping[str, str]], *, min_words: int, source_words: int, context: int,
         cap: int | None = None, repairs: int = 1, repair_chars: int = 1200) -> Plan:
    """The answer budget, shrunk to fit ``context`` when it must (never below the shortest answer that
    can pass). A repair resends the conversation (first answer included), so the largest request is the
    last repair's: prompt + (repairs + 1) answers + repairs × the repair turn."""
    prompt = text_tokens(m["content"] for m in messages)
    want = answer_tokens(min_words, source_words)
    if cap:
        want = min(want, cap)
    repair_turn = math.ceil(repair_chars / CHARS_PER_TOKEN)

    def size(answer: int) -> int:
        return prompt + (repairs + 1) * answer + repairs * repair_turn

    if size(want) > context:  # shrink the answers to what the context leaves
        want = max(0, (context - prompt - repairs * repair_turn) // (repairs + 1))
    floor = shortest_answer(min_words)
    if want < floor:
        need = size(floor)
        return Plan(want, prompt, need, f"the rewrite cannot fit the model's context: the prompt is about "
                                        f"{prompt:,} tokens and {repairs + 1} answer(s) of at least {floor:,} "
                                        f"tokens{' with the repair turn' if repairs else ''} need about {need:,}, "
                                        f"more than the {context:,} configured (mistral.models context_tokens; "
                                        f"raise the server's context, e.g. vLLM --max-model-len)")
    return Plan(want, prompt, size(want))
