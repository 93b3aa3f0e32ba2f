"""The block editor opens every pushed post of the draft corpus (tests/fixtures/drafts: Markdown, plain
text, Gutenberg, classic HTML, a Word paste, 6,000 words, a 10,000-level nesting) with no invalid block."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.support.drafts import corpus
from tests.support.standin import gateway
from tests.support.sync import TAG, site_cfg
from wp_seo_bridge.pipeline import Engine, PassSettings, run_pass
from wp_seo_bridge.wiring import make_wordpress

pytestmark = pytest.mark.browser


def test_the_block_editor_opens_each_pushed_draft_without_invalid_blocks(site, standin, login):
    drafts = corpus()
    ids = {}
    for name, content in drafts.items():
        ids[name] = (site.create_post_rest(name, content, tags=[TAG]) if re.search("[\x00-\x08\x0b\x0c]", content)
                     else site.create_post(name, content, tags=[TAG]))
    standin.script([{"echo": True}] * len(drafts))
    report = run_pass(make_wordpress(site_cfg(site)), Engine(llm=gateway(standin), model="mistral-large-latest"),
                      PassSettings("test-daemon", "tag", TAG, timedelta(0), claim_batch=4))
    assert sorted(o.result for o in report.outcomes) == ["rewritten"] * len(drafts), [o.line() for o in report.outcomes]
    editor = login(site.editor)
    for name, post_id in ids.items():
        editor.console.clear()
        editor.open_editor(post_id)
        assert editor.invalid_blocks() == [] and editor.block_messages() == [], name
