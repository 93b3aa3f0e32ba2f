"""Logging for every command: text or JSON lines on stderr, with secrets redacted.

Redaction happens in the formatter, on the final text (message, arguments and traceback alike), so
a secret that slips into an exception message or a library's debug line is still masked.
"""
from __future__ import annotations

import json
import logging
import os
import re
import sys
import threading
from datetime import datetime, timezone
from typing import Iterable

MASK = "***"
#: Environment variables whose values are always secret (the site passwords' variables are added
#: from the configuration by :func:`register_config_secrets`).
SECRET_ENV = ("MISTRAL_API_KEY",)
#: Shapes that carry a secret whatever its value: HTTP auth headers, key=value pairs, XML-RPC
#: <string> right after a user name is too fuzzy to catch, hence the registry of known values.
_PATTERNS = (
    re.compile(r"(?i)(authorization\s*[:=]\s*(?:bearer|basic)\s+)[^\s'\",]+"),
    re.compile(r"(?i)(\bbearer\s+)[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(r"(?i)((?:api[_-]?key|password|passwd|secret|token)[\"']?\s*[:=]\s*[\"']?)[^\s'\",&}]+"),
)
_MIN_SECRET = 4  # shorter values would mask ordinary words


class Secrets:
    """The set of secret values seen so far. Thread-safe; values only ever get added."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()
        self._regex: re.Pattern[str] | None = None

    def add(self, *values: str | None) -> None:
        with self._lock:
            for v in values:
                v = (v or "").strip()
                if len(v) >= _MIN_SECRET and v not in self._values:
                    self._values.add(v)
                    self._regex = None

    def redact(self, text: str) -> str:
        with self._lock:
            if self._regex is None and self._values:
                # Longest first: a secret containing another is masked whole.
                alts = sorted(self._values, key=len, reverse=True)
                self._regex = re.compile("|".join(re.escape(v) for v in alts))
            regex = self._regex
        if regex is not None:
            text = regex.sub(MASK, text)
        for p in _PATTERNS:
            text = p.sub(lambda m: m.group(1) + MASK, text)
        return text


SECRETS = Secrets()


def add_secret(*values: str | None) -> None:
    SECRETS.add(*values)


def register_env_secrets(names: Iterable[str] = SECRET_ENV) -> None:
    SECRETS.add(*(os.environ.get(n) for n in names))


def register_config_secrets(cfg) -> None:
    """Masks every site password and the Mistral key the configuration can reach. A password that
    cannot be read yet is skipped (the command reporting that will say so, without the value)."""
    register_env_secrets()
    for site in cfg.sites:
        try:
            SECRETS.add(site.password())
        except Exception:  # noqa: BLE001 — ConfigError: not readable now, nothing to mask
            pass
    key_file = getattr(cfg.mistral, "api_key_file", "")
    if key_file:
        try:
            with open(os.path.expanduser(key_file), encoding="utf-8") as f:
                SECRETS.add(f.read().strip())
        except OSError:
            pass


class TextFormatter(logging.Formatter):
    def __init__(self, secrets: Secrets = SECRETS):
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S")
        self.secrets = secrets

    def format(self, record: logging.LogRecord) -> str:
        return self.secrets.redact(super().format(record))


#: LogRecord attributes that are not "extra" fields.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, the record's ``extra`` fields, exc."""

    def __init__(self, secrets: Secrets = SECRETS):
        super().__init__()
        self.secrets = secrets

    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for k, v in vars(record).items():
            if k not in _STANDARD and not k.startswith("_"):
                out[k] = v if isinstance(v, (str, int, float, bool, type(None))) else str(v)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return self.secrets.redact(json.dumps(out, ensure_ascii=False))


def setup_logging(fmt: str = "text", level: int = logging.WARNING, stream=None) -> logging.Handler:
    """Replaces the root handlers with one stderr handler; idempotent. Returns the handler."""
    register_env_secrets()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)
    return handler
