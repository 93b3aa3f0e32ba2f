"""Batch mode against the real local WordPress and the real SDK talking to the stand-in's Batch API:
submission → (daemon killed and restarted while the job runs) → Pending Review; a job that expires;
an answer repaired through the normal endpoint; a draft edited while its job ran."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import timedelta

import pytest

from tests.support.daemon import (
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
from tests.support.standin import gateway
from tests.support.sync import TAG, load_corpus, meta, seed_text, site_cfg, snapshot, source, split_source
from wp_seo_bridge.daemon.joblog import JobLog
from wp_seo_bridge.model import STATE_KEY, source_hash
from wp_seo_bridge.pipeline import Engine, PassSettings, run_pass
from wp_seo_bridge.wiring import make_wordpress

pytestmark = pytest.mark.wordpress

PRICE = (1.8, 5.4)  # write_config's [mistral.prices] for mistral-large-2512 (the default model)
BATCH = {"mode": "batch"}


def full_price(billed: list[dict]) -> float:
    return sum(b["prompt_tokens"] * PRICE[0] + b["completion_tokens"] * PRICE[1] for b in billed) / 1e6


def logged_cost(tmp_path) -> tuple[int, float]:
    """What the job log's ledger holds: every paid answer (batch and synchronous) at list price."""
    log = JobLog.in_state_dir(tmp_path / "state")
    try:
        paid = log.calls_since()
    finally:
        log.close()
    return paid.calls, paid.cost_eur


def one_pass(site, standin, tmp_path, **kw):
    """One pass of a fresh in-process daemon on the same state dir: every pass is a restart."""
    daemon = in_process(site, standin, tmp_path, mistral=BATCH, **kw)
    try:
        [report] = daemon.run_once()
    finally:
        daemon.stop()
        daemon.close()
    return report


def test_submission_to_pending_review_through_a_kill_9_while_the_job_runs(site, standin, tmp_path, daemons):
    text = source("seed-fr")
    ids = site.create_posts([{"title": f"Brouillon {i}", "content": text, "tags": (TAG,)} for i in range(3)])
    standin.script(seed_variants(3))  # the job's lines take these answers in order
    standin.batch_delay = 3600.0  # runs until the test has looked at it, seen its claims renewed, killed the daemon
    cfg = write_config(tmp_path, site, mistral=BATCH)
    env = env_for(site, standin)
    first = start(daemons, cfg, env, tmp_path, "--interval-seconds", "1", name="first")
    [job_id] = wait_for(lambda: list(standin.jobs()), 120, "a batch job")
    assert standin.jobs()[job_id]["total_requests"] == 3
    wait_for(lambda: claimed_drafts(site) == 3, 60, "the three drafts claimed")
    until = {i: post(site, i)["state"]["claim_until"] for i in ids}
    status = subprocess.run([sys.executable, "-m", "wp_seo_bridge", "--config", str(cfg), "status"], cwd=REPO,
                            env=env, capture_output=True, text=True, timeout=180)
    assert "batch:     1 job(s) running at Mistral for 3 draft(s)" in status.stdout, status.stdout + status.stderr
    # Passes run every second: each renews the claims while the job runs.
    wait_for(lambda: all(post(site, i)["state"]["claim_until"] > until[i] for i in ids), 240, "claims renewed")
    assert standin.jobs()[job_id]["status"] == "RUNNING" and standin.completions() == []
    first.kill9()
    standin.finish_batch_jobs()

    second = start(daemons, cfg, env, tmp_path, "--interval-seconds", "1", name="second")
    wait_for(lambda: count_status(site, "pending") == 3, 240, "the three drafts in Pending Review")
    assert second.stop() == 0

    assert list(standin.jobs()) == [job_id]  # found again after the restart, never submitted twice
    assert standin.completions() == []  # no synchronous call: every first answer came from the job
    daemon_id = (tmp_path / "state" / "daemon-id").read_text().strip()
    for n, post_id in enumerate(ids):
        p = post(site, post_id)
        assert p["status"] == "pending" and p["state"]["state"] == "rewritten" and p["state"]["by"] == daemon_id
        assert p["state"]["source_hash"] == source_hash(f"Brouillon {n}", text)
        assert rewritten_revisions(site, post_id) == 1
    assert len({post(site, i)["state"]["keyphrase"] for i in ids}) == 3
    billed = standin.billed()
    assert len(billed) == 3 and all(b["batch"] for b in billed)
    calls, eur = logged_cost(tmp_path)
    assert calls == 3 and eur == pytest.approx(full_price(billed) / 2, abs=1e-5)  # batch prices: half
    assert standin.files() == {}  # the drafts' text does not stay at Mistral


def test_a_job_that_expires_releases_what_it_did_not_answer_and_a_later_pass_sends_it_again(site, standin, tmp_path):
    text = source("seed-fr")
    ids = site.create_posts([{"title": f"Brouillon {i}", "content": text, "tags": (TAG,)} for i in range(2)])
    standin.script(seed_variants(2))
    standin.batch_script([{"status": "TIMEOUT_EXCEEDED", "answered": 1}])

    sent = one_pass(site, standin, tmp_path)
    assert sent.batched == 2 and claimed_drafts(site) == 2
    assert [o.batched for o in sent.outcomes] == [True, True] and sent.skipped == []  # sent, not skipped
    collected = one_pass(site, standin, tmp_path)
    results = {o.post_id: o for o in collected.outcomes}
    answered, expired = (str(i) for i in (ids if results[str(ids[0])].result == "rewritten" else ids[::-1]))
    assert results[answered].result == "rewritten" and post(site, int(answered))["status"] == "pending"
    assert results[expired].result == "failed" and "without answering" in results[expired].reason
    p = post(site, int(expired))
    assert p["status"] == "draft" and p["state"]["state"] == "released"
    assert collected.batched == 0  # released this pass, sent again by the next one

    resent = one_pass(site, standin, tmp_path)
    assert resent.batched == 1 and len(standin.jobs()) == 2
    done = one_pass(site, standin, tmp_path)
    assert [o.result for o in done.outcomes if o.post_id == expired] == ["rewritten"]
    assert all(post(site, i)["status"] == "pending" and rewritten_revisions(site, i) == 1 for i in ids)
    billed = standin.billed()
    assert len(billed) == 2  # one answer per draft: the expired job's answer was used, not paid again
    assert logged_cost(tmp_path) == (2, pytest.approx(full_price(billed) / 2, abs=1e-5))


def test_a_batch_answer_that_fails_its_checks_is_repaired_through_the_normal_endpoint(site, standin, tmp_path):
    post_id = site.create_post("Brouillon", source("seed-fr"), tags=[TAG])
    standin.script([{"fixture": "bad-too-short"}])  # the batch line; the repair then matches seed-fr
    one_pass(site, standin, tmp_path)
    [sent] = [json.loads(f["data"]) for f in standin.files().values()]  # the job's one line
    report = one_pass(site, standin, tmp_path)
    assert [o.result for o in report.outcomes] == ["rewritten"], [o.line() for o in report.outcomes]
    assert post(site, post_id)["status"] == "pending"
    [repair] = standin.completions()
    assert repair["messages"][-2]["role"] == "assistant" and repair["messages"][-1]["role"] == "user"
    # The repair continues the very conversation the job's line started, with the same answer budget.
    assert repair["messages"][:2] == sent["body"]["messages"]
    assert repair["max_tokens"] == sent["body"]["max_tokens"] < 8000
    [job] = standin.jobs().values()
    [first] = [b for b in standin.billed() if b["batch"]]
    [second] = [b for b in standin.billed() if not b["batch"]]
    expected = full_price([first]) / 2 + full_price([second])  # the repair is at the normal price
    assert logged_cost(tmp_path) == (2, pytest.approx(expected, abs=1e-5))
    assert job["status"] == "SUCCESS"


def test_a_draft_edited_while_its_job_runs_keeps_the_editors_version(site, standin, tmp_path):
    post_id = site.create_post("Brouillon", source("seed-fr"), tags=[TAG])
    standin.script(seed_variants(1))
    standin.batch_delay = 2.0
    one_pass(site, standin, tmp_path)
    site.call("wp.editPost", site.admin, post_id, {"post_content": source("seed-fr") + "\n\nUne phrase de plus."})
    time.sleep(2.1)
    report = one_pass(site, standin, tmp_path, daemon={"claim_ttl_s": 1800})
    mine = [o for o in report.outcomes if o.post_id == str(post_id)]
    assert mine[0].result == "skipped" and "changed while its batch job ran" in mine[0].reason
    p = post(site, post_id)
    assert p["status"] == "draft" and "Une phrase de plus." in p["content"]
    assert logged_cost(tmp_path)[0] == 1  # the unused answer was paid: it is counted


def test_a_repair_that_fails_resumes_from_the_paid_batch_answer_next_pass(site, standin, tmp_path):
    post_id = site.create_post("Brouillon", source("seed-fr"), tags=[TAG])
    # The batch line is too short; its repair meets a 503 on every attempt (max_retries 3), then succeeds.
    standin.script([{"fixture": "bad-too-short"}] + [{"status": 503}] * 4)
    one_pass(site, standin, tmp_path)
    failed = one_pass(site, standin, tmp_path)
    [o] = failed.outcomes
    assert o.result == "failed" and o.retry and "503" in o.reason and o.usage.calls == 0
    assert post(site, post_id)["state"]["state"] == "released" and failed.batched == 0
    done = one_pass(site, standin, tmp_path)
    assert [o.result for o in done.outcomes] == ["rewritten"] and post(site, post_id)["status"] == "pending"
    assert len(standin.jobs()) == 1  # never sent in a second job
    billed = standin.billed()
    assert [b["batch"] for b in billed] == [True, False]  # one first answer (the job's), one repair
    assert logged_cost(tmp_path) == (2, pytest.approx(full_price(billed[:1]) / 2 + full_price(billed[1:]), abs=1e-5))


def test_a_draft_that_cannot_be_sent_fails_alone_and_the_others_go_in_the_job(site, standin, tmp_path):
    empty = site.create_post("Vide", "<p> </p>", tags=[TAG])
    good = site.create_post("Brouillon", source("seed-fr"), tags=[TAG])
    report = one_pass(site, standin, tmp_path, daemon={"claim_ttl_s": 1800})
    results = {o.post_id: o for o in report.outcomes}
    assert results[str(empty)].result == "failed" and "no text" in results[str(empty)].reason
    assert post(site, empty)["state"]["state"] == "failed"  # its claim ended with the reason
    assert report.batched == 1 and [j["total_requests"] for j in standin.jobs().values()] == [1]
    one_pass(site, standin, tmp_path)
    assert post(site, good)["status"] == "pending"


def test_the_daily_budget_keeps_drafts_out_of_a_job_whose_worst_case_would_pass_it(site, standin, tmp_path):
    ids = site.create_posts([{"title": f"Brouillon {i}", "content": source("seed-fr"), "tags": (TAG,)}
                             for i in range(2)])
    report = one_pass(site, standin, tmp_path, daemon={"max_tokens_per_day": 1000})
    assert report.batched == 0 and standin.jobs() == {}
    assert all("max_tokens_per_day" in o.reason for o in report.outcomes), [o.line() for o in report.outcomes]
    states = [(post(site, i)["state"] or {}).get("state") for i in ids]
    # The first was claimed, then its worst case refused: given back, unpaid; the next not even claimed.
    assert sorted(map(str, states)) == ["None", "released"], states


def test_internal_links_offered_in_the_job_are_the_ones_the_answer_is_checked_and_pushed_with(site, standin, tmp_path):
    category = load_corpus(site)
    related = site.create_post(*split_source("seed-fr.txt"), tags=[TAG])  # a human would link it to Numérique
    unrelated = site.create_post(*split_source("wire-fr.txt"), tags=[TAG])
    one_pass(site, standin, tmp_path)
    [job] = standin.jobs().values()
    [input_file] = job["input_files"]
    lines = standin.files()[input_file]["data"].decode()
    assert lines.count("[[POST-1|") == 1  # offered in the related draft's prompt only
    # Published posts change while the job runs: the answer is still checked against what was offered.
    site.create_post("Cybersécurité : un nouvel article publié entre-temps", "<p>Pirates, Microsoft, "
                     "Storm-0558, cybersécurité, clés de signature.</p>", status="publish")
    report = one_pass(site, standin, tmp_path)
    assert sorted(o.result for o in report.outcomes) == ["rewritten", "rewritten"], [o.line() for o in report.outcomes]
    state = post(site, related)["state"]
    assert 1 <= len(state["links"]) <= 3 and {category[l["post_id"]] for l in state["links"]} == {"Numérique"}
    assert all(l["url"] in post(site, related)["content"] for l in state["links"])
    assert post(site, unrelated)["state"]["links"] == []


def test_a_batch_job_sends_the_synchronous_prompt_and_judges_with_the_same_rules(site, standin, tmp_path):
    """One preparation for both modes: the author's Yoast fields, the site's shortcodes and its kses rules."""
    description = ("Pirates chinois : Microsoft accuse des hackers d'avoir visé des messageries officielles ; "
                   "Pékin dément et parle de désinformation.")
    author = {"_yoast_wpseo_focuskw": "pirates chinois", "_yoast_wpseo_metadesc": description,
              "_yoast_wpseo_title": "Un titre d'auteur sans l'expression-clé, bien trop long pour tenir dans la "
                                    "largeur que Google affiche dans ses résultats de recherche"}
    # "[note_interne]" looks like a shortcode (an underscore) but the site registers none by that name: text.
    text = seed_text() + "\n\nRelu par la rédaction [note_interne] avant publication."
    title = "La Chine rejette les allégations"
    in_batch = site.create_post(title, text, tags=[TAG], meta=author)
    stripped = site.create_post("Vidéo", "<p>Un texte.</p>\n\n<iframe src=\"https://example.org/v\"></iframe>",
                                tags=[TAG])
    sent = one_pass(site, standin, tmp_path)
    assert sent.batched == 1, [o.line() for o in sent.outcomes]
    failed = {o.post_id: o for o in sent.outcomes}[str(stripped)]
    assert failed.result == "failed" and "<iframe>" in failed.reason and "unfiltered_html" in failed.reason
    [job] = standin.jobs().values()
    [line] = [json.loads(row) for row in standin.files()[job["input_files"][0]]["data"].decode().splitlines()]
    assert job["total_requests"] == 1

    # The same draft through a synchronous pass (the batch daemon's claim keeps it off the first one).
    in_sync = site.create_post(title, text, tags=[TAG], meta=author)
    report = run_pass(make_wordpress(site_cfg(site)), Engine(llm=gateway(standin), model="mistral-large-2512"),
                      PassSettings("sync-daemon", "tag", TAG, timedelta(0)))
    assert {o.post_id: o.result for o in report.outcomes}[str(in_sync)] == "rewritten", report.outcomes
    [sync_call] = standin.completions()
    assert line["body"]["messages"] == sync_call["messages"]  # the same prompt, to the byte
    prompt = sync_call["messages"][1]["content"]
    assert "<<<EXPRESSION\npirates chinois\nEXPRESSION>>>" in prompt and "[note_interne]" in prompt
    assert "pirates chinois" not in prompt.split("<<<EXPRESSIONS")[1].split("EXPRESSIONS>>>")[0]

    collected = one_pass(site, standin, tmp_path)
    assert [o.result for o in collected.outcomes if o.post_id == str(in_batch)] == ["rewritten"], \
        [o.line() for o in collected.outcomes]
    assert len(standin.completions()) == 1  # the job's answer passed: no repair call
    batch_meta, sync_meta = meta(snapshot(site, in_batch)), meta(snapshot(site, in_sync))
    for m in (batch_meta, sync_meta):  # the same checks kept the same author fields
        assert m["_yoast_wpseo_focuskw"] == "pirates chinois" and m["_yoast_wpseo_metadesc"] == description
        assert json.loads(m[STATE_KEY])["author_fields"] == ["focus_keyphrase", "meta_description"]
    assert batch_meta["_yoast_wpseo_title"] == sync_meta["_yoast_wpseo_title"] != author["_yoast_wpseo_title"]
