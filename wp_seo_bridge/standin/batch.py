"""The stand-in's Files and Batch APIs: what ``client.files`` and ``client.batch.jobs`` send and parse.

A job holds chat-completion bodies (an uploaded JSONL file, or inline ``requests``) and answers them
all at once when its delay has passed (``State.batch_delay``, or the job's entry of
``State.batch_script``): each line is answered like ``/v1/chat/completions`` would (fixtures and the
scripted steps, one step per line), into an output file (``{"id", "custom_id", "response":
{"status_code", "body"}, "error"}`` per line) and an error file for the lines that failed. A script
entry ``{"delay": s, "status": "TIMEOUT_EXCEEDED", "answered": n}`` makes the job end that way after
answering only its first ``n`` lines (default: all for SUCCESS, none otherwise).

Every function here is called with ``st.lock`` held by the handler.
"""
from __future__ import annotations

import json
import time
import uuid
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from .chat import answer, error_payload

TERMINAL = ("SUCCESS", "FAILED", "TIMEOUT_EXCEEDED", "CANCELLED")
ENDPOINT = "/v1/chat/completions"

Answer = tuple[int, Any, dict]  # status, JSON payload (or bytes for a file's content), extra headers


def _err(status: int, message: str) -> Answer:
    return status, error_payload(status, message, detail=status == 422), {}


# --- files -----------------------------------------------------------------------------------


def upload(st, content_type: str, raw: bytes) -> Answer:
    """``POST /v1/files``: multipart/form-data with a ``file`` part and a ``purpose`` field."""
    if not content_type.lower().startswith("multipart/form-data"):
        return _err(422, "expected multipart/form-data with a 'file' part")
    msg = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw)
    fields: dict[str, Any] = {}
    filename, data = "", None
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name == "file":
            filename, data = part.get_filename() or "upload.jsonl", part.get_payload(decode=True) or b""
        elif name:
            fields[name] = part.get_content().strip()
    if data is None:
        return _err(422, "no 'file' part in the upload")
    return 200, _new_file(st, filename, data, purpose=fields.get("purpose") or "batch",
                          sample_type="batch_request", source="upload"), {}


def _new_file(st, filename: str, data: bytes, *, purpose: str, sample_type: str, source: str) -> dict:
    fid = str(uuid.uuid4())
    st.files[fid] = {"data": data, "meta": {
        "id": fid, "object": "file", "bytes": len(data), "created_at": int(time.time()), "filename": filename,
        "purpose": purpose, "sample_type": sample_type, "source": source,
        "num_lines": data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1),
        "mimetype": "application/jsonl", "visibility": "workspace"}}
    return st.files[fid]["meta"]


def file_route(st, method: str, path: str) -> Answer:
    """``GET /v1/files/{id}``, ``GET /v1/files/{id}/content``, ``DELETE /v1/files/{id}``."""
    parts = path.split("/")  # ["", "v1", "files", id, ("content")]
    f = st.files.get(parts[3]) if len(parts) > 3 else None
    if f is None:
        return _err(404, f"no file {path.split('/')[3] if len(parts) > 3 else ''!r}")
    if method == "DELETE" and len(parts) == 4:
        del st.files[parts[3]]
        return 200, {"id": parts[3], "object": "file", "deleted": True}, {}
    if len(parts) == 5 and parts[4] == "content":
        return 200, f["data"], {}
    return 200, {**f["meta"], "deleted": False}, {}


# --- batch jobs ------------------------------------------------------------------------------


def create(st, body: Any) -> Answer:
    if not isinstance(body, dict):
        return _err(422, "body must be a JSON object")
    if body.get("endpoint") != ENDPOINT:
        return _err(422, f"the stand-in runs batch jobs for {ENDPOINT} only, not {body.get('endpoint')!r}")
    lines: list[dict] = []
    for fid in body.get("input_files") or []:
        f = st.files.get(fid)
        if f is None:
            return _err(404, f"input file {fid!r} not found")
        for n, raw in enumerate(f["data"].decode("utf-8").splitlines(), 1):
            if not raw.strip():
                continue
            try:
                lines.append(json.loads(raw))
            except ValueError:
                return _err(422, f"input file {fid}: line {n} is not JSON")
    lines += list(body.get("requests") or [])
    if not lines:
        return _err(422, "a batch job needs input_files or requests")
    for n, line in enumerate(lines, 1):
        if not isinstance(line, dict) or not isinstance(line.get("body"), dict) \
                or not isinstance(line["body"].get("messages"), list):
            return _err(422, f"request {n}: needs a 'body' object with a 'messages' list")
    model = body.get("model") or lines[0]["body"].get("model")
    if not model:
        return _err(422, "no model: set the job's model or each body's")
    plan = st.batch_script.pop(0) if st.batch_script else {}
    now = time.time()
    outcome = str(plan.get("status", "SUCCESS"))
    job = {
        "id": str(uuid.uuid4()), "object": "batch", "input_files": list(body.get("input_files") or []),
        "endpoint": ENDPOINT, "model": model, "metadata": body.get("metadata"), "errors": [],
        "status": "QUEUED", "created_at": int(now), "total_requests": len(lines), "completed_requests": 0,
        "succeeded_requests": 0, "failed_requests": 0, "output_file": None, "error_file": None,
        "started_at": None, "completed_at": None,
        "_lines": lines, "_ready": now + float(plan.get("delay", st.batch_delay)), "_outcome": outcome,
        "_answered": int(plan.get("answered", len(lines) if outcome == "SUCCESS" else 0)), "_outputs": [],
        "_timeout_hours": body.get("timeout_hours"),
    }
    st.jobs[job["id"]] = job
    return 200, public(job), {}


def job_route(st, method: str, path: str, query: dict[str, list[str]]) -> Answer:
    """``GET /v1/batch/jobs[/{id}]``, ``POST /v1/batch/jobs/{id}/cancel``."""
    parts = path.split("/")  # ["", "v1", "batch", "jobs", (id), ("cancel")]
    if len(parts) == 4:
        jobs = [advance(st, j) for j in st.jobs.values()]
        if (query.get("order_by") or ["-created"])[0] == "-created":  # the API's default: newest first
            jobs.reverse()
        return 200, {"object": "list", "total": len(jobs), "data": [public(j) for j in jobs]}, {}
    job = st.jobs.get(parts[4])
    if job is None:
        return _err(404, f"no batch job {parts[4]!r}")
    if method == "POST" and len(parts) == 6 and parts[5] == "cancel":
        advance(st, job)
        if job["status"] not in TERMINAL:
            job["status"] = "CANCELLATION_REQUESTED"  # like the real API: CANCELLED a moment later
        return 200, public(job), {}
    advance(st, job)
    inline = (query.get("inline") or ["false"])[0].lower() == "true"
    return 200, public(job, inline=inline), {}


def advance(st, job: dict) -> dict:
    """Moves ``job`` on to where the clock says it is; answers its lines once, when it ends."""
    now = time.time()
    if job["status"] in TERMINAL:
        return job
    if job["status"] == "CANCELLATION_REQUESTED":
        return _finish(st, job, "CANCELLED", [], now)
    job["status"], job["started_at"] = "RUNNING", job["started_at"] or int(now)
    if now < job["_ready"]:
        return job
    results = []
    for n, line in enumerate(job["_lines"][: job["_answered"]]):
        step = {k: v for k, v in st.next_step().items() if k not in ("sleep", "drop")}
        status, payload, _ = answer(st, line["body"], step, model=job["model"], batch=True)
        results.append((str(line.get("custom_id", n)), status, payload))
    return _finish(st, job, job["_outcome"], results, now)


def _finish(st, job: dict, status: str, results: list[tuple[str, int, dict]], now: float) -> dict:
    ok, failed = [], []
    for custom_id, code, payload in results:
        row = {"id": f"standin-batch-{uuid.uuid4().hex[:12]}", "custom_id": custom_id,
               "response": {"status_code": code, "body": payload},
               "error": None if code == 200 else {"message": payload.get("message", ""), "code": code}}
        (ok if code == 200 else failed).append(row)
    for rows, key, kind in ((ok, "output_file", "batch_result"), (failed, "error_file", "batch_error")):
        if rows:
            data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")
            job[key] = _new_file(st, f"{job['id']}_{kind}.jsonl", data, purpose="batch", sample_type=kind,
                                 source="mistral")["id"]
    job["_outputs"] = ok + failed
    job.update(status=status, completed_requests=len(results), succeeded_requests=len(ok),
               failed_requests=len(failed), completed_at=int(now))
    if status in ("TIMEOUT_EXCEEDED", "FAILED"):
        job["errors"] = [{"message": f"stand-in: job ended {status} ({len(results)} of "
                                     f"{job['total_requests']} answered)", "count": 1}]
    return job


def public(job: dict, inline: bool = False) -> dict:
    out = {k: v for k, v in job.items() if not k.startswith("_")}
    if inline and job["status"] in TERMINAL:
        out["outputs"] = job["_outputs"]
    return out
