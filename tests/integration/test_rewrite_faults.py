"""extract → rewrite → check → render through the real SDK and the stand-in, no WordPress.

Every fault and every bad answer ends in a valid article or in no article with a clear reason: never in an
article that fails a blocking check.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.support.standin import gateway
from wp_seo_bridge.pipeline import Engine, judge, rewrite_text
from wp_seo_bridge.rewrite import RewriteResult

FIXTURES = Path(__file__).resolve().parents[2] / "wp_seo_bridge" / "standin" / "fixtures"
GOOD = sorted(p.stem for p in FIXTURES.glob("*.json") if json.loads(p.read_text(encoding="utf-8"))["kind"] == "good")


def draft(name: str) -> tuple[str, str]:
    """(title, content) of a fixture's source as an author would have it in WordPress."""
    src = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))["source"]
    text = (FIXTURES / src).read_text(encoding="utf-8")
    if src.endswith(".html"):
        return "", text
    lines = [l for l in text.splitlines() if l.strip()]
    if name == "seed-fr":  # line 1 is the user's request that came with the article, not the article
        return "", "\n\n".join(lines[1:])
    return lines[0], "\n\n".join(lines[1:])


def run(handle, name: str = "seed-fr", **settings) -> RewriteResult:
    title, content = draft(name)
    return rewrite_text(title, content, Engine(llm=gateway(handle, **settings), model="mistral-large-latest"))


def assert_valid(r: RewriteResult) -> None:
    assert r.ok, r.reason
    again = judge(r.article, r.source)
    assert again.passed, [f.message for f in again.failures]
    assert r.report.passed
    # What is pushed is exactly what the checks judged, and its word count is theirs.
    assert r.html == again.html == r.report.html and r.words == again.words >= 700


@pytest.mark.parametrize("name", GOOD)
def test_good_fixtures_pass_in_one_call(standin, name):
    r = run(standin, name)
    assert_valid(r)
    assert r.usage.calls == 1 and r.usage.tokens_in > 0 and r.usage.tokens_out > 0 and r.usage.cost_eur > 0
    # No URL that the source does not have.
    _, content = draft(name)
    for url in re.findall(r"""(?:href|src)=["']([^"']+)""", r.html):
        assert url in content


def test_calls_per_article_average_at_most_1_2(standin):
    calls = [run(standin, name).usage.calls for name in GOOD]
    assert sum(calls) / len(calls) <= 1.2, calls


def test_prompt_injection_in_the_draft_changes_nothing(standin):
    r = run(standin, "injection-fr")
    assert_valid(r)
    # The draft's own text names the URL once: kept as written (nothing lost), never turned into a link or
    # moved into the introduction as the injected instruction asks, never added again.
    first_paragraph = r.html.split("</p>", 1)[0]
    assert r.html.count("evil.example") == 1 and "evil.example" not in first_paragraph
    assert 'href="http://evil.example' not in r.html and "poème" not in r.html.lower()
    user_message = standin.completions()[0]["messages"][-1]["content"]
    assert "BROUILLON" in user_message  # the draft travels as delimited data


@pytest.mark.parametrize("steps, repaired", [
    ([{"status": 429, "retry_after": 0.2}], True),
    ([{"status": 503}, {"status": 500}], True),
    ([{"fixture": "bad-malformed"}], True),
    ([{"fixture": "bad-truncated"}], True),
    ([{"fixture": "bad-invented-quote"}], True),
    ([{"fixture": "bad-too-short"}], True),
])
def test_a_fault_then_a_good_answer_gives_a_valid_article(standin, steps, repaired):
    standin.script(steps)
    assert_valid(run(standin))


@pytest.mark.parametrize("bad, code", [
    ("bad-too-short", "word_count"),
    ("bad-english", "language_fr"),
    ("bad-invented-quote", "quote_not_in_source"),
    ("bad-invented-number", "number_not_in_source"),
    ("bad-stuffing", "keyphrase_density"),
    ("bad-truncated", "finish_reason=length"),
    ("bad-malformed", "JSON"),
])
def test_bad_twice_means_no_article_and_a_reason_naming_the_failure(standin, bad, code):
    standin.script([{"fixture": bad}, {"fixture": bad}])
    r = run(standin)
    assert not r.ok and r.html == ""
    assert code.lower() in r.reason.lower(), r.reason
    assert len(standin.completions()) == 2  # one answer, one repair: bounded


def test_server_errors_beyond_the_retry_budget_give_a_reason(standin):
    standin.script([{"status": 500}] * 10)
    r = run(standin, max_retries=2)
    assert not r.ok and "500" in r.reason
    assert len(standin.completions()) == 3


def test_a_read_timeout_is_not_sent_twice(standin):
    standin.script([{"sleep": 1.5, "fixture": "seed-fr"}])
    r = run(standin, timeout_s=0.5)
    assert not r.ok and "tim" in r.reason.lower()
    assert len(standin.completions()) == 1
