"""A tiny hostile HTTP server for attack tests: a real socket on this machine, answering whatever the
test scripts (a redirect, a body dripped a byte a second, a huge or oddly shaped answer), and recording
every request it received (method, path, headers, body) so a test can prove what never reached it.

    def test_x(hostile):
        hostile.answer(lambda h: h.reply(307, b"", {"Location": "http://elsewhere/"}))
        ... point a gateway at hostile.url ...
        assert hostile.requests == [...]
"""
from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, fmt, *args):  # quiet
        pass

    def _any(self) -> None:
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        self.server.owner.requests.append(Seen(self.command, self.path, dict(self.headers), body))
        try:
            self.server.owner.behaviour(self)
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass  # the client gave up: that is the point of most attacks here
        self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = _any

    # --- behaviours' building blocks ---

    def reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        # The handler closes every connection after its answer (_any): say so, or a client may send its next
        # request on the pooled connection as it closes and read "cannot connect" (seen under CI load).
        headers = {"Content-Type": "application/json", "Content-Length": str(len(body)), "Connection": "close",
                   **(headers or {})}
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def drip(self, raw: bytes, every_s: float, stop: threading.Event) -> None:
        """Writes ``raw`` (status line and headers included) one byte at a time."""
        for i in range(len(raw)):
            if stop.is_set():
                return
            self.wfile.write(raw[i:i + 1])
            self.wfile.flush()
            time.sleep(every_s)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: "HostileServer"


class HostileServer:
    def __init__(self, host: str = "127.0.0.1"):
        self.requests: list[Seen] = []
        self.behaviour: Callable[[Handler], None] = lambda h: h.reply(404, b"{}")
        self.stopping = threading.Event()  # drips end when the test ends
        self._server = _Server((host, 0), Handler)
        self._server.owner = self
        host, port = self._server.server_address[:2]
        self.url = f"http://{host}:{port}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def answer(self, behaviour: Callable[[Handler], None]) -> None:
        self.behaviour = behaviour

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()


def lan_address() -> str:
    """An address of this machine that is not loopback (what a remote host looks like to our rules)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
        return s.getsockname()[0]
    except OSError:
        return socket.gethostbyname(socket.gethostname())
    finally:
        s.close()
