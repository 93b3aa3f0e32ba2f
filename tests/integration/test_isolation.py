"""One bad draft never stops the others, on the real local WordPress: a claim round holding a draft
pasted from Word (U+000B), a 10,000-level nesting bomb and an oversized draft next to a clean one.
Every state is read back from WordPress as the admin."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.support.standin import gateway
from tests.support.sync import TAG, meta, seed_text, site_cfg, snapshot
from wp_seo_bridge.model import STATE_KEY
from wp_seo_bridge.pipeline import Engine, PassSettings, run_pass
from wp_seo_bridge.wiring import make_wordpress

pytestmark = pytest.mark.wordpress

TITLE = "La Chine rejette les allégations"


@pytest.mark.parametrize("transport", ["xmlrpc", "rest"])
def test_a_round_with_poisoned_drafts_rewrites_the_others_and_leaves_nothing_claimed(site, standin, transport):
    text = seed_text()
    html = "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
    clean = site.create_post(TITLE, text, tags=[TAG])
    # Word's manual line break: over XML-RPC it made the whole claim answer unreadable.
    word = site.create_post_rest(TITLE, text.replace("\n\n", "\x0b\n\n", 3) + "\x0c", tags=[TAG])
    bomb = site.create_post(TITLE, "<div>" * 10_000 + html + "</div>" * 10_000, tags=[TAG])
    oversized = site.create_post(TITLE, "\n\n".join([text] * 4), tags=[TAG])
    ids = [clean, word, bomb, oversized]

    gw = make_wordpress(site_cfg(site, transport=transport))
    report = run_pass(gw, Engine(llm=gateway(standin), model="mistral-large-latest", max_source_words=2000),
                      PassSettings("test-daemon", "tag", TAG, timedelta(0), claim_batch=4, max_claimed=4))

    results = {int(o.post_id): (o.result, o.reason) for o in report.outcomes}
    assert {pid: results[pid][0] for pid in ids} == {clean: "rewritten", word: "rewritten", bomb: "rewritten",
                                                      oversized: "failed"}, results
    assert "max_source_words" in results[oversized][1]
    assert len(standin.completions()) == 3  # the oversized draft cost nothing
    states = {pid: json.loads(meta(snapshot(site, pid))[STATE_KEY]) for pid in ids}
    assert all(s["state"] != "claimed" for s in states.values()), states
    assert states[oversized]["state"] == "failed" and "max_source_words" in states[oversized]["reason"]
    pushed = snapshot(site, word)
    assert pushed["post_status"] == "pending" and "\x0b" not in pushed["post_content"]
