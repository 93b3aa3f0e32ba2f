"""One HTTP exchange with WordPress, the same rules for both transports (XML-RPC and REST):

- **no redirects**: a redirected request would carry the bot's login to wherever the answer points
  (and a redirected POST turns into a GET); a moved site is a configuration fix, said in one line;
- **a wall-clock deadline** on the whole exchange (connect, headers, body): requests' timeout bounds
  each socket read only, so a server sending a byte a second would hold a pass forever. A watchdog
  shuts the connection's socket down when the deadline passes, whatever phase it is in;
- **a size cap**, checked on ``Content-Length`` before reading and while reading;
- network failures as :class:`SiteDown`, in the same words for both transports.
"""
from __future__ import annotations

import socket
import threading
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from ... import __version__
from .errors import SiteDown, WordPressError, http_errors

#: The largest answer read. The biggest legitimate ones (a page of 500 drafts ~0.1 MB, a claimed draft
#: with its content) are far below; parsing costs a few times the size, so the cap bounds memory too.
MAX_RESPONSE_BYTES = 16 * 1024 * 1024

_current = threading.local()  # the deadline of the exchange running on this thread


class _Deadline:
    """Shuts down the sockets of the connections used under it once ``seconds`` have passed."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.expired = False
        self._done = False
        self._conns: list[HTTPConnection] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> "_Deadline":
        _current.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        _current.deadline = None
        with self._lock:  # after this the watchdog touches nothing: the connection may go back to the pool
            self._done = True
        self._timer.cancel()

    def watch(self, conn: HTTPConnection) -> None:
        with self._lock:
            self._conns.append(conn)

    def _expire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.expired = True
            for conn in self._conns:
                sock = getattr(conn, "sock", None)
                if sock is not None:
                    try:
                        sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked read; urllib3 drops the connection
                    except OSError:
                        pass


class _Watched:
    def request(self, *args: Any, **kwargs: Any) -> Any:
        deadline = getattr(_current, "deadline", None)
        if deadline is not None:
            deadline.watch(self)  # type: ignore[arg-type]
        return super().request(*args, **kwargs)  # type: ignore[misc]


class _HTTPConnection(_Watched, HTTPConnection):
    pass


class _HTTPSConnection(_Watched, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class DeadlineAdapter(HTTPAdapter):
    """requests' adapter whose connections the exchange's deadline can cut."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


def new_session() -> requests.Session:
    """A session for one site, shared by the daemon's worker pool (hence the larger pool)."""
    session = requests.Session()
    session.mount("https://", DeadlineAdapter(pool_maxsize=32))
    session.mount("http://", DeadlineAdapter(pool_maxsize=32))
    session.headers["User-Agent"] = f"wp-seo-bridge/{__version__}"
    return session


def exchange(session: requests.Session, method: str, url: str, *, deadline_s: float, where: str,
             **kwargs: Any) -> tuple[requests.Response, bytes]:
    """Sends one request and reads the whole answer within ``deadline_s``: (response, body).
    Raises SiteDown (network, deadline), WordPressError (a redirect, an answer over the size cap)."""
    with _Deadline(deadline_s) as deadline:
        try:
            with http_errors(where, deadline_s):
                r = session.request(method, url, timeout=deadline_s, stream=True, allow_redirects=False, **kwargs)
            with r:
                if 300 <= r.status_code < 400:
                    raise WordPressError(
                        f"{where}: the site redirects to {r.headers.get('Location', '?')} — set url to the site's "
                        f"final address (https, www or not); redirects are not followed, they would carry the login")
                declared = r.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
                    raise _too_big(where)
                body = r.raw.read(MAX_RESPONSE_BYTES + 1, decode_content=True)
        except WordPressError:
            if deadline.expired:
                raise _late(where, deadline_s) from None
            raise
        except (urllib3.exceptions.HTTPError, requests.RequestException, OSError):  # raw reads are not wrapped
            if deadline.expired:
                raise _late(where, deadline_s) from None
            raise SiteDown(f"{where}: the connection broke while reading WordPress's answer") from None
    if deadline.expired:  # cut while reading: what was read is incomplete
        raise _late(where, deadline_s)
    if len(body) > MAX_RESPONSE_BYTES:
        raise _too_big(where)
    return r, body


def _late(where: str, deadline_s: float) -> SiteDown:
    return SiteDown(f"{where}: no complete answer within {deadline_s:g} s (timeout_s) — the site or the "
                    f"network is too slow, or something holds the connection open")


def _too_big(where: str) -> WordPressError:
    return WordPressError(f"{where}: answer larger than {MAX_RESPONSE_BYTES // (1024 * 1024)} MB, refused")
