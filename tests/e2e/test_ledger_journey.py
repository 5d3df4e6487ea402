"""The hour ledger's main journey in a real browser, in English and in Arabic: a member
records an exchange (with a preview), the other member confirms, a coordinator approves
from the queue, and the member sees the posted balance and the statement. Every page is
checked with axe-core (WCAG 2.0/2.1 A and AA)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.accessibility import check_accessible as assert_accessible
from tests.e2e.ledger_support import DEMO_SLUG, exchange_id_from, person
from tests.e2e.server import serve

pytestmark = pytest.mark.e2e

HOURS = f"/c/{DEMO_SLUG}/hours/"

JOURNEYS = {
    # language: (recorder, counterpart, search text for the counterpart, coordinator, duration)
    "en": ("grace@example.org", "yusuf@example.org", "Yusuf", "admin@example.org", "1:30"),
    "ar": ("salma@example.org", "layla@example.org", "ليلى", "coordinator@example.org", "١:٣٠"),
}


@pytest.fixture(scope="module")
def server():
    with serve() as served:
        yield served.url


@pytest.fixture(scope="module")
def browser(chromium):
    """The suite's one chromium (conftest): one Playwright per process."""
    return chromium


def _require_approval(page) -> None:
    """The coordinator sets the policy so every agreed exchange waits in the queue."""
    page.goto(f"/c/{DEMO_SLUG}/policy")
    assert_accessible(page)
    page.check("input[name=approval_conditions][value=always]")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("input[name=approval_conditions][value=always]").is_checked()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_record_confirm_approve_and_see_the_statement(server, browser, language):
    """The whole journey, every page accessible, in the reader's language and direction."""
    recorder_email, other_email, search, coordinator_email, duration = JOURNEYS[language]
    coordinator = person(browser, server, coordinator_email, locale=language)
    _require_approval(coordinator)

    recorder = person(browser, server, recorder_email, locale=language)
    assert recorder.get_attribute("html", "lang") == language
    assert recorder.get_attribute("html", "dir") == ("rtl" if language == "ar" else "ltr")
    recorder.goto(f"/c/{DEMO_SLUG}/")
    recorder.click(f"main a[href='{HOURS}']")
    assert_accessible(recorder)
    recorder.click(f"main a[href='{HOURS}record']")
    assert_accessible(recorder)
    recorder.check("#direction-0")
    recorder.fill("#member", search)
    recorder.fill("#duration", "0")
    recorder.select_option("#category", "gardening")
    recorder.fill("#description", "Planted herbs" if language == "en" else "زراعة الأعشاب")
    recorder.click("button[name=action][value=preview]")
    assert recorder.locator(".error-summary").is_visible()
    assert_accessible(recorder)  # with the error summary and the field's message
    recorder.fill("#duration", duration)
    recorder.click("button[name=action][value=preview]")
    summary = recorder.locator("dl.summary").inner_text()
    assert ("1 h 30 min" if language == "en" else "٣٠") in summary
    assert_accessible(recorder)
    recorder.click("button[name=action][value=save]")
    recorder.wait_for_url("**/hours/exchanges/*")
    exchange_id = exchange_id_from(recorder.url)
    assert_accessible(recorder)

    other = person(browser, server, other_email, locale=language)
    other.goto(HOURS)
    assert_accessible(other)
    confirm = f"form[action$='/hours/exchanges/{exchange_id}/confirm'] button"
    other.click(confirm)
    other.wait_for_url(f"**/hours/exchanges/{exchange_id}")
    assert_accessible(other)

    coordinator.goto(f"{HOURS}queue")
    assert_accessible(coordinator)
    coordinator.click(f"form[action$='/hours/exchanges/{exchange_id}/approve'] button")
    coordinator.wait_for_url("**/hours/queue")
    assert coordinator.locator(".flash-success").is_visible()
    assert_accessible(coordinator)

    recorder.goto(HOURS)
    balance = recorder.locator(".balance-figure").inner_text()
    assert balance.strip() not in ("", "0 min", "٠ د")
    assert_accessible(recorder)
    recorder.click(f"main a[href='{HOURS}statement']")
    recorder.wait_for_url(f"**{HOURS}statement")
    # The statement's line for the exchange (waited for: a count does not wait, and
    # may read the page being left).
    line = recorder.locator(f"table tbody tr a[href$='/hours/exchanges/{exchange_id}']")
    expect(line).to_have_count(1)
    assert_accessible(recorder)
    for page in (recorder, other, coordinator):
        page.context.close()


COORDINATOR_PAGES = {
    # language: (coordinator, member)
    "en": ("admin@example.org", "grace@example.org"),
    "ar": ("coordinator@example.org", "salma@example.org"),
}


@pytest.mark.parametrize("language", ["en", "ar"])
def test_coordinator_and_pot_pages_are_accessible(server, browser, language):
    """Record on behalf, approve from the detail page, reject and reverse forms, grants,
    group exchanges, limits, the policy and donations: no axe violations."""
    coordinator_email, member_email = COORDINATOR_PAGES[language]
    coordinator = person(browser, server, coordinator_email, locale=language)
    _require_approval(coordinator)
    coordinator.goto(f"/c/{DEMO_SLUG}/members/")
    assert_accessible(coordinator)
    numbers = coordinator.locator("table tbody tr td:first-child").all_inner_texts()
    coordinator.click("main a[href*='/limits']")
    assert_accessible(coordinator)

    coordinator.goto(f"{HOURS}record-for")
    assert_accessible(coordinator)
    coordinator.fill("#provider", numbers[2])
    coordinator.fill("#recipient", numbers[3])
    coordinator.fill("#duration", "45")
    coordinator.select_option("#category", "transport")
    coordinator.click("button[name=action][value=preview]")
    assert_accessible(coordinator)
    coordinator.click("button[name=action][value=save]")
    coordinator.wait_for_url("**/hours/exchanges/*")
    exchange_id = exchange_id_from(coordinator.url)
    assert_accessible(coordinator)
    coordinator.goto(f"{HOURS}exchanges/{exchange_id}/reject")
    assert_accessible(coordinator)
    coordinator.goto(f"{HOURS}exchanges/{exchange_id}")
    # Recorded for the provider: it waits for the recipient, or a coordinator's decision.
    decide = f"form[action$='/hours/exchanges/{exchange_id}/confirm-as-coordinator'] button"
    coordinator.locator(decide).click()
    coordinator.wait_for_url(f"**/hours/exchanges/{exchange_id}")
    assert_accessible(coordinator)
    coordinator.locator(f"form[action$='/hours/exchanges/{exchange_id}/approve'] button").click()
    coordinator.wait_for_url("**/hours/queue")
    coordinator.goto(f"{HOURS}exchanges/{exchange_id}/reverse")
    assert_accessible(coordinator)
    coordinator.fill("#reason", "Recorded by mistake" if language == "en" else "سُجّل خطأً")
    coordinator.click("main form button[type=submit]")
    coordinator.wait_for_load_state()
    assert_accessible(coordinator)  # the reversal, or the page explaining a limit

    for path in ("grant", "group", "queue?status=pending"):
        coordinator.goto(f"{HOURS}{path}")
        assert_accessible(coordinator)
    coordinator.goto(f"{HOURS}grant")
    coordinator.fill("#member", numbers[3])
    coordinator.fill("#duration", "abc")
    coordinator.fill("#reason", "")
    coordinator.click("main form button[type=submit]")
    assert coordinator.locator(".error-summary").is_visible()
    assert_accessible(coordinator)

    member_page = person(browser, server, member_email, locale=language)
    member_page.goto(f"{HOURS}donate")
    assert_accessible(member_page)
    for page in (coordinator, member_page):
        page.context.close()
