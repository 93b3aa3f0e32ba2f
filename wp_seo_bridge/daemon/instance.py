"""One daemon per state dir: an exclusive ``fcntl.flock`` on ``<state_dir>/daemon.lock``.

The kernel drops the lock when the process dies, kill -9 included, so a crash never leaves a
stale lock behind. The file holds the owner's pid, for the refusal message and ``status``.
Daemons on *other* machines are kept apart by the claim in WordPress, not by this lock.
"""
from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCKFILE = "daemon.lock"


def private_dir(path: str | Path) -> Path:
    """The state dir, created readable by its owner only (0700): it holds the job log (sites, costs,
    reasons) and the daemon's identity. Under systemd, StateDirectoryMode and UMask say the same."""
    path = Path(path)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def private_file(path: str | Path) -> Path:
    """Creates ``path`` (0600) if missing, so nothing in the state dir is born world-readable."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    return Path(path)


class AlreadyRunning(Exception):
    """Another process holds the state dir. ``str(e)`` names it and says what to do."""


class InstanceLock:
    def __init__(self, state_dir: str | Path):
        self.state_dir = Path(state_dir)
        self.path = self.state_dir / LOCKFILE
        self._fd: int | None = None

    def acquire(self, what: str = "wp-seo-bridge run") -> "InstanceLock":
        private_dir(self.state_dir)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise AlreadyRunning(
                f"another wp-seo-bridge ({holder(self.state_dir) or 'unknown process'}) already uses the state dir "
                f"{self.state_dir.resolve()}; stop it first, or give this one its own daemon.state_dir"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {what}\n".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "InstanceLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def holder(state_dir: str | Path) -> str:
    """"pid 1234 (wp-seo-bridge run)" when a live process holds the lock, else ""."""
    path = Path(state_dir) / LOCKFILE
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return ""
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = path.read_text(encoding="utf-8", errors="replace").strip()
            pid, _, what = text.partition(" ")
            return f"pid {pid} ({what})" if pid else "a running process"
        fcntl.flock(fd, fcntl.LOCK_UN)
        return ""
    finally:
        os.close(fd)
