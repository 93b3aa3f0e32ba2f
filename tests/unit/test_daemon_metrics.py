"""Metrics, the worker pool's queue gauge, the /healthz and /metrics endpoint, the progress line."""
from __future__ import annotations

import io
import json
import threading
import urllib.error
import urllib.request

import pytest

from wp_seo_bridge.daemon.metrics import MeteredExecutor, Metrics, StatusServer, parse_listen
from wp_seo_bridge.daemon.progress import Progress
from wp_seo_bridge.daemon.reasons import all_codes
from wp_seo_bridge.model import Outcome, Usage


def test_outcomes_and_paid_answers_feed_counters():
    m = Metrics()
    m.outcome(Outcome("blog", "1", "rewritten", usage=Usage(1, 100, 900, 0.01)))
    m.outcome(Outcome("blog", "2", "failed", "x", usage=Usage(1, 50, 0, 0.001), code="other"))
    m.paid(Usage(1, 100, 900, 0.01))
    m.paid(Usage(1, 50, 0, 0.001))
    m.paid(Usage(1, 40, 60, 0.5, standin=1))  # the offline stand-in's answer: counted, never as euros
    text = m.render().decode()
    assert 'wpsb_posts_total{result="rewritten",site="blog"} 1.0' in text
    assert 'wpsb_posts_total{result="failed",site="blog"} 1.0' in text
    assert 'wpsb_mistral_tokens_total{direction="in"} 190.0' in text
    assert "wpsb_mistral_cost_eur_total 0.011" in text
    assert 'wpsb_mistral_calls_total{source="mistral"} 2.0' in text
    assert 'wpsb_mistral_calls_total{source="standin"} 1.0' in text


@pytest.mark.parametrize("result,code", [(r, c) for r in ("skipped", "failed") for c in all_codes(r)])
def test_skips_and_failures_are_counted_by_their_bounded_reason_code(result, code):
    m = Metrics()
    m.outcome(Outcome("blog", "1", result, "post 1's own words", code=code))
    m.outcome(Outcome("blog", "2", result, "other words for post 2", code=code))
    assert f'wpsb_drafts_{result}_total{{reason="{code}",site="blog"}} 2.0' in m.render().decode()


def test_queue_depth_counts_submitted_until_finished():
    m = Metrics()
    gate = threading.Event()
    with MeteredExecutor(2, m.queue) as pool:
        futures = [pool.submit(gate.wait, 5) for _ in range(5)]
        assert pool.depth == 5 and m.queue._value.get() == 5
        gate.set()
        for f in futures:
            f.result()
    assert pool.depth == 0 and m.queue._value.get() == 0


def test_status_server_serves_health_and_metrics():
    m = Metrics()
    m.outcome(Outcome("blog", "1", "skipped", "not claimed", code="conflict"))
    healthy = [True]
    srv = StatusServer("127.0.0.1:0", m, lambda: (healthy[0], {"daemon_id": "d1"})).start()
    try:
        base = f"http://{srv.address}"
        with urllib.request.urlopen(base + "/healthz", timeout=5) as r:
            assert r.status == 200 and json.loads(r.read()) == {"ok": True, "daemon_id": "d1"}
        with urllib.request.urlopen(base + "/metrics", timeout=5) as r:
            assert 'wpsb_posts_total{result="skipped",site="blog"} 1.0' in r.read().decode()
        healthy[0] = False
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(base + "/healthz", timeout=5)
        assert e.value.code == 503
    finally:
        srv.stop()


@pytest.mark.parametrize("value,expected", [("127.0.0.1:9464", ("127.0.0.1", 9464)), (":9464", ("127.0.0.1", 9464)),
                                            ("[::1]:80", ("::1", 80))])
def test_parse_listen(value, expected):
    assert parse_listen(value) == expected


@pytest.mark.parametrize("value", ["9464", "host:", "h:70000", "h:x"])
def test_parse_listen_refuses(value):
    with pytest.raises(ValueError, match="HOST:PORT"):
        parse_listen(value)


def test_progress_is_silent_off_a_terminal():
    out = io.StringIO()
    with Progress("blog", out) as p:
        p.advance()
        p.clear()
    assert out.getvalue() == ""


def test_progress_draws_and_clears_its_line_on_a_terminal():
    out = io.StringIO()
    with Progress("blog", out, enabled=True, tick_s=60) as p:
        p.advance()
        p.advance()
        assert "blog: 2 drafts done" in out.getvalue().rsplit("\r", 1)[-1]
    assert out.getvalue().endswith("\r\x1b[K")  # the last thing written erases the line
