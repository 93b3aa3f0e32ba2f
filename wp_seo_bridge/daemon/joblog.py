"""The job log: one SQLite row per attempt on a draft, one per pass, in ``<state_dir>/joblog.sqlite3``.

An *attempt* is a draft the daemon claimed or tried to claim (selection skips such as "edited
2 min ago" are counted on the pass row instead, or every quiet pass would add hundreds of rows).
The schema version lives in ``PRAGMA user_version``; :data:`MIGRATIONS` brings any older file up
to date in one transaction, and a file from a newer version is refused rather than damaged.
"""
from __future__ import annotations

import dataclasses
import json
import os
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from ..batch import BatchItem
from ..model import KeptRewrite, LinkOffer, Outcome, PaidAnswer, PromptInputs, Usage
from .instance import private_dir, private_file

FILENAME = "joblog.sqlite3"

#: Append only: never edit a released step, add the next one.
MIGRATIONS: tuple[str, ...] = (
    # 1: attempts
    """
    CREATE TABLE attempts (
        id INTEGER PRIMARY KEY,
        at REAL NOT NULL,             -- unix time the attempt ended
        site TEXT NOT NULL,
        post_id TEXT NOT NULL,
        source_hash TEXT NOT NULL DEFAULT '',
        outcome TEXT NOT NULL,        -- rewritten | skipped | failed
        reason TEXT NOT NULL DEFAULT '',
        model TEXT NOT NULL DEFAULT '',
        calls INTEGER NOT NULL DEFAULT 0,
        tokens_in INTEGER NOT NULL DEFAULT 0,
        tokens_out INTEGER NOT NULL DEFAULT 0,
        cost_eur REAL NOT NULL DEFAULT 0,
        seconds REAL NOT NULL DEFAULT 0
    );
    CREATE INDEX attempts_at ON attempts(at);
    CREATE INDEX attempts_post ON attempts(site, post_id);
    """,
    # 2: passes, and which pass and daemon an attempt belongs to
    """
    CREATE TABLE passes (
        id INTEGER PRIMARY KEY,
        site TEXT NOT NULL,
        daemon_id TEXT NOT NULL DEFAULT '',
        started REAL NOT NULL,
        finished REAL,
        rewritten INTEGER NOT NULL DEFAULT 0,
        skipped INTEGER NOT NULL DEFAULT 0,
        failed INTEGER NOT NULL DEFAULT 0,
        ignored INTEGER NOT NULL DEFAULT 0,
        wp_calls INTEGER NOT NULL DEFAULT 0,
        stopped TEXT NOT NULL DEFAULT '',
        error TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX passes_site ON passes(site, started);
    ALTER TABLE attempts ADD COLUMN pass_id INTEGER REFERENCES passes(id);
    ALTER TABLE attempts ADD COLUMN daemon_id TEXT NOT NULL DEFAULT '';
    """,
    # 3: batch mode: the Batch API jobs a restarted daemon must find again, and each draft version in them
    """
    CREATE TABLE batch_jobs (
        id TEXT PRIMARY KEY,          -- Mistral's job id
        site TEXT NOT NULL,
        daemon_id TEXT NOT NULL DEFAULT '',
        model TEXT NOT NULL DEFAULT '',
        submitted REAL NOT NULL,
        state TEXT NOT NULL,          -- running | collected (answers stored below)
        mistral_status TEXT NOT NULL DEFAULT '',
        collected REAL
    );
    CREATE INDEX batch_jobs_state ON batch_jobs(state);
    CREATE TABLE batch_items (
        job_id TEXT NOT NULL REFERENCES batch_jobs(id),
        custom_id TEXT NOT NULL,
        site TEXT NOT NULL,
        post_id TEXT NOT NULL,
        source_hash TEXT NOT NULL,
        used_keyphrases TEXT NOT NULL DEFAULT '[]',  -- the prompt's inputs, for a repair of the same answer
        state TEXT NOT NULL,          -- waiting | answered | done
        answer TEXT NOT NULL DEFAULT '',  -- the job's output line (JSON), '' when the job gave none
        at REAL,                      -- when the answer was stored (paid)
        calls INTEGER NOT NULL DEFAULT 0,
        tokens_in INTEGER NOT NULL DEFAULT 0,
        tokens_out INTEGER NOT NULL DEFAULT 0,
        cost_eur REAL NOT NULL DEFAULT 0,
        PRIMARY KEY (job_id, custom_id)
    );
    CREATE INDEX batch_items_open ON batch_items(site, state);
    """,
    # 4: the ledger: every paid Mistral answer, written when it arrives; kept until its version settles
    """
    CREATE TABLE calls (
        id INTEGER PRIMARY KEY,
        at REAL NOT NULL,
        site TEXT NOT NULL,
        post_id TEXT NOT NULL,
        source_hash TEXT NOT NULL,
        inputs TEXT NOT NULL,          -- JSON PromptInputs the conversation's prompt was built from
        inputs_key TEXT NOT NULL,
        step INTEGER NOT NULL,         -- 0 first answer, n the n-th repair, -1 outside the conversation
        repair_prompt TEXT NOT NULL DEFAULT '',
        content TEXT NOT NULL DEFAULT '',
        finish_reason TEXT NOT NULL DEFAULT '',
        request_id TEXT NOT NULL DEFAULT '',
        model TEXT NOT NULL DEFAULT '',  -- as the API answered
        mode TEXT NOT NULL DEFAULT 'sync',  -- sync | batch
        tokens_in INTEGER NOT NULL DEFAULT 0,
        tokens_out INTEGER NOT NULL DEFAULT 0,
        cost_eur REAL NOT NULL DEFAULT 0,   -- list price; 0 when unpriced
        standin INTEGER NOT NULL DEFAULT 0, -- answered by the offline stand-in: nothing billed
        unpriced INTEGER NOT NULL DEFAULT 0,
        settled TEXT NOT NULL DEFAULT '',   -- '' kept | pushed | abandoned
        daemon_id TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX calls_at ON calls(at);
    CREATE INDEX calls_version ON calls(site, post_id, source_hash);
    ALTER TABLE attempts ADD COLUMN again TEXT NOT NULL DEFAULT '';  -- '' | mistral | wordpress: tried again
    CREATE INDEX attempts_version ON attempts(site, post_id, source_hash);
    """,
    # 5: batch mode: the internal links offered in a job's prompt, so its answer is checked against them
    """
    ALTER TABLE batch_items ADD COLUMN links TEXT NOT NULL DEFAULT '[]';
    """,
    # 6: the ledger's write-ahead record: one row committed before each Mistral request, deleted with its
    # answer's row (one transaction) or when it got no answer; a row a dead process left open is cut short
    """
    CREATE TABLE requests (
        id INTEGER PRIMARY KEY,
        at REAL NOT NULL,             -- when the request was about to leave
        site TEXT NOT NULL,
        post_id TEXT NOT NULL,
        source_hash TEXT NOT NULL,
        step INTEGER NOT NULL,        -- as in calls
        daemon_id TEXT NOT NULL DEFAULT '',
        pid INTEGER NOT NULL DEFAULT 0,
        instance TEXT NOT NULL,       -- the process (and job log) that sent it
        tokens_in INTEGER NOT NULL DEFAULT 0,   -- the request's worst case: what the budget counts if cut short
        tokens_out INTEGER NOT NULL DEFAULT 0,
        cost_eur REAL NOT NULL DEFAULT 0,
        state TEXT NOT NULL DEFAULT 'open',      -- open | cut short (billed or not, unknown)
        closed REAL                   -- when it was found cut short
    );
    CREATE INDEX requests_open ON requests(state, site, post_id, source_hash);
    """,
)
VERSION = len(MIGRATIONS)


class JobLogError(Exception):
    """The job log cannot be used (newer schema, unreadable file): ``str(e)`` says what to do."""


def migrate(conn: sqlite3.Connection, steps: Sequence[str] = MIGRATIONS) -> int:
    """Brings the schema to ``len(steps)``; returns the version found before. ``conn`` must be in
    autocommit mode (``isolation_level=None``) so each step is one explicit transaction."""
    found = conn.execute("PRAGMA user_version").fetchone()[0]
    if found > len(steps):
        raise JobLogError(
            f"the job log has schema version {found}, newer than this wp-seo-bridge knows ({len(steps)}): "
            f"upgrade wp-seo-bridge, or point daemon.state_dir at another folder"
        )
    for version in range(found + 1, len(steps) + 1):
        # One transaction per step (executescript would commit on its own): a crash mid-way
        # leaves the previous version intact, and the next start retries.
        with conn:
            conn.execute("BEGIN")
            for stmt in _statements(steps[version - 1]):
                conn.execute(stmt)
            conn.execute(f"PRAGMA user_version = {version}")
    return found


def _statements(script: str) -> Iterable[str]:
    lines = [ln.split("--", 1)[0] for ln in script.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


@dataclass(frozen=True)
class Totals:
    """One site's figures. rewritten/skipped/failed/waiting count draft *versions* by their latest
    outcome (a version that failed on a WordPress outage and was pushed later is rewritten once);
    ``attempts`` counts tries. Calls, tokens and euros come from the ledger: every paid answer,
    including those of tries cut short. ``cost_eur`` is what real calls cost (the stand-in's are
    counted apart); ``unpriced`` calls have no price in [mistral.prices]."""

    rewritten: int = 0
    skipped: int = 0
    failed: int = 0
    tokens: int = 0
    refreshed: int = 0  # published posts' versions given a refresh proposal (drafts are "rewritten")
    cost_eur: float = 0.0
    waiting: int = 0  # failed for a transient cause, to be tried again
    attempts: int = 0
    calls: int = 0
    standin_calls: int = 0
    unpriced_calls: int = 0


class JobLog:
    """Thread-safe: one connection behind a lock (writes are tiny; SQLite serialises them anyway)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            private_file(private_dir(self.path.parent) / self.path.name)  # SQLite's -wal/-shm copy its mode
            self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._conn.execute("PRAGMA busy_timeout=5000")
            self._conn.execute("PRAGMA journal_mode=WAL")  # `status` reads while the daemon writes
            self._conn.execute("PRAGMA synchronous=NORMAL")  # WAL: a power cut may lose the last rows, never corrupt
            migrate(self._conn)
        except sqlite3.Error as e:
            raise JobLogError(f"{self.path}: cannot open the job log ({e})") from None
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        # This process's requests in the write-ahead record; open ones of another instance are cut short.
        self.instance = f"{os.getpid()}-{secrets.token_hex(4)}"

    @classmethod
    def in_state_dir(cls, state_dir: str | Path) -> "JobLog":
        return cls(Path(state_dir) / FILENAME)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @property
    def version(self) -> int:
        with self._lock:
            return self._conn.execute("PRAGMA user_version").fetchone()[0]

    # --- writes ---------------------------------------------------------------------

    def start_pass(self, site: str, daemon_id: str, at: float | None = None) -> int:
        with self._lock:
            cur = self._conn.execute("INSERT INTO passes(site, daemon_id, started) VALUES (?, ?, ?)",
                                     (site, daemon_id, at or time.time()))
            return int(cur.lastrowid)

    def finish_pass(self, pass_id: int, *, rewritten=0, skipped=0, failed=0, ignored=0, wp_calls=0,
                    stopped="", error="", at: float | None = None) -> None:
        with self._lock:
            self._conn.execute(
                "UPDATE passes SET finished=?, rewritten=?, skipped=?, failed=?, ignored=?, wp_calls=?, "
                "stopped=?, error=? WHERE id=?",
                (at or time.time(), rewritten, skipped, failed, ignored, wp_calls, stopped, error, pass_id))

    def record(self, o: Outcome, *, pass_id: int | None = None, daemon_id: str = "",
               at: float | None = None) -> None:
        u = o.usage
        with self._lock:
            self._conn.execute(
                "INSERT INTO attempts(at, site, post_id, source_hash, outcome, reason, model, calls, tokens_in, "
                "tokens_out, cost_eur, seconds, pass_id, daemon_id, again) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (at or time.time(), o.site, o.post_id, o.source_hash, o.result, o.reason, o.model, u.calls,
                 u.tokens_in, u.tokens_out, u.cost_eur, o.seconds, pass_id, daemon_id, o.again))

    # --- the ledger (implements pipeline.Ledger) -----------------------------------------

    def sending(self, version: tuple[str, str, str], step: int, estimate: Usage, *, daemon_id: str = "",
                at: float | None = None) -> None:
        """A request about to leave for Mistral, committed first: if this process dies before its answer is
        written, the next start finds the row open and counts the request as cut short."""
        with self._lock:
            self._conn.execute(
                "INSERT INTO requests(at, site, post_id, source_hash, step, daemon_id, pid, instance, tokens_in, "
                "tokens_out, cost_eur) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (at or time.time(), *version, step, daemon_id, os.getpid(), self.instance, estimate.tokens_in,
                 estimate.tokens_out, estimate.cost_eur))

    def unanswered(self, version: tuple[str, str, str], maybe_billed: bool, *, at: float | None = None) -> None:
        """This process's open request of ``version`` got no answer: forgotten when nothing was made (an HTTP
        error, never sent), else cut short (a timeout: Mistral may have generated and billed it)."""
        with self._lock:
            if maybe_billed:
                self._conn.execute("UPDATE requests SET state='cut short', closed=? WHERE state='open' AND "
                                   "site=? AND post_id=? AND source_hash=? AND instance=?",
                                   (at or time.time(), *version, self.instance))
            else:
                self._conn.execute("DELETE FROM requests WHERE state='open' AND site=? AND post_id=? AND "
                                   "source_hash=? AND instance=?", (*version, self.instance))

    def cut_short_orphans(self, at: float | None = None) -> Usage:
        """Requests another process left open (it was killed, or the power went): billed or not, unknown.
        Only a daemon holding the state dir calls this (``status`` reads while the daemon runs). Returns
        what they may have cost (their estimates)."""
        with self._lock, self._conn:
            self._conn.execute("BEGIN")
            row = self._conn.execute(
                "SELECT COUNT(*), COALESCE(SUM(tokens_in), 0), COALESCE(SUM(tokens_out), 0), "
                "COALESCE(SUM(cost_eur), 0) FROM requests WHERE state='open' AND instance != ?",
                (self.instance,)).fetchone()
            self._conn.execute("UPDATE requests SET state='cut short', closed=? WHERE state='open' AND instance != ?",
                               (at or time.time(), self.instance))
        return Usage(int(row[0]), int(row[1]), int(row[2]), round(float(row[3]), 6))

    def cut_short_since(self, epoch: float = 0.0) -> Usage:
        """Requests sent since ``epoch`` that ended without a recorded answer, billed or not (unknown): at
        their worst-case estimate. Not paid calls: shown apart from them."""
        with self._lock:
            row = self._conn.execute(
                "SELECT COUNT(*), COALESCE(SUM(tokens_in), 0), COALESCE(SUM(tokens_out), 0), "
                "COALESCE(SUM(cost_eur), 0) FROM requests WHERE state='cut short' AND at >= ?", (epoch,)).fetchone()
        return Usage(int(row[0]), int(row[1]), int(row[2]), round(float(row[3]), 6))

    def paid(self, version: tuple[str, str, str], inputs: PromptInputs, answer: PaidAnswer, *,
             daemon_id: str = "", at: float | None = None) -> None:
        """One paid answer, committed before anything else happens to it (push, outcome, a kill), in the
        same transaction as the end of its request's write-ahead record."""
        site, post_id, source_hash = version
        u = answer.usage
        with self._lock, self._conn:
            self._conn.execute("BEGIN")
            self._conn.execute("DELETE FROM requests WHERE state='open' AND site=? AND post_id=? AND "
                               "source_hash=? AND instance=?", (*version, self.instance))
            self._conn.execute(
                "INSERT INTO calls(at, site, post_id, source_hash, inputs, inputs_key, step, repair_prompt, content, "
                "finish_reason, request_id, model, mode, tokens_in, tokens_out, cost_eur, standin, unpriced, "
                "daemon_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (at or time.time(), site, post_id, source_hash, inputs.to_json(), inputs.key, answer.step,
                 answer.repair_prompt, answer.content, answer.finish_reason, answer.request_id, answer.model,
                 answer.mode, u.tokens_in, u.tokens_out, u.cost_eur, u.standin, u.unpriced, daemon_id))

    def kept(self, version: tuple[str, str, str]) -> KeptRewrite | None:
        """The unsettled paid conversation of this version (the latest, if several), or None."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT * FROM calls WHERE site=? AND post_id=? AND source_hash=? AND settled='' AND step >= 0 "
                "ORDER BY id", version).fetchall()
        if not rows:
            return None
        key = rows[-1]["inputs_key"]
        chain: dict[int, PaidAnswer] = {}
        for r in rows:
            if r["inputs_key"] != key:
                continue
            if r["step"] == 0:
                chain = {}  # a later first answer starts a new conversation
            chain[r["step"]] = PaidAnswer(
                r["step"], r["content"], _usage(r), model=r["model"], finish_reason=r["finish_reason"],
                request_id=r["request_id"], repair_prompt=r["repair_prompt"], mode=r["mode"])
        answers = []
        for step in range(len(chain)):  # steps 0..n without a gap
            if step not in chain:
                break
            answers.append(chain[step])
        if not answers:
            return None
        return KeptRewrite(PromptInputs.from_json(rows[-1]["inputs"]), tuple(answers))

    def settle(self, version: tuple[str, str, str], how: str) -> None:
        with self._lock:
            self._conn.execute("UPDATE calls SET settled=? WHERE site=? AND post_id=? AND source_hash=? "
                               "AND settled=''", (how, *version))

    def kept_versions(self, site: str) -> list[tuple[str, str, str]]:
        """The draft versions of ``site`` whose paid answers are kept (not yet pushed or abandoned)."""
        with self._lock:
            rows = self._conn.execute("SELECT DISTINCT site, post_id, source_hash FROM calls WHERE site=? AND "
                                      "settled=''", (site,)).fetchall()
        return [tuple(r) for r in rows]

    def transient_failures(self, version: tuple[str, str, str]) -> tuple[int, float]:
        with self._lock:
            row = self._conn.execute(
                "SELECT COUNT(*), COALESCE(MAX(at), 0) FROM attempts WHERE site=? AND post_id=? AND source_hash=? "
                "AND again='mistral'", version).fetchone()
        return int(row[0]), float(row[1])

    def calls_since(self, epoch: float = 0.0) -> Usage:
        """Every paid answer since ``epoch`` (synchronous ones and batch jobs' answers), as one Usage at
        list price. Each was billed; Mistral may also have billed some of the requests cut short
        (:meth:`cut_short_since`): paid calls ≤ billed ≤ paid calls + cut short."""
        with self._lock:
            row = self._conn.execute(
                "SELECT COALESCE(SUM(n), 0), COALESCE(SUM(i), 0), COALESCE(SUM(o), 0), COALESCE(SUM(c), 0), "
                "COALESCE(SUM(s), 0), COALESCE(SUM(u), 0) FROM ("
                " SELECT 1 AS n, tokens_in AS i, tokens_out AS o, cost_eur AS c, standin AS s, unpriced AS u"
                " FROM calls WHERE at >= ?"
                " UNION ALL SELECT calls, tokens_in, tokens_out, cost_eur, 0, 0 FROM batch_items"
                " WHERE calls > 0 AND at >= ?)", (epoch, epoch)).fetchone()
        return Usage(int(row[0]), int(row[1]), int(row[2]), round(float(row[3]), 6), int(row[4]), int(row[5]))

    # --- reads ----------------------------------------------------------------------

    def spent_since(self, epoch: float) -> tuple[int, float, int]:
        """Tokens, euros (list price, the stand-in's calls included so limits can be tried offline)
        and number of draft versions that paid an answer since ``epoch`` (the budget's day), from the
        ledger (answers of a try cut short by a kill or an outage count too), the batch answers,
        counted from the moment they are stored, and the requests cut short (billed or not, unknown)
        at their worst-case estimate: the budget never undercounts."""
        with self._lock:
            row = self._conn.execute(
                "SELECT COALESCE(SUM(t), 0), COALESCE(SUM(c), 0), COUNT(DISTINCT v) FROM ("
                " SELECT tokens_in + tokens_out AS t, cost_eur AS c, site || ' ' || post_id || ' ' || source_hash AS v"
                " FROM calls WHERE at >= ?"
                " UNION ALL SELECT tokens_in + tokens_out, cost_eur, site || ' ' || post_id || ' ' || source_hash"
                " FROM batch_items WHERE calls > 0 AND at >= ?"
                " UNION ALL SELECT tokens_in + tokens_out, cost_eur, site || ' ' || post_id || ' ' || source_hash"
                " FROM requests WHERE state = 'cut short' AND at >= ?)", (epoch, epoch, epoch)).fetchone()
        return int(row[0]), round(float(row[1]), 6), int(row[2])

    def recent(self, limit: int = 20) -> list[dict]:
        with self._lock:
            rows = self._conn.execute("SELECT * FROM attempts ORDER BY at DESC, id DESC LIMIT ?", (limit,)).fetchall()
        return [dict(r) for r in rows]

    def totals(self, since: float = 0.0) -> dict[str, Totals]:
        """Per site, since ``since`` (unix time): see :class:`Totals`. Skipped comes from the passes,
        which count every draft they left for later (PassReport.skipped), as the log's total line does
        (an attempt row exists only for drafts the pass tried to claim)."""
        with self._lock:
            finals = self._conn.execute(
                "SELECT a.site, SUM(a.outcome='rewritten'), SUM(a.outcome='skipped'), "
                "SUM(a.outcome='failed' AND a.again=''), SUM(a.outcome='failed' AND a.again!=''), "
                "SUM(a.outcome='refreshed') FROM attempts a "
                "JOIN (SELECT MAX(id) AS id FROM attempts WHERE at >= ? GROUP BY site, post_id, source_hash) l "
                "ON a.id = l.id GROUP BY a.site", (since,)).fetchall()
            skipped = dict(self._conn.execute(
                "SELECT site, SUM(skipped) FROM passes WHERE finished >= ? GROUP BY site", (since,)).fetchall())
            tries = dict(self._conn.execute(
                "SELECT site, COUNT(*) FROM attempts WHERE at >= ? GROUP BY site", (since,)).fetchall())
            paid = self._conn.execute(
                "SELECT site, SUM(n), SUM(t), SUM(CASE WHEN standin=0 THEN c ELSE 0 END), SUM(standin), SUM(unpriced) "
                "FROM (SELECT site, 1 AS n, tokens_in + tokens_out AS t, cost_eur AS c, standin, unpriced FROM calls "
                "WHERE at >= ? UNION ALL SELECT site, calls, tokens_in + tokens_out, cost_eur, 0, 0 FROM batch_items "
                "WHERE calls > 0 AND at >= ?) GROUP BY site", (since, since)).fetchall()
        out: dict[str, dict] = {}
        for r in finals:
            out.setdefault(r[0], {}).update(rewritten=int(r[1]), failed=int(r[3]), waiting=int(r[4]),
                                            refreshed=int(r[5] or 0))
        for site, n in skipped.items():
            out.setdefault(site, {})["skipped"] = int(n or 0)
        for site, n in tries.items():
            out.setdefault(site, {})["attempts"] = int(n)
        for r in paid:
            out.setdefault(r[0], {}).update(calls=int(r[1]), tokens=int(r[2]), cost_eur=round(float(r[3]), 6),
                                            standin_calls=int(r[4]), unpriced_calls=int(r[5]))
        return {site: Totals(**out[site]) for site in sorted(out)}

    def versions(self, limit: int = 20) -> list[dict]:
        """The latest draft versions worked on: each one's final (latest) outcome, its attempts, and
        what its paid answers cost (ledger), newest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT a.site, a.post_id, a.source_hash, a.outcome, a.again, a.reason, a.at, n.attempts, "
                "COALESCE(c.calls, 0) AS calls, COALESCE(c.tokens, 0) AS tokens, COALESCE(c.eur, 0) AS cost_eur, "
                "COALESCE(c.standin, 0) AS standin_calls, COALESCE(c.unpriced, 0) AS unpriced_calls "
                "FROM attempts a JOIN (SELECT MAX(id) AS id, COUNT(*) AS attempts FROM attempts "
                "GROUP BY site, post_id, source_hash) n ON a.id = n.id "
                "LEFT JOIN (SELECT site, post_id, source_hash, COUNT(*) AS calls, "
                "SUM(tokens_in + tokens_out) AS tokens, "
                "SUM(CASE WHEN standin=0 THEN cost_eur ELSE 0 END) AS eur, SUM(standin) AS standin, "
                "SUM(unpriced) AS unpriced FROM calls GROUP BY site, post_id, source_hash) c "
                "ON c.site = a.site AND c.post_id = a.post_id AND c.source_hash = a.source_hash "
                "ORDER BY a.at DESC, a.id DESC LIMIT ?", (limit,)).fetchall()
        return [dict(r) for r in rows]

    def last_passes(self) -> list[dict]:
        """The latest pass of each site."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT p.* FROM passes p JOIN (SELECT site, MAX(id) AS id FROM passes GROUP BY site) l "
                "ON p.id = l.id ORDER BY p.site").fetchall()
        return [dict(r) for r in rows]

    # --- batch mode (the pipeline's BatchStore) ---------------------------------------

    def add_batch(self, job_id: str, site: str, *, daemon_id: str, model: str, items: Iterable[BatchItem],
                  at: float | None = None) -> None:
        """A submitted job and its draft versions, in one transaction: a restart finds them all or none."""
        with self._lock, self._conn:
            self._conn.execute("BEGIN")
            self._conn.execute("INSERT INTO batch_jobs(id, site, daemon_id, model, submitted, state) "
                               "VALUES (?, ?, ?, ?, ?, 'running')", (job_id, site, daemon_id, model, at or time.time()))
            self._conn.executemany(
                "INSERT INTO batch_items(job_id, custom_id, site, post_id, source_hash, used_keyphrases, links, "
                "state) VALUES (?, ?, ?, ?, ?, ?, ?, 'waiting')",
                [(job_id, i.custom_id, site, i.post_id, i.source_hash,
                  json.dumps(sorted(i.used_keyphrases), ensure_ascii=False),
                  json.dumps([dataclasses.asdict(o) for o in i.links], ensure_ascii=False)) for i in items])

    def running_batches(self, site: str) -> list[str]:
        with self._lock:
            return [r[0] for r in self._conn.execute(
                "SELECT id FROM batch_jobs WHERE site = ? AND state = 'running' ORDER BY submitted", (site,))]

    def store_answers(self, job_id: str, mistral_status: str, answers: dict[str, tuple[dict, Usage]],
                      at: float | None = None) -> None:
        """A finished job's answers (output lines and what each cost), all at once, before any is used:
        a paid answer is in the log before its draft is checked or pushed."""
        now = at or time.time()
        with self._lock, self._conn:
            self._conn.execute("BEGIN")
            for cid, (line, u) in answers.items():
                self._conn.execute(
                    "UPDATE batch_items SET answer = ?, at = ?, calls = ?, tokens_in = ?, tokens_out = ?, cost_eur = ? "
                    "WHERE job_id = ? AND custom_id = ? AND state = 'waiting'",
                    (json.dumps(line, ensure_ascii=False), now, u.calls, u.tokens_in, u.tokens_out, u.cost_eur,
                     job_id, cid))
            self._conn.execute("UPDATE batch_items SET state = 'answered', at = COALESCE(at, ?) "
                               "WHERE job_id = ? AND state = 'waiting'", (now, job_id))
            self._conn.execute("UPDATE batch_jobs SET state = 'collected', mistral_status = ?, collected = ? "
                               "WHERE id = ?", (mistral_status, now, job_id))

    def batch_items(self, site: str, states: Sequence[str] = ("waiting", "answered"),
                    job_id: str | None = None) -> list[BatchItem]:
        q = (f"SELECT * FROM batch_items WHERE site = ? AND state IN ({','.join('?' * len(states))})"
             + (" AND job_id = ?" if job_id else "") + " ORDER BY rowid")
        with self._lock:
            rows = self._conn.execute(q, (site, *states, *([job_id] if job_id else []))).fetchall()
        return [BatchItem(r["custom_id"], r["post_id"], r["source_hash"], frozenset(json.loads(r["used_keyphrases"])),
                          job_id=r["job_id"], state=r["state"], answer=json.loads(r["answer"]) if r["answer"] else None,
                          usage=Usage(r["calls"], r["tokens_in"], r["tokens_out"], r["cost_eur"]),
                          links=tuple(LinkOffer(**o) for o in json.loads(r["links"])))
                for r in rows]

    def batch_summary(self) -> dict:
        """For ``status``: jobs running at Mistral, and drafts waiting for an answer or for their push."""
        with self._lock:
            jobs = self._conn.execute("SELECT COUNT(*) FROM batch_jobs WHERE state = 'running'").fetchone()[0]
            rows = dict(self._conn.execute("SELECT state, COUNT(*) FROM batch_items "
                                           "WHERE state != 'done' GROUP BY state").fetchall())
        return {"running_jobs": jobs, "waiting": rows.get("waiting", 0), "answered": rows.get("answered", 0)}

    def batch_item_done(self, job_id: str, custom_id: str) -> None:
        with self._lock:
            self._conn.execute("UPDATE batch_items SET state = 'done' WHERE job_id = ? AND custom_id = ?",
                               (job_id, custom_id))

    def rewrites_of(self, site: str, post_id: str) -> int:
        with self._lock:
            return self._conn.execute(
                "SELECT COUNT(*) FROM attempts WHERE site=? AND post_id=? AND outcome='rewritten'",
                (site, post_id)).fetchone()[0]


def _usage(row: sqlite3.Row) -> Usage:
    return Usage(1, row["tokens_in"], row["tokens_out"], row["cost_eur"], row["standin"], row["unpriced"])
