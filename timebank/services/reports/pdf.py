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

from timebank.i18n import format_month, format_when, local_digits
from timebank.services.metrics import codesign, definitions, formatting
from timebank.services.reports import labels
from timebank.services.reports.tables import Column, Report, Table

MAX_EXCHANGE_ROWS = 1000
BRAND = (31, 95, 139)  # headings and chart bars; never behind text
INK = (20, 20, 20)
HEAD = (222, 231, 240)  # heading row: contrast with INK about 15:1
ZEBRA = (243, 246, 249)  # every other body row: about 17:1
RULE = (170, 180, 190)
WIDTHS = {"text": 4, "user": 3, "date": 2.4, "month": 2.4, "minutes": 2.2}
LEVELS = ("not_active", "compliance", "support", "transformation")
HEADLINES = (
    "members",
    "active_members",
    "exchanges",
    "minutes",
    "new_members",
    "gave_and_received_share",
    "companionship_minutes",
    "companionship_recipients",
)


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
        if self.page_no() == 1:
            return
        self.set_y(-12)
        self.set_font("amiri", size=8)
        self.set_text_color(*INK)
        page = _("Page %(n)s", n=local_digits(self.page_no()))
        self.cell(0, 6, f"{self.report.community} · {formatting.period_name(self.report.period)} · "
                  f"{page}", align="C")  # fmt: skip

    def heading(self, text: str, size: int = 14) -> None:
        if self.page_no() and self.will_page_break(size + 25):  # never alone at a page's foot
            self.add_page()
        self.set_font("amiri", "B", size)
        self.set_text_color(*BRAND)
        self.multi_cell(0, size * 0.55, text, align=self.align, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.set_font("amiri", size=10)
        self.ln(1)

    def term(self, name: str, definition: str) -> None:
        """A defined term: its name in bold, its definition below."""
        if self.will_page_break(14):
            self.add_page()
        self.set_font("amiri", "B", 10)
        self.multi_cell(0, 5.5, name, align=self.align, new_x="LMARGIN", new_y="NEXT")
        self.para(definition, 9)
        self.ln(1)

    def para(self, text: str, size: float = 10) -> None:
        self.set_font("amiri", size=size)
        self.multi_cell(0, 5.5, text, align=self.align, new_x="LMARGIN", new_y="NEXT")

    def grid(self, table: Table, rows: list[list] | None = None) -> None:
        """A table of what a reader reads (no internal keys), dark text on white with a
        light zebra tint (contrast above 12:1), headings repeated on each page."""
        from fpdf.fonts import FontFace

        rows = table.rows if rows is None else rows
        shown = [i for i, c in enumerate(table.columns) if c.for_readers]
        if self.rtl:
            shown.reverse()
        widths = [WIDTHS.get(table.columns[i].kind, 2) for i in shown]
        self.set_text_color(*INK)
        self.set_draw_color(*RULE)
        with self.table(
            text_align=("RIGHT" if self.rtl else "LEFT"),
            headings_style=FontFace(emphasis="BOLD", color=INK, fill_color=HEAD),
            cell_fill_color=ZEBRA,
            cell_fill_mode="ROWS",
            col_widths=tuple(widths),
            line_height=5.5,
            padding=1,
            first_row_as_headings=True,
        ) as grid:
            head = grid.row()
            for i in shown:
                head.cell(table.columns[i].label)
            for row in rows:
                line = grid.row()
                for i in shown:
                    line.cell(labels.shown(table.columns[i].kind, row[i]))
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
                self.set_fill_color(255, 255, 255)
            self.set_xy(self.l_margin, y + 6.5)
        self.ln(3)


@functools.cache
def _document_class() -> type[ReportLayout]:
    """``ReportLayout`` over ``FPDF``, made on the first PDF (fpdf2 imported then)."""
    from fpdf import FPDF

    return type("ReportPDF", (ReportLayout, FPDF), {})


def figure_table(key: str, title: str, figures, report: Report) -> Table:
    """Figures as rows: name, this period, the previous one, the change."""
    table = Table(key, title, [
        Column("metric", _("Figure")), Column("value", _("This period"), "user"),
        Column("previous", _("Previous period"), "user"), Column("change", _("Difference"), "user"),
    ])  # fmt: skip
    for figure in figures:
        now, before = figure.get(report.summary), figure.get(report.previous)
        table.rows.append([
            local_digits(figure.label), formatting.display(figure.kind, now),
            formatting.display(figure.kind, before), formatting.change(figure.kind, now, before),
        ])  # fmt: skip
    return table


def cover(pdf: ReportLayout, report: Report) -> None:
    period = report.period
    pdf.add_page()
    pdf.ln(50)
    pdf.heading(_("Activity report"), 26)
    pdf.ln(4)
    pdf.para(report.community, 18)
    pdf.ln(2)
    pdf.para(formatting.period_name(period), 14)
    pdf.para(_("From %(start)s to %(end)s", start=format_when(period.start, "long"),
               end=format_when(period.end, "long")), 11)  # fmt: skip
    pdf.ln(20)
    pdf.para(local_digits(definitions.COUNTED), 9)


def summary(pdf: ReportLayout, report: Report) -> None:
    pdf.add_page()
    pdf.heading(_("Summary"), 16)
    if report.empty:
        pdf.para(_("There was no activity in this period: no exchanges between members were "
                   "posted with a date in it."))  # fmt: skip
        pdf.ln(2)
    chosen = [f for key in HEADLINES for f in definitions.FIGURES if f.key == key]
    pdf.grid(figure_table("headlines", "", chosen, report))
    if report.social_value:
        amount, currency = report.social_value
        shown = local_digits(format(amount, ",.2f"))
        pdf.para(_("Estimated social value: %(amount)s %(currency)s. This is an estimate: the "
                   "hours exchanged multiplied by the value per hour the community has set.",
                   amount=shown, currency=currency))  # fmt: skip


def charts(pdf: ReportLayout, report: Report) -> None:
    data = report.summary
    pdf.add_page()
    pdf.heading(_("Charts"), 16)
    minutes = formatting.display
    pdf.bars(_("Hours exchanged per month"),
             [(format_month(m.month), m.minutes, minutes("minutes", m.minutes))
              for m in data.months])  # fmt: skip
    pdf.bars(_("Active members per month"),
             [(format_month(m.month), m.active_members, local_digits(m.active_members))
              for m in data.months])  # fmt: skip
    names = {row[0]: row[1] for row in report.table("categories").rows}
    pdf.bars(_("Hours by category"),
             [(str(names.get(c.key, c.key)), c.minutes, minutes("minutes", c.minutes))
              for c in data.categories[:12]])  # fmt: skip
    pdf.bars(_("Active members by number of distinct partners"),
             [(labels.label("partners", k), n, local_digits(n))
              for k, n in data.ties.partner_distribution])  # fmt: skip
    pdf.bars(_("Members by co-production level"),
             [(labels.label("level", k), getattr(data.coproduction, k),
               local_digits(getattr(data.coproduction, k)))
              for k in LEVELS])  # fmt: skip


def sections(pdf: ReportLayout, report: Report) -> None:
    pdf.add_page()
    for group, title in definitions.GROUPS.items():
        pdf.heading(str(title), 14)
        chosen = [f for f in definitions.FIGURES if f.group == group]
        pdf.grid(figure_table(group, str(title), chosen, report))
    for table in report.tables:
        if table.key == "metrics":
            continue
        pdf.heading(table.title, 14)
        if not table.rows:
            pdf.para(_("None in this period."))
            pdf.ln(2)
            continue
        rows = table.rows
        if table.key == "exchanges" and len(rows) > MAX_EXCHANGE_ROWS:
            pdf.para(_("The first %(n)s of %(total)s exchanges; the CSV and XLSX files list "
                       "them all.", n=local_digits(MAX_EXCHANGE_ROWS),
                       total=local_digits(len(rows))))  # fmt: skip
            rows = rows[:MAX_EXCHANGE_ROWS]
        pdf.grid(table, rows)


def appendix(pdf: ReportLayout) -> None:
    pdf.add_page()
    pdf.heading(_("Definitions"), 16)
    pdf.para(local_digits(definitions.COUNTED), 9.5)
    pdf.ln(2)
    for group, title in definitions.GROUPS.items():
        pdf.heading(str(title), 12)
        for figure in definitions.FIGURES:
            if figure.group == group:
                pdf.term(local_digits(figure.label), local_digits(figure.definition))
    pdf.heading(_("Co-production levels"), 12)
    for key in LEVELS:
        pdf.term(labels.label("level", key), local_digits(definitions.LEVEL_DEFINITIONS[key]))
    for group, title in codesign.GROUPS.items():
        pdf.heading(str(title), 12)
        for item in codesign.FIGURES:
            if item.group == group:
                pdf.term(local_digits(item.label), local_digits(item.definition))


def to_pdf(report: Report) -> bytes:
    """Cover, a one-page summary against the previous period, charts, sections with
    tables, a definitions appendix; each page after the cover numbered."""
    pdf = _document_class()(report)
    cover(pdf, report)
    summary(pdf, report)
    charts(pdf, report)
    sections(pdf, report)
    appendix(pdf)
    return bytes(pdf.output())
