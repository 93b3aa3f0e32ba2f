"""Configuration: one TOML file, secrets from the environment or files, one clear message per mistake.

pydantic validates the shape (``extra="forbid"`` turns a typo into an error naming the key);
:func:`load` turns every failure into a :class:`ConfigError` that names the key and the fix.
"""
from __future__ import annotations

import ipaddress
import os
import tomllib
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

DEFAULT_PATH = Path("config/wp-seo-bridge.toml")
ENV_PATH = "WP_SEO_BRIDGE_CONFIG"


class ConfigError(Exception):
    """A wrong or missing setting. ``str(e)`` names the key and says how to fix it."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModelConfig(_Strict):
    """What one model id accepts (``[mistral.models."<id>"]``)."""

    context_tokens: int = Field(131_072, ge=4096)  # prompt + answers must fit (self-hosted servers: their setting)
    # Sent only when set: "none" turns thinking off on models that accept the field; others answer 400.
    reasoning_effort: Literal["", "none", "low", "medium", "high"] = ""


class MistralConfig(_Strict):
    # A dated id pins behaviour and price; "-latest" aliases move to new models (and prices) without notice.
    model: str = "mistral-large-2512"
    # The key and server come from MISTRAL_API_KEY / MISTRAL_SERVER_URL; a file is allowed for the key.
    api_key_file: str = ""
    timeout_s: float = Field(180, gt=0)
    max_retries: int = Field(4, ge=0, le=10)
    max_backoff_s: float = Field(60, gt=0)
    deadline_s: float = Field(600, gt=0)
    max_repairs: int = Field(1, ge=0, le=3)
    temperature: float = Field(0.3, ge=0, le=1.5)
    max_tokens: int | None = Field(None, gt=0)  # a cap; unset, each answer gets what its target length needs
    max_transient: int = Field(3, ge=1, le=10)  # tries of a version Mistral failed (5xx, garbage) before it fails
    retry_backoff_s: float = Field(300, ge=0)  # wait before the next such try, doubled each time
    models: dict[str, ModelConfig] = Field(default_factory=dict)
    prices_read_on: str = ""  # the date the [mistral.prices] were read on Mistral's pricing page
    # MISTRAL_SERVER_URL over plain http to another machine sends the key in clear: refused unless set.
    allow_insecure_http: bool = False
    # EUR per million tokens, [input, output], per model name. Prices change: keep them here, not in code.
    prices: dict[str, tuple[float, float]] = Field(default_factory=dict)
    # "batch": a pass submits its drafts as one Batch API job, later passes collect and push the answers.
    mode: Literal["sync", "batch"] = "sync"
    batch_price_factor: float = Field(0.5, gt=0, le=1)  # Batch API price / normal price
    batch_timeout_hours: int = Field(24, ge=1, le=168)  # Mistral gives a job up after this long


class RewriteConfig(_Strict):
    min_words: int = Field(700, ge=100, le=5000)
    max_source_words: int = Field(15_000, ge=100, le=200_000)
    mode: Literal["blocks", "classic"] = "blocks"


class DaemonConfig(_Strict):
    state_dir: str = "var"
    concurrency: int = Field(1, ge=1, le=64)  # unset: what requests_per_second allows (see _concurrency)
    requests_per_second: float = Field(1.0, gt=0)
    tokens_per_minute: int = Field(500_000, gt=0)
    max_posts_per_pass: int = Field(50, ge=1)
    max_tokens_per_day: int = Field(2_000_000, ge=1)
    max_eur_per_day: float = Field(20.0, gt=0)
    claim_ttl_s: int = Field(1800, ge=60)

    @model_validator(mode="before")
    @classmethod
    def _concurrency(cls, data):
        """Unset, calls in flight default to the requests a second the plan allows (at least 1): a tier of
        1 request/second with 4 calls starting at once answers 429 at once."""
        if isinstance(data, dict) and "concurrency" not in data:
            try:
                data = {**data, "concurrency": max(1, min(64, int(float(data.get("requests_per_second", 1.0)))))}
            except (TypeError, ValueError):
                pass  # the field's own validation names the bad value
        return data


class SiteConfig(_Strict):
    name: str
    url: str
    user: str
    password_env: str = ""
    password_file: str = ""
    transport: Literal["xmlrpc", "rest", "auto"] = "xmlrpc"
    opt_in: Literal["tag", "all-drafts"] = "tag"
    opt_in_tag: str = "seo-bridge"
    min_quiet_minutes: float = Field(5, ge=0)
    allow_insecure_http: bool = False
    timeout_s: float = Field(30, gt=0)
    interval_minutes: float = Field(15, gt=0)
    cron: str = ""

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        parts = urlsplit(v)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be the site's address, e.g. https://blog.example.fr")
        return v.rstrip("/")

    @model_validator(mode="after")
    def _one_secret(self) -> "SiteConfig":
        if bool(self.password_env) == bool(self.password_file):
            raise ValueError(
                "set exactly one of password_env (name of an environment variable) or password_file "
                "(a file holding the password or application password); passwords never go in this file"
            )
        return self

    @property
    def is_loopback(self) -> bool:
        return is_loopback(self.url)

    def password(self) -> str:
        """Read at use time, so a rotated secret is picked up without a restart."""
        if self.password_env:
            value = os.environ.get(self.password_env, "")
            if not value:
                raise ConfigError(
                    f"site {self.name!r}: password_env: environment variable {self.password_env} is not set "
                    f"— export it (e.g. `export {self.password_env}=...`) or use password_file"
                )
            return value
        try:
            return Path(self.password_file).expanduser().read_text(encoding="utf-8").strip()
        except OSError as e:
            raise ConfigError(
                f"site {self.name!r}: password_file: cannot read {self.password_file} ({e.strerror})"
            ) from None


class Config(_Strict):
    sites: list[SiteConfig] = Field(min_length=1)
    mistral: MistralConfig = MistralConfig()
    rewrite: RewriteConfig = RewriteConfig()
    daemon: DaemonConfig = DaemonConfig()
    path: str = ""  # where it was loaded from (set by load)

    @model_validator(mode="after")
    def _unique_names(self) -> "Config":
        names = [s.name for s in self.sites]
        if len(set(names)) != len(names):
            raise ValueError("every [[sites]] entry needs a distinct name")
        # The push needs our claim to be alive: it must outlast the slowest rewrite (all calls, all waits).
        slowest = (self.mistral.max_repairs + 1) * self.mistral.deadline_s + 60
        if self.daemon.claim_ttl_s < slowest:
            raise ValueError(f"daemon.claim_ttl_s must be at least {slowest:g} s: (mistral.max_repairs + 1) × "
                             f"mistral.deadline_s + 60, or a slow rewrite would lose its claim before the push")
        if self.mistral.mode == "batch":
            # A batch job's drafts stay claimed between passes: each pass renews the claims.
            for site in self.sites:
                if not site.cron and self.daemon.claim_ttl_s < 2 * site.interval_minutes * 60:
                    raise ValueError(f"daemon.claim_ttl_s must be at least twice sites {site.name!r} "
                                     f"interval_minutes ({2 * site.interval_minutes * 60:g} s) in batch mode: each "
                                     f"pass renews the claims of the drafts a batch job is working on")
        return self

    def site(self, name: str) -> SiteConfig:
        for s in self.sites:
            if s.name == name:
                return s
        raise ConfigError(f"no site named {name!r} in {self.path} (known: {', '.join(s.name for s in self.sites)})")


def is_loopback(url: str) -> bool:
    """The URL's host is this machine: ``localhost`` or a loopback address, decided by parsing the
    address (``127.attacker.example`` is a name, not an address, so it is not loopback)."""
    host = (urlsplit(url).hostname or "").rstrip(".")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plain_http_refusal(url: str, *, allow: bool, secret: str, owner: str, opt_out: str) -> str | None:
    """The one rule for every secret we send (WordPress passwords, the Mistral key): plain http is
    refused unless it stays on this machine or the operator opted out. Returns the one-line reason
    (``owner``: what the URL belongs to; ``opt_out``: where to set allow_insecure_http), or None."""
    if urlsplit(url).scheme.lower() != "http" or allow or is_loopback(url):
        return None
    return (f"{owner}: {url} is plain http — the {secret} would travel in clear. Use https, or set "
            f"{opt_out} if you really mean it")


def resolve_path(explicit: str | None = None) -> Path:
    return Path(explicit or os.environ.get(ENV_PATH) or DEFAULT_PATH)


def load(path: str | Path | None = None) -> Config:
    p = resolve_path(str(path) if path else None)
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{p}: no configuration file — copy config/wp-seo-bridge.toml (the commented example) there, "
            f"or pass --config FILE / set {ENV_PATH}"
        ) from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{p}: not valid TOML: {e}") from None
    return parse(raw, str(p))


def parse(raw: dict, origin: str = "<config>") -> Config:
    try:
        return Config.model_validate({**raw, "path": origin})
    except ValidationError as e:
        first = e.errors()[0]
        key = "".join(f"[{x}]" if isinstance(x, int) else f".{x}" for x in first["loc"]).lstrip(".")
        more = f" (and {e.error_count() - 1} more)" if e.error_count() > 1 else ""
        hint = {
            "extra_forbidden": "unknown key — check its spelling",
            "missing": "required — add it" + (" (at least one [[sites]] table)" if key == "sites" else ""),
        }.get(first["type"], first["msg"].removeprefix("Value error, "))
        raise ConfigError(f"{origin}: {key}: {hint}{more}") from None


def mistral_env() -> dict[str, str]:
    """The three Mistral settings that come from the environment (never from the file)."""
    return {
        "api_key": os.environ.get("MISTRAL_API_KEY", ""),
        "server_url": os.environ.get("MISTRAL_SERVER_URL", ""),
        "model": os.environ.get("MISTRAL_MODEL", ""),
    }
