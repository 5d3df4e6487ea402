"""Real threads behind a barrier, each with its own application context, session and
connection, going through ``database.transaction`` exactly as concurrent requests do.

Every trial asserts exact outcomes (one posting; exactly the postings the limit allows;
one exchange per idempotency key), that no database error reaches the caller, and that the
ledger verifies afterwards. Trial counts are module constants, reported in the summary."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.conftest import PG_URL
from tests.services.conftest import assert_consistent, key, make_bank
from timebank.database import transaction
from timebank.extensions import db
from timebank.models import Community, Entry, Exchange, ExchangeStatus, Membership, User
from timebank.services.exchanges import lifecycle as exchanges

APPROVAL_TRIALS = {8: 15, 32: 6}
OVERDRAFT_TRIALS = 8
OPPOSITE_TRANSFERS = 60  # per direction
WRITERS, WRITES_EACH = 8, 15


@pytest.fixture
def app_config():
    options = {"pool_size": 40, "max_overflow": 10, "pool_timeout": 60, "pool_pre_ping": True}
    return {"SQLALCHEMY_ENGINE_OPTIONS": options}


def race(app, works) -> list[str]:
    """Run each callable in its own thread and app context, released together by a
    barrier; return each outcome: 'ok', or the name of the exception it raised."""
    db.session.commit()  # the test's own session must not hold SQLite's write lock
    barrier = threading.Barrier(len(works))
    outcomes: list[str] = [""] * len(works)

    def runner(index, work):
        with app.app_context():
            try:
                db.session.connection()  # check out a connection before the start
                db.session.rollback()
                barrier.wait(timeout=60)
                result = transaction(work)
                outcomes[index] = "ok" if result is not None else "none"
            except Exception as error:  # reported, never swallowed: asserted below
                outcomes[index] = type(error).__name__
            finally:
                db.session.remove()

    threads = [threading.Thread(target=runner, args=(i, w)) for i, w in enumerate(works)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(t.is_alive() for t in threads)
    db.session.expire_all()
    return outcomes


def _get(model, ident):
    return db.session.get(model, ident)


def _awaiting(bank, provider, recipient, minutes) -> int:
    """An exchange in the approval queue, recorded by a coordinator on behalf of the
    provider and confirmed by the recipient."""
    exchange = bank.record(provider, recipient, minutes, actor=bank.coordinator.user,
                           on_behalf_of=provider)  # fmt: skip
    exchanges.confirm(exchange, actor=recipient.user)
    db.session.commit()
    assert exchange.status == ExchangeStatus.AWAITING_APPROVAL
    return exchange.id


@pytest.mark.parametrize("threads", sorted(APPROVAL_TRIALS))
def test_concurrent_approvals_post_exactly_once(app, threads):
    """K coordinators' clicks on one exchange: one posting, K-1 'already decided'."""
    bank = make_bank(approval_conditions="always")
    deciders = [bank.coordinator.user_id, bank.coordinator2.user_id]
    totals: Counter = Counter()
    for _ in range(APPROVAL_TRIALS[threads]):
        exchange_id = _awaiting(bank, bank.a, bank.b, 30)
        works = [
            lambda u=deciders[i % 2]: exchanges.approve(
                _get(Exchange, exchange_id), actor=_get(User, u)
            )
            for i in range(threads)
        ]
        outcomes = Counter(race(app, works))
        totals.update(outcomes)
        assert outcomes == {"ok": 1, "AlreadyDecided": threads - 1}, outcomes
        legs = db.session.scalar(
            select(func.count()).select_from(Entry).where(Entry.exchange_id == exchange_id)
        )
        assert legs == 2
    assert_consistent(bank.community)
    assert bank.balance(bank.a) == 30 * APPROVAL_TRIALS[threads]


def test_overdraft_race_posts_only_what_the_limit_allows(app):
    """Limit 300, twenty 60-minute approvals at once: exactly five post, in every trial."""
    for _ in range(OVERDRAFT_TRIALS):
        bank = make_bank(approval_conditions="always", default_credit_limit=300)
        ids = [_awaiting(bank, (bank.a, bank.c)[i % 2], bank.b, 60) for i in range(20)]
        works = [
            lambda e=e, u=(bank.coordinator, bank.coordinator2)[i % 2].user_id: exchanges.approve(
                _get(Exchange, e), actor=_get(User, u)
            )
            for i, e in enumerate(ids)
        ]
        outcomes = Counter(race(app, works))
        assert outcomes == {"ok": 5, "LimitExceeded": 15}, outcomes
        assert bank.balance(bank.b) == -300
        assert_consistent(bank.community)


def test_opposite_transfers_never_deadlock_to_the_user(app, caplog):
    """A→B and B→A posted in parallel: all succeed (conflicts retried), balances end at 0."""
    bank = make_bank(require_confirmation=False)
    a, b = bank.a, bank.b

    def transfers(provider_id, recipient_id, user_id):
        def work():
            provider, recipient = _get(Membership, provider_id), _get(Membership, recipient_id)
            for _ in range(OPPOSITE_TRANSFERS):
                transaction(lambda: exchanges.record(
                    provider.community, actor=_get(User, user_id), provider=provider,
                    recipient=recipient, minutes=1, service_date=date(2026, 11, 1),
                    category="errands", idempotency_key=key()))  # fmt: skip
            return True

        return work

    with caplog.at_level(logging.WARNING, logger="timebank.database"):
        # Each record is the recipient's word, so it posts at once (docs/consent.md).
        outcomes = race(app, [transfers(a.id, b.id, b.user_id), transfers(b.id, a.id, a.user_id)])
    assert outcomes == ["ok", "ok"]
    assert (bank.balance(a), bank.balance(b)) == (0, 0)
    posted = db.session.scalar(
        select(func.count()).where(Exchange.community_id == bank.community.id)
    )
    assert posted == 2 * OPPOSITE_TRANSFERS
    assert_consistent(bank.community)


@pytest.mark.parametrize("require_confirmation", [True, False])
def test_same_idempotency_key_from_eight_threads_makes_one_exchange(app, require_confirmation):
    """A form submitted eight times at once: one exchange, every caller gets its id."""
    bank = make_bank(require_confirmation=require_confirmation)
    shared = key()
    ids: list[int] = []
    lock = threading.Lock()
    # Plain ids only: touching the test's ORM objects from a thread would use its session.
    # The recipient records: without required confirmation, their word posts at once.
    community_id, user_id, a_id, b_id = bank.community.id, bank.b.user_id, bank.a.id, bank.b.id

    def work():
        exchange = exchanges.record(
            _get(Community, community_id), actor=_get(User, user_id),
            provider=_get(Membership, a_id), recipient=_get(Membership, b_id),
            minutes=45, service_date=date(2026, 11, 1), category="cooking",
            idempotency_key=shared)  # fmt: skip
        with lock:
            ids.append(exchange.id)
        return exchange

    outcomes = race(app, [work] * 8)
    assert outcomes == ["ok"] * 8
    assert len(set(ids)) == 1
    count = db.session.scalar(select(func.count()).where(Exchange.idempotency_key == shared))
    assert count == 1
    assert bank.balance(bank.a) == (0 if require_confirmation else 45)
    assert_consistent(bank.community)


def test_many_writers_never_see_database_is_locked(app):
    """Eight writers at once (SQLite: BEGIN IMMEDIATE + busy timeout + retry): every write
    succeeds; no 'database is locked' or Conflict reaches the caller."""
    bank = make_bank(require_confirmation=False, default_credit_limit=10_000)
    members = [bank.a, bank.b, bank.c, bank.coordinator, bank.coordinator2]
    pairs = [(members[i % 5], members[(i + 1) % 5]) for i in range(WRITERS)]
    community_id = bank.community.id

    def writer(provider_id, recipient_id, user_id):
        def work():
            for _ in range(WRITES_EACH):
                transaction(lambda: exchanges.record(
                    _get(Community, community_id), actor=_get(User, user_id),
                    provider=_get(Membership, provider_id),
                    recipient=_get(Membership, recipient_id), minutes=5,
                    service_date=date(2026, 11, 1), category="errands",
                    idempotency_key=key()))  # fmt: skip
            return True

        return work

    outcomes = race(app, [writer(p.id, r.id, r.user_id) for p, r in pairs])  # recipients
    assert outcomes == ["ok"] * WRITERS
    mine = Exchange.community_id == bank.community.id
    assert db.session.scalar(select(func.count()).where(mine)) == WRITERS * WRITES_EACH
    assert_consistent(bank.community)


def test_engine(app):
    """Which engine this run used (PostgreSQL when TIMEBANK_TEST_DATABASE_URL is set)."""
    assert db.engine.dialect.name == ("postgresql" if PG_URL else "sqlite")
