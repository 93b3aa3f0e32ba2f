"""A one-line progress display for ``sync --once`` in a terminal; silent when stderr is not a TTY
(cron, systemd, pipes), so logs never fill with carriage returns."""
from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

_SPIN = "|/-\\"


class Progress:
    """``with Progress("site") as p:`` then ``p.clear()`` before printing a line, ``p.advance()``
    after each draft. A ticker redraws every half second so a long Mistral call does not look
    like a hang."""

    def __init__(self, label: str, stream: TextIO | None = None, *, total: int | None = None,
                 tick_s: float = 0.5, enabled: bool | None = None):
        self.label = label
        self.stream = stream or sys.stderr
        self.total = total
        self.done = 0
        self.enabled = _is_tty(self.stream) if enabled is None else enabled
        self._tick_s = tick_s
        self._started = time.monotonic()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._frame = 0
        self._shown = False

    def __enter__(self) -> "Progress":
        if self.enabled:
            self._draw()
            self._thread = threading.Thread(target=self._tick, name="progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=2)
        self.clear()

    def advance(self, n: int = 1) -> None:
        with self._lock:
            self.done += n
        self._draw()

    def clear(self) -> None:
        if not self.enabled:
            return
        with self._lock:
            if self._shown:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
                self._shown = False

    def line(self) -> str:
        elapsed = time.monotonic() - self._started
        count = f"{self.done}/{self.total}" if self.total else str(self.done)
        rate = f", {elapsed / self.done:.1f} s/draft" if self.done else ""
        return f"{_SPIN[self._frame % len(_SPIN)]} {self.label}: {count} drafts done, {elapsed:.0f} s{rate}"

    def _draw(self) -> None:
        if not self.enabled:
            return
        with self._lock:
            self._frame += 1
            self.stream.write("\r\x1b[K" + self.line())
            self.stream.flush()
            self._shown = True

    def _tick(self) -> None:
        while not self._stop.wait(self._tick_s):
            self._draw()


def _is_tty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
