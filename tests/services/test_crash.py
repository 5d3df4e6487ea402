"""Crash test: a child process runs a real approval and dies (``os._exit(137)``) at each
step of the posting. Afterwards the exchange is either still awaiting approval with no
legs, or fully posted, the ledger verifies, and a fresh approval succeeds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import TEST_SECRET
from tests.services.conftest import assert_consistent, make_bank
from timebank.extensions import db
from timebank.models import Entry, Exchange, ExchangeStatus
from timebank.services.exchanges import lifecycle as exchanges

ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import os, sys
from sqlalchemy import event
from timebank import create_app
from timebank.database import transaction
from timebank.extensions import db
from timebank.models import Exchange, User
from timebank.services.exchanges import lifecycle as exchanges

uri, exchange_id, user_id, point = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": sys.argv[5], "TESTING": True})
seen = {"UPDATE accounts": 0}

def die():
    sys.stdout.flush()
    os._exit(137)

with app.app_context():
    engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def before(conn, cursor, statement, params, context, executemany):
        text = " ".join(statement.split())
        if text.startswith("UPDATE accounts"):
            seen["UPDATE accounts"] += 1
            if point == "after_status_change" and seen["UPDATE accounts"] == 1:
                die()  # the status compare-and-set ran; no balance changed yet
            if point == "after_first_leg" and seen["UPDATE accounts"] == 2:
                die()  # one account updated, the other not
        if point == "after_both_legs" and text.startswith("INSERT INTO audit_events"):
            die()  # balances and entries written, audit not
    @event.listens_for(engine, "commit")
    def on_commit(conn):
        if point == "before_commit":
            die()

    transaction(lambda: exchanges.approve(db.session.get(Exchange, exchange_id),
                                          actor=db.session.get(User, user_id)))
    if point == "after_commit":
        die()
    print("finished")
"""

POINTS = ["after_status_change", "after_first_leg", "after_both_legs", "before_commit"]


def _child(uri: str, exchange_id: int, user_id: int, point: str) -> int:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, uri, str(exchange_id), str(user_id), point, TEST_SECRET],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode in (0, 137), result.stderr[-2000:]
    return result.returncode


def _legs(exchange_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Entry).where(Entry.exchange_id == exchange_id)
    )


@pytest.mark.parametrize("point", [*POINTS, "after_commit"])
def test_crash_during_approval_leaves_nothing_or_everything(app, database_uri, point):
    bank = make_bank(approval_conditions="always")
    exchange = bank.record(bank.a, bank.b, 75, actor=bank.coordinator.user, on_behalf_of=bank.a)
    exchanges.confirm(exchange, actor=bank.b.user)  # the recipient consents
    db.session.commit()
    assert exchange.status == ExchangeStatus.AWAITING_APPROVAL
    exchange_id, coordinator_id = exchange.id, bank.coordinator2.user_id
    db.session.commit()  # nothing held while the child runs (its objects stay untouched)

    code = _child(database_uri, exchange_id, coordinator_id, point)
    assert code == 137

    exchange = db.session.get(Exchange, exchange_id)
    if point == "after_commit":
        assert exchange.status == ExchangeStatus.POSTED and _legs(exchange_id) == 2
        assert (bank.balance(bank.a), bank.balance(bank.b)) == (75, -75)
    else:
        assert exchange.status == ExchangeStatus.AWAITING_APPROVAL and _legs(exchange_id) == 0
        assert (bank.balance(bank.a), bank.balance(bank.b)) == (0, 0)
        exchanges.approve(exchange, actor=db.session.get(type(bank.a.user), coordinator_id))
        db.session.commit()
        assert exchange.status == ExchangeStatus.POSTED and _legs(exchange_id) == 2
    assert_consistent(bank.community)


def test_child_without_a_crash_posts(app, database_uri):
    """The control: the same child with no kill point finishes the approval."""
    bank = make_bank(approval_conditions="always")
    exchange = bank.record(bank.a, bank.b, 30, actor=bank.coordinator.user, on_behalf_of=bank.a)
    exchanges.confirm(exchange, actor=bank.b.user)  # the recipient consents
    db.session.commit()
    exchange_id, coordinator_id = exchange.id, bank.coordinator2.user_id
    db.session.commit()
    assert _child(database_uri, exchange_id, coordinator_id, "none") == 0
    assert db.session.get(Exchange, exchange_id).status == ExchangeStatus.POSTED
    assert_consistent(bank.community)
