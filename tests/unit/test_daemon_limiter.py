"""The shared Mistral rate limiter: token buckets under a fake clock (no real waiting)."""
from __future__ import annotations

import threading

import pytest

from wp_seo_bridge.daemon.limiter import RateLimiter, TokenBucket
from wp_seo_bridge.model import Usage


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []
        self.lock = threading.Lock()

    def clock(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:  # records the wait; the clock is moved by the test
        with self.lock:
            self.slept.append(s)


def limiter(rps: float, tpm: float, t: FakeTime, **kw) -> RateLimiter:
    return RateLimiter(rps, tpm, clock=t.clock, sleep=t.sleep, **kw)


def test_requests_per_second_allow_a_one_second_burst_then_space_calls():
    t = FakeTime()
    lim = limiter(2, 1_000_000, t)
    for _ in range(4):
        lim.before_call(10)
        lim.after_call(Usage(1, 5, 5))
    assert t.slept == [0.5, 1.0]  # two free (the burst), then one every 0.5 s, queued behind each other


def test_the_bucket_refills_with_time():
    t = FakeTime()
    lim = limiter(1, 1_000_000, t)
    lim.before_call(0)
    t.now = 0.4
    lim.before_call(0)
    assert t.slept == [pytest.approx(0.6)]
    t.now = 10.0  # long idle: back to a full (one-call) burst, not ten saved-up calls
    lim.before_call(0)
    lim.before_call(0)
    assert t.slept[1:] == [pytest.approx(1.0)]


def test_tokens_per_minute_wait_for_the_estimate_and_refund_the_difference():
    t = FakeTime()
    lim = limiter(100, 600, t)  # 10 tokens per second, 600 saved up
    lim.before_call(400)
    lim.after_call(Usage(1, 50, 50))  # used 100 of the 400 reserved: 300 come back
    lim.before_call(400)
    assert t.slept == []
    lim.before_call(400)  # 600 - 100 - 400 = 100 left, 300 short: 30 s
    assert t.slept == [pytest.approx(30.0)]


def test_an_estimate_larger_than_a_minute_of_tokens_still_passes():
    t = FakeTime()
    lim = limiter(100, 600, t)
    lim.before_call(10_000)  # capped to the capacity, or it could never run
    assert t.slept == []
    lim.before_call(10)
    assert t.slept == [pytest.approx(1.0)]


def test_usage_above_the_estimate_is_charged_to_later_calls():
    t = FakeTime()
    lim = limiter(100, 600, t)
    lim.before_call(100)
    lim.after_call(Usage(1, 300, 300))  # 500 more than reserved: the bucket is at 0
    lim.before_call(50)
    assert t.slept == [pytest.approx(5.0)]


def test_failed_calls_refund_their_whole_estimate():
    t = FakeTime()
    lim = limiter(100, 600, t)
    for _ in range(5):
        lim.before_call(500)
        lim.after_call(Usage())  # a 429 or a timeout: no tokens used
    assert t.slept == []


def test_threads_share_one_allowance_in_arrival_order():
    t = FakeTime()
    lim = limiter(10, 1_000_000, t)
    barrier = threading.Barrier(50)

    def call():
        barrier.wait()
        lim.before_call(1)

    threads = [threading.Thread(target=call) for _ in range(50)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    # Ten free, then each later caller 0.1 s behind the previous one: no two share a slot.
    assert sorted(round(s, 6) for s in t.slept) == [round(0.1 * k, 6) for k in range(1, 41)]
    assert lim.waited_s == pytest.approx(sum(0.1 * k for k in range(1, 41)))


def test_latency_is_observed_over_the_http_exchange_only():
    t = FakeTime()
    seen: list[float] = []
    lim = limiter(1, 1_000_000, t, observe=seen.append, max_in_flight=1)
    lim.before_call(0)
    t.now = 1.0  # building the request: not latency
    with lim.in_flight():
        t.now = 3.5
    t.now = 4.0  # validating the answer: not latency either
    lim.after_call(Usage(1, 1, 1))
    assert seen == [2.5]


def test_bucket_rejects_nonsense():
    with pytest.raises(ValueError):
        TokenBucket(0, 1, 0.0)


def test_at_most_max_in_flight_calls_at_once():
    lim = RateLimiter(1000, 10**9, max_in_flight=2)
    inside, peak, lock = [0], [0], threading.Lock()
    go = threading.Barrier(6)

    def call():
        go.wait()
        lim.before_call(1)
        with lim.in_flight():
            with lock:
                inside[0] += 1
                peak[0] = max(peak[0], inside[0])
            threading.Event().wait(0.02)
            with lock:
                inside[0] -= 1
        lim.after_call(Usage(1, 1, 0))

    threads = [threading.Thread(target=call) for _ in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(5)
    assert peak[0] == 2


def test_a_place_is_given_back_when_the_exchange_fails_and_waiting_is_bounded():
    lim = RateLimiter(1000, 10**9, max_in_flight=1)
    with pytest.raises(OSError):
        with lim.in_flight():
            raise OSError("connection reset")
    with lim.in_flight(timeout=0.01):  # the failed exchange gave its place back
        with pytest.raises(TimeoutError, match="all 1 Mistral slots stayed busy for 0.01 s"):
            with lim.in_flight(timeout=0.01):
                pass
