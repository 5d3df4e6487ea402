"""Every page, including forms showing their errors, on a 320-pixel-wide screen (what
1280 pixels at 400 % zoom leaves): accessible per axe-core, no sideways scrolling, and a
visible focus wherever the keyboard goes."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import (
    SUBMIT,
    expect_language,
    expect_no_horizontal_scrolling,
    log_in,
    use_language,
)

pytestmark = pytest.mark.e2e

NARROW = {"width": 320, "height": 640}
ANONYMOUS_PAGES = [
    "/",
    "/c/old-town/",
    "/auth/login",
    "/auth/register?community=old-town",
    "/auth/forgot",
    "/auth/reset/not-a-valid-token",
    "/c/no-such-community/",
]
STATUS = {"/auth/reset/not-a-valid-token": 400, "/c/no-such-community/": 404}
ADMIN_PAGES = [
    "/account/",
    "/account/password",
    "/admin/communities/",
    "/admin/outbox/",
    "/c/old-town/",
    "/c/old-town/members/",
    "/c/old-town/applicants/",
    "/c/old-town/outbox/",
]


@pytest.fixture
def check(assert_accessible):
    def check_page(page: Page, lang: str) -> None:
        expect_language(page, lang)
        expect(page.locator("main h1")).to_be_visible()
        assert_accessible(page)
        expect_no_horizontal_scrolling(page)

    return check_page


def submit_empty(page: Page) -> None:
    """Send the page's form as it is, so it comes back with its error summary."""
    page.locator(SUBMIT).first.click()
    expect(page.locator("main .error-summary")).to_be_visible()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_every_page_a_visitor_sees(lang, new_page, console, check):
    """Public pages, the translated error pages, and forms with their errors are accessible
    and fit 320 px."""
    page = new_page(locale=lang)
    page.set_viewport_size(NARROW)
    for path in ANONYMOUS_PAGES:
        response = page.goto(path)
        assert response.status == STATUS.get(path, 200), path
        check(page, lang)
    for path in ("/auth/register", "/auth/forgot"):
        page.goto(path)
        submit_empty(page)
        check(page, lang)
    page.goto("/auth/login")
    page.locator("#email").fill("nobody@example.org")
    page.locator("#password").fill("not the password")
    page.locator(SUBMIT).click()
    expect(page.locator("#password-error")).to_be_visible()
    check(page, lang)
    # The 400 and 404 pages are logged as failed loads; nothing may break the CSP.
    assert console.csp_violations == []


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_every_page_an_administrator_sees(lang, new_page, site, console, check):
    """Account, administration and coordinator pages, and their forms with errors, are
    accessible and fit 320 px."""
    page = new_page(locale=lang)
    page.set_viewport_size(NARROW)
    log_in(page, "admin@example.org", site.password)
    use_language(page, lang)
    for path in ADMIN_PAGES:
        page.goto(path)
        check(page, lang)

    page.goto("/admin/communities/")
    # Language names are marked with their own language.
    expect(page.locator("#locale option[value=ar]")).to_have_attribute("lang", "ar")
    expect(page.locator("#locale option[value=en]")).to_have_attribute("lang", "en")
    page.locator("main table a[href^='/admin/communities/']").first.click()
    check(page, lang)
    for path in ("/account/password", "/admin/communities/", page.url):
        page.goto(path)
        submit_empty(page)
        check(page, lang)

    page.goto("/c/old-town/applicants/")
    page.locator("main a[href$='/decline']").first.click()
    check(page, lang)
    submit_empty(page)
    check(page, lang)
    assert console.messages == []


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_keyboard_focus_is_always_visible(lang, new_page):
    """The first Tab reaches the skip link, which moves focus to the content; a form sent
    with mistakes comes back with focus on its error summary (no JavaScript needed); every
    control the keyboard reaches then shows a clear focus ring."""
    page = new_page(locale=lang)
    page.goto("/auth/register")
    page.keyboard.press("Tab")
    expect(page.locator("a.skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    page.goto("/auth/register")  # afresh: a #main fragment in the address skips autofocus
    submit_empty(page)
    expect(page.locator("main .error-summary")).to_be_focused()

    seen = []
    for _ in range(30):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
                const el = document.activeElement;
                const style = getComputedStyle(el);
                return {
                    tag: el.tagName, id: el.id, name: el.getAttribute('name'),
                    href: el.getAttribute('href'), inMain: !!el.closest('main'),
                    outline: style.outlineStyle, width: parseFloat(style.outlineWidth),
                };
            }"""
        )
        if not focused["inMain"]:
            break
        seen.append(focused)
        assert focused["outline"] != "none" and focused["width"] >= 2, (
            f"no visible focus on {focused}"
        )
    reached = {f["id"] or f["name"] or f["href"] for f in seen}
    assert {"community", "display_name", "email", "password", "motivation"} <= reached
    assert "#display_name" in reached  # a link in the error summary


def test_the_accessibility_check_reports_what_it_finds(page, assert_accessible):
    """The axe check fails, naming rule and element, on a page with known faults, so a
    green run means something."""
    page.set_content('<title>x</title><img src="x.png"><a href="#top"></a>')
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page)
    report = str(failure.value)
    for rule in ("html-has-lang", "image-alt", "link-name", "landmark-one-main"):
        assert rule in report
    assert '<img src="x.png">' in report
