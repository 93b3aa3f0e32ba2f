"""The job log: one SQLite row per attempt on a draft, one per pass, in ``<state_dir>/joblog.sqlite3``.

An *attempt* is a draft the daemon claimed or tried to claim (selection skips such as "edited
2 min ago" are counted on the pass row instead, or every quiet pass would add hundreds of rows).
The schema version lives in ``PRAGMA user_version``; :data:`MIGRATIONS` brings any older file up
to date in one transaction, and a file from a newer version is refused rather than damaged.
"""
from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from ..model import Outcome

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
            self.path.parent.mkdir(parents=True, exist_ok=True)
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
        """Tokens, euros and number of drafts that called Mistral since ``epoch`` (the budget's day)."""
        with self._lock:
            row = self._conn.execute(
                "SELECT COALESCE(SUM(tokens_in + tokens_out), 0), COALESCE(SUM(cost_eur), 0), "
                "COALESCE(SUM(calls > 0), 0) FROM attempts WHERE at >= ?", (epoch,)).fetchone()
        return int(row[0]), round(float(row[1]), 6), int(row[2])

    def recent(self, limit: int = 20) -> list[dict]:
        with self._lock:
            rows = self._conn.execute("SELECT * FROM attempts ORDER BY at DESC, id DESC LIMIT ?", (limit,)).fetchall()
        return [dict(r) for r in rows]

    def totals(self, since: float = 0.0) -> dict[str, Totals]:
        """Per site, since ``since`` (unix time)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT site, SUM(outcome='rewritten'), SUM(outcome='skipped'), SUM(outcome='failed'), "
                "SUM(tokens_in + tokens_out), SUM(cost_eur) FROM attempts WHERE at >= ? GROUP BY site ORDER BY site",
                (since,)).fetchall()
        return {r[0]: Totals(int(r[1]), int(r[2]), int(r[3]), int(r[4]), round(float(r[5]), 6)) for r in rows}

    def last_passes(self) -> list[dict]:
        """The latest pass of each site."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT p.* FROM passes p JOIN (SELECT site, MAX(id) AS id FROM passes GROUP BY site) l "
                "ON p.id = l.id ORDER BY p.site").fetchall()
        return [dict(r) for r in rows]

    def rewrites_of(self, site: str, post_id: str) -> int:
        with self._lock:
            return self._conn.execute(
                "SELECT COUNT(*) FROM attempts WHERE site=? AND post_id=? AND outcome='rewritten'",
                (site, post_id)).fetchone()[0]
