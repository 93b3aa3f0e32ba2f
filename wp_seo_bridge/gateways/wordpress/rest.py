"""WordPress over the REST API with an application password, for sites that block xmlrpc.php.

Same guarantees as the XML-RPC transport (xmlrpc.py): one guarded write per rewrite (the companion plugin
checks ``wp_seo_bridge_if_unmodified_since``, the content hash and our claim under a per-post lock, and
answers 409/423), protected meta always read back, dates never sent. The ``requests.Session`` is the
transport and the testing seam.

Quirks handled here come from ../shared/notes/wordpress.md and the plugin's includes/rest.php: a wrong
application password, or the normal login password, makes the request anonymous (401 from the route,
not a login error); errors are told apart by status and ``code`` (messages are translated); XML-RPC
normalises ``\\r\\n`` in content and REST does not, so the content hash is computed on normalised text.
"""
from __future__ import annotations

import json
import logging
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterator

import requests

from ... import __version__
from ...config import SiteConfig
from ...model import BridgeState, Draft, DraftSummary, MetaField, PublishedChanges
from .base import (
    PUBLISHED_PAGE_SIZE,
    ClaimRounds,
    PostUpdate,
    SiteInfo,
    all_published,
    all_refresh,
    published_query,
    refuse_plain_http,
    summary,
    verify_readback,
)
from .errors import (
    REST_CODES,
    REST_STATUSES,
    AuthFailed,
    PluginMissing,
    RestDisabled,
    SiteDown,
    WordPressError,
    readable,
    refused,
)
from .wire import exchange, new_session

log = logging.getLogger("wp_seo_bridge.gateways.wordpress.rest")

NAMESPACE = "wp-seo-bridge/v1"
PAGE_SIZE = 500  # the plugin's drafts route (core's /wp/v2/posts stops at 100)
MAX_BATCH = 25  # /batch/v1's default limit (rest_get_max_batch_size)
# An update answers the post as stored, read after the write (wp_seo_bridge_stored: the content's fingerprint).
STORED_FIELDS = "status,meta,wp_seo_bridge_scores,wp_seo_bridge_stored"

# Codes security plugins (and old WordPress) answer when the REST API is switched off or kept for some users.
DISABLED_CODES = frozenset({"rest_disabled", "rest_api_disabled", "rest_forbidden", "rest_cannot_access",
                            "rest_login_required", "rest_authentication_required"})

# --- field maps ------------------------------------------------------------------------


def _utc(value: Any) -> datetime | None:
    """REST ``*_gmt`` dates are ISO 8601 without a zone, in UTC."""
    text = str(value or "")
    if not text or text.startswith("0000"):
        return None
    return datetime.fromisoformat(text.removesuffix("Z")).replace(tzinfo=timezone.utc)


def _iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _lf(text: str) -> str:
    """The plugin hashes with normalised line endings (what XML-RPC delivers); do the same with REST's raw text."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _raw(post: dict, key: str) -> str:
    value = post.get(key)
    if isinstance(value, dict) and "raw" in value:
        return str(value["raw"] or "")
    raise WordPressError(f"post {post.get('id')}: no raw {key} in the answer (context=edit refused?)")


def summary_from_json(p: dict) -> DraftSummary:
    return summary(p["id"], p.get("status", ""), _utc(p.get("modified_gmt")), p.get("seo_bridge") or {})


def draft_from_json(p: dict) -> Draft:
    meta = {k: MetaField(None, k, str(v)) for k, v in (p.get("meta") or {}).items()
            if isinstance(v, str) and v != ""}  # REST lists every registered key; XML-RPC only stored rows
    return Draft(
        post_id=str(p["id"]),
        title=_lf(_raw(p, "title")),
        content=_lf(_raw(p, "content")),
        status=p.get("status", ""),
        modified_gmt=_utc(p.get("modified_gmt")),
        tags=tuple(str(t) for t in (p.get("seo_bridge") or {}).get("tags") or ()),
        meta=meta,
        slug=p.get("slug") or "",
        kind="refresh" if (p.get("seo_bridge") or {}).get("kind") == "refresh" else "draft",
    )


def update_body(draft: Draft, update: PostUpdate, daemon_id: str) -> dict:
    """Exactly the fields to change (never dates: a draft must keep its floating date), plus the guard
    the companion plugin checks before WordPress writes anything."""
    body: dict[str, Any] = {
        "title": update.title,
        "content": update.content,
        "slug": update.slug,
        "status": update.status,
        "meta": dict(update.meta),  # REST meta is single-valued by key: no row ids, no duplicates
        "wp_seo_bridge_expect_hash": draft.hash,
        "wp_seo_bridge_daemon": daemon_id,
    }
    if update.fingerprint:  # the plugin keeps the write only if what it stored has this fingerprint
        body["wp_seo_bridge_expect_fingerprint"] = update.fingerprint
    if update.scores:  # not REST meta: the plugin writes these after its guard, and nothing else does
        body["wp_seo_bridge_scores"] = dict(update.scores)
    if draft.modified_gmt:
        body["wp_seo_bridge_if_unmodified_since"] = _iso(draft.modified_gmt)
    return body


# --- error mapping (pure) --------------------------------------------------------------

LOGIN_HINT = ("; over REST the normal login password counts as anonymous: use an application password "
              "(Users → Profile → Application Passwords)")


def error_for(status: int, payload: Any, *, site: SiteConfig, where: str, about_post: bool) -> WordPressError:
    """One clear error for a non-2xx answer. ``payload`` is the decoded JSON, or None when the answer was
    not JSON (a web server or firewall page). A 404 ``rest_no_route`` on our namespace is decided by the
    caller (it needs the route index)."""
    data = payload if isinstance(payload, dict) else {}
    code = str(data.get("code") or "")
    tag = f"HTTP {status} {code}".strip()
    if payload is None:
        if status >= 500:
            return SiteDown(f"{where}: WordPress answered HTTP {status}")
        if status == 404:
            return RestDisabled(f"{where}: no REST API here (HTTP 404) — check the site url; if it is right, the "
                                f'REST API is disabled: enable it or use transport = "xmlrpc" for this site')
        return RestDisabled(f"{where}: blocked before WordPress (HTTP {status}, not a REST answer) — a firewall or "
                            f'security plugin blocks /wp-json/: allow it, or use transport = "xmlrpc" for this site')
    if code in DISABLED_CODES:
        return RestDisabled(
            f"{where}: the REST API is disabled or restricted on this site ({tag}) — allow it for user "
            f"{site.user!r} or use transport = \"xmlrpc\"; if it is open to logged-in users, WordPress did not "
            f"accept the application password"
        )
    if status == 400 and _denied_param(data):
        status = 401
    kind = REST_CODES.get(code) or REST_STATUSES.get(status)  # a row of errors.CONTRACT (a code wins)
    if kind == "post_forbidden" and not about_post:
        kind = "site_forbidden"
    if kind == "gone" and (not about_post or code == "rest_no_route"):
        return RestDisabled(f"{where}: WordPress has no such REST route ({tag}) — the REST API is restricted "
                            f'on this site: enable it or use transport = "xmlrpc"')
    if kind:
        return refused(kind, url=site.url, user=site.user, code=tag,
                       secret=site.password_env or site.password_file, hint=LOGIN_HINT)
    if status >= 500:
        return SiteDown(f"{where}: WordPress answered {tag}")
    params = ", ".join(sorted(data["data"].get("params") or {})) if isinstance(data.get("data"), dict) else ""
    return WordPressError(f"{where}: WordPress refused the request ({tag}{': ' + params if params else ''})")


def _denied_param(data: dict) -> bool:
    """REST answers 400 rest_invalid_param for status=draft when anonymous; the detail says 401."""
    details = data["data"].get("details") if isinstance(data.get("data"), dict) else None
    return isinstance(details, dict) and any(
        isinstance(d, dict) and isinstance(d.get("data"), dict) and d["data"].get("status") == 401
        for d in details.values())


# --- one declaration per remote call (like xmlrpc.py's method classes) -----------------


@dataclass(frozen=True)
class Route:
    """One REST call: verb, path (``{id}`` stands for the post), and whether a refusal concerns that
    post (409/423/403/404 then mean: leave this post) rather than the site."""

    method: str
    path: str
    about_post: bool = False

    def at(self, post_id: str | int | None = None) -> str:
        return self.path.format(id=int(post_id)) if post_id is not None else self.path

    @property
    def name(self) -> str:  # how calls are counted (bench_sync, tests): "POST /wp/v2/posts/<id>"
        return f"{self.method} {self.path.replace('{id}', '<id>')}"

    @property
    def ours(self) -> bool:
        return self.path.startswith(f"/{NAMESPACE}/")


INDEX = Route("GET", "/")
INFO = Route("GET", f"/{NAMESPACE}/info")
DRAFTS = Route("GET", f"/{NAMESPACE}/drafts")
CLAIM = Route("POST", f"/{NAMESPACE}/claim/{{id}}", about_post=True)
BATCH = Route("POST", "/batch/v1")
GUARDED_EDIT = Route("POST", "/wp/v2/posts/{id}", about_post=True)  # core's update, under the plugin's guard
RECORD_STATE = Route("POST", f"/{NAMESPACE}/state/{{id}}", about_post=True)
NOTIFY = Route("POST", f"/{NAMESPACE}/notify")
PUBLISHED = Route("GET", f"/{NAMESPACE}/published")
REFRESH = Route("GET", f"/{NAMESPACE}/refresh")
PROPOSE = Route("POST", f"/{NAMESPACE}/propose/{{id}}", about_post=True)  # a refresh's guarded write

# --- the gateway -----------------------------------------------------------------------


class RestGateway:
    """One site over the REST API. Thread-safe: the daemon calls it from a small pool."""

    def __init__(self, site: SiteConfig, session: requests.Session | None = None):
        self.site = site.name
        self.cfg = site
        self.endpoint = f"{site.url}/wp-json"
        refuse_plain_http(site, "application password")
        self.session = session or new_session()
        self.session.headers["User-Agent"] = f"wp-seo-bridge/{__version__}"
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._plain_routes: bool | None = None  # True: ?rest_route= (sites without pretty permalinks)
        # WordPress < 5.6 or a security plugin refuses /batch/v1: one by one. A 401 there is the password.
        self._rounds = ClaimRounds(self.site, "REST batch", fatal=(SiteDown, AuthFailed), size=MAX_BATCH)

    # --- transport ---

    def _url(self, route: str, params: dict, plain: bool) -> tuple[str, dict]:
        if plain:
            return f"{self.cfg.url}/", {"rest_route": route, **params}
        return self.endpoint + route, params

    def _send(self, method: str, route: str, params: dict, body: dict | None, plain: bool):
        url, query = self._url(route, params, plain)
        r, body_bytes = exchange(
            self.session, method, url, deadline_s=self.cfg.timeout_s, where=self.endpoint, params=query, json=body,
            auth=(self.cfg.user, self.cfg.password()),  # read per call: a rotated secret needs no restart
            headers={"Accept": "application/json"},
        )
        try:
            return r, _json_or_none(body_bytes)
        except RecursionError:
            raise WordPressError(f"{self.endpoint}: WordPress's answer is nested too deeply to read") from None

    def _request(self, call: Route, post_id: str | int | None = None, *, params: dict | None = None,
                 body: dict | None = None) -> tuple[Any, requests.structures.CaseInsensitiveDict]:
        with self._lock:
            self.calls[call.name] += 1
        method, route, params = call.method, call.at(post_id), params or {}
        plain = bool(self._plain_routes)
        r, payload = self._send(method, route, params, body, plain)
        if r.status_code == 404 and payload is None and self._plain_routes is None:
            # /wp-json/ is not routed without pretty permalinks; ?rest_route= always is.
            r2, payload2 = self._send(method, route, params, body, True)
            if payload2 is not None:
                log.info("%s: /wp-json/ is not routed here, using ?rest_route=", self.site)
                self._plain_routes = True
                r, payload = r2, payload2
        if r.status_code >= 400:
            raise self._error(r.status_code, payload, call)
        if payload is None:
            raise WordPressError(f"{self.endpoint}{route}: not a REST answer (HTTP {r.status_code}, no JSON)")
        if self._plain_routes is None:
            self._plain_routes = plain
        return payload, r.headers

    def _error(self, status: int, payload: Any, call: Route) -> WordPressError:
        code = payload.get("code") if isinstance(payload, dict) else None
        if status == 404 and code == "rest_no_route" and call.ours:
            return self._plugin_missing()
        return error_for(status, payload, site=self.cfg, where=self.endpoint, about_post=call.about_post)

    def _plugin_missing(self) -> WordPressError:
        """Our route is unknown: the plugin is off, or the whole REST API is (the index tells which)."""
        try:
            index, _ = self._request(INDEX)
        except WordPressError as e:
            return e
        if NAMESPACE in (index.get("namespaces") or ()):
            return PluginMissing(f"{self.cfg.url}: the companion plugin 'wp-seo-bridge' is too old for the REST "
                                 f"transport — update it (`wp-seo-bridge plugin --zip wp-seo-bridge.zip`)")
        return PluginMissing.at(self.cfg.url)

    # --- the interface ---

    def site_info(self) -> SiteInfo:
        raw, _ = self._request(INFO)
        with readable(self.endpoint):
            return SiteInfo.from_plugin(raw, self.cfg)

    def list_drafts(self) -> Iterator[DraftSummary]:
        page = 1
        while True:
            items, headers = self._request(DRAFTS, params={"per_page": PAGE_SIZE, "page": page})
            with readable(self.endpoint):
                summaries = [summary_from_json(p) for p in items]
                total = headers.get("X-WP-TotalPages")
                # Some proxies strip X-WP-* headers: a short page is the last one then.
                last = page >= int(total) if total and total.isdigit() else len(items) < PAGE_SIZE
            yield from summaries
            if last or not items:
                return
            page += 1

    def claim(self, summary: DraftSummary, daemon_id: str, ttl_s: int) -> Draft:
        raw, _ = self._request(CLAIM, summary.post_id, body=_claim_body(summary, daemon_id, ttl_s))
        with readable(self.endpoint):
            return draft_from_json(raw)

    def claim_many(self, summaries: list[DraftSummary], daemon_id: str, ttl_s: int) -> list[Draft | WordPressError]:
        return self._rounds.claim(
            summaries, lambda s: self.claim(s, daemon_id, ttl_s),
            lambda chunk: self._claim_batch(chunk, daemon_id, ttl_s))

    def _claim_batch(self, summaries: list[DraftSummary], daemon_id: str, ttl_s: int) -> list[Draft | WordPressError]:
        """Claims in one /batch/v1 request (one WordPress start-up); each answer is judged on its own."""
        calls = [{"method": CLAIM.method, "path": CLAIM.at(s.post_id), "body": _claim_body(s, daemon_id, ttl_s)}
                 for s in summaries]
        raw, _ = self._request(BATCH, body={"requests": calls})
        answers = raw.get("responses") if isinstance(raw, dict) else None
        if not isinstance(answers, list) or len(answers) != len(calls):
            got = len(answers) if isinstance(answers, list) else "no list of"
            raise WordPressError(f"{self.endpoint}: /batch/v1 answered {got} results for {len(calls)} claims")
        with readable(self.endpoint):
            return [draft_from_json(a.get("body")) if int(a.get("status") or 500) < 300 else
                    self._error(int(a.get("status") or 500), a.get("body"), CLAIM)
                    for a in answers]

    def list_refresh(self) -> Iterator[DraftSummary]:
        return all_refresh(lambda page: self._request(REFRESH, params={"per_page": PAGE_SIZE, "page": page})[0])

    def push(self, draft: Draft, update: PostUpdate, daemon_id: str) -> None:
        # Core answers an update in context=edit, built after meta and hooks ran: that answer is the read-back.
        # A live post (refresh) gets a proposal beside it instead, answered the same way.
        route = PROPOSE if draft.kind == "refresh" else GUARDED_EDIT
        stored, _ = self._request(route, draft.post_id, params={"_fields": STORED_FIELDS},
                                  body=update_body(draft, update, daemon_id))
        with readable(self.endpoint):
            stored = stored if isinstance(stored, dict) else {}
            meta = {**(stored.get("meta") or {}), **(stored.get("wp_seo_bridge_scores") or {})}
            verify_readback(draft.post_id, update, meta, stored.get("status"), self.cfg.user,
                            stored.get("wp_seo_bridge_stored"))

    def record(self, post_id: str, state: BridgeState, daemon_id: str) -> None:
        self._request(RECORD_STATE, post_id, body={"daemon_id": daemon_id, "state_json": state.model_dump_json()})

    def notify(self) -> int:
        """The plugin's review e-mail for this pass (the posts it marked); the number of recipients."""
        raw, _ = self._request(NOTIFY, body={})
        with readable(self.endpoint):
            if isinstance(raw, dict):  # tolerate {"recipients": n} as well as a bare n
                raw = raw.get("recipients", raw.get("sent", 0))
            return int(raw or 0)

    def list_published(self, modified_since: datetime | None = None) -> PublishedChanges:
        params = {"per_page": PUBLISHED_PAGE_SIZE, "modified_since": published_query(modified_since)}
        return all_published(lambda page: self._request(PUBLISHED, params={**params, "page": page})[0],
                             modified_since)


def _claim_body(summary: DraftSummary, daemon_id: str, ttl_s: int) -> dict:
    return {"expect_hash": summary.content_hash, "daemon_id": daemon_id, "ttl_seconds": ttl_s}


def _json_or_none(body: bytes) -> Any:
    """Decoded JSON, or None for an HTML page or garbage. Tolerates a BOM or blank lines a plugin printed."""
    try:
        return json.loads(body.decode("utf-8-sig")) if body.strip() else None
    except (UnicodeDecodeError, ValueError):
        return None
