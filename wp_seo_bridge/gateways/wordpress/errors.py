"""Errors a WordPress site can give us, each with one clear message for the log.

Faults come back translated (French) with HTML entities: we branch on codes, never on text.

    WordPressError                 anything a site did that stops this call; str(e) is the admin's line
    ├── SiteDown                   network, TLS, timeouts, 5xx: the site, not our settings
    ├── AuthFailed                 the login is refused: a settings fix (password, application password)
    ├── XmlRpcDisabled             xmlrpc.php blocked or switched off (transport "auto" falls back to REST)
    ├── RestDisabled               /wp-json blocked or restricted
    ├── PluginMissing              the companion plugin is off, missing or too old
    ├── InsecureTransport          plain http to another machine without allow_insecure_http
    ├── Conflict                   this post, not now: changed, locked, claimed, gone (leave it for later)
    ├── Forbidden                  the bot's account may not do this (to this post, or to posts at all)
    ├── MetaDropped                answered OK, but meta we wrote was not stored
    └── ContentAltered             the content stored is not the content sent (kses cut something)

How each refusal of the plugin's contract maps to a class and a message is one table, :data:`CONTRACT`,
used by both transports (XML-RPC reads it by fault code, REST by HTTP status and error code): a new
refusal is one row.
"""
from __future__ import annotations

import contextlib
from typing import Iterator, NamedTuple

import requests

from ...model import ReasonCode


class WordPressError(Exception):
    """Base class. ``str(e)`` is the one line a site admin reads; ``code`` the outcome's reason code."""

    code: ReasonCode = "wordpress"


class SiteDown(WordPressError):
    """The site cannot be reached or did not answer properly (network, TLS, deadline, HTTP 5xx).
    Nothing to fix in our settings; the next pass tries again."""


class AuthFailed(WordPressError):
    """WordPress refused the bot's login: the password (or application password) is wrong or revoked."""


class XmlRpcDisabled(WordPressError):
    """xmlrpc.php is blocked by the host (HTTP 403/405/404) or XML-RPC is switched off (fault 405)."""


class RestDisabled(WordPressError):
    """The REST API is blocked before WordPress, switched off, or restricted by a security plugin."""


class PluginMissing(WordPressError):
    """The companion plugin's methods or routes are not there, or the plugin is older than we need."""

    @classmethod
    def at(cls, url: str) -> "PluginMissing":
        return cls(f"{url}: the companion plugin 'wp-seo-bridge' is not active — install it "
                   f"(`wp-seo-bridge plugin --zip wp-seo-bridge.zip`, then Plugins → Add New → Upload) and activate it")


class InsecureTransport(WordPressError):
    """The site's URL is plain http to another machine: the password would travel in clear."""


class Conflict(WordPressError):
    """The post changed under us, is locked or is not ours to write: leave it for the next pass."""

    code: ReasonCode = "conflict"


class Forbidden(WordPressError):
    """The bot's account lacks a capability WordPress checks (this post, or editing posts at all)."""


class MetaDropped(WordPressError):
    """WordPress answered OK but did not store meta we wrote (protected meta without our plugin)."""


class ContentAltered(WordPressError):
    """The guarded edit's answer shows that the content stored is not the content sent, even allowing for
    what WordPress re-serialises (``markup.stored``): kses or a save filter cut something. ``stored`` is
    what the database held ("" when the plugin did not say); ``rolled_back``: the plugin undid the whole
    write, the draft is as it was (else the post holds the altered article)."""

    def __init__(self, message: str, *, stored: str = "", rolled_back: bool = False):
        super().__init__(message)
        self.stored, self.rolled_back = stored, rolled_back


class Refusal(NamedTuple):
    """One refusal of the plugin's contract: the error it becomes, its words, and how each transport says it."""

    error: type[WordPressError]
    message: str  # may use {url}, {user}, {secret} (where the password comes from), {code} (the transport's
    # code, e.g. "fault 401", "HTTP 403 wpsb_cannot_edit") and {hint} (a transport's advice)
    fault: int = 0  # the XML-RPC fault code
    status: int = 0  # the REST HTTP status
    rest_code: str = ""  # the REST error code (wins over the status)
    code: ReasonCode = ""  # the outcome's reason code, when not the error class's


#: The plugin's contract: every refusal both transports can receive (includes/*.php, and core's own).
CONTRACT: dict[str, Refusal] = {
    "login": Refusal(AuthFailed, "{url}: WordPress refused the login for user {user!r} — check the password "
                                 "(from {secret}){hint}", fault=403, status=401),
    "changed": Refusal(Conflict, "changed in WordPress since we read it (someone saved it, or it is not a draft "
                                 "any more)", fault=409, status=409),
    # Over XML-RPC a lost claim is a fault 409 like "changed" (the fault carries no code, only translated text).
    "claim_lost": Refusal(Conflict, "our claim expired or was taken over before the push",
                          rest_code="wpsb_not_claimed"),
    "locked": Refusal(Conflict, "open in the editor or claimed by another daemon", fault=423, status=423,
                      code="editing"),
    "gone": Refusal(Conflict, "the post no longer exists", fault=404, status=404),
    "post_forbidden": Refusal(Forbidden, "user {user!r} may not do this on this post ({code})", fault=401, status=403),
    # A post_forbidden answer to a call about no post (a listing, the info): the account, not one post.
    "site_forbidden": Refusal(Forbidden, "user {user!r} may not edit posts on this site ({code}) — give it the "
                                         "seo_bridge_bot or editor role"),
}
#: The table read by each transport.
XMLRPC_FAULTS = {r.fault: kind for kind, r in CONTRACT.items() if r.fault}
REST_STATUSES = {r.status: kind for kind, r in CONTRACT.items() if r.status}
REST_CODES = {r.rest_code: kind for kind, r in CONTRACT.items() if r.rest_code}


def refused(kind: str, *, url: str = "", user: str = "", secret: str = "", code: str = "",
            hint: str = "") -> WordPressError:
    """The error of :data:`CONTRACT` row ``kind``, with its message filled in."""
    row = CONTRACT[kind]
    error = row.error(row.message.format(url=url, user=user, secret=secret, code=code, hint=hint))
    if row.code:
        error.code = row.code
    return error


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
