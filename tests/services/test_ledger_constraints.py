"""The database itself refuses bad ledger rows, whatever the code above it does
(raw SQL, bypassing the services and the ORM)."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, StatementError

from tests.conftest import PG_URL
from tests.services.conftest import key
from timebank.extensions import db
from timebank.models import Account, Exchange
from timebank.services import audit

REFUSED = (DBAPIError,)


def _exchange_values(bank, **overrides) -> dict:
    values = {
        "community_id": bank.community.id,
        "kind": "exchange",
        "status": "recorded",
        "provider": bank.account(bank.a).id,
        "recipient": bank.account(bank.b).id,
        "minutes": 60,
        "service_date": "2026-11-01",
        "category": "gardening",
        "recorded_by": bank.a.user_id,
        "key": key(),
        "hash": "x" * 64,
        "created_at": "2026-11-01 10:00:00",
        "decided_at": None,
        "decided_by": None,
        "reverses": None,
    }
    values.update(overrides)
    return values


INSERT_EXCHANGE = text(
    "INSERT INTO exchanges (community_id, kind, status, provider_account_id, "
    "recipient_account_id, minutes, service_date, category, recorded_by_id, "
    "idempotency_key, payload_hash, created_at, decided_at, decided_by_id, "
    "reverses_exchange_id) VALUES (:community_id, :kind, :status, :provider, :recipient, "
    ":minutes, :service_date, :category, :recorded_by, :key, :hash, :created_at, "
    ":decided_at, :decided_by, :reverses) RETURNING id"
)


def _insert_exchange(bank, **overrides) -> int:
    exchange_id = db.session.execute(INSERT_EXCHANGE, _exchange_values(bank, **overrides))
    return exchange_id.scalar_one()


def _refused(statement, params=None) -> None:
    with pytest.raises(REFUSED):
        db.session.execute(statement, params or {})
        db.session.flush()
    db.session.rollback()


def test_a_valid_raw_row_is_accepted(bank):
    """The baseline: the raw insert used below is valid with good values."""
    assert _insert_exchange(bank) > 0
    db.session.rollback()


@pytest.mark.parametrize(
    "minutes",
    [0, -1, 100_001, 10**9, "abc", math.nan, math.inf, None, "2.5"]
    + ([] if PG_URL else [2.5, 59.9, "60.5"]),
)
def test_minutes_outside_whole_range_refused(bank, minutes):
    """0, negatives, over the cap, text, NaN, inf, NULL and fractions never reach a row.

    (PostgreSQL converts a *float parameter* such as 2.5 into the integer column itself, by
    rounding, so a fraction can never be stored there; the ORM type refuses floats before
    they are sent: see the next test.)"""
    _refused(INSERT_EXCHANGE, _exchange_values(bank, minutes=minutes))


@pytest.mark.parametrize("minutes", [2.5, 1.0, True, "60"])
def test_orm_refuses_non_integer_minutes_before_sending(bank, minutes):
    """Every SQLAlchemy path binds minutes through ``WholeNumber``: floats, bools, text
    are refused on both engines."""
    exchange = Exchange(
        **{
            "community_id": bank.community.id,
            "kind": "exchange",
            "status": "recorded",
            "provider_account_id": bank.account(bank.a).id,
            "recipient_account_id": bank.account(bank.b).id,
            "minutes": minutes,
            "service_date": __import__("datetime").date(2026, 11, 1),
            "category": "x",
            "recorded_by_id": bank.a.user_id,
            "idempotency_key": key(),
            "payload_hash": "x",
        }
    )
    db.session.add(exchange)
    with pytest.raises(StatementError):
        db.session.flush()
    db.session.rollback()


def test_self_exchange_refused(bank):
    own = bank.account(bank.a).id
    _refused(INSERT_EXCHANGE, _exchange_values(bank, provider=own, recipient=own))


def test_duplicate_idempotency_key_refused(bank):
    _insert_exchange(bank, key="same-key-123")
    _refused(INSERT_EXCHANGE, _exchange_values(bank, key="same-key-123"))


@pytest.mark.parametrize(
    "overrides",
    [
        {"status": "posted"},  # decided without decided_at/by
        {"status": "recorded", "decided_at": "2026-11-01 10:00:00"},
        {"status": "rejected", "decided_at": "2026-11-01 10:00:00"},  # no decider
        {"status": "teleported"},
        {"kind": "gift"},
        {"kind": "reversal"},  # a reversal must point at its original
    ],
)
def test_decision_fields_and_enums_checked(bank, overrides):
    _refused(INSERT_EXCHANGE, _exchange_values(bank, **overrides))


def test_second_reversal_refused(bank):
    original = _insert_exchange(bank)
    decided = {
        "status": "posted",
        "decided_at": "2026-11-01 10:00:00",
        "decided_by": bank.coordinator.user_id,
        "kind": "reversal",
        "reverses": original,
    }
    _insert_exchange(bank, **decided)
    _refused(INSERT_EXCHANGE, _exchange_values(bank, **decided))


INSERT_ENTRY = text(
    "INSERT INTO entries (exchange_id, account_id, delta, balance_after, created_at, "
    "service_date) VALUES (:exchange, :account, :delta, :after, '2026-11-01 10:00:00', "
    "'2026-11-01')"
)


@pytest.mark.parametrize("delta", [0, "abc", math.nan] + ([] if PG_URL else [1.5]))
def test_zero_or_non_integer_leg_refused(bank, delta):
    exchange = _insert_exchange(bank)
    _refused(
        INSERT_ENTRY,
        {"exchange": exchange, "account": bank.account(bank.a).id, "delta": delta, "after": 0},
    )


def test_two_legs_on_one_account_for_one_exchange_refused(bank):
    exchange = _insert_exchange(bank)
    params = {"exchange": exchange, "account": bank.account(bank.a).id, "delta": 5, "after": 5}
    db.session.execute(INSERT_ENTRY, params)
    _refused(INSERT_ENTRY, {**params, "delta": 7, "after": 12})


@pytest.mark.parametrize(
    ("balance", "credit", "upper"),
    [(-601, 600, None), (-1, 0, None), (101, 600, 100), (0, -1, None), (0, 0, -5), (1.5, 0, None)]
    if not PG_URL
    else [(-601, 600, None), (-1, 0, None), (101, 600, 100), (0, -1, None), (0, 0, -5)],
)
def test_balance_beyond_limits_refused(bank, balance, credit, upper):
    """``CHECK (balance >= -credit_limit)`` and the upper limit hold for any UPDATE."""
    account = bank.account(bank.a).id
    db.session.commit()
    _refused(
        text(
            "UPDATE accounts SET balance = :b, credit_limit = :c, upper_limit = :u WHERE id = :id"
        ),
        {"b": balance, "c": credit, "u": upper, "id": account},
    )


def test_relative_update_past_limit_refused(bank):
    account = bank.account(bank.a)
    db.session.commit()
    _refused(
        text("UPDATE accounts SET balance = balance - :m WHERE id = :id"),
        {"m": account.credit_limit + 1, "id": account.id},
    )


def test_second_pot_refused(bank):
    from timebank.services.ledger import posting as ledger

    ledger.ensure_pot(bank.community)
    db.session.commit()
    _refused(
        text(
            "INSERT INTO accounts (community_id, kind, balance, credit_limit, "
            "limits_overridden, created_at) VALUES (:c, 'pot', 0, 0, false, "
            "'2026-11-01 10:00:00')"
        ),
        {"c": bank.community.id},
    )


def test_entries_cannot_be_updated_or_deleted(bank):
    """Append-only: the triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL)."""
    exchange = bank.post(bank.a, bank.b, 30)
    assert exchange.status == "posted"
    statements = [
        "UPDATE entries SET delta = delta * 2",
        "UPDATE entries SET balance_after = 0 WHERE id = (SELECT min(id) FROM entries)",
        "DELETE FROM entries",
    ]
    if PG_URL:
        statements.append("TRUNCATE entries CASCADE")
    for statement in statements:
        with pytest.raises(DBAPIError) as info:
            db.session.execute(text(statement))
        assert "append-only" in str(info.value)
        db.session.rollback()
    assert db.session.scalar(text("SELECT count(*) FROM entries")) == 2


def test_audit_events_cannot_be_updated_or_deleted(bank):
    audit.record("test.event", actor=None)
    db.session.commit()
    for statement in ("UPDATE audit_events SET outcome = 'forged'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError) as info:
            db.session.execute(text(statement))
        assert "append-only" in str(info.value)
        db.session.rollback()


def test_orm_delete_of_an_entry_refused(bank):
    from timebank.models import Entry

    bank.post(bank.a, bank.b, 30)
    entry = db.session.scalars(db.select(Entry)).first()
    db.session.delete(entry)
    with pytest.raises(DBAPIError):
        db.session.flush()
    db.session.rollback()


def test_limits_are_whole_numbers(bank):
    account = db.session.get(Account, bank.account(bank.a).id)
    account.credit_limit = 1.5
    with pytest.raises(StatementError):
        db.session.flush()
    db.session.rollback()
