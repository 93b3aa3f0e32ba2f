"""Scheduling rules (no server): triggers and misfire grace."""
from __future__ import annotations

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from wp_seo_bridge.config import ConfigError, parse
from wp_seo_bridge.daemon.scheduler import CRON_GRACE_S, trigger_for


def site(**kw):
    site = {"name": "s", "url": "https://s.example", "user": "bot", "password_env": "X", **kw}
    return parse({"sites": [site]}).sites[0]


def test_interval_sites_run_at_start_and_tolerate_one_interval_of_lateness():
    trigger, grace, first_now = trigger_for(site(interval_minutes=15))
    assert isinstance(trigger, IntervalTrigger) and trigger.interval.total_seconds() == 900
    assert grace == 900 and first_now


def test_cron_sites_keep_to_their_schedule():
    trigger, grace, first_now = trigger_for(site(cron="30 2 * * *"))
    assert isinstance(trigger, CronTrigger) and grace == CRON_GRACE_S and not first_now


def test_a_bad_cron_is_a_config_error_naming_the_site():
    with pytest.raises(ConfigError, match=r"site 's': cron: .*\*/15"):
        trigger_for(site(cron="every day"))


def test_the_test_override_beats_both():
    trigger, grace, first_now = trigger_for(site(cron="30 2 * * *"), interval_seconds=0.5)
    assert isinstance(trigger, IntervalTrigger) and trigger.interval.total_seconds() == 0.5 and grace == 1
