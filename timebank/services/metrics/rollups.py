"""The metrics' monthly rollups, a read model of the ledger (DESIGN.md §10, issue 15):
``metrics_month_totals`` (each month's exchanges by kind, status and category) and
``metrics_account_months`` (each account's counted exchanges per month). Database
triggers keep them in the transaction of every write to ``exchanges``
(``models/metrics_rollup_triggers.py``); here, what they should hold, derived from the
exchanges: ``rebuild`` (the migration's back-fill, ``verify-ledger
--rebuild-read-models``, the bulk loader) and ``differences`` (``verify-ledger``'s
check). A period made of whole months reads its figures from them (``queries``)."""

# ruff: noqa: S608 -- SQL built from this module's and the triggers' constants only.

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Connection, and_, func, select, text

from timebank.extensions import db
from timebank.models import (
    ExchangeKind,
    ExchangeStatus,
    MetricsAccountMonth,
    MetricsMonthTotal,
    MetricsTie,
)
from timebank.models.metrics_rollup_triggers import COUNTED, month_of, pair_of
from timebank.services.metrics import queries
from timebank.services.metrics.queries import COUNTED_KINDS

_TOTALS = ("community_id", "month", "kind", "status", "category", "exchanges", "minutes")
_ACCOUNTS = ("community_id", "month", "account_id", "given", "received", "gave", "got",
             "first_day", "last_day")  # fmt: skip


def whole_months(start: date, end: date) -> bool:
    """Whether ``start``–``end`` is a run of whole months (a month, a quarter, a year, or
    custom dates that happen to be), which the rollups answer exactly."""
    return start.day == 1 and (end + timedelta(days=1)).day == 1


def _where(community_id: int | None, alias: str = "") -> str:
    return "" if community_id is None else f" WHERE {alias}community_id = :community"


def _truth_totals(dialect: str, community_id: int | None) -> str:
    month = month_of(dialect, "service_date")
    return (
        f"SELECT community_id, {month} AS month, kind, status, category, count(*) AS exchanges, "
        f"sum(minutes) AS minutes FROM exchanges{_where(community_id)} "
        f"GROUP BY community_id, {month}, kind, status, category"
    )


def _truth_accounts(dialect: str, community_id: int | None) -> str:
    counted = COUNTED.format(r="x")
    legs = " UNION ALL ".join(
        f"SELECT x.community_id, {month_of(dialect, 'x.service_date')} AS month, "
        f"x.{side}_account_id AS account_id, x.minutes * {g} AS given, "
        f"x.minutes * {1 - g} AS received, {g} AS gave, {1 - g} AS got, x.service_date AS day "
        f"FROM exchanges x WHERE {counted}"
        + ("" if community_id is None else " AND x.community_id = :community")
        for side, g in (("provider", 1), ("recipient", 0))
    )
    return (
        "SELECT community_id, month, account_id, sum(given) AS given, sum(received) AS "
        "received, sum(gave) AS gave, sum(got) AS got, min(day) AS first_day, max(day) AS "
        f"last_day FROM ({legs}) legs GROUP BY community_id, month, account_id"
    )


def _truth_ties(dialect: str, community_id: int | None) -> str:
    low, high = pair_of(dialect, "x")
    mine = "" if community_id is None else " AND x.community_id = :community"
    return (
        f"SELECT x.community_id AS community_id, {low} AS low, {high} AS high, "
        f"min(x.service_date) AS first_day FROM exchanges x WHERE {COUNTED.format(r='x')}"
        f"{mine} GROUP BY x.community_id, {low}, {high}"
    )


def _tables(dialect: str, community_id: int | None) -> list[tuple[str, tuple, str, str]]:
    """(table, columns, what it should hold, which of its rows count as present)."""
    return [
        ("metrics_month_totals", _TOTALS, _truth_totals(dialect, community_id), "exchanges <> 0"),
        ("metrics_account_months", _ACCOUNTS, _truth_accounts(dialect, community_id),
         "gave + got <> 0"),
        ("metrics_ties", ("community_id", "low", "high", "first_day"),
         _truth_ties(dialect, community_id), "first_day IS NOT NULL"),
    ]  # fmt: skip


def rebuild(community_id: int | None = None) -> int:
    """Recompute both rollups from the exchanges (one community, or all); the rows written.
    The caller commits."""
    return rebuild_on(db.session.connection(), community_id)


def rebuild_on(connection: Connection, community_id: int | None = None) -> int:
    """``rebuild`` on a given connection (the migration's)."""
    dialect = connection.dialect.name
    params = {"community": community_id}
    written = 0
    for table, columns, truth, _present in _tables(dialect, community_id):
        connection.execute(text(f"DELETE FROM {table}{_where(community_id)}"), params)
        names = ", ".join(columns)
        result = connection.execute(
            text(f"INSERT INTO {table} ({names}) SELECT {names} FROM ({truth}) t"), params
        )
        written += int(result.rowcount or 0)
    return written


def differences(community_id: int) -> int:
    """How many rollup rows differ from what the exchanges say (0 when both are right).
    Rows left at zero (every exchange in them reversed or moved) count as absent. Each
    table in one pass: its rows and the derived ones (both unique) side by side, grouped;
    a row found on one side only is a difference (the exchanges are read once)."""
    connection = db.session.connection()
    dialect = connection.dialect.name
    params = {"community": community_id}
    found = 0
    for table, columns, truth, nonzero in _tables(dialect, community_id):
        names = ", ".join(columns)
        both = (
            f"SELECT {names} FROM {table} WHERE community_id = :community AND {nonzero} "
            f"UNION ALL SELECT {names} FROM ({truth}) t"
        )
        found += int(
            connection.execute(
                text(
                    f"SELECT count(*) FROM (SELECT {names} FROM ({both}) sides "
                    f"GROUP BY {names} HAVING count(*) = 1) d"
                ),
                params,
            ).scalar_one()
        )
    return found


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
