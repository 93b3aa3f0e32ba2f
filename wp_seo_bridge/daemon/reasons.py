"""Why a draft was skipped or failed, as one of a few fixed codes: the ``reason`` label of the
Prometheus counters (a label must have a small, bounded set of values; the reason's text names post
ids, users and numbers). The text itself stays in the log, the job log and ``status``.

The first pattern that matches wins; anything new falls into ``other`` until it gets its row here.
"""
from __future__ import annotations

import re

from ..model import Outcome

SKIPPED: tuple[tuple[str, str], ...] = (
    (r"^edited .* ago; waiting", "quiet"),  # selection: the author is still typing
    (r"open in the editor", "editing"),  # selection, or the claim found the editor's lock
    (r"^being rewritten by|claimed by another daemon", "claimed"),
    (r"^rejected by an editor", "rejected"),
    (r"^this (is our own rewrite|version was already)", "handled"),  # nothing new to do
    (r"budget reached|posts per pass reached", "budget"),
    (r"stop", "stopping"),
    (r"^Mistral refused", "mistral_refused"),
    (r"^not (claimed|pushed)|changed", "conflict"),  # an editor saved it while we worked
)

FAILED: tuple[tuple[str, str], ...] = (
    (r"^checks still failing", "checks"),
    (r"retried next pass", "mistral_unavailable"),  # 429 / 5xx / timeout after retries
    (r"Mistral (refused|denied)|MISTRAL_|API key", "mistral_refused"),
    (r"answer was cut|not valid JSON|does not fit the article schema|cannot read", "mistral_answer"),
    (r"Mistral", "mistral_other"),
    (r"WordPress|wp-json|xmlrpc\.php|^post \d+:", "wordpress"),
)

CODES = {"skipped": SKIPPED, "failed": FAILED}
_COMPILED = {k: tuple((re.compile(rx, re.I), code) for rx, code in rows) for k, rows in CODES.items()}


def reason_code(o: Outcome) -> str:
    """``o``'s reason as a code of :data:`SKIPPED` / :data:`FAILED`, or ``other``; '' when rewritten."""
    for rx, code in _COMPILED.get(o.result, ()):
        if rx.search(o.reason):
            return code
    return "other" if o.result in _COMPILED else ""


def all_codes(result: str) -> list[str]:
    return sorted({code for _, code in CODES[result]} | {"other"})
