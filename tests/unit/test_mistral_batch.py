"""The gateway's Batch API calls through the real SDK against the stand-in: the same bodies as the
synchronous call, answers parsed the same way, priced at batch prices, jobs that end badly."""
from __future__ import annotations

import json
import time

import pytest

from tests.support.standin import ARTICLE, MESSAGES, gateway
from wp_seo_bridge.gateways.mistral import Malformed, Rejected, ServerError, Truncated
from wp_seo_bridge.model import Article


def uploaded_lines(standin) -> list[dict]:
    [f] = [f for f in standin.files().values() if f["meta"]["sample_type"] == "batch_request"]
    return [json.loads(line) for line in f["data"].decode().splitlines()]


def finished(gw, job, wait: float = 5.0):
    end = time.monotonic() + wait
    while not job.done and time.monotonic() < end:
        time.sleep(0.05)
        job = gw.batch_job(job.id)
    return job


def test_a_batch_line_is_the_synchronous_body_and_its_answer_costs_half(standin):
    gw = gateway(standin, reasoning_effort="none")
    standin.script([{"article": ARTICLE}, {"article": ARTICLE}])
    _, sync_usage, _ = gw.complete_article(MESSAGES, max_tokens=3210)  # the rewrite's budget for this draft
    [sync_body] = standin.completions()
    assert sync_body["max_tokens"] == 3210 and sync_body["reasoning_effort"] == "none"
    job = gw.submit_batch([("post-7", MESSAGES, 3210)], metadata={"site": "blog"})
    [line] = uploaded_lines(standin)
    assert line["custom_id"] == "post-7"
    expected = {k: v for k, v in sync_body.items() if k not in ("model", "stream")}
    assert line["body"] == expected  # the very same request; the model is the job's
    created = [r["json"] for r in standin.requests() if r["path"] == "/v1/batch/jobs"][0]
    assert created["model"] == "mistral-large-latest" and created["metadata"]["site"] == "blog"
    job = finished(gw, job)
    assert job.status == "SUCCESS" and job.succeeded == 1
    answers = gw.batch_answers(job)
    a = answers["post-7"]
    assert a.error is None and a.article == Article.model_validate(ARTICLE)
    assert (a.usage.tokens_in, a.usage.tokens_out) == (sync_usage.tokens_in, sync_usage.tokens_out)
    assert a.usage.calls == 1 and a.usage.cost_eur == pytest.approx(sync_usage.cost_eur / 2, abs=1e-6)
    assert a.meta["batch"] is True and a.meta["standin"] is True and json.loads(a.meta["content"]) == ARTICLE


def test_the_price_factor_is_configurable(standin):
    gw = gateway(standin, batch_price_factor=0.25)
    standin.script([{"article": ARTICLE}])
    job = finished(gw, gw.submit_batch([("a", MESSAGES)]))
    a = gw.batch_answers(job)["a"]
    full = (a.usage.tokens_in * 2.0 + a.usage.tokens_out * 6.0) / 1e6
    assert a.usage.cost_eur == pytest.approx(full * 0.25, abs=1e-6)


def test_bad_lines_keep_what_they_cost_and_failed_lines_cost_nothing(standin):
    gw = gateway(standin)
    standin.script([{"article": ARTICLE, "finish_reason": "length"}, {"raw": "{pas du json"}, {"status": 503},
                    {"status": 422, "message": "invalid body"}])
    job = finished(gw, gw.submit_batch([("cut", MESSAGES), ("junk", MESSAGES), ("busy", MESSAGES),
                                         ("refused", MESSAGES)]))
    answers = gw.batch_answers(job)
    assert isinstance(answers["cut"].error, Truncated) and answers["cut"].usage.cost_eur > 0
    assert isinstance(answers["junk"].error, Malformed) and answers["junk"].meta["content"] == "{pas du json"
    assert isinstance(answers["busy"].error, ServerError) and answers["busy"].usage.calls == 0
    assert isinstance(answers["refused"].error, Rejected) and "invalid body" in str(answers["refused"].error)


def test_a_refused_creation_is_retried_into_one_job(standin):
    gw = gateway(standin)
    standin.batch_script([], api_errors=[{"status": 503, "path": "/v1/batch/jobs"}])
    job = gw.submit_batch([("a", MESSAGES)])
    assert list(standin.jobs()) == [job.id]  # one job: the refused attempt created none


def test_a_job_that_expires_or_is_cancelled_gives_back_what_it_answered(standin):
    gw = gateway(standin)
    standin.batch_script([{"status": "TIMEOUT_EXCEEDED", "answered": 1}])
    standin.script([{"article": ARTICLE}])
    job = finished(gw, gw.submit_batch([("a", MESSAGES), ("b", MESSAGES)]))
    assert job.status == "TIMEOUT_EXCEEDED" and job.errors
    assert list(gw.batch_answers(job)) == ["a"]
    standin.batch_delay = 60
    job = gw.submit_batch([("c", MESSAGES)])
    assert gw.cancel_batch(job.id).status == "CANCELLATION_REQUESTED"
    job = gw.batch_job(job.id)
    assert job.status == "CANCELLED" and job.done and gw.batch_answers(job) == {}


def test_forget_deletes_the_files_holding_the_drafts(standin):
    gw = gateway(standin)
    standin.script([{"article": ARTICLE}])
    job = finished(gw, gw.submit_batch([("a", MESSAGES)]))
    assert len(standin.files()) == 2  # the input and the output
    gw.forget_batch(job)
    assert standin.files() == {}


def test_a_creation_whose_answer_is_lost_is_found_again_not_sent_twice(standin):
    gw = gateway(standin)
    standin.batch_script([], api_errors=[{"path": "/v1/batch/jobs", "drop_after": True}])
    job = gw.submit_batch([("a", MESSAGES)])
    assert list(standin.jobs()) == [job.id]  # created once, found by its submission id
    creates = [r for r in standin.requests() if r["path"] == "/v1/batch/jobs" and r["method"] == "POST"]
    assert len(creates) == 1 and creates[0]["json"]["metadata"]["submission"]


def test_a_refused_creation_deletes_the_uploaded_drafts(standin):
    gw = gateway(standin, max_retries=0)
    standin.batch_script([], api_errors=[{"path": "/v1/batch/jobs", "status": 503}])
    with pytest.raises(ServerError):
        gw.submit_batch([("a", MESSAGES)])
    assert standin.jobs() == {} and standin.files() == {}


def test_a_line_ended_by_finish_reason_error_is_paid_but_not_an_answer(standin):
    gw = gateway(standin)
    standin.script([{"article": ARTICLE, "finish_reason": "error"}])
    job = finished(gw, gw.submit_batch([("a", MESSAGES)]))
    a = gw.batch_answers(job)["a"]
    assert a.article is None and isinstance(a.error, ServerError) and a.usage.calls == 1 and a.usage.cost_eur > 0
