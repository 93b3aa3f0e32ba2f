"""Fixtures of the integration tests (the WordPress and stand-in ones are in tests/conftest.py)."""
from __future__ import annotations

import pytest

from tests.support.daemon import DaemonProcess


@pytest.fixture(params=["xmlrpc", "rest"])
def transport(request) -> str:
    """Runs the test once per transport."""
    return request.param


@pytest.fixture
def daemons():
    """Daemon subprocesses started by ``support.daemon.start``: killed after the test if still running."""
    started: list[DaemonProcess] = []
    yield started
    for d in started:  # a failed test never leaves a daemon behind
        if d.proc.poll() is None:
            d.proc.kill()
            d.proc.wait(10)
