"""A TCP forwarder in front of the local WordPress that a test can cut (``down.set()``)."""
from __future__ import annotations

import socket
import threading
from urllib.parse import urlsplit


class Outage:
    """A TCP forwarder in front of the local WordPress that can be cut: while down, connections are
    refused or reset, as when the site's host is unreachable."""

    def __init__(self, target_url: str):
        t = urlsplit(target_url)
        self.target = (t.hostname, t.port or 80)
        self.down = threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            if self.down.is_set():
                client.close()
                continue
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream = socket.create_connection(self.target)

        def pipe(a: socket.socket, b: socket.socket) -> None:
            try:
                while (data := a.recv(65536)) and not self.down.is_set():
                    b.sendall(data)
            except OSError:
                pass
            finally:
                for s in (a, b):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
        pipe(client, upstream)

    def close(self) -> None:
        self.sock.close()
