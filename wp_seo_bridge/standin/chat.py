"""What the OFFLINE stand-in answers to one chat completion (``answer``), for ``/v1/chat/completions``
(server.py) and for each line of a batch job (batch.py) alike; its shared state (``State``); its error
payloads. No sockets here: server.py serves these answers over HTTP."""
from __future__ import annotations

import hashlib
import json
import random
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from . import links
from .echo import echo_article

LABEL = "offline stand-in, not Mistral"
NO_FIXTURE = "offline stand-in has no fixture for this draft"


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
    # A step {"hold": name} answers once the test releases that name (StandinHandle.release): "while Mistral
    # generates" lasts exactly until the test has done what it does meanwhile, on a host of any speed.
    gates: dict[str, threading.Event] = field(default_factory=dict)

    def gate(self, name: str) -> threading.Event:
        with self.lock:
            return self.gates.setdefault(name, threading.Event())

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
            for held in self.gates.values():  # a test that ended without releasing its hold frees the handler
                held.set()
            self.gates.clear()

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


def _error_type(status: int) -> str:
    return {401: "unauthorized", 403: "forbidden", 422: "invalid_request_error",
            429: "rate_limited"}.get(status, "api_error" if status >= 500 else "invalid_request_error")
