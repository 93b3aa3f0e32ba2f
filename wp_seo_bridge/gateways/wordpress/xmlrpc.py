"""WordPress over XML-RPC (python-wordpress-xmlrpc), in the library's own style: one small class per
remote call, a declarative field map, and an injectable transport (the testing seam).

Quirks handled here come from ../shared/notes/wordpress.md: partial edits are plain dicts (a
``WordPressPost`` object would rename the post "Untitled"), dates are never sent back except
``if_not_modified_since`` as a UTC DateTime, meta rows are updated by id, faults are told apart by
code (their text is translated), and protected meta is always verified as stored (the plugin's
guarded edit answers with what the database holds after the write).
"""
from __future__ import annotations

import collections
import collections.abc
import logging
import re
import threading
import xmlrpc.client
from collections import Counter
from datetime import datetime, timezone
from typing import Any, Iterator

# python-wordpress-xmlrpc 2.3 still uses collections.Iterable (gone since Python 3.10).
if not hasattr(collections, "Iterable"):
    collections.Iterable = collections.abc.Iterable  # type: ignore[attr-defined]

import requests
from defusedxml.xmlrpc import DefusedExpatParser
from wordpress_xmlrpc import Client
from wordpress_xmlrpc.base import AuthenticatedMethod
from wordpress_xmlrpc.exceptions import InvalidCredentialsError, ServerConnectionError, XmlrpcDisabledError

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
    XMLRPC_FAULTS,
    PluginMissing,
    SiteDown,
    WordPressError,
    XmlRpcDisabled,
    readable,
    refused,
)
from .wire import exchange, new_session

log = logging.getLogger("wp_seo_bridge.gateways.wordpress.xmlrpc")

PAGE_SIZE = 500  # one wp.getPosts page; 100 drafts weigh ~23 KB with the fields below
# Tag slugs come in the plugin's seo_bridge struct: asking for "terms" too doubles the page time.
LIST_FIELDS = ["post_id", "post_status", "post_modified_gmt", "seo_bridge"]

# --- one class per remote call ---------------------------------------------------------


class ListDrafts(AuthenticatedMethod):
    method_name = "wp.getPosts"
    method_args = ("filter", "fields")


class GuardedEdit(AuthenticatedMethod):
    """wp.editPost under the plugin's guard, answering {post_status, meta} as stored: no read-back call."""

    method_name = "seobridge.editPost"
    method_args = ("post_id", "content")


class BridgeInfo(AuthenticatedMethod):
    method_name = "seobridge.info"


class ClaimPost(AuthenticatedMethod):
    method_name = "seobridge.claimPost"
    method_args = ("post_id", "expect_hash", "daemon_id", "ttl_seconds")


class RecordState(AuthenticatedMethod):
    method_name = "seobridge.recordState"
    method_args = ("post_id", "daemon_id", "state_json")


class NotifyPending(AuthenticatedMethod):
    """The plugin mails the posts its guard marked; the daemon names none."""
    method_name = "seobridge.notifyPending"


class ListRefresh(AuthenticatedMethod):
    """Published/scheduled posts opted in for a refresh: {posts, total, pages} (includes/refresh.php)."""

    method_name = "seobridge.listRefresh"
    method_args = ("query",)


class ProposeRefresh(AuthenticatedMethod):
    """A refresh's guarded write: the proposal beside the live post, answering {post_status, meta} as stored."""

    method_name = "seobridge.proposeRefresh"
    method_args = ("post_id", "content")


class ListPublished(AuthenticatedMethod):
    """Published posts as internal-link candidates: {posts, total, pages, removed} (includes/links.php)."""

    method_name = "seobridge.listPublished"
    method_args = ("query",)


# --- transport -------------------------------------------------------------------------

_METHOD_RE = re.compile(rb"<methodName>([^<]+)</methodName>")


class RequestsTransport(xmlrpc.client.Transport):
    """XML-RPC over a ``requests.Session``: verified TLS, the exchange rules both transports share
    (wire.py: no redirects, a wall-clock deadline, a size cap), keep-alive across threads, responses
    parsed with defusedxml (no entity expansion), and a per-method call count."""

    def __init__(self, url: str, *, timeout: float = 30, session: requests.Session | None = None):
        super().__init__()
        self.url = url
        self.timeout = timeout  # the whole exchange, body included
        self.session = session or new_session()
        self.session.headers["User-Agent"] = f"wp-seo-bridge/{__version__}"
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    def request(self, host, handler, request_body, verbose=False):
        m = _METHOD_RE.search(request_body if isinstance(request_body, bytes) else request_body.encode())
        with self._lock:
            self.calls[m.group(1).decode() if m else "?"] += 1
        r, body = exchange(self.session, "POST", self.url, deadline_s=self.timeout, where=self.url,
                           data=request_body, headers={"Content-Type": "text/xml; charset=utf-8"})
        if r.status_code in (403, 405):
            # Hardened hosts block xmlrpc.php. Said here, by status code, because the library's
            # Client() folds a ProtocolError on its first call into plain text.
            raise XmlRpcDisabled(
                f"{self.url}: XML-RPC is blocked on this site (HTTP {r.status_code}) — unblock xmlrpc.php "
                f'or use transport = "rest" (or "auto") for this site'
            )
        if r.status_code != 200:
            raise xmlrpc.client.ProtocolError(self.url, r.status_code, r.reason, dict(r.headers))
        parser, unmarshaller = self.getparser()
        parser.feed(body)
        parser.close()
        return unmarshaller.close()

    def getparser(self):
        unmarshaller = xmlrpc.client.Unmarshaller()
        return DefusedExpatParser(unmarshaller), unmarshaller


# --- field maps ------------------------------------------------------------------------


def _utc(value: Any) -> datetime | None:
    """XML-RPC ``*_gmt`` dates are naive UTC; WordPress sends 00000000T00:00:00 for 'none'."""
    text = str(value or "")
    if not text or text.startswith("0000"):
        return None
    return datetime.strptime(text, "%Y%m%dT%H:%M:%S").replace(tzinfo=timezone.utc)


def _tags(terms: list[dict]) -> tuple[str, ...]:
    return tuple(t.get("slug", "") for t in terms or () if t.get("taxonomy") == "post_tag")


def summary_from_struct(s: dict) -> DraftSummary:
    return summary(s["post_id"], s.get("post_status", ""), _utc(s.get("post_modified_gmt")), s.get("seo_bridge") or {})


def _meta(custom_fields: list[dict]) -> dict[str, MetaField]:
    out: dict[str, MetaField] = {}
    for f in custom_fields or ():
        out.setdefault(f["key"], MetaField(str(f.get("id", "")) or None, f["key"], str(f.get("value", ""))))
    return out


def draft_from_struct(s: dict) -> Draft:
    return Draft(
        post_id=str(s["post_id"]),
        title=s.get("post_title", ""),
        content=s.get("post_content", ""),
        status=s.get("post_status", ""),
        modified_gmt=_utc(s.get("post_modified_gmt")),
        tags=_tags(s.get("terms", [])),
        meta=_meta(s.get("custom_fields", [])),
        slug=s.get("post_name", ""),
        kind="refresh" if (s.get("seo_bridge") or {}).get("kind") == "refresh" else "draft",
    )


def edit_struct(draft: Draft, update: PostUpdate, daemon_id: str) -> dict:
    """Exactly the fields to change (never dates: a draft must keep its floating date)."""
    struct: dict[str, Any] = {
        "post_title": update.title,
        "post_content": update.content,
        "post_name": update.slug,
        "post_status": update.status,
        "custom_fields": [
            {"id": draft.meta[k].id, "key": k, "value": v} if k in draft.meta and draft.meta[k].id
            else {"key": k, "value": v}
            for k, v in update.meta.items()
        ],
        # Checked by the companion plugin under a lock: content hash + our claim (1 s resolution of
        # if_not_modified_since misses same-second saves; the hash does not).
        "seo_bridge_expect_hash": draft.hash,
        "seo_bridge_daemon": daemon_id,
    }
    if update.fingerprint:  # the plugin keeps the write only if what it stored has this fingerprint
        struct["seo_bridge_expect_fingerprint"] = update.fingerprint
    if update.scores:  # not custom fields: the plugin writes these after its guard, and nothing else does
        struct["seo_bridge_scores"] = dict(update.scores)
    if draft.modified_gmt:
        struct["if_not_modified_since"] = xmlrpc.client.DateTime(draft.modified_gmt.replace(tzinfo=None))
    return struct


# --- the gateway -----------------------------------------------------------------------


class XmlRpcGateway:
    """One site over XML-RPC. Thread-safe: the daemon calls it from a small pool."""

    def __init__(self, site: SiteConfig, *, transport: RequestsTransport | None = None):
        self.site = site.name
        self.cfg = site
        self.endpoint = f"{site.url}/xmlrpc.php"
        refuse_plain_http(site, "password")
        self.transport = transport or RequestsTransport(self.endpoint, timeout=site.timeout_s)
        self._client: Client | None = None
        self._client_lock = threading.Lock()
        self._rounds = ClaimRounds(self.site, "system.multicall", fatal=(SiteDown, PluginMissing))

    # Client() calls mt.supportedMethods when built: do it once, lazily, and learn about the plugin.
    def _connect(self) -> Client:
        with self._client_lock:
            if self._client is None:
                self._client = self._wrap(
                    lambda: Client(self.endpoint, self.cfg.user, self.cfg.password(), transport=self.transport)
                )
            return self._client

    def _call(self, method: AuthenticatedMethod) -> Any:
        client = self._connect()
        if method.method_name.startswith("seobridge.") and method.method_name not in client.supported_methods:
            raise PluginMissing.at(self.cfg.url)
        return self._wrap(lambda: client.call(method))

    def _wrap(self, fn):
        try:
            return fn()
        except InvalidCredentialsError:
            raise self._fault(xmlrpc.client.Fault(403, "")) from None
        except XmlrpcDisabledError:  # fault 405: the xmlrpc_enabled filter says no
            raise self._fault(xmlrpc.client.Fault(405, "")) from None
        except ServerConnectionError as e:
            raise self._protocol_error(str(e)) from None
        except xmlrpc.client.ProtocolError as e:
            raise self._protocol_error(f"HTTP {e.errcode}", e.errcode) from None
        except xmlrpc.client.Fault as e:
            raise self._fault(e) from None
        except xmlrpc.client.ResponseError as e:
            raise WordPressError(f"{self.endpoint}: not an XML-RPC answer ({e})") from None
        except Exception as e:  # expat errors, defused entity bombs
            if isinstance(e, WordPressError):
                raise
            if type(e).__module__.startswith(("defusedxml", "xml", "pyexpat")) or "ExpatError" in type(e).__name__:
                raise WordPressError(f"{self.endpoint}: unreadable XML-RPC answer ({type(e).__name__})") from None
            raise

    def _protocol_error(self, text: str, code: int = 0) -> WordPressError:
        if code == 0:
            m = re.search(r": (\d{3})\b", text)  # "<ProtocolError for URL: 404 Not Found>"
            code = int(m.group(1)) if m else 0
        if code == 404:
            return XmlRpcDisabled(f"{self.endpoint}: no XML-RPC endpoint here (HTTP 404) — check the site url")
        return SiteDown(f"{self.endpoint}: WordPress answered {text}")

    def _fault(self, e: xmlrpc.client.Fault) -> WordPressError:
        code = e.faultCode
        if code in XMLRPC_FAULTS:  # a row of errors.CONTRACT
            return refused(XMLRPC_FAULTS[code], url=self.cfg.url, user=self.cfg.user, code=f"fault {code}",
                           secret=self.cfg.password_env or self.cfg.password_file)
        if code == 405:
            return XmlRpcDisabled(f"{self.endpoint}: XML-RPC services are disabled on this site — "
                                  "enable them or use the REST transport")
        return WordPressError(f"{self.endpoint}: XML-RPC fault {code}")

    # --- the interface ---

    @property
    def calls(self) -> Counter[str]:
        return self.transport.calls

    def site_info(self) -> SiteInfo:
        raw = self._call(BridgeInfo())
        with readable(self.endpoint):
            return SiteInfo.from_plugin(raw, self.cfg)

    def list_drafts(self) -> Iterator[DraftSummary]:
        offset = 0
        while True:
            page = self._call(ListDrafts(
                {"post_type": "post", "post_status": "draft", "number": PAGE_SIZE, "offset": offset,
                 "orderby": "ID", "order": "ASC"},
                LIST_FIELDS,
            ))
            with readable(self.endpoint):
                summaries = [summary_from_struct(s) for s in page]
                last = len(page) < PAGE_SIZE
            yield from summaries
            if last:
                return
            offset += PAGE_SIZE

    def claim(self, summary: DraftSummary, daemon_id: str, ttl_s: int) -> Draft:
        raw = self._call(ClaimPost(int(summary.post_id), summary.content_hash, daemon_id, ttl_s))
        with readable(self.endpoint):
            return draft_from_struct(raw)

    def claim_many(self, summaries: list[DraftSummary], daemon_id: str, ttl_s: int) -> list[Draft | WordPressError]:
        return self._rounds.claim(
            summaries, lambda s: self.claim(s, daemon_id, ttl_s),
            lambda chunk: self._claim_round(chunk, daemon_id, ttl_s))

    def _claim_round(self, summaries: list[DraftSummary], daemon_id: str, ttl_s: int) -> list[Draft | WordPressError]:
        answers = self._multicall([ClaimPost(int(s.post_id), s.content_hash, daemon_id, ttl_s) for s in summaries])
        with readable(self.endpoint):
            return [a if isinstance(a, WordPressError) else draft_from_struct(a) for a in answers]

    def _multicall(self, methods: list[AuthenticatedMethod]) -> list[Any]:
        """Several calls in one request, so one WordPress start-up (system.multicall, part of WordPress's
        XML-RPC server). Each answer is the call's value, or its fault as a WordPressError."""
        client = self._connect()
        if any(m.method_name.startswith("seobridge.") and m.method_name not in client.supported_methods
               for m in methods):
            raise PluginMissing.at(self.cfg.url)
        calls = [{"methodName": m.method_name, "params": list(m.get_args(client))} for m in methods]
        answers = self._wrap(lambda: client.server.system.multicall(calls))
        if not isinstance(answers, list) or len(answers) != len(calls):
            raise WordPressError(f"{self.endpoint}: system.multicall answered "
                                 f"{len(answers) if isinstance(answers, list) else 'no list of'} results "
                                 f"for {len(calls)} calls")
        with readable(self.endpoint):
            return [self._fault(xmlrpc.client.Fault(int(a.get("faultCode", 0)), str(a.get("faultString", ""))))
                    if isinstance(a, dict) else m.process_result(a[0]) for m, a in zip(methods, answers)]

    def list_refresh(self) -> Iterator[DraftSummary]:
        return all_refresh(lambda page: self._call(ListRefresh({"page": page, "per_page": PAGE_SIZE})))

    def push(self, draft: Draft, update: PostUpdate, daemon_id: str) -> None:
        write = ProposeRefresh if draft.kind == "refresh" else GuardedEdit  # a live post: a proposal only
        stored = self._call(write(int(draft.post_id), edit_struct(draft, update, daemon_id)))
        with readable(self.endpoint):
            verify_readback(draft.post_id, update, stored.get("meta") or {}, stored.get("post_status"), self.cfg.user,
                            stored.get("content"))

    def record(self, post_id: str, state: BridgeState, daemon_id: str) -> None:
        self._call(RecordState(int(post_id), daemon_id, state.model_dump_json()))

    def notify(self) -> int:
        raw = self._call(NotifyPending())
        with readable(self.endpoint):
            return int(raw or 0)

    def list_published(self, modified_since: datetime | None = None) -> PublishedChanges:
        since = published_query(modified_since)
        return all_published(lambda page: self._call(ListPublished(
            {"page": page, "per_page": PUBLISHED_PAGE_SIZE, "modified_since": since})), modified_since)
