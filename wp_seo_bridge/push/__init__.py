"""Push: what one accepted rewrite writes back to WordPress, as a single guarded edit.

Builds the :class:`PostUpdate` (pure); the gateway sends it. The post goes to Pending Review, never
further: publishing is an editor's act (and the bot role cannot publish anyway).
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

from ..gateways.wordpress.base import PostUpdate
from ..markup.stored import fingerprint
from ..model import (
    PREVIOUS_KEY,
    STATE_KEY,
    YOAST_KEYS,
    YOAST_READABILITY_SCORE,
    YOAST_SEO_SCORE,
    Article,
    BridgeState,
    Draft,
    Report,
    Usage,
    YoastFields,
    source_hash,
)


def now_iso(now: datetime | None = None) -> str:
    return (now or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_update(
    draft: Draft, article: Article, html: str, report: Report, usage: Usage, *,
    model: str, daemon_id: str, words: int, now: datetime | None = None, links: list[dict] | None = None,
    author_fields: list[str] | None = None,
    scores: tuple[int, int] | None = None,
) -> PostUpdate:
    """``scores``: (SEO, readability), what Yoast's editor will rate the article, stored as Yoast's own score
    meta so its Posts list shows the dots before anyone opens the post."""
    yoast = YoastFields(article.seo_title, article.meta_description, article.focus_keyphrase)
    state = BridgeState(
        state="rewritten", source_hash=draft.hash, result_hash=source_hash(article.title, html),
        at=now_iso(now), by=daemon_id, model=model, keyphrase=article.focus_keyphrase, words=words,
        calls=usage.calls, tokens_in=usage.tokens_in, tokens_out=usage.tokens_out, cost_eur=usage.billed_eur,
        standin_calls=usage.standin, unpriced_calls=usage.unpriced,
        report=report.as_list(), links=list(links or ()), author_fields=list(author_fields or ()),
    )
    # Revisions keep neither post meta nor the slug: remember what we replace, for Reject.
    previous = {k: draft.meta_value(k) for k in YOAST_KEYS}
    meta = {
        **yoast.as_meta(),
        STATE_KEY: state.model_dump_json(),
        PREVIOUS_KEY: json.dumps({"yoast": previous, "post_name": draft.slug}, ensure_ascii=False),
    }
    yoast_scores = {YOAST_SEO_SCORE: str(scores[0]), YOAST_READABILITY_SCORE: str(scores[1])} if scores else {}
    return PostUpdate(title=article.title, content=html, slug=article.slug, meta=meta, scores=yoast_scores,
                      fingerprint=fingerprint(html))


def failure_state(draft: Draft, reason: str, *, model: str, daemon_id: str, usage: Usage,
                  report: Report | None = None, now: datetime | None = None) -> BridgeState:
    return BridgeState(
        state="failed", source_hash=draft.hash, at=now_iso(now), by=daemon_id, model=model,
        reason=reason[:500], calls=usage.calls, tokens_in=usage.tokens_in, tokens_out=usage.tokens_out,
        cost_eur=usage.billed_eur, standin_calls=usage.standin, unpriced_calls=usage.unpriced,
        report=report.as_list() if report else [],
    )


def release_state(draft: Draft | str, *, daemon_id: str, reason: str, now: datetime | None = None) -> BridgeState:
    """Gives a claimed draft version back (``draft`` or its source hash): the next pass may take it again."""
    source = draft if isinstance(draft, str) else draft.hash
    return BridgeState(state="released", source_hash=source, at=now_iso(now), by=daemon_id, reason=reason[:500])
