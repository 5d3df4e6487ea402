"""Companionship in a real browser, in English and in Arabic: a member asks for company, a
coordinator matches a checked volunteer, the volunteer logs a visit with a concern, and the
coordinator sees the alert. Every page visited is checked with axe-core (WCAG 2 A/AA)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import SUBMIT, log_in, use_language

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def site(private_site):
    """This journey changes demo data other journeys rely on: it gets its own server."""
    return private_site


SLUG = "old-town"
# language -> (member asking, volunteer with valid checks in the demo, volunteer's name)
PEOPLE = {
    "en": ("omar@example.org", "yusuf@example.org", "Yusuf Rahman"),
    "ar": ("salma@example.org", "grace@example.org", "Grace Miller"),
}
COORDINATOR = "coordinator@example.org"
# Switching language is remembered on the account; other browser tests expect these back.
OWN_LANGUAGE = {
    "omar@example.org": "ar",
    "salma@example.org": "ar",
    "yusuf@example.org": "en",
    "grace@example.org": "en",
    COORDINATOR: "ar",
}
CONCERN = {"en": "She had no heating on today.", "ar": "لم تكن التدفئة تعمل اليوم."}


def _visit(page, url, lang, assert_accessible):
    page.goto(url)
    use_language(page, lang)
    assert_accessible(page)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_request_match_visit_concern(lang, new_page, site, console, assert_accessible):
    """Request → match to a checked volunteer → visit with a concern → coordinator alerted."""
    asker, volunteer, volunteer_name = PEOPLE[lang]
    base = f"/c/{SLUG}/companionship"

    member = new_page(locale=lang)
    log_in(member, asker, site.password)
    _visit(member, f"{base}/", lang, assert_accessible)
    _visit(member, f"{base}/new", lang, assert_accessible)
    member.locator("#kind").select_option("home_visit")
    member.locator("#frequency").select_option("weekly")
    member.locator("#preferred_times").fill("Tuesday mornings")
    member.locator(SUBMIT).click()
    expect(member).to_have_url(re.compile(r"/companionship/requests/\d+$"))
    assert_accessible(member)
    request_url = member.url
    use_language(member, OWN_LANGUAGE[asker])
    member.close()

    coordinator = new_page(locale=lang)
    log_in(coordinator, COORDINATOR, site.password)
    _visit(coordinator, request_url + "/match", lang, assert_accessible)
    coordinator.locator("tr", has_text=volunteer_name).locator("button").click()
    expect(coordinator).to_have_url(re.compile(r"/companionship/arrangements/\d+$"))
    assert_accessible(coordinator)
    arrangement_url = coordinator.url

    # Three people, three log-ins (the server keeps its login rate limit).
    helper = new_page(locale=lang)
    log_in(helper, volunteer, site.password)
    _visit(helper, arrangement_url, lang, assert_accessible)
    helper.locator("main a[href$='/visit']").click()
    assert_accessible(helper)
    helper.locator("#service_date").fill(date.today().isoformat())
    helper.locator("#minutes").fill("60")
    helper.locator("#wellbeing-1").check()
    helper.locator("#concern_note").fill(CONCERN[lang])
    helper.locator(SUBMIT).click()
    expect(helper).to_have_url(re.compile(re.escape(arrangement_url) + "$"))
    expect(helper.locator(".flash-success")).to_be_visible()
    assert_accessible(helper)
    use_language(helper, OWN_LANGUAGE[volunteer])

    _visit(coordinator, "/notifications/", lang, assert_accessible)
    expect(coordinator.locator("header .badge")).to_be_visible()
    coordinator.locator("main .card button.link-button").first.click()
    expect(coordinator).to_have_url(re.compile(r"/companionship/concerns$"))
    expect(coordinator.locator("main")).to_contain_text(CONCERN[lang])
    assert_accessible(coordinator)
    use_language(coordinator, OWN_LANGUAGE[COORDINATOR])
    assert console.csp_violations == []
    assert console.messages == []
