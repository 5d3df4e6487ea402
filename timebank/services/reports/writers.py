"""A report's tables as JSON, zipped CSV or XLSX bytes (PDF lives in ``pdf``). Text cells
are formula-safe in every format (``csvsafe.safe_cell``); numbers stay numbers."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date

from flask_babel import gettext as _

from timebank.services.csvsafe import safe_cell, stream_rows
from timebank.services.reports.labels import LABELS, Minutes, label
from timebank.services.reports.tables import Column, Report

FORMATS = ("pdf", "xlsx", "csv", "json")
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "application/zip",
    "json": "application/json",
}
EXTENSIONS = {"pdf": "pdf", "xlsx": "xlsx", "csv": "zip", "json": "json"}


def filename(report_slug: str, label: str, fmt: str, locale: str) -> str:
    """``activity-<community>-<period>-<language>.<ext>``: the English and the Arabic
    report of a period do not overwrite each other in a downloads folder."""
    return f"activity-{report_slug}-{label}-{locale}.{EXTENSIONS[fmt]}"


def csv_label(column: Column) -> str:
    """A CSV header: minutes columns say their unit (the PDF and XLSX show durations)."""
    return f"{column.label} ({_('minutes')})" if column.kind == "minutes" else column.label


def to_json(report: Report) -> bytes:
    """Sorted keys, fixed indentation, no timestamps: byte-stable for a closed period."""
    data = {
        "community": report.community,
        "slug": report.slug,
        "locale": report.locale,
        "period": report.summary.as_dict()["period"],
        "no_activity": report.empty,
        "summary": report.summary.as_dict(),
        "previous": report.previous.as_dict(),
        "estimated_social_value": (
            {
                "amount": report.social_value[0],
                "currency": report.social_value[1],
                "is_estimate": True,
            }
            if report.social_value
            else None
        ),  # fmt: skip
        "tables": {
            t.key: {
                "title": t.title,
                "columns": [c.key for c in t.columns],
                "labels": [c.label for c in t.columns],
                "rows": t.rows,
            }
            for t in report.tables
        },
    }
    return (json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode()


def to_csv_zip(report: Report) -> bytes:
    """One CSV per table, in a zip whose entries carry the period's end as their date."""
    stamp = (report.period.end.year, report.period.end.month, report.period.end.day, 0, 0, 0)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for number, table in enumerate(report.tables, start=1):
            text = "".join(stream_rows([csv_label(c) for c in table.columns], table.rows))
            info = zipfile.ZipInfo(f"{number:02d}-{table.key}.csv", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))
    return buffer.getvalue()


_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_title(title: str, used: set[str]) -> str:
    base = _SHEET_FORBIDDEN.sub(" ", title).strip()[:28] or "Sheet"
    name, n = base, 2
    while name in used:
        name, n = f"{base[:25]} {n}", n + 1
    used.add(name)
    return name


def cell(value: object) -> object:
    """Text is neutralised (openpyxl would otherwise store ``=…`` as a formula)."""
    return (
        value
        if isinstance(value, int | float) and not isinstance(value, bool)
        else safe_cell(value)
    )


DATE_FORMAT = "yyyy-mm-dd"
DURATION_FORMAT = "[h]:mm"
NUMBER_FORMATS = {"int": "0", "minutes": "0", "number": "0.00", "hours": DURATION_FORMAT}


def xlsx_value(kind: str, value: object) -> tuple[object, str | None]:
    """A cell's value and number format: dates as dates, hours as durations (a fraction of
    a day shown as ``[h]:mm``), numbers as numbers; text neutralised."""
    if value is None:
        return None, None
    if isinstance(value, Minutes):
        return int(value), NUMBER_FORMATS["minutes"]
    if kind == "date":
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
        return day, DATE_FORMAT
    if kind == "hours" and isinstance(value, int | float):
        return round(float(value) / 24, 8), DURATION_FORMAT
    if kind in LABELS:
        return cell(label(kind, value)), None
    return cell(value), NUMBER_FORMATS.get(kind) if isinstance(value, int | float) else None


def xlsx_row(sheet, kinds: list[str], row: list | tuple) -> list:
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for kind, value in zip(kinds, row, strict=True):
        shown_value, number_format = xlsx_value(kind, value)
        if number_format is None:
            cells.append(shown_value)
            continue
        one = WriteOnlyCell(sheet, value=shown_value)
        one.number_format = number_format
        cells.append(one)
    return cells


def header_row(sheet, labels: list[str]) -> list:
    """Bold header cells; the sheet's first row is frozen by the caller."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    bold = Font(bold=True)
    cells = []
    for text in labels:
        head = WriteOnlyCell(sheet, value=cell(text))
        head.font = bold
        cells.append(head)
    return cells


def to_xlsx(report: Report) -> bytes:
    """One sheet per table (right-to-left for Arabic), header row in bold, frozen; dates
    are dates and hours are durations, with their formats."""
    from openpyxl import Workbook  # here, not at import: the command line never needs it

    workbook = Workbook(write_only=True)
    used: set[str] = set()
    rtl = report.locale == "ar"
    about = workbook.create_sheet(sheet_title(_("Report"), used))
    about.sheet_view.rightToLeft = rtl
    about.column_dimensions["A"].width = 40
    about.column_dimensions["B"].width = 30
    about.append([cell(_("Community")), cell(report.community)])
    about.append([cell(_("Period")), cell(report.period.label)])
    about.append(xlsx_row(about, ["text", "date"], [_("From"), report.period.start]))
    about.append(xlsx_row(about, ["text", "date"], [_("To"), report.period.end]))
    if report.empty:
        about.append([cell(_("There was no activity in this period."))])
    if report.social_value:
        about.append([
            cell(_("Estimated social value (an estimate: hours × value per hour)")),
            report.social_value[0], cell(report.social_value[1]),
        ])  # fmt: skip
    for table in report.tables:
        sheet = workbook.create_sheet(sheet_title(table.title, used))
        sheet.sheet_view.rightToLeft = rtl
        sheet.freeze_panes = "A2"
        for number, column in enumerate(table.columns):
            letter = get_column_letter(number + 1)
            sheet.column_dimensions[letter].width = 40 if column.kind == "text" else 16
        sheet.append(header_row(sheet, [c.label for c in table.columns]))
        kinds = [c.kind for c in table.columns]
        for row in table.rows:
            sheet.append(xlsx_row(sheet, kinds, row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def get_column_letter(number: int) -> str:
    from openpyxl.utils import get_column_letter as letter

    return str(letter(number))
