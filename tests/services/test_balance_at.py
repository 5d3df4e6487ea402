"""Ledger promise 15: a balance at any past date can be derived from the entries
(``ledger.posting.balance_at``), reversals included, on every engine the suite runs on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tests.services.conftest import key, make_bank
from timebank.extensions import db
from timebank.models import Entry
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.ledger import member_statement
from timebank.services.ledger import posting as ledger

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _post(bank, provider, recipient, minutes, at):
    exchange = bank.record(
        provider, recipient, minutes, now=at, idempotency_key=key(), service_date=at.date()
    )
    exchanges.confirm(exchange, actor=recipient.user, now=at)
    db.session.commit()
    return exchange


def _history(bank):
    """Four postings a day apart, then the second one reversed on the fifth day."""
    a, b, c = bank.a, bank.b, bank.c
    _post(bank, a, b, 60, START)
    second = _post(bank, b, a, 90, START + timedelta(days=1))
    _post(bank, a, c, 30, START + timedelta(days=2))
    _post(bank, c, a, 45, START + timedelta(days=3))
    exchanges.reverse(
        second, actor=bank.coordinator.user, reason="Recorded twice",
        now=START + timedelta(days=4),
    )  # fmt: skip
    db.session.commit()


def _entries_sum(account_id: int, moment: datetime) -> int:
    """The sum worked out in Python from every entry of the account."""
    rows = db.session.execute(
        select(Entry.delta, Entry.created_at).where(Entry.account_id == account_id)
    ).all()
    assert rows
    return sum(delta for delta, at in rows if _aware(at) <= moment)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def test_balance_at_every_moment_is_the_sum_of_entries_up_to_it(app):
    """At each day of the history, before and after each posting, the derived balance
    equals the sum of the entries made until then, for every member."""
    bank = make_bank(require_confirmation=True)
    _history(bank)
    for membership in (bank.a, bank.b, bank.c):
        account_id = bank.account(membership).id
        for hours in range(-1, 24 * 6, 6):
            moment = START + timedelta(hours=hours)
            assert ledger.balance_at(account_id, moment) == _entries_sum(account_id, moment)


def test_balance_at_follows_the_reversal(app):
    """Before the reversal the reversed exchange counts; after it, it no longer does."""
    bank = make_bank(require_confirmation=True)
    _history(bank)
    a = bank.account(bank.a).id
    before_reversal = START + timedelta(days=3, hours=12)
    after_reversal = START + timedelta(days=4, hours=1)
    # a gave 60, received 90, gave 30, received 45; then the 90 was reversed.
    assert ledger.balance_at(a, START - timedelta(seconds=1)) == 0
    assert ledger.balance_at(a, START) == 60
    assert ledger.balance_at(a, before_reversal) == 60 - 90 + 30 - 45
    assert ledger.balance_at(a, after_reversal) == 60 + 30 - 45
    assert ledger.balance_at(a, after_reversal) == bank.balance(bank.a)


def test_balance_now_equals_the_cached_balance(app):
    """The derived balance today equals the cached one (promise 2), for every account."""
    bank = make_bank(require_confirmation=True)
    _history(bank)
    now = datetime.now(UTC) + timedelta(days=1)
    for membership in (bank.a, bank.b, bank.c):
        assert ledger.balance_at(bank.account(membership).id, now) == bank.balance(membership)


def test_a_statement_for_a_period_opens_and_closes_with_derived_balances(app):
    """The printable statement of days 2 to 4: the balance before day 2, the postings made
    on those days (the reversal included), and the balance after day 4."""
    bank = make_bank(require_confirmation=True)
    _history(bank)
    first, last = (START + timedelta(days=1)).date(), (START + timedelta(days=3)).date()
    found = member_statement.statement(bank.a, start=first, end=last)
    assert found.opening == 60  # only the first day's posting came before
    assert [line.delta for line in found.lines] == [-90, 30, -45]
    assert found.closing == found.opening + sum(line.delta for line in found.lines) == -45
    whole = member_statement.statement(bank.a)
    assert whole.opening == 0
    assert whole.closing == bank.balance(bank.a) == whole.lines[-1].balance_after
    assert len(whole.lines) == 5  # four postings and the reversal
