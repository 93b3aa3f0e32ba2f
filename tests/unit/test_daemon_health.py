"""/healthz says ok only when the daemon can do its job (issue 11): per site the last pass's outcome
and age, and the budget. Real gateways against local servers (a closed port, a hostile XML-RPC server),
the real SDK against the stand-in."""
from __future__ import annotations

import time
import xmlrpc.client
from contextlib import contextmanager
from typing import Iterator

import pytest

from wp_seo_bridge.config import parse
from wp_seo_bridge.daemon.joblog import JobLog
from wp_seo_bridge.daemon.scheduler import STALE_GRACE_S, STALE_PERIODS, Daemon
from wp_seo_bridge.model import Outcome, PaidAnswer, PromptInputs, Usage


@pytest.fixture(autouse=True)
def _env(monkeypatch, standin):
    monkeypatch.setenv("WPSB_HEALTH_PW", "pw")
    monkeypatch.setenv("MISTRAL_API_KEY", "k")
    monkeypatch.setenv("MISTRAL_SERVER_URL", standin.url)


def daemon(tmp_path, url: str, **daemon_cfg) -> Daemon:
    cfg = parse({"sites": [{"name": "blog", "url": url, "user": "bot", "password_env": "WPSB_HEALTH_PW",
                            "interval_minutes": 10, "timeout_s": 2}],
                 "daemon": {"state_dir": str(tmp_path), **daemon_cfg}})
    return Daemon(cfg, daemon_id="d1")


def wait_for_pass(d: Daemon, timeout: float = 15) -> None:
    end = time.monotonic() + timeout
    while not d.sites["blog"].last_end:
        assert time.monotonic() < end, "no pass ended"
        time.sleep(0.05)


@contextmanager
def after_a_pass(d: Daemon) -> Iterator[Daemon]:
    """The daemon started, once its first pass has ended; stopped and closed afterwards."""
    d.start()
    try:
        wait_for_pass(d)
        yield d
    finally:
        d.stop()
        d.close()


def switched_off_site(hostile):
    """A site whose admin switched the sync off: every pass ends at once, normally."""
    def behaviour(h):
        method = xmlrpc.client.loads(h.server.owner.requests[-1].body)[1]
        value = ["seobridge.info"] if method == "mt.supportedMethods" else {"version": "0.3.0", "sync_enabled": False}
        h.reply(200, xmlrpc.client.dumps((value,), methodresponse=True).encode(), {"Content-Type": "text/xml"})

    hostile.answer(behaviour)
    return hostile.url


def test_a_failing_pass_makes_the_daemon_unhealthy_with_the_reason(tmp_path):
    with after_a_pass(daemon(tmp_path, "http://127.0.0.1:9")) as d:  # nothing listens: every pass fails
        ok, info = d.health()
    assert not ok and info["sites"]["blog"]["last_pass"] == "error"
    assert any(r.startswith("blog: last pass failed:") and "cannot connect" in r for r in info["reasons"])


def test_healthy_after_a_normal_pass_then_stale_when_passes_stop_ending(tmp_path, hostile):
    with after_a_pass(daemon(tmp_path, switched_off_site(hostile))) as d:
        ok, info = d.health()
        assert ok and info["reasons"] == [] and info["sites"]["blog"]["last_pass"] == "stopped"
        later = d.sites["blog"].last_end + STALE_PERIODS * 600 + STALE_GRACE_S + 1
        ok, info = d.health(now=later)
    assert not ok and "blog: no pass has ended for" in info["reasons"][0]
    assert info["sites"]["blog"]["stale_after_s"] == STALE_PERIODS * 600 + STALE_GRACE_S


def test_a_spent_budget_makes_the_daemon_unhealthy(tmp_path, hostile):
    log = JobLog.in_state_dir(tmp_path)
    log.paid(("blog", "1", "h"), PromptInputs(700), PaidAnswer(0, "{}", Usage(1, 600, 600, 0.5)))  # the ledger
    log.record(Outcome("blog", "1", "rewritten", "", "h", usage=Usage(1, 600, 600, 0.5), model="m"))
    log.close()
    with after_a_pass(daemon(tmp_path, switched_off_site(hostile), max_tokens_per_day=1000)) as d:
        ok, info = d.health()
    assert not ok and info["reasons"][0].startswith("daily token budget spent (1,200 of 1,000)")


def test_a_stopping_daemon_is_unhealthy(tmp_path, hostile):
    d = daemon(tmp_path, switched_off_site(hostile))
    d.start()
    wait_for_pass(d)
    d.stop()
    ok, info = d.health()
    d.close()
    assert not ok and info["reasons"] == ["the daemon is stopping"]
