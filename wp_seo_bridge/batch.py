"""Batch mode (``mistral.mode = "batch"``): a pass sends its drafts as ONE Mistral Batch API job, and
later passes collect the answers. The same prompt, checks, repairs and push as a synchronous pass
(``pipeline.py``), at batch prices, with minutes to hours between claim and push.

A pass over one site:

1. lists the drafts (one call per 500);
2. asks Mistral about the site's running jobs (their ids are in the job log: a restarted daemon finds
   them again). A running job's drafts get their claims renewed (the plugin extends a claim its own
   daemon takes again). A finished job's answers go into the job log at once, paid, before any of
   them is used; a job that was cancelled or expired keeps the answers it made;
3. works through the stored answers: a draft still at the version its answer was made for is claimed
   again, checked, repaired through the normal endpoint when needed, and pushed; a draft that changed
   meanwhile keeps its editor's version (the answer is counted, not used); a draft the job did not
   answer is released, and a later pass sends it again;
4. selects and claims new drafts like a synchronous pass, and submits them as one job.
"""
from __future__ import annotations

import logging
from concurrent.futures import Executor, Future
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Callable, Iterable, Protocol, Sequence

from .claims import Budget, Claimer, Gate, Unlimited, not_claimed
from .gateways.mistral import AuthError, BatchAnswer, MistralError, SettingsError
from .gateways.wordpress.base import SiteInfo, WordPressGateway
from .gateways.wordpress.errors import WordPressError
from .model import Draft, DraftSummary, LinkOffer, Outcome, PublishedPost, ReasonCode, Usage
from .pipeline import (
    SENT_IN_BATCH,
    Engine,
    PassReport,
    PassSettings,
    Prepared,
    _candidates,
    _emit,
    _notify,
    _record_failure,
    authors_fields,
    claimed_failure,
    prepare,
    process_draft,
)
from .push import release_state
from .rewrite.rewrite import build_messages, estimate_cost, plan_answer
from .select import Rule, select

log = logging.getLogger("wp_seo_bridge.batch")


@dataclass(frozen=True)
class BatchItem:
    """One draft version in a batch job, as the job log keeps it."""

    custom_id: str
    post_id: str
    source_hash: str
    used_keyphrases: frozenset[str] = frozenset()  # what the prompt listed: a repair continues that prompt
    job_id: str = ""
    state: str = "waiting"  # waiting (job running) | answered (answer stored, paid) | done
    answer: dict | None = None  # the job's output or error line; None when it gave none
    usage: Usage = Usage()  # what the answer cost, at batch prices
    links: tuple[LinkOffer, ...] = ()  # the internal links its prompt offered


class BatchStore(Protocol):
    """Where jobs and answers survive a restart (the daemon's job log)."""

    def add_batch(self, job_id: str, site: str, *, daemon_id: str, model: str, items: Iterable[BatchItem]) -> None: ...
    def running_batches(self, site: str) -> list[str]: ...
    def store_answers(self, job_id: str, mistral_status: str, answers: dict[str, tuple[dict, Usage]]) -> None: ...
    def batch_items(self, site: str, states: Sequence[str] = ..., job_id: str | None = None) -> list[BatchItem]: ...
    def batch_item_done(self, job_id: str, custom_id: str) -> None: ...


class Prepaid:
    """The rewrite stage's gateway for a draft whose first answer is already paid for: the first call
    gives that answer (or its error), the repairs go to the normal endpoint."""

    def __init__(self, answer: BatchAnswer, llm):
        self._answer: BatchAnswer | None = answer
        self._llm = llm

    def complete_article(self, messages, *, on_paid=None, **kwargs):
        answer, self._answer = self._answer, None
        if answer is None:
            return self._llm.complete_article(messages, on_paid=on_paid, **kwargs)
        # The batch answer was recorded as paid when its job ended: not reported again (on_paid).
        if answer.error is not None:
            answer.error.usage = answer.usage
            raise answer.error
        return answer.article, answer.usage, answer.meta


def custom_id(draft: Draft) -> str:
    return f"{draft.post_id}-{draft.hash[:16]}"


def run_batch_pass(wp: WordPressGateway, engine: Engine, store: BatchStore, settings: PassSettings, *,
                   budget: Budget | None = None, executor: Executor | None = None,
                   link_candidates: Callable[[], Sequence[PublishedPost]] | None = None,
                   on_outcome: Callable[[Outcome], None] = lambda o: None,
                   on_done: Callable[[Outcome], None] = lambda o: None, stop: Callable[[], bool] = lambda: False,
                   now: datetime | None = None) -> PassReport:
    """One batch-mode pass over one site (the steps in the module's docstring). Raises WordPressError
    when the site cannot be worked on at all; a Mistral failure leaves the jobs for the next pass.
    ``settings.max_claimed`` does not apply: a job's drafts stay claimed until it is answered.
    ``link_candidates``: the site's published posts, asked once when drafts are to be sent; the links a
    prompt offered are kept with its draft, so the answer is checked and rendered against the same ones."""
    report = PassReport(wp.site)
    info = wp.site_info()
    if not info.sync_enabled:
        report.stopped, report.switched_off = "sync is switched off in WordPress (Settings → SEO Bridge)", True
        return report
    budget = budget or Unlimited()
    listing = {s.post_id: s for s in wp.list_drafts()}
    claimer = Claimer(wp, daemon_id=settings.daemon_id, ttl_s=settings.claim_ttl_s, batch=settings.claim_batch,
                      model=engine.model)
    pass_ = _BatchPass(wp, engine, store, info, claimer, budget, on_done)
    busy = pass_.poll_jobs(listing)  # post ids of drafts in a job still running
    outcomes = [] if stop() else pass_.use_answers(listing, executor)
    busy |= {o.post_id for o in outcomes}  # their new state is not in this pass's listing
    for o in outcomes:
        _emit(report, on_outcome, o)
    busy |= {i.post_id for i in store.batch_items(wp.site, ("waiting", "answered"))}
    rule = Rule(opt_in=info.opt_in or settings.opt_in, tag=info.opt_in_tag or settings.opt_in_tag,
                quiet=settings.quiet, daemon_id=settings.daemon_id)
    gate = Gate(settings.max_posts, budget, stop)
    todo: list[DraftSummary] = []
    for d in select(listing.values(), rule, now or datetime.now(timezone.utc)):
        if d.summary.post_id in busy:
            continue
        if d.action == "ignore":
            report.ignored += 1
        elif d.action == "skip":
            _emit(report, on_outcome, Outcome(wp.site, d.summary.post_id, "skipped", d.reason, d.summary.content_hash,
                                              code=d.code))
        elif refusal := gate.refusal():
            _emit(report, on_outcome, Outcome(wp.site, d.summary.post_id, "skipped", refusal[0],
                                              d.summary.content_hash, code=refusal[1]))
        else:
            todo.append(d.summary)
    candidates = _candidates(wp, link_candidates) if todo else ()
    for o in pass_.submit(todo, gate, candidates):
        _emit(report, on_outcome, o)
        report.batched += o.batched
    report.stopped, report.refused = gate.stopped, gate.refused
    _notify(wp, report.count("rewritten"))
    return report


SENT = SENT_IN_BATCH


class _BatchPass:
    def __init__(self, wp: WordPressGateway, engine: Engine, store: BatchStore, info: SiteInfo, claimer: Claimer,
                 budget: Budget, on_done: Callable[[Outcome], None]):
        self.wp, self.engine, self.store, self.info = wp, engine, store, info
        self.claimer, self.daemon_id = claimer, claimer.daemon_id
        self.budget, self.on_done = budget, on_done

    def done(self, o: Outcome, item: BatchItem | None = None, admitted: bool = False) -> Outcome:
        """``admitted``: the budget had admitted this draft (its batch job's drafts stay admitted until collected)."""
        if item is not None:
            self.store.batch_item_done(item.job_id, item.custom_id)
        self.budget.finish(o.usage, admitted=admitted)
        try:
            self.on_done(o)
        except Exception:  # bookkeeping must never lose the outcome itself
            log.exception("recording the outcome of post %s failed", o.post_id)
        return o

    def outcome(self, item: BatchItem, result: str, reason: str, code: ReasonCode, usage: Usage = Usage()) -> Outcome:
        return Outcome(self.wp.site, item.post_id, result, reason, item.source_hash, model=self.engine.model,
                       usage=usage, attempted=True, code=code)

    # --- 2. running jobs --------------------------------------------------------------------

    def poll_jobs(self, listing: dict[str, DraftSummary]) -> set[str]:
        running: set[str] = set()
        llm = self.engine.llm
        for job_id in self.store.running_batches(self.wp.site):
            items = self.store.batch_items(self.wp.site, ("waiting",), job_id)
            try:
                job = llm.batch_job(job_id)
                if job.done:
                    answers = llm.batch_answers(job)
            except MistralError as e:  # the job is still in the log: the next pass asks again
                log.warning("%s: batch job %s: %s", self.wp.site, job_id, e)
                running |= {i.post_id for i in items}
                continue
            if not job.done:
                running |= {i.post_id for i in items}
                self._renew(items, listing)
                log.info("%s: batch job %s %s (%d of %d answered)", self.wp.site, job_id, job.status.lower(),
                         job.succeeded + job.failed, job.total)
                continue
            self.store.store_answers(job_id, job.status, {cid: (a.line, a.usage) for cid, a in answers.items()})
            for a in answers.values():  # paid now, whatever becomes of the drafts
                self.budget.charge(a.usage)
            log.info("%s: batch job %s ended %s: %d answer(s) for %d draft(s)%s", self.wp.site, job_id, job.status,
                     len(answers), len(items), f" ({'; '.join(job.errors)})" if job.errors else "")
            llm.forget_batch(job)
        return running

    def _renew(self, items: list[BatchItem], listing: dict[str, DraftSummary]) -> None:
        """Claims again the drafts a running job works on (still the version it was sent): the plugin
        extends a claim its holder takes again."""
        same = [listing[i.post_id] for i in items
                if i.post_id in listing and listing[i.post_id].content_hash == i.source_hash]
        for chunk in self.claimer.rounds(same):
            try:
                answers = self.wp.claim_many(list(chunk), self.daemon_id, self.claimer.ttl_s)
            except WordPressError as e:
                log.warning("%s: could not renew %d claim(s): %s", self.wp.site, len(chunk), e)
                continue
            for s, a in zip(chunk, answers):
                if isinstance(a, WordPressError):
                    log.info("%s: post %s: claim not renewed while its batch job runs: %s", self.wp.site, s.post_id, a)

    # --- 3. stored answers ------------------------------------------------------------------

    def use_answers(self, listing: dict[str, DraftSummary], executor: Executor | None) -> list[Outcome]:
        out: list[Outcome | Future] = []
        ready: list[BatchItem] = []
        for item in self.store.batch_items(self.wp.site, ("answered",)):
            s = listing.get(item.post_id)
            if s is None or s.status != "draft" or s.content_hash != item.source_hash:
                # The editor's version wins; the answer was paid, so it is counted, not used.
                out.append(self.done(self.outcome(item, "skipped", "the draft changed while its batch job ran: "
                                                  "answer not used", "conflict", item.usage), item, admitted=True))
            elif s.locked_by:
                continue  # open in the editor: the answer waits for the next pass
            elif item.answer is None:
                self._release(item, "its batch job ended without answering it")
                out.append(self.done(self.outcome(item, "failed", "its batch job ended without answering it; "
                                                  "sent again next pass", "mistral_other"), item, admitted=True))
            else:
                ready.append(item)
        for chunk in self.claimer.rounds(ready):
            for item, claimed in zip(chunk, self.claimer.claim([listing[i.post_id] for i in chunk])):
                if isinstance(claimed, Draft):
                    out.append(executor.submit(self._finish, claimed, item) if executor else
                               self._finish(claimed, item))
                else:  # kept: the next pass tries again, or sees the draft changed
                    log.info("%s: post %s: batch answer kept, draft not claimed: %s", self.wp.site, item.post_id,
                             claimed)
        return [o if isinstance(o, Outcome) else o.result() for o in out]

    def _finish(self, draft: Draft, item: BatchItem) -> Outcome:
        answer = self.engine.llm.read_batch_line(item.answer)
        answer = replace(answer, usage=item.usage)  # what was recorded as paid when it arrived
        engine = replace(self.engine, llm=Prepaid(answer, self.engine.llm))
        try:
            o = process_draft(self.wp, draft, engine, self.info, daemon_id=self.daemon_id,
                              prompt_keyphrases=item.used_keyphrases, ledger=self.store, on_paid=self.budget.charge,
                              offers=item.links)
        except Exception as e:  # noqa: BLE001 — whatever went wrong, the other drafts go on
            o = claimed_failure(self.wp, draft, self.engine, self.daemon_id, e, usage=item.usage)
            if isinstance(e, (AuthError, SettingsError)):  # a repair refused (the claim was released): tried again
                o = replace(o, usage=e.usage, retry=True)
        if (o.retry or o.again) and item.usage.calls and answer.error is None:
            # A repair could not be made now, or the push did not reach the site: the paid answer stays in
            # the job log and the next pass resumes from it (never a second first answer). Its cost is
            # counted once, by the stored answer (the attempt row holds only this try's new calls).
            return self.done(o, admitted=True)
        return self.done(o, item, admitted=True)

    def _prompt(self, draft: Draft, candidates: Sequence[PublishedPost]) -> tuple[Prepared, list[dict] | None]:
        """The draft as the model sees it and its first call's messages, or why there is none: the
        synchronous path's own preparation (the site's shortcodes and kses rules, the author's Yoast
        fields), so a job's line is the prompt a synchronous pass would send."""
        info = self.info
        p = prepare(draft.title, draft.content, self.engine, info.used_keyphrases, candidates=candidates,
                    post_id=draft.post_id, shortcodes=info.shortcodes, kses=info.kses, author=authors_fields(draft))
        if p.reason:
            return p, None
        return p, build_messages(p.source, min_words=self.engine.min_words, used_keyphrases=p.listed)

    def _release(self, item: BatchItem, reason: str) -> None:
        try:
            self.wp.record(item.post_id, release_state(item.source_hash, daemon_id=self.daemon_id, reason=reason),
                           self.daemon_id)
        except WordPressError as e:  # the claim simply expires
            log.warning("post %s: could not release claim: %s", item.post_id, e)

    # --- 4. new drafts ----------------------------------------------------------------------

    def submit(self, todo: list[DraftSummary], gate: Gate, candidates: Sequence[PublishedPost] = ()) -> list[Outcome]:
        out: list[Outcome] = []
        drafts: list[Draft] = []
        for chunk in self.claimer.rounds(todo):
            for s, claimed in zip(chunk, self.claimer.claim(chunk)):
                if isinstance(claimed, Draft):
                    drafts.append(claimed)
                else:
                    out.append(self.done(not_claimed(self.wp, s, claimed, self.engine.model)))
        requests, items, sent = [], [], []
        for draft in drafts:
            try:
                prepared, messages = self._prompt(draft, candidates)
                source, used, reason, code = prepared.source, frozenset(prepared.listed), prepared.reason, prepared.code
            except Exception as e:  # noqa: BLE001 — a parser error, a bug: this draft fails alone
                log.exception("post %s: could not be processed", draft.post_id)
                messages = None
                reason, code = f"this draft could not be processed ({type(e).__name__}: {str(e)[:200]})", "other"
            if messages is None:
                _record_failure(self.wp, draft, reason, self.engine.model, self.daemon_id, Usage())
                out.append(self.done(Outcome(self.wp.site, draft.post_id, "failed", reason, draft.hash,
                                             model=self.engine.model, attempted=True, code=code)))
                continue
            e = self.engine
            if why := self.budget.admit(estimate_cost(source, e.llm, min_words=e.min_words, used_keyphrases=used,
                                                      max_repairs=e.max_repairs)):
                # Its worst case (priced as if no answer were at batch prices) would pass the day's budget.
                self._release(BatchItem("", draft.post_id, draft.hash), why)
                out.append(self.done(Outcome(self.wp.site, draft.post_id, "skipped", why, draft.hash, code="budget")))
                continue
            room = plan_answer(messages, source, min_words=e.min_words, context_tokens=e.context_tokens,
                               max_tokens=e.max_tokens, max_repairs=e.max_repairs)
            if not room.fits:  # fails before any call, like a synchronous pass
                _record_failure(self.wp, draft, room.reason, e.model, self.daemon_id, Usage())
                out.append(self.done(Outcome(self.wp.site, draft.post_id, "failed", room.reason, draft.hash,
                                             model=e.model, attempted=True, code="other"), admitted=True))
                continue
            requests.append((custom_id(draft), messages, room.max_tokens))
            items.append(BatchItem(custom_id(draft), draft.post_id, draft.hash, used, links=source.links))
            sent.append(draft)
        if not requests:
            return out
        try:
            job = self.engine.llm.submit_batch(requests, metadata={"site": self.wp.site, "daemon": self.daemon_id})
        except MistralError as e:
            if isinstance(e, (AuthError, SettingsError)):
                gate.halt(f"Mistral refused the request: {e}")
            for draft in sent:
                self._release(BatchItem("", draft.post_id, draft.hash), f"batch job not submitted: {e}")
                out.append(self.done(Outcome(self.wp.site, draft.post_id, "failed",
                                             f"batch job not submitted: {e}; sent again next pass", draft.hash,
                                             model=self.engine.model, attempted=True, code=e.code), admitted=True))
            return out
        self.store.add_batch(job.id, self.wp.site, daemon_id=self.daemon_id, model=self.engine.model, items=items)
        log.info("%s: batch job %s submitted with %d draft(s)", self.wp.site, job.id, len(sent))
        # Not an outcome yet (no model: not an attempt row); the budget keeps them in flight until collected.
        out += [Outcome(self.wp.site, d.post_id, "skipped", f"{SENT} {job.id}; pushed when Mistral answers", d.hash,
                        batched=True)
                for d in sent]
        return out
