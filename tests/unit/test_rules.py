"""Pure ledger rules: duration parsing, the transition table, approval and limits."""

from __future__ import annotations

import itertools

import pytest

from timebank.models import ApprovalRule, ExchangeStatus
from timebank.services.exceptions import InvalidInput
from timebank.services.ledger import rules
from timebank.services.ledger.rules import Event, IllegalTransition, next_status

S = ExchangeStatus
MAX = 480


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("90", 90),
        (" 45 ", 45),
        ("1:30", 90),
        ("0:05", 5),
        ("8:00", 480),
        ("1.5", 90),
        ("1.25", 75),
        ("2.0", 120),
        ("0.1", 6),
        ("١:٣٠", 90),  # Arabic-Indic
        ("٩٠", 90),
        ("١٫٥", 90),  # Arabic decimal separator
        ("۱:۳۰", 90),  # Eastern Arabic-Indic
        ("۹۰", 90),
        ("1", 1),
    ],
)
def test_durations_understood(text, minutes):
    """Every accepted notation gives whole minutes."""
    assert rules.parse_duration(text, maximum=MAX) == minutes


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        None,
        "0",
        "0:00",
        "0.0",
        "-1",
        "-1:30",
        "−5",
        "NaN",
        "nan",
        "inf",
        "-inf",
        "Infinity",
        "1e3",
        "1E3",
        "1_000",
        "1,5",
        "abc",
        "1:30abc",
        "1:60",
        "1:5",
        "1.33",
        "1.333",
        ".5",
        "5.",
        "0x10",
        "١:30",  # mixed scripts
        "1٥",
        "۱٥",  # Eastern and Arabic-Indic mixed
        "8:01",  # over the maximum
        "481",
        "9.5",
        "٤٨١",
        "99999999999999",
        "١٢٣٤٥٦٧٨٩٠١٢٣",
        "+5",
        "5 5",
        "²",  # superscript two: a digit to \d, not to us
        "𝟓",  # mathematical bold five
        "５",  # full-width five
    ],
)
def test_durations_refused_with_a_message(text):
    """Bad durations raise InvalidInput naming the field, with a readable message."""
    with pytest.raises(InvalidInput) as info:
        rules.parse_duration(text, maximum=MAX)
    assert info.value.field == "duration"
    assert str(info.value.message)


@pytest.mark.parametrize(
    ("hours", "minutes", "expected"),
    [("1", "30", 90), ("", "45", 45), ("2", "", 120), ("١", "٣٠", 90), ("0", "90", 90)],
)
def test_duration_parts(hours, minutes, expected):
    """Separate hours and minutes fields."""
    assert rules.parse_duration_parts(hours, minutes, maximum=MAX) == expected


@pytest.mark.parametrize(
    ("hours", "minutes"),
    [
        ("", ""),
        ("0", "0"),
        ("1", "60"),
        ("1", "٣٠"),
        ("-1", "0"),
        ("1.5", ""),
        ("9", "0"),
        ("x", "1"),
        ("1", "1e1"),
    ],
)
def test_duration_parts_refused(hours, minutes):
    with pytest.raises(InvalidInput):
        rules.parse_duration_parts(hours, minutes, maximum=MAX)


def test_durations_read_as_words_in_the_readers_language(app):
    """Messages from services say "−8 h 20 min" (a minus sign, not "-8:20"), in Arabic with
    Arabic-Indic digits."""
    from flask_babel import force_locale

    from timebank.services import languages

    with app.test_request_context():
        assert [languages.duration(m) for m in (1, 60, 90, -500)] == [
            "1 min", "1 h", "1 h 30 min", "\u22128 h 20 min",
        ]  # fmt: skip
        with force_locale("ar"):
            assert languages.duration(-500).startswith("\u2212٨")


ALLOWED = {
    (S.RECORDED, Event.CONFIRM): S.AWAITING_APPROVAL,
    (S.RECORDED, Event.POST): S.POSTED,
    (S.RECORDED, Event.REJECT): S.REJECTED,
    (S.RECORDED, Event.CANCEL): S.CANCELLED,
    (S.RECORDED, Event.EXPIRE): S.EXPIRED,
    (S.AWAITING_APPROVAL, Event.APPROVE): S.POSTED,
    (S.AWAITING_APPROVAL, Event.REJECT): S.REJECTED,
    (S.AWAITING_APPROVAL, Event.CANCEL): S.CANCELLED,
    (S.POSTED, Event.REVERSE): S.REVERSED,
}


@pytest.mark.parametrize(("status", "event"), list(itertools.product(S, Event)))
def test_transition_table_exhaustive(status, event):
    """Every (status, event) pair: exactly the allowed ones move, all others refuse."""
    if (status, event) in ALLOWED:
        assert next_status(status, event) is ALLOWED[(status, event)]
    else:
        with pytest.raises(IllegalTransition):
            next_status(status, event)


def test_final_statuses_have_no_way_out_but_reversal():
    for status in S:
        assert rules.is_final(status) == (status not in (S.RECORDED, S.AWAITING_APPROVAL))
    assert set(rules.TRANSITIONS) == set(S)


@pytest.mark.parametrize(
    ("rule", "minutes", "category", "breaks", "expected"),
    [
        (ApprovalRule.NEVER, 600, "companionship", True, False),
        (ApprovalRule.ALWAYS, 1, "gardening", False, True),
        (ApprovalRule.ABOVE_MINUTES, 120, "gardening", False, False),
        (ApprovalRule.ABOVE_MINUTES, 121, "gardening", False, True),
        (ApprovalRule.COMPANIONSHIP, 30, "companionship", False, True),
        (ApprovalRule.COMPANIONSHIP, 30, "gardening", False, False),
        (ApprovalRule.LIMIT_CROSSED, 30, "gardening", True, True),
        (ApprovalRule.LIMIT_CROSSED, 30, "gardening", False, False),
        ("always", 5, "x", False, True),
    ],
)
def test_needs_approval(rule, minutes, category, breaks, expected):
    assert (
        rules.needs_approval(
            rule, minutes=minutes, above_minutes=120, category=category, breaks_limit=breaks
        )
        is expected
    )


@pytest.mark.parametrize(
    ("balance", "delta", "credit", "upper", "ok"),
    [
        (0, -300, 300, None, True),
        (0, -301, 300, None, False),
        (-300, 1, 300, None, True),
        (0, 600, 0, 600, True),
        (0, 601, 0, 600, False),
        (0, -1, 0, None, False),
        (100, -100, 0, 100, True),
        # Already below a lowered limit: credits are fine, any new debit is refused.
        (-500, 60, 300, None, True),
        (-500, -1, 300, None, False),
        (-500, 0, 300, None, True),
        # Already above a lowered upper limit: debits are fine, new credits refused.
        (900, -60, 0, 600, True),
        (900, 1, 0, 600, False),
    ],
)
def test_within_limits(balance, delta, credit, upper, ok):
    assert rules.within_limits(balance, delta, credit, upper) is ok


def test_headroom():
    assert rules.headroom(-100, 300) == 200
    assert rules.headroom(-400, 300) == 0
