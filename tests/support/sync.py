"""A pass of our pipeline against the real local WordPress, and the post read back as the admin.

``one_pass(site, standin)`` runs ``run_pass`` with the bot's account on the drafts tagged ``TAG``;
``snapshot`` / ``meta`` / ``state_of`` read what WordPress stored; ``source`` gives a stand-in fixture's
draft as an author would paste it.
"""
from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

from tests.support import corpus
from tests.support.standin import gateway
from wp_seo_bridge.config import parse
from wp_seo_bridge.model import STATE_KEY
from wp_seo_bridge.pipeline import Engine, PassSettings, run_pass
from wp_seo_bridge.wiring import make_wordpress

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "wp_seo_bridge" / "standin" / "fixtures"
SOURCES = FIXTURES / "sources"
TAG = "seo-bridge"
#: The plugin's list of the posts awaiting SEO review.
REVIEW_VIEW = "edit.php?post_status=pending&wpsb_review=1"


def source(name: str) -> str:
    """A stand-in fixture's source draft as an author would paste it (a .txt's first line is its title)."""
    path = next(SOURCES.glob(f"{name}.*"))
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".txt":
        return "\n\n".join(l for l in text.splitlines()[1:] if l.strip())
    return text


def split_source(name: str) -> tuple[str, str]:
    """A .txt source as (title, text)."""
    lines = [l for l in (SOURCES / name).read_text(encoding="utf-8").splitlines() if l.strip()]
    return lines[0], "\n\n".join(lines[1:])


def seed_text() -> str:
    return source("seed-fr")


def site_cfg(wp, account=None, transport="xmlrpc", secret=None, **kw):
    account = account or wp.bot
    # REST logs in with an application password (the normal one counts as anonymous there); XML-RPC takes both.
    if secret is None:
        secret = account.app_password if transport in ("rest", "auto") else account.password
    os.environ["WPSB_TEST_PASSWORD"] = secret
    return parse({"sites": [{"name": "local", "url": wp.url, "user": account.user, "transport": transport,
                             "password_env": "WPSB_TEST_PASSWORD", "min_quiet_minutes": 0, **kw}]}).sites[0]


def engine(handle) -> Engine:
    return Engine(llm=gateway(handle), model="mistral-large-latest")


def one_pass(wp, handle, account=None, daemon_id="test-daemon", transport="xmlrpc", **kw):
    gw = make_wordpress(site_cfg(wp, account, transport))
    settings = {k: kw.pop(k) for k in ("claim_batch", "max_claimed", "max_posts") if k in kw}
    return gw, run_pass(gw, engine(handle), PassSettings(daemon_id, "tag", TAG, timedelta(0), **settings), **kw)


def snapshot(wp, post_id: int) -> dict:
    p = wp.call("wp.getPost", wp.admin, post_id,
                ["post_title", "post_content", "post_status", "post_modified_gmt", "post_name", "custom_fields"])
    p["custom_fields"] = sorted((f["key"], f["value"]) for f in p["custom_fields"])
    p["post_modified_gmt"] = str(p["post_modified_gmt"])
    return p


def meta(post: dict) -> dict:
    return dict(post["custom_fields"])


def state_of(wp, post_id: int) -> dict:
    return json.loads(meta(snapshot(wp, post_id)).get(STATE_KEY, "null") or "null")


def tags_of(wp, post_id: int) -> list[str]:
    return [t["slug"] for t in wp.call("wp.getPost", wp.admin, post_id, ["terms"])["terms"]
            if t["taxonomy"] == "post_tag"]


def wp_version(wp) -> str:
    """The site's WordPress version as core reports it (not through our plugin)."""
    return wp.call("wp.getOptions", wp.admin, ["software_version"])["software_version"]["value"]


def load_corpus(wp) -> dict[str, str]:
    """The 210 published posts of tests/fixtures/corpus in 3 multicall requests (~5 s); answers {post id: category}."""
    posts = corpus.posts()
    ids = wp.create_posts([dict(title=p.title, content=p.content, status="publish", tags=p.tags,
                                meta={"_yoast_wpseo_focuskw": p.keyphrase}, categories=(p.category,)) for p in posts])
    return {str(i): p.category for i, p in zip(ids, posts)}
