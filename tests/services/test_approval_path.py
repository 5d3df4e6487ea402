"""Approving an exchange is the ledger's hot path (DESIGN.md §10): prepared Core statements
with no ORM object loaded, writing what the rules ask for — the posting, the last-exchange
read model, the metrics stamp, the parties' and recorder's notices (not the actor's, no
e-mail to who turned it off), one audit event, a webhook delivery when an endpoint asks."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, select

from tests.services.conftest import assert_consistent, make_bank
from timebank.extensions import db
from timebank.models import (
    Account,
    AuditEvent,
    Base,
    Exchange,
    ExchangeStatus,
    MetricsStamp,
    Notification,
    NotificationPreference,
    OutboxMessage,
    WebhookDelivery,
    WebhookEndpoint,
)
from timebank.services.exceptions import NotAllowed, NotFound
from timebank.services.exchanges import lifecycle as exchanges

DAY = date(2026, 10, 14)


def _pending(bank, **kwargs):
    exchange = bank.record(bank.a, bank.b, 45, service_date=DAY, **kwargs)
    if exchange.status == ExchangeStatus.RECORDED:
        exchanges.confirm(exchange, actor=bank.b.user)
        db.session.commit()
    assert exchange.status == ExchangeStatus.AWAITING_APPROVAL
    return exchange


def _watch(call) -> tuple[int, list[str]]:
    """(ORM objects loaded or refreshed, SQL statements sent) while ``call`` runs."""
    loads: list[object] = []
    sent: list[str] = []

    def loaded(target, _context, *_attributes):
        loads.append(target)

    def executed(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    event.listen(Base, "load", loaded, propagate=True)
    event.listen(Base, "refresh", loaded, propagate=True)
    event.listen(db.engine, "before_cursor_execute", executed)
    try:
        call()
    finally:
        event.remove(Base, "load", loaded)
        event.remove(Base, "refresh", loaded)
        event.remove(db.engine, "before_cursor_execute", executed)
    return len(loads), sent


def test_approval_loads_no_orm_object_and_sends_eleven_statements(app):
    bank = make_bank(approval_conditions="always")
    exchange = _pending(bank)
    actor = bank.coordinator.user
    assert exchange.id and actor.id  # both loaded before the call, as a route has them
    loads, sent = _watch(lambda: exchanges.approve(exchange, actor=actor))
    db.session.commit()
    assert loads == 0, sent
    # context, parties, lock, compare-and-set, two balances, entries, metrics stamp,
    # notifications, e-mails, audit event.
    assert len(sent) == 11, sent
    assert exchange.status == ExchangeStatus.POSTED


def test_approval_writes_the_posting_read_models_notices_and_one_audit_event(app):
    bank = make_bank(approval_conditions="always")
    exchange = _pending(bank)
    stamp = db.session.scalar(select(MetricsStamp.version))
    exchanges.approve(exchange, actor=bank.coordinator.user)
    db.session.commit()
    db.session.expire_all()
    assert exchange.status == ExchangeStatus.POSTED
    assert exchange.decided_by_id == bank.coordinator.user_id and exchange.decided_at
    assert (bank.balance(bank.a), bank.balance(bank.b)) == (45, -45)
    days = db.session.scalars(select(Account.last_exchange_on).where(Account.balance != 0))
    assert set(days) == {DAY}
    assert db.session.scalar(select(MetricsStamp.version)) == (stamp or 0) + 1
    events = db.session.execute(
        select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.community_id,
               AuditEvent.object_type, AuditEvent.object_id, AuditEvent.outcome)
        .where(AuditEvent.action == "exchange.approve")
    ).all()  # fmt: skip
    assert events == [("exchange.approve", bank.coordinator.user_id, bank.community.id,
                       "exchanges", exchange.id, "ok")]  # fmt: skip
    told = db.session.scalars(
        select(Notification.user_id).where(
            Notification.kind == "exchange_decided", Notification.object_id == exchange.id
        )
    ).all()
    assert sorted(told) == sorted([bank.a.user_id, bank.b.user_id])
    assert_consistent(bank.community)


def test_a_recorder_who_is_not_a_party_hears_it_and_a_declined_email_is_not_sent(app):
    """A coordinator recorded it for the recipient; another approves: the recorder and both
    parties are notified, and only those who did not turn the e-mail off get one."""
    bank = make_bank(approval_conditions="always", require_confirmation=False)
    db.session.add(NotificationPreference(user_id=bank.b.user_id, kind="exchange_decided",
                                          email=False))  # fmt: skip
    db.session.commit()
    exchange = _pending(bank, actor=bank.coordinator.user, on_behalf_of=bank.b)
    db.session.query(OutboxMessage).delete()
    exchanges.approve(exchange, actor=bank.coordinator2.user)
    db.session.commit()
    told = db.session.scalars(
        select(Notification.user_id).where(Notification.kind == "exchange_decided")
    ).all()
    assert sorted(told) == sorted([bank.a.user_id, bank.b.user_id, bank.coordinator.user_id])
    mailed = db.session.scalars(select(OutboxMessage.recipient_id)).all()
    assert sorted(mailed) == sorted([bank.a.user_id, bank.coordinator.user_id])


def test_an_endpoint_that_asks_for_approvals_gets_a_delivery(app):
    bank = make_bank(approval_conditions="always")
    for events, revoked in (("exchange.approved", False), ("member.joined", False),
                            ("exchange.approved", True)):  # fmt: skip
        db.session.add(
            WebhookEndpoint(community_id=bank.community.id, url="https://hooks.example.org/x",
                            events=events, secret="whsec_test",
                            revoked_at=db.func.now() if revoked else None)
        )  # fmt: skip
    db.session.commit()
    exchange = _pending(bank)
    exchanges.approve(exchange, actor=bank.coordinator.user)
    db.session.commit()
    sent = db.session.execute(select(WebhookDelivery.event, WebhookDelivery.payload)).all()
    assert len(sent) == 1 and sent[0][0] == "exchange.approved"
    assert f'"exchange_id":{exchange.id}' in sent[0][1] and '"status":"posted"' in sent[0][1]


def test_approval_by_ids_loads_nothing_and_posts(app):
    """The queue's path: ids in, no ``Exchange`` or ``User`` loaded by the caller or the
    service, the same eleven statements."""
    bank = make_bank(approval_conditions="always")
    exchange_id, actor_id = _pending(bank).id, bank.coordinator.user_id
    community_id = bank.community.id
    db.session.expunge_all()
    loads, sent = _watch(
        lambda: exchanges.approve_by_id(exchange_id, actor_id=actor_id, community_id=community_id)
    )
    db.session.commit()
    assert loads == 0, sent
    assert len(sent) == 11, sent
    assert db.session.get(Exchange, exchange_id).status == ExchangeStatus.POSTED
    assert_consistent(bank.community)


def test_approval_by_ids_of_a_missing_or_foreign_exchange_is_not_found_and_writes_nothing(app):
    bank = make_bank(approval_conditions="always")
    exchange = _pending(bank)
    for exchange_id, community_id in ((exchange.id + 1000, None), (exchange.id, 999_999)):
        with pytest.raises(NotFound):
            exchanges.approve_by_id(
                exchange_id, actor_id=bank.coordinator.user_id, community_id=community_id
            )
        db.session.rollback()
    db.session.expire_all()
    assert exchange.status == ExchangeStatus.AWAITING_APPROVAL
    assert (bank.balance(bank.a), bank.balance(bank.b)) == (0, 0)


def test_approval_by_ids_refuses_a_party_and_a_plain_member(app):
    bank = make_bank(approval_conditions="always")
    exchange = _pending(bank)
    for user_id in (bank.a.user_id, bank.b.user_id):
        with pytest.raises(NotAllowed):
            exchanges.approve_by_id(exchange.id, actor_id=user_id)
        db.session.rollback()
    db.session.expire_all()
    assert exchange.status == ExchangeStatus.AWAITING_APPROVAL
