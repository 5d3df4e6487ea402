"""Each account's last exchange date: a read model of the ledger (DESIGN.md §10, "a figure
a page needs over all history comes from a read model kept up to date on posting").

``accounts.last_exchange_on`` is the latest service date of a posted (or since reversed)
exchange the account took part in. Posting keeps it in the same ``UPDATE`` that moves the
balance (``posting._MOVE``); ``verify-ledger`` checks it (``stale_count``) and
``rebuild`` recomputes it from the exchanges (the migration's backfill)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, and_, or_, select, type_coerce, union_all, update
from sqlalchemy.sql import func

from timebank.extensions import db
from timebank.models import Account, Exchange, ExchangeStatus

_HAPPENED = (ExchangeStatus.POSTED, ExchangeStatus.REVERSED)


def _last_exchange_of_account():
    """The true value for the ``Account`` row in scope (a correlated scalar subquery): each
    side read through its own account index, never provider-OR-recipient."""
    sides = union_all(
        *(
            select(func.max(Exchange.service_date).label("day"))
            .where(column == Account.id, Exchange.status.in_(_HAPPENED))
            .correlate(Account)
            for column in (Exchange.provider_account_id, Exchange.recipient_account_id)
        )
    ).subquery()
    return type_coerce(select(func.max(sides.c.day)).correlate(Account).scalar_subquery(), Date)


def stale_count(community_id: int) -> int:
    """How many of the community's accounts have a last exchange date that differs from
    their exchanges (0 when the read model is right)."""
    truth = _last_exchange_of_account()
    differs = or_(
        and_(Account.last_exchange_on.is_(None), truth.is_not(None)),
        and_(Account.last_exchange_on.is_not(None), truth.is_(None)),
        Account.last_exchange_on != truth,
    )
    stmt = select(func.count()).select_from(Account)
    return int(db.session.scalar(stmt.where(Account.community_id == community_id, differs)) or 0)


def rebuild(community_id: int | None = None) -> int:
    """Recompute every account's last exchange date from the exchanges; returns how many
    accounts were written. The caller commits."""
    stmt = update(Account).values(last_exchange_on=_last_exchange_of_account())
    if community_id is not None:
        stmt = stmt.where(Account.community_id == community_id)
    result = db.session.execute(stmt.execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def quiet_since(since: date):
    """A WHERE clause on an (outer-joined) ``Account``: no exchange on or after ``since``
    (an account that never exchanged, or a missing account, counts as quiet)."""
    return or_(Account.last_exchange_on.is_(None), Account.last_exchange_on < since)
