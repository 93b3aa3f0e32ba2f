"""Selection decides from the listing alone: no WordPress call per unchanged draft."""
from datetime import datetime, timedelta, timezone

import pytest

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


# --- refreshes of published posts (kind="refresh": the plugin listed them as opted in) ---------------------


def live(**kw) -> DraftSummary:
    return summary(**{"status": "publish", "kind": "refresh", "tags": (), **kw})


def test_a_listed_published_or_scheduled_post_is_refreshed_without_the_tag():
    for status in ("publish", "future"):
        assert decide(live(status=status), RULE, NOW).action == "rewrite"


def test_one_proposal_per_live_version():
    d = decide(live(state=state(state="rewritten")), RULE, NOW)
    assert d.action == "skip" and "waits for review" in d.reason
    # The live post edited since: the stale proposal is replaced by a new one.
    assert decide(live(content_hash="h2", state=state(state="rewritten")), RULE, NOW).action == "rewrite"


def test_an_approved_refresh_is_ours_and_a_rejected_or_rolled_back_version_is_left_alone():
    d = decide(live(content_hash="h9", state=state(state="approved", result_hash="h9")), RULE, NOW)
    assert d.action == "skip" and "approved refresh" in d.reason
    d = decide(live(state=state(state="rejected")), RULE, NOW)
    assert d.action == "skip" and "Refresh SEO" in d.reason
    # Tag mode does not make a rejected refresh eligible again (a draft's Reject removes its tag; a live post keeps it).
    assert decide(live(tags=("seo-bridge",), state=state(state="rejected")), RULE, NOW).action == "skip"
    assert decide(live(content_hash="h2", state=state(state="rejected")), RULE, NOW).action == "rewrite"


def test_a_refresh_waits_for_another_daemons_claim_an_editor_and_the_quiet_period():
    claim = state(state="claimed", by="other", claim_until="2026-11-28T13:00:00Z")
    assert decide(live(state=claim), RULE, NOW).action == "skip"
    assert decide(live(state=claim.model_copy(update={"claim_until": "2026-11-28T11:00:00Z"})), RULE, NOW).action \
        == "rewrite"
    assert decide(live(locked_by=3), RULE, NOW).action == "skip"
    assert decide(live(modified_gmt=NOW - timedelta(minutes=1)), RULE, NOW).action == "skip"


ALL_DRAFTS = Rule("all-drafts", "seo-bridge", RULE.quiet, "me")
CLAIM = state(state="claimed", by="other", claim_until="2026-11-28T13:00:00Z")


@pytest.mark.parametrize("listed,rule,code", [
    (summary(modified_gmt=NOW - timedelta(minutes=2)), RULE, "quiet"),
    (summary(locked_by=3), RULE, "editing"),
    (summary(state=CLAIM), RULE, "claimed"),
    (summary(state=state(state="rejected")), ALL_DRAFTS, "rejected"),
    (summary(state=state(state="failed", reason="not pushed: open in the editor")), RULE, "handled"),
    (summary(content_hash="r1", state=state(state="rewritten", result_hash="r1")), RULE, "handled"),
    (live(modified_gmt=NOW - timedelta(minutes=1)), RULE, "quiet"),
    (live(locked_by=3), RULE, "editing"),
    (live(state=CLAIM), RULE, "claimed"),
    (live(state=state(state="rejected")), RULE, "rejected"),
    (live(state=state(state="rewritten")), RULE, "handled"),
    (live(state=state(state="failed")), RULE, "handled"),
    (live(content_hash="h9", state=state(state="approved", result_hash="h9")), RULE, "handled"),
])
def test_each_skip_names_its_reason_code(listed, rule, code):
    """The /metrics label comes with the decision, whatever its words (a failed version's reason may say
    "open in the editor": it is still a version already handled)."""
    d = decide(listed, rule, NOW)
    assert (d.action, d.code) == ("skip", code)
