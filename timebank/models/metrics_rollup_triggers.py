"""Database triggers that keep the metrics' monthly rollups (``metrics_month_totals``,
``metrics_account_months``; DESIGN.md §10, issue 15) in the transaction of every write to
``exchanges``, whoever writes it: a posting, an approval, a reversal, an expiry.

- Inserting an exchange adds it to its month's totals (by kind, status and category) and,
  if it counts (posted, of kind ``exchange`` or ``group``: ``services.metrics.queries.
  counted``), to its two accounts' month and to its pair's first day (``metrics_ties``).
- Changing what a row is counted under (status, kind, category, minutes, service date,
  community or accounts) moves it from the old totals to the new ones; an exchange that
  starts to count (an approval) is added to its accounts' month; one that stopped or
  changed (a reversal) has its accounts' months and its pair recomputed from the
  exchanges, since a first or last day cannot be subtracted.

Exchanges are never deleted (append-only ledger). Used by the migration and the bulk
loader keeps them by copying the database's own definitions; SQLite and PostgreSQL share
the statements below."""

# ruff: noqa: S608 -- DDL built from this module's constants only; nothing comes from input.

from __future__ import annotations

from alembic import op

COUNTED = "{r}.status = 'posted' AND {r}.kind IN ('exchange', 'group')"
WATCHED = ("status", "kind", "category", "minutes", "service_date", "community_id",
           "provider_account_id", "recipient_account_id")  # fmt: skip
TRIGGERS = (
    "exchanges_metrics_insert",
    "exchanges_metrics_insert_counted",
    "exchanges_metrics_update",
    "exchanges_metrics_update_counted",
    "exchanges_metrics_update_redo",
)


def month_of(dialect: str, column: str) -> str:
    """A service date's month as ``YYYY-MM`` (SQLite keeps dates as ISO text)."""
    if dialect == "postgresql":
        return f"to_char({column}, 'YYYY-MM')"
    return f"substr({column}, 1, 7)"


def _counted(row: str) -> str:
    return "(" + COUNTED.format(r=row) + ")"


def _changed(dialect: str) -> str:
    differs = "IS DISTINCT FROM" if dialect == "postgresql" else "IS NOT"
    return "(" + " OR ".join(f"OLD.{c} {differs} NEW.{c}" for c in WATCHED) + ")"


def _total(dialect: str, row: str, sign: int) -> str:
    return (
        "INSERT INTO metrics_month_totals (community_id, month, kind, status, category, "
        f"exchanges, minutes) VALUES ({row}.community_id, "
        f"{month_of(dialect, row + '.service_date')}, {row}.kind, {row}.status, "
        f"{row}.category, {sign}, {sign} * {row}.minutes) "
        "ON CONFLICT (community_id, month, kind, status, category) DO UPDATE SET "
        "exchanges = metrics_month_totals.exchanges + excluded.exchanges, "
        "minutes = metrics_month_totals.minutes + excluded.minutes"
    )


def _earlier(column: str) -> str:
    t, x = f"metrics_account_months.{column}", f"excluded.{column}"
    op_ = "<" if column == "first_day" else ">"
    return f"{column} = CASE WHEN {t} IS NULL OR {x} {op_} {t} THEN {x} ELSE {t} END"


def _add_leg(dialect: str, row: str, side: str) -> str:
    gave = side == "provider"
    given, received = (f"{row}.minutes", "0") if gave else ("0", f"{row}.minutes")
    return (
        "INSERT INTO metrics_account_months (community_id, month, account_id, given, received, "
        f"gave, got, first_day, last_day) VALUES ({row}.community_id, "
        f"{month_of(dialect, row + '.service_date')}, {row}.{side}_account_id, {given}, "
        f"{received}, {int(gave)}, {int(not gave)}, {row}.service_date, {row}.service_date) "
        "ON CONFLICT (community_id, month, account_id) DO UPDATE SET "
        "given = metrics_account_months.given + excluded.given, "
        "received = metrics_account_months.received + excluded.received, "
        "gave = metrics_account_months.gave + excluded.gave, "
        "got = metrics_account_months.got + excluded.got, "
        f"{_earlier('first_day')}, {_earlier('last_day')}"
    )


def _redo(dialect: str, row: str, side: str) -> str:
    """Recompute one account's month from the exchanges (after a reversal)."""
    a, m = f"{row}.{side}_account_id", month_of(dialect, f"{row}.service_date")
    gave, got = f"x.provider_account_id = {a}", f"x.recipient_account_id = {a}"
    return (
        "INSERT INTO metrics_account_months (community_id, month, account_id, given, received, "
        f"gave, got, first_day, last_day) SELECT {row}.community_id, {m}, {a}, "
        f"coalesce(sum(CASE WHEN {gave} THEN x.minutes ELSE 0 END), 0), "
        f"coalesce(sum(CASE WHEN {got} THEN x.minutes ELSE 0 END), 0), "
        f"coalesce(sum(CASE WHEN {gave} THEN 1 ELSE 0 END), 0), "
        f"coalesce(sum(CASE WHEN {got} THEN 1 ELSE 0 END), 0), "
        "min(x.service_date), max(x.service_date) FROM exchanges x "
        f"WHERE x.community_id = {row}.community_id AND ({gave} OR {got}) "
        f"AND {month_of(dialect, 'x.service_date')} = {m} AND {_counted('x')} "
        "ON CONFLICT (community_id, month, account_id) DO UPDATE SET "
        "given = excluded.given, received = excluded.received, gave = excluded.gave, "
        "got = excluded.got, first_day = excluded.first_day, last_day = excluded.last_day"
    )


def pair_of(dialect: str, row: str) -> tuple[str, str]:
    """(lower, higher) account id of a row, spelt as ``ix_exchanges_tie_date``."""
    low, high = ("LEAST", "GREATEST") if dialect == "postgresql" else ("min", "max")
    sides = f"{row}.provider_account_id, {row}.recipient_account_id"
    return f"{low}({sides})", f"{high}({sides})"


def _add_tie(dialect: str, row: str) -> str:
    low, high = pair_of(dialect, row)
    t, x = "metrics_ties.first_day", "excluded.first_day"
    return (
        "INSERT INTO metrics_ties (community_id, low, high, first_day) VALUES "
        f"({row}.community_id, {low}, {high}, {row}.service_date) "
        "ON CONFLICT (community_id, low, high) DO UPDATE SET "
        f"first_day = CASE WHEN {t} IS NULL OR {x} < {t} THEN {x} ELSE {t} END;"
    )


def _redo_tie(dialect: str, row: str) -> str:
    """Recompute a pair's first day from its exchanges (after a reversal)."""
    low, high = pair_of(dialect, row)
    x_low, x_high = pair_of(dialect, "x")
    return (
        "INSERT INTO metrics_ties (community_id, low, high, first_day) "
        f"SELECT {row}.community_id, {low}, {high}, min(x.service_date) FROM exchanges x "
        f"WHERE x.community_id = {row}.community_id AND {x_low} = {low} AND {x_high} = {high} "
        f"AND {_counted('x')} ON CONFLICT (community_id, low, high) DO UPDATE SET "
        "first_day = excluded.first_day;"
    )


def _legs(dialect: str, row: str, make) -> str:
    return "; ".join(make(dialect, row, side) for side in ("provider", "recipient")) + ";"


def statements(dialect: str) -> list[str]:
    """The DDL creating the triggers (and, on PostgreSQL, their function)."""
    watched = ", ".join(WATCHED)
    changed = _changed(dialect)
    redo = " ".join(
        (_legs(dialect, "OLD", _redo), _legs(dialect, "NEW", _redo),
         _redo_tie(dialect, "OLD"), _redo_tie(dialect, "NEW"))
    )  # fmt: skip
    add = _legs(dialect, "NEW", _add_leg) + " " + _add_tie(dialect, "NEW")
    if dialect == "sqlite":
        update = f"AFTER UPDATE OF {watched} ON exchanges FOR EACH ROW WHEN {changed}"
        return [
            "CREATE TRIGGER exchanges_metrics_insert AFTER INSERT ON exchanges FOR EACH ROW "
            f"BEGIN {_total(dialect, 'NEW', 1)}; END",
            "CREATE TRIGGER exchanges_metrics_insert_counted AFTER INSERT ON exchanges "
            f"FOR EACH ROW WHEN {_counted('NEW')} BEGIN {add} END",
            f"CREATE TRIGGER exchanges_metrics_update {update} "
            f"BEGIN {_total(dialect, 'OLD', -1)}; {_total(dialect, 'NEW', 1)}; END",
            f"CREATE TRIGGER exchanges_metrics_update_counted {update} "
            f"AND {_counted('NEW')} AND NOT {_counted('OLD')} "
            f"BEGIN {add} END",
            f"CREATE TRIGGER exchanges_metrics_update_redo {update} AND {_counted('OLD')} "
            f"BEGIN {redo} END",
        ]
    function = f"""
CREATE OR REPLACE FUNCTION timebank_metrics_rollups() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        {_total(dialect, "OLD", -1)};
    END IF;
    {_total(dialect, "NEW", 1)};
    IF {_counted("NEW")} AND (TG_OP = 'INSERT' OR NOT {_counted("OLD")}) THEN
        {add}
    ELSIF TG_OP = 'UPDATE' AND {_counted("OLD")} THEN
        {redo}
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""
    return [
        function,
        "CREATE TRIGGER exchanges_metrics_insert AFTER INSERT ON exchanges FOR EACH ROW "
        "EXECUTE FUNCTION timebank_metrics_rollups()",
        f"CREATE TRIGGER exchanges_metrics_update AFTER UPDATE OF {watched} ON exchanges "
        f"FOR EACH ROW WHEN {changed} EXECUTE FUNCTION timebank_metrics_rollups()",
    ]


def create_rollup_triggers() -> None:
    dialect = op.get_bind().dialect.name
    if dialect not in ("sqlite", "postgresql"):  # pragma: no cover - the two engines
        raise RuntimeError(f"rollup triggers not written for {dialect}")
    for statement in statements(dialect):
        op.execute(statement)


def drop_rollup_triggers() -> None:
    dialect = op.get_bind().dialect.name
    table = "" if dialect == "sqlite" else " ON exchanges"
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}{table}")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS timebank_metrics_rollups()")
