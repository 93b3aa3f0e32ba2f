"""Fixtures every test folder may use; the helpers behind them are plain modules in tests/support/.

- ``hostile`` / ``hostile_remote``: a hostile HTTP server (tests/support/hostile.py).
- ``standin_server`` (session) / ``standin``: the OFFLINE Mistral stand-in, reset around each test
  (tests/support/standin.py builds gateways pointed at it).
- ``wp`` (session): the real local WordPress on ``WP_PORT`` as a ``LocalWordPress`` (tests/support/wordpress.py);
  ``reset``: the same, emptied (posts, tags, mails, plugin options; plugin, Yoast and XML-RPC back on);
  ``site``: emptied, with the plugin's sync switched on.
"""
from __future__ import annotations

import pytest

from tests.support.hostile import HostileServer, lan_address
from tests.support.standin import TEST_FIXTURES
from tests.support.wordpress import LocalWordPress, start_site
from wp_seo_bridge.standin import StandinHandle, start_in_thread


@pytest.fixture
def hostile():
    """A hostile HTTP server on 127.0.0.1 (see tests/support/hostile.py)."""
    server = HostileServer()
    yield server
    server.stop()


@pytest.fixture
def hostile_remote():
    """The same, on this machine's non-loopback address: what another host looks like to our rules."""
    server = HostileServer(lan_address())
    yield server
    server.stop()


@pytest.fixture(scope="session")
def standin_server():
    handle = start_in_thread(fixtures_dirs=[TEST_FIXTURES])
    yield handle
    handle.stop()


@pytest.fixture
def standin(standin_server: StandinHandle):
    standin_server.reset()
    yield standin_server
    standin_server.reset()


@pytest.fixture(scope="session")
def wp() -> LocalWordPress:
    return start_site()


@pytest.fixture
def reset(wp: LocalWordPress) -> LocalWordPress:
    wp.reset()
    return wp


@pytest.fixture
def site(reset: LocalWordPress) -> LocalWordPress:
    reset.option("wp_seo_bridge_sync_enabled", "1")
    return reset
