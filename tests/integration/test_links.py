"""Internal links against the real local WordPress: the plugin's published-posts listing (both transports,
500 a page, modified since), the daemon's per-day cache, and rewrites of related drafts on a site of 210
published French posts (tests/fixtures/corpus) gaining links to related posts only."""
from __future__ import annotations

import html
import json
import re
import time
from datetime import date, timedelta

import pytest

from tests.support.sync import TAG, engine, load_corpus, meta, site_cfg, snapshot, split_source
from wp_seo_bridge.daemon.linkcache import LinkCache
from wp_seo_bridge.gateways.wordpress.errors import AuthFailed, Forbidden, WordPressError
from wp_seo_bridge.model import STATE_KEY
from wp_seo_bridge.pipeline import PassSettings, run_pass
from wp_seo_bridge.wiring import make_wordpress

pytestmark = pytest.mark.wordpress


def gateway(wp, transport="xmlrpc", account=None):
    return make_wordpress(site_cfg(wp, account or wp.bot, transport=transport))


def test_listing_gives_published_posts_only_with_keyphrase_and_terms(site, transport):
    pub = site.create_post("Le compost en appartement", status="publish", tags=["jardin"],
                           meta={"_yoast_wpseo_focuskw": "compost en appartement"})
    site.create_posts([dict(title="Brouillon", status="draft"), dict(title="Privé", status="private"),
                       dict(title="Plus tard", status="future")])
    got = gateway(site, transport).list_published()
    assert [p.post_id for p in got.posts] == [str(pub)]
    post = got.posts[0]
    assert (post.title, post.keyphrase, post.tags) == (
        "Le compost en appartement", "compost en appartement", ("jardin",))
    assert post.link.startswith(site.url) and post.modified_gmt is not None


def test_modified_since_lists_only_changes_and_names_unpublished_posts(site, transport):
    a, b = site.create_posts([dict(title="Un", status="publish"), dict(title="Deux", status="publish")])
    gw = gateway(site, transport)
    first = gw.list_published()
    since = max(p.modified_gmt for p in first.posts)
    assert gw.list_published(since + timedelta(seconds=1)).posts == ()
    time.sleep(1.1)  # post_modified_gmt has one-second resolution
    site.call("wp.editPost", site.admin, b, {"post_status": "draft"})
    site.call("wp.editPost", site.admin, a, {"post_title": "Un, retitré"})
    changes = gw.list_published(since + timedelta(seconds=1))
    assert [p.title for p in changes.posts] == ["Un, retitré"] and changes.removed == (str(b),)


def test_listing_needs_an_account_that_may_edit_posts(site):
    site.create_post("Public", status="publish")
    with pytest.raises((Forbidden, AuthFailed, WordPressError)):
        gateway(site, "xmlrpc", site.subscriber).list_published()
    r = site.rest("GET", "/wp-seo-bridge/v1/published", site.bot)
    assert r.status_code == 200
    import requests
    anonymous = requests.get(f"{site.rest_url}/wp-seo-bridge/v1/published", timeout=30)
    assert anonymous.status_code == 401


def test_the_daemon_cache_costs_one_request_per_pass_and_a_full_listing_per_day(site, tmp_path):
    load_corpus(site)
    gw = gateway(site, "rest")
    day = [date(2026, 12, 3)]
    cache = LinkCache(tmp_path, today=lambda: day[0])
    before = sum(gw.calls.values())
    assert len(cache.candidates("local", gw)) == 210
    assert sum(gw.calls.values()) - before == 1  # 210 posts: one page of 500
    for _ in range(3):
        assert len(cache.candidates("local", gw)) == 210
    assert sum(gw.calls.values()) - before == 4  # one "modified since" request per pass
    new = site.create_post("Le vélo cargo électrique en famille", status="publish")
    assert str(new) in {p.post_id for p in cache.candidates("local", gw)}
    day[0] += timedelta(days=1)
    site.call("wp.deletePost", site.admin, new)
    assert str(new) not in {p.post_id for p in cache.candidates("local", gw)}


#: Drafts with a stand-in fixture, and the corpus category a human would link each to (None: none is related).
E2E_DRAFTS = {"seed-fr.txt": "Numérique", "long-fr.txt": "Voyage", "news-en.txt": None, "wire-fr.txt": None}


@pytest.mark.parametrize("transport", ["xmlrpc", "rest"])
def test_related_drafts_gain_links_to_related_posts_and_unrelated_drafts_none(site, standin, tmp_path, transport):
    category = load_corpus(site)
    drafts = {}
    for name in E2E_DRAFTS:
        title, text = split_source(name)
        drafts[name] = site.create_post(title, text, tags=[TAG])
    gw = gateway(site, transport)
    cache = LinkCache(tmp_path)
    report = run_pass(gw, engine(standin), PassSettings("test-daemon", "tag", TAG, timedelta(0)),
                      link_candidates=lambda: cache.candidates("local", gw))
    assert sorted(o.result for o in report.outcomes) == ["rewritten"] * 4, report.outcomes
    by_url = {}
    for p in cache.candidates("local", gw):
        by_url[p.link] = p.post_id
    for name, related in E2E_DRAFTS.items():
        post = snapshot(site, drafts[name])
        links = json.loads(meta(post)[STATE_KEY])["links"]
        hrefs = [h for h in re.findall(r'<a href="([^"]+)"', post["post_content"]) if h in by_url]
        if related is None:
            assert links == [] and hrefs == [], (name, links)
            continue
        assert 1 <= len(links) <= 3, (name, links)
        assert [category[l["post_id"]] for l in links] == [related] * len(links)
        assert sorted(hrefs) == sorted(l["url"] for l in links)  # each one in the pushed content, once
        assert all(f'>{l["anchor"]}</a>' in post["post_content"] for l in links)
        assert str(drafts[name]) not in {l["post_id"] for l in links}
        # The review panel (the block editor's sidebar, filled from wpsbReview) lists each link, anchor and target.
        page = site.admin_session(site.editor).get(f"{site.url}/wp-admin/post.php",
                                                   params={"post": drafts[name], "action": "edit"}, timeout=30).text
        panel = json.loads(re.search(r"var wpsbReview = (\{.*?\});\n", page).group(1))["panel"]["html"]
        panel = html.unescape(panel[panel.index('<div class="wpsb-links">'):])
        assert all(f'« {l["anchor"]} » → <a href="{l["url"]}"' in panel for l in links), (panel, links)
    prompts = [m["content"] for body in standin.completions() for m in body["messages"] if m["role"] == "user"]
    assert sum("[[POST-1|…]]" in p for p in prompts) == 2  # offers went to the two related drafts only
