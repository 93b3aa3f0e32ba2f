"""transport = "auto": XML-RPC where it works, the REST API where the host blocks xmlrpc.php.

Decided once per gateway, on its first call, and logged: HTTP 403/405 on xmlrpc.php or fault 405
switch to REST for the gateway's life; any other error (bad password, plugin missing, site down) is the
site's answer and is raised as is. One secret serves both: an application password works over XML-RPC too.
"""
from __future__ import annotations

import logging
import threading
from collections import Counter
from datetime import datetime
from typing import Callable, Iterator, TypeVar

from ...config import SiteConfig
from ...model import BridgeState, Draft, DraftSummary, PublishedChanges
from .base import PostUpdate, SiteInfo, WordPressGateway
from .errors import RestDisabled, WordPressError, XmlRpcDisabled
from .rest import RestGateway
from .xmlrpc import XmlRpcGateway

log = logging.getLogger("wp_seo_bridge.gateways.wordpress.auto")

T = TypeVar("T")



class AutoGateway:
    """Delegates to XmlRpcGateway, or to RestGateway once XML-RPC turned out to be disabled."""

    def __init__(self, site: SiteConfig, *, xmlrpc: XmlRpcGateway | None = None,
                 rest: Callable[[], RestGateway] | None = None):
        self.site = site.name
        self.cfg = site
        self.xmlrpc = xmlrpc or XmlRpcGateway(site)
        self._make_rest = rest or (lambda: RestGateway(site))
        self.rest: RestGateway | None = None
        self.chosen: WordPressGateway | None = None  # None until the first call decided
        self.why_rest = ""  # XML-RPC's refusal, when we fell back
        self._lock = threading.Lock()

    @property
    def transport(self) -> str:
        return "" if self.chosen is None else ("rest" if self.chosen is self.rest else "xmlrpc")

    @property
    def calls(self) -> Counter[str]:
        """Every call made, the XML-RPC probe included (what the benchmark counts)."""
        return self.xmlrpc.calls + (self.rest.calls if self.rest else Counter())

    def _first(self, call: Callable[[WordPressGateway], T]) -> T:
        """Runs ``call`` on the chosen transport, choosing it first if needed (threads wait for the choice)."""
        if self.chosen is not None:
            return call(self.chosen)
        with self._lock:
            if self.chosen is None:
                try:
                    result = call(self.xmlrpc)
                except XmlRpcDisabled as e:
                    self._fall_back(e)
                else:
                    self.chosen = self.xmlrpc
                    log.info("%s: transport auto → XML-RPC", self.site)
                    return result
        return call(self.chosen)

    def _fall_back(self, why: Exception) -> None:
        self.rest = self._make_rest()
        self.chosen = self.rest
        # The library's fault-405 text is translated by WordPress: say it in our words.
        self.why_rest = str(why) if isinstance(why, XmlRpcDisabled) else (
            f"{self.xmlrpc.endpoint}: XML-RPC services are disabled on this site (fault 405)")
        log.warning("%s: transport auto → REST API (%s)", self.site, self.why_rest)

    def _call(self, call: Callable[[WordPressGateway], T]) -> T:
        try:
            return self._first(call)
        except RestDisabled as e:
            if self.why_rest:
                # Both doors closed: say so in one line rather than only the second refusal.
                raise RestDisabled(f"{e} (and XML-RPC: {self.why_rest})") from None
            raise

    # --- the interface ---

    def site_info(self) -> SiteInfo:
        return self._call(lambda gw: gw.site_info())

    def list_drafts(self) -> Iterator[DraftSummary]:
        # Materialised on the chosen transport: a generator would defer the choice past this call.
        yield from self._call(lambda gw: list(gw.list_drafts()))

    def list_refresh(self) -> Iterator[DraftSummary]:
        yield from self._call(lambda gw: list(gw.list_refresh()))

    def claim(self, summary: DraftSummary, daemon_id: str, ttl_s: int) -> Draft:
        return self._call(lambda gw: gw.claim(summary, daemon_id, ttl_s))

    def claim_many(self, summaries: list[DraftSummary], daemon_id: str, ttl_s: int) -> list[Draft | WordPressError]:
        return self._call(lambda gw: gw.claim_many(summaries, daemon_id, ttl_s))

    def push(self, draft: Draft, update: PostUpdate, daemon_id: str) -> None:
        return self._call(lambda gw: gw.push(draft, update, daemon_id))

    def record(self, post_id: str, state: BridgeState, daemon_id: str) -> None:
        return self._call(lambda gw: gw.record(post_id, state, daemon_id))

    def notify(self) -> int:
        return self._call(lambda gw: gw.notify())

    def list_published(self, modified_since: datetime | None = None) -> PublishedChanges:
        return self._call(lambda gw: gw.list_published(modified_since))
