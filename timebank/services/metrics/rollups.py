"""The metrics' monthly rollups, a read model of the ledger (DESIGN.md §10, issue 15):
``metrics_month_totals`` (each month's exchanges by kind, status and category) and
``metrics_account_months`` (each account's counted exchanges per month), kept by database
triggers and checked as a ledger read model (``services/ledger/rollup_model.py``). A
period made of whole months reads its figures from them here (``queries``)."""

# ruff: noqa: S608 -- SQL built from this module's and the triggers' constants only.

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, func, select

from timebank.extensions import db
from timebank.models import (
    ExchangeKind,
    ExchangeStatus,
    MetricsAccountMonth,
    MetricsMonthTotal,
    MetricsTie,
)
from timebank.services.metrics import queries
from timebank.services.metrics.queries import COUNTED_KINDS


def whole_months(start: date, end: date) -> bool:
    """Whether ``start``–``end`` is a run of whole months (a month, a quarter, a year, or
    custom dates that happen to be), which the rollups answer exactly."""
    return start.day == 1 and (end + timedelta(days=1)).day == 1


# --- the figures of whole months, read from the rollups --------------------------------
# Each returns exactly what the function of the same name in ``queries`` returns for the
# same arguments (``tests/services/test_metrics_rollups.py`` compares every figure).


def _months(start: date, end: date) -> tuple[str, str]:
    return f"{start:%Y-%m}", f"{end:%Y-%m}"


def _totals(community_id: int, start: date, end: date):
    first, last = _months(start, end)
    return and_(
        MetricsMonthTotal.community_id == community_id,
        MetricsMonthTotal.month.between(first, last),
    )


def _standing(community_id: int, start: date, end: date):
    """Totals of counted activity (``queries.counted``)."""
    return and_(
        _totals(community_id, start, end),
        MetricsMonthTotal.status == ExchangeStatus.POSTED.value,
        MetricsMonthTotal.kind.in_([k.value for k in COUNTED_KINDS]),
    )


def monthly(community_id: int, start: date, end: date) -> dict[str, tuple[int, int]]:
    count = func.sum(MetricsMonthTotal.exchanges)
    rows = db.session.execute(
        select(MetricsMonthTotal.month, count, func.sum(MetricsMonthTotal.minutes))
        .where(_standing(community_id, start, end))
        .group_by(MetricsMonthTotal.month)
        .having(count != 0)
    )
    return {m: (int(n), int(minutes)) for m, n, minutes in rows}


def by_category(community_id: int, start: date, end: date) -> list[tuple[str, int, int]]:
    count = func.sum(MetricsMonthTotal.exchanges)
    rows = db.session.execute(
        select(MetricsMonthTotal.category, count, func.sum(MetricsMonthTotal.minutes))
        .where(_standing(community_id, start, end))
        .group_by(MetricsMonthTotal.category)
        .having(count != 0)
    )
    return sorted(((k, int(n), int(m)) for k, n, m in rows), key=lambda r: (-r[2], r[0]))


def pot_flows(community_id: int, start: date, end: date) -> dict[str, int]:
    kinds = (ExchangeKind.DONATION, ExchangeKind.GRANT, ExchangeKind.SETTLEMENT)
    rows = db.session.execute(
        select(MetricsMonthTotal.kind, func.sum(MetricsMonthTotal.minutes))
        .where(
            _totals(community_id, start, end),
            MetricsMonthTotal.status == ExchangeStatus.POSTED.value,
            MetricsMonthTotal.kind.in_([k.value for k in kinds]),
        )
        .group_by(MetricsMonthTotal.kind)
        .having(func.sum(MetricsMonthTotal.exchanges) != 0)
    )
    return {str(kind): int(m) for kind, m in rows}


def departed(community_id: int, start: date, end: date) -> int:
    """Read from the exchanges only when the period has a settlement at all (rare)."""
    settled = db.session.scalar(
        select(func.coalesce(func.sum(MetricsMonthTotal.exchanges), 0)).where(
            _totals(community_id, start, end),
            MetricsMonthTotal.status == ExchangeStatus.POSTED.value,
            MetricsMonthTotal.kind == ExchangeKind.SETTLEMENT.value,
        )
    )
    return queries.departed(community_id, start, end) if settled else 0


def minutes_in(community_id: int, start: date, end: date, categories) -> tuple[int, int]:
    """(minutes, exchanges) of counted activity in ``categories`` (a subquery of keys)."""
    minutes, count = db.session.execute(
        select(
            func.coalesce(func.sum(MetricsMonthTotal.minutes), 0),
            func.coalesce(func.sum(MetricsMonthTotal.exchanges), 0),
        ).where(_standing(community_id, start, end), MetricsMonthTotal.category.in_(categories))
    ).one()
    return int(minutes), int(count)


def activity(community_id: int, start: date, end: date, window: int) -> queries.Activity:
    """``queries.activity`` from the accounts' months. The legs before the window's first
    day in its first month are left out as there: a last day before ``since`` is dropped."""
    since = min(start, end - timedelta(days=window))
    inside = f"{start:%Y-%m}"
    table = MetricsAccountMonth
    rows = queries.plain_rows(
        select(table.account_id, table.month, table.given, table.received, table.last_day).where(
            table.community_id == community_id,
            table.month.between(f"{since:%Y-%m}", f"{end:%Y-%m}"),
            table.gave + table.got != 0,
        )
    )
    sums: dict[int, tuple[int, int]] = {}
    by_month: dict[str, int] = {}
    last: dict[int, date] = {}
    for account, month, given, received, last_day in rows:
        if last_day >= since and (account not in last or last_day > last[account]):
            last[account] = last_day
        if month < inside:
            continue
        by_month[month] = by_month.get(month, 0) + 1
        g, r = sums.get(account, (0, 0))
        sums[account] = (g + int(given), r + int(received))
    return queries.Activity(sums, by_month, last)


def new_ties(community_id: int, start: date, end: date) -> int:
    """Pairs whose first counted exchange falls in the period: the period's new ties (a
    pair exchanging in the period is new exactly when it had not exchanged before)."""
    return int(
        db.session.scalar(
            select(func.count()).where(
                MetricsTie.community_id == community_id,
                MetricsTie.first_day.between(start, end),
            )
        )
        or 0
    )
