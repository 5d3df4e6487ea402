"""The reconciliation figures of a period (``Reconciliation``): what the entries of the
exchanges dated in it say, next to the exchanges (the board's check that hours and ledger
agree). Counted activity as in ``queries.counted``."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, case, func, select, true

from timebank.extensions import db
from timebank.models import Entry, Exchange, ExchangeStatus
from timebank.services.metrics.queries import COUNTED_KINDS


def reconciliation(community_id: int, start: date, end: date) -> tuple[int, ...]:
    """From the entries of exchanges dated in the period: postings, entries, sum of deltas,
    credits of standing member exchanges, and the reversed ones (count, minutes)."""
    dated = and_(Exchange.community_id == community_id, Exchange.service_date.between(start, end))
    standing = and_(Exchange.status == ExchangeStatus.POSTED, Exchange.kind.in_(COUNTED_KINDS))
    posted, entries, delta, credited = db.session.execute(_entries(dated, standing)).one()
    reversed_count, reversed_minutes = db.session.execute(
        select(func.count(), func.coalesce(func.sum(Exchange.minutes), 0)).where(
            dated, Exchange.status == ExchangeStatus.REVERSED
        )
    ).one()
    return (int(posted), int(entries), int(delta), int(credited), int(reversed_count),
            int(reversed_minutes))  # fmt: skip


def _entries(dated, standing):
    """(exchanges with entries, entries, sum of deltas, credits of standing exchanges).
    SQLite reads each dated exchange's entries through their index; PostgreSQL, left to
    itself, hashes the dated exchanges and reads the whole ``entries`` table (3.7 s of a
    quarter at 1,000,000 exchanges, growing with the history: issue 15), so there each
    exchange's entries are summed in a LATERAL subquery, which reads only them."""
    if db.session.get_bind().dialect.name != "postgresql":
        return (
            select(
                func.count(func.distinct(Entry.exchange_id)),
                func.count(Entry.id),
                func.coalesce(func.sum(Entry.delta), 0),
                func.coalesce(
                    func.sum(case((and_(standing, Entry.delta > 0), Entry.delta), else_=0)), 0
                ),
            )
            .select_from(Entry)
            .join(Exchange, Exchange.id == Entry.exchange_id)
            .where(dated)
        )
    legs = (
        select(
            func.count().label("n"),
            func.coalesce(func.sum(Entry.delta), 0).label("delta"),
            func.coalesce(func.sum(case((Entry.delta > 0, Entry.delta), else_=0)), 0).label(
                "credit"
            ),
        )
        .where(Entry.exchange_id == Exchange.id)
        .correlate(Exchange)
        .lateral("legs")
    )
    return (
        select(
            func.count().filter(legs.c.n > 0),
            func.coalesce(func.sum(legs.c.n), 0),
            func.coalesce(func.sum(legs.c.delta), 0),
            func.coalesce(func.sum(case((standing, legs.c.credit), else_=0)), 0),
        )
        .select_from(Exchange)
        .join(legs, true())
        .where(dated)
    )
