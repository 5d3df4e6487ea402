"""A member's ledger entries as a cursor-paged feed (the JSON API's statement): newest
first, seeking below an entry id through ``ix_entries_account_id_id``, so any page costs
what the first does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from timebank.extensions import db
from timebank.models import Entry, Exchange

MAX_LIMIT = 100


@dataclass(frozen=True)
class FeedLine:
    entry_id: int
    exchange_id: int
    kind: str
    status: str
    category: str
    service_date: date
    posted_at: datetime
    delta: int
    balance_after: int


def entries(
    account_id: int, *, before: int | None, limit: int
) -> tuple[list[FeedLine], int | None]:
    """Up to ``limit`` entries below entry id ``before`` (None: the newest), and the cursor
    of the next page (None at the end)."""
    limit = max(1, min(limit, MAX_LIMIT))
    query = (
        select(
            Entry.id,
            Entry.exchange_id,
            Exchange.kind,
            Exchange.status,
            Exchange.category,
            Exchange.service_date,
            Entry.created_at,
            Entry.delta,
            Entry.balance_after,
        )  # fmt: skip
        .join(Exchange, Exchange.id == Entry.exchange_id)
        .where(Entry.account_id == account_id)
        .order_by(Entry.id.desc())
        .limit(limit + 1)
    )
    if before is not None:
        query = query.where(Entry.id < before)
    rows = db.session.execute(query).all()
    lines = [
        FeedLine(r[0], r[1], r[2].value, r[3].value, r[4], r[5], r[6], r[7], r[8])
        for r in rows[:limit]
    ]
    following = lines[-1].entry_id if len(rows) > limit else None
    return lines, following
