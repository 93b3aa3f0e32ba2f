"""Fixtures every test folder may use."""
from __future__ import annotations

import pytest

from tests.hostile import HostileServer, lan_address


@pytest.fixture
def hostile():
    """A hostile HTTP server on 127.0.0.1 (see tests/hostile.py)."""
    server = HostileServer()
    yield server
    server.stop()


@pytest.fixture
def hostile_remote():
    """The same, on this machine's non-loopback address: what another host looks like to our rules."""
    server = HostileServer(lan_address())
    yield server
    server.stop()
