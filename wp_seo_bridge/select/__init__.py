"""Select: which drafts of a listing page get rewritten now, and why the others wait.

Pure: decided from the listing alone (status, tags, modified time, our bookkeeping, edit lock),
so a quiet pass costs one WordPress call per page and nothing per draft.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterable, Literal

from ..model import DraftSummary, ReasonCode


@dataclass(frozen=True)
class Rule:
    opt_in: Literal["tag", "all-drafts"]
    tag: str
    quiet: timedelta  # leave drafts alone while someone is still typing
    daemon_id: str


@dataclass(frozen=True)
class Decision:
    summary: DraftSummary
    action: Literal["rewrite", "skip", "ignore"]  # ignore = not opted in: not even reported
    reason: str = ""
    code: ReasonCode = ""  # a skip's reason code


def opted_in(summary: DraftSummary, rule: Rule) -> bool:
    return rule.opt_in == "all-drafts" or rule.tag.lower() in (t.lower() for t in summary.tags)


def decide(summary: DraftSummary, rule: Rule, now: datetime) -> Decision:
    if summary.kind == "refresh":
        return _decide_refresh(summary, rule, now)
    if summary.status != "draft":
        return Decision(summary, "ignore", f"status {summary.status}: only drafts are touched")
    if not opted_in(summary, rule):
        return Decision(summary, "ignore", "not opted in")
    st = summary.state
    if st is not None:
        h = summary.content_hash
        if st.state == "claimed":
            if st.by != rule.daemon_id and not _claim_expired(st.claim_until, now):
                return Decision(summary, "skip", f"being rewritten by {st.by} (claim until {st.claim_until})",
                                "claimed")
            # else: our own claim left by a crash, or an abandoned one: take it over
        elif st.state == "released":
            pass  # given back (Mistral unavailable, or an edit won the race): eligible again
        elif st.state == "rejected":
            # Tag mode: Reject removes the tag, so a tag present again is the author asking again.
            if rule.opt_in == "all-drafts":
                return Decision(summary, "skip", "rejected by an editor; use “Rewrite again” to ask once more",
                                "rejected")
        elif h and h == st.result_hash:
            return Decision(summary, "skip", "this is our own rewrite (moved back to draft): not rewritten again",
                            "handled")
        elif h and h == st.source_hash:
            why = f" ({st.reason}); edit the draft to retry" if st.state == "failed" else ""
            return Decision(summary, "skip", f"this version was already {st.state}{why}", "handled")
    if summary.locked_by:
        return Decision(summary, "skip", f"open in the editor (user {summary.locked_by})", "editing")
    if summary.modified_gmt and now - summary.modified_gmt < rule.quiet:
        minutes = (now - summary.modified_gmt).total_seconds() / 60
        return Decision(summary, "skip", f"edited {minutes:.0f} min ago; waiting until it is quiet", "quiet")
    return Decision(summary, "rewrite")


def _decide_refresh(summary: DraftSummary, rule: Rule, now: datetime) -> Decision:
    """A published or scheduled post the plugin listed as opted in for a refresh (tag or "Refresh SEO"): at most
    one proposal per live version. Its state is the live post's refresh bookkeeping."""
    st, h = summary.state, summary.content_hash
    if st is not None:
        if st.state == "claimed":
            if st.by != rule.daemon_id and not _claim_expired(st.claim_until, now):
                return Decision(summary, "skip", f"being rewritten by {st.by} (claim until {st.claim_until})",
                                "claimed")
        elif st.state == "released":
            pass
        elif h and h == st.result_hash:
            return Decision(summary, "skip", "this is our approved refresh: not rewritten again", "handled")
        elif h and h == st.source_hash:
            why = {"rewritten": "a refresh proposal of this version waits for review",
                   "rejected": "the refresh of this version was rejected (or rolled back); "
                               "use “Refresh SEO” to ask again",
                   "failed": f"this version's refresh failed ({st.reason}); edit the post or use “Refresh SEO”",
                   }.get(st.state, f"this version was already {st.state}")
            return Decision(summary, "skip", why, "rejected" if st.state == "rejected" else "handled")
        # else: the live post changed since (a stale proposal is replaced by a new one)
    if summary.locked_by:
        return Decision(summary, "skip", f"open in the editor (user {summary.locked_by})", "editing")
    if summary.modified_gmt and now - summary.modified_gmt < rule.quiet:
        minutes = (now - summary.modified_gmt).total_seconds() / 60
        return Decision(summary, "skip", f"edited {minutes:.0f} min ago; waiting until it is quiet", "quiet")
    return Decision(summary, "rewrite")


def _claim_expired(until: str, now: datetime) -> bool:
    try:
        end = datetime.fromisoformat(until.replace("Z", "+00:00"))
    except ValueError:
        return True
    return end <= now


def select(summaries: Iterable[DraftSummary], rule: Rule, now: datetime | None = None) -> list[Decision]:
    now = now or datetime.now(timezone.utc)
    return [decide(s, rule, now) for s in summaries]
