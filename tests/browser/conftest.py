"""Browser tests: Debian's headless Chromium driven by Playwright for Python, against the real local WordPress.

No browser download: Playwright drives ``/usr/bin/chromium`` (Debian's ``chromium`` package). One browser per
session; each test gets fresh contexts (cookies) per account through ``login(account)``.

The WordPress and stand-in fixtures (``wp``, ``reset``, ``site``, ``standin``) are tests/conftest.py's.
Screenshots go to ``artifacts/`` (git-ignored).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import sync_playwright

from tests.support.wordpress import Account, LocalWordPress

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic", "--no-first-run"]
#: The block editor's own words when it cannot parse a block (English and the local site's French).
INVALID_BLOCK_TEXT = re.compile(r"unexpected or invalid content|contenu inattendu ou non valide", re.I)
#: What the block editor logs when a block's markup is not what its save() writes: "Block validation: ..."
#: (refused) or "Updated Block: core/heading" (silently re-serialised: the post changes on the next save).
BLOCK_CONSOLE_TEXT = re.compile(r"Updated Block|Block validation|Block successfully updated", re.I)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (scripts/wordpress-local.sh installs it)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Admin:
    """One logged-in wp-admin user in its own browser context."""

    def __init__(self, wp: LocalWordPress, context, account: Account):
        self.wp, self.context, self.account = wp, context, account
        self.page = context.new_page()
        # Generous: 2 cores shared by several test runs make wp-admin pages (Yoast's above all) slow to load.
        self.page.set_default_timeout(60_000)
        self.page.set_default_navigation_timeout(90_000)
        self.console: list[str] = []  # every console message of the page, in order
        self.page.on("console", lambda msg: self.console.append(f"{msg.type}: {msg.text}"))

    def login(self) -> "Admin":
        page = self.page
        page.goto(f"{self.wp.url}/wp-login.php")
        page.fill("#user_login", self.account.user)
        page.fill("#user_pass", self.account.password)
        page.click("#wp-submit")
        page.wait_for_url(re.compile(r"/wp-admin/"))
        return self

    def goto(self, path: str):
        # The DOM is what tests read (locators wait for their element); "load" also waits for every asset.
        return self.page.goto(f"{self.wp.url}/wp-admin/{path}", wait_until="domcontentloaded")

    def act(self, link) -> str:
        """Clicks a review action link; returns where admin-post.php redirected (WordPress then strips our
        query args from the address bar, so the URL itself cannot be awaited)."""
        with self.page.expect_response(lambda r: "/wp-admin/admin-post.php" in r.url) as answer:
            link.click()
        response = answer.value
        assert response.status == 302, (response.status, response.text()[:300])
        self.page.wait_for_load_state()
        return response.headers["location"]

    def open_editor(self, post_id: int | None = None) -> None:
        """The post in the block editor (``None``: the page already navigating there), blocks parsed and
        rendered, welcome guide closed. Newer WordPress may put the blocks in an iframe: look in every frame."""
        page = self.page
        if post_id is not None:
            self.goto(f"post.php?post={post_id}&action=edit")
        page.wait_for_load_state()
        # The post's blocks parsed (7.1 draws its title as a .wp-block before the content is parsed; the
        # parser's console messages come before this answer) and drawn.
        page.wait_for_function("() => window.wp && wp.data && wp.data.select('core/block-editor').getBlockCount() > 0")
        page.wait_for_function(
            """() => [document, ...[...document.querySelectorAll('iframe')].map(f => f.contentDocument)]
                     .some(d => d && d.querySelector('.block-editor-block-list__layout .wp-block'))""")
        guide = page.locator(".edit-post-welcome-guide, .editor-welcome-guide")
        if guide.count():
            page.keyboard.press("Escape")
            guide.first.wait_for(state="detached")

    def block_messages(self) -> list[str]:
        """The block editor's console messages about blocks it refused or re-serialised, since the page opened.
        Plugins parse the content again later (Yoast's analysis, logging the same messages): give them time."""
        self.page.wait_for_timeout(3000)
        return [m for m in self.console if BLOCK_CONSOLE_TEXT.search(m)]

    def invalid_blocks(self) -> list[str]:
        """Texts of the block editor's invalid-block warnings, in the page and any editor iframe."""
        found = []
        for frame in self.page.frames:
            for warning in frame.locator(".block-editor-warning").all():
                found.append(warning.inner_text())
            body = frame.locator("body")
            if body.count() and INVALID_BLOCK_TEXT.search(body.inner_text()):
                found.append("invalid-block text in " + (frame.url or "page"))
        return found


@pytest.fixture
def login(browser, wp) -> Iterator:
    """``login(wp.editor)`` → an :class:`Admin` logged in through wp-login.php in a fresh context."""
    contexts = []

    def make(account: Account) -> Admin:
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
        contexts.append(context)
        return Admin(wp, context, account).login()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
