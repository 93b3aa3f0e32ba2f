"""The ledger's write-ahead record: a row committed before each Mistral request, closed with its answer's
row or when it got no answer; a row a dead process left open is a request cut short (billed or not,
unknown), counted by the daily budget at its worst case and shown apart from paid calls."""
from __future__ import annotations

import sqlite3
from datetime import datetime

import pytest

from tests.support.standin import ARTICLE, MESSAGES, gateway
from wp_seo_bridge.daemon.budget import DailyBudget
from wp_seo_bridge.daemon.joblog import JobLog
from wp_seo_bridge.gateways.mistral import ServerError, Timeout
from wp_seo_bridge.model import PaidAnswer, PromptInputs, Usage

V = ("s", "7", "h7")
EST = Usage(1, 1000, 4000, 0.026)


def open_rows(path) -> list[tuple]:
    with sqlite3.connect(path) as c:
        return c.execute("SELECT state, step, tokens_in, tokens_out FROM requests ORDER BY id").fetchall()


def test_the_answer_closes_its_request_in_the_same_transaction(tmp_path):
    log = JobLog.in_state_dir(tmp_path)
    log.sending(V, 0, EST, daemon_id="d")
    assert open_rows(log.path) == [("open", 0, 1000, 4000)]  # committed before the request leaves
    log.paid(V, PromptInputs(700), PaidAnswer(0, "{}", Usage(1, 300, 2000, 0.01)))
    assert open_rows(log.path) == [] and log.calls_since().calls == 1
    assert log.cut_short_since() == Usage()


def test_no_answer_closes_it_unbilled_or_cut_short(tmp_path):
    log = JobLog.in_state_dir(tmp_path)
    log.sending(V, 0, EST)
    log.unanswered(V, maybe_billed=False)  # an HTTP 503: nothing generated
    assert open_rows(log.path) == []
    log.sending(V, 0, EST)
    log.unanswered(V, maybe_billed=True)  # a read timeout: Mistral may have generated it
    assert [r[0] for r in open_rows(log.path)] == ["cut short"]
    assert log.cut_short_since() == EST and log.calls_since().calls == 0
    assert log.spent_since(0)[:2] == (5000, 0.026)  # the budget counts it at its worst case


def test_a_request_a_dead_process_left_open_is_cut_short_and_counted_by_the_next_start(tmp_path):
    killed = JobLog.in_state_dir(tmp_path)
    killed.sending(V, 0, EST)
    killed.paid(V, PromptInputs(700), PaidAnswer(0, "{}", Usage(1, 300, 2000, 0.01)))
    killed.sending(V, 1, EST)  # the repair's request, in flight when the process died
    # (no close(): a kill -9 does not close anything)
    status = JobLog.in_state_dir(tmp_path)  # `status` reading meanwhile: an open row is in flight, not cut short
    assert status.cut_short_since() == Usage()
    status.close()

    restarted = JobLog.in_state_dir(tmp_path)
    assert restarted.cut_short_orphans() == EST
    assert restarted.cut_short_orphans() == Usage()  # once
    assert open_rows(restarted.path) == [("cut short", 1, 1000, 4000)]
    budget = DailyBudget(restarted, max_tokens=7000, max_eur=100)
    assert budget.try_start() is not None  # 2,300 paid + 5,000 cut short: the limit is reached
    assert budget.snapshot()["tokens"] == 7300
    assert restarted.calls_since().calls == 1  # one paid call; the cut-short one apart
    # An open request of this process is not another's orphan.
    restarted.sending(V, 1, EST)
    assert restarted.cut_short_orphans() == Usage()
    restarted.unanswered(V, maybe_billed=False)
    assert open_rows(restarted.path) == [("cut short", 1, 1000, 4000)]


def test_the_gateway_records_each_request_before_it_leaves_and_how_it_ended(standin):
    events = []
    standin.script([{"status": 503}, {"article": ARTICLE}])
    _, usage, _ = gateway(standin).complete_article(
        MESSAGES, max_tokens=3000, on_send=lambda e: events.append(("send", e)),
        on_paid=lambda u, m: events.append(("paid", u)), on_unanswered=lambda b: events.append(("unanswered", b)))
    assert [e[0] for e in events] == ["send", "unanswered", "send", "paid"]
    assert events[1] == ("unanswered", False) and events[3] == ("paid", usage)
    estimate = events[0][1]
    assert estimate.calls == 1 and estimate.tokens_out == 3000 and estimate.tokens_in >= usage.tokens_in
    assert estimate.cost_eur == round((estimate.tokens_in * 2.0 + 3000 * 6.0) / 1e6, 6)

    events.clear()
    standin.script([{"status": 500}])
    with pytest.raises(ServerError):
        gateway(standin, max_retries=0).complete_article(
            MESSAGES, on_send=lambda e: events.append("send"), on_unanswered=lambda b: events.append(b))
    assert events == ["send", False]


def test_a_read_timeout_may_have_been_billed(standin):
    events = []
    standin.script([{"sleep": 1.0, "article": ARTICLE}])
    with pytest.raises(Timeout):
        gateway(standin, timeout_s=0.3).complete_article(
            MESSAGES, on_send=lambda e: events.append("send"), on_unanswered=lambda b: events.append(b))
    assert events == ["send", True]


def test_budget_day_reads_cut_short_requests_of_that_day_only(tmp_path):
    log = JobLog.in_state_dir(tmp_path)
    old = datetime(2026, 3, 1, 12).timestamp()
    log.sending(V, 0, EST, at=old)
    log.unanswered(V, maybe_billed=True)
    assert log.cut_short_since(old + 1) == Usage() and log.cut_short_since(old) == EST
