"""Ids, by one rule wherever they arrive: a URL part, a query string, a form field, a
service's filter. An id is a whole number from 1 to ``MAX_ID`` (the database's integer
range, so no id reaches the database as an overflow error).

A URL has one spelling per page: ASCII digits, no sign, no leading zero (``/exchanges/٣``
and ``/exchanges/03`` are not exchange 3). A person typing an id into a form may use
Arabic-Indic digits, leading zeros and surrounding spaces; anything else (a sign, an
exponent, a decimal point, underscores) is not an id."""

from __future__ import annotations

MAX_ID = 2**31 - 1
# The longest spelling worth converting; longer text is refused before ``int()`` sees it.
_MAX_DIGITS = len(str(MAX_ID))
_TYPED_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_ASCII_DIGITS = frozenset("0123456789")


def parse_id(value: object, *, typed: bool = False) -> int | None:
    """``value`` as an id, or None when it is not one.

    Canonical (the default, for URL parts and the values of generated choices): ASCII
    digits without a leading zero. ``typed`` (a field a person fills in): surrounding
    spaces, leading zeros and Arabic-Indic or Persian digits are accepted too. An ``int``
    is checked against the range only."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 1 <= value <= MAX_ID else None
    if not isinstance(value, str):
        return None
    text = value
    if typed:
        text = latin_digits(text.strip()).lstrip("0")
    elif text.startswith("0"):
        return None
    if not text or len(text) > _MAX_DIGITS or not set(text) <= _ASCII_DIGITS:
        return None
    number = int(text)
    return number if number <= MAX_ID else None


def latin_digits(text: str) -> str:
    """``text`` with the Arabic-Indic and Persian digits a person may type as ASCII ones
    (nothing else changes)."""
    return text.translate(_TYPED_DIGITS)


def is_id(value: object, *, typed: bool = False) -> bool:
    """Whether ``parse_id`` accepts ``value``."""
    return parse_id(value, typed=typed) is not None
