"""The coordinator console in a browser, in English and in Arabic: onboard an applicant
through the vetting steps, type a ten-row paper timesheet with one duplicate flagged, and
act as proxy for a member without e-mail — including reading and answering her messages.
axe-core checks every page on the way."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import expect_language, log_in, use_language

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def site(private_site):
    """This journey changes demo data other journeys rely on: it gets its own server."""
    return private_site


HOME = "/c/old-town"
CONSOLE = f"{HOME}/coordinator"
APPLICANT = {"en": "Hassan Aziz", "ar": "Ruth Cohen"}
# Different dates per language, so the second run does not meet the first one's slips.
DAYS_BACK = {"en": 20, "ar": 40}
TO_ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def _check(page: Page, lang: str, assert_accessible) -> None:
    expect_language(page, lang)
    expect(page.locator("main h1")).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_coordinator_console_journey(new_page, site, assert_accessible, console, lang):
    """Vetting, a paper timesheet with a duplicate, and acting as a proxy."""
    page = new_page(locale=lang)
    log_in(page, "coordinator@example.org", site.password)
    page.goto(f"{CONSOLE}/")
    use_language(page, lang)
    _check(page, lang, assert_accessible)

    # Onboarding: tick every vetting step for the applicant, then approve.
    page.goto(f"{HOME}/applicants/")
    card = page.locator("main li.card").filter(
        has=page.get_by_role("heading", name=APPLICANT[lang], exact=True)
    )
    card.locator("a[href*='/coordinator/applicants/']").click()
    _check(page, lang, assert_accessible)
    tick_buttons = page.locator("main table form button[type=submit]")
    for _ in range(tick_buttons.count()):
        tick_buttons.first.click()
        expect(page.locator(".flash-success")).to_be_visible()
    expect(tick_buttons).to_have_count(0)
    _check(page, lang, assert_accessible)
    page.locator("main form[action$='/approve'] button").click()
    expect(page.locator(".flash-success")).to_contain_text(APPLICANT[lang])

    # A ten-row paper timesheet; the tenth row repeats the first and is flagged.
    page.goto(f"{CONSOLE}/timesheet")
    _check(page, lang, assert_accessible)
    day = date.today() - timedelta(days=DAYS_BACK[lang])
    for i in range(10):
        source = 0 if i == 9 else i
        provider, recipient = 3 + source % 5, 3 + (source + 1) % 5
        values = {
            "provider": str(provider),
            "recipient": str(recipient),
            "date": (day - timedelta(days=source)).isoformat(),
            "duration": "0:30" if lang == "en" else "٠:٣٠",
        }
        if lang == "ar":
            values["provider"] = values["provider"].translate(TO_ARABIC_DIGITS)
        for name, value in values.items():
            page.locator(f"#rows-{i}-{name}").fill(value)
        page.locator(f"#rows-{i}-category").select_option("gardening")  # a choice, not typed
    page.locator("main button[value=check]").click()
    expect(page.locator("main .duplicate")).to_have_count(1)
    _check(page, lang, assert_accessible)
    for name in ("provider", "recipient", "date", "duration"):
        page.locator(f"#rows-9-{name}").fill("")
    page.locator("#rows-9-category").select_option("")
    page.locator("main button[value=check]").click()
    expect(page.locator("main .duplicate")).to_have_count(0)
    page.locator("main button[value=save]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    _check(page, lang, assert_accessible)

    # Acting for the member without e-mail: record an exchange on her behalf.
    page.goto(f"{CONSOLE}/members/")
    page.locator("main table a", has_text="أم خالد").click()
    _check(page, lang, assert_accessible)
    page.locator("main a[href*='/for/']").first.click()
    _check(page, lang, assert_accessible)
    page.locator("main a[href$='/record']").click()
    _check(page, lang, assert_accessible)
    page.locator("#direction-1").check()
    page.locator("#other_number").fill("3")
    page.locator("#service_date").fill(day.isoformat())
    page.locator("#duration").fill("1:00" if lang == "en" else "١:٠٠")
    page.locator("#category").select_option("companionship")
    page.locator("main form.form button[type=submit]").click()
    expect(page.locator(".flash-success")).to_contain_text("أم خالد")
    _check(page, lang, assert_accessible)
    page.locator("main a[href$='/statement']").click()
    _check(page, lang, assert_accessible)

    for path in ("/members/", "/vetting/", "/announcements/", "/audit/", "/import",
                 "/members/new"):  # fmt: skip
        page.goto(f"{CONSOLE}{path}")
        _check(page, lang, assert_accessible)

    assert console.csp_violations == []
    assert console.messages == []


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_proxy_reads_and_answers_messages(new_page, site, assert_accessible, console, lang):
    """Salma, proxy of the member without e-mail, posts an offer for her; Yusuf writes
    about it; Salma reads the conversation and answers on the member's behalf."""
    title = {"en": "Stuffed vine leaves lesson", "ar": "درس ورق العنب"}[lang]
    proxy = new_page(locale=lang)
    log_in(proxy, "salma@example.org", site.password)
    proxy.goto(f"{HOME}/for/")
    use_language(proxy, lang)
    proxy.locator("main a[href*='/for/']", has_text="أم خالد").click()
    proxy.locator("main a[href$='/listing']").click()
    proxy.locator("#title").fill(title)
    proxy.locator("#category_id").select_option(index=1)
    proxy.locator("main form.form button[type=submit]").click()
    expect(proxy.locator(".flash-success")).to_contain_text("أم خالد")

    writer = new_page(locale=lang)
    log_in(writer, "yusuf@example.org", site.password)
    writer.goto(f"{HOME}/listings/")
    writer.get_by_role("link", name=title).first.click()
    writer.locator("main a[href*='/conversations/respond/']").click()
    writer.locator("#body").fill(f"{title}? Yes please.")
    writer.locator("main form button[type=submit]").click()
    expect(writer.locator(".message-body").first).to_contain_text("Yes please")

    proxy.locator("main a[href$='/conversations/']").click()
    _check(proxy, lang, assert_accessible)
    proxy.locator("main li.card a").first.click()
    expect(proxy.locator(".message-body").first).to_contain_text("Yes please")
    _check(proxy, lang, assert_accessible)
    proxy.locator("#body").fill("Saturday at ten.")
    proxy.locator("main form.form button[type=submit]").click()
    expect(proxy.locator(".flash-success")).to_contain_text("أم خالد")
    expect(proxy.locator(".message-body").last).to_contain_text("Saturday at ten.")
    _check(proxy, lang, assert_accessible)

    writer.reload()
    expect(writer.locator(".message .meta").last).to_contain_text("أم خالد")
    assert console.csp_violations == []
    assert console.messages == []
