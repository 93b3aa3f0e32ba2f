"""Claims and concurrency of one pass, beside the story (``pipeline.py``) and below it.

``Gate`` decides, draft by draft in selection order, whether one more may start (max posts, the daily
budget, stopping, a refused key). ``Claimer`` claims the drafts a round per WordPress request, just ahead
of the workers: at most ``max_claimed`` are claimed and unfinished at once, so a claim is taken just
before its draft's turn, never for the whole queue, and outcomes come back in selection order.
It knows nothing of Mistral or the rewrite: the pipeline hands it the work to do on one claimed draft.
"""
from __future__ import annotations

import threading
from collections import deque
from concurrent.futures import Executor, Future
from typing import Callable, Iterator, Protocol, Sequence

from .gateways.wordpress.base import WordPressGateway
from .gateways.wordpress.errors import Conflict, WordPressError
from .model import Draft, DraftSummary, Outcome, ReasonCode, Usage


class Budget(Protocol):
    """Decides whether one more draft may start (the daemon's per-pass and per-day limits)."""

    def try_start(self) -> str | None: ...  # None = go; else why not
    def admit(self, estimate: Usage) -> str | None: ...  # a started draft, once its cost is estimated
    def charge(self, usage: Usage) -> None: ...  # one paid answer, the moment it arrives
    # A started draft ended (``usage``: its new calls; ``admitted``: admit had said yes to it).
    def finish(self, usage: Usage, admitted: bool = False) -> None: ...


class Unlimited:
    def try_start(self) -> str | None:
        return None

    def admit(self, estimate: Usage) -> str | None:
        return None

    def charge(self, usage: Usage) -> None:
        pass

    def finish(self, usage: Usage, admitted: bool = False) -> None:
        pass


class Gate:
    """Decides, draft by draft in order, whether one more may start: not stopping, under the pass's
    max posts and the daily budget, and Mistral has not refused the key."""

    def __init__(self, max_posts: int | None, budget: Budget, stop: Callable[[], bool]):
        self.max_posts, self.budget, self.stop = max_posts, budget, stop
        self.started = self.refused = 0
        self.fatal = ""  # set once Mistral refuses the key: every later draft would fail the same way
        self.first_refusal = ""
        self._lock = threading.Lock()

    def refusal(self) -> tuple[str, ReasonCode] | None:
        """None: this draft may start; else why not, and the reason's code."""
        with self._lock:  # decide and count atomically: never overshoots max_posts
            why: tuple[str, ReasonCode] | None = None
            if self.fatal:
                why = self.fatal, "mistral_refused"
            elif self.stop():
                why = "stopping", "stopping"
            elif self.max_posts is not None and self.started >= self.max_posts:
                why = f"max {self.max_posts} posts per pass reached", "budget"
            elif over := self.budget.try_start():
                why = over, "budget"
            if why:
                self.first_refusal = self.first_refusal or why[0]
                self.refused += 1
                return why
            self.started += 1
            return None

    def halt(self, why: str) -> None:
        with self._lock:
            self.fatal = self.fatal or why

    @property
    def stopped(self) -> str:
        return self.fatal or self.first_refusal


def not_claimed(wp: WordPressGateway, summary: DraftSummary, error: WordPressError, model: str) -> Outcome:
    """A draft whose claim WordPress refused (another daemon holds it: a skip) or could not make (a failure)."""
    result, why = ("skipped", f"not claimed: {error}") if isinstance(error, Conflict) else ("failed", str(error))
    return Outcome(wp.site, summary.post_id, result, why, summary.content_hash, model=model, attempted=True,
                   code=error.code)


class Claimer:
    """Claims drafts for one daemon, ``batch`` per WordPress request, and runs the work on each."""

    def __init__(self, wp: WordPressGateway, *, daemon_id: str, ttl_s: int, batch: int, model: str):
        self.wp, self.daemon_id, self.ttl_s, self.model = wp, daemon_id, ttl_s, model
        self.batch = max(1, batch)

    def rounds(self, todo: Sequence[DraftSummary]) -> Iterator[Sequence[DraftSummary]]:
        for start in range(0, len(todo), self.batch):
            yield todo[start:start + self.batch]

    def claim(self, chosen: Sequence[DraftSummary]) -> list[Draft | WordPressError]:
        """One round: one request; a request that failed failed each claim in it."""
        if not chosen:
            return []
        try:
            return self.wp.claim_many(list(chosen), self.daemon_id, self.ttl_s)
        except WordPressError as e:
            return [e] * len(chosen)

    def run(self, todo: Sequence[DraftSummary], gate: Gate, work: Callable[[Draft], Outcome], *,
            refused: Callable[[Outcome], Outcome], executor: Executor | None = None,
            max_claimed: int | None = None) -> Iterator[Outcome]:
        """Claims ``todo`` round by round while ``gate`` lets drafts start, runs ``work`` on each claimed
        draft (on ``executor`` when given) and yields every outcome in selection order, as soon as the
        ones before it are known. ``work`` must not raise, and records its draft's outcome itself (on its
        thread, the moment it is known); ``refused`` records a claim WordPress refused. Drafts the gate
        refuses are not attempts: their outcomes are only yielded."""
        room = threading.Semaphore(max(max_claimed or self.batch, self.batch))
        pending: deque[Outcome | Future] = deque()  # in selection order, yielded in that order

        def finish(draft: Draft) -> Outcome:
            try:
                return work(draft)
            finally:
                room.release()

        for chunk in self.rounds(todo):
            chosen: list[DraftSummary] = []
            for summary in chunk:
                room.acquire()  # waits while max_claimed drafts are claimed and unfinished
                if refusal := gate.refusal():
                    room.release()
                    pending.append(Outcome(self.wp.site, summary.post_id, "skipped", refusal[0], summary.content_hash,
                                           code=refusal[1]))
                else:
                    chosen.append(summary)
            for summary, claimed in zip(chosen, self.claim(chosen)):
                if isinstance(claimed, Draft):
                    pending.append(executor.submit(finish, claimed) if executor else finish(claimed))
                    continue
                room.release()
                pending.append(refused(not_claimed(self.wp, summary, claimed, self.model)))
            while pending and (isinstance(pending[0], Outcome) or pending[0].done()):
                yield _result(pending.popleft())
        while pending:
            yield _result(pending.popleft())


def _result(item: Outcome | Future) -> Outcome:
    return item if isinstance(item, Outcome) else item.result()
