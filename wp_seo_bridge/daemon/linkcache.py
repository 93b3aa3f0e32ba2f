"""Each site's published posts (internal-link candidates), kept in the state dir for the day.

The first pass of a (local) day that has a draft to rewrite lists every published post (one request per
500); later passes ask only for the posts changed since the newest one seen (one request when few
changed), which also names the posts unpublished since then. A post that left without a change of its
own (deleted outright) drops out at the next day's full listing. Quiet passes never ask (the pipeline
calls ``candidates`` only when it has a draft to rewrite).
"""
from __future__ import annotations

import json
import logging
import os
import re
import threading
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path

from ..gateways.wordpress.base import WordPressGateway
from ..model import PublishedPost

log = logging.getLogger("wp_seo_bridge.daemon.links")

VERSION = 1


class LinkCache:
    def __init__(self, state_dir: str | Path, today=date.today):
        self.dir = Path(state_dir) / "published"
        self._today = today
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def _path(self, site: str) -> Path:
        return self.dir / (re.sub(r"[^\w.-]+", "_", site) + ".json")

    def candidates(self, site: str, wp: WordPressGateway) -> list[PublishedPost]:
        with self._lock:
            lock = self._locks.setdefault(site, threading.Lock())
        with lock:  # one listing per site at a time
            return self._refresh(site, wp)

    def _refresh(self, site: str, wp: WordPressGateway) -> list[PublishedPost]:
        day = self._today().isoformat()
        cached = self._load(site)
        if cached is None or cached["day"] != day:
            changes = wp.list_published()
            posts = {p.post_id: p for p in changes.posts}
            log.info("%s: %d published posts listed (internal-link candidates)", site, len(posts))
        else:
            posts = {p["post_id"]: _post(p) for p in cached["posts"]}
            newest = max((p.modified_gmt for p in posts.values() if p.modified_gmt), default=None)
            changes = wp.list_published(newest)
            for gone in changes.removed:
                posts.pop(gone, None)
            posts.update({p.post_id: p for p in changes.posts})
        self._save(site, day, list(posts.values()))
        return sorted(posts.values(), key=lambda p: int(p.post_id) if p.post_id.isdigit() else 0)

    def _load(self, site: str) -> dict | None:
        try:
            data = json.loads(self._path(site).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # none yet, or unreadable: the full listing rebuilds it
        return data if isinstance(data, dict) and data.get("version") == VERSION else None

    def _save(self, site: str, day: str, posts: list[PublishedPost]) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        rows = [{**asdict(p), "modified_gmt": p.modified_gmt.isoformat() if p.modified_gmt else None} for p in posts]
        tmp = self._path(site).with_suffix(".tmp")
        tmp.write_text(json.dumps({"version": VERSION, "day": day, "posts": rows}, ensure_ascii=False),
                       encoding="utf-8")
        os.replace(tmp, self._path(site))


def _post(row: dict) -> PublishedPost:
    modified = row.get("modified_gmt")
    return PublishedPost(
        post_id=str(row["post_id"]), title=row.get("title", ""), link=row.get("link", ""),
        keyphrase=row.get("keyphrase", ""), categories=tuple(row.get("categories") or ()),
        tags=tuple(row.get("tags") or ()), modified_gmt=datetime.fromisoformat(modified) if modified else None)
