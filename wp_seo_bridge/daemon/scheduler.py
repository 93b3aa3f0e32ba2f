"""The daemon: one APScheduler job per site, each job one ``run_pass`` over that site.

Everything a pass needs is built once and shared: the Mistral engine and its rate limiter (one
per key, so every site draws from the same allowance), the bounded worker pool, the daily
budget and the job log. Stopping sets one event: running passes start no new draft, drafts in
flight finish (their push is one WordPress call, so a post is never half-written), then the
pool, the scheduler and the job log close in that order.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from apscheduler.executors.pool import ThreadPoolExecutor as JobThreads
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from .. import wiring
from ..batch import run_batch_pass
from ..config import Config, ConfigError, SiteConfig
from ..gateways.mistral import MistralError
from ..gateways.wordpress.base import WordPressGateway
from ..gateways.wordpress.errors import WordPressError
from ..model import KeptRewrite, Outcome, PaidAnswer, PromptInputs, Usage
from ..pipeline import Engine, PassReport, PassSettings, Version, run_pass
from ..rewrite.budget import answer_tokens
from .budget import DailyBudget
from .joblog import JobLog
from .limiter import RateLimiter
from .linkcache import LinkCache
from .metrics import MeteredExecutor, Metrics

log = logging.getLogger("wp_seo_bridge.daemon")

#: A late cron run (machine busy or asleep at the planned minute) still runs within this window.
CRON_GRACE_S = 3600


def pool_size(concurrency: int) -> int:
    """Worker threads for ``concurrency`` Mistral calls at once: as many again claim, check and push
    (WordPress round trips and CPU, up to a second or two per draft on a busy site) while the
    others wait on Mistral, so no Mistral slot waits for WordPress."""
    return 2 * concurrency


def claim_window(concurrency: int) -> int:
    """Drafts claimed and not finished, at most: every worker busy plus one round of claims (one
    WordPress request claims ``concurrency`` drafts) waiting for a worker."""
    return pool_size(concurrency) + concurrency


def first_estimate(cfg: Config) -> tuple[int, float]:
    """What a draft may cost before today's average is known: one answer of max_tokens."""
    m = cfg.mistral
    _, out_price = m.prices.get(m.model, (0.0, 0.0))
    factor = m.batch_price_factor if m.mode == "batch" else 1.0
    answer = m.max_tokens or answer_tokens(cfg.rewrite.min_words, cfg.rewrite.min_words)
    return answer, answer * out_price * factor / 1_000_000


def trigger_for(site: SiteConfig, interval_seconds: float | None = None):
    """``(trigger, misfire_grace_s, first_run)``. Interval jobs run once at start (catching up after a
    restart); cron jobs keep to their schedule, since a cron is usually chosen to run at quiet hours."""
    if interval_seconds:
        return IntervalTrigger(seconds=interval_seconds), max(1, int(interval_seconds)), True
    if site.cron:
        try:
            trigger = CronTrigger.from_crontab(site.cron)
        except ValueError as e:
            raise ConfigError(f"site {site.name!r}: cron: {e} — five fields, e.g. \"*/15 * * * *\"") from None
        return trigger, CRON_GRACE_S, False
    seconds = site.interval_minutes * 60
    # Coalesced: a run late by up to one interval still happens once, later ones fold into it.
    return IntervalTrigger(seconds=seconds), max(1, int(seconds)), True


@dataclass
class SiteStatus:
    last_end: float = 0.0
    last_line: str = ""
    last_error: str = ""
    last_stopped: str = ""  # why the last pass stopped early (budget, switched off), if it did


#: /healthz calls a site stale when its last pass ended longer ago than this many schedule periods.
STALE_PERIODS = 2
STALE_GRACE_S = 60  # plus this, so a pass that runs a little long is not an alarm


class Daemon:
    """Build with a loaded Config; ``start()``, later ``stop()``. ``run_once()`` does one pass over
    every site with the same machinery (benchmarks, tests). A given ``engine`` replaces the one
    built from the configuration, and then the rate limiter is not in its path."""

    def __init__(self, cfg: Config, *, daemon_id: str, engine: Engine | None = None,
                 make_wordpress: Callable[[SiteConfig], WordPressGateway] | None = None,
                 interval_seconds: float | None = None, metrics: Metrics | None = None,
                 joblog: JobLog | None = None, on_outcome: Callable[[Outcome], None] | None = None):
        d = cfg.daemon
        self._triggers = {s.name: trigger_for(s, interval_seconds) for s in cfg.sites}  # a bad cron fails first
        self.cfg = cfg
        self.daemon_id = daemon_id
        self.interval_seconds = interval_seconds
        self.metrics = metrics or Metrics()
        self.limiter = RateLimiter(d.requests_per_second, d.tokens_per_minute, max_in_flight=d.concurrency,
                                   observe=self.metrics.latency.observe)
        self.engine = engine or wiring.make_engine(cfg, limiter=self.limiter)
        self._make_wordpress = make_wordpress or wiring.make_wordpress
        self.joblog = joblog or JobLog.in_state_dir(Path(d.state_dir))
        self.links = LinkCache(d.state_dir)  # each site's published posts, for internal links
        self.budget = DailyBudget(self.joblog, max_tokens=d.max_tokens_per_day, max_eur=d.max_eur_per_day,
                                  first_estimate=first_estimate(cfg))
        self.ledger = _Ledger(self.joblog, self.metrics, daemon_id)
        # This daemon holds the state dir: requests a previous run left open died with it (a kill, a power cut).
        cut = self.joblog.cut_short_orphans()
        if cut.calls:
            self.metrics.cut_short.inc(cut.calls)
            log.warning("%d Mistral request(s) cut short when the previous run ended (killed while waiting for the "
                        "answer): billed or not, unknown; counted in the daily budget at their worst case "
                        "(%d tokens, %.4f EUR), not as paid calls", cut.calls, cut.tokens_in + cut.tokens_out,
                        cut.cost_eur, extra={"event": "cut_short", "calls": cut.calls})
        self.executor = MeteredExecutor(pool_size(d.concurrency), self.metrics.queue)
        self._pass_ids: dict[str, int] = {}  # the running pass of each site (one at a time per site)
        self.stopping = threading.Event()
        self.sites = {s.name: SiteStatus() for s in cfg.sites}
        self._gateways: dict[str, WordPressGateway] = {}
        self._gw_lock = threading.Lock()
        self.scheduler: BackgroundScheduler | None = None
        self.started_at = 0.0  # when start() ran: a site with no pass yet is stale counted from there
        self.on_outcome = on_outcome or (lambda o: None)  # e.g. `sync --once` prints a line per draft

    # --- one pass -----------------------------------------------------------------------

    def gateway(self, site: SiteConfig) -> WordPressGateway:
        """One gateway per site for the daemon's life: its HTTP session stays alive between passes."""
        with self._gw_lock:
            if site.name not in self._gateways:
                self._gateways[site.name] = self._make_wordpress(site)
            return self._gateways[site.name]

    def run_site(self, site: SiteConfig) -> PassReport | None:
        if self.stopping.is_set():
            return None
        status = self.sites[site.name]
        pass_id = self._pass_ids[site.name] = self.joblog.start_pass(site.name, self.daemon_id)
        calls_before = 0
        try:
            wp = self.gateway(site)
            calls_before = _calls(wp)

            def on_outcome(o: Outcome) -> None:  # attempts were recorded by _done, as soon as known
                if not o.attempted:
                    log.debug("%s", o.line(), extra={"site": o.site, "post_id": o.post_id, "event": "draft"})
                self.on_outcome(o)

            d = self.cfg.daemon
            settings = PassSettings(self.daemon_id, site.opt_in, site.opt_in_tag,
                                    timedelta(minutes=site.min_quiet_minutes), claim_ttl_s=d.claim_ttl_s,
                                    max_posts=d.max_posts_per_pass, claim_batch=d.concurrency,
                                    max_claimed=claim_window(d.concurrency))
            common = dict(budget=self.budget, executor=self.executor, on_outcome=on_outcome, on_done=self._done,
                          stop=self.stopping.is_set, link_candidates=lambda: self.links.candidates(site.name, wp))
            if self.cfg.mistral.mode == "batch":  # answers come passes later: see wp_seo_bridge/batch.py
                report = run_batch_pass(wp, self.engine, self.joblog, settings, **common)
            else:
                report = run_pass(wp, self.engine, settings, ledger=self.ledger, **common)
        except (WordPressError, ConfigError, MistralError) as e:  # the site, or the key: not one draft
            status.last_end, status.last_error = time.time(), str(e)
            self.metrics.passes.labels(site.name, "error").inc()
            self.joblog.finish_pass(pass_id, error=str(e))
            log.error("%s: pass failed: %s", site.name, e, extra={"site": site.name, "event": "pass_error"})
            return None
        except Exception as e:  # a bug: keep the other sites and later passes running, but say it loudly
            status.last_end, status.last_error = time.time(), f"{type(e).__name__}: {e}"
            self.metrics.passes.labels(site.name, "error").inc()
            self.joblog.finish_pass(pass_id, error=status.last_error)
            log.exception("%s: pass crashed", site.name, extra={"site": site.name, "event": "pass_error"})
            return None
        # Skips not attempted are selection skips (quiet period, already handled, open in the editor)
        # or the pass's refusals of queued drafts (budget, stopping).
        waiting = sum(1 for o in report.outcomes if not o.attempted) - report.refused
        self.joblog.finish_pass(
            pass_id, rewritten=report.count("rewritten"), skipped=len(report.skipped),
            failed=report.count("failed"), ignored=report.ignored, wp_calls=_calls(wp) - calls_before,
            stopped=report.stopped,
        )
        for o in report.skipped:  # the pass's skips, counted like its line and its job-log row
            self.metrics.outcome(o)
        self.metrics.waiting.labels(site.name).set(waiting)
        self.metrics.last_pass.labels(site.name).set(time.time())
        self.metrics.passes.labels(site.name, "stopped" if report.stopped else "ok").inc()
        status.last_end, status.last_line, status.last_error = time.time(), report.total_line(), ""
        status.last_stopped = report.stopped
        # A pass stopped early is worth a warning, unless the admin switched the site off or we are stopping.
        level = logging.WARNING if report.stopped and not report.switched_off and not self.stopping.is_set() \
            else logging.INFO
        log.log(level, "%s", report.total_line(), extra={
            "site": site.name, "event": "pass", "rewritten": report.count("rewritten"),
            "refreshed": report.count("refreshed"),
            "failed": report.count("failed"), "waiting": waiting, "ignored": report.ignored,
            "stopped": report.stopped})
        return report

    def _done(self, o: Outcome) -> None:
        """A draft's outcome, as soon as it is known (on its worker thread, after the push)."""
        if not o.attempted:
            return
        self.joblog.record(o, pass_id=self._pass_ids.get(o.site), daemon_id=self.daemon_id)
        if o.result != "skipped":  # skips are counted with the pass's others, when it ends
            self.metrics.outcome(o)
        log.log(logging.WARNING if o.result == "failed" else logging.INFO, "%s", o.line(), extra={
            "site": o.site, "post_id": o.post_id, "event": "draft", "result": o.result,
            "tokens": o.usage.tokens_in + o.usage.tokens_out, "cost_eur": o.usage.cost_eur, "seconds": o.seconds})

    def run_once(self) -> list[PassReport]:
        return [r for s in self.cfg.sites if (r := self.run_site(s)) is not None]

    # --- scheduling ---------------------------------------------------------------------

    def start(self) -> None:
        self.started_at = time.time()
        # One scheduler thread per site: sites run their passes side by side, drafts share the pool.
        self.scheduler = BackgroundScheduler(executors={"default": JobThreads(len(self.cfg.sites))},
                                             timezone=datetime.now().astimezone().tzinfo)
        now = datetime.now(timezone.utc)
        for site in self.cfg.sites:
            trigger, grace, first_now = self._triggers[site.name]
            self.scheduler.add_job(
                self.run_site, trigger, args=[site], id=site.name, name=f"pass {site.name}",
                max_instances=1, coalesce=True, misfire_grace_time=grace,
                **({"next_run_time": now} if first_now else {}),
            )
            first = "now" if first_now else trigger.get_next_fire_time(None, now).isoformat(timespec="seconds")
            log.info("%s: scheduled (%s), first pass %s", site.name, _describe(trigger), first,
                     extra={"site": site.name, "event": "scheduled"})
        self.scheduler.start()

    def stop(self, wait: bool = True) -> None:
        """Idempotent. New drafts stop at once; returns when in-flight drafts are done."""
        first = not self.stopping.is_set()
        self.stopping.set()
        if first:
            log.info("stopping: no new draft starts; %d in flight finish first", self.executor.depth,
                     extra={"event": "stopping"})
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=wait)  # waits for running passes, which wait for their drafts
        self.executor.shutdown(wait=wait)

    def close(self) -> None:
        self.joblog.close()
        self.engine.llm.close()

    def health(self, now: float | None = None) -> tuple[bool, dict]:
        """Whether the daemon can do its job, and why not: it runs, today's budget is not spent, and
        each site's last pass worked and is recent (ended within STALE_PERIODS of its schedule).
        A site switched off by its admin is healthy: that is the admin's choice, not a failure."""
        now = time.time() if now is None else now
        reasons: list[str] = []
        running = bool(self.scheduler and self.scheduler.running) and not self.stopping.is_set()
        if not running:
            reasons.append("the daemon is stopping" if self.stopping.is_set() else "the scheduler is not running")
        budget = self.budget.snapshot()
        if budget["tokens"] >= budget["max_tokens"]:
            reasons.append(f"daily token budget spent ({budget['tokens']:,} of {budget['max_tokens']:,}): "
                           f"no draft is rewritten until midnight — raise daemon.max_tokens_per_day if expected")
        if budget["eur"] >= budget["max_eur"]:
            reasons.append(f"daily cost budget spent ({budget['eur']:.2f} of {budget['max_eur']:.2f} EUR): no "
                           f"draft is rewritten until midnight — raise daemon.max_eur_per_day if expected")
        sites = {}
        for site in self.cfg.sites:
            s = self.sites[site.name]
            stale_after = STALE_PERIODS * self.period(site, now) + STALE_GRACE_S
            age = now - (s.last_end or self.started_at or now)
            ended = "stopped" if s.last_stopped else "ok"
            outcome = "error" if s.last_error else ("none" if not s.last_end else ended)
            if s.last_error:
                reasons.append(f"{site.name}: last pass failed: {s.last_error}")
            elif age > stale_after:
                reasons.append(f"{site.name}: no pass has ended for {age:.0f} s (stale after {stale_after:.0f} s): "
                               f"is a pass stuck, or the scheduler?")
            sites[site.name] = {"last_pass": outcome, "last_pass_end": s.last_end, "age_s": round(age, 1),
                                "stale_after_s": round(stale_after, 1), "summary": s.last_line,
                                "stopped": s.last_stopped, "error": s.last_error}
        return not reasons, {"reasons": reasons, "daemon_id": self.daemon_id, "stopping": self.stopping.is_set(),
                             "queue_depth": self.executor.depth, "budget": budget, "sites": sites}

    def period(self, site: SiteConfig, now: float | None = None) -> float:
        """Seconds between two scheduled passes of ``site`` (for a cron, the next two runs)."""
        trigger, _, _ = self._triggers[site.name]
        if isinstance(trigger, IntervalTrigger):
            return trigger.interval.total_seconds()
        start = datetime.fromtimestamp(time.time() if now is None else now, timezone.utc)
        first = trigger.get_next_fire_time(None, start)
        second = trigger.get_next_fire_time(first, first + timedelta(seconds=1))
        return (second - first).total_seconds() if first and second else 86400.0


class _Ledger:
    """The pipeline's ledger: the job log, plus the metrics of each paid answer as it arrives."""

    def __init__(self, joblog: JobLog, metrics: Metrics, daemon_id: str):
        self.joblog, self.metrics, self.daemon_id = joblog, metrics, daemon_id

    def sending(self, version: Version, step: int, estimate: Usage) -> None:
        self.joblog.sending(version, step, estimate, daemon_id=self.daemon_id)

    def paid(self, version: Version, inputs: PromptInputs, answer: PaidAnswer) -> None:
        self.joblog.paid(version, inputs, answer, daemon_id=self.daemon_id)
        self.metrics.paid(answer.usage)

    def unanswered(self, version: Version, maybe_billed: bool) -> None:
        self.joblog.unanswered(version, maybe_billed)
        if maybe_billed:
            self.metrics.cut_short.inc()

    def kept(self, version: Version) -> KeptRewrite | None:
        return self.joblog.kept(version)

    def settle(self, version: Version, how: str) -> None:
        self.joblog.settle(version, how)

    def kept_versions(self, site: str) -> list[Version]:
        return self.joblog.kept_versions(site)

    def transient_failures(self, version: Version) -> tuple[int, float]:
        return self.joblog.transient_failures(version)


def _calls(wp: WordPressGateway) -> int:
    calls = getattr(wp, "calls", None)
    return sum(calls.values()) if calls is not None else 0


def _describe(trigger) -> str:
    if isinstance(trigger, IntervalTrigger):
        return f"every {trigger.interval.total_seconds():g} s"
    return str(trigger)
