"""The guarded edit proves the stored content is the article sent, on the real WordPress, over both transports.

kses (the bot's account has no unfiltered_html) re-serialises what it keeps — those pushes pass, their
fingerprint equal though their bytes differ — and cuts what the site's rules forbid: those pushes fail,
naming the first element lost, and the plugin rolls the whole write back (the draft stays as it was).
"""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from tests.support.markup import corpus
from tests.support.standin import gateway
from tests.support.sync import TAG, meta, site_cfg, snapshot
from wp_seo_bridge.gateways.wordpress.base import PostUpdate
from wp_seo_bridge.gateways.wordpress.errors import ContentAltered
from wp_seo_bridge.markup.stored import fingerprint, first_difference
from wp_seo_bridge.model import STATE_KEY, BridgeState
from wp_seo_bridge.pipeline import Engine, PassSettings, altered_reason, run_pass
from wp_seo_bridge.wiring import make_wordpress

pytestmark = pytest.mark.wordpress

DAEMON = "stored-test"


def markup_corpus() -> dict[str, str]:
    """The contract test's corpus (tests/fixtures/markup, the HTML drafts, the stand-in's articles as rendered
    for each editor, every entity name) but what XML-RPC cannot carry (the Word paste's control characters) and
    the parser's edge cases (attributes no site allows on <p>)."""
    return {name: doc for name, doc in corpus().items()
            if name != "edge-cases" and not re.search("[\x00-\x08\x0b\x0c]", doc)}


def claimed(site, gw, post_id: int):
    [summary] = [s for s in gw.list_drafts() if s.post_id == str(post_id)]
    return gw.claim(summary, DAEMON, 600)


def push(site, gw, content: str, title: str = "Article"):
    """A draft, claimed by the bot, then the guarded edit of ``content``: (post id, draft, error or None)."""
    post_id = site.create_post(title, "<p>Le brouillon de l'auteur, tel qu'il l'a laissé.</p>", tags=[TAG])
    draft = claimed(site, gw, post_id)
    update = PostUpdate(title, content, "article", {}, fingerprint=fingerprint(content))
    try:
        gw.push(draft, update, DAEMON)
    except ContentAltered as e:
        return post_id, draft, e
    return post_id, draft, None


def test_markup_kses_only_rewrites_is_stored_and_proven(site, transport):
    gw = make_wordpress(site_cfg(site, transport=transport))
    docs = markup_corpus()
    assert len(docs) >= 15
    rewritten = []
    for name, doc in docs.items():
        try:
            post_id, _, error = push(site, gw, doc, name)
        except Exception as e:
            raise AssertionError(name) from e
        assert error is None, (name, str(error), first_difference(doc, error.stored) if error else "")
        stored = snapshot(site, post_id)
        assert stored["post_status"] == "pending", name
        assert fingerprint(stored["post_content"]) == fingerprint(doc), name
        if stored["post_content"] != doc:
            rewritten.append(name)
    # kses re-serialised these (quotes, "/>", entities): a byte comparison would have called them altered.
    assert {"classic.html", "links-and-entities.html", "tables.html"} <= set(rewritten), rewritten


CUT = {
    "iframe": ('<p>Avant.</p><iframe src="https://player.vimeo.com/video/1" width="640"></iframe><p>Après.</p>',
               '<iframe src="https://player.vimeo.com/video/1" width="640"> was removed'),
    "onclick": ('<p><a href="https://exemple.fr/a" onclick="track()">suivre</a></p>',
                '<a onclick="track()"> lost its onclick attribute'),
    "protocol": ('<p><a href="javascript:alert(1)">ceci</a></p>',
                 '<a href> was changed from "javascript:alert(1)" to "alert(1)"'),
    "css": ('<figure class="wp-block-image"><img src="https://exemple.fr/a.jpg" alt="A" '
            'style="user-select:none;width:300px"/></figure>',
            '<img style> was changed from "user-select:none;width:300px" to "width:300px"'),
}


@pytest.mark.parametrize("what", sorted(CUT))
def test_markup_kses_cuts_is_refused_and_the_draft_is_left_as_it_was(site, transport, what):
    gw = make_wordpress(site_cfg(site, transport=transport))
    content, said = CUT[what]
    post_id = site.create_post("Article", "<p>Le brouillon.</p>", tags=[TAG])
    before = snapshot(site, post_id)
    revisions = site.call("wp.getRevisions", site.admin, post_id, ["post_content"])
    draft = claimed(site, gw, post_id)
    with pytest.raises(ContentAltered) as e:
        gw.push(draft, PostUpdate("Réécrit", content, "reecrit", {}, fingerprint=fingerprint(content)), DAEMON)
    assert e.value.rolled_back and e.value.stored != content
    assert said in first_difference(content, e.value.stored)
    after = snapshot(site, post_id)  # everything the write did was undone: content, title, status, revision
    assert {k: after[k] for k in ("post_title", "post_content", "post_status", "post_name")} == \
        {k: before[k] for k in ("post_title", "post_content", "post_status", "post_name")}
    assert json.loads(meta(after)[STATE_KEY])["state"] == "claimed"  # still ours: the failure can be recorded
    assert site.call("wp.getRevisions", site.admin, post_id, ["post_content"]) == revisions


def proposal_update(content: str) -> PostUpdate:
    """A proposal's write, as the push stage makes it: the daemon's "rewritten" state among its meta."""
    state = BridgeState(state="rewritten", source_hash="0" * 64, at="2026-12-04T00:00:00Z", by=DAEMON)
    return PostUpdate("Réécrit", content, "reecrit", {STATE_KEY: state.model_dump_json()}, status="pending",
                      fingerprint=fingerprint(content))


def proposal_contents(site) -> list[str]:
    return [p["post_content"] for p in site.call("wp.getPosts", site.admin, {"post_type": "wpsb_proposal",
                                                                              "post_status": "any"},
                                                 ["post_content"])]


@pytest.mark.parametrize("what", ["iframe", "css"])
def test_a_refresh_proposal_kses_cuts_is_rolled_back_and_the_live_post_left_alone(site, transport, what):
    """A published post's proposal is proven the same way: nothing of the write is kept (no proposal, no
    "rewritten" on the live post), the live post is as it was, and the claim is still ours to record the failure."""
    site.option("wp_seo_bridge_refresh_enabled", "1")
    gw = make_wordpress(site_cfg(site, transport=transport))
    content, said = CUT[what]
    post_id = site.create_post("En ligne", "<p>L'article publié.</p>", status="publish", tags=[TAG])
    [summary] = [s for s in gw.list_refresh() if s.post_id == str(post_id)]
    draft = gw.claim(summary, DAEMON, 600)
    assert draft.kind == "refresh" and draft.content == "<p>L'article publié.</p>"
    before = snapshot(site, post_id)  # claimed
    with pytest.raises(ContentAltered) as e:
        gw.push(draft, proposal_update(content), DAEMON)
    assert e.value.rolled_back and said in first_difference(content, e.value.stored)
    assert proposal_contents(site) == [] and snapshot(site, post_id) == before
    failed = BridgeState(state="failed", source_hash=draft.hash, at="2026-12-04T00:00:00Z", by=DAEMON, reason="x")
    gw.record(draft.post_id, failed, DAEMON)  # refused (409) unless the rollback left our claim in place

    # The same write with markup kses only re-serialises: kept, its fingerprint proven.
    kept = '<p>Un <img src="https://exemple.fr/a.jpg" alt="A"/> et <a href=\'https://exemple.fr/b\'>un lien</a>.</p>'
    draft = gw.claim(summary, DAEMON, 600)
    gw.push(draft, proposal_update(kept), DAEMON)
    [stored] = proposal_contents(site)
    assert stored != kept and fingerprint(stored) == fingerprint(kept)
    assert snapshot(site, post_id)["post_content"] == before["post_content"]


def test_a_rewrite_whose_markup_kses_cuts_fails_with_what_was_lost(site, standin, transport):
    """End to end: the draft's image carries a CSS property the site's kses does not allow; the tag and the
    attribute are allowed, so nothing refuses it before the call, but the save would drop it."""
    image = ('<!-- wp:image {"id":7} -->\n<figure class="wp-block-image"><img src="https://exemple.fr/four.jpg" '
             'alt="Le four" class="wp-image-7" style="user-select:none"/></figure>\n<!-- /wp:image -->')
    content = (f"<!-- wp:paragraph -->\n<p>{'Le four banal reprend du service pour la fête du pain. ' * 20}</p>\n"
               f"<!-- /wp:paragraph -->\n\n{image}\n\n<!-- wp:paragraph -->\n<p>Les habitants apportent leur "
               f"pâte et repartent avec leur pain.</p>\n<!-- /wp:paragraph -->")
    post_id = site.create_post("Le four banal", content, tags=[TAG])
    before = snapshot(site, post_id)
    standin.script([{"echo": True}])
    report = run_pass(make_wordpress(site_cfg(site, transport=transport)),
                      Engine(llm=gateway(standin), model="mistral-large-latest"),
                      PassSettings(DAEMON, "tag", TAG, timedelta(0)))
    [o] = report.outcomes
    assert o.result == "failed", o.line()
    assert '<img style> was changed from "user-select:none" to' in o.reason or \
        '<img style="user-select:none"> lost its style attribute' in o.reason, o.reason
    assert "the draft is left as it was" in o.reason and len(standin.completions()) == 1
    after = snapshot(site, post_id)
    assert (after["post_content"], after["post_status"]) == (before["post_content"], "draft")
    state = json.loads(meta(after)[STATE_KEY])
    assert state["state"] == "failed" and state["reason"] == o.reason[:500]


def test_the_reason_names_the_loss_and_where_the_post_stands():
    e = ContentAltered("x", stored="<p>a</p>", rolled_back=True)
    assert altered_reason("<p>a</p><img src='b.jpg'>", e).startswith(
        'WordPress did not store the article as sent (<img src="b.jpg"> and what follows were removed')
