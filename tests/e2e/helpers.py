"""What the browser tests do the way a person does, with language-independent selectors."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Page, expect

# Screenshots for a person (or CI) to look at: $TIMEBANK_ARTIFACTS, by default
# test-results/ (git-ignored).
RESULTS = Path(
    os.environ.get("TIMEBANK_ARTIFACTS") or Path(__file__).resolve().parents[2] / "test-results"
)

DIRECTION = {"en": "ltr", "ar": "rtl"}
OTHER = {"en": "ar", "ar": "en"}

SUBMIT = "main form.form button[type=submit]"
LOGOUT = "header form[action='/auth/logout'] button[type=submit]"
LOGIN_LINK = "header a[href='/auth/login']"
SWITCHER = "header form.lang-switch button[name=lang]"


def expect_language(page: Page, lang: str) -> None:
    html = page.locator("html")
    expect(html).to_have_attribute("lang", lang)
    expect(html).to_have_attribute("dir", DIRECTION[lang])


def log_in(page: Page, email: str, password: str) -> None:
    page.goto("/auth/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator(SUBMIT).click()
    expect(page.locator(LOGOUT)).to_be_visible()


def use_language(page: Page, lang: str) -> None:
    """Switch with the visible switcher unless the page is already in ``lang``."""
    if page.locator("html").get_attribute("lang") != lang:
        page.locator(f"{SWITCHER}[value={lang}]").click()
    expect_language(page, lang)


def expect_no_horizontal_scrolling(page: Page) -> None:
    """WCAG 1.4.10 Reflow: at 320 CSS pixels nothing makes the page scroll sideways."""
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"{page.url} scrolls sideways: {widths[0]} > {widths[1]} px"
