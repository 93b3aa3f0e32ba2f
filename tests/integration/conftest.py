"""Fixtures of the integration tests (the WordPress and stand-in ones are in tests/conftest.py)."""
from __future__ import annotations

import pytest

from tests.support.daemon import DaemonProcess


@pytest.fixture(params=["xmlrpc", "rest"])
def transport(request) -> str:
    """Runs the test once per transport."""
    return request.param


@pytest.fixture
def no_php_errors(wp):
    """Fails the test if PHP logged a warning or an error during it (the log is the site's own)."""
    before = wp.php_error_log.stat().st_size if wp.php_error_log.exists() else 0
    yield
    if wp.php_error_log.exists():
        with wp.php_error_log.open() as f:
            f.seek(before)
            assert f.read() == ""


@pytest.fixture
def daemons():
    """Daemon subprocesses started by ``support.daemon.start``: killed after the test if still running."""
    started: list[DaemonProcess] = []
    yield started
    for d in started:  # a failed test never leaves a daemon behind
        if d.proc.poll() is None:
            d.proc.kill()
            d.proc.wait(10)
