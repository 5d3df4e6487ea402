"""Figures as a reader reads them, in the current locale (pages, PDF); and as plain
numbers for files (JSON, CSV, XLSX: shares as fractions, hours as minutes ÷ 60)."""

from __future__ import annotations

from flask_babel import format_date, ngettext
from flask_babel import gettext as _

from timebank.i18n import format_minutes, format_month, format_when, local_digits
from timebank.services.languages import MINUS
from timebank.services.metrics.periods import Period


def period_name(period: Period) -> str:
    """A period as the reader names it: "March 2026", "1st quarter 2026" / "الربع الأول
    ٢٠٢٦", "2026", or "5 Jan 2026 – 10 Feb 2026" (the file-safe ``label`` is for URLs)."""
    if period.kind == "month":
        return format_month(period.label)
    if period.kind == "quarter":
        return local_digits(format_date(period.start, "QQQQ y"))
    if period.kind == "year":
        return local_digits(period.label)
    return f"{format_when(period.start)} – {format_when(period.end)}"


def display(kind: str, value: float | int | None) -> str:
    if value is None:
        return _("no data")
    if kind == "share":
        return local_digits(f"{round(value * 100)} %")
    if kind == "minutes":
        return format_minutes(round(value))
    if kind == "ratio":
        return local_digits(f"{value:.2f}")
    if kind == "days":
        return local_digits(ngettext("%(num)d day", "%(num)d days", round(value)))
    if kind == "partners":
        return local_digits(f"{value:g}")
    return local_digits(f"{int(value):,}")


def plain(kind: str, value: float | int | None) -> float | int | None:
    """Byte-stable numbers for files: rounded to 4 places, integers stay integers."""
    if value is None:
        return None
    if kind == "minutes":
        return round(value / 60, 2)
    if isinstance(value, float):
        return round(value, 4)
    return value


def change(kind: str, now: float | int | None, before: float | int | None) -> str:
    """ "+3", "−5 %" or "" when either side is missing."""
    if now is None or before is None:
        return ""
    diff = now - before
    if not diff:
        return local_digits("0")
    if kind == "share":
        points = round(diff * 100)
        text = _(
            "%(sign)s%(n)s points",
            sign="+" if points > 0 else ("−" if points < 0 else ""),
            n=abs(points),
        )
        return local_digits(text)
    if kind == "minutes":
        sign = "+" if diff > 0 else ("−" if diff < 0 else "")
        return sign + format_minutes(abs(round(diff))) if diff else local_digits("0")
    if kind in ("ratio",):
        return local_digits(f"{diff:+.2f}".replace("-", MINUS))
    text = f"{diff:+g}" if isinstance(diff, float) else f"{diff:+d}"
    return local_digits(text.replace("-", MINUS))
