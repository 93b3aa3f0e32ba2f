"""Why a draft was skipped or failed, as one of a few fixed codes: the ``reason`` label of the
Prometheus counters (a label must have a small, bounded set of values; the reason's text names post
ids, users and numbers). The text itself stays in the log, the job log and ``status``.

Each outcome carries its code (``Outcome.code``), set where it is made from what caused it: the error
class (``WordPressError.code``, ``MistralError.code``), the selection's decision, the gate's refusal.
The codes are declared twice, checked equal by a unit test: ``model.ReasonCode`` (so mypy and
``Outcome`` refuse an undeclared one) and here, with what each means.
"""
from __future__ import annotations

from ..model import ReasonCode

SKIPPED: dict[ReasonCode, str] = {
    "quiet": "edited within the quiet period: the author is still typing",
    "editing": "open in the editor (the selection saw the lock, or the claim or push met it)",
    "claimed": "another daemon's claim on it has not expired",
    "rejected": "an editor rejected our rewrite",
    "handled": "this version was already handled (our own rewrite, pushed, failed, proposed)",
    "budget": "the daily budget or the pass's max posts was reached",
    "stopping": "the daemon is stopping",
    "mistral_refused": "Mistral refused the key earlier in the pass: queued drafts not started",
    "conflict": "an editor saved it while we worked, or our claim was lost",
}

FAILED: dict[ReasonCode, str] = {
    "checks": "the checks still failed after the repairs",
    "mistral_unavailable": "429 / 5xx / timeout after the gateway's retries",
    "mistral_refused": "Mistral refused the key or the settings (401, 403, no key, bad server URL)",
    "mistral_answer": "Mistral's answer was cut or is not an article (tried again a bounded number of times)",
    "mistral_other": "any other Mistral failure (a rejected request, a batch job that did not answer)",
    "wordpress": "WordPress failed, refused or altered what we sent (site down, kses)",
}

#: Anything not above: an unexpected error, a draft too long or empty.
OTHER: ReasonCode = "other"

CODES = {"skipped": SKIPPED, "failed": FAILED}


def all_codes(result: str) -> list[str]:
    return sorted({*CODES[result], OTHER})
