"""A report's tables as JSON, zipped CSV or XLSX bytes (PDF lives in ``pdf``). Text cells
are formula-safe in every format (``csvsafe.safe_cell``); numbers stay numbers."""

from __future__ import annotations

import io
import json
import re
import zipfile

from flask_babel import gettext as _

from timebank.services.csvsafe import safe_cell, stream_rows
from timebank.services.reports.tables import Report

FORMATS = ("pdf", "xlsx", "csv", "json")
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "application/zip",
    "json": "application/json",
}
EXTENSIONS = {"pdf": "pdf", "xlsx": "xlsx", "csv": "zip", "json": "json"}


def filename(report_slug: str, label: str, fmt: str) -> str:
    return f"activity-{report_slug}-{label}.{EXTENSIONS[fmt]}"


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
            text = "".join(stream_rows([c.label for c in table.columns], table.rows))
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


def to_xlsx(report: Report) -> bytes:
    """One sheet per table (right-to-left for Arabic), header row in bold, frozen."""
    from openpyxl import Workbook  # here, not at import: the command line never needs it
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    used: set[str] = set()
    rtl = report.locale == "ar"
    about = workbook.create_sheet(sheet_title(_("Report"), used))
    about.sheet_view.rightToLeft = rtl
    about.append([cell(_("Community")), cell(report.community)])
    about.append([cell(_("Period")), cell(report.period.label)])
    about.append([cell(_("From")), report.period.start.isoformat()])
    about.append([cell(_("To")), report.period.end.isoformat()])
    if report.empty:
        about.append([cell(_("There was no activity in this period."))])
    if report.social_value:
        about.append([
            cell(_("Estimated social value (an estimate: hours × value per hour)")),
            report.social_value[0], cell(report.social_value[1]),
        ])  # fmt: skip
    bold = Font(bold=True)
    for table in report.tables:
        sheet = workbook.create_sheet(sheet_title(table.title, used))
        sheet.sheet_view.rightToLeft = rtl
        sheet.freeze_panes = "A2"
        header = []
        for column in table.columns:
            head = WriteOnlyCell(sheet, value=cell(column.label))
            head.font = bold
            header.append(head)
        sheet.append(header)
        for row in table.rows:
            sheet.append([cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
