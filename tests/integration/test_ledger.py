"""The ledger on the real WordPress: every paid answer is in the job log when it arrives, and a try cut
short (a failed repair call, the site down at the push) resumes from the kept answers instead of paying
its first answer again."""
from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest

from tests.support.outage import Outage
from tests.support.standin import gateway
from tests.support.sync import TAG, meta, seed_text, site_cfg, snapshot
from wp_seo_bridge.daemon.joblog import JobLog
from wp_seo_bridge.model import STATE_KEY
from wp_seo_bridge.pipeline import Engine, PassSettings, run_pass
from wp_seo_bridge.wiring import make_wordpress

pytestmark = pytest.mark.wordpress


def one_pass(wp, handle, ledger, *, max_retries=3, url=None, **kw):
    engine = Engine(llm=gateway(handle, max_retries=max_retries), model="mistral-large-latest", retry_backoff_s=0)
    gw = make_wordpress(site_cfg(wp, **({"url": url} if url else {})))
    return run_pass(gw, engine, PassSettings("test-daemon", "tag", TAG, timedelta(0)),
                    ledger=ledger, on_done=lambda o: ledger.record(o, daemon_id="test-daemon"), **kw)


def billed(handle) -> tuple[int, int, int]:
    b = handle.billed()
    return len(b), sum(x["prompt_tokens"] for x in b), sum(x["completion_tokens"] for x in b)


def test_a_failed_repair_resumes_without_a_second_first_call(site, standin, tmp_path):
    post_id = site.create_post("La Chine rejette les allégations", seed_text(), tags=[TAG])
    ledger = JobLog.in_state_dir(tmp_path)
    # The first answer is too short (a hard check); every attempt of the repair call then answers 503.
    standin.script([{"fixture": "bad-too-short"}, {"status": 503}, {"status": 503}])
    report = one_pass(site, standin, ledger, max_retries=1)
    [o] = report.outcomes
    assert o.result == "failed" and o.again == "mistral" and o.usage.calls == 1
    first_request = standin.completions()[0]["messages"]
    first_bill = billed(standin)
    assert first_bill[0] == 1 and ledger.kept(("local", str(post_id), o.source_hash))
    # The write-ahead record of each request is closed: by its answer's row, or as unbilled by the 503s.
    assert ledger.cut_short_since().calls == 0
    assert ledger._conn.execute("SELECT COUNT(*) FROM requests").fetchone()[0] == 0

    # Meanwhile another post took a keyphrase: a prompt built again would differ.
    site.create_post("Autre", "<p>Texte.</p>", status="pending",
                     meta={"_yoast_wpseo_focuskw": "cybersécurité chinoise", STATE_KEY: json.dumps(
                         {"state": "rewritten", "source_hash": "x", "at": "2026-01-01T00:00:00Z"})})
    standin.reset()
    report = one_pass(site, standin, ledger)
    assert [x.result for x in report.outcomes] == ["rewritten"], report.outcomes
    [repair] = standin.completions()  # one call, the repair: never a second first call
    assert len(repair["messages"]) == 4 and repair["messages"][:2] == first_request
    assert "word_count" in repair["messages"][3]["content"]
    assert report.outcomes[0].usage.calls == 1 and "resumed from 1 kept answer" in report.outcomes[0].reason

    post = snapshot(site, post_id)
    assert post["post_status"] == "pending" and json.loads(meta(post)[STATE_KEY])["calls"] == 2
    paid, second_bill = ledger.calls_since(), billed(standin)
    assert (paid.calls, paid.tokens_in, paid.tokens_out) == tuple(a + b for a, b in zip(first_bill, second_bill))
    assert ledger.kept(("local", str(post_id), o.source_hash)) is None  # pushed: settled


def test_wordpress_down_at_the_push_loses_no_paid_answer_and_the_next_pass_pays_nothing(site, standin, tmp_path):
    post_id = site.create_post("La Chine rejette les allégations", seed_text(), tags=[TAG])
    ledger = JobLog.in_state_dir(tmp_path)
    proxy = Outage(site.url)
    try:
        # The site goes down while Mistral writes: the answer arrives, the push cannot.
        standin.script([{"sleep": 1.0}])

        def cut_when_mistral_is_asked() -> None:
            deadline = time.monotonic() + 30
            while not standin.completions() and time.monotonic() < deadline:
                time.sleep(0.02)
            proxy.down.set()

        threading.Thread(target=cut_when_mistral_is_asked, daemon=True).start()
        report = one_pass(site, standin, ledger, url=proxy.url)
        [o] = report.outcomes
        assert o.result == "failed" and o.again == "wordpress" and "not pushed" in o.reason
        assert ledger.calls_since().calls == 1 == len(standin.completions())
        assert snapshot(site, post_id)["post_status"] == "draft"

        proxy.down.clear()
        standin.reset()
        report = one_pass(site, standin, ledger, url=proxy.url)
    finally:
        proxy.close()
    assert [x.result for x in report.outcomes] == ["rewritten"], report.outcomes
    assert standin.completions() == [] and report.outcomes[0].usage.calls == 0
    assert snapshot(site, post_id)["post_status"] == "pending"
    t = ledger.totals()["local"]
    assert (t.rewritten, t.failed, t.waiting, t.attempts, t.calls) == (1, 0, 0, 2, 1)  # one draft, rewritten
