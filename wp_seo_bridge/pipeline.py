"""The story of one draft: select → extract → rewrite → check → render → push.

``rewrite_text`` is the pure part (no WordPress): the ``rewrite`` CLI command uses it alone.
``process_draft`` adds the claim and the push; ``run_pass`` does one pass over one site.
"""
from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from functools import partial
from typing import Callable, Protocol

from . import check, render
from .extract import extract
from .gateways.mistral import AuthError, MistralGateway, SettingsError
from .gateways.wordpress.base import SiteInfo, WordPressGateway
from .gateways.wordpress.errors import Conflict, WordPressError
from .model import Article, Draft, DraftSummary, Outcome, Report, Source, Usage
from .push import build_update, failure_state, release_state
from .rewrite import rewrite
from .select import Decision, Rule, select

log = logging.getLogger("wp_seo_bridge.pipeline")


@dataclass(frozen=True)
class Engine:
    """The rewrite settings of one run, and its one Mistral gateway."""

    llm: MistralGateway
    model: str
    min_words: int = 700
    mode: str = "blocks"  # "blocks" (Gutenberg) | "classic"
    max_repairs: int = 1


@dataclass(frozen=True)
class Rewritten:
    source: Source
    article: Article | None
    html: str
    report: Report | None
    usage: Usage
    reason: str = ""
    words: int = 0  # as Yoast counts them
    retry: bool = False  # Mistral was unavailable: this version is tried again next pass

    @property
    def ok(self) -> bool:
        return self.article is not None


def rewrite_text(title: str, content: str, engine: Engine, used_keyphrases=frozenset()) -> Rewritten:
    """extract → rewrite (with checks and a bounded repair) → render. No WordPress involved.

    Raises AuthError / SettingsError: a refused key concerns every draft, not this one."""
    source = extract(content, title)
    if source.words == 0:
        return Rewritten(source, None, "", None, Usage(), "the draft has no text")
    checker = partial(check.run, min_words=engine.min_words, used_keyphrases=used_keyphrases, mode=engine.mode)
    result = rewrite(
        source, engine.llm, check=checker, min_words=engine.min_words,
        used_keyphrases=used_keyphrases, max_repairs=engine.max_repairs,
    )
    if result.article is None:
        return Rewritten(source, None, "", result.report, result.usage, result.reason, retry=result.retry)
    report = result.report
    if not report.html:  # a check that does not render (tests): render and count here
        html = render.render(result.article, source, engine.mode)
        report = replace(report, html=html, words=check.analyse(result.article, html).word_count)
    return Rewritten(source, result.article, report.html, report, result.usage, words=report.words)


class Budget(Protocol):
    """Decides whether one more draft may start (the daemon's per-pass and per-day limits)."""

    def try_start(self) -> str | None: ...  # None = go; else why not
    def spend(self, usage: Usage) -> None: ...


class Unlimited:
    def try_start(self) -> str | None:
        return None

    def spend(self, usage: Usage) -> None:
        pass


@dataclass
class PassReport:
    site: str
    outcomes: list[Outcome] = field(default_factory=list)
    ignored: int = 0  # drafts not opted in
    stopped: str = ""  # why the pass did not run or stopped early (switch off, budget)

    def count(self, result: str) -> int:
        return sum(1 for o in self.outcomes if o.result == result)

    def total_line(self) -> str:
        tail = f"; {self.stopped}" if self.stopped else ""
        return (f"{self.site}: {self.count('rewritten')} rewritten, {self.count('skipped')} skipped, "
                f"{self.count('failed')} failed, {self.ignored} not opted in{tail}")


def process_draft(wp: WordPressGateway, summary: DraftSummary, engine: Engine, info: SiteInfo, *,
                  daemon_id: str, claim_ttl_s: int = 1800) -> Outcome:
    started = time.monotonic()
    out = partial(Outcome, wp.site, summary.post_id, source_hash=summary.content_hash, model=engine.model)
    try:
        draft = wp.claim(summary, daemon_id, claim_ttl_s)
    except Conflict as e:
        return out("skipped", f"not claimed: {e}")
    try:
        r = rewrite_text(draft.title, draft.content, engine, info.used_keyphrases)
    except (AuthError, SettingsError) as e:
        _release(wp, draft, daemon_id, str(e))
        raise
    elapsed = lambda: round(time.monotonic() - started, 3)  # noqa: E731
    if r.retry:  # not the draft's fault: release it, the next pass tries the same version again
        _release(wp, draft, daemon_id, r.reason)
        return out("failed", f"{r.reason}; retried next pass", usage=r.usage, seconds=elapsed())
    if not r.ok:
        wp.record(draft.post_id, failure_state(draft, r.reason, model=engine.model, daemon_id=daemon_id,
                                               usage=r.usage, report=r.report), daemon_id)
        return out("failed", r.reason, usage=r.usage, seconds=elapsed())
    update = build_update(draft, r.article, r.html, r.report, r.usage, model=engine.model,
                          daemon_id=daemon_id, words=r.words)
    try:
        wp.push(draft, update, daemon_id)
    except Conflict as e:
        # Someone saved the draft while we worked: their edit wins, we try the new version next pass.
        _release(wp, draft, daemon_id, str(e))
        return out("skipped", f"not pushed: {e}", usage=r.usage, seconds=elapsed())
    return out("rewritten", f"keyphrase “{r.article.focus_keyphrase}”, {r.words} words",
               usage=r.usage, seconds=elapsed())


def _release(wp: WordPressGateway, draft: Draft, daemon_id: str, reason: str) -> None:
    try:
        wp.record(draft.post_id, release_state(draft, daemon_id=daemon_id, reason=reason), daemon_id)
    except WordPressError as e:  # the claim simply expires
        log.warning("post %s: could not release claim: %s", draft.post_id, e)


def run_pass(wp: WordPressGateway, engine: Engine, *, daemon_id: str, opt_in: str, opt_in_tag: str,
             quiet: timedelta, claim_ttl_s: int = 1800, max_posts: int | None = None,
             budget: Budget | None = None, executor: Executor | None = None,
             on_outcome: Callable[[Outcome], None] = lambda o: None, stop: Callable[[], bool] = lambda: False,
             now: datetime | None = None) -> PassReport:
    """One pass over one site. Raises WordPressError when the site cannot be worked on at all."""
    report = PassReport(wp.site)
    info = wp.site_info()
    if not info.sync_enabled:
        report.stopped = "sync is switched off in WordPress (Settings → SEO Bridge)"
        return report
    if info.can_publish:
        log.warning("%s: the daemon's account can publish posts; a role without publish_posts "
                    "(seo_bridge_bot) makes 'never publishes' a property of WordPress", wp.site)
    rule = Rule(opt_in=info.opt_in or opt_in, tag=info.opt_in_tag or opt_in_tag, quiet=quiet, daemon_id=daemon_id)
    decisions: list[Decision] = select(wp.list_drafts(), rule, now or datetime.now(timezone.utc))
    budget = budget or Unlimited()
    todo: list[DraftSummary] = []
    for d in decisions:
        if d.action == "ignore":
            report.ignored += 1
        elif d.action == "skip":
            _emit(report, on_outcome, Outcome(wp.site, d.summary.post_id, "skipped", d.reason, d.summary.content_hash))
        else:
            todo.append(d.summary)

    started, refused, lock = [0], [], threading.Lock()

    def work(summary: DraftSummary) -> Outcome:
        with lock:  # decide and count atomically: the pool never overshoots max_posts
            why_not = refused[0] if refused and refused[0].startswith("Mistral") else None
            why_not = why_not or ("stopping" if stop() else None)
            if not why_not and max_posts is not None and started[0] >= max_posts:
                why_not = f"max {max_posts} posts per pass reached"
            why_not = why_not or budget.try_start()
            if why_not:
                refused.append(why_not)
                return Outcome(wp.site, summary.post_id, "skipped", why_not, summary.content_hash)
            started[0] += 1
        try:
            o = process_draft(wp, summary, engine, info, daemon_id=daemon_id, claim_ttl_s=claim_ttl_s)
        except WordPressError as e:
            o = Outcome(wp.site, summary.post_id, "failed", str(e), summary.content_hash)
        except (AuthError, SettingsError) as e:  # every later draft would fail the same way: stop the pass
            with lock:
                refused.insert(0, f"Mistral refused the request: {e}")
            o = Outcome(wp.site, summary.post_id, "failed", str(e), summary.content_hash)
        budget.spend(o.usage)
        return o

    for o in executor.map(work, todo) if executor else map(work, todo):
        _emit(report, on_outcome, o)
    report.stopped = refused[0] if refused else ""
    _notify(wp, [o.post_id for o in report.outcomes if o.result == "rewritten"])
    return report


def _notify(wp: WordPressGateway, post_ids: list[str]) -> None:
    """One e-mail per pass to the site's editors; a failure here is logged, never fatal."""
    if not post_ids:
        return
    try:
        wp.notify(post_ids)
    except WordPressError as e:
        log.warning("%s: could not notify editors about %d pending post(s): %s", wp.site, len(post_ids), e)


def _emit(report: PassReport, on_outcome: Callable[[Outcome], None], o: Outcome) -> None:
    report.outcomes.append(o)
    on_outcome(o)
