"""Issue 14, limits: a coordinator may set any limit of 0 or more, even past the balance.
The debt stays; only new movements towards the limit are refused, by the services and by
the database triggers (migration t_ledger_1); the member is told."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from tests.services.conftest import assert_consistent, audit_count, key
from timebank.extensions import db
from timebank.models import AuditEvent, Notification
from timebank.services.exceptions import LimitExceeded
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.exchanges import movements, policy, statements
from timebank.services.ledger import posting as ledger
from timebank.services.ledger.verification import verify_community

MOVE = text("UPDATE accounts SET balance = balance + :d WHERE id = :id")


def _lower(bank, member, credit, upper=None):
    account = policy.set_limits(
        bank.account(member), actor=bank.coordinator.user, credit_limit=credit,
        upper_limit=upper, reason="Agreed with the member",
    )  # fmt: skip
    db.session.commit()
    return account


def test_a_limit_below_the_debt_is_saved_audited_and_told(bank):
    bank.post(bank.a, bank.b, 300)
    _lower(bank, bank.b, 120)
    assert bank.account(bank.b).credit_limit == 120 and bank.balance(bank.b) == -300
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "account.limits")
    ).one()
    assert event.details["from"][0] == 600 and event.details["to"] == [120, None]
    assert event.details["past_limit"] is True and event.details["balance"] == -300
    assert bank.account(bank.b).limit_reason == "Agreed with the member"
    note = db.session.scalars(
        select(Notification).where(
            Notification.user_id == bank.b.user_id, Notification.kind == "limit_changed"
        )
    ).one()
    assert note.community_id == bank.community.id
    hours = statements.my_hours(bank.b)
    assert hours.paused and "new debits are paused" in hours.paused
    assert "−2 h" in hours.paused and "−5 h" in hours.paused  # never "-2:00"
    assert statements.my_hours(bank.a).paused is None
    report = verify_community(bank.community)
    assert report.ok and report.notes == [
        "1 member accounts past a limit (legal: new movements paused)"
    ]


def test_new_debits_are_refused_credits_always_pass(bank):
    bank.post(bank.a, bank.b, 300)
    _lower(bank, bank.b, 0)
    exchange = bank.record(bank.c, bank.b, 30)
    with pytest.raises(LimitExceeded):
        exchanges.confirm(exchange, actor=bank.b.user)
    db.session.rollback()
    with pytest.raises(LimitExceeded):
        movements.donate(bank.b, actor=bank.b.user, minutes=5, idempotency_key=key())
    db.session.rollback()
    bank.post(bank.b, bank.c, 60)  # a credit to b: fine while still below the limit
    assert bank.balance(bank.b) == -240
    assert_consistent(bank.community)


def test_an_upper_limit_below_the_balance_pauses_new_credits(bank):
    bank.post(bank.a, bank.b, 300)
    _lower(bank, bank.a, 600, upper=60)
    assert "new credits are paused" in statements.my_hours(bank.a).paused
    exchange = bank.record(bank.a, bank.c, 30)
    with pytest.raises(LimitExceeded):
        exchanges.confirm(exchange, actor=bank.c.user)
    db.session.rollback()
    bank.post(bank.c, bank.a, 60)
    assert bank.balance(bank.a) == 240


def test_new_default_limits_apply_past_balances(bank):
    bank.post(bank.a, bank.b, 300)
    policy.update_policy(bank.community, actor=bank.coordinator.user, default_credit_limit=60)
    db.session.commit()
    assert bank.account(bank.b).credit_limit == 60
    assert audit_count("community.policy") == 1
    assert_consistent(bank.community)


def test_the_database_allows_a_past_limit_account_and_refuses_further_debits(bank):
    """Raw SQL, bypassing the services: the triggers hold the promise."""
    bank.post(bank.a, bank.b, 300)
    account = bank.account(bank.b).id
    db.session.execute(text("UPDATE accounts SET credit_limit = 0 WHERE id = :id"), {"id": account})
    db.session.execute(MOVE, {"d": 10, "id": account})  # a credit: fine
    db.session.commit()
    with pytest.raises(DBAPIError):
        db.session.execute(MOVE, {"d": -1, "id": account})
    db.session.rollback()
    db.session.execute(text("UPDATE accounts SET upper_limit = 0 WHERE id = :id"), {"id": account})
    with pytest.raises(DBAPIError):
        db.session.execute(MOVE, {"d": 300, "id": account})  # a credit past the upper limit
    db.session.rollback()


def test_the_database_refuses_a_pot_past_its_limit_outside_a_settlement(bank):
    pot = ledger.ensure_pot(bank.community)
    db.session.commit()
    with pytest.raises(DBAPIError):
        db.session.execute(MOVE, {"d": -1, "id": pot.id})
    db.session.rollback()
