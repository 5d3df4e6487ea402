"""Browser fixtures: the real server in a subprocess, Debian's chromium through Playwright.

The server (``tests/e2e/server.py``) runs on a fresh SQLite file made with the real
commands: ``flask db upgrade``, ``flask demo`` (the Old Town Time Bank, Arabic-first,
accounts as in the README) and ``flask create-community`` for an English-speaking second
community whose coordinator is the demo member Grace Miller. Each browser test gets its own
browser context (fresh cookies).

The server keeps its real login rate limit (20 attempts a minute from one address): the
whole module logs in about a dozen times, so mind the budget when adding log-ins."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from tests.e2e.accessibility import check_accessible
from tests.e2e.server import Served, serve

# Generous, for a busy CI machine; passing tests never wait this long.
EXPECT_TIMEOUT_MS = 20_000
expect.set_options(timeout=EXPECT_TIMEOUT_MS)

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass(frozen=True)
class JoinableCommunity:
    slug: str
    name: str  # as shown in the journey's language
    coordinator: str


@dataclass(frozen=True)
class Site:
    base_url: str
    password: str
    communities: dict[str, JoinableCommunity]  # journey language -> the community it joins


DEMO_PASSWORD = "demo-password-2026"  # README: every demo account uses it
SITE_COMMUNITIES = {
    "ar": JoinableCommunity("old-town", "بنك الوقت في البلدة القديمة", "coordinator@example.org"),
    "en": JoinableCommunity("riverside", "Riverside Time Bank", "grace@example.org"),
}


@pytest.fixture(scope="session")
def site() -> Iterator[Site]:
    """The real application served by ``flask run`` on a free local port, shared by the
    journeys that leave the demo as they found it."""
    with serve_site() as served:
        yield served


@pytest.fixture(scope="module")
def private_site() -> Iterator[Site]:
    """A server and demo database of the module's own, for journeys that change shared
    demo data (approve the demo applicants, switch a demo member's language, …)."""
    with serve_site() as served:
        yield served


def _add_english_community(served: Served) -> None:
    english = SITE_COMMUNITIES["en"]
    served.flask("create-community", "--slug", english.slug, "--name", english.name,
                 "--locale", "en", "--coordinator", english.coordinator)  # fmt: skip


@contextmanager
def serve_site() -> Iterator[Site]:
    with serve(_add_english_community) as served:
        yield Site(served.url, DEMO_PASSWORD, SITE_COMMUNITIES)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Debian's chromium (never a downloaded browser)."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Browser tests need Debian's chromium: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Console:
    """What the browser reported: console errors (CSP violations among them)."""

    messages: list[str] = field(default_factory=list)

    def record(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            self.messages.append(f"{message.type}: {message.text} ({message.location})")

    @property
    def csp_violations(self) -> list[str]:
        return [m for m in self.messages if "Content Security Policy" in m]


@dataclass
class Pages:
    """Opens pages, each in its own browser context (its own cookies)."""

    browser: Browser
    site: Site
    console: Console
    opened: list = field(default_factory=list)

    def __call__(self, *, locale: str = "en", javascript: bool = True) -> Page:
        context = self.browser.new_context(
            base_url=self.site.base_url,
            locale=locale,
            java_script_enabled=javascript,
            viewport={"width": 1280, "height": 800},
        )
        context.set_default_timeout(EXPECT_TIMEOUT_MS)
        self.opened.append(context)
        page = context.new_page()
        page.on("console", self.console.record)
        page.on("pageerror", lambda error: self.console.messages.append(f"pageerror: {error}"))
        return page

    def close(self) -> None:
        for context in self.opened:
            context.close()


@pytest.fixture
def console() -> Console:
    return Console()


@pytest.fixture
def new_page(chromium, site, console) -> Iterator[Callable[..., Page]]:
    """``new_page(locale="ar", javascript=False)``: a page in a fresh browser context."""
    pages = Pages(chromium, site, console)
    yield pages
    pages.close()


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


@pytest.fixture(scope="session")
def assert_accessible() -> Callable[[Page], None]:
    """``check_accessible`` with ``AXE_TAGS``: WCAG 2 A/AA and axe's best practices."""
    return check_accessible
