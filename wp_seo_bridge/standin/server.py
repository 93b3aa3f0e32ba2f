"""OFFLINE STAND-IN for Mistral's chat-completions API: hand-written fixtures, never a model.

It speaks the HTTP protocol the ``mistralai`` SDK expects (``POST /v1/chat/completions``,
``GET /v1/models``) so tests and the offline demo exercise the real SDK and our real gateway.
Every answer says what it is: header ``x-wp-seo-bridge-standin`` and ids prefixed ``standin-``.

Answers come from fixtures (``fixtures/*.json``, format in the fixture-format notes): the first
*good* fixture whose ``match`` phrase appears in the conversation's user messages, latest first
(a repair turn carries no draft, so the draft in the first user message still selects the
fixture). A test can queue scripted steps, consumed one per completion request, before matching:

- ``{"fixture": "name"}`` (any kind, bad ones included), optionally ``"finish_reason": "length"``
  (content is served as written: a fixture or ``raw`` step decides whether it is really cut)
- ``{"echo": true}``: for any draft, a generic French article that carries back every token of the
  draft in order and passes the checks (``echo.py``);
- ``{"article": {...}}`` an Article inline; ``{"raw": "..."}`` content returned verbatim;
  ``{"content": [...]}`` ``message.content`` as any JSON value (chunks of reasoning models)
- ``{"status": 429, "retry_after": 1}`` / ``"retry_after_ms": 200`` / ``{"status": 503}``: an error
- ``{"model": "mistral-large-2512", ...}``: answer as that model (an alias resolves to a dated id)
- ``{"sleep": 2.5, ...}``: wait first (to trigger client read timeouts), then the rest of the step
- ``{"hold": "name"}``: answer only once ``StandinHandle.release("name")`` is called (a test's "meanwhile")
- ``{"drop": true}``: close the connection without answering (a connection error)

The Files and Batch APIs (``/v1/files``, ``/v1/batch/jobs``) live in ``standin/batch.py``: a batch
job answers its lines like the endpoint above (same fixtures, one scripted step per line) once its
delay (``batch_delay``, ``--batch-delay``) has passed.

Control API: ``POST /_standin/script`` (JSON list of steps), ``GET /_standin/requests``,
``POST /_standin/reset``, ``GET /_standin/billed`` (every answer served and its tokens, with totals;
a client gone before its answer was ready, e.g. killed, is neither answered nor billed).
"""
from __future__ import annotations

import json
import logging
import random
import select
import socket
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import parse_qs, urlsplit

from . import batch
from .chat import LABEL, State, answer, error_payload

log = logging.getLogger("wp_seo_bridge.standin")

LABEL_HEADER = "x-wp-seo-bridge-standin"
MODELS = ("mistral-large-2512", "mistral-large-latest", "mistral-medium-latest", "mistral-small-latest")


def load_fixtures(dirs: Iterable[Path | str] = ()) -> dict[str, dict]:
    """The packaged fixtures, then those of ``dirs`` (later names win). A broken file is skipped
    with a warning: fixtures are written by hand, and one typo must not take the demo down."""
    found: dict[str, dict] = {}
    packaged = resources.files("wp_seo_bridge.standin") / "fixtures"
    sources = [packaged] + [Path(d) for d in dirs]
    for folder in sources:
        if not folder.is_dir():
            continue
        for f in sorted((p for p in folder.iterdir() if p.name.endswith(".json")), key=lambda p: p.name):
            try:
                fx = json.loads(f.read_text(encoding="utf-8"))
                if not isinstance(fx, dict) or ("article" not in fx and "raw" not in fx):
                    raise ValueError("needs an 'article' or a 'raw' key")
            except ValueError as e:
                log.warning("stand-in: skipping fixture %s: %s", f.name, e)
                continue
            found[fx.get("name") or f.name[:-5]] = fx
    return found


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real API; every answer has Content-Length
    disable_nagle_algorithm = True
    wbufsize = 1 << 16  # headers and body leave in one segment (no delayed-ACK stall of ~40 ms)
    server: "StandinServer"

    def log_message(self, fmt: str, *args: Any) -> None:  # quiet: tests and benchmarks read stderr
        log.debug("stand-in: " + fmt, *args)

    # --- routing ---------------------------------------------------------------------

    def do_GET(self) -> None:
        st = self.server.state
        path, query = self._route()
        if path == "/v1/models":
            self._json(200, {"object": "list", "data": [_model_card(m) for m in MODELS]})
        elif path == "/_standin/requests":
            with st.lock:
                self._json(200, list(st.requests))
        elif path == "/_standin/billed":  # what it answered and would bill: the ledger must hold the same
            with st.lock:
                billed = list(st.billed)
            self._json(200, {"answers": len(billed), "batch_answers": sum(1 for b in billed if b.get("batch")),
                             "prompt_tokens": sum(b["prompt_tokens"] for b in billed),
                             "completion_tokens": sum(b["completion_tokens"] for b in billed), "billed": billed})
        elif path.startswith("/v1/files/") or path.startswith("/v1/batch/jobs"):
            self._batch_api("GET", path, query, b"")
        else:
            self._error(404, f"no route {self.path} on the {LABEL}")

    def do_DELETE(self) -> None:
        path, query = self._route()
        if path.startswith("/v1/files/"):
            return self._batch_api("DELETE", path, query, self._raw())
        self._error(404, f"no route {self.path} on the {LABEL}")

    def do_POST(self) -> None:
        path, query = self._route()
        if path == "/v1/files" or path.startswith("/v1/batch/jobs"):
            return self._batch_api("POST", path, query, self._raw())
        body = self._body()
        st = self.server.state
        if path == "/v1/chat/completions":
            self._completion(body)
        elif path == "/_standin/script":
            if not isinstance(body, list) or not all(isinstance(s, dict) for s in body):
                return self._error(400, "script wants a JSON list of step objects")
            with st.lock:
                st.script.extend(body)
                self._json(200, {"queued": len(st.script)})
        elif path == "/_standin/reset":
            with st.lock:
                st.reset()
            self._json(200, {"reset": True})
        else:
            self._error(404, f"no route {self.path} on the {LABEL}")

    def _route(self) -> tuple[str, dict[str, list[str]]]:
        parts = urlsplit(self.path)
        return parts.path.rstrip("/") or "/", parse_qs(parts.query)

    # --- files and batch jobs (standin/batch.py) ------------------------------------------

    def _batch_api(self, method: str, path: str, query: dict, raw: bytes) -> None:
        st = self.server.state
        headers = {k.lower(): v for k, v in self.headers.items() if k.lower() != "authorization"}
        body: Any = None
        if raw and headers.get("content-type", "").startswith("application/json"):
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
        st.record({"method": method, "path": path, "headers": headers, "json": body, "at": time.time()})
        if not self.headers.get("authorization", "").startswith("Bearer "):
            return self._error(401, "Unauthorized: no API key (the stand-in accepts any key)")
        with st.lock:
            step = st.api_script.pop(0) if st.api_script and st.api_script[0].get("path") in (None, path) \
                else None
            if step and "status" in step:
                status, payload, extra = step["status"], error_payload(step["status"], "scripted error"), {}
            elif path == "/v1/files" and method == "POST":
                status, payload, extra = batch.upload(st, self.headers.get("content-type", ""), raw)
            elif path.startswith("/v1/files/"):
                status, payload, extra = batch.file_route(st, method, path)
            elif path == "/v1/batch/jobs" and method == "POST":
                status, payload, extra = batch.create(st, body)
            else:
                status, payload, extra = batch.job_route(st, method, path, query)
        if step and step.get("drop_after"):  # done, but the answer is lost on the way back
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if isinstance(payload, bytes):
            return self._send(status, payload, "application/octet-stream", extra)
        self._json(status, payload, extra)

    # --- chat completions --------------------------------------------------------------

    def _completion(self, body: Any) -> None:
        st = self.server.state
        headers = {k.lower(): v for k, v in self.headers.items() if k.lower() != "authorization"}
        st.record({"method": "POST", "path": self.path, "headers": headers, "json": body, "at": time.time()})
        if not self.headers.get("authorization", "").startswith("Bearer "):
            return self._error(401, "Unauthorized: no API key (the stand-in accepts any key)")
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            return self._error(422, "body must be a JSON object with a 'messages' list", detail=True)
        step = st.next_step()
        wait = st.latency + float(step.get("sleep", 0))
        if wait:
            time.sleep(wait)
        if step.get("hold"):
            st.gate(str(step["hold"])).wait(float(step.get("hold_s", 300)))
        if step.get("drop"):
            self.close_connection = True
            self.connection.shutdown(2)  # the client sees the server disconnect without an answer
            return
        if self._peer_gone():  # killed or gave up while we "generated": nothing delivered, nothing billed
            self.close_connection = True
            return
        status, payload, extra = answer(st, body, step)
        self._json(status, payload, extra)

    def _peer_gone(self) -> bool:
        """The client closed its end (a kill -9 closes it too): its socket reads as end of file."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    # --- plumbing --------------------------------------------------------------------

    def _raw(self) -> bytes:
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            out = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()  # the blank line after the last chunk
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("content-length") or 0)
        return self.rfile.read(n) if n else b""

    def _body(self) -> Any:
        raw = self._raw()
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return None

    def _error(self, status: int, message: str, headers: dict | None = None, detail: bool = False) -> None:
        self._json(status, error_payload(status, message, detail), headers)

    def _json(self, status: int, payload: Any, headers: dict | None = None) -> None:
        self._send(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"), "application/json", headers)

    def _send(self, status: int, data: bytes, content_type: str, headers: dict | None = None) -> None:
        try:
            self.send_response(status, HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "")
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(data)))
            self.send_header(LABEL_HEADER, LABEL)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (read timeout): fine
            self.close_connection = True


def _model_card(name: str) -> dict:
    return {"id": name, "object": "model", "created": 0, "owned_by": "wp-seo-bridge-standin",
            "type": "base", "max_context_length": 131072,
            "description": f"{LABEL}: answers with hand-written fixtures",
            "capabilities": {"completion_chat": True, "function_calling": False, "vision": False}}


class StandinServer(ThreadingHTTPServer):
    daemon_threads = True  # a handler sleeping for a scripted timeout never blocks shutdown
    request_queue_size = 64  # benchmarks open many connections at once

    def __init__(self, addr: tuple[str, int], state: State):
        self.state = state
        super().__init__(addr, Handler)


def make_server(host: str = "127.0.0.1", port: int = 0, latency: float = 0.0, *, fault_rate: float = 0.0,
                fixtures_dirs: Iterable[Path | str] = (), seed: int | None = None,
                batch_delay: float = 0.0) -> StandinServer:
    state = State(load_fixtures(fixtures_dirs), latency=latency, fault_rate=fault_rate, rng=random.Random(seed),
                  batch_delay=batch_delay)
    return StandinServer((host, port), state)


def serve(host: str = "127.0.0.1", port: int = 8765, latency: float = 0.0, *, fault_rate: float = 0.0,
          fixtures_dirs: Iterable[Path | str] = (), seed: int | None = None, batch_delay: float = 0.0) -> None:
    """Runs until interrupted (the ``wp-seo-bridge standin`` command and ``python -m``)."""
    srv = make_server(host, port, latency, fault_rate=fault_rate, fixtures_dirs=fixtures_dirs, seed=seed,
                      batch_delay=batch_delay)
    log.info("%s on http://%s:%d with %d fixtures", LABEL, host, srv.server_address[1], len(srv.state.fixtures))
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        srv.server_close()


class StandinHandle:
    """A stand-in running in a background thread (tests, benchmarks)."""

    def __init__(self, srv: StandinServer):
        self._srv = srv
        self._batch_delay = srv.state.batch_delay
        self._thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="mistral-standin", daemon=True)
        self._thread.start()
        host, port = srv.server_address[:2]
        self.url = f"http://{host}:{port}"  # the SDK's server_url: origin only, no /v1

    @property
    def fixtures(self) -> dict[str, dict]:
        return self._srv.state.fixtures

    def script(self, steps: list[dict]) -> None:
        with self._srv.state.lock:
            self._srv.state.script.extend(dict(s) for s in steps)

    def requests(self) -> list[dict]:
        with self._srv.state.lock:
            return list(self._srv.state.requests)

    def completions(self) -> list[dict]:
        """The recorded chat-completion request bodies, oldest first."""
        return [r["json"] for r in self.requests() if r["path"] == "/v1/chat/completions"]

    def billed(self) -> list[dict]:
        """Every answer served, sync or batch: ``{"id", "model", "batch", "prompt_tokens", "completion_tokens"}``."""
        with self._srv.state.lock:
            return list(self._srv.state.billed)

    def batch_script(self, plans: list[dict], *, api_errors: list[dict] = ()) -> None:
        """One plan per batch job created from now on (``{"delay", "status", "answered"}``, see
        ``standin/batch.py``); ``api_errors`` answer the next files/batch requests with an error."""
        with self._srv.state.lock:
            self._srv.state.batch_script.extend(dict(p) for p in plans)
            self._srv.state.api_script.extend(dict(e) for e in api_errors)

    @property
    def batch_delay(self) -> float:
        return self._srv.state.batch_delay

    @batch_delay.setter
    def batch_delay(self, seconds: float) -> None:
        with self._srv.state.lock:
            self._srv.state.batch_delay = seconds

    def files(self) -> dict[str, dict]:
        """The stored files: ``{id: {"meta": {...}, "data": bytes}}``."""
        with self._srv.state.lock:
            return dict(self._srv.state.files)

    def jobs(self) -> dict[str, dict]:
        """The batch jobs, as the API shows them (status moved on to now)."""
        with self._srv.state.lock:
            return {jid: batch.public(batch.advance(self._srv.state, j)) for jid, j in self._srv.state.jobs.items()}

    def release(self, name: str) -> None:
        """Lets the answers held by steps ``{"hold": name}`` go (those to come pass at once)."""
        self._srv.state.gate(name).set()

    def finish_batch_jobs(self) -> None:
        """The jobs still running are ready now (their answers are made when next looked at): a test ends a
        job when it has seen what it wanted, not after a delay a slow host may overrun."""
        with self._srv.state.lock:
            for job in self._srv.state.jobs.values():
                job["_ready"] = 0.0

    def reset(self) -> None:
        with self._srv.state.lock:
            self._srv.state.reset()
            self._srv.state.batch_delay = self._batch_delay

    def stop(self) -> None:
        self._srv.shutdown()
        self._srv.server_close()
        self._thread.join(timeout=5)


def start_in_thread(port: int = 0, latency: float = 0.0, *, host: str = "127.0.0.1", fault_rate: float = 0.0,
                    fixtures_dirs: Iterable[Path | str] = (), seed: int | None = None,
                    batch_delay: float = 0.0) -> StandinHandle:
    return StandinHandle(make_server(host, port, latency, fault_rate=fault_rate,
                                     fixtures_dirs=fixtures_dirs, seed=seed, batch_delay=batch_delay))
