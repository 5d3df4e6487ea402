"""A coordinator opens the dashboard, picks a quarter and downloads the PDF report, in
English and in Arabic, with axe-core finding no WCAG 2 A/AA violations on the way."""

from __future__ import annotations

from datetime import date

import pytest

from tests.e2e.accessibility import check_accessible
from tests.e2e.metrics_support import seed_exchanges
from tests.e2e.server import serve
from timebank.demo import ADMIN, COORDINATOR, DEMO_PASSWORD
from timebank.services.metrics import periods

pytestmark = pytest.mark.e2e

QUARTER = periods.recent("quarter", date.today())


@pytest.fixture(scope="module")
def server():
    with serve(seed_exchanges(QUARTER.start.isoformat()), TIMEBANK_RATELIMIT_ENABLED="false") as s:
        yield s


@pytest.fixture(scope="module")
def browser(chromium):
    """The suite's Debian chromium (``conftest.chromium``): one Playwright per process."""
    return chromium


@pytest.mark.parametrize(("email", "language", "pdf_text"), [
    (ADMIN[0], "en", "Activity report"),
    (COORDINATOR[0], "ar", "ليلى منصور"),  # a demo member's name, shaped and extracted back
])  # fmt: skip
def test_coordinator_downloads_quarterly_pdf(server, browser, tmp_path, email, language, pdf_text):
    """Log in, open the figures, choose the quarter, download the PDF report."""
    context = browser.new_context(accept_downloads=True, locale=language)
    page = context.new_page()
    page.goto(f"{server.url}/auth/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.goto(f"{server.url}/c/old-town/metrics/")
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    check_accessible(page)

    page.select_option("select[name=period]", QUARTER.label)
    page.click("form.period-form button[type=submit]")
    page.wait_for_load_state()
    assert f"period={QUARTER.label}" in page.url
    assert page.locator("table.figures").count() >= 4
    assert page.locator("img[src*='chart/hours.svg']").evaluate("i => i.naturalWidth") > 0
    check_accessible(page)

    page.goto(f"{server.url}/c/old-town/reports/?period={QUARTER.label}")
    check_accessible(page)
    with page.expect_download() as info:
        page.click(f"a[href$='/reports/{QUARTER.label}.pdf']")
    download = info.value
    # The file names its language, so the Arabic and English reports never overwrite each other.
    assert download.suggested_filename == f"activity-old-town-{QUARTER.label}-{language}.pdf"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    content = target.read_bytes()
    assert content.startswith(b"%PDF")
    from io import BytesIO

    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(BytesIO(content)).pages)
    assert pdf_text in text
    context.close()
