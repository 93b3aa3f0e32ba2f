"""The daemon against the real local WordPress and the real mistralai SDK talking to the offline
stand-in. The daemon runs as a subprocess (``python -m wp_seo_bridge run``) where signals or
kill -9 matter, in process (``Daemon.run_once``) where only one pass does.

Every claim about a post is checked in WordPress (status, our state meta, revisions), not only in
the job log.
"""
from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter

import pytest

from tests.support.daemon import (
    PASSWORD_ENV,
    REPO,
    claimed_drafts,
    count_status,
    env_for,
    in_process,
    post,
    rewritten_revisions,
    seed_variants,
    start,
    wait_for,
    write_config,
)
from tests.support.outage import Outage
from tests.support.sync import TAG, source
from wp_seo_bridge.daemon.joblog import JobLog
from wp_seo_bridge.daemon.scheduler import Daemon
from wp_seo_bridge.model import source_hash

pytestmark = pytest.mark.wordpress

# --- the tests -----------------------------------------------------------------------------------


def test_run_rewrites_newly_opted_in_drafts_ignores_the_rest_and_reports(site, standin, tmp_path, daemons):
    first = site.create_post("Brouillon inscrit", source("seed-fr"), tags=[TAG])
    other = site.create_post("Brouillon non inscrit", source("seed-fr"))
    before_other = post(site, other)
    cfg = write_config(tmp_path, site)
    d = start(daemons, cfg, env_for(site, standin), tmp_path, "--interval-seconds", "0.5", "--http", "127.0.0.1:0")

    wait_for(lambda: post(site, first)["status"] == "pending", 120, "the first draft to be rewritten")
    # Opted in while the daemon runs: picked up by a later pass.
    later = site.create_post("Dépêche inscrite", source("wire-fr"), tags=[TAG])
    wait_for(lambda: post(site, later)["status"] == "pending", 120, "the newly opted-in draft")
    assert post(site, other) == before_other  # not opted in: never touched
    assert len(standin.completions()) == 2

    [serving] = [r for r in d.logs() if "serving /healthz" in r.get("msg", "")]
    base = re.search(r"http://[\d.:]+", serving["msg"]).group(0)
    with urllib.request.urlopen(base + "/healthz", timeout=5) as r:
        health = json.loads(r.read())
    assert health["ok"] is True and health["sites"]["local"]["error"] == ""
    with urllib.request.urlopen(base + "/metrics", timeout=5) as r:
        metrics = r.read().decode()
    assert 'wpsb_posts_total{result="rewritten",site="local"} 2.0' in metrics
    assert re.search(r"wpsb_mistral_latency_seconds_count 2\.0", metrics)
    assert re.search(r'wpsb_mistral_tokens_total\{direction="out"\} [1-9]', metrics)
    # The offline stand-in's answers are counted as such and cost nothing.
    assert 'wpsb_mistral_calls_total{source="standin"} 2.0' in metrics and "wpsb_mistral_cost_eur_total 0.0" in metrics

    assert d.stop() == 0
    assert any(r.get("event") == "stopped" for r in d.logs())
    drafts = [r for r in d.events("draft") if r.get("result") == "rewritten"]
    assert sorted(int(r["post_id"]) for r in drafts) == sorted([first, later])
    assert site.bot.password not in d.log_path.read_text()

    status = subprocess.run([sys.executable, "-m", "wp_seo_bridge", "--config", str(cfg), "status", "--json"],
                            cwd=REPO, env=env_for(site, standin), capture_output=True, text=True, timeout=180)
    data = json.loads(status.stdout)
    assert data["daemon"] is None and data["today"]["local"]["rewritten"] == 2
    assert {r["post_id"] for r in data["recent"]} == {str(first), str(later)}
    assert data["budget"]["tokens_today"] > 0
    table = subprocess.run([sys.executable, "-m", "wp_seo_bridge", "--config", str(cfg), "status"],
                           cwd=REPO, env=env_for(site, standin), capture_output=True, text=True, timeout=180).stdout
    assert "Recent attempts (2)" in table and re.search(rf"local\s+{first}\s+rewritten", table)
    assert data["today"]["local"]["standin_calls"] == 2 and data["today"]["local"]["cost_eur"] == 0
    assert re.search(rf"local\s+{first}\s+rewritten\s+1\s+1\s+offline stand-in", table)


def test_switching_the_site_off_in_wordpress_stops_the_work(site, standin, tmp_path, daemons):
    site.option("wp_seo_bridge_sync_enabled", "0")
    cfg = write_config(tmp_path, site)
    d = start(daemons, cfg, env_for(site, standin), tmp_path, "--interval-seconds", "0.3")
    draft = site.create_post("Brouillon inscrit", source("seed-fr"), tags=[TAG])
    seen = len(d.events("pass"))
    wait_for(lambda: len(d.events("pass")) >= seen + 3, 120, "three passes with the switch off")
    # The admin's choice, not a problem: logged at info level, never as a warning.
    assert all("switched off" in r["stopped"] and r["level"] == "info" for r in d.events("pass"))
    assert post(site, draft)["status"] == "draft" and post(site, draft)["state"] is None
    assert standin.completions() == []

    site.option("wp_seo_bridge_sync_enabled", "1")  # the admin's switch is read at every pass
    wait_for(lambda: post(site, draft)["status"] == "pending", 120, "the draft once the switch is on")
    assert d.stop() == 0


def test_sigterm_lets_the_draft_in_flight_finish_and_starts_no_other(site, standin, tmp_path, daemons):
    ids = [site.create_post(f"Brouillon {i}", source("seed-fr"), tags=[TAG]) for i in range(3)]
    before = {post(site, i)["content"] for i in ids}
    standin.script([{"hold": "sigterm", "fixture": "seed-fr"}])  # answered once the daemon is stopping
    cfg = write_config(tmp_path, site, daemon={"concurrency": 1})
    d = start(daemons, cfg, env_for(site, standin), tmp_path, "--interval-seconds", "60")
    wait_for(standin.completions, 120, "the first Mistral call")
    d.proc.send_signal(signal.SIGTERM)
    wait_for(lambda: d.events("stopping"), 120, "the daemon to stop starting drafts")
    standin.release("sigterm")
    assert d.proc.wait(120) == 0
    states = [post(site, i) for i in ids]
    # Drafts a worker had started (the one at Mistral, and one waiting for the Mistral slot) were
    # finished and pushed; a draft claimed for the next round but not started was given back
    # untouched (released: another daemon may take it at once); any other was never claimed.
    done = [s for s in states if s["status"] == "pending"]
    untouched = [s for s in states if s["status"] == "draft"]
    assert all(s["state"]["state"] == "rewritten" for s in done)
    assert untouched and all(s["state"] is None or s["state"]["state"] == "released" for s in untouched)
    assert {s["content"] for s in untouched} == before
    assert len(done) + len(untouched) == 3 and len(standin.completions()) == len(done)
    assert states[0]["status"] == "pending"  # the draft at Mistral when the signal came was finished


def test_kill_9_then_a_wordpress_outage_each_draft_once_and_the_ledger_accounts_for_what_mistral_billed(
        site, standin, tmp_path, daemons):
    """Fault injection: a kill -9 during a pass, then WordPress unreachable during a pass. Every draft ends
    rewritten exactly once; every answer the ledger holds as paid was billed, once; an answer billed but not
    in the ledger (written to the socket of the daemon just killed) is one of the requests cut short by the
    kill (the write-ahead record), which the budget counts at their worst case: nothing paid goes unaccounted."""
    text = source("seed-fr")
    ids = site.create_posts([{"title": f"Brouillon {i}", "content": text, "tags": (TAG,)} for i in range(30)])
    steps = seed_variants(40)
    standin.script([{**s, "sleep": 0.3} for s in steps])
    proxy = Outage(site.url)  # WordPress as the daemon reaches it: cut below
    via_proxy = type("Site", (), {"url": proxy.url, "bot": site.bot})()
    cfg = write_config(tmp_path, via_proxy, daemon={"concurrency": 4})
    env = env_for(site, standin)
    try:
        first = start(daemons, cfg, env, tmp_path, "--interval-seconds", "60", name="first")
        wait_for(lambda: count_status(site, "pending") >= 8 and claimed_drafts(site), 240,
                 "8 drafts rewritten and others in flight")
        first.kill9()

        states = [post(site, i) for i in ids]
        seen = Counter((s["status"], (s["state"] or {}).get("state")) for s in states)
        # Killed mid-pass: some drafts done, some claimed and in flight, some not started.
        assert seen[("draft", "claimed")] and 8 <= seen[("pending", "rewritten")] < 30, seen

        second = start(daemons, cfg, env, tmp_path, "--interval-seconds", "2", name="second")
        wait_for(lambda: count_status(site, "pending") >= seen[("pending", "rewritten")] + 4, 240,
                 "the restarted daemon at work")
        proxy.down.set()  # WordPress unreachable while answers arrive: their pushes fail
        time.sleep(3)
        proxy.down.clear()
        wait_for(lambda: count_status(site, "pending") == 30, 300, "every draft rewritten after the outage")

        def settled() -> dict[str, dict]:  # each post's latest outcome in the job log
            log = JobLog.in_state_dir(tmp_path / "state")
            try:
                return {v["post_id"]: v for v in log.versions(1000)}
            finally:
                log.close()

        # A push whose answer the outage cut (it reached WordPress) is settled by the next pass.
        wait_for(lambda: all(not v["again"] for v in settled().values()) and len(settled()) == 30, 240,
                 "the job log to give every draft a final outcome")
        assert second.stop() == 0
    finally:
        proxy.close()

    daemon_id = (tmp_path / "state" / "daemon-id").read_text().strip()
    for post_id in ids:
        p = post(site, post_id)
        assert p["status"] == "pending", post_id
        assert p["state"]["state"] == "rewritten" and p["state"]["by"] == daemon_id
        assert p["state"]["source_hash"] == source_hash(f"Brouillon {ids.index(post_id)}", text)
        assert rewritten_revisions(site, post_id) == 1, post_id  # pushed once, never twice
    log = JobLog.in_state_dir(tmp_path / "state")
    rows = {i: log.rewrites_of("local", str(i)) for i in ids}
    finals = settled()
    assert {v["outcome"] for v in finals.values()} <= {"rewritten", "skipped"}, finals
    # Rewritten in the log, or pushed while the outage cut the answer (the post is pending: "skipped" in the
    # log, with why); never twice.
    assert max(rows.values()) == 1
    for i, n in rows.items():
        assert n == 1 or "outage cut the answer" in finals[str(i)]["reason"], (i, finals[str(i)])
    keyphrases = [post(site, i)["state"]["keyphrase"] for i in ids]
    assert len(set(keyphrases)) == 30

    # What the ledger says against what the stand-in billed: paid calls ≤ billed ≤ paid + cut short. The kill
    # may fall between an answer's last byte and its ledger row: Mistral bills it, the daemon cannot know.
    billed = {b["id"]: b for b in standin.billed()}
    paid, cut = log.calls_since(), log.cut_short_since()
    ids_paid = [r[0] for r in sqlite3.connect(log.path).execute("SELECT request_id FROM calls")]
    assert len(set(ids_paid)) == len(ids_paid) == paid.calls >= 30 and set(ids_paid) <= set(billed)
    assert paid.calls <= len(billed) <= paid.calls + cut.calls, (paid, cut, len(billed))
    assert (paid.tokens_in, paid.tokens_out) == (sum(billed[i]["prompt_tokens"] for i in ids_paid),
                                                 sum(billed[i]["completion_tokens"] for i in ids_paid))
    price_in, price_out = 1.8, 5.4  # write_config's [mistral.prices]
    assert paid.cost_eur == pytest.approx((paid.tokens_in * price_in + paid.tokens_out * price_out) / 1e6, abs=1e-5)
    # status: every draft counted once by its final outcome, the outage's failed pushes included.
    t = log.totals()["local"]
    assert (t.rewritten, t.failed, t.waiting, t.calls) == (sum(rows.values()), 0, 0, paid.calls)


def test_a_429_storm_slows_the_pass_but_loses_nothing(site, standin, tmp_path):
    ids = site.create_posts([{"title": f"Brouillon {i}", "content": source("seed-fr"), "tags": (TAG,)}
                             for i in range(5)])
    storm = [{"status": 429, "retry_after_ms": 200, "message": "Requests rate limit exceeded"}] * 9
    standin.script(storm)
    daemon = in_process(site, standin, tmp_path, daemon={"concurrency": 3}, mistral={"max_retries": 10})
    started = time.monotonic()
    [report] = daemon.run_once()
    elapsed = time.monotonic() - started
    daemon.stop()
    daemon.close()
    assert [o.result for o in report.outcomes] == ["rewritten"] * 5, [o.line() for o in report.outcomes]
    assert all(post(site, i)["status"] == "pending" for i in ids)
    assert len(standin.completions()) == 5 + 9  # every 429 was retried, nothing was dropped
    assert elapsed >= 9 * 0.2 / 3  # the storm's Retry-After was honoured


def test_the_daily_budget_stops_new_work_says_so_and_survives_a_restart(site, standin, tmp_path):
    ids = site.create_posts([{"title": f"Brouillon {i}", "content": source("seed-fr"), "tags": (TAG,)}
                             for i in range(3)])
    # The worst case as the daemon itself estimates it, from the site as it is (the used keyphrases and published
    # posts other tests left): a pass allowed 1 token a day starts a draft, admits none, and says what the
    # started one may cost (the others wait at the gate). The three drafts differ only by a digit.
    (tmp_path / "probe").mkdir()
    probe = in_process(site, standin, tmp_path / "probe", daemon={"max_tokens_per_day": 1})
    [report] = probe.run_once()
    probe.close()
    costs = [int(m[1].replace(",", "")) for o in report.outcomes
             if (m := re.search(r"may cost up to ([\d,]+) tokens", o.reason))]
    assert costs and len(report.outcomes) == 3 and not standin.completions(), [o.line() for o in report.outcomes]
    worst = max(costs)
    # One draft's worst case fits the day; what it really spends plus a second worst case does not.
    limits = {"concurrency": 1, "max_tokens_per_day": worst + 500}
    daemon = in_process(site, standin, tmp_path, daemon=limits)
    [report] = daemon.run_once()
    daemon.stop()
    daemon.close()
    assert report.count("rewritten") == 1 and len(standin.completions()) == 1
    refused = [o for o in report.outcomes if o.result != "rewritten"]
    assert len(refused) == 2 and all("max_tokens_per_day" in o.reason for o in refused), [o.line() for o in refused]
    states = [post(site, i) for i in ids]
    assert [s["status"] for s in states].count("pending") == 1
    # Claimed, then given back before any call: nothing was paid for them.
    assert all(s["state"]["state"] == "released" for s in states if s["status"] == "draft")

    again = in_process(site, standin, tmp_path, daemon=limits)  # a restart the same day
    [report] = again.run_once()
    again.stop()
    again.close()
    assert report.count("rewritten") == 0 and len(standin.completions()) == 1
    assert len(report.outcomes) == 2 and all("max_tokens_per_day" in o.reason for o in report.outcomes)


def test_a_daemon_killed_while_mistral_answers_leaves_one_request_cut_short_that_the_next_start_counts(
        site, standin, tmp_path, daemons):
    """The write-ahead record: the request was committed before it left; the kill leaves it open; the next
    start shows it as cut short (billed or not, unknown), apart from paid calls, and its budget counts it."""
    from wp_seo_bridge.config import load
    from wp_seo_bridge.daemon.commands import collect_status, format_status

    site.create_post("Brouillon lent", source("seed-fr"), tags=[TAG])
    standin.script([{"sleep": 30}])  # Mistral still generating when the daemon dies
    cfg = write_config(tmp_path, site, daemon={"concurrency": 1})
    env = env_for(site, standin)
    first = start(daemons, cfg, env, tmp_path, "--interval-seconds", "60", name="first")
    wait_for(lambda: len(standin.completions()) == 1, 240, "the request to reach Mistral")
    first.kill9()
    log = JobLog.in_state_dir(tmp_path / "state")
    [(state, step, tokens)] = sqlite3.connect(log.path).execute(
        "SELECT state, step, tokens_in + tokens_out FROM requests").fetchall()
    assert (state, step) == ("open", 0) and tokens > 0  # written before the request left
    assert log.calls_since().calls == 0 and log.cut_short_since().calls == 0  # not known to be cut short yet
    log.close()

    again = in_process(site, standin, tmp_path, daemon={"concurrency": 1})  # the next start
    try:
        assert again.budget.snapshot()["tokens"] == tokens  # counted at its worst case
        assert "wpsb_mistral_calls_cut_short_total 1.0" in again.metrics.render().decode()
    finally:
        again.close()
    data = collect_status(load(cfg))
    assert data["budget"]["cut_short_today"] == 1 and data["budget"]["calls_today"] == 0
    assert data["budget"]["tokens_today"] == data["budget"]["cut_short_tokens_today"] == tokens
    assert "1 Mistral request(s) cut short" in format_status(data)
    assert len(standin.billed()) <= 1  # billed or not: the daemon cannot know, and says so


def test_a_second_daemon_on_the_same_state_refuses_clearly(site, standin, tmp_path, daemons):
    cfg = write_config(tmp_path, site)
    env = env_for(site, standin)
    first = start(daemons, cfg, env, tmp_path, "--interval-seconds", "60", name="first")
    wait_for(lambda: first.events("started"), 120, "the first daemon to start")
    second = subprocess.run([sys.executable, "-m", "wp_seo_bridge", "--config", str(cfg), "run"],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=180)
    assert second.returncode == 3
    assert f"pid {first.proc.pid}" in second.stderr and "already uses the state dir" in second.stderr
    assert first.proc.poll() is None  # the first one is unharmed
    assert first.stop() == 0


def test_skipped_drafts_are_counted_the_same_by_the_log_line_the_job_log_status_and_metrics(
        site, standin, tmp_path, monkeypatch):
    """Issue 11: the log and `sync` said 2 skipped, `status` and the job log 0, /metrics had no series."""
    from wp_seo_bridge.config import load
    from wp_seo_bridge.daemon.commands import collect_status

    for title in ("Brouillon un", "Brouillon deux"):
        site.create_post(title, source("seed-fr"), tags=[TAG])
    cfg_path = write_config(tmp_path, site)
    cfg_path.write_text(cfg_path.read_text().replace("min_quiet_minutes = 0", "min_quiet_minutes = 60"))
    for k, v in env_for(site, standin).items():
        monkeypatch.setenv(k, v)
    cfg = load(cfg_path)
    d = Daemon(cfg, daemon_id="counts")
    [report] = d.run_once()
    metrics = d.metrics.render().decode()
    d.close()
    status = collect_status(cfg)

    assert ", 2 skipped," in report.total_line()
    assert status["last_passes"][0]["skipped"] == 2 and status["today"]["local"]["skipped"] == 2
    assert 'wpsb_posts_total{result="skipped",site="local"} 2.0' in metrics
    assert 'wpsb_drafts_skipped_total{reason="quiet",site="local"} 2.0' in metrics
    assert len(standin.completions()) == 0


def test_healthz_is_503_with_the_reason_while_every_pass_fails_on_a_wrong_password(site, standin, tmp_path, daemons):
    """Issue 11: /healthz answered {"ok": true} while every pass failed on a wrong password."""
    cfg = write_config(tmp_path, site)
    env = {**env_for(site, standin), PASSWORD_ENV: "not-the-password"}
    d = start(daemons, cfg, env, tmp_path, "--interval-seconds", "0.5", "--http", "127.0.0.1:0")
    wait_for(lambda: d.events("pass_error"), 120, "a failed pass")
    [serving] = [r for r in d.logs() if "serving /healthz" in r.get("msg", "")]
    base = re.search(r"http://[\d.:]+", serving["msg"]).group(0)
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(base + "/healthz", timeout=5)
    health = json.loads(e.value.read())
    assert e.value.code == 503 and health["ok"] is False
    assert health["sites"]["local"]["last_pass"] == "error"
    assert any("last pass failed" in r and "refused the login" in r for r in health["reasons"]), health
    assert "not-the-password" not in json.dumps(health)
    assert d.stop() == 0
