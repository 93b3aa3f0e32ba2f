"""The offline stand-in speaks Mistral's protocol, labels every answer, and obeys its script."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from mistralai.client import Mistral

from tests.support.standin import TEST_FIXTURES, TEST_KEY
from wp_seo_bridge.model import Article
from wp_seo_bridge.standin import LABEL, LABEL_HEADER, load_fixtures, start_in_thread

REPO = Path(__file__).resolve().parents[2]
REPO_SOURCES = REPO / "wp_seo_bridge" / "standin" / "fixtures" / "sources"
TINY = "ZZ-STANDIN-TINY-7F3"


def call(url: str, path: str, body=None, *, key: str | None = TEST_KEY, timeout: float = 5.0):
    """Plain HTTP, so error answers can be inspected whole. Returns (status, headers, json)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url + path, data=data, method="POST" if data is not None else "GET")
    req.add_header("content-type", "application/json")
    if key:
        req.add_header("authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, e.headers, json.loads(e.read())


def chat(text: str, *more: dict) -> dict:
    return {"model": "mistral-small-latest", "messages": [{"role": "system", "content": "sys"},
                                                          {"role": "user", "content": text}, *more]}


def test_every_answer_is_labelled(standin):
    standin.script([{"status": 429, "retry_after": 1}])
    answers = [
        call(standin.url, "/v1/chat/completions", chat(f"brouillon {TINY}")),  # scripted 429
        call(standin.url, "/v1/chat/completions", chat(f"brouillon {TINY}")),  # fixture
        call(standin.url, "/v1/chat/completions", chat("un brouillon inconnu")),  # no fixture
        call(standin.url, "/v1/chat/completions", chat(TINY), key=None),  # no key
        call(standin.url, "/v1/models"),
        call(standin.url, "/_standin/requests"),
        call(standin.url, "/nowhere"),
    ]
    assert [a[0] for a in answers] == [429, 200, 422, 401, 200, 200, 404]
    for status, headers, _ in answers:
        assert headers[LABEL_HEADER] == LABEL, status
        assert headers["content-type"] == "application/json"
    assert answers[0][1]["Retry-After"] == "1"
    assert answers[1][2]["id"].startswith("standin-")
    assert "offline stand-in has no fixture for this draft" in answers[2][2]["message"]


def test_matching_fixture_answers_like_the_api_through_the_real_sdk(standin):
    client = Mistral(api_key=TEST_KEY, server_url=standin.url)
    res = client.chat.complete(model="mistral-medium-latest",
                               messages=[{"role": "user", "content": f"Réécris : {TINY} et la suite."}])
    assert res.id.startswith("standin-")
    assert res.model == "mistral-medium-latest"  # echoed
    assert res.choices[0].finish_reason == "stop"
    article = Article.model_validate_json(res.choices[0].message.content)
    assert article.focus_keyphrase == "article de test"
    # usage is estimated as chars/4 of the messages and of the answer
    sent = f"Réécris : {TINY} et la suite."
    assert res.usage.prompt_tokens == (len(sent) + 3) // 4
    assert res.usage.completion_tokens == (len(res.choices[0].message.content) + 3) // 4
    assert [m.id for m in client.models.list().data][:2] == ["mistral-large-2512", "mistral-large-latest"]


def test_a_repair_turn_is_matched_by_the_draft_of_the_first_user_message(standin):
    body = chat(f"brouillon {TINY}", {"role": "assistant", "content": "{}"},
                {"role": "user", "content": "corrige word_count"})
    status, _, answer = call(standin.url, "/v1/chat/completions", body)
    assert status == 200
    assert json.loads(answer["choices"][0]["message"]["content"])["slug"] == "article-de-test"


def test_bad_fixtures_are_served_only_when_scripted(standin):
    status, _, _ = call(standin.url, "/v1/chat/completions", chat("texte ZZ-STANDIN-BROKEN-9C1"))
    assert status == 422
    standin.script([{"fixture": "standin-broken"}])
    status, _, answer = call(standin.url, "/v1/chat/completions", chat("n'importe quoi"))
    assert status == 200
    assert answer["choices"][0]["finish_reason"] == "length"
    assert answer["choices"][0]["message"]["content"].endswith("Article coup")
    status, _, answer = call(standin.url, "/v1/chat/completions", chat("x"))  # script consumed
    assert status == 422


def test_control_api_over_http_records_requests_without_the_key(standin):
    status, _, queued = call(standin.url, "/_standin/script",
                             [{"status": 503}, {"raw": "pas du JSON", "finish_reason": "stop"}])
    assert (status, queued) == (200, {"queued": 2})
    assert call(standin.url, "/v1/chat/completions", chat("a"))[0] == 503
    status, _, answer = call(standin.url, "/v1/chat/completions", chat("b"))
    assert answer["choices"][0]["message"]["content"] == "pas du JSON"
    _, _, recorded = call(standin.url, "/_standin/requests")
    assert [r["json"]["messages"][1]["content"] for r in recorded] == ["a", "b"]
    assert all("authorization" not in r["headers"] for r in recorded)
    assert TEST_KEY not in json.dumps(recorded)
    assert call(standin.url, "/_standin/reset", {})[0] == 200
    assert standin.requests() == []
    assert call(standin.url, "/_standin/script", {"not": "a list"})[0] == 400


def test_a_held_answer_comes_when_the_test_releases_it(standin):
    standin.script([{"hold": "h", "fixture": "standin-tiny"}])
    with ThreadPoolExecutor(1) as pool:
        answer = pool.submit(call, standin.url, "/v1/chat/completions", chat("x"))
        deadline = time.monotonic() + 60
        while not standin.completions() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert standin.completions() and not answer.done() and standin.billed() == []  # arrived, held
        standin.release("h")
        assert answer.result(timeout=60)[0] == 200 and len(standin.billed()) == 1


def test_scripted_sleep_delays_the_answer(standin):
    standin.script([{"sleep": 0.3, "fixture": "standin-tiny"}])
    started = time.monotonic()
    status, _, _ = call(standin.url, "/v1/chat/completions", chat("x"))
    assert status == 200 and time.monotonic() - started >= 0.3


def test_latency_is_served_concurrently():
    handle = start_in_thread(latency=0.4, fixtures_dirs=[TEST_FIXTURES])
    try:
        started = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda i: call(handle.url, "/v1/chat/completions", chat(TINY))[0], range(8)))
        elapsed = time.monotonic() - started
        handle_requests = handle.requests()
    finally:
        handle.stop()
    assert statuses == [200] * 8 and elapsed >= 0.4
    # Served one at a time, each request would arrive after the previous one's 0.4 s: some overlap proves
    # concurrency whatever the host's speed (the total time would not).
    arrivals = sorted(r["at"] for r in handle_requests)
    assert any(b - a < 0.4 for a, b in zip(arrivals, arrivals[1:])), f"no two of 8 answers overlapped: {arrivals}"


def test_fault_rate_injects_503():
    handle = start_in_thread(fault_rate=1.0, fixtures_dirs=[TEST_FIXTURES], seed=1)
    try:
        status, headers, body = call(handle.url, "/v1/chat/completions", chat(TINY))
    finally:
        handle.stop()
    assert status == 503 and "fault" in body["message"] and headers[LABEL_HEADER] == LABEL


def test_packaged_fixtures_follow_the_shared_format():
    fixtures = load_fixtures()
    for name, fx in fixtures.items():
        assert fx.get("label", "").startswith("TEST FIXTURE"), name
        assert fx.get("kind") in ("good", "bad"), name
        if fx["kind"] == "good":
            assert fx.get("match"), f"{name}: a good fixture needs a match phrase"
            Article.model_validate(fx["article"])
            source = Path(__file__).resolve().parents[2] / "wp_seo_bridge/standin/fixtures" / fx["source"]
            assert fx["match"] in source.read_text(encoding="utf-8"), f"{name}: match phrase not in its source"
    assert "standin-tiny" not in fixtures  # the tests' throwaway fixtures are not packaged
    assert "standin-tiny" in load_fixtures([TEST_FIXTURES])


def test_broken_fixture_file_is_skipped_not_fatal(tmp_path):
    (tmp_path / "typo.json").write_text('{"name": "typo", "article": ', encoding="utf-8")
    (tmp_path / "ok.json").write_text(json.dumps({"name": "ok", "raw": "{}"}), encoding="utf-8")
    found = load_fixtures([tmp_path])
    assert "ok" in found and "typo" not in found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_module_cli_serves_until_stopped():
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "wp_seo_bridge.standin", "--port", str(port), "--latency", "0"],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                status, headers, body = call(f"http://127.0.0.1:{port}", "/v1/models", timeout=1)
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail(f"the stand-in did not start: {proc.stderr.read().decode() if proc.poll() else ''}")
                time.sleep(0.05)
        assert status == 200 and headers[LABEL_HEADER] == LABEL
    finally:
        proc.terminate()
        proc.wait(timeout=5)
    assert b"offline stand-in" in proc.stdout.read()


def test_each_draft_gets_its_own_keyphrase_and_keeps_it_on_a_repair(standin):
    from wp_seo_bridge.model import Source
    from wp_seo_bridge.rewrite import build_messages

    def ask(title, used=()):
        text = (REPO_SOURCES / "seed-fr.txt").read_text(encoding="utf-8")
        msgs = build_messages(Source(title, text, text, {}, "text", 100), used_keyphrases=used)
        body = {"model": "m", "messages": msgs, "response_format": {"type": "json_object"}}
        r = requests.post(f"{standin.url}/v1/chat/completions", json=body, headers={"authorization": "Bearer k"},
                          timeout=10)
        return json.loads(r.json()["choices"][0]["message"]["content"])

    base = ask("Brouillon 1")["focus_keyphrase"]
    again = ask("Brouillon 1")
    other = ask("Brouillon 2")
    third = ask("Brouillon 3", used=[base, other["focus_keyphrase"]])
    assert again["focus_keyphrase"] == base  # the same draft asked again (a repair) keeps its keyphrase
    assert len({base, other["focus_keyphrase"], third["focus_keyphrase"]}) == 3
    assert other["focus_keyphrase"].startswith(base) and other["seo_title"].lower().startswith(
        other["focus_keyphrase"].lower())
    assert other["slug"] != again["slug"]
    usage = requests.get(f"{standin.url}/_standin/billed", timeout=10).json()
    assert usage["answers"] == 4 and usage["prompt_tokens"] > 0 and usage["completion_tokens"] > 0
