"""Each account's last exchange date (``accounts.last_exchange_on``): kept by posting in
the same transaction, checked by verify-ledger, rebuilt from the exchanges, and read by the
coordinator dashboard's "no exchange in 60/90 days"."""

from __future__ import annotations

from datetime import date

from sqlalchemy import update

from tests.services.conftest import assert_consistent
from timebank.extensions import db
from timebank.models import Account
from timebank.services.community import dashboard
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.ledger import activity
from timebank.services.ledger.verification import verify_community


def _last(bank, membership) -> date | None:
    db.session.expire_all()
    return bank.account(membership).last_exchange_on


def _post(bank, provider, recipient, day: date):
    exchange = bank.record(provider, recipient, 30, service_date=day)
    exchanges.confirm(exchange, actor=recipient.user)
    db.session.commit()
    return exchange


def test_posting_keeps_the_latest_service_date(bank):
    assert _last(bank, bank.a) is None
    _post(bank, bank.a, bank.b, date(2026, 10, 1))
    _post(bank, bank.b, bank.c, date(2026, 9, 1))  # backdated: b keeps its later date
    assert _last(bank, bank.a) == date(2026, 10, 1)
    assert _last(bank, bank.b) == date(2026, 10, 1)
    assert _last(bank, bank.c) == date(2026, 9, 1)
    pending = bank.record(bank.c, bank.a, 30, service_date=date(2026, 11, 2))
    assert _last(bank, bank.c) == date(2026, 9, 1)  # not posted: nothing changes
    assert pending.status == "recorded"
    assert_consistent(bank.community)


def test_a_reversal_counts_as_an_exchange_on_its_day(bank):
    original = _post(bank, bank.a, bank.b, date(2026, 10, 1))
    reversal = exchanges.reverse(original, actor=bank.coordinator.user, reason="Typed twice")
    db.session.commit()
    assert _last(bank, bank.a) == max(date(2026, 10, 1), reversal.service_date)
    assert_consistent(bank.community)


def test_verify_ledger_finds_a_stale_date_and_rebuild_repairs_it(bank):
    _post(bank, bank.a, bank.b, date(2026, 10, 1))
    account_id = bank.account(bank.a).id
    db.session.execute(
        update(Account).where(Account.id == account_id).values(last_exchange_on=None)
    )
    report = verify_community(bank.community)
    assert any("last exchange date" in p for p in report.problems)
    assert activity.rebuild(bank.community.id) >= 1
    assert_consistent(bank.community)
    assert _last(bank, bank.a) == date(2026, 10, 1)


def test_dashboard_inactivity_reads_the_read_model(bank):
    _post(bank, bank.a, bank.b, date(2026, 10, 1))
    _post(bank, bank.c, bank.b, date(2026, 7, 1))
    figures = {c.key: c.value for c in dashboard.counts(bank.community, today=date(2026, 11, 1))}
    # Active members: two coordinators (never exchanged), a, b (recent), c (July).
    assert figures["inactive60"] == 3
    assert figures["inactive90"] == 3
    figures = {c.key: c.value for c in dashboard.counts(bank.community, today=date(2026, 12, 1))}
    assert figures["inactive60"] == 5  # a and b exchanged 61 days before
    assert figures["inactive90"] == 3


def test_verify_ledger_rebuilds_the_read_model_on_request(bank, runner):
    _post(bank, bank.a, bank.b, date(2026, 10, 1))
    db.session.execute(update(Account).values(last_exchange_on=None))
    db.session.commit()
    assert runner.invoke(args=["verify-ledger"]).exit_code == 1
    result = runner.invoke(args=["verify-ledger", "--rebuild-read-models"])
    assert result.exit_code == 0, result.output
    assert "last exchange dates recomputed" in result.output
