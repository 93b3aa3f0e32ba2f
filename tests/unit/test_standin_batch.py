"""The stand-in's Files and Batch APIs, driven by the real SDK (``client.files``, ``client.batch.jobs``)."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest
from mistralai.client import Mistral, errors

from tests.support.standin import TEST_KEY

TINY = "ZZ-STANDIN-TINY-7F3"


def body(text: str) -> dict:
    return {"messages": [{"role": "system", "content": "sys"}, {"role": "user", "content": text}], "max_tokens": 100}


def jsonl(lines: dict[str, dict]) -> bytes:
    return "".join(json.dumps({"custom_id": k, "body": b}) + "\n" for k, b in lines.items()).encode()


def client(standin) -> Mistral:
    return Mistral(api_key=TEST_KEY, server_url=standin.url)


def read(c: Mistral, file_id: str) -> list[dict]:
    res = c.files.download(file_id=file_id)
    try:
        return [json.loads(line) for line in res.read().decode().splitlines()]
    finally:
        res.close()


def test_a_file_job_answers_each_line_once_its_delay_has_passed(standin):
    standin.batch_delay = 0.3
    c = client(standin)
    up = c.files.upload(file={"file_name": "in.jsonl", "content": jsonl({"p-1": body(f"brouillon {TINY}"),
                                                                           "p-2": body("inconnu")})},
                        purpose="batch")
    assert up.purpose == "batch" and up.num_lines == 2 and up.size_bytes > 0
    job = c.batch.jobs.create(endpoint="/v1/chat/completions", input_files=[up.id], model="mistral-small-latest",
                              metadata={"site": "x"})
    assert job.status == "QUEUED" and job.total_requests == 2 and job.output_file is None
    assert c.batch.jobs.get(job_id=job.id).status == "RUNNING"
    assert standin.billed() == []  # nothing answered (nor billed) before the job ends
    time.sleep(0.35)
    done = c.batch.jobs.get(job_id=job.id)
    assert (done.status, done.succeeded_requests, done.failed_requests) == ("SUCCESS", 1, 1)
    assert done.metadata == {"site": "x"}
    [ok] = read(c, done.output_file)
    assert ok["custom_id"] == "p-1" and ok["response"]["status_code"] == 200
    answer = ok["response"]["body"]
    assert answer["model"] == "mistral-small-latest" and answer["usage"]["completion_tokens"] > 0
    assert json.loads(answer["choices"][0]["message"]["content"])["title"]
    [bad] = read(c, done.error_file)
    assert bad["custom_id"] == "p-2" and bad["response"]["status_code"] == 422 and "fixture" in bad["error"]["message"]
    assert [b["batch"] for b in standin.billed()] == [True] and standin.billed()[0]["id"] == answer["id"]
    again = c.batch.jobs.get(job_id=job.id)  # answered once: reading again bills nothing more
    assert again.output_file == done.output_file and len(standin.billed()) == 1


def test_inline_requests_and_inline_outputs(standin):
    c = client(standin)
    job = c.batch.jobs.create(endpoint="/v1/chat/completions", model="m",
                              requests=[{"custom_id": "a", "body": body(f"brouillon {TINY}")}])
    done = c.batch.jobs.get(job_id=job.id, inline=True)
    assert done.status == "SUCCESS" and [o["custom_id"] for o in done.outputs] == ["a"]
    created = [r for r in standin.requests() if r["path"] == "/v1/batch/jobs"][0]["json"]
    assert created["requests"][0]["custom_id"] == "a" and created["endpoint"] == "/v1/chat/completions"


def test_scripted_steps_answer_the_lines_in_order(standin):
    standin.script([{"raw": "pas du JSON"}, {"status": 503}])
    c = client(standin)
    job = c.batch.jobs.create(endpoint="/v1/chat/completions", model="m",
                              requests=[{"custom_id": "a", "body": body("x")}, {"custom_id": "b", "body": body("y")}])
    done = c.batch.jobs.get(job_id=job.id)
    [a] = read(c, done.output_file)
    [b] = read(c, done.error_file)
    assert a["response"]["body"]["choices"][0]["message"]["content"] == "pas du JSON"
    assert b["custom_id"] == "b" and b["response"]["status_code"] == 503


def test_an_expired_job_keeps_only_what_it_answered(standin):
    standin.batch_script([{"delay": 0, "status": "TIMEOUT_EXCEEDED", "answered": 1}])
    c = client(standin)
    job = c.batch.jobs.create(endpoint="/v1/chat/completions", model="m", requests=[
        {"custom_id": "a", "body": body(f"brouillon {TINY}")}, {"custom_id": "b", "body": body(f"{TINY} bis")}])
    done = c.batch.jobs.get(job_id=job.id)
    assert done.status == "TIMEOUT_EXCEEDED" and done.completed_requests == 1 and done.errors
    assert [r["custom_id"] for r in read(c, done.output_file)] == ["a"]
    assert len(standin.billed()) == 1


def test_cancel_is_requested_then_done(standin):
    standin.batch_delay = 30
    c = client(standin)
    job = c.batch.jobs.create(endpoint="/v1/chat/completions", model="m", requests=[{"body": body("x")}])
    assert c.batch.jobs.cancel(job_id=job.id).status == "CANCELLATION_REQUESTED"
    done = c.batch.jobs.get(job_id=job.id)
    assert done.status == "CANCELLED" and done.output_file is None and standin.billed() == []


def test_refusals_are_api_errors_the_sdk_raises(standin):
    c = client(standin)
    with pytest.raises(errors.SDKError) as e:
        c.batch.jobs.create(endpoint="/v1/embeddings", model="m", requests=[{"body": body("x")}])
    assert e.value.status_code == 422
    with pytest.raises(errors.SDKError) as e:
        c.batch.jobs.get(job_id="00000000-0000-0000-0000-000000000000")
    assert e.value.status_code == 404
    with pytest.raises(errors.SDKError) as e:
        c.batch.jobs.create(endpoint="/v1/chat/completions", model="m", input_files=["nope"])
    assert e.value.status_code == 404
    standin.batch_script([], api_errors=[{"status": 503}])
    with pytest.raises(errors.SDKError) as e:
        c.files.upload(file={"file_name": "in.jsonl", "content": b"{}\n"}, purpose="batch")
    assert e.value.status_code == 503
    with pytest.raises(urllib.error.HTTPError) as e:  # no key at all (the SDK refuses to send an empty one)
        urllib.request.urlopen(standin.url + "/v1/batch/jobs", timeout=5)
    assert e.value.code == 401


def test_files_can_be_read_back_and_deleted(standin):
    c = client(standin)
    up = c.files.upload(file={"file_name": "in.jsonl", "content": b'{"body": {"messages": []}}\n'}, purpose="batch")
    assert c.files.retrieve(file_id=up.id).filename == "in.jsonl"
    assert read(c, up.id) == [{"body": {"messages": []}}]
    assert c.files.delete(file_id=up.id).deleted is True
    with pytest.raises(errors.SDKError):
        c.files.retrieve(file_id=up.id)
