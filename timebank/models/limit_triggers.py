"""Database triggers that hold the limit promise (DESIGN.md §4, promise 7) when a limit may
be lowered below the balance (issue 14).

A CHECK ``balance >= -credit_limit`` would make such an account illegal. Instead, a trigger
refuses a *movement towards a limit* that ends past it: a debit ending below
``-credit_limit`` or a credit ending above ``upper_limit``. An account already past its
limit stays legal, a credit to a member below their limit always passes.

One exception, so that leaving is never blocked by a balance: the community pot may go past
its limits while a posted ``settlement`` exchange on it has no legs yet (that is, inside
the posting of a settlement: the write-off of a departing member's debt).

Used by migrations; kept here so SQLite and PostgreSQL share one definition."""

from __future__ import annotations

from alembic import op

_TOWARDS_LIMIT = (
    "((NEW.balance < OLD.balance AND NEW.balance < -NEW.credit_limit) OR "
    "(NEW.upper_limit IS NOT NULL AND NEW.balance > OLD.balance "
    "AND NEW.balance > NEW.upper_limit))"
)
_OUTSIDE_ON_INSERT = (
    "(NEW.balance < -NEW.credit_limit OR "
    "(NEW.upper_limit IS NOT NULL AND NEW.balance > NEW.upper_limit))"
)
_SETTLING_POT = (
    "(NEW.kind = 'pot' AND EXISTS (SELECT 1 FROM exchanges x "
    "WHERE x.kind = 'settlement' AND x.status = 'posted' "
    "AND (x.recipient_account_id = NEW.id OR x.provider_account_id = NEW.id) "
    "AND NOT EXISTS (SELECT 1 FROM entries e WHERE e.exchange_id = x.id)))"
)
_MESSAGE = "balance outside its limits"

_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION timebank_account_limits() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND {_SETTLING_POT} THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'account %: {_MESSAGE}', NEW.id USING ERRCODE = 'check_violation';
END;
$$ LANGUAGE plpgsql
"""


def create_limit_triggers() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(
            "CREATE TRIGGER accounts_limits_update BEFORE UPDATE OF balance ON accounts "
            f"WHEN {_TOWARDS_LIMIT} AND NOT {_SETTLING_POT} "
            f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
        )
        op.execute(
            "CREATE TRIGGER accounts_limits_insert BEFORE INSERT ON accounts "
            f"WHEN {_OUTSIDE_ON_INSERT} BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
        )
    elif dialect == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(
            "CREATE TRIGGER accounts_limits_update BEFORE UPDATE OF balance ON accounts "
            f"FOR EACH ROW WHEN {_TOWARDS_LIMIT} EXECUTE FUNCTION timebank_account_limits()"
        )
        op.execute(
            "CREATE TRIGGER accounts_limits_insert BEFORE INSERT ON accounts "
            f"FOR EACH ROW WHEN {_OUTSIDE_ON_INSERT} EXECUTE FUNCTION timebank_account_limits()"
        )
    else:  # pragma: no cover - only the two supported engines
        raise RuntimeError(f"limit triggers not written for {dialect}")


def drop_limit_triggers() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS accounts_limits_update")
        op.execute("DROP TRIGGER IF EXISTS accounts_limits_insert")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS accounts_limits_update ON accounts")
        op.execute("DROP TRIGGER IF EXISTS accounts_limits_insert ON accounts")
        op.execute("DROP FUNCTION IF EXISTS timebank_account_limits()")
