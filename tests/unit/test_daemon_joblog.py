"""The job log: created on first use, migrated from older schemas without losing rows, and never
downgraded."""
from __future__ import annotations

import sqlite3

import pytest

from wp_seo_bridge.daemon import joblog
from wp_seo_bridge.daemon.joblog import JobLog, JobLogError
from wp_seo_bridge.model import Outcome, PaidAnswer, PromptInputs, Usage


def test_created_on_first_use_at_the_latest_version(tmp_path):
    log = JobLog.in_state_dir(tmp_path / "state")
    assert (tmp_path / "state" / "joblog.sqlite3").exists()
    assert log.version == joblog.VERSION >= 2


def test_a_version_1_file_is_migrated_and_keeps_its_rows(tmp_path):
    path = tmp_path / "joblog.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(joblog.MIGRATIONS[0])
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO attempts(at, site, post_id, outcome, tokens_in, tokens_out, cost_eur) "
                 "VALUES (1000.0, 'blog', '7', 'rewritten', 10, 20, 0.5)")
    conn.commit()
    conn.close()

    log = JobLog(path)
    assert log.version == joblog.VERSION
    [row] = log.recent()
    assert (row["site"], row["post_id"], row["outcome"], row["pass_id"], row["daemon_id"]) == (
        "blog", "7", "rewritten", None, "")
    pid = log.start_pass("blog", "d1")  # the version 2 table works
    log.record(Outcome("blog", "8", "failed", "boom", usage=Usage(1, 1, 1), code="other"), pass_id=pid, daemon_id="d1")
    log.finish_pass(pid, failed=1, wp_calls=4)
    assert log.last_passes()[0]["failed"] == 1
    assert log.recent()[0]["pass_id"] == pid


def test_a_newer_file_is_refused_untouched(tmp_path):
    path = tmp_path / "joblog.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE future(x)")
    conn.execute(f"PRAGMA user_version = {joblog.VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(JobLogError, match="newer than this wp-seo-bridge knows"):
        JobLog(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == joblog.VERSION + 1


def test_a_failing_migration_step_leaves_the_previous_version(tmp_path):
    conn = sqlite3.connect(tmp_path / "joblog.sqlite3", isolation_level=None)
    joblog.migrate(conn)
    steps = joblog.MIGRATIONS + ("CREATE TABLE extra(a); CREATE TABLE extra(a)",)  # its 2nd statement fails
    with pytest.raises(sqlite3.OperationalError):
        joblog.migrate(conn, steps)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == joblog.VERSION
    assert not conn.execute("SELECT name FROM sqlite_master WHERE name='extra'").fetchall()
    assert joblog.migrate(conn, steps[:-1] + ("CREATE TABLE extra(a)",)) == joblog.VERSION  # a fixed step runs
    assert conn.execute("PRAGMA user_version").fetchone()[0] == joblog.VERSION + 1


def test_totals_recent_and_spending(tmp_path):
    log = JobLog.in_state_dir(tmp_path)
    inputs = PromptInputs(700)
    log.paid(("a", "1", "h"), inputs, PaidAnswer(0, "{}", Usage(1, 100, 200, 0.01)), at=90.0)
    log.paid(("a", "2", "h"), inputs, PaidAnswer(0, "{}", Usage(1, 25, 0, 0.001)), at=190.0)
    log.paid(("a", "2", "h"), inputs, PaidAnswer(1, "{}", Usage(1, 25, 0, 0.001)), at=195.0)
    log.record(Outcome("a", "1", "rewritten", source_hash="h", usage=Usage(1, 100, 200, 0.01)), at=100.0)
    log.record(Outcome("a", "2", "failed", "x", source_hash="h", usage=Usage(2, 50, 0, 0.002), code="other"), at=200.0)
    log.record(Outcome("b", "1", "skipped", "not claimed", code="conflict"), at=300.0)
    # skipped is what the passes counted (every draft left for later), not the attempt rows
    log.finish_pass(log.start_pass("b", "d", at=290.0), skipped=3, at=301.0)
    t = log.totals()
    assert (t["a"].rewritten, t["a"].failed, t["a"].tokens, t["a"].cost_eur, t["a"].calls) == (1, 1, 350, 0.012, 3)
    assert t["b"].skipped == 3 and t["a"].skipped == 0
    assert list(log.totals(since=150.0)) == ["a", "b"] and log.totals(since=150.0)["a"].rewritten == 0
    assert [r["post_id"] for r in log.recent(2)] == ["1", "2"] and log.recent(2)[0]["site"] == "b"
    assert log.spent_since(150.0) == (50, 0.002, 1)
    assert log.rewrites_of("a", "1") == 1


def test_batch_jobs_survive_a_reopen_and_their_answers_count_as_spent_when_stored(tmp_path):
    from wp_seo_bridge.batch import BatchItem

    log = JobLog(tmp_path / "j.sqlite3")
    items = [BatchItem("1-aa", "1", "h1", frozenset({"jardin"})), BatchItem("2-bb", "2", "h2")]
    log.add_batch("job-1", "blog", daemon_id="d1", model="m", items=items, at=100.0)
    log.close()
    log = JobLog(tmp_path / "j.sqlite3")  # a restart
    assert log.running_batches("blog") == ["job-1"] and log.running_batches("other") == []
    waiting = log.batch_items("blog", ("waiting",))
    assert [(i.post_id, i.used_keyphrases, i.state) for i in waiting] == [
        ("1", frozenset({"jardin"}), "waiting"), ("2", frozenset(), "waiting")]
    assert log.spent_since(0) == (0, 0.0, 0)
    log.store_answers("job-1", "TIMEOUT_EXCEEDED", {"1-aa": ({"custom_id": "1-aa"}, Usage(1, 100, 50, 0.25))},
                      at=200.0)
    assert log.running_batches("blog") == []
    answered = {i.post_id: i for i in log.batch_items("blog", ("answered",))}
    assert answered["1"].answer == {"custom_id": "1-aa"} and answered["1"].usage == Usage(1, 100, 50, 0.25)
    assert answered["2"].answer is None and answered["2"].usage == Usage()
    assert log.spent_since(150.0) == (150, 0.25, 1)  # paid the moment it was stored
    log.batch_item_done("job-1", "1-aa")
    log.record(Outcome("blog", "1", "rewritten", usage=Usage(1, 100, 50, 0.25)), at=300.0)
    assert log.spent_since(150.0) == (150, 0.25, 1)  # counted once: by its stored answer, not its attempt row


def test_totals_count_each_draft_version_by_its_latest_outcome(tmp_path):
    """A version that failed on a WordPress outage and was pushed on the next pass is one rewrite, not a
    failure; a version Mistral failed and that waits for its next try is counted apart."""
    log = JobLog.in_state_dir(tmp_path)
    log.record(Outcome("a", "1", "failed", "not pushed: site down", "h1", again="wordpress", code="wordpress"), at=10.0)
    log.record(Outcome("a", "1", "rewritten", "", "h1"), at=20.0)
    log.record(Outcome("a", "2", "failed", "HTTP 503", "h2", again="mistral",
                       code="mistral_unavailable"), at=30.0)
    log.record(Outcome("a", "3", "failed", "checks still failing", "h3", code="checks"), at=40.0)
    t = log.totals()["a"]
    assert (t.rewritten, t.failed, t.waiting, t.attempts) == (1, 1, 1, 4)
    assert log.transient_failures(("a", "2", "h2")) == (1, 30.0)
    assert log.transient_failures(("a", "1", "h1")) == (0, 0.0)  # a WordPress outage is not Mistral's failure


def test_a_paid_conversation_is_kept_until_its_version_is_pushed_or_abandoned(tmp_path):
    log = JobLog.in_state_dir(tmp_path)
    v = ("a", "7", "hash")
    inputs = PromptInputs(700, ("jardin partagé",))
    assert log.kept(v) is None
    log.paid(v, inputs, PaidAnswer(0, '{"first": 1}', Usage(1, 3000, 1500, 0.003), model="m-2512",
                                   finish_reason="stop", request_id="r1"))
    log.paid(v, inputs, PaidAnswer(-1, "", Usage(1, 10, 0, 0.0), finish_reason="error"))  # outside the conversation
    log.paid(v, inputs, PaidAnswer(1, '{"repaired": 1}', Usage(1, 4600, 1500, 0.004), repair_prompt="fix it"))
    log.close()
    log = JobLog.in_state_dir(tmp_path)  # survives a restart (a kill)
    kept = log.kept(v)
    assert kept.inputs == inputs
    assert [(a.step, a.content, a.repair_prompt) for a in kept.answers] == [
        (0, '{"first": 1}', ""), (1, '{"repaired": 1}', "fix it")]
    assert kept.answers[0].model == "m-2512" and kept.answers[0].usage == Usage(1, 3000, 1500, 0.003)
    assert kept.usage.calls == 2
    assert log.kept(("a", "7", "other-version")) is None
    log.settle(v, "pushed")
    assert log.kept(v) is None
    assert log.calls_since(0).calls == 3  # settled answers stay in the ledger
