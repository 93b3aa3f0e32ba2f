"""Errors a WordPress site can give us, each with one clear message for the log.

Faults come back translated (French) with HTML entities: we branch on codes, never on text.
"""
from __future__ import annotations

import contextlib
from typing import Iterator

import requests


class WordPressError(Exception):
    """Base class. ``str(e)`` is the one line a site admin reads."""


class SiteDown(WordPressError):
    pass


class AuthFailed(WordPressError):
    pass


class XmlRpcDisabled(WordPressError):
    pass


class RestDisabled(WordPressError):
    pass


class PluginMissing(WordPressError):
    @classmethod
    def at(cls, url: str) -> "PluginMissing":
        return cls(f"{url}: the companion plugin 'wp-seo-bridge' is not active — install it "
                   f"(`wp-seo-bridge plugin --zip wp-seo-bridge.zip`, then Plugins → Add New → Upload) and activate it")


class InsecureTransport(WordPressError):
    pass


class Conflict(WordPressError):
    """The post changed under us, is locked or is not ours to write: leave it for the next pass."""


class Forbidden(WordPressError):
    pass


class MetaDropped(WordPressError):
    """WordPress answered OK but did not store meta we wrote (protected meta without our plugin)."""


@contextlib.contextmanager
def readable(where: str) -> Iterator[None]:
    """Reading an answer of an unexpected shape (a list where a struct belongs, a missing id, text where
    a number belongs: a hostile site, or a plugin or proxy altering answers) is a WordPressError, not a
    crash of the pass."""
    try:
        yield
    except WordPressError:
        raise
    except (AttributeError, TypeError, KeyError, IndexError, ValueError, RecursionError) as e:
        raise WordPressError(f"{where}: WordPress answered in a shape this daemon cannot read ({type(e).__name__}) "
                             f"— is a plugin or proxy altering the answers?") from None


@contextlib.contextmanager
def http_errors(url: str, timeout: float) -> Iterator[None]:
    """requests' network failures as SiteDown, with the same words for both transports."""
    try:
        yield
    except requests.exceptions.SSLError as e:
        raise SiteDown(f"{url}: TLS certificate not valid ({type(e).__name__}); fix the site's certificate") from None
    except requests.Timeout:
        raise SiteDown(f"{url}: no answer within {timeout:g} s") from None
    except requests.ConnectionError:
        raise SiteDown(f"{url}: cannot connect — is WordPress running at that address?") from None
