"""Pytest fixtures for the OFFLINE Mistral stand-in. Import them from a conftest or a test module:

    from tests.standin_fixture import standin, standin_server  # noqa: F401

``standin`` is the session's server, reset before and after each test: ``standin.url`` (the SDK's
``server_url``), ``standin.script([...])``, ``standin.requests()``, ``standin.completions()``.
``fast_settings(standin)`` / ``gateway(standin)`` build a real MistralGateway pointed at it,
with short timeouts and backoffs so failure paths stay fast.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from wp_seo_bridge.gateways.mistral import MistralGateway, MistralSettings
from wp_seo_bridge.standin import StandinHandle, start_in_thread

#: Throwaway fixtures of the stand-in's own tests (served next to the packaged ones).
TEST_FIXTURES = Path(__file__).parent / "fixtures" / "standin"
TEST_KEY = "test-key-not-a-secret"


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


def fast_settings(handle: StandinHandle, **overrides) -> MistralSettings:
    values = dict(model="mistral-large-latest", api_key=TEST_KEY, server_url=handle.url, timeout_s=5.0,
                  max_retries=3, max_backoff_s=0.5, deadline_s=20.0, initial_backoff_s=0.01,
                  temperature=0.3, max_tokens=4000, prices={"mistral-large-latest": (2.0, 6.0)})
    values.update(overrides)
    return MistralSettings(**values)


def gateway(handle: StandinHandle, limiter=None, **overrides) -> MistralGateway:
    return MistralGateway(fast_settings(handle, **overrides), limiter=limiter)
