"""CSV cells cannot become spreadsheet formulas, and numbers stay numbers."""

import csv
import io

import pytest

from timebank.services.csvsafe import safe_cell, stream_rows


@pytest.mark.parametrize(
    "raw",
    [
        "=1+1",
        "+1",
        "-cmd",
        "@SUM(A1)",
        "\tx",
        "\r=1",
        "\0=1",
        " =1+1",
        "\u00a0=1",
        "a\n=1+1",
        '=HYPERLINK("http://x","y")',
        "  @x",
    ],
)
def test_formula_triggers_are_neutralised(raw):
    """Text starting with = + - @ tab CR NUL (also after spaces or a newline) gets a quote."""
    cell = safe_cell(raw)
    assert isinstance(cell, str) and cell.startswith("'")
    assert "\0" not in cell


@pytest.mark.parametrize("raw", ["Salma", "سلمى", "1:30", "a-b", "x=y", "|cmd", "%x"])
def test_ordinary_text_is_unchanged(raw):
    """Harmless text is written as typed."""
    assert safe_cell(raw) == raw


@pytest.mark.parametrize("raw", [-90, 0, 120, -2.5])
def test_numbers_stay_numbers(raw):
    """A negative balance is a number, not escaped text."""
    assert safe_cell(raw) == raw


def test_stream_rows_quotes_and_round_trips():
    """The streamed CSV is valid RFC 4180 and reads back to the same safe cells."""
    rows = [[1, 'Salma, "S"', -60], [2, "=evil()", 90]] * 700
    text = "".join(stream_rows(["id", "name", "minutes"], rows))
    assert text.startswith("\ufeff")
    parsed = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert parsed[0] == ["id", "name", "minutes"]
    assert parsed[1] == ["1", 'Salma, "S"', "-60"]
    assert parsed[2] == ["2", "'=evil()", "90"]
    assert len(parsed) == 1 + 1400


def test_stream_rows_yields_in_batches():
    """Large exports come out in several chunks rather than one big string."""
    chunks = list(stream_rows(["n"], ([i] for i in range(2000)), batch=500))
    assert len(chunks) >= 4
