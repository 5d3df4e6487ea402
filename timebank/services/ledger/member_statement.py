"""A member's balance statement (printable for members without internet): every posting
with its counterpart's display name and the balance after it, for the whole history or a
period with its opening and closing balances (promise 15)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import aliased

from timebank.extensions import db
from timebank.models import Account, Entry, Exchange, Membership, User, utcnow
from timebank.services.ledger import posting


@dataclass(frozen=True)
class Line:
    service_date: date
    exchange_id: int
    kind: str
    category: str
    delta: int
    balance_after: int
    counterpart: str | None  # None: the community pot
    posted: int = 0  # the entry's id: posting order among lines of the same day


@dataclass(frozen=True)
class Statement:
    """A member's postings in a period (posting days, UTC), with the balance when it
    began and when it ended, both derived from the entries (promise 15)."""

    lines: list[Line]
    start: date | None
    end: date | None
    opening: int  # the balance before the first day (0 for the whole history)
    closing: int  # the balance after the last day (today's without an end)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def statement(
    membership: Membership,
    *,
    start: date | None = None,
    end: date | None = None,
    limit: int = 500,
) -> Statement:
    """The latest ``limit`` postings of the member's account from ``start`` to ``end``
    (posting days, inclusive, either open), in the order a statement reads (date of the
    service, then posting), with the opening and closing balances: opening plus the
    changes of every posting in the period is the closing balance, and each line's
    balance is the one after it in that order."""
    since = _midnight(start) if start else None
    until = _midnight(end + timedelta(days=1)) if end else None
    account_id = db.session.scalar(select(Account.id).where(Account.membership_id == membership.id))
    if account_id is None:
        return Statement([], start, end, 0, 0)
    opening = posting.balance_at(account_id, since) if since else 0
    closing = posting.balance_at(account_id, until or utcnow())
    lines = _lines(account_id, since, until, limit)
    return Statement(_running(lines, closing), start, end, opening, closing)


def _running(lines: list[Line], closing: int) -> list[Line]:
    """``lines`` by service date then posting, each with the balance after it: counted up
    from the balance before the first line shown (the opening balance unless ``limit``
    left older postings out), so the last line ends on the closing balance."""
    ordered = sorted(lines, key=lambda line: (line.service_date, line.posted))
    balance = closing - sum(line.delta for line in ordered)
    result = []
    for line in ordered:
        balance += line.delta
        result.append(replace(line, balance_after=balance))
    return result


def lines(membership: Membership, *, limit: int = 500) -> list[Line]:
    """The latest ``limit`` postings of the member's account, oldest first."""
    return statement(membership, limit=limit).lines


def _lines(
    account_id: int, since: datetime | None, until: datetime | None, limit: int
) -> list[Line]:
    """Postings after ``since`` up to ``until`` (the moments ``balance_at`` reads at)."""
    other_entry = aliased(Entry)
    other_account = aliased(Account)
    other_membership = aliased(Membership)
    other_user = aliased(User)
    query = (
        select(
            Entry.service_date,
            Exchange.id,
            Exchange.kind,
            Exchange.category,
            Entry.delta,
            Entry.balance_after,
            other_user.display_name,
            Entry.id,
        )  # fmt: skip
        .join(Exchange, Entry.exchange_id == Exchange.id)
        .join(
            other_entry,
            (other_entry.exchange_id == Entry.exchange_id)
            & (other_entry.account_id != Entry.account_id),
        )  # fmt: skip
        .join(other_account, other_entry.account_id == other_account.id)
        .outerjoin(other_membership, other_account.membership_id == other_membership.id)
        .outerjoin(other_user, other_membership.user_id == other_user.id)
        .where(Entry.account_id == account_id)
    )
    if since is not None:
        query = query.where(Entry.created_at > since)
    if until is not None:
        query = query.where(Entry.created_at <= until)
    rows = db.session.execute(query.order_by(Entry.id.desc()).limit(limit)).all()
    return [Line(r[0], r[1], r[2].value, r[3], r[4], r[5], r[6], r[7]) for r in reversed(rows)]
