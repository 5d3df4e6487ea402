"""Browser-test support for the hour ledger journey: a person logged in in a browser
context of their own, and the exchange id read back from a page's address."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page

from tests.e2e.helpers import log_in
from timebank.demo import DEMO_PASSWORD

DEMO_SLUG = "old-town"
TIMEOUT_MS = 20_000


def person(browser: Browser, base_url: str, email: str, *, locale: str) -> Page:
    """A page in a browser context of its own (own cookies), logged in as ``email``."""
    context = browser.new_context(base_url=base_url, locale=locale)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    log_in(page, email, DEMO_PASSWORD)
    return page


def exchange_id_from(url: str) -> int:
    match = re.search(r"/hours/exchanges/(\d+)", url)
    assert match, f"not an exchange page: {url}"
    return int(match.group(1))
