"""Selection decides from the listing alone: no WordPress call per unchanged draft."""
from datetime import datetime, timedelta, timezone

from wp_seo_bridge.model import BridgeState, DraftSummary
from wp_seo_bridge.select import Rule, decide

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
RULE = Rule(opt_in="tag", tag="seo-bridge", quiet=timedelta(minutes=5), daemon_id="me")


def summary(**kw) -> DraftSummary:
    base = dict(post_id="7", status="draft", modified_gmt=NOW - timedelta(hours=1), tags=("seo-bridge",),
                content_hash="h1", state=None, locked_by=None)
    return DraftSummary(**{**base, **kw})


def state(**kw) -> BridgeState:
    return BridgeState(**{"state": "failed", "source_hash": "h1", "at": "2026-11-28T10:00:00Z", **kw})


def test_an_opted_in_quiet_draft_is_rewritten():
    assert decide(summary(), RULE, NOW).action == "rewrite"


def test_not_opted_in_or_not_a_draft_is_ignored():
    assert decide(summary(tags=("other",)), RULE, NOW).action == "ignore"
    for status in ("publish", "pending", "private", "future", "trash"):
        assert decide(summary(status=status), RULE, NOW).action == "ignore"


def test_all_drafts_rule_and_case_insensitive_tag():
    assert decide(summary(tags=()), Rule("all-drafts", "seo-bridge", RULE.quiet, "me"), NOW).action == "rewrite"
    assert decide(summary(tags=("SEO-Bridge",)), RULE, NOW).action == "rewrite"


def test_recently_edited_or_locked_waits():
    d = decide(summary(modified_gmt=NOW - timedelta(minutes=2)), RULE, NOW)
    assert d.action == "skip" and "waiting until it is quiet" in d.reason
    d = decide(summary(locked_by=3), RULE, NOW)
    assert d.action == "skip" and "open in the editor" in d.reason


def test_same_version_is_never_rewritten_twice():
    d = decide(summary(state=state(state="failed", reason="too short")), RULE, NOW)
    assert d.action == "skip" and "too short" in d.reason
    # the author edited it since: a new version is eligible again
    assert decide(summary(content_hash="h2", state=state(state="failed")), RULE, NOW).action == "rewrite"


def test_our_own_rewrite_moved_back_to_draft_is_left_alone():
    d = decide(summary(content_hash="r1", state=state(state="rewritten", result_hash="r1")), RULE, NOW)
    assert d.action == "skip" and "our own rewrite" in d.reason


def test_claims_of_others_are_respected_until_they_expire():
    live = state(state="claimed", by="other", claim_until="2026-11-28T12:10:00Z")
    assert decide(summary(state=live), RULE, NOW).action == "skip"
    expired = state(state="claimed", by="other", claim_until="2026-11-28T11:50:00Z")
    assert decide(summary(state=expired), RULE, NOW).action == "rewrite"
    mine = state(state="claimed", by="me", claim_until="2026-11-28T12:10:00Z")
    assert decide(summary(state=mine), RULE, NOW).action == "rewrite"


def test_rejected_waits_for_the_author_to_ask_again():
    rejected = state(state="rejected")
    # tag mode: Reject removed the tag; the tag back on the draft is the request to try again
    assert decide(summary(state=rejected), RULE, NOW).action == "rewrite"
    assert decide(summary(state=rejected, tags=()), RULE, NOW).action == "ignore"
    all_drafts = Rule("all-drafts", "seo-bridge", RULE.quiet, "me")
    assert decide(summary(state=rejected), all_drafts, NOW).action == "skip"


def test_a_released_version_is_eligible_again():
    assert decide(summary(state=state(state="released")), RULE, NOW).action == "rewrite"
