"""One rate limiter per Mistral key, shared by every site and worker thread.

At most ``max_in_flight`` HTTP exchanges with Mistral at once (``daemon.concurrency``), and two
token buckets: requests per second and tokens per minute. The worker pool is larger than
``max_in_flight``, so a draft's WordPress round trips and checks overlap with other drafts'
Mistral calls instead of leaving a Mistral slot idle. A caller *reserves* at once (the
bucket may go negative) and then sleeps off its debt outside the lock, so waiting threads are
served in arrival order and nobody spins. The token cost is an estimate (prompt + max_tokens);
``after_call`` refunds the difference once Mistral reports the real usage.
"""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator

from ..model import Usage


class TokenBucket:
    """``rate`` units per second, at most ``capacity`` saved up. Not locked: the limiter locks."""

    def __init__(self, rate: float, capacity: float, now: float):
        if rate <= 0 or capacity <= 0:
            raise ValueError("rate and capacity must be positive")
        self.rate = rate
        self.capacity = capacity
        self.level = capacity
        self.stamp = now

    def _refill(self, now: float) -> None:
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
        self.stamp = now

    def reserve(self, amount: float, now: float) -> float:
        """Takes ``amount`` (capped to the capacity, or a large call could never pass) and returns
        how long the caller must wait before using it."""
        self._refill(now)
        self.level -= min(amount, self.capacity)
        return max(0.0, -self.level / self.rate)

    def refund(self, amount: float, now: float) -> None:
        self._refill(now)
        self.level = min(self.capacity, self.level + amount)


class RateLimiter:
    """Implements the Mistral gateway's ``Limiter`` protocol (``before_call`` / ``in_flight`` /
    ``after_call``).

    ``observe(seconds)``, if given, receives each HTTP exchange's latency (from sending to the
    end of the answer): the metrics' Mistral latency histogram.
    """

    def __init__(self, requests_per_second: float, tokens_per_minute: float, *, max_in_flight: int | None = None,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                 observe: Callable[[float], None] | None = None):
        now = clock()
        self.max_in_flight = max_in_flight
        self._slots = threading.BoundedSemaphore(max_in_flight) if max_in_flight else None
        # A burst of one second's worth of requests (at least one), a minute's worth of tokens.
        self.requests = TokenBucket(requests_per_second, max(1.0, requests_per_second), now)
        self.tokens = TokenBucket(tokens_per_minute / 60.0, float(tokens_per_minute), now)
        self._clock = clock
        self._sleep = sleep
        self._observe = observe
        self._lock = threading.Lock()
        self._local = threading.local()  # the gateway calls before/after on the same thread
        self.waited_s = 0.0  # total time callers spent waiting on the buckets (benchmarks, tests)

    def before_call(self, estimated_tokens: int) -> None:
        estimate = max(0, int(estimated_tokens))
        with self._lock:
            now = self._clock()
            wait = max(self.requests.reserve(1, now), self.tokens.reserve(estimate, now))
            self.waited_s += wait
        if wait > 0:
            self._sleep(wait)
        self._local.reserved = min(estimate, self.tokens.capacity)

    @contextmanager
    def in_flight(self, timeout: float | None = None) -> Iterator[None]:
        """One of the ``max_in_flight`` places, held for exactly one HTTP exchange: the gateway's
        HTTP client takes it around sending and reading. Not around the whole SDK call, since
        building the request and validating the answer are local CPU work, and a place held
        through them is a Mistral slot left idle. Raises TimeoutError after ``timeout`` seconds."""
        if self._slots is not None and not self._slots.acquire(timeout=timeout):
            raise TimeoutError(f"all {self.max_in_flight} Mistral slots stayed busy for {timeout:g} s")
        started = self._clock()
        try:
            yield
        finally:
            if self._slots is not None:
                self._slots.release()
            if self._observe:
                self._observe(max(0.0, self._clock() - started))

    def after_call(self, usage: Usage) -> None:
        reserved = getattr(self._local, "reserved", 0)
        self._local.reserved = 0
        used = usage.tokens_in + usage.tokens_out
        with self._lock:
            now = self._clock()
            if reserved > used:
                self.tokens.refund(reserved - used, now)
            elif used > reserved:  # the estimate was short: the debt is paid by later callers
                self.tokens.level -= used - reserved
