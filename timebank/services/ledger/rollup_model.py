"""The metrics' monthly rollups as a read model of the ledger (DESIGN.md §10, issue 15):
``metrics_month_totals`` (each month's exchanges by kind, status and category),
``metrics_account_months`` (each account's counted exchanges per month) and
``metrics_ties`` (each pair's first counted exchange). Database triggers keep them in the
transaction of every write to ``exchanges`` (``models/metrics_rollup_triggers.py``);
here, what they should hold, derived from the exchanges: ``rebuild`` (the migration's
back-fill, ``verify-ledger --rebuild-read-models``) and ``differences`` (``verify-ledger``'s
check), beside the ledger's other read model (``activity``). The figures read from them
are in ``services/metrics/rollups.py``."""

# ruff: noqa: S608 -- SQL built from this module's and the triggers' constants only.

from __future__ import annotations

from sqlalchemy import Connection, text

from timebank.extensions import db
from timebank.models.metrics_rollup_triggers import COUNTED, month_of, pair_of

_TOTALS = ("community_id", "month", "kind", "status", "category", "exchanges", "minutes")
_ACCOUNTS = ("community_id", "month", "account_id", "given", "received", "gave", "got",
             "first_day", "last_day")  # fmt: skip


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
