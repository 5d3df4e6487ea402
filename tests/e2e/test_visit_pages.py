"""The visit scheduler's pages (issue 19) on a 320-pixel screen, in both languages (they
use no script; the axe check needs one): the demo's missed visit with its steps, Layla's
arrangement with the visit she moved, and the move form with its errors; accessible per
axe-core, no sideways scrolling."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import SUBMIT, expect_language, expect_no_horizontal_scrolling, log_in

pytestmark = pytest.mark.e2e

NARROW = {"width": 320, "height": 640}
BASE = "/c/old-town/companionship"


def _check(page: Page, lang: str, assert_accessible) -> None:
    expect_language(page, lang)
    expect(page.locator("main h1")).to_be_visible()
    assert_accessible(page)
    expect_no_horizontal_scrolling(page)


def _in(page: Page, lang: str) -> None:
    if page.locator("html").get_attribute("lang") != lang:
        page.locator(f"button[name=lang][value={lang}]").first.click()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_visit_pages_fit_a_phone(lang, new_page, site, assert_accessible):
    coordinator = new_page(locale=lang)
    coordinator.set_viewport_size(NARROW)
    log_in(coordinator, "coordinator@example.org", site.password)
    coordinator.goto(f"{BASE}/missed")
    _in(coordinator, lang)
    _check(coordinator, lang, assert_accessible)
    # The demo's missed visit, with the time of each of its three steps.
    card = coordinator.locator("main table tbody tr").first
    expect(card.locator("td")).to_have_count(6)
    assert "–" not in card.inner_text()
    coordinator.close()

    member = new_page(locale=lang)
    member.set_viewport_size(NARROW)
    log_in(member, "grace@example.org", site.password)
    member.goto(f"{BASE}/arrangements/1")
    _in(member, lang)
    _check(member, lang, assert_accessible)
    expect(member.locator("main .next-visits")).to_contain_text("عندي موعد عند الطبيب")
    member.goto(f"{BASE}/arrangements/1/move")
    _check(member, lang, assert_accessible)
    member.locator(SUBMIT).first.click()
    expect(member.locator("main .error-summary")).to_be_visible()
    _check(member, lang, assert_accessible)


@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("width", [320, 1280])
def test_next_visits_on_the_home_page(lang, width, new_page, site, assert_accessible):
    """Grace, Layla's volunteer, sees her next visits on her home page, each linking to the
    arrangement (the moved one on its new day); accessible, no sideways scrolling."""
    from tests.e2e.helpers import RESULTS

    member = new_page(locale=lang)
    member.set_viewport_size({"width": width, "height": 900})
    log_in(member, "grace@example.org", site.password)
    member.goto("/c/old-town/")
    _in(member, lang)
    _check(member, lang, assert_accessible)
    visits = member.locator("main .next-visits-home .visit-list li")
    expect(visits).to_have_count(3)
    expect(visits.first.locator("a")).to_have_attribute("href", f"{BASE}/arrangements/1")
    RESULTS.mkdir(exist_ok=True)
    member.screenshot(path=RESULTS / f"home-visits-{lang}-{width}.png", full_page=True)
