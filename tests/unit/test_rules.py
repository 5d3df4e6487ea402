"""Pure ledger rules: duration parsing, the transition table, approval and limits."""

from __future__ import annotations

import itertools

import pytest

from timebank.models import ApprovalCondition, ExchangeStatus
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


C = ApprovalCondition


def _policy(*conditions, **kwargs) -> rules.ApprovalPolicy:
    kwargs.setdefault("above_minutes", 120)
    kwargs.setdefault("categories", frozenset({"transport", "repairs"}))
    kwargs.setdefault("first_exchanges", 3)
    return rules.ApprovalPolicy(conditions=frozenset(conditions), **kwargs)


def _facts(**kwargs) -> rules.ExchangeFacts:
    kwargs.setdefault("minutes", 60)
    kwargs.setdefault("category", "gardening")
    return rules.ExchangeFacts(**kwargs)


# One table per condition: (facts, whether that condition alone sends it to approval).
PER_CONDITION = {
    C.ALWAYS: [(_facts(), True), (_facts(minutes=1, category="companionship"), True)],
    C.ABOVE_MINUTES: [
        (_facts(minutes=120), False),
        (_facts(minutes=121), True),
        (_facts(minutes=1), False),
    ],
    C.CATEGORIES: [
        (_facts(category="transport"), True),
        (_facts(category="repairs"), True),
        (_facts(category="gardening"), False),
        (_facts(category="companionship"), False),
    ],
    C.COMPANIONSHIP: [
        (_facts(category="companionship"), True),
        (_facts(category="gardening"), False),
    ],
    C.LIMIT_CROSSED: [(_facts(breaks_limit=True), True), (_facts(breaks_limit=False), False)],
    C.FIRST_EXCHANGES: [
        (_facts(prior_exchanges=0), True),
        (_facts(prior_exchanges=2), True),
        (_facts(prior_exchanges=3), False),
        (_facts(), False),
    ],
    C.PROXY_OR_PAPER: [(_facts(on_behalf=True), True), (_facts(on_behalf=False), False)],
}


@pytest.mark.parametrize(
    ("condition", "facts", "expected"),
    [(c, f, e) for c, rows in PER_CONDITION.items() for f, e in rows],
)
def test_each_condition(condition, facts, expected):
    policy = _policy(condition)
    assert rules.needs_approval(policy, facts) is expected
    assert rules.approval_reasons(policy, facts) == ((condition,) if expected else ())


def test_every_condition_has_a_rule_and_a_table():
    assert set(rules.CONDITIONS) == set(ApprovalCondition) == set(PER_CONDITION)


ALL_FACTS = [f for rows in PER_CONDITION.values() for f, _e in rows]


@pytest.mark.parametrize("facts", ALL_FACTS)
def test_no_condition_never_needs_approval(facts):
    """The empty list (the former "never") posts every agreed exchange at once."""
    assert rules.approval_reasons(_policy(), facts) == ()


@pytest.mark.parametrize(
    ("conditions", "facts", "reasons"),
    [
        # Any condition suffices; all that hold are named, in the order of the enum.
        ((C.ABOVE_MINUTES, C.COMPANIONSHIP), _facts(minutes=30, category="companionship"),
         (C.COMPANIONSHIP,)),
        ((C.ABOVE_MINUTES, C.COMPANIONSHIP), _facts(minutes=300, category="companionship"),
         (C.ABOVE_MINUTES, C.COMPANIONSHIP)),
        ((C.ABOVE_MINUTES, C.COMPANIONSHIP), _facts(minutes=30), ()),
        ((C.CATEGORIES, C.LIMIT_CROSSED), _facts(category="transport", breaks_limit=True),
         (C.CATEGORIES, C.LIMIT_CROSSED)),
        ((C.FIRST_EXCHANGES, C.PROXY_OR_PAPER), _facts(prior_exchanges=5, on_behalf=True),
         (C.PROXY_OR_PAPER,)),
        ((C.FIRST_EXCHANGES, C.PROXY_OR_PAPER), _facts(prior_exchanges=0, on_behalf=True),
         (C.FIRST_EXCHANGES, C.PROXY_OR_PAPER)),
        (tuple(C), _facts(minutes=10, prior_exchanges=9), (C.ALWAYS,)),
        (tuple(c for c in C if c is not C.ALWAYS), _facts(minutes=10, prior_exchanges=9), ()),
        (tuple(C), _facts(minutes=500, category="companionship", breaks_limit=True,
                          prior_exchanges=0, on_behalf=True),
         (C.ALWAYS, C.ABOVE_MINUTES, C.COMPANIONSHIP, C.LIMIT_CROSSED, C.FIRST_EXCHANGES,
          C.PROXY_OR_PAPER)),
    ],
)  # fmt: skip
def test_conditions_combine(conditions, facts, reasons):
    policy = _policy(*conditions)
    assert rules.approval_reasons(policy, facts) == reasons
    assert rules.needs_approval(policy, facts) is bool(reasons)


def test_the_first_exchanges_threshold_and_the_categories_come_from_the_policy():
    assert rules.needs_approval(_policy(C.FIRST_EXCHANGES, first_exchanges=1),
                                _facts(prior_exchanges=1)) is False  # fmt: skip
    assert rules.needs_approval(_policy(C.CATEGORIES, categories=frozenset()),
                                _facts(category="transport")) is False  # fmt: skip


def test_conditions_are_stored_in_a_stable_order():
    assert (
        rules.format_conditions(["proxy_or_paper", "always", "always"]) == "always,proxy_or_paper"
    )
    assert rules.parse_conditions("always,unknown,,limit_crossed") == {C.ALWAYS, C.LIMIT_CROSSED}
    assert rules.parse_conditions("") == frozenset() and rules.format_conditions([]) == ""
    assert rules.parse_categories("a,,b") == {"a", "b"}


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
