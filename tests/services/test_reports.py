"""Activity reports: totals equal the ledger's, byte-stable files for a closed period,
Arabic PDF text in logical order, XLSX sheets right-to-left with matching sums."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from tests.services.metrics_data import build_town
from timebank.extensions import db
from timebank.models import Entry, Exchange, ExchangeKind, ExchangeStatus
from timebank.services.ledger.verification import verify_community
from timebank.services.metrics import periods
from timebank.services.reports import files as reports

Q1 = periods.parse("2026-Q1")
ARABIC = {"a": "ليلى منصور", "b": "سلمى خوري", "c": "عمر فاروق"}


@pytest.fixture
def town(app):
    return build_town(names=ARABIC)


def _json(town, period=Q1, locale="en"):
    file = reports.produce(town.community, period, "json", locale=locale, actor=None)
    return file, json.loads(file.content)


def test_report_totals_equal_ledger_totals(town):
    """The report's hours are the ledger's credits for the quarter (promise 14)."""
    _file, data = _json(town)
    credited = db.session.scalar(
        select(func.sum(Entry.delta))
        .join(Exchange, Exchange.id == Entry.exchange_id)
        .where(
            Exchange.community_id == town.community.id,
            Entry.delta > 0,
            Exchange.status == ExchangeStatus.POSTED,
            Exchange.kind.in_((ExchangeKind.EXCHANGE, ExchangeKind.GROUP)),
            Exchange.service_date.between(Q1.start, Q1.end),
        )
    )
    assert data["summary"]["participation"]["minutes"] == credited == 510
    rows = data["tables"]["exchanges"]["rows"]
    assert sum(r[7] for r in rows) == credited and len(rows) == 6
    assert verify_community(town.community).ok


def test_whole_history_matches_verify_ledger(town):
    """Over all of history the report's postings and entries equal verify-ledger's."""
    _file, data = _json(
        town, periods.custom(Q1.start.replace(year=2025), Q1.end.replace(month=12, day=31))
    )
    ledger = verify_community(town.community)
    recon = data["summary"]["reconciliation"]
    assert recon["posted_exchanges"] == ledger.posted_exchanges
    assert recon["entries"] == ledger.entries
    assert recon["entry_delta_sum"] == ledger.delta_sum == 0


def test_closed_period_report_is_byte_stable(town):
    """JSON and zipped CSV of a closed quarter are identical when produced twice."""
    for fmt in ("json", "csv"):
        first = reports.produce(town.community, Q1, fmt, locale="en", actor=None).content
        second = reports.produce(town.community, Q1, fmt, locale="en", actor=None).content
        assert first == second


def test_file_names_and_unknown_format(town):
    """Attachments are named after the community and period; unknown formats are refused."""
    file, _data = _json(town)
    assert file.filename == f"activity-{town.community.slug}-2026-Q1-en.json"
    with pytest.raises(reports.InvalidInput):
        reports.produce(town.community, Q1, "docx", locale="en", actor=None)


def test_empty_period_says_so(town):
    """A period without activity is a report that says so, with no ratios."""
    _file, data = _json(town, periods.parse("2025-Q3"))
    assert data["no_activity"] is True
    assert data["summary"]["reciprocity"]["gave_and_received_share"] is None
    pdf = reports.produce(town.community, periods.parse("2025-Q3"), "pdf", locale="en", actor=None)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "no activity in this period" in text


def test_arabic_pdf_has_names_in_logical_order(town):
    """The Arabic PDF's extracted text contains the members' names as typed."""
    file = reports.produce(town.community, Q1, "pdf", locale="ar", actor=None)
    assert file.content.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(file.content)).pages)
    for name in ARABIC.values():
        assert name in text


def test_xlsx_opens_rtl_with_matching_sums(town):
    """Each table is a sheet, right-to-left in Arabic, and its minutes add up."""
    for locale, rtl in (("ar", True), ("en", False)):
        file = reports.produce(town.community, Q1, "xlsx", locale=locale, actor=None)
        book = load_workbook(io.BytesIO(file.content))
        assert all(bool(ws.sheet_view.rightToLeft) is rtl for ws in book.worksheets)
        exchanges = book.worksheets[-1]
        minutes = [row[7] for row in exchanges.iter_rows(min_row=2, values_only=True)]
        assert sum(minutes) == 510
        months = book.worksheets[2]
        assert sum(r[2] for r in months.iter_rows(min_row=2, values_only=True)) == 510


def test_csv_zip_has_one_file_per_table(town):
    """The CSV download is a zip of one CSV per table."""
    file = reports.produce(town.community, Q1, "csv", locale="en", actor=None)
    names = zipfile.ZipFile(io.BytesIO(file.content)).namelist()
    assert "01-metrics.csv" in names and names[-1].endswith("-exchanges.csv")


def test_estimated_social_value_is_labelled_as_an_estimate(town):
    """With a value per hour, reports add hours × value, called an estimate."""
    town.community.value_per_hour_cents, town.community.value_currency = 1200, "EUR"
    db.session.commit()
    _file, data = _json(town)
    assert data["estimated_social_value"] == {"amount": 102.0, "currency": "EUR",
                                              "is_estimate": True}  # fmt: skip
    pdf = reports.produce(town.community, Q1, "pdf", locale="en", actor=None)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Estimated social value: 102.00 EUR" in text and "estimate" in text
