"""The daily budget: refusals say why, the day rolls at local midnight, a restart keeps today's spend."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from wp_seo_bridge.daemon.budget import DailyBudget
from wp_seo_bridge.daemon.joblog import JobLog
from wp_seo_bridge.model import Outcome, PaidAnswer, PromptInputs, Usage

PARIS = timezone(timedelta(hours=1))


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


class Source:
    """What the job log would say was spent since a time."""

    def __init__(self, tokens=0, eur=0.0, drafts=0):
        self.value = (tokens, eur, drafts)
        self.asked: list[float] = []

    def spent_since(self, epoch: float):
        self.asked.append(epoch)
        return self.value


def test_starts_until_the_token_budget_is_spent_and_says_so():
    b = DailyBudget(Source(), max_tokens=1000, max_eur=100, now=Clock(datetime(2026, 3, 2, 10, tzinfo=PARIS)))
    assert b.try_start() is None
    b.spend(Usage(1, 400, 200))
    assert b.try_start() is None
    b.spend(Usage(1, 300, 100))
    why = b.try_start()
    assert why and "daily token budget reached" in why and "1,000 tokens used today" in why
    assert "max_tokens_per_day" in why


def test_euro_budget():
    b = DailyBudget(Source(), max_tokens=10**9, max_eur=0.05, now=Clock(datetime(2026, 3, 2, 10, tzinfo=PARIS)))
    assert b.try_start() is None
    b.spend(Usage(1, 10, 10, 0.06))
    why = b.try_start()
    assert why and "daily cost budget reached" in why and "0.06 EUR" in why


def test_drafts_in_flight_count_at_todays_average_cost():
    b = DailyBudget(Source(), max_tokens=1000, max_eur=100, now=Clock(datetime(2026, 3, 2, 10, tzinfo=PARIS)))
    assert b.try_start() is None
    b.spend(Usage(1, 150, 150))  # average draft: 300 tokens
    assert b.try_start() is None  # 300 spent + 0 in flight
    assert b.try_start() is None  # 300 + 300
    assert b.try_start() is None  # 300 + 600
    assert b.try_start() is not None  # 300 + 900 would pass the limit: wait for those in flight
    assert b.in_flight == 3


def test_a_restart_reads_todays_spending_back():
    src = Source(tokens=5000, eur=1.5, drafts=3)
    clock = Clock(datetime(2026, 3, 2, 10, 30, tzinfo=PARIS))
    b = DailyBudget(src, max_tokens=5000, max_eur=100, now=clock)
    assert b.try_start() is not None
    assert src.asked == [datetime(2026, 3, 2, 0, 0, tzinfo=PARIS).timestamp()]  # local midnight


def test_a_new_day_starts_from_what_the_log_says_for_it():
    src = Source(tokens=5000, eur=1.5, drafts=3)
    clock = Clock(datetime(2026, 3, 2, 23, 59, tzinfo=PARIS))
    b = DailyBudget(src, max_tokens=5000, max_eur=100, now=clock)
    assert b.try_start() is not None
    clock.at = datetime(2026, 3, 3, 0, 1, tzinfo=PARIS)
    src.value = (0, 0.0, 0)
    assert b.try_start() is None
    assert len(src.asked) == 2


def test_with_the_real_job_log_spending_survives_a_restart(tmp_path):
    """Spending is read from the ledger (each paid answer), not from attempt rows: a try killed before
    its outcome was written still counts."""
    now = datetime.now().astimezone()
    log = JobLog.in_state_dir(tmp_path)
    inputs = PromptInputs(700)
    log.paid(("s", "1", "h1"), inputs, PaidAnswer(0, "{}", Usage(1, 300, 250, 0.005)))
    log.paid(("s", "1", "h1"), inputs, PaidAnswer(1, "{}", Usage(1, 300, 250, 0.005)))
    log.paid(("s", "2", "h2"), inputs, PaidAnswer(0, "{}", Usage(1, 200, 0, 0.001)))  # killed: no outcome row
    log.paid(("s", "3", "h3"), inputs, PaidAnswer(0, "{}", Usage(1, 9999, 0, 5.0)),
             at=(now - timedelta(days=2)).timestamp())
    log.record(Outcome("s", "1", "rewritten", usage=Usage(2, 600, 500, 0.01)))
    log.close()
    again = JobLog.in_state_dir(tmp_path)
    b = DailyBudget(again, max_tokens=1300, max_eur=100, now=lambda: now)
    assert b.try_start() is not None  # 1,300 tokens today; the older 9,999 do not count
    assert b.snapshot()["tokens"] == 1300 and b.drafts == 2


def test_a_paid_answer_is_charged_when_it_arrives_not_when_the_draft_ends():
    b = DailyBudget(Source(), max_tokens=1000, max_eur=100, now=Clock(datetime(2026, 3, 2, 10, tzinfo=PARIS)))
    assert b.try_start() is None
    b.charge(Usage(1, 600, 500))  # the draft is still in flight (its push may never happen)
    assert b.snapshot()["tokens"] == 1100 and b.snapshot()["in_flight"] == 1
    b.finish(Usage(1, 600, 500))
    assert b.snapshot()["tokens"] == 1100 and b.snapshot()["in_flight"] == 0
    assert "daily token budget reached" in b.try_start()


def test_before_any_average_drafts_in_flight_count_at_the_first_estimate():
    b = DailyBudget(Source(), max_tokens=10_000, max_eur=100, first_estimate=(4000, 0.01),
                    now=Clock(datetime(2026, 3, 2, 10, tzinfo=PARIS)))
    assert b.try_start() is None and b.try_start() is None and b.try_start() is None  # 0, 4000, 8000 in flight
    why = b.try_start()  # 12,000 expected: wait for real figures
    assert why and "3 draft(s) in flight" in why


def test_admit_counts_only_other_admitted_drafts_not_the_ones_claimed_and_queued():
    """CI's race: the next draft was started at the gate (claimed, queued) while the first one waited
    for its admission; counting it at the first estimate refused the first draft. A queued draft has
    paid nothing and passes admit itself later, after the charges of those before it."""
    b = DailyBudget(Source(), max_tokens=10_000, max_eur=100, first_estimate=(4000, 0.01),
                    now=Clock(datetime(2026, 3, 2, 10, tzinfo=PARIS)))
    assert b.try_start() is None and b.try_start() is None  # two claimed; the second waits its turn
    assert b.admit(Usage(2, 5000, 4000)) is None  # 9,000 fit; the queued one is not counted (was 13,000)
    b.charge(Usage(1, 3000, 2500))
    b.finish(Usage(1, 3000, 2500), admitted=True)
    why = b.admit(Usage(2, 5000, 4000))  # the queued one's turn: 5,500 spent + 9,000 do not fit
    assert why and "9,000 tokens" in why and "5,500 were used today" in why
    b.finish(Usage(), admitted=False)
    assert b.snapshot()["in_flight"] == 0 and b.snapshot()["admitted"] == 0


def test_admit_counts_the_other_admitted_drafts_not_finished_at_todays_average():
    b = DailyBudget(Source(tokens=3000, drafts=1), max_tokens=10_000, max_eur=100,
                    now=Clock(datetime(2026, 3, 2, 10, tzinfo=PARIS)))
    assert b.try_start() is None and b.try_start() is None and b.try_start() is None
    assert b.admit(Usage(2, 2000, 1000)) is None  # 3,000 + 3,000
    assert b.admit(Usage(2, 2000, 1000)) is None  # 3,000 + one running at 3,000 + 3,000
    assert b.admit(Usage(2, 2000, 1000)) is not None  # 3,000 + two running at 3,000 + 3,000 > 10,000
    b.finish(Usage(), admitted=True)  # one admitted draft ended without paying (it failed its checks early)
    assert b.admit(Usage(2, 2000, 1000)) is None
    assert b.snapshot()["admitted"] == 2
