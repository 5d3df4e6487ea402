"""CSV that spreadsheets cannot turn into formulas (ASVS 5.0 1.2.10, OWASP CSV injection).

A text cell whose first non-blank character (also after a line break) is one of
``= + - @``, tab, CR or NUL is prefixed with an apostrophe. Numbers are written as numbers:
a negative balance stays ``-90``, not ``'-90``."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal

_TRIGGERS = frozenset("=+-@\t\r\0")
_BLANKS = " \u00a0\u2007\u202f\ufeff"


def _dangerous(text: str) -> bool:
    for line in text.split("\n"):
        stripped = line.lstrip(_BLANKS)
        if stripped and stripped[0] in _TRIGGERS:
            return True
        if line and line[0] in _TRIGGERS:
            return True
    return False


def safe_cell(value: object) -> object:
    """The value to write: numbers and dates untouched, risky text neutralised."""
    # Fast paths for the common cells of a million-row export (same results as below).
    kind = type(value)
    if kind is int or kind is float:
        return value
    if kind is str:
        text: str = value  # type: ignore[assignment]  # (not cast(): a call per cell)
        if (
            text
            and text[0] not in _TRIGGERS
            and text[0] not in _BLANKS
            and "\n" not in text
            and "\0" not in text
        ):
            return text
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value).replace("\0", "")
    if _dangerous(str(value)):
        return "'" + text
    return text


class _Line:
    """A file-like sink that hands back what the csv writer wrote."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()

    def write(self, text: str) -> int:
        return self.buffer.write(text)

    def take(self) -> str:
        value = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return value


def stream_rows(
    header: Iterable[object],
    rows: Iterable[Iterable[object]],
    *,
    bom: bool = True,
    batch: int = 500,
) -> Iterator[str]:
    """Yield CSV text in chunks (RFC 4180 quoting), for a streamed response: memory stays
    flat however many rows there are. A BOM lets spreadsheet programs read UTF-8 Arabic."""
    sink = _Line()
    writer = csv.writer(sink, lineterminator="\r\n")
    if bom:
        sink.write("\ufeff")
    writer.writerow([safe_cell(cell) for cell in header])
    pending = 0
    for row in rows:
        # Integers and NULLs (most cells of an export) are written as they are, without a
        # call per cell: the csv writer writes None as an empty cell, as safe_cell does.
        writer.writerow([cell if cell is None or type(cell) is int else safe_cell(cell)
                         for cell in row])  # fmt: skip
        pending += 1
        if pending >= batch:
            yield sink.take()
            pending = 0
    yield sink.take()


def looks_like_formula(text: str) -> bool:
    """True for text a spreadsheet would run as a formula (imports refuse such cells)."""
    return _dangerous(text)
