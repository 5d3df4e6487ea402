"""Browser-test support for the hour ledger journey: the real server in a subprocess on a
fresh SQLite file (``flask db upgrade`` and ``flask demo``), Debian's chromium through
Playwright, and an axe-core check. Kept out of ``conftest.py`` on purpose: the shared
browser fixtures live there, on their own branch."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from playwright.sync_api import Browser, Page

ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "demo-password-2026"
DEMO_SLUG = "old-town"
TIMEOUT_MS = 20_000
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
_axe = Axe()


def _compile_catalogues() -> None:
    for po in (ROOT / "timebank" / "translations").glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parent.parent.name)
        partial = mo.with_name(f"messages.{os.getpid()}.mo.tmp")
        with partial.open("wb") as target:
            write_mo(target, catalog, use_fuzzy=True)
        partial.replace(mo)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _flask(env: dict[str, str], *args: str) -> None:
    command = [sys.executable, "-m", "flask", "--app", "timebank", *args]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


@contextmanager
def demo_server() -> Iterator[str]:
    """The application with the demo community, served by ``flask run``; yields its URL."""
    _compile_catalogues()
    with tempfile.TemporaryDirectory(prefix="timebank-ledger-e2e-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TIMEBANK_", "FLASK_"))}
        env.update(
            TIMEBANK_DATABASE_URL=f"sqlite:///{Path(tmp) / 'timebank.sqlite3'}",
            TIMEBANK_SECRET_KEY="ledger-e2e-secret-" + "y" * 40,
            PYTHONPATH=str(ROOT),
            PYTHONUNBUFFERED="1",
        )
        _flask(env, "db", "upgrade")
        _flask(env, "demo")
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        log = Path(tmp) / "server.log"
        with log.open("w") as log_file:
            process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "timebank", "run", "--host",
                 "127.0.0.1", "--port", str(port), "--no-reload", "--no-debugger"],
                cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
            )  # fmt: skip
            try:
                _wait_until_healthy(url, process, log)
                yield url
            finally:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)


def _wait_until_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The server exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.05)  # polling for start-up
    raise RuntimeError(f"The server did not answer /healthz in time:\n{log.read_text()}")


def person(browser: Browser, base_url: str, email: str, *, locale: str) -> Page:
    """A page in a browser context of its own (own cookies), logged in as ``email``."""
    context = browser.new_context(base_url=base_url, locale=locale)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto("/auth/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert "/auth/login" not in page.url, f"login failed for {email}"
    return page


def assert_accessible(page: Page) -> None:
    """axe-core with the WCAG 2.0/2.1 A and AA rules: no violations on the page as it is."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(_axe.axe_script)
    violations = page.evaluate("options => axe.run(options).then(r => r.violations)", AXE_OPTIONS)
    report = "\n".join(
        f"- {v['id']}: {v['help']} at "
        + "; ".join(f"{n['target']} {n['html'][:120]}" for n in v["nodes"])
        for v in violations
    )
    assert not violations, f"axe found violations on {page.url}:\n{report}"


def exchange_id_from(url: str) -> int:
    match = re.search(r"/hours/exchanges/(\d+)", url)
    assert match, f"not an exchange page: {url}"
    return int(match.group(1))
