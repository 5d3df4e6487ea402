"""Browser fixtures: the real server in a subprocess, Debian's chromium through Playwright.

The server always runs on a fresh SQLite file, even when ``TIMEBANK_TEST_DATABASE_URL``
selects PostgreSQL for the rest of the suite: these tests are about what a person sees
and can do in a browser; both database engines are covered by the other tests.

The server's state is made with the real commands: ``flask db upgrade``, ``flask demo``
(the Old Town Time Bank, Arabic-first, accounts as in the README) and ``flask
create-community`` for an English-speaking second community whose coordinator is the demo
member Grace Miller. Each browser test gets its own browser context (fresh cookies).

The server keeps its real login rate limit (20 attempts a minute from one address): the
whole module logs in about a dozen times, so mind the budget when adding log-ins."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "timebank" / "translations"
SERVER_START_TIMEOUT = 30.0
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


def _compile_catalogues() -> None:
    """The ``.mo`` files are build output (``make install``); compile missing or stale ones."""
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parent.parent.name)
        partial = mo.with_name(f"messages.{os.getpid()}.mo.tmp")
        with partial.open("wb") as target:
            write_mo(target, catalog, use_fuzzy=True)
        partial.replace(mo)  # atomic, so parallel workers never read half a file


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_environment(database: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TIMEBANK_", "FLASK_"))}
    env.update(
        TIMEBANK_DATABASE_URL=f"sqlite:///{database}",
        TIMEBANK_SECRET_KEY="e2e-secret-key-" + "x" * 40,
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
    )
    return env


def _flask(env: dict[str, str], *args: str) -> None:
    command = [sys.executable, "-m", "flask", "--app", "timebank", *args]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


def _wait_until_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The server exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.05)  # polling for start-up, not waiting on the page
    raise RuntimeError(f"The server did not answer /healthz in time:\n{log.read_text()}")


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


@contextmanager
def serve_site() -> Iterator[Site]:
    _compile_catalogues()
    with tempfile.TemporaryDirectory(prefix="timebank-e2e-") as tmp:
        env = _server_environment(Path(tmp) / "timebank.sqlite3")
        _flask(env, "db", "upgrade")
        _flask(env, "demo")
        english = SITE_COMMUNITIES["en"]
        _flask(
            env,
            "create-community",
            "--slug",
            english.slug,
            "--name",
            english.name,
            "--locale",
            "en",
            "--coordinator",
            english.coordinator,
        )
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}"
        log = Path(tmp) / "server.log"
        with log.open("w") as log_file:
            process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "timebank", "run"]
                + ["--host", "127.0.0.1", "--port", str(port), "--no-reload", "--no-debugger"],
                cwd=ROOT,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
            try:
                _wait_until_healthy(base_url, process, log)
                yield Site(base_url, DEMO_PASSWORD, SITE_COMMUNITIES)
            finally:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)


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


# WCAG 2.0/2.1/2.2 A and AA, plus axe's best practices (landmarks, heading order, one h1),
# which the pages meet too.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_TAGS = [*WCAG_TAGS, "best-practice"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
_axe = Axe()


def _describe(violation: dict) -> str:
    lines = [f"- {violation['id']} ({violation['impact']}): {violation['help']}"]
    for node in violation["nodes"]:
        lines.append(f"    at {', '.join(map(str, node['target']))}: {node['html']}")
        lines.append(f"       {node.get('failureSummary', '').replace(chr(10), ' ')}")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def assert_accessible() -> Callable[[Page], None]:
    """Run axe-core (``AXE_TAGS``) on the page as it is and fail on any violation."""

    def check(page: Page) -> None:
        # axe-playwright-python's bundled axe-core, run by hand so only the violations
        # (not every passing rule) travel back from the browser: half the time per page.
        if not page.evaluate("typeof window.axe === 'object'"):
            page.evaluate(_axe.axe_script)
        violations = page.evaluate(
            "options => axe.run(options).then(r => r.violations)", AXE_OPTIONS
        )
        report = "\n".join(_describe(v) for v in violations)
        assert not violations, f"axe found WCAG violations on {page.url}:\n{report}"

    return check
