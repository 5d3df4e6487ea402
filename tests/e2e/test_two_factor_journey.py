"""Two-factor sign-in in a browser, in English and in Arabic: a member sets it up from the
key shown as text (as a screen-reader user would), keeps the recovery codes, logs out,
and signs in again with the password and a code. axe-core checks every page (it needs
JavaScript; the pages use none, and tests/web/test_two_factor.py runs them without);
each page is photographed at 1280 and 320 CSS pixels."""

from __future__ import annotations

import time

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import (
    LOGOUT,
    RESULTS,
    SUBMIT,
    expect_language,
    expect_no_horizontal_scrolling,
    use_language,
)

pytestmark = pytest.mark.e2e

MEMBER = {"en": "grace@example.org", "ar": "salma@example.org"}


@pytest.fixture(scope="module")
def site(private_site):
    """The journey turns two-factor sign-in on for demo members: its own server."""
    return private_site


def _look(page: Page, lang: str, name: str, assert_accessible) -> None:
    expect_language(page, lang)
    expect(page.locator("main h1")).to_be_visible()
    assert_accessible(page)
    RESULTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 320):
        page.set_viewport_size({"width": width, "height": 900})
        if width == 320:
            expect_no_horizontal_scrolling(page)
        page.screenshot(path=str(RESULTS / f"two-factor-{name}-{lang}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})


def _code(secret: str, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * steps)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_set_up_and_sign_in_with_a_code(new_page, site, assert_accessible, console, lang):
    """Set up with the typed key, see ten recovery codes, sign in with a code."""
    page = new_page(locale=lang)
    page.goto("/auth/login")
    use_language(page, lang)
    page.locator("#email").fill(MEMBER[lang])
    page.locator("#password").fill(site.password)
    page.locator(SUBMIT).click()
    expect(page.locator(LOGOUT)).to_be_visible()

    page.goto("/account/two-factor")
    _look(page, lang, "off", assert_accessible)
    page.locator("main form[action^='/account/two-factor/start'] button").click()
    expect(page.locator("img.qr-code")).to_be_visible()
    secret = page.locator("code.secret-key").inner_text().replace(" ", "")
    page.locator("#code").fill("123")
    page.locator("main form[action^='/account/two-factor/confirm'] button").click()
    expect(page.locator(".error-summary")).to_be_visible()
    _look(page, lang, "set-up-error", assert_accessible)

    page.locator("#code").fill(_code(secret))
    page.locator("main form[action^='/account/two-factor/confirm'] button").click()
    expect(page.locator("ol.recovery-codes li")).to_have_count(10)
    _look(page, lang, "recovery-codes", assert_accessible)
    page.locator("main a.button").click()
    expect(page.locator("main form[action='/account/two-factor/disable']")).to_be_visible()
    _look(page, lang, "on", assert_accessible)

    page.locator(LOGOUT).click()
    page.goto("/auth/login")
    page.locator("#email").fill(MEMBER[lang])
    page.locator("#password").fill(site.password)
    page.locator(SUBMIT).click()
    expect(page.locator("#code")).to_have_attribute("autocomplete", "one-time-code")
    expect(page.locator(LOGOUT)).to_have_count(0)
    _look(page, lang, "second-step", assert_accessible)
    page.locator("#code").fill(_code(secret, steps=1))
    page.locator(SUBMIT).click()
    expect(page.locator(LOGOUT)).to_be_visible()
    assert console.csp_violations == []
