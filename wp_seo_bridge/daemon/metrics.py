"""Prometheus metrics and the optional ``--http HOST:PORT`` endpoint (``/healthz``, ``/metrics``).

Metrics live in their own registry (not the process-wide default), so tests and a second daemon
object in one process never collide.
"""
from __future__ import annotations

import ipaddress
import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from ..model import Outcome, Usage

log = logging.getLogger("wp_seo_bridge.daemon.metrics")

#: Mistral answers take seconds to minutes: buckets from a fast repair to a slow long article.
LATENCY_BUCKETS = (0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 180, 300)


class Metrics:
    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
        self.posts = Counter("wpsb_posts", "Posts attempted, by site and result (rewritten: a draft; "
                             "refreshed: a published post's proposal)", ["site", "result"], registry=r)
        self.tokens = Counter("wpsb_mistral_tokens", "Mistral tokens used", ["direction"], registry=r)
        self.cost = Counter("wpsb_mistral_cost_eur", "Mistral cost in euros of real calls (from mistral.prices)",
                            registry=r)
        self.calls = Counter("wpsb_mistral_calls", "Paid answers, by who answered (mistral, or the offline "
                             "stand-in)", ["source"], registry=r)
        self.cut_short = Counter("wpsb_mistral_calls_cut_short", "Mistral requests that ended without a recorded "
                                 "answer, billed or not (unknown): the daemon killed while it waited, a read timeout. "
                                 "Not paid calls; the daily budget counts them at their worst case", registry=r)
        self.latency = Histogram("wpsb_mistral_latency_seconds", "Duration of one Mistral call",
                                 buckets=LATENCY_BUCKETS, registry=r)
        self.queue = Gauge("wpsb_queue_depth", "Drafts handed to the worker pool and not finished", registry=r)
        self.passes = Counter("wpsb_passes", "Passes, by site and how they ended", ["site", "status"], registry=r)
        self.waiting = Gauge("wpsb_drafts_waiting", "Opted-in drafts skipped by the last pass (quiet period, "
                             "already handled, open in the editor)", ["site"], registry=r)
        self.last_pass = Gauge("wpsb_last_pass_timestamp_seconds", "End of the last pass that reached the site",
                               ["site"], registry=r)

        self.skipped = Counter("wpsb_drafts_skipped", "Opted-in drafts a pass left for later, by site and reason "
                               "(codes: wp_seo_bridge/daemon/reasons.py)", ["site", "reason"], registry=r)
        self.failed = Counter("wpsb_drafts_failed", "Drafts that failed, by site and reason "
                              "(codes: wp_seo_bridge/daemon/reasons.py)", ["site", "reason"], registry=r)

    def outcome(self, o: Outcome) -> None:
        """Counts a draft's result once (the same event the log line and the job log's pass count)."""
        self.posts.labels(o.site, o.result).inc()
        if o.result == "skipped":
            self.skipped.labels(o.site, o.code).inc()
        elif o.result == "failed":
            self.failed.labels(o.site, o.code).inc()

    def paid(self, usage: Usage) -> None:
        """One paid answer, as it arrives. The offline stand-in's answers cost nothing: counted as
        stand-in calls, never as euros."""
        self.calls.labels("standin" if usage.standin else "mistral").inc(usage.calls)
        self.tokens.labels("in").inc(usage.tokens_in)
        self.tokens.labels("out").inc(usage.tokens_out)
        if not usage.standin:
            self.cost.inc(usage.cost_eur)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class MeteredExecutor(ThreadPoolExecutor):
    """The bounded worker pool; its queue depth (submitted, not finished) feeds a gauge."""

    def __init__(self, max_workers: int, gauge: Gauge | None = None):
        super().__init__(max_workers=max_workers, thread_name_prefix="draft")
        self._gauge = gauge
        self._depth = 0
        self._lock = threading.Lock()

    @property
    def depth(self) -> int:
        return self._depth

    def _move(self, n: int) -> None:
        with self._lock:
            self._depth += n
            if self._gauge is not None:
                self._gauge.set(self._depth)

    def submit(self, fn, /, *args, **kwargs):
        self._move(1)

        def run():
            try:
                return fn(*args, **kwargs)
            finally:
                self._move(-1)

        try:
            return super().submit(run)
        except BaseException:
            self._move(-1)
            raise


def parse_listen(value: str) -> tuple[str, int]:
    """``127.0.0.1:9464`` / ``[::1]:9464`` / ``:9464`` (loopback) → (host, port)."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) < 65536:
        raise ValueError(f"--http wants HOST:PORT, e.g. 127.0.0.1:9464 (got {value!r})")
    host = host.strip("[]") or "127.0.0.1"
    return host, int(port)


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class StatusServer:
    """``/healthz``: 200 and a small JSON while the daemon runs, 503 once it is stopping or when
    ``health()`` says so; ``/metrics``: Prometheus text format. Runs in a background thread."""

    def __init__(self, listen: str, metrics: Metrics, health: Callable[[], tuple[bool, dict]]):
        host, port = parse_listen(listen)
        if not is_loopback(host):
            log.warning("--http %s listens beyond this machine: /metrics shows site names and activity; "
                        "put it behind a firewall or bind 127.0.0.1", listen)

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, fmt, *args):  # scrapes every 15 s would flood the log
                log.debug("http: " + fmt, *args)

            def do_GET(self):
                path = self.path.split("?", 1)[0]
                if path == "/metrics":
                    self._send(200, metrics.render(), CONTENT_TYPE_LATEST)
                elif path == "/healthz":
                    ok, info = health()
                    self._send(200 if ok else 503, json.dumps({"ok": ok, **info}).encode(), "application/json")
                else:
                    self._send(404, b"not found: try /healthz or /metrics\n", "text/plain")

            def _send(self, status: int, body: bytes, ctype: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.address = f"{host}:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="http-status", daemon=True)

    def start(self) -> "StatusServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
