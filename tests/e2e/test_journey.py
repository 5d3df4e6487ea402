"""A newcomer's first visit, in a real browser, in English and in Arabic; every page visited
is checked with axe-core against WCAG 2.2 A/AA (and axe's best practices)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import (
    LOGIN_LINK,
    LOGOUT,
    OTHER,
    RESULTS,
    SUBMIT,
    SWITCHER,
    expect_language,
    log_in,
)

pytestmark = pytest.mark.e2e

APPLICANT = {
    "en": ("Nadia Saleh", "nadia@example.org"),
    "ar": ("سمير الحلبي", "samir@example.org"),
}
APPLICANT_PASSWORD = "a long sentence to remember"


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_register_approve_log_in_switch_language_log_out(
    lang, new_page, site, console, assert_accessible
):
    """A visitor applies, a coordinator approves them, and the new member logs in, switches
    language (which is remembered) and logs out; every page is accessible and the CSP is
    never violated."""
    community = site.communities[lang]
    name, email = APPLICANT[lang]
    home = f"/c/{community.slug}/"

    # A visitor whose browser asks for `lang` finds the community and applies.
    visitor = new_page(locale=lang)
    visitor.goto("/")
    expect_language(visitor, lang)
    assert_accessible(visitor)

    visitor.locator(f"main a[href='{home}']").click()
    expect(visitor).to_have_url(re.compile(re.escape(home) + "$"))
    expect_language(visitor, lang)
    assert_accessible(visitor)

    visitor.locator("main a[href^='/auth/register']").click()
    expect(visitor.locator("#community")).to_be_visible()
    expect_language(visitor, lang)
    assert_accessible(visitor)
    visitor.locator("#community").select_option(label=community.name)
    visitor.locator("#display_name").fill(name)
    visitor.locator("#email").fill(email)
    visitor.locator("#password").fill(APPLICANT_PASSWORD)
    visitor.locator("#motivation").fill("I can read to children on Saturdays.")
    visitor.locator(SUBMIT).click()
    expect(visitor).to_have_url(re.compile(r"/auth/login$"))
    expect(visitor.locator(".flash-success")).to_be_visible()
    expect_language(visitor, lang)
    assert_accessible(visitor)

    # The community's coordinator (who reads `lang`) approves the application.
    coordinator = new_page(locale=lang)
    log_in(coordinator, community.coordinator, site.password)
    expect_language(coordinator, lang)
    assert_accessible(coordinator)
    coordinator.goto(home)
    coordinator.locator(f"main a[href='{home}applicants/']").click()
    applicant = coordinator.locator("main li.card").filter(
        has=coordinator.get_by_role("heading", name=name, exact=True)
    )
    expect(applicant).to_have_count(1)
    expect_language(coordinator, lang)
    assert_accessible(coordinator)
    applicant.locator("form button[type=submit]").click()
    expect(coordinator.locator(".flash-success")).to_contain_text(name)
    expect(applicant).to_have_count(0)
    assert_accessible(coordinator)

    # The new member logs in and sees the member pages of the community.
    log_in(visitor, email, APPLICANT_PASSWORD)
    expect_language(visitor, lang)
    assert_accessible(visitor)
    visitor.goto(home)
    expect(visitor.locator(f"main nav a[href='{home}people/']")).to_be_visible()
    assert_accessible(visitor)
    RESULTS.mkdir(parents=True, exist_ok=True)
    visitor.screenshot(path=RESULTS / f"community-home-{lang}.png", full_page=True)

    # The visible switcher changes the language and keeps the member on the same page.
    switcher = visitor.locator(f"{SWITCHER}[value={OTHER[lang]}]")
    expect(switcher).to_have_attribute("lang", OTHER[lang])
    switcher.click()
    expect_language(visitor, OTHER[lang])
    expect(visitor).to_have_url(re.compile(re.escape(home) + "$"))
    expect(visitor.locator(f"{SWITCHER}[value={lang}]")).to_be_visible()
    assert_accessible(visitor)

    # Logging out ends the session.
    visitor.locator(LOGOUT).click()
    expect(visitor.locator(LOGIN_LINK)).to_be_visible()
    expect(visitor.locator(".flash-success")).to_be_visible()
    assert_accessible(visitor)
    visitor.goto(f"{home}members/")
    expect(visitor).to_have_url(re.compile(r"/auth/login\?next="))

    # The choice is remembered for the member, whatever their next browser asks for.
    elsewhere = new_page(locale=lang)
    log_in(elsewhere, email, APPLICANT_PASSWORD)
    expect_language(elsewhere, OTHER[lang])

    assert console.csp_violations == []
    assert console.messages == []


def test_log_in_and_out_without_javascript(new_page, site):
    """With JavaScript off a member can still log in, see their account and log out."""
    page = new_page(javascript=False)
    log_in(page, "yusuf@example.org", site.password)
    page.goto("/account/")
    expect(page.locator("main h1")).to_be_visible()
    expect_language(page, "en")
    page.locator(LOGOUT).click()
    expect(page.locator(LOGIN_LINK)).to_be_visible()
    page.goto("/account/")
    expect(page).to_have_url(re.compile(r"/auth/login\?next="))


def test_csp_forbids_inline_code_and_the_console_would_tell(page, console):
    """Every page carries the Content-Security-Policy, and a violation reaches the console
    (so the journey's "no violations" check can fail)."""
    response = page.goto("/auth/login")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert console.messages == []
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        page.evaluate(
            "document.head.appendChild(document.createElement('style')).textContent = "
            "'body { color: red }'"
        )
    assert console.csp_violations
