"""The report as a print-ready A4 PDF (fpdf2). Arabic is shaped by HarfBuzz
(``set_text_shaping``) and laid out right to left: text aligned to the right, table columns
in reverse order. The font, Amiri (SIL Open Font License 1.1, Arabic and Latin), comes from
the ``fontpkg-amiri`` dependency: nothing is assumed from the operating system. Charts are
drawn as bars with the numbers printed beside them.

fpdf2 (with fontTools) takes about a third of a second to import, so it is imported on the
first PDF, not with the application: ``ReportLayout`` holds our drawing methods and
``_document_class`` joins it to ``FPDF`` then."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, time
from importlib import resources
from typing import TYPE_CHECKING

from flask_babel import gettext as _

from timebank.i18n import format_month, local_digits
from timebank.services.metrics import definitions, formatting
from timebank.services.reports.tables import Report, Table

MAX_EXCHANGE_ROWS = 1000
BRAND = (31, 95, 139)


if TYPE_CHECKING:
    from fpdf import FPDF as _Document
else:
    _Document = object


def font_file(style: str = "Regular") -> str:
    return str(resources.files("fontpkg_amiri") / "files" / f"Amiri-{style}.ttf")


class ReportLayout(_Document):
    """The report's page furniture and drawing methods, mixed into ``FPDF``."""

    def __init__(self, report: Report) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.report = report
        self.rtl = report.locale == "ar"
        self.add_font("amiri", "", font_file("Regular"))
        self.add_font("amiri", "B", font_file("Bold"))
        self.set_font("amiri", size=10)
        self.set_text_shaping(use_shaping_engine=True, direction="rtl" if self.rtl else "ltr")
        self.set_auto_page_break(auto=True, margin=15)
        self.set_title(f"{report.community} — {formatting.period_name(report.period)}")
        self.set_lang(report.locale)
        self.set_creation_date(datetime.combine(report.period.end, time.min, tzinfo=UTC))
        self.align = "R" if self.rtl else "L"

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("amiri", size=8)
        self.cell(0, 6, f"{self.report.community} · {formatting.period_name(self.report.period)} · "
                  f"{local_digits(self.page_no())}",
                  align="C")  # fmt: skip

    def heading(self, text: str, size: int = 14) -> None:
        self.set_font("amiri", "B", size)
        self.set_text_color(*BRAND)
        self.multi_cell(0, size * 0.55, text, align=self.align, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.set_font("amiri", size=10)
        self.ln(1)

    def para(self, text: str, size: int = 10) -> None:
        self.set_font("amiri", size=size)
        self.multi_cell(0, 5.5, text, align=self.align, new_x="LMARGIN", new_y="NEXT")

    def grid(self, table: Table, rows: list[list] | None = None) -> None:
        from fpdf.fonts import FontFace

        rows = table.rows if rows is None else rows
        order = (
            list(reversed(range(len(table.columns))))
            if self.rtl
            else list(range(len(table.columns)))
        )
        heading_style = FontFace(emphasis="BOLD", fill_color=(230, 236, 242))
        with self.table(
            text_align=("RIGHT" if self.rtl else "LEFT"),
            headings_style=heading_style,
            line_height=5.5,
            padding=1,
            first_row_as_headings=True,
        ) as grid:
            head = grid.row()
            for i in order:
                head.cell(table.columns[i].label)
            for row in rows:
                line = grid.row()
                for i in order:
                    value = row[i]
                    line.cell("" if value is None else _text(value))
        self.ln(3)

    def bars(self, title: str, items: list[tuple[str, float, str]]) -> None:
        """A horizontal bar chart: label, value (for the length), printed value."""
        if not items:
            return
        self.set_font("amiri", "B", 11)
        self.multi_cell(0, 6, title, align=self.align, new_x="LMARGIN", new_y="NEXT")
        self.set_font("amiri", size=9)
        top = max(v for _l, v, _t in items) or 1
        label_w, value_w = 45, 22
        bar_max = self.epw - label_w - value_w - 4
        for label, value, text in items:
            if self.will_page_break(7):
                self.add_page()
            y = self.get_y()
            length = bar_max * value / top
            if self.rtl:
                self.set_xy(self.l_margin + self.epw - label_w, y)
                self.cell(label_w, 6, label, align="R")
                x = self.l_margin + value_w + 2 + (bar_max - length)
                self.set_xy(self.l_margin, y)
                self.cell(value_w, 6, text, align="L")
            else:
                self.set_xy(self.l_margin, y)
                self.cell(label_w, 6, label, align="L")
                x = self.l_margin + label_w + 2
                self.set_xy(x + bar_max + 2, y)
                self.cell(value_w, 6, text, align="L")
            if length > 0:
                self.set_fill_color(*BRAND)
                self.rect(x, y + 1, length, 4, style="F")
            self.set_xy(self.l_margin, y + 6.5)
        self.ln(3)


def _text(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@functools.cache
def _document_class() -> type[ReportLayout]:
    """``ReportLayout`` over ``FPDF``, made on the first PDF (fpdf2 imported then)."""
    from fpdf import FPDF

    return type("ReportPDF", (ReportLayout, FPDF), {})


def to_pdf(report: Report) -> bytes:
    pdf = _document_class()(report)
    summary, previous = report.summary, report.previous
    pdf.add_page()
    pdf.heading(_("Activity report"), 18)
    pdf.para(report.community, 13)
    period = report.period
    pdf.para(_("Period: %(label)s (%(start)s to %(end)s)", label=period.label,
               start=period.start.isoformat(), end=period.end.isoformat()))  # fmt: skip
    pdf.ln(2)
    if report.empty:
        pdf.para(_("There was no activity in this period: no exchanges between members were "
                   "posted with a date in it."))  # fmt: skip
    if report.social_value:
        amount, currency = report.social_value
        shown = format(amount, ",.2f")
        pdf.para(_("Estimated social value: %(amount)s %(currency)s. This is an estimate: the "
                   "hours exchanged multiplied by the value per hour the community has set.",
                   amount=shown, currency=currency))  # fmt: skip
    pdf.para(str(definitions.COUNTED), 9)
    pdf.ln(2)

    for group, title in definitions.GROUPS.items():
        pdf.heading(str(title), 13)
        for figure in definitions.FIGURES:
            if figure.group != group:
                continue
            now, before = figure.get(summary), figure.get(previous)
            line = _("%(metric)s: %(value)s (previous period: %(previous)s)",
                     metric=str(figure.label), value=formatting.display(figure.kind, now),
                     previous=formatting.display(figure.kind, before))  # fmt: skip
            pdf.set_font("amiri", "B", 10)
            pdf.multi_cell(0, 5.5, line, align=pdf.align, new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("amiri", size=8.5)
            pdf.set_text_color(80, 80, 80)
            pdf.multi_cell(0, 4.5, str(figure.definition), align=pdf.align, new_x="LMARGIN",
                           new_y="NEXT")  # fmt: skip
            pdf.set_text_color(0, 0, 0)
            pdf.ln(1)

    pdf.add_page()
    pdf.heading(_("Charts"), 13)
    pdf.bars(_("Hours exchanged per month"),
             [(format_month(m.month), m.minutes, formatting.display("minutes", m.minutes))
              for m in summary.months])  # fmt: skip
    pdf.bars(
        _("Active members per month"),
        [
            (format_month(m.month), m.active_members, local_digits(m.active_members))
            for m in summary.months
        ],  # fmt: skip
    )
    names = {row[0]: row[1] for row in report.table("categories").rows}
    pdf.bars(_("Hours by category"),
             [(str(names.get(c.key, c.key)), c.minutes, formatting.display("minutes", c.minutes))
              for c in summary.categories[:12]])  # fmt: skip
    pdf.bars(_("Active members by number of distinct partners"),
             [(str(definitions.PARTNER_BUCKET_NAMES[k]), n, str(n))
              for k, n in summary.ties.partner_distribution])  # fmt: skip
    pdf.bars(_("Members by co-production level"),
             [(str(definitions.LEVEL_NAMES[k]), getattr(summary.coproduction, k),
               str(getattr(summary.coproduction, k)))
              for k in ("not_active", "compliance", "support", "transformation")])  # fmt: skip

    for table in report.tables:
        if table.key in ("metrics",):
            continue
        pdf.heading(table.title, 13)
        if not table.rows:
            pdf.para(_("None in this period."))
            pdf.ln(2)
            continue
        rows = table.rows
        if table.key == "exchanges" and len(rows) > MAX_EXCHANGE_ROWS:
            pdf.para(_("The first %(n)s of %(total)s exchanges; the CSV and XLSX files list "
                       "them all.", n=MAX_EXCHANGE_ROWS, total=len(rows)))  # fmt: skip
            rows = rows[:MAX_EXCHANGE_ROWS]
        pdf.grid(table, rows)
    return bytes(pdf.output())
