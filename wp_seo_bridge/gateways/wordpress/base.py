"""The WordPress gateway: the only code that talks to a site (XML-RPC or REST).

Both transports implement :class:`WordPressGateway`; the pipeline never knows which one it has.
"""
from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterator, Protocol

from ...config import SiteConfig, plain_http_refusal
from ...markup.kses import KsesRules
from ...model import BridgeState, Draft, DraftSummary, PublishedChanges, PublishedPost
from .errors import (
    AuthFailed,
    Conflict,
    ContentAltered,
    Forbidden,
    InsecureTransport,
    MetaDropped,
    PluginMissing,
    WordPressError,
    readable,
)

log = logging.getLogger("wp_seo_bridge.gateways.wordpress")

#: The companion plugin this daemon needs at least (0.3.0: the bot writes only through the guard, the
#: review e-mail is the plugin's own, published posts listed for internal links, shortcodes and kses told).
MIN_PLUGIN_VERSION = "0.3.0"


@dataclass(frozen=True)
class SiteInfo:
    """What the companion plugin (``seobridge.info``) says about the site, read once per pass."""

    plugin_version: str
    sync_enabled: bool  # the site admin's switch (Settings → SEO Bridge)
    opt_in: str  # "tag" | "all-drafts"
    opt_in_tag: str
    can_publish: bool  # the daemon's account can publish: we warn, the bot should not be able to
    used_keyphrases: frozenset[str] = field(default_factory=frozenset)  # lower-cased, other posts'
    wp_version: str = "6.1"  # the site's WordPress: its block editor's markup is what we write
    shortcodes: frozenset[str] | None = None  # registered shortcode names (None: an older plugin did not say)
    kses: KsesRules | None = None  # what kses lets the bot save; None: unfiltered_html, or not said
    home_url: str = ""  # links to this host are internal links for Yoast
    yoast_version: str = ""  # Yoast SEO's, "" when it is not active: its editor's scoring differs by version
    refresh_enabled: bool = False  # the admin lets published posts be refreshed (as proposals)

    @classmethod
    def from_plugin(cls, raw: dict, site: SiteConfig) -> "SiteInfo":
        """The plugin's ``info`` answer (same struct over XML-RPC and REST); the site's config fills gaps.
        Raises PluginMissing when the plugin is older than this daemon needs."""
        version = str(raw.get("version", ""))
        if _version(version) < _version(MIN_PLUGIN_VERSION):
            raise PluginMissing(
                f"{site.url}: the companion plugin 'wp-seo-bridge' is version {version or '?'}, this daemon needs "
                f"{MIN_PLUGIN_VERSION} or later — upload the new one (`wp-seo-bridge plugin --zip "
                f"wp-seo-bridge.zip`, then Plugins → Add New → Upload, replacing the current version)")
        return cls(
            plugin_version=version,
            sync_enabled=bool(raw.get("sync_enabled")),
            opt_in=str(raw.get("opt_in") or site.opt_in),
            opt_in_tag=str(raw.get("opt_in_tag") or site.opt_in_tag),
            can_publish=bool(raw.get("can_publish")),
            used_keyphrases=frozenset(str(k).lower() for k in raw.get("used_keyphrases") or ()),
            # A plugin before 0.3 does not say: the oldest supported markup is never refused by a newer editor.
            wp_version=str(raw.get("wp_version") or "6.1"),
            shortcodes=frozenset(map(str, raw["shortcodes"])) if isinstance(raw.get("shortcodes"), list) else None,
            kses=None if raw.get("unfiltered_html", True) or not isinstance(raw.get("allowed_html"), dict)
            else KsesRules({str(t).lower(): frozenset(str(a).lower() for a in (attrs or ()))
                            for t, attrs in raw["allowed_html"].items()},
                           frozenset(str(p).lower() for p in raw.get("allowed_protocols") or ())),
            home_url=str(raw.get("home_url") or site.url),
            yoast_version=str(raw.get("yoast_version") or ""),
            refresh_enabled=bool(raw.get("refresh_enabled")),
        )


@dataclass(frozen=True)
class PostUpdate:
    """Everything one rewrite writes, sent in ONE guarded edit."""

    title: str
    content: str
    slug: str
    meta: dict[str, str]  # Yoast fields + our bookkeeping; updated by meta row id when present
    status: str = "pending"
    scores: dict[str, str] = field(default_factory=dict)  # Yoast's score meta: the plugin writes these keys itself
    # markup.stored.fingerprint(content): the plugin keeps the write only if the stored content has it
    fingerprint: str = ""


class WordPressGateway(Protocol):
    site: str  # a short name for logs ("blog.example.fr")

    def site_info(self) -> SiteInfo:
        """Detects the companion plugin and reads the admin's switch. Raises PluginMissing."""

    def list_drafts(self) -> Iterator[DraftSummary]:
        """Every draft, page by page, with only the fields selection needs (no content)."""

    def claim(self, summary: DraftSummary, daemon_id: str, ttl_s: int) -> Draft:
        """Atomically marks the draft as ours (in WordPress) and returns it in full.

        Raises Conflict when it changed since ``summary``, is locked, not a draft, or claimed by
        another daemon.
        """

    def claim_many(self, summaries: list[DraftSummary], daemon_id: str, ttl_s: int) -> list[Draft | WordPressError]:
        """``claim`` for several drafts in one request where the transport allows (XML-RPC
        system.multicall, REST /batch/v1). Answers in order: each Draft, or why that draft was not
        claimed (Conflict: leave it; another WordPressError: it failed). Raises WordPressError when
        the request as a whole failed."""

    def push(self, draft: Draft, update: PostUpdate, daemon_id: str) -> None:
        """One guarded edit (if_not_modified_since + server-side hash check) whose answer is what
        WordPress stored; raises MetaDropped when that is not the meta we sent."""

    def record(self, post_id: str, state: BridgeState, daemon_id: str) -> None:
        """Writes only our bookkeeping (a failure, a release) without touching the post itself."""

    def notify(self) -> int:
        """End of a pass: the plugin sends the editors ONE e-mail listing the posts its guard stored as
        rewritten and not yet mailed (the plugin keeps that list; the caller names no post)."""

    def list_refresh(self) -> Iterator[DraftSummary]:
        """The published and scheduled posts opted in for a refresh (``kind="refresh"``), 500 a request; the
        plugin lists none while the admin's setting is off. Claimed with ``claim_many`` like drafts; their
        ``push`` writes a proposal, never the live post."""

    def list_published(self, modified_since: datetime | None = None) -> PublishedChanges:
        """The published posts (internal-link candidates), 500 a request; with ``modified_since`` only
        those changed since then, and the ids unpublished since then (one request when few changed)."""


def refuse_plain_http(site: SiteConfig, secret: str) -> None:
    """Raises InsecureTransport for http:// to another machine unless the site's config allows it."""
    refusal = plain_http_refusal(site.url, allow=site.allow_insecure_http, secret=secret,
                                 owner=f"site {site.name!r}", opt_out="allow_insecure_http = true for this site")
    if refusal:
        raise InsecureTransport(refusal)


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3]) or (0,)


def per_post(claim: Callable[[], Any]) -> Any:
    """One claim answered like an item of a batch: this post's refusal is returned, not raised."""
    try:
        return claim()
    except (Conflict, Forbidden) as e:
        return e


class ClaimRounds:
    """Claims a round of drafts in one request (XML-RPC system.multicall, REST /batch/v1) while the site
    accepts it, one draft per request from the first refusal on, for the gateway's life: security plugins
    refuse several logins in one request (on the whole request, or on the calls after the first), old
    WordPress has no /batch/v1. A real bad password fails again one by one, and is raised there. The rule
    for both transports; each gives its ``one`` (a claim) and ``many`` (a round in one request)."""

    def __init__(self, site: str, what: str, *, fatal: tuple[type[WordPressError], ...], size: int = 0):
        self.site, self.what, self.fatal, self.size = site, what, fatal, size
        self.batches = True  # until the site refuses one

    def claim(self, summaries: list[DraftSummary], one: Callable[[DraftSummary], Draft],
              many: Callable[[list[DraftSummary]], list[Draft | WordPressError]]) -> list[Draft | WordPressError]:
        if len(summaries) == 1 or not self.batches:
            return [per_post(lambda s=s: one(s)) for s in summaries]
        out: list[Draft | WordPressError] = []
        size = self.size or len(summaries)
        for start in range(0, len(summaries), size):
            try:
                answers = many(summaries[start:start + size])
                login = next((a for a in answers if isinstance(a, AuthFailed)), None)
                if login is not None:  # a login refused inside the round: the round was refused
                    raise login
            except self.fatal:  # the site as a whole (down, plugin missing, ...): not the batching
                raise
            except WordPressError as e:
                log.warning("%s: %s refused (%s): claiming one draft per request", self.site, self.what, e)
                self.batches = False
                return out + self.claim(summaries[start:], one, many)
            out += answers
        return out


def parse_state(raw: str) -> BridgeState | None:
    """Our bookkeeping as stored on the post; garbage counts as none (the plugin's claim guard still holds)."""
    if not raw:
        return None
    try:
        return BridgeState.model_validate_json(raw)
    except ValueError:
        return None


def summary(post_id, status: str, modified_gmt, bridge: dict) -> DraftSummary:
    """A listing row from the plugin's ``seo_bridge`` struct (content hash, state, edit lock, tag slugs)."""
    return DraftSummary(
        post_id=str(post_id),
        status=status,
        modified_gmt=modified_gmt,
        tags=tuple(str(t) for t in bridge.get("tags") or ()),
        content_hash=bridge.get("content_hash", ""),
        state=parse_state(bridge.get("state", "")),
        locked_by=int(bridge.get("locked_by") or 0) or None,
        kind="refresh" if bridge.get("kind") == "refresh" else "draft",
    )


def refresh_page(raw: dict) -> tuple[list[DraftSummary], int]:
    """One page of the plugin's listRefresh answer (same struct over XML-RPC and REST): rows, pages."""
    if not isinstance(raw, dict):
        raise WordPressError("listRefresh: unexpected answer (not a struct)")
    rows = [summary(r["id"], str(r.get("status", "")), _iso_utc(r.get("modified_gmt")), r.get("seo_bridge") or {})
            for r in raw.get("posts") or () if isinstance(r, dict) and r.get("id")]
    return rows, int(raw.get("pages") or 1)


def all_refresh(fetch_page: Callable[[int], dict]) -> Iterator[DraftSummary]:
    page = 1
    while True:
        with readable("listRefresh"):
            rows, pages = refresh_page(fetch_page(page))
        yield from rows
        if page >= pages or not rows:
            return
        page += 1


PUBLISHED_PAGE_SIZE = 500  # the plugin's maximum for listPublished / /published


def published_query(modified_since: datetime | None) -> str:
    """The plugin's modified_since: ISO 8601 UTC, '' for the whole list."""
    return modified_since.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if modified_since else ""


def published_page(raw: dict) -> tuple[list[PublishedPost], int, list[str]]:
    """One page of the plugin's listPublished answer (same struct over XML-RPC and REST):
    the posts, the number of pages, the removed ids."""
    with readable("listPublished"):
        return _published_page(raw)


def _published_page(raw: dict) -> tuple[list[PublishedPost], int, list[str]]:
    if not isinstance(raw, dict):
        raise WordPressError("listPublished: unexpected answer (not a struct)")
    posts = [PublishedPost(
        post_id=str(r["id"]),
        title=html.unescape(str(r.get("title") or "")),
        link=str(r.get("link") or ""),
        keyphrase=str(r.get("keyphrase") or ""),
        categories=tuple(str(c) for c in r.get("categories") or ()),
        tags=tuple(str(t) for t in r.get("tags") or ()),
        modified_gmt=_iso_utc(r.get("modified_gmt")),
    ) for r in raw.get("posts") or () if isinstance(r, dict) and r.get("id")]
    return posts, int(raw.get("pages") or 1), [str(i) for i in raw.get("removed") or ()]


def _iso_utc(value) -> datetime | None:
    text = str(value or "")
    if not text or text.startswith("0000"):
        return None
    return datetime.fromisoformat(text.removesuffix("Z")).replace(tzinfo=timezone.utc)


def all_published(fetch_page: Callable[[int], dict], modified_since: datetime | None) -> PublishedChanges:
    """Every page of the listing (``fetch_page(n)`` answers page n)."""
    posts: list[PublishedPost] = []
    removed: list[str] = []
    page = 1
    while True:
        rows, pages, gone = published_page(fetch_page(page))
        posts += rows
        removed += gone
        if page >= pages or len(rows) < PUBLISHED_PAGE_SIZE:
            return PublishedChanges(tuple(posts), tuple(removed))
        page += 1


def verify_readback(post_id: str, update: PostUpdate, stored: dict[str, str], status: str, user: str,
                    content: Any = None) -> None:
    """What WordPress says it stored after our push, whatever the transport: protected meta can be
    dropped silently (answer OK, nothing written), and kses can cut markup, so only the read-back is proof.
    ``content``: the plugin's {fingerprint, rolled_back, content?} of the stored content, checked first."""
    if update.fingerprint:
        if not isinstance(content, dict) or not isinstance(content.get("fingerprint"), str):
            rolled_back = isinstance(content, dict) and bool(content.get("rolled_back"))
            raise ContentAltered(f"post {post_id}: WordPress did not say what content it stored (is the companion "
                                 f"plugin {MIN_PLUGIN_VERSION} or later active?)", rolled_back=rolled_back)
        if content.get("rolled_back") or content["fingerprint"].lower() != update.fingerprint:
            raise ContentAltered(f"post {post_id}: WordPress stored other content than the article sent",
                                 stored=str(content.get("content") or ""), rolled_back=bool(content.get("rolled_back")))
    missing = [k for k, v in {**update.meta, **update.scores}.items() if stored.get(k) != v]
    if missing:
        raise MetaDropped(
            f"post {post_id}: WordPress did not store {', '.join(missing)} — is the companion plugin "
            f"active and does user {user!r} have the right to edit this post?"
        )
    if status != update.status:
        raise WordPressError(f"post {post_id}: status is {status!r}, expected {update.status!r}")
