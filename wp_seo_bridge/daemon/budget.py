"""The daily budget: tokens and euros per calendar day (the machine's local time), shared by all
sites. Today's spending is read back from the job log when the day starts, so a restart does not
reset it.

With several drafts in flight, a draft that starts while the budget still has room may finish
above it; to keep that overshoot small, other drafts are counted at the average cost of today's
drafts so far (before the first one, at ``first_estimate``: one full answer). At the gate
(``try_start``) every started draft counts; at ``admit`` only the drafts admitted and not finished:
one claimed and still queued has paid nothing and will pass ``admit`` itself, after seeing the
charges of those before it (counting it made a draft's admission depend on thread timing).
"""
from __future__ import annotations

import threading
from datetime import datetime
from datetime import time as dtime
from typing import Callable, Protocol

from ..model import Usage


class SpendSource(Protocol):
    def spent_since(self, epoch: float) -> tuple[int, float, int]: ...  # tokens, euros, drafts


def local_midnight(now: datetime) -> datetime:
    return datetime.combine(now.date(), dtime(0), now.tzinfo)


class DailyBudget:
    """Implements ``claims.Budget`` (``try_start`` / ``charge`` / ``finish``). Thread-safe."""

    def __init__(self, source: SpendSource, *, max_tokens: int, max_eur: float,
                 first_estimate: tuple[int, float] = (0, 0.0),
                 now: Callable[[], datetime] = lambda: datetime.now().astimezone()):
        self.source = source
        self.first_estimate = first_estimate
        self.max_tokens = max_tokens
        self.max_eur = max_eur
        self._now = now
        self._lock = threading.Lock()
        self._day: datetime | None = None
        self.tokens = 0
        self.eur = 0.0
        self.drafts = 0  # drafts that spent something today (for the in-flight estimate)
        self.in_flight = 0  # started (try_start) and not finished
        self.admitted = 0  # admitted (admit said yes) and not finished: may be paying right now

    def _roll(self) -> None:
        day = local_midnight(self._now())
        if day != self._day:
            self._day = day
            self.tokens, self.eur, self.drafts = self.source.spent_since(day.timestamp())

    def try_start(self) -> str | None:
        with self._lock:
            self._roll()
            if self.drafts:
                avg_tokens, avg_eur = self.tokens / self.drafts, self.eur / self.drafts
            else:
                avg_tokens, avg_eur = self.first_estimate
            tokens = self.tokens + self.in_flight * avg_tokens
            eur = self.eur + self.in_flight * avg_eur
            pending = f" + {self.in_flight} draft(s) in flight" if self.in_flight else ""
            if tokens >= self.max_tokens:
                return (f"daily token budget reached ({self.tokens:,} tokens used today{pending}, limit "
                        f"{self.max_tokens:,}: daemon.max_tokens_per_day); new drafts wait until tomorrow")
            if eur >= self.max_eur:
                return (f"daily cost budget reached ({self.eur:.2f} EUR spent today{pending}, limit "
                        f"{self.max_eur:.2f}: daemon.max_eur_per_day); new drafts wait until tomorrow")
            self.in_flight += 1
            return None

    def admit(self, estimate: Usage) -> str | None:
        """A started draft whose worst-case cost is now known: refused when that cost, on top of today's
        spending and the other admitted drafts not finished yet, would pass a limit. One draft never
        overshoots the day. A yes admits it: the caller then ends it with ``finish(usage, admitted=True)``."""
        with self._lock:
            self._roll()
            others = self.admitted
            avg_tokens, avg_eur = ((self.tokens / self.drafts, self.eur / self.drafts) if self.drafts
                                   else self.first_estimate)
            tokens = self.tokens + others * avg_tokens + estimate.tokens_in + estimate.tokens_out
            eur = self.eur + others * avg_eur + estimate.cost_eur
            size = f"this draft may cost up to {estimate.tokens_in + estimate.tokens_out:,} tokens"
            if tokens > self.max_tokens:
                return (f"{size} and {self.tokens:,} were used today: over daemon.max_tokens_per_day "
                        f"({self.max_tokens:,}); it waits for a day with room")
            if eur > self.max_eur:
                return (f"{size} ({estimate.cost_eur:.2f} EUR) and {self.eur:.2f} EUR were spent today: over "
                        f"daemon.max_eur_per_day ({self.max_eur:.2f}); it waits for a day with room")
            self.admitted += 1
            return None

    def charge(self, usage: Usage) -> None:
        """One paid answer, counted the moment it arrives (a try cut short still counts)."""
        with self._lock:
            self._roll()
            self.tokens += usage.tokens_in + usage.tokens_out
            self.eur = round(self.eur + usage.cost_eur, 6)

    def finish(self, usage: Usage, admitted: bool = False) -> None:
        """A started draft ended; ``usage`` (already charged) says whether it paid for anything,
        ``admitted`` whether ``admit`` had let it go on."""
        with self._lock:
            self._roll()
            self.in_flight = max(0, self.in_flight - 1)
            if admitted:
                self.admitted = max(0, self.admitted - 1)
            if usage.calls:
                self.drafts += 1

    def spend(self, usage: Usage) -> None:
        """charge + finish: one draft and all its answers at once."""
        self.charge(usage)
        self.finish(usage)

    def snapshot(self) -> dict:
        with self._lock:
            self._roll()
            return {"day": self._day.date().isoformat() if self._day else "", "tokens": self.tokens,
                    "eur": self.eur, "max_tokens": self.max_tokens, "max_eur": self.max_eur,
                    "in_flight": self.in_flight, "admitted": self.admitted}
