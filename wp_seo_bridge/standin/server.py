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
- ``{"drop": true}``: close the connection without answering (a connection error)

The Files and Batch APIs (``/v1/files``, ``/v1/batch/jobs``) live in ``standin/batch.py``: a batch
job answers its lines like the endpoint above (same fixtures, one scripted step per line) once its
delay (``batch_delay``, ``--batch-delay``) has passed.

Control API: ``POST /_standin/script`` (JSON list of steps), ``GET /_standin/requests``,
``POST /_standin/reset``, ``GET /_standin/billed`` (every answer served and its tokens, with totals;
a client gone before its answer was ready, e.g. killed, is neither answered nor billed).
"""
from __future__ import annotations

import hashlib
import json
import logging
import random
import re
import select
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import parse_qs, urlsplit

from . import batch, links
from .echo import echo_article

log = logging.getLogger("wp_seo_bridge.standin")

LABEL_HEADER = "x-wp-seo-bridge-standin"
LABEL = "offline stand-in, not Mistral"
NO_FIXTURE = "offline stand-in has no fixture for this draft"
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


@dataclass
class State:
    """Shared by the handler threads; every access under ``lock``."""

    fixtures: dict[str, dict]
    latency: float = 0.0
    fault_rate: float = 0.0
    rng: random.Random = field(default_factory=random.Random)
    script: list[dict] = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)
    billed: list[dict] = field(default_factory=list)  # every answer served (sync or batch), with its tokens
    batch_delay: float = 0.0  # seconds a batch job runs before its results are ready
    batch_script: list[dict] = field(default_factory=list)  # per new job: {"delay", "status", "answered"}
    # Next files/batch requests: {"status": 503} answers an error, {"drop_after": true} does the work and
    # closes the connection without answering; "path" limits a step to that path.
    api_script: list[dict] = field(default_factory=list)
    files: dict[str, dict] = field(default_factory=dict)
    jobs: dict[str, dict] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    keyphrases: dict[str, str] = field(default_factory=dict)  # draft (title + text) → the keyphrase it was given

    def next_step(self) -> dict:
        with self.lock:
            if self.script:
                return self.script.pop(0)
            if self.fault_rate and self.rng.random() < self.fault_rate:
                return {"status": 503, "message": "stand-in injected fault (--fault-rate)"}
        return {}

    def record(self, entry: dict) -> None:
        with self.lock:
            self.requests.append(entry)

    def reset(self) -> None:
        with self.lock:
            for kept in (self.script, self.requests, self.billed, self.batch_script, self.api_script):
                kept.clear()
            self.files.clear()
            self.jobs.clear()
            self.keyphrases.clear()

    def bill(self, entry: dict) -> None:
        with self.lock:
            self.billed.append(entry)

    def match(self, messages: list[dict]) -> dict | None:
        users = [_text(m.get("content")) for m in messages if isinstance(m, dict) and m.get("role") == "user"]
        for text in reversed(users):
            for fx in self.fixtures.values():
                if fx.get("kind", "good") == "good" and fx.get("match") and fx["match"] in text:
                    return fx
        return None


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # chunks
        return "".join(c.get("text", "") for c in content if isinstance(c, dict))
    return ""


def _first_user(messages: list) -> str:
    """The rewrite request (a repair turn comes later and carries no offers)."""
    return next((_text(m.get("content")) for m in messages if isinstance(m, dict) and m.get("role") == "user"), "")


def _tokens(text: str) -> int:
    """Rough estimate (chars/4): the stand-in has no tokenizer and needs none."""
    return max(1, (len(text) + 3) // 4) if text else 0


def answer(st: State, body: dict, step: dict, *, model: str = "", batch: bool = False) -> tuple[int, dict, dict]:
    """One chat completion's answer ``(status, payload, extra headers)`` for ``body`` under ``step``:
    what ``/v1/chat/completions`` serves, and what a batch job writes for each of its lines."""
    if "status" in step:
        extra = {}
        if "retry_after" in step:
            extra["Retry-After"] = str(step["retry_after"])
        if "retry_after_ms" in step:
            extra["retry-after-ms"] = str(step["retry_after_ms"])
        return int(step["status"]), error_payload(int(step["status"]), step.get("message", "scripted error")), extra
    model = str(step.get("model") or body.get("model") or model)  # a step may answer as another (dated) model
    finish = step.get("finish_reason", "stop")
    content: Any
    if "content" in step:  # verbatim JSON value: a string, null, or a list of chunks
        content = step["content"]
    elif "raw" in step:
        content = str(step["raw"])
    elif "article" in step:
        content = json.dumps(links.place(step["article"], _first_user(body["messages"])), ensure_ascii=False)
    elif step.get("echo"):  # any draft: a generic article carrying back all its tokens (echo.py)
        content = json.dumps(echo_article(body["messages"]), ensure_ascii=False)
    else:
        fx = st.fixtures.get(step["fixture"]) if "fixture" in step else st.match(body["messages"])
        if fx is None:
            what = f"no fixture named {step['fixture']!r}" if "fixture" in step else NO_FIXTURE
            return 422, error_payload(422, f"{what} ({LABEL})", detail=True), {}
        content = fx["raw"] if "raw" in fx else json.dumps(
            links.place(own_keyphrase(st, fx["article"], body["messages"]), _first_user(body["messages"])),
            ensure_ascii=False)
        finish = step.get("finish_reason", fx.get("finish_reason", "stop"))
    prompt = sum(_tokens(_text(m.get("content"))) for m in body["messages"] if isinstance(m, dict))
    completion = _tokens(_text(content))
    payload = {
        "id": f"standin-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "model": model,
        "created": int(time.time()),
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
        "choices": [{"index": 0, "finish_reason": finish,
                     "message": {"role": "assistant", "content": content, "tool_calls": None}}],
    }
    st.bill({"id": payload["id"], "model": model, "batch": batch, "prompt_tokens": prompt,
             "completion_tokens": completion})
    return 200, payload, {}


#: Words a copy of a fixture's keyphrase gets, so each draft has its own (French plural adjectives).
SUFFIXES = ("rusés", "agiles", "habiles", "tenaces", "discrets", "patients", "prudents", "mobiles", "furtifs",
            "actifs", "anonymes", "doués", "experts", "zélés", "vifs", "subtils", "sobres", "calmes", "fermes",
            "hardis", "rapides", "sérieux", "précis", "savants", "malins", "futés", "souples", "cachés", "loyaux")
_DRAFT = re.compile(r"<<<BROUILLON\n(.*?)\nBROUILLON>>>", re.S)
_USED = re.compile(r"<<<EXPRESSIONS\n(.*?)\nEXPRESSIONS>>>", re.S)
_ASCII = str.maketrans("éèêàçùûôî", "eeeacuuoi")


def own_keyphrase(st: State, article: dict, messages: list) -> dict:
    """The fixture's article with a keyphrase of this draft's own, like a model that reads the prompt:
    the first draft gets the fixture's keyphrase, every other draft (or a draft whose prompt lists it
    as already used) the keyphrase plus a word, the same one each time that draft is asked again."""
    first = next((_text(m.get("content")) for m in messages if isinstance(m, dict) and m.get("role") == "user"), "")
    found = _DRAFT.search(first)
    if found is None:
        return article
    listed = _USED.search(first)
    used = {line.lstrip("- ").strip().lower() for line in (listed.group(1) if listed else "").splitlines()}
    kp = article["focus_keyphrase"]
    key = hashlib.sha256(first[:found.end()].encode("utf-8")).hexdigest()  # the title and the draft
    with st.lock:
        chosen = st.keyphrases.get(key)
        if chosen is None:
            taken = {k.lower() for k in st.keyphrases.values()} | used
            chosen = next((c for c in [kp, *(f"{kp} {w}" for w in SUFFIXES)] if c.lower() not in taken), kp)
            st.keyphrases[key] = chosen
    if chosen == kp:
        return article
    word = chosen[len(kp) + 1:]
    text = re.sub(re.escape(kp), lambda m: f"{m.group(0)} {word}", json.dumps(article, ensure_ascii=False), flags=re.I)
    out = json.loads(text)
    out["slug"] = article["slug"].replace(kp.replace(" ", "-").translate(_ASCII),
                                          f"{kp.replace(' ', '-')}-{word}".translate(_ASCII))
    return out


def error_payload(status: int, message: str, detail: bool = False) -> dict:
    payload: dict[str, Any] = {"object": "error", "message": message, "type": _error_type(status),
                               "code": status, "standin": LABEL}
    if detail:  # the shape the SDK's 422 class reads
        payload["detail"] = [{"loc": ["body"], "msg": message, "type": "value_error"}]
    return payload


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


def _error_type(status: int) -> str:
    return {401: "unauthorized", 403: "forbidden", 422: "invalid_request_error",
            429: "rate_limited"}.get(status, "api_error" if status >= 500 else "invalid_request_error")


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
