"""A member's balance statement (printable for members without internet): every posting
with its counterpart's display name and the balance after it. Three queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import aliased

from timebank.extensions import db
from timebank.models import Account, Entry, Exchange, Membership, User


@dataclass(frozen=True)
class Line:
    service_date: date
    exchange_id: int
    kind: str
    category: str
    delta: int
    balance_after: int
    counterpart: str | None  # None: the community pot


def lines(membership: Membership, *, limit: int = 500) -> list[Line]:
    """The latest ``limit`` postings of the member's account, oldest first."""
    account_id = db.session.scalar(select(Account.id).where(Account.membership_id == membership.id))
    if account_id is None:
        return []
    other_entry = aliased(Entry)
    other_account = aliased(Account)
    other_membership = aliased(Membership)
    other_user = aliased(User)
    rows = db.session.execute(
        select(
            Exchange.service_date,
            Exchange.id,
            Exchange.kind,
            Exchange.category,
            Entry.delta,
            Entry.balance_after,
            other_user.display_name,
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
        .order_by(Entry.id.desc())
        .limit(limit)
    ).all()
    return [Line(r[0], r[1], r[2].value, r[3], r[4], r[5], r[6]) for r in reversed(rows)]
