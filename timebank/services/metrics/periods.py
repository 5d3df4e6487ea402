"""Reporting periods: a month, a quarter, a year or custom dates, each with the previous
comparable period (the same length, just before). Pure: no database."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

from timebank.services.exceptions import InvalidInput

KINDS = ("month", "quarter", "year", "custom")
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
MAX_DAYS = 3660  # ten years


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        """Stable and file-name safe: ``2026-03``, ``2026-Q1``, ``2026`` or
        ``2026-01-05_2026-02-10``."""
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "year":
            return f"{self.start.year}"
        return f"{self.start.isoformat()}_{self.end.isoformat()}"

    @property
    def value(self) -> str:
        """What the period picker sends back for this period."""
        return self.label

    def previous(self) -> Period:
        if self.kind == "month":
            return month_of(self.start - timedelta(days=1))
        if self.kind == "quarter":
            return quarter_of(self.start - timedelta(days=1))
        if self.kind == "year":
            return year_of(self.start.year - 1)
        end = self.start - timedelta(days=1)
        return Period("custom", end - timedelta(days=self.days - 1), end)

    def months(self) -> list[str]:
        """``YYYY-MM`` of every month the period touches, in order."""
        out, cursor = [], self.start.replace(day=1)
        while cursor <= self.end:
            out.append(f"{cursor:%Y-%m}")
            cursor = (cursor + timedelta(days=32)).replace(day=1)
        return out


def month_of(day: date) -> Period:
    start = day.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return Period("month", start, end)


def quarter_of(day: date) -> Period:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    end = (date(day.year, first_month + 2, 28) + timedelta(days=4)).replace(day=1) - timedelta(
        days=1
    )
    return Period("quarter", start, end)


def year_of(year: int) -> Period:
    return Period("year", date(year, 1, 1), date(year, 12, 31))


def custom(start: date, end: date) -> Period:
    """Dates as given, checked: ordered, within 2000–2100, at most ten years."""
    if start > end:
        raise InvalidInput(_l("The start date must be on or before the end date."), field="start")
    if start < EARLIEST or end > LATEST:
        raise InvalidInput(_l("Choose dates between 2000 and 2100."), field="start")
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidInput(_l("A period can be at most ten years long."), field="end")
    return Period("custom", start, end)


def from_dates(start: date, end: date) -> Period:
    """Custom dates that happen to be a whole month, quarter or year are named so."""
    period = custom(start, end)
    for candidate in (month_of(start), quarter_of(start), year_of(start.year)):
        if candidate.start == start and candidate.end == end:
            return candidate
    return period


_LABEL = re.compile(
    r"^(?P<year>\d{4})(?:-(?:(?P<month>\d{2})|Q(?P<quarter>[1-4])))?$"
    r"|^(?P<start>\d{4}-\d{2}-\d{2})_(?P<end>\d{4}-\d{2}-\d{2})$"
)


_TYPED_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def parse_date(text: str, *, field: str = "start") -> date:
    """``2026-11-03``, in Latin or Arabic-Indic digits (the Arabic hint shows the latter)."""
    try:
        return date.fromisoformat(text.strip().translate(_TYPED_DIGITS))
    except (ValueError, AttributeError):
        raise InvalidInput(_l("Enter a date as YYYY-MM-DD."), field=field) from None


def parse(label: str) -> Period:
    """A period from its label (``2026-Q1``, ``2026-03``, ``2026`` or ``start_end``)."""
    match = _LABEL.match((label or "").strip())
    if not match:
        raise InvalidInput(_l("Choose a month, a quarter, a year or two dates."), field="period")
    if match["start"]:
        return custom(parse_date(match["start"]), parse_date(match["end"], field="end"))
    year = int(match["year"])
    if not EARLIEST.year <= year <= LATEST.year:
        raise InvalidInput(_l("Choose dates between 2000 and 2100."), field="period")
    if match["month"]:
        number = int(match["month"])
        if not 1 <= number <= 12:
            raise InvalidInput(_l("Choose a month between 01 and 12."), field="period")
        return month_of(date(year, number, 1))
    if match["quarter"]:
        return quarter_of(date(year, 3 * int(match["quarter"]) - 2, 1))
    return year_of(year)


def recent(kind: str, today: date) -> Period:
    """The last complete period of ``kind`` before ``today`` (what a report usually covers)."""
    if kind == "month":
        return month_of(today).previous()
    if kind == "year":
        return year_of(today.year - 1)
    return quarter_of(today).previous()


def choices(today: date, count: int = 8) -> list[Period]:
    """Recent quarters, months and years for the period picker, newest first."""
    quarters, cursor = [], quarter_of(today)
    for _ in range(count):
        quarters.append(cursor)
        cursor = cursor.previous()
    months, cursor = [], month_of(today)
    for _ in range(12):
        months.append(cursor)
        cursor = cursor.previous()
    years = [year_of(today.year - n) for n in range(3)]
    return quarters + months + years


def asked(label: str | None, start: date | None, end: date | None, default: Period) -> Period:
    """The period a client asked for, as the period picker reads it: a label, or two dates
    (a whole month, quarter or year is named so), else ``default``. Raises ``InvalidInput``."""
    if label:
        return parse(label)
    if start or end:
        if not start or not end:
            raise InvalidInput(_l("Enter both dates of your period."), field="start")
        return from_dates(start, end)
    return default
