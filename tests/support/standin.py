"""The OFFLINE Mistral stand-in as the tests use it (the ``standin`` fixture of tests/conftest.py is the
session's server, reset around each test: ``standin.url`` (the SDK's ``server_url``), ``standin.script([...])``,
``standin.requests()``, ``standin.completions()``).

``fast_settings(standin)`` / ``gateway(standin)`` build a real MistralGateway pointed at it, with short
timeouts and backoffs so failure paths stay fast.
"""
from __future__ import annotations

from pathlib import Path

from wp_seo_bridge.gateways.mistral import MistralGateway, MistralSettings
from wp_seo_bridge.standin import StandinHandle

#: Throwaway fixtures of the stand-in's own tests (served next to the packaged ones).
TEST_FIXTURES = Path(__file__).parents[1] / "fixtures" / "standin"
TEST_KEY = "test-key-not-a-secret"

#: An article as the model answers it, and the messages of a call, for the gateway's own tests.
ARTICLE = {
    "title": "Titre", "seo_title": "Jardin partagé : le guide", "meta_description": "Une description.",
    "focus_keyphrase": "jardin partagé", "slug": "jardin-partage",
    "intro": [{"type": "paragraph", "text": "Le jardin partagé du quartier.", "items": [], "ordered": False,
               "cite": "", "ref": ""}],
    "sections": [{"level": 2, "heading": "Pourquoi", "blocks": [
        {"type": "quote", "text": "On cultive ensemble", "items": [], "ordered": False, "cite": "Ana", "ref": ""}]}],
}
MESSAGES = [{"role": "system", "content": "règles"}, {"role": "user", "content": "brouillon"}]


def fast_settings(handle: StandinHandle, **overrides) -> MistralSettings:
    values = dict(model="mistral-large-latest", api_key=TEST_KEY, server_url=handle.url, timeout_s=5.0,
                  max_retries=3, max_backoff_s=0.5, deadline_s=20.0, initial_backoff_s=0.01,
                  temperature=0.3, max_tokens=4000, prices={"mistral-large-latest": (2.0, 6.0)})
    values.update(overrides)
    return MistralSettings(**values)


def gateway(handle: StandinHandle, limiter=None, **overrides) -> MistralGateway:
    return MistralGateway(fast_settings(handle, **overrides), limiter=limiter)
