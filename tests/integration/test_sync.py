"""The spine, end to end: a real local WordPress, the real mistralai SDK against the offline stand-in.

The draft-level scenarios run over both transports (``transport`` fixture: XML-RPC with the login password,
REST with the application password). Every assertion about a post reads it back from WordPress (as the
admin), never from our memory.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import xmlrpc.client
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from tests.support.sync import REPO, SOURCES, TAG, engine, meta, one_pass, seed_text, site_cfg, snapshot
from wp_seo_bridge.gateways.wordpress.base import PostUpdate
from wp_seo_bridge.gateways.wordpress.errors import (
    AuthFailed,
    Conflict,
    Forbidden,
    PluginMissing,
    SiteDown,
    XmlRpcDisabled,
)
from wp_seo_bridge.gateways.wordpress.xmlrpc import XmlRpcGateway, draft_from_struct
from wp_seo_bridge.model import STATE_KEY, YOAST_KEYS, Draft
from wp_seo_bridge.pipeline import PassSettings, run_pass
from wp_seo_bridge.wiring import make_wordpress

pytestmark = pytest.mark.wordpress

#: The WordPress calls one rewritten post costs, per transport: the claim, and the guarded edit that
#: answers what it stored (the proof that protected meta was written, without a read-back call).
PER_POST_CALLS = {
    "xmlrpc": ("seobridge.claimPost", "seobridge.editPost"),
    "rest": ("POST /wp-seo-bridge/v1/claim/<id>", "POST /wp/v2/posts/<id>"),
}


def test_seed_draft_becomes_a_pending_french_seo_article(site, standin, transport):
    post_id = site.create_post("La Chine rejette les allégations", seed_text(), tags=[TAG])
    gw, report = one_pass(site, standin, transport=transport)
    assert [o.result for o in report.outcomes] == ["rewritten"], report.outcomes

    post = snapshot(site, post_id)
    assert post["post_status"] == "pending"
    html = post["post_content"]
    words = len(re.sub(r"<[^>]+>", " ", html).split())
    assert words >= 700
    assert len(re.findall(r"<h2[ >]", html)) >= 3 and "<h1" not in html
    m = meta(post)
    fixture = json.loads((REPO / "wp_seo_bridge/standin/fixtures/seed-fr.json").read_text(encoding="utf-8"))
    article = fixture["article"]
    assert m["_yoast_wpseo_title"] == article["seo_title"]
    assert m["_yoast_wpseo_metadesc"] == article["meta_description"]
    assert m["_yoast_wpseo_focuskw"] == article["focus_keyphrase"]
    assert post["post_name"] == article["slug"] and post["post_title"] == article["title"]
    state = json.loads(m[STATE_KEY])
    assert state["state"] == "rewritten" and state["tokens_in"] > 0 and state["model"] == "mistral-large-latest"
    assert len(standin.completions()) == 1
    # 2 WordPress calls for the post itself, nothing else per post.
    per_pass = sum(gw.calls.values()) - sum(gw.calls[k] for k in PER_POST_CALLS[transport])
    assert [gw.calls[k] for k in PER_POST_CALLS[transport]] == [1, 1] and per_pass <= 5, gw.calls

    # The pre-rewrite content is kept as a revision an editor can compare and restore.
    revisions = site.call("wp.getRevisions", site.admin, post_id, ["post_content"])
    assert any("Storm-0558" in r["post_content"] and "<h2" not in r["post_content"] for r in revisions)

    # Again: nothing changes, no Mistral call.
    _, again = one_pass(site, standin, transport=transport)
    assert again.outcomes == [] and snapshot(site, post_id) == post
    assert len(standin.completions()) == 1


def test_imported_draft_without_revision_keeps_its_original(site, standin, transport):
    # Drafts created over REST (imports) have no revision: the plugin saves one before our edit.
    post_id = site.create_post_rest("Import", seed_text(), tags=[TAG])
    assert site.call("wp.getRevisions", site.admin, post_id, ["post_content"]) == []
    _, report = one_pass(site, standin, transport=transport)
    assert report.count("rewritten") == 1
    revisions = site.call("wp.getRevisions", site.admin, post_id, ["post_content"])
    assert any(r["post_content"] == seed_text() for r in revisions)


def test_only_opted_in_drafts_are_touched(site, standin, transport):
    untouchable = {status: site.create_post(f"{status} post", seed_text(), status=status, tags=[TAG])
                   for status in ("publish", "pending", "private", "future", "trash")}
    not_opted = site.create_post("Pas inscrit", seed_text())
    before = {pid: snapshot(site, pid) for pid in [*untouchable.values(), not_opted]}
    _, report = one_pass(site, standin, transport=transport)
    assert report.outcomes == [] and report.ignored == 1
    assert {pid: snapshot(site, pid) for pid in before} == before
    assert standin.completions() == []


def test_a_human_edit_during_the_rewrite_wins(site, standin, transport):
    post_id = site.create_post("Brouillon", seed_text(), tags=[TAG])
    standin.script([{"hold": "edit", "fixture": "seed-fr"}])  # answered once the author has saved
    result = {}
    t = threading.Thread(target=lambda: result.update(r=one_pass(site, standin, transport=transport)[1]))
    t.start()
    deadline = time.monotonic() + 120
    while not standin.requests() and time.monotonic() < deadline:
        time.sleep(0.05)  # the daemon has claimed and is waiting on "Mistral"
    site.call("wp.editPost", site.admin, post_id, {"post_content": seed_text() + "\n\nAjout de l'auteur."})
    standin.release("edit")
    t.join(120)
    outcome = result["r"].outcomes[0]
    assert outcome.result == "skipped" and "not pushed" in outcome.reason
    post = snapshot(site, post_id)
    assert post["post_status"] == "draft" and post["post_content"].endswith("Ajout de l'auteur.")
    assert not set(YOAST_KEYS) & set(meta(post))


#: The one request that claims a round of drafts, per transport.
BATCH_CALL = {"xmlrpc": "system.multicall", "rest": "POST /batch/v1"}


def test_a_round_of_claims_is_one_request_and_each_claim_is_judged_alone(site, transport):
    ids = [site.create_post(f"Brouillon {i}", seed_text(), tags=[TAG]) for i in range(4)]
    gw = make_wordpress(site_cfg(site, transport=transport))
    summaries = sorted((s for s in gw.list_drafts()), key=lambda s: int(s.post_id))
    site.call("wp.editPost", site.admin, ids[1], {"post_content": seed_text() + "\n\nRelu."})  # changed
    site.hold_edit_lock(ids[2], site.editor)  # open in the editor
    before = sum(gw.calls.values())

    claims = gw.claim_many(summaries, "daemon-a", 600)

    assert sum(gw.calls.values()) - before == 1 and gw.calls[BATCH_CALL[transport]] == 1
    assert [type(c).__name__ for c in claims] == ["Draft", "Conflict", "Conflict", "Draft"]
    assert [c.post_id for c in claims if isinstance(c, Draft)] == [str(ids[0]), str(ids[3])]
    states = {pid: json.loads(meta(snapshot(site, pid)).get(STATE_KEY, "{}")) for pid in ids}
    assert [states[pid].get("state") for pid in ids] == ["claimed", None, None, "claimed"]
    assert states[ids[0]]["by"] == "daemon-a"


def test_a_site_that_blocks_multicall_is_claimed_one_draft_per_request(site, standin):
    ids = site.create_posts([{"title": f"Brouillon {i}", "content": seed_text(), "tags": (TAG,)} for i in range(4)])
    gw = make_wordpress(site_cfg(site))
    with site.multicall_blocked():
        report = run_pass(gw, engine(standin), PassSettings("d", "tag", TAG, timedelta(0), claim_batch=2,
                                                            max_claimed=2))
    assert report.count("rewritten") == 4 and not report.stopped
    # One refused multicall, then each claim on its own for the rest of the gateway's life.
    assert gw.calls["system.multicall"] == 1 and gw.calls["seobridge.claimPost"] == 4
    assert all(snapshot(site, pid)["post_status"] == "pending" for pid in ids)


def test_a_daemon_pass_claims_a_round_per_request(site, standin, transport):
    ids = site.create_posts([{"title": f"Brouillon {i}", "content": seed_text(), "tags": (TAG,)} for i in range(6)])
    with ThreadPoolExecutor(4) as pool:
        gw, report = one_pass(site, standin, transport=transport, executor=pool, claim_batch=3, max_claimed=6)
    assert report.count("rewritten") == 6 and gw.calls[BATCH_CALL[transport]] == 2
    assert all(snapshot(site, pid)["post_status"] == "pending" for pid in ids)
    assert [o.post_id for o in report.outcomes] == [str(pid) for pid in ids]  # reported in selection order


def test_failed_checks_push_nothing_and_are_not_retried_on_the_same_version(site, standin, transport):
    post_id = site.create_post("Brouillon", seed_text(), tags=[TAG])
    standin.script([{"fixture": "bad-invented-quote"}, {"fixture": "bad-invented-quote"}])
    _, report = one_pass(site, standin, transport=transport)
    assert report.outcomes[0].result == "failed" and "quote_not_in_source" in report.outcomes[0].reason
    assert report.outcomes[0].attempted  # a row of its own in the job log
    post = snapshot(site, post_id)
    assert post["post_status"] == "draft" and post["post_content"] == seed_text()
    state = json.loads(meta(post)[STATE_KEY])
    assert state["state"] == "failed"
    calls = len(standin.completions())
    _, again = one_pass(site, standin, transport=transport)
    assert again.outcomes[0].result == "skipped" and "already failed" in again.outcomes[0].reason
    assert not again.outcomes[0].attempted  # a selection skip: counted on the pass
    assert len(standin.completions()) == calls


def test_switch_off_in_wordpress_means_no_work(site, standin, transport):
    site.option("wp_seo_bridge_sync_enabled", "0")
    post_id = site.create_post("Brouillon", seed_text(), tags=[TAG])
    _, report = one_pass(site, standin, transport=transport)
    assert "switched off" in report.stopped and report.switched_off and report.outcomes == []
    assert snapshot(site, post_id)["post_status"] == "draft"


def test_an_author_account_cannot_rewrite_someone_elses_draft(site, standin):
    post_id = site.create_post("Brouillon", seed_text(), tags=[TAG])
    before = snapshot(site, post_id)
    gw, report = one_pass(site, standin, account=site.author)
    assert report.outcomes == []  # WordPress does not even list other users' drafts to an author
    # Asking for it by id anyway: the claim is refused, and so is a direct write of the Yoast fields.
    summary = next(XmlRpcGateway(site_cfg(site)).list_drafts())
    author = XmlRpcGateway(site_cfg(site, site.author))
    with pytest.raises(Forbidden):
        author.claim(summary, "d", 60)
    draft = draft_from_struct({"post_id": post_id, "post_title": "x", "post_content": seed_text()})
    update = PostUpdate(title="Piraté", content="<p>x</p>", slug="x", meta={"_yoast_wpseo_focuskw": "piraté"})
    with pytest.raises((Forbidden, Conflict)):
        author.push(draft, update, "d")
    assert snapshot(site, post_id) == before and standin.completions() == []


@pytest.mark.parametrize("breakage", ["wrong password", "xmlrpc disabled", "plugin missing", "wordpress down"])
def test_site_level_failures_are_one_clear_error_and_change_nothing(site, standin, breakage):
    post_id = site.create_post("Brouillon", seed_text(), tags=[TAG])
    before = snapshot(site, post_id)
    cfg = site_cfg(site)
    expected = {"wrong password": AuthFailed, "xmlrpc disabled": XmlRpcDisabled,
                "plugin missing": PluginMissing, "wordpress down": SiteDown}[breakage]
    if breakage == "wrong password":
        os.environ["WPSB_TEST_PASSWORD"] = "not-the-password"
    if breakage == "wordpress down":
        cfg = site_cfg(site, url="http://127.0.0.1:9")  # nothing listens on the discard port
    ctx = {"xmlrpc disabled": site.xmlrpc_disabled, "plugin missing": site.plugin_disabled}.get(breakage)
    with (ctx() if ctx else _nothing()):
        with pytest.raises(expected) as e:
            run_pass(XmlRpcGateway(cfg), engine(standin), PassSettings("d", "tag", TAG, timedelta(0)))
    assert "\n" not in str(e.value) and len(str(e.value)) < 300
    assert snapshot(site, post_id) == before and standin.completions() == []


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def test_cli_sync_once_prints_a_line_per_draft_and_a_total(site, standin, tmp_path):
    site.create_post("Brouillon", seed_text(), tags=[TAG])
    site.create_post("Court", "<p>Un texte sans rapport.</p>", tags=[TAG])
    standin.script([{"fixture": "seed-fr"}, {"fixture": "seed-fr"}])
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[daemon]\nstate_dir = "{tmp_path}"\n[[sites]]\nname = "local"\nurl = "{site.url}"\n'
                   f'user = "{site.bot.user}"\npassword_env = "WPSB_TEST_PASSWORD"\nmin_quiet_minutes = 0\n')
    env = {**os.environ, "WPSB_TEST_PASSWORD": site.bot.password, "MISTRAL_API_KEY": "k",
           "MISTRAL_SERVER_URL": standin.url}
    proc = subprocess.run([sys.executable, "-m", "wp_seo_bridge", "--config", str(cfg), "sync", "--once"],
                          env=env, capture_output=True, text=True, timeout=120)
    lines = proc.stdout.strip().splitlines()
    assert any(re.match(r"local #\d+ rewritten: keyphrase", l) for l in lines), proc.stdout + proc.stderr
    assert lines[-1].startswith("local: 1 rewritten, 0 skipped, 1 failed"), proc.stdout
    assert proc.returncode == 1  # a failed draft makes the pass exit non-zero
    assert site.bot.password not in proc.stdout + proc.stderr


def test_mistral_unavailable_releases_the_draft_for_the_next_pass(site, standin, transport):
    post_id = site.create_post("Brouillon", seed_text(), tags=[TAG])
    standin.script([{"status": 503}] * 5)  # beyond the retry budget (3 retries)
    _, report = one_pass(site, standin, transport=transport)
    assert report.outcomes[0].result == "failed" and "retried later (try 1 of 3)" in report.outcomes[0].reason
    assert json.loads(meta(snapshot(site, post_id))[STATE_KEY])["state"] == "released"
    _, again = one_pass(site, standin, transport=transport)
    assert [o.result for o in again.outcomes] == ["rewritten"]
    assert snapshot(site, post_id)["post_status"] == "pending"


def test_a_refused_mistral_key_stops_the_pass_and_fails_no_draft(site, standin, transport):
    ids = [site.create_post(f"Brouillon {i}", seed_text(), tags=[TAG]) for i in range(3)]
    standin.script([{"status": 401}])
    _, report = one_pass(site, standin, transport=transport)
    assert report.stopped.startswith("Mistral refused the request") and not report.switched_off
    assert len(standin.completions()) == 1  # the other drafts were not sent
    assert [o.attempted for o in report.outcomes] == [True, False, False]  # then refused at the gate
    for post_id in ids:
        post = snapshot(site, post_id)
        assert post["post_status"] == "draft"
        assert json.loads(meta(post).get(STATE_KEY, '{"state": "none"}'))["state"] in ("released", "none")
    _, again = one_pass(site, standin, transport=transport)
    assert again.count("rewritten") == 3


def test_the_push_stores_yoasts_scores_as_predicted_and_only_the_guarded_edit_writes_them(site, standin, transport):
    # Yoast's Posts list shows these as dots without anyone opening the post.
    from wp_seo_bridge.check.scores import predict
    from wp_seo_bridge.extract import extract
    from wp_seo_bridge.model import YOAST_READABILITY_SCORE, YOAST_SEO_SCORE, Article
    from wp_seo_bridge.pipeline import judge

    post_id = site.create_post("Brouillon", seed_text(), tags=[TAG])
    before = snapshot(site, post_id)
    _, report = one_pass(site, standin, transport=transport)
    assert [o.result for o in report.outcomes] == ["rewritten"], [o.line() for o in report.outcomes]

    def scores() -> dict:
        answer = site.rest("GET", f"/wp/v2/posts/{post_id}", site.admin,
                           params={"context": "edit", "_fields": "wp_seo_bridge_scores"})
        return answer.json()["wp_seo_bridge_scores"]

    fixture = json.loads((SOURCES.parent / "seed-fr.json").read_text(encoding="utf-8"))
    article = Article.model_validate(fixture["article"])
    pushed = snapshot(site, post_id)["post_content"]
    info = make_wordpress(site_cfg(site)).site_info()
    checked = judge(article, extract(before["post_content"], before["post_title"]), wp_version=info.wp_version)
    expected = predict(checked, pushed, article.focus_keyphrase, info.home_url, info.yoast_version)
    assert info.yoast_version == site.yoast_version
    assert checked.html == pushed and checked.passed
    assert scores() == {YOAST_SEO_SCORE: str(expected.seo), YOAST_READABILITY_SCORE: str(expected.readability)}

    # Outside the guarded edit the bot cannot write them: core's wp.editPost custom fields, REST meta.
    with pytest.raises(xmlrpc.client.Fault):
        site.call("wp.editPost", site.bot, post_id, {"custom_fields": [{"key": YOAST_SEO_SCORE, "value": "5"}]})
    refused = site.rest("POST", f"/wp/v2/posts/{post_id}", site.bot,
                        json={"meta": {YOAST_SEO_SCORE: "5"}, "wp_seo_bridge_scores": {YOAST_SEO_SCORE: "5"}})
    assert refused.status_code == 403
    # An administrator's REST update naming them does not write them either (only a guarded write does).
    site.rest("POST", f"/wp/v2/posts/{post_id}", site.admin, json={"wp_seo_bridge_scores": {YOAST_SEO_SCORE: "5"}})
    assert scores()[YOAST_SEO_SCORE] == str(expected.seo)
