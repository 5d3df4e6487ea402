"""Exchanges as cursor-paged feeds (the JSON API's lists): a member's own, or a whole
community's for its coordinators, newest first by id (a stable order: ids never change),
seeking below the last id seen, so any page costs what the first does. Plus the ledger
legs of one exchange."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, or_, select, union_all

from timebank.extensions import db
from timebank.models import PENDING_STATUSES, Account, Community, Entry, Exchange, ExchangeStatus
from timebank.services.exchanges.rows import ExchangeRow, rows_query, to_row

MAX_LIMIT = 100
STATES = ("pending", *(status.value for status in ExchangeStatus))


@dataclass(frozen=True)
class Filters:
    """``state``: one status, or ``pending`` (recorded or awaiting approval); ``account_id``:
    either party; the service date between ``date_from`` and ``date_to`` (inclusive)."""

    state: str | None = None
    category: str | None = None
    account_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def _conditions(filters: Filters) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if filters.state == "pending":
        found.append(Exchange.status.in_(PENDING_STATUSES))
    elif filters.state:
        found.append(Exchange.status == ExchangeStatus(filters.state))
    if filters.category:
        found.append(Exchange.category == filters.category)
    if filters.date_from:
        found.append(Exchange.service_date >= filters.date_from)
    if filters.date_to:
        found.append(Exchange.service_date <= filters.date_to)
    return found


def _page(ids: list[int], limit: int) -> tuple[list[ExchangeRow], int | None]:
    shown = ids[:limit]
    rows = db.session.execute(rows_query().where(Exchange.id.in_(shown))).all() if shown else []
    by_id = {row.id: row for row in map(to_row, rows)}
    following = shown[-1] if len(ids) > limit else None
    return [by_id[i] for i in shown if i in by_id], following


def of_account(
    account_id: int, filters: Filters, *, before: int | None, limit: int
) -> tuple[list[ExchangeRow], int | None]:
    """The exchanges ``account_id`` took part in (either side), newest first: up to
    ``limit`` below id ``before`` (None: the newest), and the cursor of the next page. Each
    side is read from its own index and the two merged, so a busy member's deep page costs
    what their first does."""
    limit = max(1, min(limit, MAX_LIMIT))
    conditions = _conditions(filters)
    if before is not None:
        conditions.append(Exchange.id < before)
    sides = [
        select(Exchange.id)
        .where(column == account_id, *conditions)
        .order_by(Exchange.id.desc())
        .limit(limit + 1)
        for column in (Exchange.provider_account_id, Exchange.recipient_account_id)
    ]
    merged = union_all(*(side.subquery().select() for side in sides)).subquery()
    # No exchange is on both sides of one account (no_self_exchange): no duplicates.
    ids = db.session.scalars(
        select(merged.c.id).order_by(merged.c.id.desc()).limit(limit + 1)
    ).all()
    return _page(list(ids), limit)


def of_community(
    community: Community, filters: Filters, *, before: int | None, limit: int
) -> tuple[list[ExchangeRow], int | None]:
    """Every exchange of ``community`` matching ``filters`` (a coordinator's view), newest
    first, cursor-paged like ``of_account``."""
    limit = max(1, min(limit, MAX_LIMIT))
    conditions = [Exchange.community_id == community.id, *_conditions(filters)]
    if filters.account_id is not None:
        conditions.append(
            or_(
                Exchange.provider_account_id == filters.account_id,
                Exchange.recipient_account_id == filters.account_id,
            )
        )
    if before is not None:
        conditions.append(Exchange.id < before)
    ids = db.session.scalars(
        select(Exchange.id).where(*conditions).order_by(Exchange.id.desc()).limit(limit + 1)
    ).all()
    return _page(list(ids), limit)


@dataclass(frozen=True)
class Leg:
    entry_id: int
    account_id: int
    membership_id: int | None  # None: the community pot
    delta: int
    balance_after: int
    posted_at: datetime


def legs(exchange_id: int) -> list[Leg]:
    """The ledger entries of one exchange (none until it is posted), in id order."""
    rows = db.session.execute(
        select(Entry.id, Entry.account_id, Account.membership_id, Entry.delta,
               Entry.balance_after, Entry.created_at)
        .join(Account, Account.id == Entry.account_id)
        .where(Entry.exchange_id == exchange_id)
        .order_by(Entry.id)
    ).all()  # fmt: skip
    return [Leg(*row) for row in rows]
