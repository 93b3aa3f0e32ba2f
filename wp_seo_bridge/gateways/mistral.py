"""The Mistral gateway: the ONLY code that calls Mistral. One call site, every attempt logged.

The SDK's own retries stay off: ours are bounded by attempts, by a capped backoff that honours
``Retry-After`` / ``retry-after-ms``, and by a total deadline. A read timeout is never re-sent:
the generation may still be running (and billed) on Mistral's side.
"""
from __future__ import annotations

import json
import logging
import random
import re
import time
import uuid
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Mapping, Protocol, Sequence
from urllib.parse import urlsplit

import httpx2  # the SDK's HTTP stack: its transport errors are httpx2.*, not httpx.*
from mistralai.client import Mistral, errors, models
from mistralai.client.utils import BackoffStrategy, RetryConfig
from pydantic import ValidationError

from ..config import plain_http_refusal
from ..model import Article, ReasonCode, Usage

log = logging.getLogger("wp_seo_bridge.mistral")

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
#: A disconnect this soon after sending cannot hide a finished generation: safe to send again.
RESEND_SAFE_S = 5.0
_SDK_RETRIES_OFF = RetryConfig("none", BackoffStrategy(0, 0, 1.0, 0), retry_connection_errors=False)


# --- errors: one line each, for a site admin ----------------------------------------------


class MistralError(Exception):
    """Base of every Mistral failure. ``usage`` holds what the failed call still cost; ``code`` is the
    outcome's reason code."""

    code: ReasonCode = "mistral_other"

    def __init__(self, message: str, *, status: int | None = None, usage: Usage | None = None,
                 content: str = "", meta: dict | None = None):
        super().__init__(message)
        self.status = status
        self.usage = usage or Usage()
        self.content = content  # the model's raw answer, when there was one (Truncated, Malformed)
        self.meta = meta or {}  # the answer's id, model, finish_reason, when there was one


class SettingsError(MistralError, ValueError):
    """The gateway is misconfigured (server URL, key): nothing was sent."""

    code: ReasonCode = "mistral_refused"


class AuthError(MistralError):
    """401/403: the key is wrong, revoked, or not allowed to use this model. Not retried."""

    code: ReasonCode = "mistral_refused"


class Rejected(MistralError):
    """400/404/422: Mistral refused the request itself (unknown model, invalid body). Not retried."""


class RateLimited(MistralError):
    """429 still answered after our bounded retries."""

    code: ReasonCode = "mistral_unavailable"


class ServerError(MistralError):
    """5xx or connection failures still happening after our bounded retries."""

    code: ReasonCode = "mistral_unavailable"


class Timeout(MistralError):
    """No answer within ``timeout_s``. Not re-sent: a long generation would be paid twice."""

    code: ReasonCode = "mistral_unavailable"


class Truncated(MistralError):
    """``finish_reason`` was ``length``: the article was cut, even if its JSON happens to parse."""

    code: ReasonCode = "mistral_answer"


class Malformed(MistralError):
    """The answer is not an Article: invalid JSON, or JSON that violates the schema."""

    code: ReasonCode = "mistral_answer"


# --- settings ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MistralSettings:
    """Built by the configuration loader (``wiring.py``); the key never appears in ``repr``."""

    model: str = "mistral-large-2512"
    api_key: str = field(default="", repr=False)
    server_url: str | None = None  # origin only (the SDK adds /v1); None = Mistral's default server
    timeout_s: float = 180.0
    max_retries: int = 4  # retries after the first attempt
    max_backoff_s: float = 60.0  # cap of one wait, Retry-After included
    deadline_s: float = 600.0  # all attempts of one call, waits included
    temperature: float | None = 0.3
    max_tokens: int | None = None  # a cap; each rewrite asks for what its target needs (rewrite/budget.py)
    context_tokens: int = 131_072  # the model's context (mistral.models): a prompt that cannot fit fails first
    reasoning_effort: str = ""  # sent only when set ("none" turns thinking off where the model accepts it)
    prices: Mapping[str, tuple[float, float]] = field(default_factory=dict)  # model → EUR per 1M (in, out)
    initial_backoff_s: float = 1.0
    batch_price_factor: float = 0.5  # batch mode: Batch API prices as a fraction of the normal ones
    batch_timeout_hours: int = 24  # batch mode: Mistral gives up on a job after this long
    allow_insecure_http: bool = False  # the key may go over plain http to another machine

    def __post_init__(self) -> None:
        object.__setattr__(self, "server_url", normalise_server_url(self.server_url))
        refusal = self.server_url and plain_http_refusal(
            self.server_url, allow=self.allow_insecure_http, secret="Mistral API key", owner="MISTRAL_SERVER_URL",
            opt_out="mistral.allow_insecure_http = true")
        if refusal:
            raise SettingsError(refusal)


def normalise_server_url(url: str | None) -> str | None:
    """Origin only: a trailing ``/v1`` would make the SDK call ``/v1/v1/...`` (404), so it is removed
    with a warning; anything else after the host is refused."""
    if not url:
        return None
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"MISTRAL_SERVER_URL {url!r} is not an http(s) address like https://api.mistral.ai")
    path = parts.path.rstrip("/")
    if path == "/v1":
        fixed = url[: -len("/v1")]
        log.warning("MISTRAL_SERVER_URL must be the origin only (the SDK adds /v1): using %s instead of %s",
                    fixed, url)
        return fixed
    if path:
        raise SettingsError(f"MISTRAL_SERVER_URL {url!r} must be an origin only, like https://api.mistral.ai "
                            f"(no path: the SDK adds /v1/chat/completions)")
    return url


class Limiter(Protocol):
    """The daemon's rate limiter, shared by every site using one key."""

    def before_call(self, estimated_tokens: int) -> None: ...  # may block until the call is allowed
    def in_flight(self, timeout: float | None) -> AbstractContextManager: ...  # around one HTTP exchange
    def after_call(self, usage: Usage) -> None: ...  # the real usage (zero tokens when the call failed)


class NoLimit:
    def before_call(self, estimated_tokens: int) -> None:
        pass

    def in_flight(self, timeout: float | None = None) -> AbstractContextManager:
        return nullcontext()

    def after_call(self, usage: Usage) -> None:
        pass


class LimitedHttpClient(httpx2.Client):
    """The SDK's HTTP client (the SDK's own default settings) holding one of the limiter's in-flight
    places for each exchange, from sending the request to the last byte of the answer."""

    def __init__(self, limiter: Limiter):
        super().__init__(follow_redirects=True)
        self.limiter = limiter

    def send(self, request: httpx2.Request, **kwargs: Any) -> httpx2.Response:
        # The wait for a place is bounded like httpx's wait for a pooled connection.
        wait = (request.extensions.get("timeout") or {}).get("pool")
        try:
            with self.limiter.in_flight(wait):
                return super().send(request, **kwargs)
        except TimeoutError as e:  # only ours: httpx reports its own timeouts as httpx2 errors
            raise httpx2.PoolTimeout(str(e), request=request) from None


# --- the structured-output schema ----------------------------------------------------------


def article_schema() -> dict:
    """The Article JSON schema in strict form: refs inlined, every property required,
    ``additionalProperties: false`` everywhere, no defaults or titles."""
    raw = Article.model_json_schema()
    defs = raw.pop("$defs", {})

    def strict(node: Any) -> Any:
        if isinstance(node, list):
            return [strict(n) for n in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            return strict(defs[node["$ref"].rsplit("/", 1)[-1]])
        out = {k: ({name: strict(sub) for name, sub in v.items()} if k == "properties" else strict(v))
               for k, v in node.items() if k not in ("title", "default", "description")}
        if out.get("type") == "object":
            out["required"] = list(out.get("properties", {}))
            out["additionalProperties"] = False
        return out

    return strict(raw)


RESPONSE_FORMAT = {"type": "json_schema",
                   "json_schema": {"name": "article", "schema": article_schema(), "strict": True}}
# The SDK validates plain dicts by building a pydantic model per call (~4 ms each draft); its own
# typed objects pass straight through.
_RESPONSE_FORMAT = models.ResponseFormat.model_validate(RESPONSE_FORMAT)
_MESSAGE_TYPES = {"system": models.SystemMessage, "user": models.UserMessage, "assistant": models.AssistantMessage}


def _typed(messages: Sequence[Mapping[str, Any]]) -> list:
    return [_MESSAGE_TYPES[m["role"]](content=m["content"]) for m in messages]


# --- batch mode: the Batch API ---------------------------------------------------------------
# The same chat-completion bodies as complete_article, run by Mistral as one asynchronous job at
# batch prices: upload a JSONL file, create the job, poll it, download its output and error files.
# Kept apart from the synchronous call: the pipeline's batch orchestration (wp_seo_bridge/batch.py)
# is its only user.

BATCH_ENDPOINT = "/v1/chat/completions"
BATCH_TERMINAL = frozenset({"SUCCESS", "FAILED", "TIMEOUT_EXCEEDED", "CANCELLED"})


@dataclass(frozen=True)
class BatchJob:
    """What Mistral says about one batch job."""

    id: str
    status: str  # QUEUED | RUNNING | CANCELLATION_REQUESTED | one of BATCH_TERMINAL
    total: int = 0
    succeeded: int = 0
    failed: int = 0
    input_files: tuple[str, ...] = ()
    output_file: str | None = None
    error_file: str | None = None
    errors: tuple[str, ...] = ()

    @property
    def done(self) -> bool:
        return self.status in BATCH_TERMINAL


@dataclass(frozen=True)
class BatchAnswer:
    """One line of a finished job: the parsed article, or the error its line (or its parsing) gave.
    ``usage`` is what the answer cost at batch prices (zero for a line Mistral failed)."""

    custom_id: str
    article: Article | None
    usage: Usage
    meta: dict
    error: MistralError | None = None
    line: dict = field(default_factory=dict, repr=False)  # the job's output line, to keep (job log)


class BatchCalls:
    """The Batch API calls of :class:`MistralGateway` (a mixin: it uses the gateway's client,
    settings, error classification and answer parsing)."""

    settings: MistralSettings
    client: Mistral

    def batch_body(self, messages: Sequence[Mapping[str, Any]], max_tokens: int | None = None) -> dict:
        """The body complete_article sends, as JSON; the model is the job's (one model per job)."""
        s = self.settings
        body: dict[str, Any] = {"messages": [{"role": m["role"], "content": m["content"]} for m in messages],
                                "response_format": RESPONSE_FORMAT}
        if s.temperature is not None:
            body["temperature"] = s.temperature
        if s.reasoning_effort:
            body["reasoning_effort"] = s.reasoning_effort
        if max_tokens is not None:  # the rewrite's budget for this draft (rewrite/budget.py)
            body["max_tokens"] = max_tokens
        elif s.max_tokens is not None:
            body["max_tokens"] = s.max_tokens
        return body

    def submit_batch(self, requests: Sequence[tuple], metadata: Mapping[str, str] | None = None) -> BatchJob:
        """One job for ``(custom_id, messages[, max_tokens])``: a JSONL file uploaded, then the job created.
        The creation is not re-sent after a timeout or a dropped connection (a second job would be
        paid twice); an upload is (an unused file costs nothing)."""
        data = "".join(json.dumps({"custom_id": r[0], "body": self.batch_body(*r[1:])}, ensure_ascii=False) + "\n"
                       for r in requests).encode("utf-8")
        up = self._batch_call("upload", lambda t: self.client.files.upload(
            file={"file_name": f"wp-seo-bridge-{int(time.time())}.jsonl", "content": data,
                  "content_type": "application/jsonl"}, purpose="batch", timeout_ms=t))
        submission = uuid.uuid4().hex  # finds the job again when the answer to its creation is lost
        try:
            job = self._batch_call("create", lambda t: self.client.batch.jobs.create(
                endpoint=BATCH_ENDPOINT, input_files=[up.id], model=self.settings.model,
                metadata={**(metadata or {}), "submission": submission},
                timeout_hours=self.settings.batch_timeout_hours, timeout_ms=t), resend=False)
        except MistralError as e:
            found = self._find_submission(submission) if e.status is None else None
            if found is None:
                self._delete_file(up.id)
                raise
            log.warning("mistral batch create: %s; the job was created all the same: %s", e, found.id)
            job = found
        log.info("mistral batch job %s submitted: %d requests, model=%s", job.id, len(requests), self.settings.model)
        return _batch_job(job)

    def _find_submission(self, submission: str) -> Any:
        """The job created with this submission id, if the creation went through although its answer
        was lost (a second job would be paid twice). None when not found or Mistral cannot say."""
        try:
            page = self._batch_call("list", lambda t: self.client.batch.jobs.list(page_size=100, timeout_ms=t))
        except MistralError:
            return None
        return next((j for j in page.data or () if (j.metadata or {}).get("submission") == submission), None)

    def _delete_file(self, file_id: str) -> None:
        try:
            self._batch_call("delete", lambda t: self.client.files.delete(file_id=file_id, timeout_ms=t))
        except MistralError as e:
            log.warning("mistral batch: could not delete file %s: %s", file_id, e)

    def batch_job(self, job_id: str) -> BatchJob:
        return _batch_job(self._batch_call("get", lambda t: self.client.batch.jobs.get(job_id=job_id, timeout_ms=t)))

    def cancel_batch(self, job_id: str) -> BatchJob:
        return _batch_job(self._batch_call("cancel", lambda t: self.client.batch.jobs.cancel(job_id=job_id,
                                                                                              timeout_ms=t)))

    def batch_answers(self, job: BatchJob) -> dict[str, BatchAnswer]:
        """The answers of a finished job (a cancelled or expired one keeps those it had made), by
        custom_id. Each success is priced at batch prices and parsed like a synchronous answer."""
        out: dict[str, BatchAnswer] = {}
        for file_id in (job.error_file, job.output_file):  # successes win over an error for one id
            for line in self._download_lines(file_id) if file_id else ():
                cid = str(line.get("custom_id", ""))
                out[cid] = self.read_batch_line(line)
        return out

    def forget_batch(self, job: BatchJob) -> None:
        """Deletes the job's files at Mistral (they hold the drafts' text) once its answers are in.
        Best effort: a file left behind only costs storage."""
        for file_id in (*job.input_files, job.output_file, job.error_file):
            if file_id:
                self._delete_file(file_id)

    # --- plumbing ---------------------------------------------------------------------

    def read_batch_line(self, line: dict) -> BatchAnswer:
        """One output or error line of a job, parsed and priced (also a line kept in the job log)."""
        answer = self._batch_answer(str(line.get("custom_id", "")), line)
        return replace(answer, line=line)

    def _batch_answer(self, cid: str, line: dict) -> BatchAnswer:
        response = line.get("response") or {}
        status, body = int(response.get("status_code") or 0), response.get("body")
        if status != 200 or not isinstance(body, dict):
            error = line.get("error")
            message = (error.get("message") if isinstance(error, dict) else error) or _body_message(json.dumps(body))
            cls = ServerError if status in RETRYABLE_STATUS or status == 0 else Rejected
            return BatchAnswer(cid, None, Usage(), {}, cls(f"Mistral's batch answer failed (HTTP {status or '?'}): "
                                                           f"{_excerpt(str(message))}", status=status or None))
        try:
            res = models.ChatCompletionResponse.model_validate(body)
        except ValidationError as e:
            unreadable = Malformed(f"a batch answer the SDK cannot read: {e.errors()[0]['msg']}")
            return BatchAnswer(cid, None, Usage(), {}, unreadable)
        full = self._usage(res)
        usage = replace(full, cost_eur=round(full.cost_eur * self.settings.batch_price_factor, 6))
        log.info("mistral batch answer %s model=%s tokens_in=%d tokens_out=%d cost_eur=%.6f (batch price)",
                 cid, res.model, usage.tokens_in, usage.tokens_out, usage.cost_eur)
        meta = answer_meta(res)
        meta.update(attempts=1, latency_ms=0, batch=True)
        if meta["finish_reason"] == "error":  # paid, but not an answer (the synchronous call retries it)
            return BatchAnswer(cid, None, usage, meta, ServerError(
                'Mistral\'s batch answer ended with finish_reason "error": paid, not usable', usage=usage))
        try:
            article = parse_answer(meta["content"], meta["finish_reason"], usage=usage, meta=meta,
                                   max_tokens=self.settings.max_tokens)
        except MistralError as e:
            return BatchAnswer(cid, None, usage, {"content": e.content}, e)
        return BatchAnswer(cid, article, usage, meta)

    def _download_lines(self, file_id: str) -> list[dict]:
        def fetch(t: int) -> bytes:
            res = self.client.files.download(file_id=file_id, timeout_ms=t)
            try:
                return res.read()
            finally:
                res.close()

        lines = []
        for raw in self._batch_call("download", fetch).decode("utf-8").splitlines():
            try:
                line = json.loads(raw) if raw.strip() else None
            except ValueError:
                line = None
            if isinstance(line, dict):
                lines.append(line)
            elif raw.strip():
                log.warning("mistral batch file %s: skipping a line that is not a JSON object: %s",
                            file_id, _excerpt(raw))
        return lines

    def _batch_call(self, what: str, call: Callable[[int], Any], resend: bool = True) -> Any:
        """One Batch/Files API request with our bounded retries (the SDK's stay off). ``resend=False``:
        only an HTTP refusal (429, 5xx) is retried, never a request that may have arrived."""
        s = self.settings
        attempt = 0
        while True:
            attempt += 1
            started = time.monotonic()
            try:
                return call(int(s.timeout_s * 1000))
            except Exception as e:  # noqa: BLE001 — classified just below, re-raised when unknown
                failure, wait_hint = self._classify(e, time.monotonic() - started, s.timeout_s)  # type: ignore[attr-defined]
                log.info("mistral batch %s status=%s attempt=%d", what, failure.status or type(e).__name__, attempt)
                if wait_hint is None or attempt > s.max_retries or (not resend and failure.status is None):
                    failure.args = (f"batch {what}: {failure}",)
                    raise failure from e
                time.sleep(self._backoff(attempt, wait_hint))  # type: ignore[attr-defined]


def _batch_job(job: Any) -> BatchJob:
    return BatchJob(id=job.id, status=str(job.status), total=job.total_requests, succeeded=job.succeeded_requests,
                    failed=job.failed_requests, input_files=tuple(job.input_files or ()),
                    output_file=job.output_file or None, error_file=job.error_file or None,
                    errors=tuple(e.message for e in job.errors or ()))


# --- the gateway -------------------------------------------------------------------------


class MistralGateway(BatchCalls):
    def __init__(self, settings: MistralSettings, client: Mistral | None = None, limiter: Limiter | None = None):
        self.settings = settings
        self.limiter = limiter or NoLimit()
        self._http: LimitedHttpClient | None = None
        if client is None:
            if not settings.api_key:
                raise SettingsError("no Mistral API key: export MISTRAL_API_KEY or set mistral.api_key_file")
            self._http = LimitedHttpClient(self.limiter)  # supplied to the SDK, so ours to close
            kwargs: dict[str, Any] = {"api_key": settings.api_key, "timeout_ms": int(settings.timeout_s * 1000),
                                      "retry_config": _SDK_RETRIES_OFF, "client": self._http}
            if settings.server_url:
                kwargs["server_url"] = settings.server_url
            client = Mistral(**kwargs)
        self.client = client
        self._unpriced_warned: set[str] = set()

    def close(self) -> None:
        """Closes the HTTP connections this gateway opened (none when the SDK client was given)."""
        if self._http is not None:
            self._http.close()

    def estimate(self, prompt_chars: int, calls: int = 1) -> Usage:
        """The most ``calls`` chained calls (a first answer, then repairs that carry it back) can cost,
        for a prompt of ``prompt_chars`` characters: 3 characters a token (French text tokenises at
        about 4), every answer max_tokens long. Used to refuse a draft before spending anything."""
        s = self.settings
        answer = s.max_tokens or 8000
        prompt = prompt_chars // 3 + 1
        tokens_in = calls * prompt + answer * calls * (calls - 1) // 2
        tokens_out = calls * answer
        price = s.prices.get(s.model, (0.0, 0.0))
        return Usage(calls=calls, tokens_in=tokens_in, tokens_out=tokens_out,
                     cost_eur=round((tokens_in * price[0] + tokens_out * price[1]) / 1_000_000, 6))

    def request_estimate(self, messages: Sequence[Mapping[str, Any]], max_tokens: int | None = None) -> Usage:
        """The most one request can cost (the write-ahead record's figure): its prompt at 3 characters a
        token, an answer of its whole ``max_tokens``."""
        s = self.settings
        tokens_in = sum(len(str(m.get("content", ""))) for m in messages) // 3 + 1
        tokens_out = max_tokens or s.max_tokens or 8000
        price = s.prices.get(s.model, (0.0, 0.0))
        return Usage(calls=1, tokens_in=tokens_in, tokens_out=tokens_out,
                     cost_eur=round((tokens_in * price[0] + tokens_out * price[1]) / 1_000_000, 6))

    def complete_article(self, messages: Sequence[Mapping[str, Any]], *,
                         on_paid: Callable[[Usage, dict], None] | None = None,
                         max_tokens: int | None = None,
                         on_send: Callable[[Usage], None] | None = None,
                         on_unanswered: Callable[[bool], None] | None = None) -> tuple[Article, Usage, dict]:
        """One chat completion in JSON-schema mode, parsed into an Article.

        Returns ``(article, usage, meta)``; ``meta`` has ``content`` (the raw JSON, for a repair
        turn), ``id``, ``model``, ``finish_reason``, ``attempts``, ``latency_ms``, ``standin``.
        ``on_paid(usage, meta)`` sees every answer that arrived, the moment it arrives and before
        it is judged (a truncated, malformed or ``finish_reason: "error"`` answer is paid too).
        ``finish_reason: "error"`` is retried like a 5xx. Raises a :class:`MistralError` subclass.

        The ledger's write-ahead record: ``on_send(estimate)`` runs before each HTTP request leaves (its
        worst-case cost); that request then ends in exactly one ``on_paid`` or one
        ``on_unanswered(maybe_billed)``: ``False`` when no answer was made (an HTTP error, never sent),
        ``True`` when Mistral may have generated and billed it (a read timeout, a connection dropped late).
        """
        s = self.settings
        request: dict[str, Any] = {"model": s.model, "messages": _typed(messages), "response_format": _RESPONSE_FORMAT}
        if s.temperature is not None:  # never pass None: the SDK would send an explicit null
            request["temperature"] = s.temperature
        limit = max_tokens or s.max_tokens  # the rewrite's budget for this answer, else the configured cap
        if limit is not None:
            request["max_tokens"] = limit
        if s.reasoning_effort:  # only where the model accepts it (mistral.models): others answer 400
            request["reasoning_effort"] = s.reasoning_effort
        estimate = sum(len(str(m.get("content", ""))) for m in messages) // 4 + (limit or 0)
        errored = Usage()  # answers with finish_reason "error" before the one returned

        deadline = time.monotonic() + s.deadline_s
        attempt = 0
        while True:
            attempt += 1
            self.limiter.before_call(estimate)  # may block; that wait counts against the deadline
            started = time.monotonic()
            remaining = deadline - started
            if remaining <= 0:
                self.limiter.after_call(Usage())
                raise Timeout(f"the {s.deadline_s:g} s deadline passed before attempt {attempt} could start "
                              f"(rate limiter or backoff waits)")
            if on_send is not None:
                on_send(self.request_estimate(messages, limit))
            try:
                res = self.client.chat.complete(**request, retries=_SDK_RETRIES_OFF,
                                                timeout_ms=max(1, int(min(s.timeout_s, remaining) * 1000)))
            except Exception as e:  # noqa: BLE001 — classified just below, re-raised when unknown
                latency = time.monotonic() - started
                self.limiter.after_call(Usage())
                try:
                    failure, wait_hint = self._classify(e, latency, min(s.timeout_s, remaining))
                except Exception:
                    if on_unanswered is not None:
                        on_unanswered(True)  # not understood: billed or not, we cannot say
                    raise
                if on_unanswered is not None:
                    on_unanswered(_maybe_billed(e, latency))
                self._log(attempt, failure.status or type(e).__name__, latency, Usage())
                if wait_hint is None or attempt > s.max_retries:
                    if wait_hint is not None:
                        failure.args = (f"{failure} (gave up after {attempt} attempts)",)
                    raise failure from e
                wait = self._backoff(attempt, wait_hint)
                if time.monotonic() + wait >= deadline:
                    failure.args = (f"{failure} (gave up after {attempt} attempts: "
                                    f"the {s.deadline_s:g} s deadline would pass)",)
                    raise failure from e
                time.sleep(wait)
                continue
            latency = time.monotonic() - started
            usage = self._usage(res)
            self.limiter.after_call(usage)
            self._log(attempt, 200, latency, usage)
            meta = answer_meta(res)
            meta.update(attempts=attempt, latency_ms=round(latency * 1000))
            if on_paid is not None:
                on_paid(usage, meta)
            if meta["finish_reason"] == "error":  # the server failed mid-generation: like a 5xx
                errored += usage
                failure = ServerError("Mistral's answer ended with finish_reason=error (a server-side failure)",
                                      status=200, usage=errored, meta=meta)
                if attempt > s.max_retries or time.monotonic() + self._backoff(attempt, 0) >= deadline:
                    failure.args = (f"{failure} (gave up after {attempt} attempts)",)
                    raise failure
                time.sleep(self._backoff(attempt, 0))
                continue
            article = parse_answer(meta["content"], meta["finish_reason"], usage=usage, meta=meta,
                                   max_tokens=limit)
            return article, usage, meta

    # --- classification ---------------------------------------------------------------

    def _classify(self, e: Exception, latency: float, timeout_s: float) -> tuple[MistralError, float | None]:
        """The error to raise, and a wait hint when the attempt may be retried (None = final).
        The hint is the server's Retry-After in seconds, or 0 for "use our backoff"."""
        url = self.settings.server_url or "Mistral's API"
        if isinstance(e, errors.MistralError):  # an HTTP answer (SDKError, HTTPValidationError, ...)
            status = e.status_code
            if isinstance(e, errors.ResponseValidationError):
                return Malformed(f"Mistral answered HTTP {status} with a body the SDK cannot read: "
                                 f"{_excerpt(e.body)}", status=status), None
            if status == 401:
                return AuthError("Mistral refused the API key (HTTP 401): check MISTRAL_API_KEY "
                                 "or mistral.api_key_file", status=status), None
            if status == 403:
                return AuthError(f"Mistral denied access (HTTP 403): the key may not use model "
                                 f"{self.settings.model!r}, or the account is not activated", status=status), None
            if status == 429:
                return RateLimited("Mistral rate limit hit (HTTP 429): lower daemon.requests_per_second "
                                   "or tokens_per_minute, or raise the plan's limits", status=status), \
                    _retry_after(e.headers)
            if status in RETRYABLE_STATUS:
                return ServerError(f"Mistral server error (HTTP {status}): {_body_message(e.body)}",
                                   status=status), _retry_after(e.headers)
            if status == 404:
                return Rejected(f"HTTP 404 from {url}: check MISTRAL_SERVER_URL (origin only) and the model "
                                f"name {self.settings.model!r}", status=status), None
            return Rejected(f"Mistral rejected the request (HTTP {status}): {_body_message(e.body)}",
                            status=status), None
        if isinstance(e, httpx2.PoolTimeout):  # our in-flight cap (daemon.concurrency): nothing was sent
            return Timeout(f"not sent: {e}"), None
        if isinstance(e, httpx2.ReadTimeout):
            return Timeout(f"no answer from Mistral within {timeout_s:g} s; not re-sent, since a long "
                           f"generation would be paid twice (raise mistral.timeout_s or lower max_tokens)"), None
        if isinstance(e, (httpx2.ReadError, httpx2.RemoteProtocolError)):
            msg = f"connection to {url} dropped before an answer ({type(e).__name__})"
            if latency < RESEND_SAFE_S:
                return ServerError(msg), 0.0
            return ServerError(f"{msg} after {latency:.0f} s; not re-sent, since the generation may "
                               f"have been paid already"), None
        if isinstance(e, (httpx2.TransportError, errors.NoResponseError)):  # connect/write/pool: never sent
            return ServerError(f"cannot reach Mistral at {url} ({type(e).__name__}: {e})"), 0.0
        raise e  # a bug of ours or of the SDK: not a Mistral failure to report as such

    def _backoff(self, attempt: int, hint: float) -> float:
        s = self.settings
        if hint > 0:  # the server said when: obey it, within our cap
            return min(hint, s.max_backoff_s)
        base = min(s.initial_backoff_s * 2 ** (attempt - 1), s.max_backoff_s)
        return base / 2 + random.uniform(0, base / 2)  # jitter: many drafts do not retry in step

    # --- success path -----------------------------------------------------------------

    def _usage(self, res: Any) -> Usage:
        """Priced by the model id the API answered with (an alias like ``-latest`` names a dated
        model in the answer); a model without a price is counted as unpriced, never as free."""
        u = res.usage
        tin, tout = int(getattr(u, "prompt_tokens", 0) or 0), int(getattr(u, "completion_tokens", 0) or 0)
        answered = res.model or self.settings.model
        standin = int(str(res.id or "").startswith("standin-"))
        price = self.settings.prices.get(answered)
        if price is None:
            if answered not in self._unpriced_warned:
                self._unpriced_warned.add(answered)
                log.warning("no price for model %s (the model that answered) in [mistral.prices]: its cost is "
                            "unknown and shown as such; the daily EUR budget cannot count it", answered)
            return Usage(calls=1, tokens_in=tin, tokens_out=tout, standin=standin, unpriced=1)
        cost = round((tin * price[0] + tout * price[1]) / 1_000_000, 6)
        return Usage(calls=1, tokens_in=tin, tokens_out=tout, cost_eur=cost, standin=standin)

    def _log(self, attempt: int, status: int | str, latency: float, usage: Usage) -> None:
        log.info("mistral call model=%s status=%s attempt=%d latency_ms=%d tokens_in=%d tokens_out=%d "
                 "cost_eur=%.6f", self.settings.model, status, attempt, round(latency * 1000),
                 usage.tokens_in, usage.tokens_out, usage.cost_eur)


# --- answers ------------------------------------------------------------------------------


def answer_meta(res: Any) -> dict:
    """What the ledger keeps of one chat-completion answer (an SDK response object)."""
    choice = res.choices[0] if res.choices else None
    return {"content": _content_text(choice.message.content if choice and choice.message else None),
            "id": res.id, "model": res.model or "", "finish_reason": str(choice.finish_reason) if choice else "none",
            "standin": str(res.id or "").startswith("standin-")}


def parse_answer(content: str, finish_reason: str, *, usage: Usage | None = None, meta: dict | None = None,
                 max_tokens: int | None = None) -> Article:
    """An answer's text as an Article. Pure: a kept answer is judged again without a call.
    Raises :class:`Truncated` or :class:`Malformed` (carrying ``usage`` and the content)."""
    if finish_reason in ("length", "model_length"):
        raise Truncated(f"Mistral's answer was cut at max_tokens={max_tokens} (finish_reason={finish_reason}): "
                        f"the article is incomplete", usage=usage, content=content, meta=meta)
    text = _strip_fence(content)
    try:
        data = json.loads(text)
    except ValueError as e:
        raise Malformed(f"Mistral's answer is not valid JSON ({e.msg} at char {e.pos}): {_excerpt(text)}",
                        usage=usage, content=content, meta=meta) from None
    try:
        return Article.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(x) for x in first["loc"]) or "(top level)"
        more = f" (and {e.error_count() - 1} more)" if e.error_count() > 1 else ""
        raise Malformed(f"Mistral's JSON does not fit the article schema: {where}: {first['msg']}{more}",
                        usage=usage, content=content, meta=meta) from None


# --- helpers --------------------------------------------------------------------------------


def _maybe_billed(e: Exception, latency: float) -> bool:
    """A request that got no answer but may have been generated (and billed) all the same: the answer
    timed out or the connection dropped after the request was in (see RESEND_SAFE_S). An HTTP error
    status, or a request never sent, made no answer."""
    if isinstance(e, httpx2.ReadTimeout):
        return True
    return isinstance(e, (httpx2.ReadError, httpx2.RemoteProtocolError)) and latency >= RESEND_SAFE_S


def _retry_after(headers: Any) -> float:
    """Seconds the server asks us to wait (``retry-after-ms`` first, fractional allowed), else 0."""
    if headers is None:
        return 0.0
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    ra = headers.get("retry-after")
    if ra:
        try:
            return max(0.0, float(ra))
        except ValueError:
            try:
                return max(0.0, parsedate_to_datetime(ra).timestamp() - time.time())
            except (TypeError, ValueError):
                pass
    return 0.0


def _content_text(content: Any) -> str:
    """``message.content`` is a string, null, or a list of chunks (reasoning models add
    ``thinking`` chunks, which are not the answer)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    parts = []
    for chunk in content:
        kind = getattr(chunk, "type", None) or (chunk.get("type") if isinstance(chunk, dict) else None)
        if kind == "text":
            parts.append(getattr(chunk, "text", None) or (chunk.get("text", "") if isinstance(chunk, dict) else ""))
    return "".join(parts)


_FENCE = re.compile(r"^\s*```(?:json)?\s*\n(.*)\n\s*```\s*$", re.S)


def _strip_fence(text: str) -> str:
    m = _FENCE.match(text)
    return m.group(1) if m else text


def _body_message(body: str | None) -> str:
    """The ``message`` of an error body (Mistral's and the stand-in's shape), else an excerpt."""
    try:
        data = json.loads(body or "")
    except ValueError:
        return _excerpt(body)
    if isinstance(data, dict):
        detail = data.get("detail")
        if isinstance(data.get("message"), str):
            return _excerpt(data["message"])
        if isinstance(detail, list) and detail and isinstance(detail[0], dict) and "msg" in detail[0]:
            return _excerpt(str(detail[0]["msg"]))
    return _excerpt(body)


def _excerpt(text: str | None, n: int = 160) -> str:
    t = " ".join((text or "").split())
    return (t[:n] + "…") if len(t) > n else (t or "(empty)")
