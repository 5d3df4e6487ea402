"""The report as people read it: no internal keys, the reader's digits, tables readable
(dark text on white or a light tint, contrast of at least 4.5:1 measured on a rendered
page), a cover, a summary and a definitions appendix; XLSX with real dates, durations and
frozen headers; file names that carry the language."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.services.metrics_data import build_town
from timebank.services.metrics import periods
from timebank.services.reports import files as reports
from timebank.services.reports import labels

Q1 = periods.parse("2026-Q1")
ARABIC = {"a": "ليلى منصور", "b": "سلمى خوري", "c": "عمر فاروق"}
# Every member named without digits, so any Latin digit in the Arabic PDF is ours.
OTHERS = ("نور", "هدى", "سامي", "رنا", "جود", "ريم", "كريم", "دانة", "يوسف", "منى", "باسل")
ALL_NAMES = ARABIC | {k: f"{v} {k * 2}" for k, v in zip("defghijklmn", OTHERS, strict=True)}
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
INTERNAL = ("tutoring", "companionship", "gardening", "not_active", "compliance", "support",
            "transformation", "posted")  # fmt: skip


@pytest.fixture
def town(app):
    return build_town(names=ALL_NAMES)


def _pdf(town, locale: str) -> bytes:
    return reports.produce(town.community, Q1, "pdf", locale=locale, actor=None).content


def _text(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_pdf_prints_no_internal_key(town, locale):
    """Categories, levels and statuses are named, never printed as their keys."""
    text = "\n".join(_text(_pdf(town, locale)))
    assert not SNAKE.findall(text)
    if locale == "ar":  # English prose says "companionship"; Arabic never prints a key
        words = set(re.findall(r"[a-z_]+", text))
        assert not [k for k in INTERNAL if k in words]


def test_arabic_pdf_has_no_latin_digits_outside_user_data(town):
    """Every number and date of the Arabic report is in Arabic-Indic digits; only what
    members and the community typed (here the community's name, "Bank 7") may carry Latin
    ones."""
    text = "\n".join(_text(_pdf(town, "ar")))
    for user_text in town.community.display_name("ar").split():
        text = re.sub(rf"{user_text}\s*[0-9]*|[0-9]*\s*{user_text}", "", text)
    assert not re.findall(r"[0-9]", text), re.findall(r".{0,15}[0-9].{0,15}", text)[:5]
    assert "٢٠٢٦" in text


def test_pdf_has_cover_summary_and_appendix_in_order(town):
    """Cover (community, period), a one-page summary against the previous period, then
    charts, sections and definitions; pages after the cover numbered."""
    pages = _text(_pdf(town, "en"))
    assert "Activity report" in pages[0] and "1st quarter 2026" in pages[0]
    assert "Summary" in pages[1] and "Previous period" in pages[1] and "Difference" in pages[1]
    assert "Charts" in pages[2]
    # The definitions close the report: every page from their heading on is appendix
    # (it grows with the figures, so its length is not fixed).
    start = next(n for n, page in enumerate(pages) if "Definitions" in page)
    assert start > 2 and "Charts" not in "".join(pages[start:])
    assert "Share of active members in the largest connected group." in "".join(pages[start:])
    assert "Page 2" in pages[1] and "Page 1" not in pages[0]
    assert "previous period:" not in "".join(pages)


def _page_image(content: bytes, page: int) -> Path:
    folder = Path(tempfile.mkdtemp())
    source = folder / "report.pdf"
    source.write_bytes(content)
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", "-f", str(page), "-l", str(page), str(source),
         str(folder / "page")],
        check=True,
    )  # fmt: skip
    return next(folder.glob("page*.png"))


def _luminance(rgb) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a, b) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
@pytest.mark.parametrize("locale", ["en", "ar"])
def test_table_pages_have_readable_contrast(town, locale):
    """On every page after the charts, each colour covering a large area (a cell's
    background) has a contrast of at least 4.5:1 with the text colour (the darkest)."""
    from PIL import Image

    content = _pdf(town, locale)
    for page in range(4, len(PdfReader(io.BytesIO(content)).pages) + 1):
        image = Image.open(_page_image(content, page)).convert("RGB")
        colours = image.getcolors(maxcolors=1 << 20)
        total = image.width * image.height
        text = min((c for _n, c in colours), key=_luminance)
        backgrounds = [c for n, c in colours if n > total * 0.01]
        assert backgrounds
        for background in backgrounds:
            assert _contrast(text, background) >= 4.5, (page, background)


def test_labels_cover_every_status_kind_and_role():
    """One translated label table names every value a report or export prints."""
    from timebank.models import ExchangeKind, ExchangeStatus, MembershipStatus, Role

    for group, values in (("status", [*ExchangeStatus, *MembershipStatus]),
                          ("kind", ExchangeKind), ("role", Role)):  # fmt: skip
        for value in values:
            assert value.value in labels.LABELS[group], value


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_xlsx_has_real_dates_durations_and_frozen_headers(town, locale):
    """Dates are dates, hours are durations with a number format, headers frozen, and the
    file name carries the language."""
    file = reports.produce(town.community, Q1, "xlsx", locale=locale, actor=None)
    assert file.filename.endswith(f"-2026-Q1-{locale}.xlsx")
    book = load_workbook(io.BytesIO(file.content))
    sheet = book.worksheets[-1]
    assert sheet.freeze_panes == "A2"
    first = next(sheet.iter_rows(min_row=2, max_row=2))
    assert first[1].is_date and first[1].value.date() == date(2026, 1, 10)
    assert first[1].number_format == "yyyy-mm-dd"
    assert first[8].number_format == "[h]:mm" and first[8].value == timedelta(hours=1)
    assert book.worksheets[0]["B3"].is_date
    levels = next(ws for ws in book.worksheets if ws.max_column == 4 and ws["A2"].value)
    assert levels is not None
