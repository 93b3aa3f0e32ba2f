"""The Mistral gateway through the real SDK against the stand-in: retries, errors, parsing, cost."""
from __future__ import annotations

import json
import logging
import socket
import time
from contextlib import contextmanager

import pytest

from tests.support.standin import ARTICLE, MESSAGES, TEST_KEY, gateway
from wp_seo_bridge.daemon.limiter import RateLimiter
from wp_seo_bridge.gateways.mistral import (
    AuthError,
    Malformed,
    MistralGateway,
    MistralSettings,
    NoLimit,
    RateLimited,
    Rejected,
    ServerError,
    SettingsError,
    Timeout,
    Truncated,
    article_schema,
)
from wp_seo_bridge.model import Article, Usage


class RecordingLimiter(NoLimit):
    def __init__(self):
        self.events: list[tuple[str, object]] = []

    def before_call(self, estimated_tokens: int) -> None:
        self.events.append(("before", estimated_tokens))

    @contextmanager
    def in_flight(self, timeout=None):
        self.events.append(("send", timeout))
        yield
        self.events.append(("answered", None))

    def after_call(self, usage: Usage) -> None:
        self.events.append(("after", usage))


def test_success_parses_the_article_and_prices_the_tokens(standin):
    standin.script([{"article": ARTICLE}])
    article, usage, meta = gateway(standin).complete_article(MESSAGES)
    assert article == Article.model_validate(ARTICLE)
    assert usage.calls == 1 and usage.tokens_in > 0 and usage.tokens_out > 0
    assert usage.cost_eur == round((usage.tokens_in * 2.0 + usage.tokens_out * 6.0) / 1e6, 6)
    assert meta["standin"] is True and meta["attempts"] == 1 and meta["finish_reason"] == "stop"
    assert json.loads(meta["content"]) == ARTICLE


def test_the_request_uses_a_strict_json_schema_and_omits_unset_arguments(standin):
    standin.script([{"article": ARTICLE}, {"article": ARTICLE}])
    gateway(standin).complete_article(MESSAGES)
    gateway(standin, temperature=None, max_tokens=None).complete_article(MESSAGES)
    first, second = standin.completions()
    fmt = first["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["name"] == "article"
    assert fmt["json_schema"]["strict"] is True
    schema = fmt["json_schema"]["schema"]
    assert schema == article_schema()
    assert set(schema["required"]) == set(Article.model_fields) and schema["additionalProperties"] is False
    block = schema["properties"]["intro"]["items"]
    assert block["additionalProperties"] is False and set(block["required"]) == {
        "type", "text", "items", "ordered", "cite", "ref"}
    assert "$ref" not in json.dumps(schema) and "default" not in json.dumps(schema)
    assert first["temperature"] == 0.3 and first["max_tokens"] == 4000
    assert "temperature" not in second and "max_tokens" not in second  # omitted, never null


def test_429_retry_after_is_honoured_and_bounded(standin):
    standin.script([{"status": 429, "retry_after": 0.3}, {"article": ARTICLE}])
    started = time.monotonic()
    _, _, meta = gateway(standin).complete_article(MESSAGES)
    waited = time.monotonic() - started
    assert meta["attempts"] == 2 and len(standin.completions()) == 2
    assert waited >= 0.3  # honoured (the cap is the next tests'; no upper bound: a slow host is not a failure)


def test_fractional_retry_after_ms_is_honoured(standin):
    standin.script([{"status": 429, "retry_after_ms": 250.5}, {"article": ARTICLE}])
    started = time.monotonic()
    gateway(standin).complete_article(MESSAGES)
    assert 0.25 <= time.monotonic() - started < 250  # milliseconds, not 250.5 seconds


def test_a_long_retry_after_is_capped_by_max_backoff(standin):
    standin.script([{"status": 503, "retry_after": 30}, {"article": ARTICLE}])
    started = time.monotonic()
    gateway(standin, max_backoff_s=0.2).complete_article(MESSAGES)
    assert 0.2 <= time.monotonic() - started < 30  # capped: obeying Retry-After would take 30 s


def test_503_twice_then_success(standin):
    standin.script([{"status": 503}, {"status": 503}, {"article": ARTICLE}])
    limiter = RecordingLimiter()
    _, usage, meta = gateway(standin, limiter=limiter).complete_article(MESSAGES)
    assert meta["attempts"] == 3 and len(standin.completions()) == 3
    # the limiter sees every attempt; failed ones cost no tokens
    assert [e[0] for e in limiter.events] == ["before", "send", "answered", "after"] * 3
    assert all(isinstance(n, int) and n > 4000 for kind, n in limiter.events if kind == "before")
    assert [u for kind, u in limiter.events if kind == "after"] == [Usage(), Usage(), usage]


def test_500_beyond_the_retry_budget_is_a_server_error(standin):
    standin.script([{"status": 500, "message": "boom"}] * 4)
    with pytest.raises(ServerError, match=r"HTTP 500.*boom.*3 attempts"):
        gateway(standin, max_retries=2).complete_article(MESSAGES)
    assert len(standin.completions()) == 3


def test_the_deadline_stops_retries_before_a_wait_that_would_overrun_it(standin):
    # Waiting out Retry-After would take 5 s: ending before proves it did not wait (the error says why).
    standin.script([{"status": 429, "retry_after": 5}, {"article": ARTICLE}])
    started = time.monotonic()
    with pytest.raises(RateLimited, match="deadline"):
        gateway(standin, deadline_s=3, max_backoff_s=10).complete_article(MESSAGES)
    assert time.monotonic() - started < 5
    assert len(standin.completions()) == 1


def test_a_read_timeout_is_not_sent_again(standin):
    standin.script([{"sleep": 1.0, "article": ARTICLE}, {"article": ARTICLE}])
    started = time.monotonic()
    with pytest.raises(Timeout, match="not re-sent"):
        gateway(standin, timeout_s=0.3, max_retries=3).complete_article(MESSAGES)
    assert time.monotonic() - started >= 0.3  # the Timeout itself says no answer came: no upper bound
    assert len(standin.completions()) == 1


def test_a_dropped_connection_is_retried(standin):
    standin.script([{"drop": True}, {"article": ARTICLE}])
    _, _, meta = gateway(standin).complete_article(MESSAGES)
    assert meta["attempts"] == 2 and len(standin.completions()) == 2


def test_an_unreachable_server_is_a_server_error_after_retries():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = MistralSettings(api_key=TEST_KEY, server_url=f"http://127.0.0.1:{port}", max_retries=1,
                               initial_backoff_s=0.01, timeout_s=2)
    with pytest.raises(ServerError, match=r"cannot reach Mistral at http://127\.0\.0\.1.*2 attempts"):
        MistralGateway(settings).complete_article(MESSAGES)


@pytest.mark.parametrize("status,error,words", [(401, AuthError, "API key"), (403, AuthError, "denied"),
                                                (422, Rejected, "rejected"), (400, Rejected, "rejected")])
def test_client_errors_are_not_retried(standin, status, error, words):
    standin.script([{"status": status, "message": "nope"}, {"article": ARTICLE}])
    with pytest.raises(error, match=words):
        gateway(standin).complete_article(MESSAGES)
    assert len(standin.completions()) == 1


def test_no_fixture_is_a_clear_rejection(standin):
    with pytest.raises(Rejected, match="offline stand-in has no fixture for this draft"):
        gateway(standin).complete_article(MESSAGES)


def test_malformed_json_is_malformed_and_still_costs(standin):
    standin.script([{"raw": '{"title": "x", oups'}])
    with pytest.raises(Malformed, match="not valid JSON") as e:
        gateway(standin).complete_article(MESSAGES)
    assert e.value.usage.tokens_out > 0 and e.value.usage.cost_eur > 0
    assert e.value.content == '{"title": "x", oups'


def test_json_outside_the_schema_is_malformed_and_names_the_field(standin):
    broken = {k: v for k, v in ARTICLE.items() if k != "slug"}
    standin.script([{"article": broken}])
    with pytest.raises(Malformed, match="slug"):
        gateway(standin).complete_article(MESSAGES)


def test_length_is_truncated_even_when_the_json_parses(standin):
    standin.script([{"article": ARTICLE, "finish_reason": "length"}])
    with pytest.raises(Truncated, match="max_tokens=4000") as e:
        gateway(standin).complete_article(MESSAGES)
    assert e.value.usage.calls == 1 and e.value.usage.tokens_out > 0


def test_chunked_content_keeps_only_the_text_chunks(standin):
    text = json.dumps(ARTICLE)
    chunks = [{"type": "thinking", "thinking": [{"type": "text", "text": "hmm {"}]},
              {"type": "text", "text": text[:40]}, {"type": "text", "text": text[40:]}]
    standin.script([{"content": chunks}, {"raw": "```json\n" + text + "\n```"}])
    assert gateway(standin).complete_article(MESSAGES)[0] == Article.model_validate(ARTICLE)
    assert gateway(standin).complete_article(MESSAGES)[0].slug == "jardin-partage"  # fence stripped


def test_one_log_line_per_attempt_with_usage_and_never_the_key(standin, caplog):
    standin.script([{"status": 503}, {"article": ARTICLE}])
    with caplog.at_level(logging.INFO, logger="wp_seo_bridge.mistral"):
        _, usage, _ = gateway(standin).complete_article(MESSAGES)
    lines = [r.getMessage() for r in caplog.records if r.name == "wp_seo_bridge.mistral"]
    assert len(lines) == 2
    assert "status=503 attempt=1" in lines[0] and "tokens_in=0" in lines[0]
    assert "model=mistral-large-latest status=200 attempt=2" in lines[1]
    assert f"tokens_in={usage.tokens_in} tokens_out={usage.tokens_out} cost_eur={usage.cost_eur:.6f}" in lines[1]
    assert TEST_KEY not in caplog.text


def test_an_unpriced_model_is_counted_as_unpriced_and_says_so(standin, caplog):
    standin.script([{"article": ARTICLE}])
    with caplog.at_level(logging.WARNING, logger="wp_seo_bridge.mistral"):
        _, usage, _ = gateway(standin, prices={}).complete_article(MESSAGES)
    assert usage.cost_eur == 0 and usage.tokens_out > 0 and usage.unpriced == 1
    assert "no price for model mistral-large-latest" in caplog.text and "unknown" in caplog.text


def test_the_cost_follows_the_model_that_answered(standin):
    """An alias is answered by a dated model: its price applies, not the alias's."""
    prices = {"mistral-large-latest": (2.0, 6.0), "mistral-large-2512": (0.43, 1.29)}
    standin.script([{"article": ARTICLE, "model": "mistral-large-2512"}, {"article": ARTICLE, "model": "other-9"}])
    gw = gateway(standin, prices=prices)
    _, usage, meta = gw.complete_article(MESSAGES)
    assert meta["model"] == "mistral-large-2512" and usage.unpriced == 0
    assert usage.cost_eur == round((usage.tokens_in * 0.43 + usage.tokens_out * 1.29) / 1e6, 6)
    _, usage, _ = gw.complete_article(MESSAGES)
    assert usage.unpriced == 1 and usage.cost_eur == 0  # unknown model: unpriced, not free


def test_finish_reason_error_is_retried_like_a_5xx_and_each_answer_reported(standin):
    standin.script([{"article": ARTICLE, "finish_reason": "error"}, {"article": ARTICLE}])
    paid = []
    article, usage, meta = gateway(standin).complete_article(MESSAGES, on_paid=lambda u, m: paid.append(
        (u.calls, m["finish_reason"])))
    assert article.slug == "jardin-partage" and meta["attempts"] == 2
    assert paid == [(1, "error"), (1, "stop")] and len(standin.completions()) == 2


def test_finish_reason_error_every_time_is_a_server_error(standin):
    standin.script([{"article": ARTICLE, "finish_reason": "error"}] * 3)
    with pytest.raises(ServerError, match="finish_reason=error") as e:
        gateway(standin, max_retries=2).complete_article(MESSAGES)
    assert e.value.usage.calls == 3


def test_server_url_is_an_origin(caplog):
    assert MistralSettings(server_url="http://127.0.0.1:9/v1/").server_url == "http://127.0.0.1:9"
    assert "origin only" in caplog.text
    assert MistralSettings(server_url=None).server_url is None
    with pytest.raises(SettingsError, match="origin only"):
        MistralSettings(server_url="https://example.invalid/api")
    with pytest.raises(SettingsError, match="http"):
        MistralSettings(server_url="ftp://example.invalid")


def test_the_key_stays_out_of_repr_and_is_required():
    assert "s3cret" not in repr(MistralSettings(api_key="s3cret"))
    with pytest.raises(SettingsError, match="MISTRAL_API_KEY"):
        MistralGateway(MistralSettings(api_key=""))


def test_the_key_is_sent_as_a_bearer_token(standin):
    # the stand-in answers 401 without a bearer key: a 200 proves the key went out
    standin.script([{"article": ARTICLE}])
    gateway(standin).complete_article(MESSAGES)
    assert standin.completions()[0]["messages"] == MESSAGES


def test_every_packaged_fixture_reaches_the_product_as_intended(standin):
    """Good and most bad fixtures parse into an Article; a raw or length one fails as such."""
    fixtures = standin.fixtures  # the server's own snapshot: fixture files may change while tests run
    assert any(fx.get("kind") == "good" for fx in fixtures.values())
    g = gateway(standin)
    for name, fx in fixtures.items():
        standin.script([{"fixture": name}])
        if fx.get("finish_reason") == "length":
            with pytest.raises(Truncated):
                g.complete_article(MESSAGES)
        elif "article" not in fx:
            with pytest.raises(Malformed):
                g.complete_article(MESSAGES)
        else:
            article, _, meta = g.complete_article(MESSAGES)
            assert article == Article.model_validate(fx["article"]), name


def test_a_slow_limiter_counts_against_the_deadline(standin):
    class Slow(RecordingLimiter):
        def before_call(self, estimated_tokens: int) -> None:
            super().before_call(estimated_tokens)
            time.sleep(0.35)

    standin.script([{"status": 503}, {"article": ARTICLE}])
    with pytest.raises(Timeout, match="deadline passed before attempt 2"):
        gateway(standin, limiter=Slow(), deadline_s=0.6).complete_article(MESSAGES)
    assert len(standin.completions()) == 1


def test_the_limiter_place_covers_the_http_exchange_not_the_sdk_work_around_it(standin):
    standin.script([{"article": ARTICLE}])
    lim = RecordingLimiter()
    gateway(standin, limiter=lim).complete_article(MESSAGES)
    assert [e for e, _ in lim.events] == ["before", "send", "answered", "after"]
    assert 0 < lim.events[1][1] <= 30  # the wait for a place is bounded by the request's timeout


def test_no_free_place_means_not_sent_and_tried_next_pass(standin):
    standin.script([{"article": ARTICLE}])
    lim = RateLimiter(1000, 10**9, max_in_flight=1)
    with lim.in_flight():  # another draft's exchange holds the only place past the deadline
        with pytest.raises(Timeout, match="not sent: all 1 Mistral slots stayed busy"):
            gateway(standin, limiter=lim, timeout_s=0.2, deadline_s=0.3).complete_article(MESSAGES)
    assert standin.completions() == []
