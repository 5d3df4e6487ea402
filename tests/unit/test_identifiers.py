"""One rule for ids wherever they arrive (``identifiers.parse_id``): URL parts, query
strings, form fields and services' filters."""

from __future__ import annotations

import pytest

from timebank.forms import int_or_none
from timebank.services.identifiers import MAX_ID, is_id, parse_id


@pytest.mark.parametrize(("text", "number"), [("1", 1), ("42", 42), (str(MAX_ID), MAX_ID)])
def test_ascii_digits_are_an_id(text, number):
    """The canonical spelling: ASCII digits, no leading zero, within the database's range."""
    assert parse_id(text) == number
    assert parse_id(text, typed=True) == number


@pytest.mark.parametrize(
    "text",
    ["", "0", "03", "٣", "۳", "３", "-1", "+1", " 1", "1 ", "1e3", "1e9999", "1.0", "1_000",
     "0x1", str(MAX_ID + 1), "9" * 20, "99999999999999999999", "1\x00", "inf", "NaN"],
)  # fmt: skip
def test_every_other_spelling_is_not_an_id_in_a_url(text):
    """Another spelling of a number (local digits, a leading zero, a sign, an exponent)
    or a number beyond the range is not an id: a URL has one spelling per page."""
    assert parse_id(text) is None
    assert not is_id(text)


@pytest.mark.parametrize(("text", "number"), [("٣", 3), ("۱۲", 12), (" 12 ", 12), ("007", 7)])
def test_a_person_may_type_local_digits_and_spaces(text, number):
    """In a form, Arabic-Indic and Persian digits, leading zeros and spaces are fine."""
    assert parse_id(text, typed=True) == number


@pytest.mark.parametrize("text", ["0", "000", "-3", "1e9999", "3.5", str(MAX_ID + 1), "١٢a"])
def test_typed_text_outside_the_rule_is_still_not_an_id(text):
    """Typing does not widen the rule: zero, signs, exponents and overflow stay refused."""
    assert parse_id(text, typed=True) is None


@pytest.mark.parametrize(("value", "expected"), [(5, 5), (0, None), (-1, None),
                                                 (MAX_ID + 1, None), (True, None), (None, None),
                                                 (3.0, None)])  # fmt: skip
def test_numbers_are_checked_against_the_range(value, expected):
    """An int is in range or not; other types are never ids."""
    assert parse_id(value) == expected


def test_select_values_follow_the_same_rule():
    """A select's value (``int_or_none``) is an id by the same rule, else none."""
    assert int_or_none("12") == 12
    assert int_or_none("") is None
    assert int_or_none("٣") is None
    assert int_or_none("99999999999999999999") is None
