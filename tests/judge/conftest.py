"""The Yoast judge (yoastseo 3.6.0 in Node), run once per session on every stand-in fixture.

The judge takes one article per call, so the calls run concurrently (tests/support/judge.py runs it).
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.judge import Case, judge_command, load_cases, run_judge


@pytest.fixture(scope="session")
def cases() -> list[Case]:
    return load_cases()


@pytest.fixture(scope="session")
def verdicts(cases) -> dict[str, dict]:
    """Judge report per fixture name, all fixtures judged concurrently."""
    command = judge_command()
    # The first call may install the judge's Node packages: do it alone, then the rest in parallel.
    first = run_judge(command, cases[0].judge_input())
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        rest = list(pool.map(lambda c: run_judge(command, c.judge_input()), cases[1:]))
    return {c.name: r for c, r in zip(cases, [first, *rest])}


def pytest_generate_tests(metafunc):
    """``case_name`` runs a test once per fixture with an article (good ones for ``good_case_name``)."""
    if "case_name" in metafunc.fixturenames or "good_case_name" in metafunc.fixturenames:
        all_cases = load_cases()
        if "case_name" in metafunc.fixturenames:
            metafunc.parametrize("case_name", [c.name for c in all_cases])
        if "good_case_name" in metafunc.fixturenames:
            metafunc.parametrize("good_case_name", [c.name for c in all_cases if c.kind == "good"])
