"""max_tokens from the target, the context check before any call, reasoning_effort only where configured,
the default concurrency, dated model ids."""
from __future__ import annotations

import logging

from tests.support.standin import gateway
from wp_seo_bridge.config import parse
from wp_seo_bridge.model import Finding, Report, Source
from wp_seo_bridge.rewrite import build_messages, rewrite
from wp_seo_bridge.rewrite.budget import answer_tokens, plan

SOURCE = Source("Titre", "Le jardin partagé ouvre le 12 mai.", "Le jardin partagé ouvre le 12 mai.", {}, "text", 7)
ARTICLE = {"title": "T", "seo_title": "S", "meta_description": "M", "focus_keyphrase": "k", "slug": "s",
           "intro": [{"type": "paragraph", "text": "x", "items": [], "ordered": False, "cite": "", "ref": ""}],
           "sections": []}


def ok(a, s):
    return Report((Finding("word_count", True, "ok"),))


def test_max_tokens_follows_the_target_length():
    assert answer_tokens(700, 300) == 3225  # (840 words × 2 + 900) × 1.25
    assert answer_tokens(1500, 300) > 2 * answer_tokens(700, 300) - 1200
    assert answer_tokens(700, 3000) > answer_tokens(700, 300)  # a long draft may give a longer article
    assert answer_tokens(700, 30000) == answer_tokens(700, 2100)  # bounded at 3 × min_words


def test_a_prompt_that_cannot_fit_the_context_fails_before_any_call(standin):
    r = rewrite(SOURCE, gateway(standin), check=ok, min_words=700, context_tokens=4096)
    assert r.article is None and not r.retry and "cannot fit the model's context" in r.reason
    assert "4,096" in r.reason and standin.completions() == []


def test_a_tight_context_shrinks_max_tokens_but_never_below_what_can_pass(standin):
    messages = build_messages(SOURCE, min_words=700)
    roomy = plan(messages, min_words=700, source_words=7, context=262_144)
    tight = plan(messages, min_words=700, source_words=7, context=roomy.conversation_tokens - 600)
    assert roomy.fits and tight.fits and tight.max_tokens < roomy.max_tokens and tight.max_tokens >= 2300
    standin.script([{"article": ARTICLE}])
    rewrite(SOURCE, gateway(standin), check=ok, min_words=700)
    [body] = standin.completions()
    assert body["max_tokens"] == roomy.max_tokens  # sent per call, from the target


def test_reasoning_effort_is_sent_only_when_configured(standin):
    standin.script([{"article": ARTICLE}, {"article": ARTICLE}])
    gateway(standin).complete_article(build_messages(SOURCE))
    gateway(standin, reasoning_effort="none").complete_article(build_messages(SOURCE))
    plain, reasoning = standin.completions()
    assert "reasoning_effort" not in plain and reasoning["reasoning_effort"] == "none"


def test_default_concurrency_is_what_the_requests_per_second_allow():
    site = {"name": "s", "url": "https://blog.example.fr", "user": "u", "password_env": "X"}
    assert parse({"sites": [site]}).daemon.concurrency == 1
    assert parse({"sites": [site], "daemon": {"requests_per_second": 6}}).daemon.concurrency == 6
    assert parse({"sites": [site], "daemon": {"concurrency": 3}}).daemon.concurrency == 3


def test_a_latest_alias_is_accepted_but_warned_about(monkeypatch, caplog):
    from wp_seo_bridge.wiring import mistral_settings

    site = {"name": "s", "url": "https://blog.example.fr", "user": "u", "password_env": "X"}
    monkeypatch.setenv("MISTRAL_API_KEY", "k")
    monkeypatch.delenv("MISTRAL_MODEL", raising=False)
    cfg = parse({"sites": [site], "mistral": {"model": "mistral-large-latest"}})
    with caplog.at_level(logging.WARNING, logger="wp_seo_bridge.wiring"):
        s = mistral_settings(cfg.mistral)
    assert s.model == "mistral-large-latest" and "moves to newer models" in caplog.text
    caplog.clear()
    dated = parse({"sites": [site], "mistral": {"models": {"mistral-large-2512": {"context_tokens": 262144}}}})
    with caplog.at_level(logging.WARNING, logger="wp_seo_bridge.wiring"):
        s = mistral_settings(dated.mistral)
    assert s.model == "mistral-large-2512" and s.context_tokens == 262144 and caplog.text == ""
