"""The story of one draft: select → extract → rewrite → check → render → push.

``rewrite_text`` is the pure part (no WordPress): the ``rewrite`` CLI command uses it alone.
``process_draft`` adds the push to a claimed draft; ``run_pass`` does one pass over one site,
claiming drafts a round at a time.
"""
from __future__ import annotations

import logging
import time
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from functools import partial
from typing import Callable, Iterator, Protocol, Sequence

from . import check, relate, render
from .check.scores import predict as predict_scores
from .claims import Budget, Claimer, Gate, Unlimited
from .extract import extract
from .gateways.mistral import AuthError, MistralGateway, SettingsError
from .gateways.wordpress.base import SiteInfo, WordPressGateway
from .gateways.wordpress.errors import Conflict, ContentAltered, WordPressError
from .markup.kses import KsesRules, kses_losses
from .markup.stored import first_difference
from .model import (
    STATE_KEY,
    YOAST_FOCUSKW,
    YOAST_METADESC,
    YOAST_TITLE,
    Article,
    BridgeState,
    Draft,
    DraftSummary,
    KeptRewrite,
    LinkOffer,
    Outcome,
    PaidAnswer,
    PromptInputs,
    PublishedPost,
    ReasonCode,
    Report,
    Source,
    Usage,
    YoastFields,
)
from .push import build_update, failure_state, release_state
from .rewrite import RewriteResult, estimate_cost, rewrite
from .select import Decision, Rule, select

log = logging.getLogger("wp_seo_bridge.pipeline")
_MAX_CHARS_PER_WORD = 60  # a draft longer than max_source_words × this is refused unread (markup included)


@dataclass(frozen=True)
class Engine:
    """The rewrite settings of one run, and its one Mistral gateway."""

    llm: MistralGateway
    model: str
    min_words: int = 700
    mode: str = "blocks"  # "blocks" (Gutenberg) | "classic"
    max_repairs: int = 1
    max_source_words: int = 15_000  # rewrite.max_source_words: longer drafts fail before any call
    context_tokens: int = 131_072  # the model's context: a rewrite that cannot fit fails before any call
    max_tokens: int | None = None  # a cap on each answer; else what the target length needs
    max_transient: int = 3  # tries of one draft version that Mistral failed (5xx, garbage) before it is failed
    retry_backoff_s: float = 300.0  # wait before the next try of such a version, doubled each time


def judge(article: Article, source: Source, *, mode: str = "blocks", min_words: int = 700,
          used_keyphrases=frozenset(), wp_version: str = render.LATEST_WP) -> Report:
    """render, then check what render made: the checks judge exactly the HTML that is pushed."""
    html = render.render(article, source, mode, wp_version)
    return check.run(article, source, html, min_words=min_words, used_keyphrases=used_keyphrases)


@dataclass(frozen=True)
class Prepared:
    """A draft as the model will see it, before any call: the same for a synchronous rewrite and a batch
    job's line (``prepare``), so both send the same prompt and judge with the same rules."""

    source: Source | None  # None: refused before it was read (far too long)
    used_keyphrases: frozenset[str]  # what the checks count as "used before" (never the author's own)
    prompt_keyphrases: list[str] | None  # what the prompt lists, when not ``used_keyphrases``
    reason: str = ""  # why there is nothing to send
    code: ReasonCode = ""  # the reason's code

    @property
    def listed(self):
        return self.used_keyphrases if self.prompt_keyphrases is None else self.prompt_keyphrases


def prepare(title: str, content: str, engine: Engine, used_keyphrases=frozenset(), prompt_keyphrases=None, *,
            candidates: Sequence[PublishedPost] = (), post_id: str = "",
            offers: tuple[LinkOffer, ...] | None = None, shortcodes: frozenset[str] | None = None,
            kses: KsesRules | None = None, author: YoastFields | None = None) -> Prepared:
    """extract → relate, and every refusal that needs no call (size, kses, no text); the author's focus
    keyphrase imposed and never "already used" for its own post. Arguments as ``rewrite_text``'s."""
    used_keyphrases = frozenset(used_keyphrases)
    too_long = (f"the draft is too long to rewrite: {{}} (rewrite.max_source_words is "
                f"{engine.max_source_words:,} words); split it or raise the limit")
    if len(content) > engine.max_source_words * _MAX_CHARS_PER_WORD:  # not even worth parsing
        return Prepared(None, used_keyphrases, prompt_keyphrases, too_long.format(f"{len(content):,} characters"),
                        "other")
    source = extract(content, title, shortcodes=shortcodes)
    if kses and (losses := [p for markup in source.protected.values() for p in kses_losses(markup, kses)]):
        return Prepared(source, used_keyphrases, prompt_keyphrases, (
            f"WordPress would strip {', '.join(dict.fromkeys(losses[:6]))} from this draft when the bot saves it "
            f"(its account has no unfiltered_html): remove them, or let an editor publish this draft by hand"),
            "wordpress")
    if offers is not None:
        source = replace(source, links=offers, post_id=post_id)
    elif candidates and source.words:
        source = replace(source, links=relate.offers(source, candidates, post_id=post_id), post_id=post_id)
    if source.words == 0:
        return Prepared(source, used_keyphrases, prompt_keyphrases, "the draft has no text", "other")
    kp = " ".join((author.focus_keyphrase if author else "").split())
    if kp:  # the author's choice: imposed on the model, and not "used before" by its own post
        source = replace(source, keyphrase=kp)
        used_keyphrases = frozenset(k for k in used_keyphrases if k.strip().lower() != kp.lower())
        if prompt_keyphrases is not None:
            prompt_keyphrases = [k for k in prompt_keyphrases if k.strip().lower() != kp.lower()]
    if source.words > engine.max_source_words:
        return Prepared(source, used_keyphrases, prompt_keyphrases, too_long.format(f"{source.words:,} words"),
                        "other")
    return Prepared(source, used_keyphrases, prompt_keyphrases)


def rewrite_text(title: str, content: str, engine: Engine, used_keyphrases=frozenset(),
                 wp_version: str = render.LATEST_WP, prompt_keyphrases=None,
                 admit: Callable[[Usage], str | None] | None = None, *,
                 candidates: Sequence[PublishedPost] = (), post_id: str = "", kept: KeptRewrite | None = None,
                 on_answer: Callable[[PromptInputs, PaidAnswer], None] = lambda i, a: None,
                 on_send: Callable[[int, Usage], None] = lambda step, estimate: None,
                 on_unanswered: Callable[[bool], None] = lambda maybe_billed: None,
                 offers: tuple[LinkOffer, ...] | None = None,
                 shortcodes: frozenset[str] | None = None, kses: KsesRules | None = None,
                 author: YoastFields | None = None) -> RewriteResult:
    """extract → relate (``prepare``) → rewrite (with checks and a bounded repair) → render. No WordPress
    involved; the block markup is the one ``wp_version``'s editor writes (the site's, when there is one).

    ``admit`` sees the worst-case cost of the calls before the first one and may refuse it (the
    daily budget): the draft is then given back, untouched and unpaid.
    ``candidates``: the site's published posts; the most related few are offered as internal links.
    ``kept``: the paid answers of an earlier try of this draft version, resumed instead of paid
    again; ``on_answer`` sees each new paid answer as it arrives (the ledger), ``on_send`` /
    ``on_unanswered`` each request before it leaves / ended without an answer (its write-ahead record).
    ``offers``: the links offered when the answer was asked for (a batch job's), used as they were.
    ``shortcodes``: the site's registered ones; ``kses``: what the bot's account may save (a draft with
    elements WordPress would strip fails before any call). ``author``: the Yoast fields the author set on
    the draft: a focus keyphrase is the article's (never "already used" for its own post); an SEO title
    or meta description is kept when it passes the checks with the new article.
    Raises AuthError / SettingsError: a refused key concerns every draft, not this one."""
    p = prepare(title, content, engine, used_keyphrases, prompt_keyphrases, candidates=candidates,
                post_id=post_id, offers=offers, shortcodes=shortcodes, kses=kses, author=author)
    if p.reason:
        return RewriteResult(None, None, Usage(), 0, p.reason, source=p.source, code=p.code)
    source, used_keyphrases, prompt_keyphrases = p.source, p.used_keyphrases, p.prompt_keyphrases
    kp = source.keyphrase  # the author's, imposed by prepare
    listed = used_keyphrases if prompt_keyphrases is None else prompt_keyphrases
    if admit and (why := admit(estimate_cost(source, engine.llm, min_words=engine.min_words,
                                             used_keyphrases=listed, max_repairs=engine.max_repairs))):
        return RewriteResult(None, None, Usage(), 0, why, source=source, deferred=True, code="budget")
    checker = partial(judge, min_words=engine.min_words, used_keyphrases=used_keyphrases, mode=engine.mode,
                      wp_version=wp_version)
    if kp:  # every answer is judged (and pushed) with the author's keyphrase, whatever the model wrote
        checker = partial(lambda a, s, judge_: judge_(a.model_copy(update={"focus_keyphrase": kp}), s),
                          judge_=checker)
    listed = used_keyphrases if prompt_keyphrases is None else prompt_keyphrases
    inputs = kept.inputs if kept else PromptInputs(engine.min_words, tuple(sorted(
        {k.strip() for k in listed if k.strip()})))
    result = rewrite(
        source, engine.llm, check=checker, min_words=engine.min_words,
        used_keyphrases=used_keyphrases, max_repairs=engine.max_repairs, prompt_keyphrases=prompt_keyphrases,
        kept=kept, on_answer=partial(on_answer, inputs), context_tokens=engine.context_tokens,
        max_tokens=engine.max_tokens, on_send=on_send, on_unanswered=on_unanswered,
    )
    if result.article is None:
        return replace(result, source=source)
    article, report, kept_fields = _authors_fields(result.article, result.report, source, author, checker)
    return replace(result, article=article, report=report, source=source, author_fields=tuple(kept_fields))


# The checks an author's SEO title or meta description must pass, with the new article, to be kept.
_AUTHOR_CHECKS = {"seo_title": ("seo_title_keyphrase", "seo_title_width"),
                  "meta_description": ("metadesc_length", "metadesc_keyphrase")}


def _authors_fields(article: Article, report: Report, source: Source, author: YoastFields | None,
                    checker) -> tuple[Article, Report, list[str]]:
    """The author's focus keyphrase always; their SEO title and meta description when the checks pass
    with them on the new article (else the model's, which passed). Returns what was kept."""
    kept: list[str] = []
    if source.keyphrase:
        article = article.model_copy(update={"focus_keyphrase": source.keyphrase})
        kept.append("focus_keyphrase")
    for field_name, value in (("seo_title", author.seo_title if author else ""),
                              ("meta_description", author.meta_description if author else "")):
        value = " ".join(value.split())
        if not value or value == getattr(article, field_name):
            continue
        candidate = article.model_copy(update={field_name: value})
        trial = checker(candidate, source)
        if trial.passed and all(f.ok for f in trial.findings if f.code in _AUTHOR_CHECKS[field_name]):
            article, report = candidate, trial
            kept.append(field_name)
    return article, report, kept


Version = tuple[str, str, str]  # (site, post_id, source_hash): one draft version


class Ledger(Protocol):
    """Every paid answer, written the moment it arrives, kept until its draft version is pushed or
    abandoned (the daemon's job log). A batch result is recorded the same way (``mode="batch"``).

    Write-ahead: ``sending`` records each request before it leaves (with its worst-case cost); ``paid``
    closes it with its answer, in one transaction; ``unanswered`` closes it when no answer came, as
    unbilled or as "cut short: billed or not, unknown". A record a dead process left open is cut short too."""

    def sending(self, version: Version, step: int, estimate: Usage) -> None: ...
    def paid(self, version: Version, inputs: PromptInputs, answer: PaidAnswer) -> None: ...
    def unanswered(self, version: Version, maybe_billed: bool) -> None: ...
    def kept(self, version: Version) -> KeptRewrite | None: ...
    def settle(self, version: Version, how: str) -> None: ...  # "pushed" | "abandoned"
    def kept_versions(self, site: str) -> list[Version]: ...  # versions whose paid answers are still kept
    def transient_failures(self, version: Version) -> tuple[int, float]: ...  # count, unix time of the last


class NoLedger:
    """Keeps nothing (the ``rewrite`` command, tests of one pass): each try pays its own answers."""

    def sending(self, version: Version, step: int, estimate: Usage) -> None:
        pass

    def paid(self, version: Version, inputs: PromptInputs, answer: PaidAnswer) -> None:
        pass

    def unanswered(self, version: Version, maybe_billed: bool) -> None:
        pass

    def kept(self, version: Version) -> KeptRewrite | None:
        return None

    def settle(self, version: Version, how: str) -> None:
        pass

    def kept_versions(self, site: str) -> list[Version]:
        return []

    def transient_failures(self, version: Version) -> tuple[int, float]:
        return 0, 0.0


def retry_wait(engine: Engine, ledger: Ledger, version: Version, now: float) -> str | None:
    """Why a version Mistral failed before must wait (backoff doubling per failure), else None."""
    count, last = ledger.transient_failures(version)
    if not count or count >= engine.max_transient:
        return None
    due = last + engine.retry_backoff_s * 2 ** (count - 1)
    if now >= due:
        return None
    return (f"Mistral failed this version {count} time(s); next try after "
            f"{time.strftime('%H:%M:%S', time.localtime(due))}")


#: How a batch-mode pass's outcome for a draft sent to Mistral begins (``Outcome.batched`` says it is one).
SENT_IN_BATCH = "sent in batch job"


@dataclass
class PassReport:
    site: str
    outcomes: list[Outcome] = field(default_factory=list)
    ignored: int = 0  # drafts not opted in
    refused: int = 0  # queued drafts not started: budget, max posts, stopping, a refused key
    stopped: str = ""  # why the pass did not run or stopped early (switch off, budget)
    switched_off: bool = False  # the site's admin switched the sync off: the pass did not run, by choice
    batched: int = 0  # batch mode: drafts sent in a Batch API job this pass (their outcome comes later)

    def count(self, result: str) -> int:
        return sum(1 for o in self.outcomes if o.result == result)

    @property
    def skipped(self) -> list[Outcome]:
        """THE definition of "skipped", used by this line, the job log's pass row, status and /metrics:
        every opted-in draft this pass left for later (selection, refusals, conflicts), counted once
        per pass; drafts sent in a batch job are counted apart."""
        return [o for o in self.outcomes if o.result == "skipped" and not o.batched]

    def total_line(self) -> str:
        tail = f"; {self.stopped}" if self.stopped else ""
        sent = f", {self.batched} sent in a batch job" if self.batched else ""
        refreshed = f", {self.count('refreshed')} refreshed (proposals)" if self.count("refreshed") else ""
        return (f"{self.site}: {self.count('rewritten')} rewritten{refreshed}, {len(self.skipped)} skipped, "
                f"{self.count('failed')} failed{sent}, {self.ignored} not opted in{tail}")


def process_draft(wp: WordPressGateway, draft: Draft, engine: Engine, info: SiteInfo, *,
                  daemon_id: str, prompt_keyphrases=None, admit: Callable[[Usage], str | None] | None = None,
                  candidates: Sequence[PublishedPost] = (), ledger: Ledger | None = None,
                  on_paid: Callable[[Usage], None] = lambda u: None,
                  offers: tuple[LinkOffer, ...] | None = None) -> Outcome:
    """rewrite → check → render → push, for a draft this daemon has just claimed.

    Every paid answer goes to ``ledger`` (and ``on_paid``) as it arrives; a version with kept
    answers resumes from them, so a try cut short (failed repair call, WordPress down at the push,
    a kill) never pays its first answer twice. ``prompt_keyphrases``: see ``rewrite``."""
    started = time.monotonic()
    ledger = ledger or NoLedger()
    version: Version = (wp.site, draft.post_id, draft.hash)
    out = partial(Outcome, wp.site, draft.post_id, source_hash=draft.hash, model=engine.model, attempted=True)
    elapsed = lambda: round(time.monotonic() - started, 3)  # noqa: E731

    def answered(inputs: PromptInputs, answer: PaidAnswer) -> None:
        ledger.paid(version, inputs, answer)
        on_paid(answer.usage)

    sent: list[Usage] = []  # the estimate of the request in flight, if any

    def sending(step: int, estimate: Usage) -> None:
        ledger.sending(version, step, estimate)
        sent[:] = [estimate]

    def unanswered(maybe_billed: bool) -> None:
        ledger.unanswered(version, maybe_billed)
        if maybe_billed and sent:  # the budget never undercounts: a request perhaps billed counts in full
            on_paid(sent[0])

    try:
        kept = ledger.kept(version)
        r = rewrite_text(draft.title, draft.content, engine, info.used_keyphrases, info.wp_version,
                         prompt_keyphrases, admit, candidates=candidates, post_id=draft.post_id, kept=kept,
                         on_answer=answered, on_send=sending, on_unanswered=unanswered, offers=offers,
                         shortcodes=info.shortcodes, kses=info.kses, author=authors_fields(draft))
    except (AuthError, SettingsError) as e:
        _release(wp, draft, daemon_id, str(e))
        raise
    except Exception as e:  # noqa: BLE001 — a parser error, a recursion bomb, a bug: this draft fails alone
        log.exception("post %s: could not be processed", draft.post_id)
        reason = f"this draft could not be processed ({type(e).__name__}: {str(e)[:200]})"
        _record_failure(wp, draft, reason, engine.model, daemon_id, Usage())
        return out("failed", reason, seconds=elapsed(), code="other")
    if r.deferred:  # refused before any call (budget): given back untouched
        _release(wp, draft, daemon_id, r.reason)
        return out("skipped", r.reason, seconds=elapsed(), code=r.code)
    total = r.resumed + r.usage  # what this version has cost, over every try
    if r.retry:  # not the draft's fault: the next pass tries the same version again, a bounded number of times
        if r.unusable:
            ledger.settle(version, "abandoned")
        tries = ledger.transient_failures(version)[0] + 1
        if tries < engine.max_transient:
            _release(wp, draft, daemon_id, r.reason)
            return out("failed", f"{r.reason}; retried later (try {tries} of {engine.max_transient})",
                       usage=r.usage, seconds=elapsed(), again="mistral", retry=True, code=r.code)
        r = replace(r, reason=f"{r.reason} (Mistral failed this version {tries} times)")
    if not r.ok:
        ledger.settle(version, "abandoned")
        wp.record(draft.post_id, failure_state(draft, r.reason, model=engine.model, daemon_id=daemon_id,
                                               usage=total, report=r.report), daemon_id)
        return out("failed", r.reason, usage=r.usage, seconds=elapsed(), code=r.code)
    scores = predict_scores(r.report, r.html, r.article.focus_keyphrase, info.home_url, info.yoast_version)
    update = build_update(draft, r.article, r.html, r.report, total, model=engine.model,
                          daemon_id=daemon_id, words=r.words, links=r.links, author_fields=list(r.author_fields),
                          scores=(scores.seo, scores.readability))
    try:
        wp.push(draft, update, daemon_id)
    except ContentAltered as e:
        # WordPress cut something of the article on save (kses, for an account without unfiltered_html):
        # the same answer would be cut again, so this version fails, saying what was lost.
        ledger.settle(version, "abandoned")
        reason = altered_reason(update.content, e)
        if e.rolled_back:  # the plugin undid the write: the draft is as it was, still ours to record on
            _record_failure(wp, draft, reason, engine.model, daemon_id, total)
        else:
            log.warning("post %s: %s", draft.post_id, reason)
        return out("failed", reason, usage=r.usage, seconds=elapsed(), code=e.code)
    except Conflict as e:
        # Someone saved the draft while we worked: their edit wins, we try the new version next pass.
        ledger.settle(version, "abandoned")
        _release(wp, draft, daemon_id, str(e))
        return out("skipped", f"not pushed: {e}", usage=r.usage, seconds=elapsed(), code=e.code)
    except WordPressError as e:  # the site is down: the answers stay kept, the next pass pushes them
        return out("failed", f"not pushed: {e}; the kept answer is pushed next pass", usage=r.usage,
                   seconds=elapsed(), again="wordpress", code=e.code)
    ledger.settle(version, "pushed")
    resumed = f", resumed from {r.resumed.calls} kept answer(s)" if r.resumed.calls else ""
    added = f", {len(r.links)} internal link{'s' if len(r.links) > 1 else ''}" if r.links else ""
    done = ("refreshed", "proposal for the published post, ") if draft.kind == "refresh" else ("rewritten", "")
    return out(done[0], f"{done[1]}keyphrase “{r.article.focus_keyphrase}”, {r.words} words{added}{resumed}",
               usage=r.usage, seconds=elapsed())


def listing(wp: WordPressGateway, info: SiteInfo) -> Iterator[DraftSummary]:
    """The drafts, then (when the site's admin allows it) the published posts opted in for a refresh: one
    more listing request per pass, and the same calls per post as a draft."""
    yield from wp.list_drafts()
    if info.refresh_enabled:
        yield from wp.list_refresh()


def altered_reason(sent: str, e: ContentAltered) -> str:
    """Why a push whose stored content is not the article sent failed, naming the first element lost."""
    lost = first_difference(sent, e.stored) if e.stored else ""
    where = ("the draft is left as it was" if e.rolled_back else
             "the post holds what WordPress stored: compare it with the draft before approving")
    return (f"WordPress did not store the article as sent ({lost or e}); the site's rules for the bot's account "
            f"(kses, no unfiltered_html) cut it on save; {where}")


def authors_fields(draft: Draft) -> YoastFields:
    """The Yoast fields the author set on the draft. Values the bot itself wrote (a rewrite sent back to
    draft keeps them, with our state naming the keyphrase) are not the author's."""
    fields = YoastFields(draft.meta_value(YOAST_TITLE), draft.meta_value(YOAST_METADESC),
                         draft.meta_value(YOAST_FOCUSKW))
    try:
        ours = BridgeState.model_validate_json(draft.meta_value(STATE_KEY) or "{}")
    except ValueError:
        return fields
    if ours.state in ("rewritten", "approved") and ours.keyphrase.strip().lower() == \
            fields.focus_keyphrase.strip().lower():
        return YoastFields("", "", "")
    return fields


def _record_failure(wp: WordPressGateway, draft: Draft, reason: str, model: str, daemon_id: str,
                    usage: Usage) -> None:
    """The draft's failure, recorded on the post (which also ends our claim); else the claim expires."""
    try:
        wp.record(draft.post_id, failure_state(draft, reason, model=model, daemon_id=daemon_id, usage=usage),
                  daemon_id)
    except WordPressError as e:
        log.warning("post %s: could not record its failure: %s", draft.post_id, e)


def _release(wp: WordPressGateway, draft: Draft, daemon_id: str, reason: str) -> None:
    try:
        wp.record(draft.post_id, release_state(draft, daemon_id=daemon_id, reason=reason), daemon_id)
    except WordPressError as e:  # the claim simply expires
        log.warning("post %s: could not release claim: %s", draft.post_id, e)


@dataclass(frozen=True)
class PassSettings:
    """How one daemon works on one site: whose drafts (the opt-in, unless the plugin's settings name
    theirs), how long a draft must rest, how many drafts a pass starts and how they are claimed."""

    daemon_id: str
    opt_in: str  # "tag" | "all" (the plugin's setting wins)
    opt_in_tag: str
    quiet: timedelta  # a draft edited more recently than this is left for a later pass
    claim_ttl_s: int = 1800  # a claim WordPress lets expire: a killed daemon's drafts come back
    max_posts: int | None = None  # drafts started per pass
    claim_batch: int = 1  # drafts claimed per WordPress request (a round)
    max_claimed: int | None = None  # claimed and unfinished at once (default: one round)


def run_pass(wp: WordPressGateway, engine: Engine, settings: PassSettings, *, budget: Budget | None = None,
             executor: Executor | None = None, ledger: Ledger | None = None,
             link_candidates: Callable[[], Sequence[PublishedPost]] | None = None,
             on_outcome: Callable[[Outcome], None] = lambda o: None,
             on_done: Callable[[Outcome], None] = lambda o: None, stop: Callable[[], bool] = lambda: False,
             now: datetime | None = None) -> PassReport:
    """One pass over one site: select → claim → process → notify. Raises WordPressError when the site
    cannot be worked on at all.

    Drafts are claimed a round at a time just ahead of the workers (``claims.Claimer``) and processed on
    ``executor``. ``on_done`` sees each claimed (or refused) draft's outcome the moment it is known, on
    that thread: the job log writes its row right after the push. ``on_outcome`` sees every outcome, in
    selection order. ``link_candidates`` gives the site's published posts (internal-link candidates),
    asked once and only when a draft is to be rewritten: a quiet pass costs no listing. ``ledger`` keeps
    every paid answer (see :class:`Ledger`)."""
    report, ledger, budget = PassReport(wp.site), ledger or NoLedger(), budget or Unlimited()
    emit = partial(_emit, report, on_outcome)
    info = wp.site_info()
    if not info.sync_enabled:
        report.stopped, report.switched_off = "sync is switched off in WordPress (Settings → SEO Bridge)", True
        return report
    todo = _select(wp, info, engine, settings, ledger, report, emit, on_done, now)
    candidates = _candidates(wp, link_candidates) if todo else ()
    gate = Gate(settings.max_posts, budget, stop)

    def done(o: Outcome, admitted: bool = False) -> Outcome:
        budget.finish(o.usage, admitted=admitted)
        try:
            on_done(o)
        except Exception:  # bookkeeping must never lose the outcome itself
            log.exception("recording the outcome of post %s failed", o.post_id)
        return o

    def process(draft: Draft) -> Outcome:  # on a worker thread
        return done(*_process_claimed(wp, draft, engine, info, gate, settings.daemon_id, stop=stop, budget=budget,
                                      candidates=candidates, ledger=ledger))

    claimer = Claimer(wp, daemon_id=settings.daemon_id, ttl_s=settings.claim_ttl_s, batch=settings.claim_batch,
                      model=engine.model)
    for o in claimer.run(todo, gate, process, refused=done, executor=executor, max_claimed=settings.max_claimed):
        emit(o)
    report.stopped, report.refused = gate.stopped, gate.refused
    _notify(wp, report.count("rewritten") + report.count("refreshed"))
    return report


def _select(wp: WordPressGateway, info: SiteInfo, engine: Engine, settings: PassSettings, ledger: Ledger,
            report: PassReport, emit: Callable[[Outcome], None], on_done: Callable[[Outcome], None],
            now: datetime | None) -> list[DraftSummary]:
    """The drafts to rewrite now, in order; the others are counted (not opted in) or skipped with why."""
    if info.can_publish:
        log.warning("%s: the daemon's account can publish posts; a role without publish_posts "
                    "(seo_bridge_bot) makes 'never publishes' a property of WordPress", wp.site)
    rule = Rule(opt_in=info.opt_in or settings.opt_in, tag=info.opt_in_tag or settings.opt_in_tag,
                quiet=settings.quiet, daemon_id=settings.daemon_id)
    decisions: list[Decision] = select(listing(wp, info), rule, now or datetime.now(timezone.utc))
    _forget_gone_versions(wp.site, decisions, engine, ledger, emit, on_done)
    todo: list[DraftSummary] = []
    for d in decisions:
        if d.action == "ignore":
            report.ignored += 1
        elif d.action == "skip":
            emit(Outcome(wp.site, d.summary.post_id, "skipped", d.reason, d.summary.content_hash, code=d.code))
        elif wait := retry_wait(engine, ledger, (wp.site, d.summary.post_id, d.summary.content_hash), time.time()):
            # A backoff after Mistral failed this version: no code of its own (the failure was counted).
            emit(Outcome(wp.site, d.summary.post_id, "skipped", wait, d.summary.content_hash, code="other"))
        else:
            todo.append(d.summary)
    return todo


def _process_claimed(wp: WordPressGateway, draft: Draft, engine: Engine, info: SiteInfo, gate: Gate,
                     daemon_id: str, *, stop: Callable[[], bool], budget: Budget,
                     candidates: Sequence[PublishedPost], ledger: Ledger) -> tuple[Outcome, bool]:
    """``process_draft`` on a claimed draft, never raising: whatever goes wrong, the other drafts go on.
    Returns its outcome and whether the budget admitted it (told back to the budget when it ends)."""
    admitted = False

    def admit(estimate: Usage) -> str | None:  # this draft's admission
        nonlocal admitted
        why = budget.admit(estimate)
        admitted = why is None
        return why

    try:
        if stop():  # claimed in the last round, not started: give it back untouched
            _release(wp, draft, daemon_id, "the daemon stopped before starting this draft")
            o = Outcome(wp.site, draft.post_id, "skipped", "stopping: claim released", draft.hash,
                        model=engine.model, attempted=True, code="stopping")
        else:
            o = process_draft(wp, draft, engine, info, daemon_id=daemon_id, admit=admit,
                              candidates=candidates, ledger=ledger, on_paid=budget.charge)
    except Exception as e:  # noqa: BLE001 — whatever went wrong, the other drafts go on
        if isinstance(e, (AuthError, SettingsError)):
            gate.halt(f"Mistral refused the request: {e}")
        o = claimed_failure(wp, draft, engine, daemon_id, e)
    return o, admitted


def claimed_failure(wp: WordPressGateway, draft: Draft, engine: Engine, daemon_id: str, e: Exception, *,
                    usage: Usage = Usage()) -> Outcome:
    """The failure of a claimed draft on an error its story let through (a synchronous pass's or a batch
    answer's): a WordPress error or Mistral's refusal of the key, in its own words; anything else is a bug,
    logged and recorded on the post. ``usage`` (a batch answer's cost) goes on a WordPress error's outcome
    and on a bug's record."""
    fail = partial(Outcome, wp.site, draft.post_id, "failed", source_hash=draft.hash, model=engine.model,
                   attempted=True)
    if isinstance(e, WordPressError):  # even a Conflict here (the claim lost while recording): WordPress failed it
        return fail(str(e), usage=usage, code="wordpress")
    if isinstance(e, (AuthError, SettingsError)):
        return fail(str(e), code=e.code)
    log.exception("post %s: unexpected error", draft.post_id)
    reason = f"unexpected error ({type(e).__name__}: {str(e)[:200]})"
    _record_failure(wp, draft, reason, engine.model, daemon_id, usage)
    return fail(reason, code="other")


def _candidates(wp: WordPressGateway, provide: Callable[[], Sequence[PublishedPost]] | None) -> Sequence[PublishedPost]:
    """The site's published posts; without them the drafts are still rewritten, without internal links."""
    if provide is None:
        return ()
    try:
        return provide()
    except WordPressError as e:
        log.warning("%s: published posts not listed, no internal links this pass: %s", wp.site, e)
        return ()


def _forget_gone_versions(site: str, decisions: list[Decision], engine: Engine, ledger: Ledger,
                          emit: Callable[[Outcome], None], on_done: Callable[[Outcome], None]) -> None:
    """Kept answers of a version no longer among the opted-in drafts (edited, pending, published, trashed)
    can never be used: settled, with a final outcome. The usual case is a push that reached WordPress while
    an outage cut its answer (the post is pending now): WordPress holds that rewrite, the job log says why
    it could not confirm it."""
    listed = {(site, d.summary.post_id, d.summary.content_hash) for d in decisions}
    for version in ledger.kept_versions(site):
        if version in listed:
            continue
        ledger.settle(version, "abandoned")
        o = Outcome(site, version[1], "skipped", "no longer this draft version (edited, or already pushed when an "
                    "outage cut the answer): its kept answers are not used", version[2], model=engine.model,
                    attempted=True, code="other")
        emit(o)
        on_done(o)


def _notify(wp: WordPressGateway, rewritten: int) -> None:
    """One e-mail per pass to the site's editors, listing what the plugin's guard stored (never a list of
    ours); a failure here is logged, never fatal: the plugin keeps the posts for the next pass's e-mail."""
    if not rewritten:
        return
    try:
        wp.notify()
    except WordPressError as e:
        log.warning("%s: could not notify editors about %d pending post(s): %s", wp.site, rewritten, e)


def _emit(report: PassReport, on_outcome: Callable[[Outcome], None], o: Outcome) -> None:
    report.outcomes.append(o)
    on_outcome(o)
