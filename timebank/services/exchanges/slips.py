"""Rows of hours typed from paper or read from a file: member numbers, dates, durations
and categories checked together, with every problem kept per row and field, and
suspected duplicates flagged (same pair, date and duration already recorded, or
repeated in the batch). Shared by the paper-timesheet screen and the CSV import."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from timebank.extensions import db
from timebank.models import (
    Account,
    Category,
    Community,
    Exchange,
    ExchangeStatus,
    Membership,
    MembershipStatus,
    utcnow,
)
from timebank.services.exceptions import InvalidInput
from timebank.services.identifiers import latin_digits
from timebank.services.ledger import rules

# Explicit digit tables (DESIGN.md §7): never a \d regex, which matches other scripts too.
_LIVE = (
    ExchangeStatus.RECORDED,
    ExchangeStatus.AWAITING_APPROVAL,
    ExchangeStatus.POSTED,
)
MAX_NOTE = 500


@dataclass
class Slip:
    line: int
    raw: dict
    provider: Membership | None = None
    recipient: Membership | None = None
    service_date: date | None = None
    minutes: int | None = None
    category: str | None = None
    note: str | None = None
    errors: dict = field(default_factory=dict)
    duplicate: object = None  # a translatable reason, or None

    @property
    def ok(self) -> bool:
        return not self.errors

    def filled(self) -> tuple[Membership, Membership, date, int] | None:
        """(provider, recipient, date, minutes) once all four were read, else None."""
        if self.provider and self.recipient and self.service_date and self.minutes:
            return self.provider, self.recipient, self.service_date, self.minutes
        return None


def digits(text: str) -> str:
    return latin_digits((text or "").strip())


def parse_date(raw: str, *, today: date) -> date:
    """``2026-11-03`` or ``3/11/2026`` (day first), Latin or Arabic-Indic digits; not in
    the future."""
    text = digits(raw)
    value = None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            value = datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a plain date
            break
        except ValueError:
            continue
    if value is None or not text.isascii():
        raise InvalidInput(_l("Enter a date such as 2026-11-03 or 3/11/2026."), field="date")
    if value > today + timedelta(days=1):
        raise InvalidInput(_l("The service date cannot be in the future."), field="date")
    if value.year < 1990:
        raise InvalidInput(_l("Enter a date such as 2026-11-03 or 3/11/2026."), field="date")
    return value


def _members_by_number(community: Community, numbers: set[int]) -> dict[int, Membership]:
    if not numbers:
        return {}
    found = db.session.scalars(
        select(Membership).where(
            Membership.community_id == community.id, Membership.member_number.in_(numbers)
        )
    ).all()
    return {m.member_number: m for m in found if m.member_number is not None}


def _categories(community: Community) -> dict[str, str]:
    rows = db.session.execute(
        select(Category.key, Category.name_en, Category.name_ar).where(
            Category.community_id == community.id, Category.retired_at.is_(None)
        )
    ).all()
    lookup = {}
    for key, name_en, name_ar in rows:
        for label in (key, name_en, name_ar):
            lookup[label.strip().casefold()] = key
    return lookup


def _number(raw: str) -> int | None:
    text = digits(raw).lstrip("#")
    return int(text) if text.isascii() and text.isdigit() else None


def check(community: Community, raws: list[tuple[int, dict]], *, today: date | None = None):
    """Check rows ``(line, {provider, recipient, date, duration, category, note})``:
    return ``Slip``s with their errors and duplicate flags. Two queries for the members
    and categories, one for the possible duplicates, however many rows."""
    today = today or utcnow().date()
    numbers = {n for _, raw in raws for k in ("provider", "recipient") if (n := _number(raw[k]))}
    members = _members_by_number(community, numbers)
    categories = _categories(community)
    slips = []
    for line, raw in raws:
        slip = Slip(line=line, raw=raw)
        for role in ("provider", "recipient"):
            number = _number(raw.get(role, ""))
            member = members.get(number) if number is not None else None
            if number is None:
                slip.errors[role] = _l("Enter a member number.")
            elif member is None:
                slip.errors[role] = _l("No member has number %(n)s.", n=number)
            elif member.status != MembershipStatus.ACTIVE:
                slip.errors[role] = _l("Member %(n)s is not active.", n=number)
            setattr(slip, role, member)
        if slip.provider is not None and slip.provider is slip.recipient:
            slip.errors["recipient"] = _l("An exchange needs two different members.")
        try:
            slip.service_date = parse_date(raw.get("date", ""), today=today)
        except InvalidInput as error:
            slip.errors["date"] = error.message
        try:
            slip.minutes = rules.parse_duration(
                raw.get("duration", ""), maximum=community.max_minutes_per_exchange
            )
        except InvalidInput as error:
            slip.errors["duration"] = error.message
        slip.category = categories.get((raw.get("category") or "").strip().casefold())
        if slip.category is None:
            slip.errors["category"] = _l("Choose a category of this community.")
        note = (raw.get("note") or "").strip()
        if len(note) > MAX_NOTE:
            slip.errors["note"] = _l("Use at most %(n)d characters.", n=MAX_NOTE)
        slip.note = note or None
        slips.append(slip)
    _flag_duplicates(community, slips)
    return slips


def _flag_duplicates(community: Community, slips: list[Slip]) -> None:
    usable = [(s, values) for s in slips if (values := s.filled())]
    if not usable:
        return
    accounts = dict(
        db.session.execute(
            select(Account.membership_id, Account.id).where(
                Account.membership_id.in_({m.id for _s, (p, r, _d, _m) in usable for m in (p, r)})
            )
        ).all()
    )
    existing = set(
        db.session.execute(
            select(
                Exchange.provider_account_id,
                Exchange.recipient_account_id,
                Exchange.service_date,
                Exchange.minutes,
            ).where(
                Exchange.community_id == community.id,
                Exchange.status.in_(_LIVE),
                Exchange.service_date.in_({day for _s, (_p, _r, day, _m) in usable}),
            )
        ).all()
    )
    seen: set = set()
    for slip, (provider, recipient, day, minutes) in usable:
        pair = (provider.id, recipient.id, day, minutes)
        recorded = (accounts.get(provider.id), accounts.get(recipient.id), day, minutes)
        if recorded in existing:
            slip.duplicate = _l("Already recorded: same members, date and duration.")
        elif pair in seen:
            slip.duplicate = _l("Repeated in this batch: same members, date and duration.")
        seen.add(pair)
