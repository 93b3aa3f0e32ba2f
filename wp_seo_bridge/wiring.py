"""Wiring: configuration in, gateways and the engine out. The only place that knows both."""
from __future__ import annotations

import logging
import os
import socket
import uuid
from pathlib import Path

from .config import Config, ConfigError, MistralConfig, ModelConfig, SiteConfig, mistral_env, plain_http_refusal
from .daemon.instance import private_dir, private_file
from .gateways.mistral import MistralGateway, MistralSettings, SettingsError
from .gateways.wordpress.auto import AutoGateway
from .gateways.wordpress.base import WordPressGateway
from .gateways.wordpress.rest import RestGateway
from .gateways.wordpress.xmlrpc import XmlRpcGateway
from .pipeline import Engine

log = logging.getLogger("wp_seo_bridge.wiring")


def mistral_settings(m: MistralConfig) -> MistralSettings:
    env = mistral_env()
    api_key = env["api_key"]
    if not api_key and m.api_key_file:
        try:
            api_key = Path(m.api_key_file).expanduser().read_text(encoding="utf-8").strip()
        except OSError as e:
            raise ConfigError(f"mistral.api_key_file: cannot read {m.api_key_file} ({e.strerror})") from None
    if not api_key:
        raise ConfigError(
            "MISTRAL_API_KEY is not set — export it (or set mistral.api_key_file); for the offline demo, "
            "run scripts/quickstart.sh, which starts the local stand-in"
        )
    try:
        return _settings(m, env, api_key)
    except SettingsError as e:  # MISTRAL_SERVER_URL: the message names it and the fix
        raise ConfigError(str(e)) from None


def _settings(m: MistralConfig, env: dict[str, str], api_key: str) -> MistralSettings:
    model = env["model"] or m.model
    if model.endswith("-latest"):
        log.warning("mistral model %s is an alias that moves to newer models (and prices) without notice: name a "
                    "dated id such as mistral-large-2512, and its price in [mistral.prices]", model)
    spec = m.models.get(model, ModelConfig())
    return MistralSettings(
        model=model,
        context_tokens=spec.context_tokens,
        reasoning_effort=spec.reasoning_effort,
        api_key=api_key,
        server_url=env["server_url"] or None,
        timeout_s=m.timeout_s,
        max_retries=m.max_retries,
        max_backoff_s=m.max_backoff_s,
        deadline_s=m.deadline_s,
        temperature=m.temperature,
        max_tokens=m.max_tokens,
        prices=dict(m.prices),
        batch_price_factor=m.batch_price_factor,
        batch_timeout_hours=m.batch_timeout_hours,
        allow_insecure_http=m.allow_insecure_http,
    )


def preflight(cfg: Config, sites: list[SiteConfig] | None = None) -> None:
    """Everything `run` and `sync` can check before starting, so a wrong setting is one line and exit 2
    at start rather than an error every pass: each site's URL is allowed (the plain-http rule of the
    gateways) and its secret readable, Mistral's key is there and its server URL allowed.
    Raises ConfigError naming the key and the fix."""
    for i, site in enumerate(cfg.sites):
        if sites is not None and site not in sites:
            continue
        refusal = plain_http_refusal(site.url, allow=site.allow_insecure_http, secret="password",
                                     owner=f"site {site.name!r}", opt_out="allow_insecure_http = true for this site")
        if refusal:
            raise ConfigError(f"{cfg.path}: sites[{i}].url: {refusal}")
        if not site.password():  # raises ConfigError when unset or unreadable
            raise ConfigError(f"{cfg.path}: sites[{i}]: the password in {site.password_env or site.password_file} "
                              f"is empty — put the site's (application) password there")
    mistral_settings(cfg.mistral)


def make_engine(cfg: Config | None, *, mode: str | None = None, limiter=None) -> Engine:
    m = cfg.mistral if cfg else MistralConfig()
    settings = mistral_settings(m)
    return Engine(
        llm=MistralGateway(settings, limiter=limiter),
        model=settings.model,
        min_words=cfg.rewrite.min_words if cfg else 700,
        mode=mode or (cfg.rewrite.mode if cfg else "blocks"),
        max_repairs=m.max_repairs,
        context_tokens=settings.context_tokens,
        max_tokens=m.max_tokens,
        max_transient=m.max_transient,
        retry_backoff_s=m.retry_backoff_s,
        max_source_words=cfg.rewrite.max_source_words if cfg else 15_000,
    )


def make_wordpress(site: SiteConfig) -> WordPressGateway:
    if site.transport == "xmlrpc":
        return XmlRpcGateway(site)
    return RestGateway(site) if site.transport == "rest" else AutoGateway(site)


def daemon_identity(cfg: Config) -> str:
    """A stable id for this daemon's state dir: claims in WordPress name it, so a restarted daemon
    takes over its own claims at once, and another daemon's claims are respected until they expire."""
    state = private_dir(cfg.daemon.state_dir)
    f = state / "daemon-id"
    if not f.exists():
        tmp = private_file(f.with_suffix(".tmp"))
        tmp.write_text(f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}\n", encoding="utf-8")
        os.replace(tmp, f)
    return f.read_text(encoding="utf-8").strip()
