"""The operator commands: verify-ledger and expire-pending, and the demo history."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from tests.services.conftest import make_bank
from timebank.extensions import db
from timebank.models import ExchangeStatus, utcnow


def test_verify_ledger_passes_on_a_sound_ledger(app, runner):
    bank = make_bank()
    bank.post(bank.a, bank.b, 60)
    result = runner.invoke(args=["verify-ledger"])
    assert result.exit_code == 0, result.output
    assert "sum of balances 0" in result.output and "0 with problems" in result.output


def test_verify_ledger_exits_non_zero_on_a_drifted_balance(app, runner):
    """A cached balance edited behind the ledger's back is reported."""
    bank = make_bank()
    bank.post(bank.a, bank.b, 60)
    db.session.execute(text("UPDATE accounts SET balance = balance + 5 WHERE id = :id"),
                       {"id": bank.account(bank.a).id})  # fmt: skip
    db.session.commit()
    result = runner.invoke(args=["verify-ledger"])
    assert result.exit_code == 1
    assert "cached balance 65" in result.output and "sum of balances is 5" in result.output


def test_expire_pending_command_is_idempotent(app, runner):
    bank = make_bank()
    old = bank.record(bank.a, bank.b, 60, now=utcnow() - timedelta(days=40),
                      service_date=(utcnow() - timedelta(days=41)).date())  # fmt: skip
    first = runner.invoke(args=["expire-pending"])
    second = runner.invoke(args=["expire-pending"])
    assert "1 unconfirmed exchanges expired" in first.output
    assert "0 unconfirmed exchanges expired" in second.output
    db.session.expire_all()
    assert old.status == ExchangeStatus.EXPIRED


def test_demo_history_verifies(app, runner):
    """`flask demo && flask verify-ledger` exits 0, with pending, reversed and pot rows."""
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    statuses = dict(db.session.execute(
        text("SELECT status, count(*) FROM exchanges GROUP BY status")).all())  # fmt: skip
    assert statuses["recorded"] >= 1 and statuses["awaiting_approval"] >= 1
    assert statuses["reversed"] == 1 and statuses["posted"] >= 30
    kinds = {k for (k,) in db.session.execute(text("SELECT DISTINCT kind FROM exchanges"))}
    assert {"exchange", "donation", "grant", "group", "reversal"} <= kinds
    check = runner.invoke(args=["verify-ledger"])
    assert check.exit_code == 0, check.output


def test_the_nightly_ledger_check_tells_the_admins_of_a_failure(app):
    """The scheduled job records its result for the metrics and, on a failure, notifies
    every installation admin; a sound ledger notifies no one."""
    import json
    from pathlib import Path

    from sqlalchemy import func, select

    from tests.factories import make_user
    from timebank.jobs import tasks
    from timebank.models import Notification
    from timebank.ops.observability import LEDGER_STATUS_FILE

    admin = make_user(admin=True)
    bank = make_bank()
    bank.post(bank.a, bank.b, 60)
    assert tasks.JOBS["verify_ledger"]() == 0
    notices = select(func.count()).select_from(Notification).where(Notification.user_id == admin.id)
    assert db.session.scalar(notices) == 0
    db.session.execute(text("UPDATE accounts SET balance = balance + 5 WHERE id = :id"),
                       {"id": bank.account(bank.a).id})  # fmt: skip
    db.session.commit()
    assert tasks.JOBS["verify_ledger"]() == 1
    assert db.session.scalar(notices) == 1
    status = json.loads((Path(app.instance_path) / LEDGER_STATUS_FILE).read_text())
    assert status["ok"] is False and status["problems"] == 1
