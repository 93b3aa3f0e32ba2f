"""The ``run`` and ``status`` commands. ``register(group)`` adds them to the CLI group; they find
the loaded configuration in ``ctx.obj["config"]``."""
from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import click

from ..config import ConfigError
from .budget import local_midnight
from .instance import AlreadyRunning, InstanceLock, holder
from .joblog import FILENAME, JobLog, JobLogError

log = logging.getLogger("wp_seo_bridge.daemon")

EXIT_CONFIG = 2  # wrong settings: restarting cannot help (the systemd unit does not restart on it)
EXIT_RUNNING = 3  # another daemon holds the state dir


def _fail(message: str, code: int = EXIT_CONFIG) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


@click.command()
@click.option("--http", "http_listen", metavar="HOST:PORT",
              help="Serve /healthz and Prometheus /metrics there (e.g. 127.0.0.1:9464).")
@click.option("--interval-seconds", type=click.FloatRange(min=0.1), default=None,
              help="Run every site every N seconds, overriding interval_minutes and cron (tests, demos).")
@click.pass_context
def run(ctx: click.Context, http_listen: str | None, interval_seconds: float | None) -> None:
    """The daemon: a pass over each site on its schedule, until SIGTERM or Ctrl-C.

    The first signal stops new drafts and waits for the ones in flight (no post is left
    half-written); a second one exits at once (claimed drafts are taken over at the next start).
    """
    from .. import wiring
    from ..gateways.mistral import SettingsError
    from .logs import register_config_secrets
    from .metrics import StatusServer, parse_listen
    from .scheduler import Daemon

    try:
        cfg = ctx.obj["config"]
        wiring.preflight(cfg)
    except ConfigError as e:
        _fail(str(e))
    register_config_secrets(cfg)
    if logging.getLogger().getEffectiveLevel() > logging.INFO:
        log.setLevel(logging.INFO)  # a daemon's journal shows its passes without -v
    if http_listen:
        try:
            parse_listen(http_listen)
        except ValueError as e:
            _fail(str(e))

    lock = InstanceLock(cfg.daemon.state_dir)
    try:
        lock.acquire("wp-seo-bridge run")
    except AlreadyRunning as e:
        _fail(str(e), EXIT_RUNNING)
    server = None
    try:
        try:
            daemon = Daemon(cfg, daemon_id=wiring.daemon_identity(cfg), interval_seconds=interval_seconds)
        except (ConfigError, JobLogError, SettingsError) as e:
            _fail(str(e))
        if http_listen:
            try:
                server = StatusServer(http_listen, daemon.metrics, daemon.health).start()
            except OSError as e:
                _fail(f"--http {http_listen}: cannot listen ({e.strerror})")
            log.info("serving /healthz and /metrics on http://%s", server.address)
        requested = _install_signals()
        log.info("daemon %s started (pid %d, %d site(s), concurrency %d, state %s)", daemon.daemon_id,
                 os.getpid(), len(cfg.sites), cfg.daemon.concurrency, Path(cfg.daemon.state_dir).resolve(),
                 extra={"event": "started"})
        daemon.start()
        while not requested.wait(0.5):
            pass
        daemon.stop(wait=True)
        daemon.close()
        log.info("daemon stopped", extra={"event": "stopped"})
    finally:
        if server:
            server.stop()
        lock.release()


def _install_signals() -> threading.Event:
    requested = threading.Event()

    def handler(signum, frame):
        if requested.is_set():
            log.warning("second %s: exiting now; drafts in flight keep their claim and are taken over "
                        "at the next start", signal.Signals(signum).name)
            logging.shutdown()
            os._exit(128 + signum)
        log.info("%s received: finishing the drafts in flight (send it again to exit at once)",
                 signal.Signals(signum).name)
        requested.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return requested


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000),
              help="How many recent attempts to list.")
@click.pass_context
def status(ctx: click.Context, as_json: bool, limit: int) -> None:
    """Recent activity and totals from the job log (works while the daemon runs)."""
    try:
        cfg = ctx.obj["config"]
    except ConfigError as e:
        _fail(str(e))
    data = collect_status(cfg, limit)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(format_status(data))


def collect_status(cfg, limit: int = 20) -> dict:
    state = Path(cfg.daemon.state_dir)
    path = state / FILENAME
    running = holder(state)
    data: dict = {"state_dir": str(state.resolve()), "joblog": str(path.resolve()), "daemon": running or None,
                  "recent": [], "drafts": [], "today": {}, "all_time": {}, "last_passes": [],
                  "budget": {"max_tokens_per_day": cfg.daemon.max_tokens_per_day,
                             "max_eur_per_day": cfg.daemon.max_eur_per_day, "tokens_today": 0, "eur_today": 0.0}}
    if not path.exists():
        return data
    try:
        jl = JobLog(path)
    except JobLogError as e:
        _fail(str(e))
    try:
        midnight = local_midnight(datetime.now().astimezone()).timestamp()
        data["recent"] = jl.recent(limit)
        data["drafts"] = jl.versions(limit)
        data["today"] = {k: vars(v) for k, v in jl.totals(midnight).items()}
        data["all_time"] = {k: vars(v) for k, v in jl.totals().items()}
        data["last_passes"] = jl.last_passes()
        data["batch"] = jl.batch_summary()
        tokens, eur, _ = jl.spent_since(midnight)
        paid, cut = jl.calls_since(midnight), jl.cut_short_since(midnight)
        data["budget"].update(tokens_today=tokens, eur_today=eur, calls_today=paid.calls,
                              standin_calls_today=paid.standin, unpriced_calls_today=paid.unpriced,
                              cut_short_today=cut.calls, cut_short_tokens_today=cut.tokens_in + cut.tokens_out,
                              cut_short_eur_today=cut.cost_eur)
    finally:
        jl.close()
    return data


def _when(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts)) if ts else "-"


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    fmt = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return [fmt(headers), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows]


def format_status(d: dict) -> str:
    running = f"running, {d['daemon']}" if d["daemon"] else "not running"
    out = [f"state dir: {d['state_dir']}", f"daemon:    {running}"]
    b = d["budget"]
    note = ""
    if b.get("standin_calls_today"):  # the budget counts them at list price, so its limits can be tried offline
        note = f" ({b['standin_calls_today']} offline stand-in call(s) counted at list price; nothing billed)"
    if b.get("unpriced_calls_today"):
        note += f" (+ {b['unpriced_calls_today']} call(s) of a model without a price: cost unknown)"
    out.append(f"today:     {b['tokens_today']:,} / {b['max_tokens_per_day']:,} tokens, "
               f"{b['eur_today']:.2f} / {b['max_eur_per_day']:.2f} EUR{note}")
    if b.get("cut_short_today"):  # not paid calls: requests whose answer never reached the ledger
        out.append(f"           of which {b['cut_short_today']} Mistral request(s) cut short (daemon killed while "
                   f"waiting, or a timeout): billed or not, unknown; counted at their worst case, "
                   f"{b['cut_short_tokens_today']:,} tokens, {b['cut_short_eur_today']:.4f} EUR")
    bj = d.get("batch") or {}
    if bj.get("running_jobs") or bj.get("answered"):
        out.append(f"batch:     {bj['running_jobs']} job(s) running at Mistral for {bj['waiting']} draft(s); "
                   f"{bj['answered']} answer(s) stored, not yet pushed")
    if not d["recent"] and not d["last_passes"]:
        out.append("no activity yet (the job log is written by `wp-seo-bridge run`)")
        return "\n".join(out)
    if d["last_passes"]:
        out += ["", "Last pass per site:"]
        out += _table(["site", "ended", "rewritten", "skipped", "failed", "not opted in", "WP calls", "note"], [
            [p["site"], _when(p["finished"]) if p["finished"] else "running", str(p["rewritten"]), str(p["skipped"]),
             str(p["failed"]), str(p["ignored"]), str(p["wp_calls"]), _short(p["error"] or p["stopped"], 60)]
            for p in d["last_passes"]])
    for title, key in (("Totals today:", "today"), ("Totals since the start:", "all_time")):
        if d[key]:
            out += ["", title + " (drafts by their latest outcome; calls and cost from every paid answer)"]
            out += _table(["site", "rewritten", "refreshed", "failed", "to retry", "skipped", "attempts", "calls",
                           "tokens", "EUR"], [
                [site, str(t["rewritten"]), str(t.get("refreshed", 0)), str(t["failed"]), str(t["waiting"]),
                 str(t["skipped"]), str(t["attempts"]), str(t["calls"]), f"{t['tokens']:,}", _eur(t)]
                for site, t in d[key].items()])
    if d.get("drafts"):
        out += ["", f"Drafts, latest outcome ({len(d['drafts'])}):"]
        out += _table(["time", "site", "post", "outcome", "attempts", "calls", "EUR", "reason"], [
            [_when(r["at"]), r["site"], r["post_id"], _outcome(r), str(r["attempts"]), str(r["calls"]), _eur(r),
             _short(r["reason"], 60)] for r in d["drafts"]])
    out += ["", f"Recent attempts ({len(d['recent'])}):"]
    out += _table(["time", "site", "post", "outcome", "calls", "tokens", "s", "reason"], [
        [_when(r["at"]), r["site"], r["post_id"], _outcome(r), str(r["calls"]), f"{r['tokens_in'] + r['tokens_out']:,}",
         f"{r['seconds']:.1f}", _short(r["reason"], 70)] for r in d["recent"]])
    return "\n".join(out)


def _eur(t: dict) -> str:
    """Real calls' cost; the offline stand-in's calls cost nothing and say so; unpriced ones say so."""
    calls, standin, unpriced = t.get("calls", 0), t.get("standin_calls", 0), t.get("unpriced_calls", 0)
    if calls and standin == calls:
        return "offline stand-in"
    text = f"{t['cost_eur']:.4f}"
    if unpriced:
        text += f" + {unpriced} unpriced"
    return text + (f" (+{standin} stand-in)" if standin else "")


def _outcome(r: dict) -> str:
    return f"{r['outcome']}, retried" if r.get("again") else r["outcome"]


def _short(text: str, n: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


def register(group: click.Group) -> None:
    group.add_command(run)
    group.add_command(status)
