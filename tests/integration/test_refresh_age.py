"""The admin's age pick of published posts (issue 14, optional part): with "also pick published posts not modified
for N days, at most M a pass, oldest or weakest first", the plugin's refresh listing carries, after the tagged and
asked posts, up to M published posts older than N days, each live version once; the daemon proposes them like any
refresh (the live post untouched) and never twice. On the real local WordPress, both transports.
"""
from __future__ import annotations

import html
import re
from datetime import datetime, timedelta, timezone

import pytest
import requests

from tests.support.sync import TAG, engine, seed_text, site_cfg
from wp_seo_bridge.pipeline import PassSettings, run_pass
from wp_seo_bridge.wiring import make_wordpress

pytestmark = pytest.mark.wordpress

AGE, PICK, ORDER = "wp_seo_bridge_refresh_age_days", "wp_seo_bridge_refresh_pick_max", "wp_seo_bridge_refresh_order"
SCORE = "_yoast_wpseo_linkdex"
DONE = "_wp_seo_bridge_refresh_done"  # when the live version's refresh was settled


@pytest.fixture
def site(reset):
    reset.option("wp_seo_bridge_sync_enabled", "1")
    reset.option("wp_seo_bridge_refresh_enabled", "1")
    return reset


def published(wp, title: str, days: float, status: str = "publish", tags=(), content: str | None = None) -> int:
    """A published (or scheduled) post last modified ``days`` ago."""
    post_id = wp.create_post(title, seed_text() if content is None else content, status=status, tags=list(tags))
    wp.age_post(post_id, days)
    return post_id


def listed(wp, transport="xmlrpc") -> list[int]:
    """The plugin's refresh listing as the daemon reads it, in its order."""
    return [int(s.post_id) for s in make_wordpress(site_cfg(wp, transport=transport)).list_refresh()]


def one_pass(wp, handle, transport="xmlrpc", **kw):
    return run_pass(make_wordpress(site_cfg(wp, transport=transport)), engine(handle),
                    PassSettings("test-daemon", "tag", TAG, timedelta(0), **kw))


def live(wp, post_id: int) -> dict:
    return wp.call("wp.getPost", wp.admin, post_id, ["post_title", "post_content", "post_status", "post_modified_gmt"])


def proposed_for(wp) -> list[int]:
    return sorted(int(p["post_parent"]) for p in wp.call(
        "wp.getPosts", wp.admin, {"post_type": "wpsb_proposal", "post_status": "any", "number": 50}, ["post_parent"]))


def decide(wp, post_id: int, name: str = "reject") -> None:
    """The editor's "Reject refresh" (or "Approve refresh") row action in the Posts list (nonce included)."""
    s = wp.admin_session(wp.editor)
    page = s.get(f"{wp.url}/wp-admin/edit.php", params={"post_status": "all"}, timeout=30).text
    [url] = [html.unescape(u) for u in re.findall(rf'class="wpsb-refresh-{name}"[^>]* href="([^"]+)"', page)
             if re.search(rf"[?&]post={post_id}(&|$)", html.unescape(u))]
    r = s.get(url, timeout=60, allow_redirects=False)
    assert r.status_code == 302 and f"wpsb_done=refresh_{name}" in r.headers["location"], r.text[:300]


def test_with_the_age_pick_off_no_untagged_post_is_picked(site, standin):
    old = [published(site, f"Vieil article {i}", 900) for i in range(2)]
    assert site.option(AGE) in ("", "0")  # off unless the admin sets it
    assert listed(site) == []
    report = one_pass(site, standin)
    assert report.outcomes == [] and proposed_for(site) == [] and standin.completions() == []
    assert all(live(site, p)["post_status"] == "publish" for p in old)


def test_only_posts_older_than_n_days_at_most_m_oldest_first_each_version_once(site, standin, transport):
    site.option(AGE, "30")
    site.option(PICK, "2")
    a = published(site, "Le plus ancien", 400)
    b = published(site, "Assez ancien", 100)
    c = published(site, "Ancien", 200)
    published(site, "Trop récent", 10)
    published(site, "Planifié", 500, status="future")  # scheduled: not "old", whatever its dates
    tagged = published(site, "Étiqueté", 1, tags=[TAG])  # asked for explicitly: listed first
    assert listed(site, transport) == [tagged, a, c]

    before = {p: live(site, p) for p in (a, b, c)}
    report = one_pass(site, standin, transport)
    assert sorted(int(o.post_id) for o in report.outcomes if o.result == "refreshed") == sorted([tagged, a, c])
    assert proposed_for(site) == sorted([tagged, a, c])
    assert {p: live(site, p) for p in (a, b, c)} == before  # proposals only: the live posts are as they were

    # Their live versions are settled: the next M places go to the next oldest; none is proposed twice.
    assert listed(site, transport) == [tagged, b]
    again = one_pass(site, standin, transport)
    assert [int(o.post_id) for o in again.outcomes if o.result == "refreshed"] == [b]
    assert len(standin.completions()) == 4

    # A rejected proposal: that live version is never picked again.
    decide(site, a, "reject")
    assert a not in listed(site, transport)
    third = one_pass(site, standin, transport)
    assert [o for o in third.outcomes if o.result == "refreshed"] == [] and len(standin.completions()) == 4
    assert a not in proposed_for(site) and live(site, a) == before[a]


def test_failed_and_approved_versions_are_not_picked_again(site, standin):
    site.option(AGE, "30")
    site.option(PICK, "1")
    empty = published(site, "Sans texte", 500, content="")
    a = published(site, "Approuvé", 400)
    b = published(site, "Suivant", 300)
    assert listed(site) == [empty]
    [failed] = one_pass(site, standin).outcomes
    assert (int(failed.post_id), failed.result) == (empty, "failed"), failed
    assert listed(site) == [a]  # the failed version gives its place to the next one
    assert [o.result for o in one_pass(site, standin).outcomes] == ["refreshed"]
    decide(site, a, "approve")
    site.age_post(a, 400)  # months later: the approved text is ours, not to be refreshed again
    assert listed(site) == [b]


def test_weakest_yoast_score_first_then_the_unscored_oldest_first(site):
    site.option(AGE, "30")
    site.option(ORDER, "weakest")
    site.option(PICK, "3")
    scores = {"80": 300, "20": 60, "": 900, "50": 40, "7": 35}  # Yoast's SEO score → days since modified
    ids = {}
    for score, days in scores.items():
        ids[score] = published(site, f"Score {score or 'aucun'}", days)
        if score:
            site.set_post_meta(ids[score], SCORE, score)
    assert listed(site) == [ids["7"], ids["20"], ids["50"]]
    site.option(PICK, "10")
    assert listed(site) == [ids["7"], ids["20"], ids["50"], ids["80"], ids[""]]  # no score: after the scored
    site.option(ORDER, "oldest")
    assert listed(site, "rest") == [ids[""], ids["80"], ids["20"], ids["50"], ids["7"]]


def test_the_daemon_caps_still_apply_and_an_edited_post_is_not_old(site, standin):
    site.option(AGE, "30")
    site.option(PICK, "3")
    old = [published(site, f"Ancien {i}", 300 - i) for i in range(3)]
    report = one_pass(site, standin, max_posts=1)  # the daemon's max_posts_per_pass
    assert [int(o.post_id) for o in report.outcomes if o.result == "refreshed"] == [old[0]]
    # An edit of an old post makes it recent: not picked until it is N days old again.
    site.call("wp.editPost", site.admin, old[1], {"post_content": seed_text() + "\n\n<p>Mis à jour.</p>"})
    assert listed(site) == [old[2]]
    # Months after its proposal, a save that leaves the text as it was (a tag) keeps that version settled: when the
    # post is old again, it is not picked (the daemon would skip it by hash, wasting one of the M places).
    site.set_post_meta(old[0], DONE, (datetime.now(timezone.utc) - timedelta(days=290)).strftime("%Y-%m-%d %H:%M:%S"))
    site.age_post(old[0], 291)
    site.call("wp.editPost", site.admin, old[0], {"terms_names": {"post_tag": ["archives"]}})
    site.age_post(old[0], 200)
    assert listed(site) == [old[2]]


def test_the_admin_sets_the_age_pick_on_the_settings_page_sanitised(site):
    session = site.admin_session(site.admin)
    page = session.get(f"{site.url}/wp-admin/options-general.php", params={"page": "wp-seo-bridge"}, timeout=30).text
    assert f'name="{AGE}"' in page and f'name="{PICK}"' in page and 'value="weakest"' in page
    nonce = re.search(r'name="_wpnonce" value="([^"]+)"', page).group(1)
    form = {"option_page": "wp_seo_bridge", "action": "update", "_wpnonce": nonce,
            "_wp_http_referer": "/wp-admin/options-general.php?page=wp-seo-bridge",
            "wp_seo_bridge_sync_enabled": "1", "wp_seo_bridge_refresh_enabled": "1"}
    for sent, kept in (((" 45 ", "7", "weakest"), ("45", "7", "weakest")),
                       (("-3", "1000", "<script>"), ("0", "100", "oldest")),
                       (("", "", "oldest"), ("0", "5", "oldest"))):
        r = session.post(f"{site.url}/wp-admin/options.php", timeout=30,
                         data={**form, AGE: sent[0], PICK: sent[1], ORDER: sent[2]})
        assert r.status_code == 200
        assert (site.option(AGE), site.option(PICK), site.option(ORDER)) == kept
    # Without the settings nonce nothing changes.
    session.post(f"{site.url}/wp-admin/options.php", timeout=30, data={**form, "_wpnonce": "0", AGE: "9"})
    assert site.option(AGE) == "0"
    assert requests.get(f"{site.url}/wp-admin/options-general.php?page=wp-seo-bridge", timeout=30,
                        allow_redirects=False).status_code == 302  # visitors are sent to the login
