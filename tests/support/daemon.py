"""The daemon as the integration tests run it: its configuration file, its environment, the process
(``python -m wp_seo_bridge run``, its JSON log read back) or its machinery in this process (``in_process``),
and what WordPress holds afterwards, read as the admin."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.support.standin import TEST_KEY
from tests.support.sync import FIXTURES, REPO
from wp_seo_bridge.config import load
from wp_seo_bridge.daemon.scheduler import Daemon
from wp_seo_bridge.model import STATE_KEY

PASSWORD_ENV = "WPSB_DAEMON_TEST_PASSWORD"


#: Short words that make distinct keyphrases out of one fixture ("pirates chinois rusés", ...): the
#: site refuses a keyphrase already used by another post, so each rewrite of one source needs its own.
_SUFFIXES = ("rusés", "agiles", "habiles", "tenaces", "discrets", "patients", "prudents", "mobiles", "furtifs",
             "actifs", "anonymes", "doués", "experts", "zélés", "vifs", "subtils", "sobres", "calmes", "fermes",
             "hardis", "rapides", "sérieux", "précis", "savants", "malins", "futés", "tenus", "souples", "cachés",
             "loyaux", "rodés", "secrets", "unis", "dociles", "stables", "posés", "lucides", "assidus", "avisés",
             "nombreux")


def seed_variants(n: int) -> list[dict]:
    """``n`` scripted stand-in steps: the seed fixture's article, each with its own keyphrase."""
    base = json.loads((FIXTURES / "seed-fr.json").read_text(encoding="utf-8"))["article"]
    kp = base["focus_keyphrase"]
    steps = []
    for word in _SUFFIXES[:n]:
        text = json.dumps(base, ensure_ascii=False)
        text = re.sub(re.escape(kp), rf"\g<0> {word}", text, flags=re.I)
        art = json.loads(text)
        ascii_word = word.translate(str.maketrans("éèêàç", "eeeac"))
        art["slug"] = base["slug"].replace(kp.replace(" ", "-"), f"{kp.replace(' ', '-')}-{ascii_word}")
        steps.append({"article": art})
    return steps


# --- WordPress, read as the admin ----------------------------------------------------------------


def post(wp, post_id: int) -> dict:
    p = wp.call("wp.getPost", wp.admin, post_id, ["post_title", "post_content", "post_status", "custom_fields"])
    fields = {f["key"]: f["value"] for f in p["custom_fields"]}
    state = json.loads(fields[STATE_KEY]) if STATE_KEY in fields else None
    return {"status": p["post_status"], "title": p["post_title"], "content": p["post_content"], "state": state}


def count_status(wp, status: str) -> int:
    return len(wp.call("wp.getPosts", wp.admin, {"post_status": status, "number": 500}, ["post_id"]))


def claimed_drafts(wp) -> int:
    drafts = wp.call("wp.getPosts", wp.admin, {"post_status": "draft", "number": 500}, ["post_id", "custom_fields"])
    return sum(1 for d in drafts for f in d["custom_fields"]
               if f["key"] == STATE_KEY and json.loads(f["value"]).get("state") == "claimed")


def rewritten_revisions(wp, post_id: int) -> int:
    """Revisions holding one of our articles (WordPress stores one per update of the content)."""
    return sum("<h2" in r["post_content"] for r in wp.call("wp.getRevisions", wp.admin, post_id, ["post_content"]))


def wait_for(predicate, timeout: float, what: str, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


# --- configuration and the daemon process ------------------------------------------------------


def write_config(tmp_path: Path, wp, *, daemon: dict | None = None, mistral: dict | None = None) -> Path:
    d = {"state_dir": str(tmp_path / "state"), "concurrency": 4, "requests_per_second": 50.0,
         "tokens_per_minute": 10_000_000, "max_posts_per_pass": 100, "max_tokens_per_day": 100_000_000,
         "max_eur_per_day": 1000.0, **(daemon or {})}
    m = {"timeout_s": 20.0, "max_retries": 3, "max_backoff_s": 1.0, "deadline_s": 60.0, **(mistral or {})}
    toml = ["[mistral]", *(f"{k} = {_toml(v)}" for k, v in m.items()),
            "[mistral.prices]", '"mistral-large-2512" = [1.8, 5.4]',
            "[daemon]", *(f"{k} = {_toml(v)}" for k, v in d.items()),
            "[[sites]]", 'name = "local"', f'url = "{wp.url}"', f'user = "{wp.bot.user}"',
            f'password_env = "{PASSWORD_ENV}"', "min_quiet_minutes = 0"]
    path = tmp_path / "wp-seo-bridge.toml"
    path.write_text("\n".join(toml) + "\n", encoding="utf-8")
    return path


def _toml(v) -> str:
    return json.dumps(v)  # numbers and strings: JSON's syntax is TOML's here


def env_for(wp, handle) -> dict[str, str]:
    return {**os.environ, PASSWORD_ENV: wp.bot.password, "MISTRAL_API_KEY": TEST_KEY,
            "MISTRAL_SERVER_URL": handle.url, "PYTHONUNBUFFERED": "1"}


class DaemonProcess:
    """``wp-seo-bridge --log-format json run`` in a subprocess, its JSON log in a file."""

    def __init__(self, config: Path, env: dict, tmp_path: Path, *args: str, name: str = "daemon"):
        self.log_path = tmp_path / f"{name}-{time.monotonic_ns()}.log"
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "wp_seo_bridge", "--config", str(config), "--log-format", "json", "run", *args],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=self._log, text=True)

    def logs(self) -> list[dict]:
        out = []
        for line in self.log_path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                out.append({"msg": line})
        return out

    def events(self, event: str) -> list[dict]:
        return [r for r in self.logs() if r.get("event") == event]

    def stop(self, timeout: float = 120) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        finally:
            self._log.close()

    def kill9(self) -> None:
        self.proc.kill()
        self.proc.wait(10)
        self._log.close()


def start(daemons, config, env, tmp_path, *args, **kw) -> DaemonProcess:
    d = DaemonProcess(config, env, tmp_path, *args, **kw)
    daemons.append(d)
    return d


def in_process(wp, handle, tmp_path: Path, *, daemon: dict | None = None, mistral: dict | None = None) -> Daemon:
    """The daemon's machinery in this process, for one pass at a time."""
    os.environ.update({PASSWORD_ENV: wp.bot.password, "MISTRAL_API_KEY": TEST_KEY,
                       "MISTRAL_SERVER_URL": handle.url})
    cfg = load(write_config(tmp_path, wp, daemon=daemon, mistral=mistral))
    return Daemon(cfg, daemon_id="in-process-test")
