"""The presentation sweep in the suite (tests/e2e/sweep.py): every GET page a visitor, a
member or a coordinator opens, in Arabic and English, loaded once per role and language
and measured at 375, 768 and 1280 px and at 360 px with 200 % text: no sideways
scrolling, no word broken though it would fit its box; axe-core at 375 px; on Arabic pages
no Latin interface word and no Latin digit. Screenshots of every page where a problem
is found, and of the key pages at every width, go to ``$TIMEBANK_ARTIFACTS/sweep``
(default ``test-results/sweep``). ``python -m tests.e2e.contact_sheets --full`` runs axe at
every width too and writes the contact sheets."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.page_checks import set_text_zoom, text_size
from tests.e2e.sweep import ACCOUNTS, LANGUAGES, ROLES, Site, artifacts, log_in, serve_demo, sweep

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory) -> Site:
    folder = tmp_path_factory.mktemp("sweep")
    with serve_demo(f"sqlite:///{folder / 'sweep.sqlite3'}", str(folder)) as site:
        yield site


@pytest.mark.slow(seconds=30)  # started first, each role and language on its own
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("role", ROLES)
def test_every_page_reads_well_at_every_width(role, lang, chromium, demo_site):
    findings = sweep(chromium, demo_site, role, lang, shots=artifacts())
    assert findings.pages >= 5, f"only {findings.pages} pages for {role}"
    assert not findings.problems, "\n".join(findings.problems)


def test_every_focus_stop_in_a_date_field_shows_the_ring(chromium, demo_site):
    """A date field is several focus stops (day, month, year and the calendar button);
    each shows the site's focus ring (WCAG 2.4.7), the calendar button included."""
    demo_site.set_language("en")
    context = chromium.new_context(base_url=demo_site.base_url)
    try:
        page = context.new_page()
        log_in(page, ACCOUNTS["member"])
        page.goto("/c/old-town/me/participation")
        page.locator("#period").focus()
        stops = []
        while len(stops) < 12:
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUSED)
            if focused["id"] not in ("start", "end"):
                if stops:
                    break
                continue
            stops.append(focused)
        assert len(stops) >= 2 * 4, stops  # two fields, each with its calendar button
        for stop in stops:
            assert stop["outline"] == "solid" and stop["width"] >= 3, stop
            assert "255, 191, 71" in stop["shadow"], stop  # the yellow of --focus
    finally:
        context.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_skip_link_never_covers_the_header_with_large_text(lang, chromium, demo_site):
    """On a 360 px phone with 200 % text the skip link wraps to two lines: hidden, no
    line of it shows over the header; focused, it stands above the header instead of
    covering it (WCAG 1.4.4, 2.4.1)."""
    context = chromium.new_context(
        base_url=demo_site.base_url, locale=lang, viewport={"width": 360, "height": 800}
    )
    try:
        page = context.new_page()
        page.goto("/auth/login")
        normal = text_size(page)
        set_text_zoom(page, 200)
        assert text_size(page) == 2 * normal
        link, header = page.locator("a.skip-link"), page.locator("header.site-header")
        hidden = link.bounding_box()
        assert hidden is not None and hidden["y"] + hidden["height"] <= 0, hidden
        page.keyboard.press("Tab")
        expect(link).to_be_focused()
        shown, top = link.bounding_box(), header.bounding_box()
        assert shown is not None and top is not None
        assert shown["height"] > 2 * (2 * normal * 1.55), shown  # two lines of doubled text
        assert shown["y"] >= 0 and shown["y"] + shown["height"] <= top["y"], (shown, top)
    finally:
        context.close()


FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {id: el.id, outline: style.outlineStyle, width: parseFloat(style.outlineWidth),
          shadow: style.boxShadow};
}"""
