"""The job log: one SQLite row per attempt on a draft, one per pass, in ``<state_dir>/joblog.sqlite3``.

An *attempt* is a draft the daemon claimed or tried to claim (selection skips such as "edited
2 min ago" are counted on the pass row instead, or every quiet pass would add hundreds of rows).
The schema version lives in ``PRAGMA user_version``; :data:`MIGRATIONS` brings any older file up
to date in one transaction, and a file from a newer version is refused rather than damaged.
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from ..batch import BatchItem
from ..model import Outcome, Usage
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
    rewritten: int = 0
    skipped: int = 0
    failed: int = 0
    tokens: int = 0
    cost_eur: float = 0.0


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
                "tokens_out, cost_eur, seconds, pass_id, daemon_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (at or time.time(), o.site, o.post_id, o.source_hash, o.result, o.reason, o.model, u.calls,
                 u.tokens_in, u.tokens_out, u.cost_eur, o.seconds, pass_id, daemon_id))

    # --- reads ----------------------------------------------------------------------

    def spent_since(self, epoch: float) -> tuple[int, float, int]:
        """Tokens, euros and number of drafts that called Mistral since ``epoch`` (the budget's day).
        Batch answers count from the moment they are stored, before their draft's attempt row."""
        with self._lock:
            row = self._conn.execute(
                "SELECT COALESCE(SUM(t), 0), COALESCE(SUM(c), 0), COALESCE(SUM(n), 0) FROM ("
                " SELECT tokens_in + tokens_out AS t, cost_eur AS c, calls > 0 AS n FROM attempts WHERE at >= ?"
                " UNION ALL SELECT tokens_in + tokens_out, cost_eur, calls > 0 FROM batch_items"
                " WHERE state = 'answered' AND at >= ?)", (epoch, epoch)).fetchone()
        return int(row[0]), round(float(row[1]), 6), int(row[2])

    def recent(self, limit: int = 20) -> list[dict]:
        with self._lock:
            rows = self._conn.execute("SELECT * FROM attempts ORDER BY at DESC, id DESC LIMIT ?", (limit,)).fetchall()
        return [dict(r) for r in rows]

    def totals(self, since: float = 0.0) -> dict[str, Totals]:
        """Per site, since ``since`` (unix time). Rewritten, failed and cost come from the attempts;
        skipped from the passes, which count every draft they left for later (PassReport.skipped),
        as the log's total line does (an attempt row exists only for drafts the pass tried to claim)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT site, SUM(r), SUM(s), SUM(f), SUM(t), SUM(c) FROM ("
                " SELECT site, outcome='rewritten' AS r, 0 AS s, outcome='failed' AS f,"
                " tokens_in + tokens_out AS t, cost_eur AS c FROM attempts WHERE at >= ?"
                " UNION ALL SELECT site, 0, skipped, 0, 0, 0 FROM passes WHERE finished >= ?"
                ") GROUP BY site ORDER BY site", (since, since)).fetchall()
        return {r[0]: Totals(int(r[1]), int(r[2]), int(r[3]), int(r[4]), round(float(r[5]), 6)) for r in rows}

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
                "INSERT INTO batch_items(job_id, custom_id, site, post_id, source_hash, used_keyphrases, state) "
                "VALUES (?, ?, ?, ?, ?, ?, 'waiting')",
                [(job_id, i.custom_id, site, i.post_id, i.source_hash, json.dumps(sorted(i.used_keyphrases),
                                                                                   ensure_ascii=False))
                 for i in items])

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
                          usage=Usage(r["calls"], r["tokens_in"], r["tokens_out"], r["cost_eur"]))
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
