"""The real local WordPress started by ``scripts/wordpress-local.sh``, as the tests drive it: a
:class:`LocalWordPress` (URL, accounts, mail folder, helpers). The fixtures ``wp``, ``reset`` and ``site`` of
tests/conftest.py hand it to the tests.

The site runs whatever stack ``wordpress-local.sh start`` was given (``WPSB_WP``, ``WPSB_YOAST``): in CI real
Yoast SEO is active on both matrices. A test that needs a site without Yoast says so with ``wp.yoast_disabled()``.

The site is chosen by ``WP_PORT`` (default 8081; the demo keeps 8080): give concurrent test runs different ports,
each gets its own database. Mark test modules with ``pytestmark = pytest.mark.wordpress``.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import secrets
import subprocess
import xmlrpc.client
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "wordpress-local.sh"
BLOG_ID = 1


@dataclass(frozen=True)
class Account:
    user: str
    password: str
    app_password: str = ""  # set for admin and bot (REST needs one)

    @property
    def creds(self) -> tuple[str, str]:
        return (self.user, self.password)


class _TimeoutTransport(xmlrpc.client.Transport):
    """xmlrpc.client has no timeout by default: a hung server would hang the test run."""

    def __init__(self, timeout: float):
        super().__init__()
        self._timeout = timeout

    def make_connection(self, host):
        conn = super().make_connection(host)
        conn.timeout = self._timeout
        return conn


@dataclass(frozen=True)
class PostSpec:
    title: str = "Brouillon de test"
    content: str = "<p>Un paragraphe.</p>"
    status: str = "draft"  # also publish, pending, private, future, trash
    tags: tuple[str, ...] = ()
    author: Account | None = None  # default: admin
    meta: dict[str, str] = field(default_factory=dict)
    categories: tuple[str, ...] = ()


class LocalWordPress:
    def __init__(self, env: dict[str, str], port: str):
        self.port = port
        self.url = env["WP_URL"]
        self.xmlrpc_url = f"{self.url}/xmlrpc.php"
        self.rest_url = f"{self.url}/wp-json"
        self.mail_dir = Path(env["WP_MAIL_DIR"])
        self.admin = Account(env["WP_ADMIN_USER"], env["WP_ADMIN_PASSWORD"], env.get("WP_ADMIN_APP_PASSWORD", ""))
        self.editor = Account(env["WP_EDITOR_USER"], env["WP_EDITOR_PASSWORD"])
        self.author = Account(env["WP_AUTHOR_USER"], env["WP_AUTHOR_PASSWORD"])
        self.subscriber = Account(env["WP_SUBSCRIBER_USER"], env["WP_SUBSCRIBER_PASSWORD"])
        self.bot = Account(env["WP_BOT_USER"], env["WP_BOT_PASSWORD"], env.get("WP_BOT_APP_PASSWORD", ""))
        self.php_error_log = Path(env["WP_MAIL_DIR"]).parent / "php-errors.log"
        self.core_version = env.get("WP_CORE_VERSION", "")  # "6.1.9", "7.1"
        self.yoast_version = env.get("WP_YOAST_VERSION", "")  # "" when the site has no Yoast SEO
        self._user_ids: dict[str, int] = {}
        self._contributor: Account | None = None

    # --- the script -------------------------------------------------------------------------------

    def script(self, *args: str) -> str:
        return _run_script(self.port, *args)

    def reset(self) -> None:
        self.script("reset")

    def option(self, name: str, value: str | None = None) -> str:
        """Reads (or sets, then reads) a site option, e.g. ``wp_seo_bridge_sync_enabled``."""
        args = ("option", name) if value is None else ("option", name, value)
        return self.script(*args).strip()

    @contextlib.contextmanager
    def _switched(self, command: str, off: str, on: str = "on") -> Iterator[None]:
        """``wordpress-local.sh COMMAND OFF`` inside the block, ``COMMAND ON`` after it, whatever happens."""
        self.script(command, off)
        try:
            yield
        finally:
            self.script(command, on)

    def xmlrpc_disabled(self) -> contextlib.AbstractContextManager:
        """/xmlrpc.php answers HTTP 405 inside the block, as on hosts that block it."""
        return self._switched("xmlrpc", "off")

    def multicall_blocked(self) -> contextlib.AbstractContextManager:
        """system.multicall answers a login fault inside the block, as with some security plugins."""
        return self._switched("xmlrpc", "no-multicall")

    def plugin_disabled(self) -> contextlib.AbstractContextManager:
        """The companion plugin is deactivated inside the block."""
        return self._switched("plugin", "off")

    def require_yoast(self) -> None:
        """For a test of what Yoast SEO itself does: skipped on a site started without Yoast on purpose
        (``WPSB_YOAST=none``: scripts/test.sh without ../shared/wordpress says so), failed when Yoast should be
        there and is not."""
        if self.yoast_version:
            return
        if os.environ.get("WPSB_YOAST") == "none":
            pytest.skip("needs Yoast SEO, whose archive comes from ../shared/wordpress (absent here)")
        raise AssertionError("this test needs Yoast SEO active on the site (scripts/wordpress-local.sh yoast on)")

    def printed_by_yoast(self, value: str) -> str | None:
        """What a visitor's page shows of a Yoast field: ``value`` with Yoast SEO, nothing without it."""
        return value if self.yoast_version else None

    @contextlib.contextmanager
    def yoast_disabled(self) -> Iterator[None]:
        """Yoast SEO is deactivated inside the block (as from the Plugins screen), back on after it; on a site
        without Yoast the block runs as it is."""
        if not self.yoast_version:
            yield
            return
        with self._switched("yoast", "off"):
            yield

    def age_post(self, post_id: int | str, days: float) -> str:
        """Makes the post(s) last modified ``days`` ago (core stamps every save now); ``post_id``: an id, or "1,2,3"."""
        return self.script("post-age", str(post_id), str(days)).strip()

    def set_post_meta(self, post_id: int, key: str, value: str) -> str:
        """Meta only WordPress's own code writes (Yoast's ``_yoast_wpseo_linkdex``), set as that code would."""
        return self.script("post-meta", str(post_id), key, value).strip()

    # --- XML-RPC ----------------------------------------------------------------------------------

    def proxy(self, timeout: float = 30) -> xmlrpc.client.ServerProxy:
        return xmlrpc.client.ServerProxy(self.xmlrpc_url, transport=_TimeoutTransport(timeout))

    def call(self, method: str, account: Account, *args):
        """``call("wp.getPost", wp.bot, 12)`` = ``wp.getPost(1, user, password, 12)``."""
        return getattr(self.proxy(), method)(BLOG_ID, *account.creds, *args)

    def user_id(self, account: Account) -> int:
        if account.user not in self._user_ids:
            for user in self.call("wp.getUsers", self.admin, {"number": 100}, ["user_id", "username"]):
                self._user_ids[user["username"]] = int(user["user_id"])
        return self._user_ids[account.user]

    def _new_post_struct(self, spec: PostSpec) -> dict:
        struct = {
            "post_type": "post",
            "post_title": spec.title,
            "post_content": spec.content,
            "post_status": "draft" if spec.status == "trash" else spec.status,
        }
        if spec.status == "future":
            struct["post_status"] = "publish"  # WordPress makes it "future" from the date
            struct["post_date_gmt"] = xmlrpc.client.DateTime(
                dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) + dt.timedelta(days=7))
        if spec.tags or spec.categories:
            struct["terms_names"] = {"post_tag": list(spec.tags), "category": list(spec.categories)}
        if spec.author is not None:
            struct["post_author"] = self.user_id(spec.author)
        if spec.meta:
            struct["custom_fields"] = [{"key": k, "value": v} for k, v in spec.meta.items()]
        return struct

    def create_post(self, title: str = "Brouillon de test", content: str = "<p>Un paragraphe.</p>",
                    status: str = "draft", tags: Sequence[str] = (), author: Account | None = None,
                    meta: dict[str, str] | None = None) -> int:
        """Creates a post as admin over XML-RPC (like a desktop client would) and returns its id."""
        return self.create_posts([PostSpec(title, content, status, tuple(tags), author, meta or {})])[0]

    def create_posts(self, specs: Sequence[PostSpec | dict], chunk: int = 100) -> list[int]:
        """Many posts in few requests (``system.multicall``, ~20 ms a post). Specs: PostSpec or its fields."""
        specs = [s if isinstance(s, PostSpec) else PostSpec(**s) for s in specs]
        ids: list[int] = []
        for start in range(0, len(specs), chunk):
            part = specs[start:start + chunk]
            multi = xmlrpc.client.MultiCall(self.proxy(timeout=120))
            for spec in part:
                multi.wp.newPost(BLOG_ID, *self.admin.creds, self._new_post_struct(spec))
            ids.extend(int(pid) for pid in multi())  # raises the first Fault
        trash = xmlrpc.client.MultiCall(self.proxy())
        to_trash = [pid for pid, spec in zip(ids, specs) if spec.status == "trash"]
        for pid in to_trash:
            trash.wp.deletePost(BLOG_ID, *self.admin.creds, pid)
        if to_trash:
            list(trash())
        return ids

    def create_post_rest(self, title: str, content: str, status: str = "draft", tags: Sequence[str] = ()) -> int:
        """Creates a post as admin over REST: bytes kept as sent (``\\r\\n`` too) and no revision, like an import."""
        body: dict = {"title": title, "content": content, "status": status}
        if tags:
            body["tags"] = [self._tag_id(t) for t in tags]
        r = self.rest("POST", "/wp/v2/posts", self.admin, json=body)
        assert r.status_code == 201, r.text
        return int(r.json()["id"])

    def _tag_id(self, name: str) -> int:
        found = self.rest("GET", "/wp/v2/tags", self.admin, params={"search": name, "context": "edit"}).json()
        for tag in found:
            if tag["name"] == name:
                return int(tag["id"])
        r = self.rest("POST", "/wp/v2/tags", self.admin, json={"name": name})
        assert r.status_code == 201, r.text
        return int(r.json()["id"])

    # --- REST, wp-admin, mails --------------------------------------------------------------------

    def rest(self, method: str, route: str, account: Account, **kwargs) -> requests.Response:
        """A REST call authenticated with the account's application password."""
        assert account.app_password, f"no application password for {account.user}"
        return requests.request(method, self.rest_url + route, auth=(account.user, account.app_password),
                                timeout=30, **kwargs)

    def contributor(self) -> Account:
        """A contributor with a password and an application password, made by the admin over REST once per
        session (the site script makes the other accounts; users survive ``reset``)."""
        if self._contributor is None:
            login, password = "contributrice", secrets.token_urlsafe(18)
            found = self.rest("GET", "/wp/v2/users", self.admin, params={"search": login, "context": "edit"}).json()
            body = {"password": password, "roles": ["contributor"]}
            if found:
                uid = int(found[0]["id"])
                r = self.rest("POST", f"/wp/v2/users/{uid}", self.admin, json=body)
            else:
                r = self.rest("POST", "/wp/v2/users", self.admin,
                              json={**body, "username": login, "email": f"{login}@example.test",
                                    "name": "Contributrice"})
                uid = int(r.json().get("id", 0))
            assert r.status_code in (200, 201), r.text
            self.rest("DELETE", f"/wp/v2/users/{uid}/application-passwords", self.admin)  # earlier sessions'
            app = self.rest("POST", f"/wp/v2/users/{uid}/application-passwords", self.admin, json={"name": "tests"})
            assert app.status_code == 201, app.text
            self._contributor = Account(login, password, app.json()["password"])
        return self._contributor

    def admin_session(self, account: Account) -> requests.Session:
        """A browser-like session logged into wp-admin (cookies, as a human editor)."""
        s = requests.Session()
        s.cookies.set("wordpress_test_cookie", "WP Cookie check")
        r = s.post(f"{self.url}/wp-login.php", timeout=30, allow_redirects=False, data={
            "log": account.user, "pwd": account.password, "wp-submit": "Log In", "testcookie": "1",
            "redirect_to": f"{self.url}/wp-admin/",
        })
        assert r.status_code == 302 and "wp-admin" in r.headers.get("location", ""), "wp-admin login failed"
        return s

    def hold_edit_lock(self, post_id: int, account: Account) -> None:
        """Opens the post in the editor as a human would: WordPress sets its edit lock (live 150 s)."""
        # Redirects are not followed: a 302 (e.g. a plugin's welcome page) never passes for the editor.
        r = self.admin_session(account).get(f"{self.url}/wp-admin/post.php", allow_redirects=False,
                                            params={"post": post_id, "action": "edit"}, timeout=30)
        assert r.status_code == 200, (r.status_code, r.headers.get("location"))

    def mails(self) -> list[dict]:
        """E-mails WordPress tried to send, oldest first (to, subject, message, headers, attachments, at)."""
        return [json.loads(p.read_text()) for p in sorted(self.mail_dir.glob("*.json"))]


def fault_code(call) -> int:
    """The code of the XML-RPC fault ``call()`` raises; an AssertionError if it raises none."""
    try:
        call()
    except xmlrpc.client.Fault as fault:
        return fault.faultCode
    raise AssertionError("expected an XML-RPC fault, the call succeeded")


def _run_script(port: str, *args: str) -> str:
    proc = subprocess.run([str(SCRIPT), *args], env={**os.environ, "WP_PORT": port},
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"wordpress-local.sh {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc.stdout


def _parse_exports(text: str) -> dict[str, str]:
    return dict(re.findall(r"^export (\w+)=(.*)$", text, flags=re.M))


def start_site() -> LocalWordPress:
    """The site on ``WP_PORT`` (started if it is not running)."""
    port = os.environ.get("WP_PORT", "8081")  # the demo (quickstart) keeps 8080
    return LocalWordPress(_parse_exports(_run_script(port, "start")), port)
