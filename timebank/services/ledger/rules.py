"""Pure rules of the ledger: the exchange transition table, when a coordinator must approve,
limit arithmetic, and duration parsing. No database, no Flask request: testable alone."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from timebank.models.ledger import ApprovalCondition, ExchangeStatus
from timebank.services import languages
from timebank.services.exceptions import InvalidInput

S = ExchangeStatus


class Event(enum.StrEnum):
    CONFIRM = "confirm"  # the other party agrees; a coordinator must still approve
    POST = "post"  # agreed and no approval needed: posts at once
    APPROVE = "approve"  # a coordinator approves: posts
    REJECT = "reject"  # the other party or a coordinator says no, with a reason
    CANCEL = "cancel"  # the recorder withdraws it before a decision
    EXPIRE = "expire"  # unconfirmed for longer than the policy allows
    REVERSE = "reverse"  # a reversal exchange undoes a posted one


TRANSITIONS: dict[ExchangeStatus, dict[Event, ExchangeStatus]] = {
    S.RECORDED: {
        Event.CONFIRM: S.AWAITING_APPROVAL,
        Event.POST: S.POSTED,
        Event.REJECT: S.REJECTED,
        Event.CANCEL: S.CANCELLED,
        Event.EXPIRE: S.EXPIRED,
    },
    S.AWAITING_APPROVAL: {
        Event.APPROVE: S.POSTED,
        Event.REJECT: S.REJECTED,
        Event.CANCEL: S.CANCELLED,
    },
    S.POSTED: {Event.REVERSE: S.REVERSED},
    S.REJECTED: {},
    S.CANCELLED: {},
    S.EXPIRED: {},
    S.REVERSED: {},
}


class IllegalTransition(ValueError):
    """The event is not allowed from this status (the caller maps it to a domain error)."""


def next_status(status: ExchangeStatus, event: Event) -> ExchangeStatus:
    """The status after ``event``; raises ``IllegalTransition`` if the table forbids it."""
    try:
        return TRANSITIONS[status][event]
    except KeyError:
        raise IllegalTransition(f"{event} not allowed from {status}") from None


def is_final(status: ExchangeStatus) -> bool:
    """No event changes a final status except REVERSE on a posted exchange."""
    return status not in (S.RECORDED, S.AWAITING_APPROVAL)


# -- Approval policy: a list of conditions, any of which sends an exchange to approval ----

C = ApprovalCondition


@dataclass(frozen=True)
class ApprovalPolicy:
    """A community's approval policy (its ``approval_*`` columns)."""

    conditions: frozenset[ApprovalCondition] = frozenset()
    above_minutes: int = 240
    categories: frozenset[str] = frozenset()
    first_exchanges: int = 3


@dataclass(frozen=True)
class ExchangeFacts:
    """What the conditions look at in one agreed exchange."""

    minutes: int
    category: str
    breaks_limit: bool = False  # posting it would take a balance past a limit
    prior_exchanges: int = 10**6  # fewest posted exchanges either party had before it
    on_behalf: bool = False  # recorded for a member by their proxy or a coordinator


CONDITIONS: dict[ApprovalCondition, Callable[[ApprovalPolicy, ExchangeFacts], bool]] = {
    C.ALWAYS: lambda policy, facts: True,
    C.ABOVE_MINUTES: lambda policy, facts: facts.minutes > policy.above_minutes,
    C.CATEGORIES: lambda policy, facts: facts.category in policy.categories,
    C.COMPANIONSHIP: lambda policy, facts: facts.category == "companionship",
    C.LIMIT_CROSSED: lambda policy, facts: facts.breaks_limit,
    C.FIRST_EXCHANGES: lambda policy, facts: facts.prior_exchanges < policy.first_exchanges,
    C.PROXY_OR_PAPER: lambda policy, facts: facts.on_behalf,
}


def approval_reasons(policy: ApprovalPolicy, facts: ExchangeFacts) -> tuple[ApprovalCondition, ...]:
    """The conditions of ``policy`` that hold for ``facts``, in the order of the enum.
    Empty: the exchange posts at once. ``limit_crossed``: instead of being refused, it
    waits for a coordinator, who may first change the member's limit."""
    return tuple(
        c for c in ApprovalCondition if c in policy.conditions and CONDITIONS[c](policy, facts)
    )


def needs_approval(policy: ApprovalPolicy, facts: ExchangeFacts) -> bool:
    """Whether any condition sends the exchange to the coordinators' queue."""
    return bool(approval_reasons(policy, facts))


def parse_conditions(text: str | None) -> frozenset[ApprovalCondition]:
    """The stored comma-separated list; unknown words are ignored."""
    known = {c.value for c in ApprovalCondition}
    return frozenset(ApprovalCondition(w) for w in (text or "").split(",") if w in known)


def format_conditions(conditions: Iterable[ApprovalCondition | str]) -> str:
    """The list as stored: known values, in the order of the enum, comma-separated."""
    wanted = {str(c) for c in conditions}
    return ",".join(c.value for c in ApprovalCondition if c.value in wanted)


def parse_categories(text: str | None) -> frozenset[str]:
    return frozenset(w for w in (text or "").split(",") if w)


def within_limits(balance: int, delta: int, credit_limit: int, upper_limit: int | None) -> bool:
    """True when the movement ``delta`` may be made on ``balance``.

    Only a movement towards a limit can break it: a debit may not end below
    ``-credit_limit``, a credit may not end above ``upper_limit``. An account already past a
    limit (a coordinator lowered it below the balance) stays legal: a credit to a member
    below their credit limit is always fine, only new debits are paused. ``delta == 0``
    never breaks anything."""
    after = balance + delta
    if delta < 0:
        return after >= -credit_limit
    if delta > 0:
        return upper_limit is None or after <= upper_limit
    return True


def below_limit(balance: int, credit_limit: int) -> bool:
    """The balance is below the credit limit: new debits are paused until it rises."""
    return balance < -credit_limit


def headroom(balance: int, credit_limit: int) -> int:
    """Minutes an account can still spend before reaching its credit limit."""
    return max(0, balance + credit_limit)


# -- Durations ------------------------------------------------------------------------

# Explicit digit tables: never ``\d`` or ``int()`` on raw text, which accept other scripts.
_LATIN = "0123456789"
_ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩"  # U+0660..U+0669
_EASTERN_ARABIC_INDIC = "۰۱۲۳۴۵۶۷۸۹"  # U+06F0..U+06F9 (Persian, Urdu)
_SCRIPTS = (_LATIN, _ARABIC_INDIC, _EASTERN_ARABIC_INDIC)
_TO_LATIN = str.maketrans(
    {
        **{c: str(i) for i, c in enumerate(_ARABIC_INDIC)},
        **{c: str(i) for i, c in enumerate(_EASTERN_ARABIC_INDIC)},
        "٫": ".",  # Arabic decimal separator
        "：": ":",  # full-width colon
    }
)
_MINUTES_RE = re.compile(r"[0-9]{1,5}")
_CLOCK_RE = re.compile(r"([0-9]{1,3}):([0-9]{2})")
_HOURS_RE = re.compile(r"([0-9]{1,3})\.([0-9]{1,2})")
MAX_INPUT_LENGTH = 12


def _normalise(raw: str, field: str) -> str:
    text = raw.strip()
    if not text:
        raise InvalidInput(_l("Enter a duration, for example 1:30."), field=field)
    if len(text) > MAX_INPUT_LENGTH:
        raise InvalidInput(_l("This duration is too long to be real."), field=field)
    scripts = {i for i, digits in enumerate(_SCRIPTS) if any(c in digits for c in text)}
    if len(scripts) > 1:
        raise InvalidInput(
            _l("Use digits from one script only, for example 1:30 or ١:٣٠."), field=field
        )
    if text.startswith("-") or text.startswith("−"):
        raise InvalidInput(_l("A duration cannot be negative."), field=field)
    return text.translate(_TO_LATIN)


def _bounded(minutes: int, maximum: int, field: str) -> int:
    if minutes < 1:
        raise InvalidInput(_l("A duration must be at least one minute."), field=field)
    if minutes > maximum:
        raise InvalidInput(
            _l("At most %(max)s in one exchange.", max=languages.duration(maximum)), field=field
        )
    return minutes


def _not_understood(field: str) -> InvalidInput:
    return InvalidInput(
        _l("Write the duration as 1:30, as minutes (90) or as hours (1.5)."), field=field
    )


def parse_duration(raw: str | None, *, maximum: int, field: str = "duration") -> int:
    """Whole minutes from ``1:30`` (hours:minutes), ``90`` (minutes) or ``1.5`` (hours).

    Latin, Arabic-Indic (``١:٣٠``) and Eastern Arabic-Indic digits are accepted, not mixed.
    Raises ``InvalidInput`` (on ``field``) for empty, text, zero, negative, NaN, inf, ``1e3``,
    ``1_000``, fractions of a minute, and anything above ``maximum``."""
    text = _normalise(raw or "", field)
    if _MINUTES_RE.fullmatch(text):
        return _bounded(int(text), maximum, field)
    if match := _CLOCK_RE.fullmatch(text):
        hours, minutes = int(match.group(1)), int(match.group(2))
        if minutes >= 60:
            raise InvalidInput(_l("Minutes after the colon must be below 60."), field=field)
        return _bounded(hours * 60 + minutes, maximum, field)
    if match := _HOURS_RE.fullmatch(text):
        fraction = match.group(2)
        scaled = int(fraction) * 60
        if scaled % 10 ** len(fraction):
            raise InvalidInput(
                _l("This is not a whole number of minutes; try 1:20 instead."), field=field
            )
        return _bounded(int(match.group(1)) * 60 + scaled // 10 ** len(fraction), maximum, field)
    raise _not_understood(field)


def parse_duration_parts(
    hours: str | None, minutes: str | None, *, maximum: int, field: str = "duration"
) -> int:
    """Whole minutes from separate hours and minutes fields (either may be empty)."""
    hours_text = (hours or "").strip()
    minutes_text = (minutes or "").strip()
    if not hours_text and not minutes_text:
        raise InvalidInput(_l("Enter a duration, for example 1:30."), field=field)
    _normalise(f"{hours_text} {minutes_text}", field)  # refuses mixed scripts across fields
    values = []
    for text, limit in ((hours_text, None), (minutes_text, 59)):
        if not text:
            values.append(0)
            continue
        text = _normalise(text, field)
        if not _MINUTES_RE.fullmatch(text):
            raise _not_understood(field)
        value = int(text)
        if limit is not None and value > limit and values[0] > 0:
            raise InvalidInput(_l("Minutes must be below 60."), field=field)
        values.append(value)
    return _bounded(values[0] * 60 + values[1], maximum, field)
