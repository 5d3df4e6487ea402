"""The ledger pages tell the members: an exchange waits for your confirmation, it was
approved or rejected (also in bulk). In the inbox always; by e-mail only when the member
wants it, in their language, sent after the commit."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token_from
from tests.web.ledger_helpers import login, make_town
from tests.web.test_exchange_pages import record_data
from timebank.database import read_only
from timebank.extensions import db
from timebank.models import Exchange, Notification, OutboxMessage
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.messaging import notifications


@pytest.fixture
def app_config() -> dict:
    return {"MAIL_SERVER": "smtp.test", "MAIL_USE_TLS": False}


@pytest.fixture
def smtp(monkeypatch):
    """A fake SMTP server: what it was given, and how many notifications were committed
    (seen from another connection) when it was given it."""
    sent: list[dict] = []

    class FakeSMTP:
        def __init__(self, *args, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def send_message(self, email):
            token = read_only.set(True)  # a plain BEGIN: the outbox's writer holds the lock
            try:
                with db.engine.connect() as other:
                    committed = other.scalar(select(func.count()).select_from(Notification))
            finally:
                read_only.reset(token)
            sent.append({"to": email["To"], "subject": email["Subject"], "committed": committed})

    monkeypatch.setattr("timebank.services.messaging.mail.smtplib.SMTP", FakeSMTP)
    return sent


def _notes(kind: str) -> list[tuple[int, int]]:
    return list(
        db.session.execute(
            select(Notification.user_id, Notification.object_id)
            .where(Notification.kind == kind)
            .order_by(Notification.user_id)
        ).all()
    )


def _mails_to(user) -> list[OutboxMessage]:
    return list(
        db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient_id == user.id))
    )


def _pending(town, provider, recipient, key, actor=None):
    return exchanges.record(
        town.community, actor=(actor or provider).user, provider=provider, recipient=recipient,
        minutes=60, service_date=date.today(), category="gardening", idempotency_key=key,
    )  # fmt: skip


def test_recording_asks_the_other_member_in_their_language(client, auth, smtp):
    """Saving an exchange on the hours page notifies the other member once, and e-mails
    them in Arabic after the commit."""
    town = make_town()
    town.omar.user.locale = "ar"
    db.session.commit()
    login(auth, town.salma)
    data = record_data(client, town)
    assert client.post(town.url("hours/record"), data={**data, "action": "save"}).status_code == 302
    exchange = db.session.scalar(select(Exchange))
    assert _notes("exchange_confirm") == [(town.omar.user_id, exchange.id)]
    [mail] = _mails_to(town.omar.user)
    # In Omar's language, naming who asks (isolated for bidirectional text).
    assert mail.subject == "يطلب منك \u2068Salma Khoury\u2069 تأكيد تبادل"
    assert mail.sent_at is not None
    assert f"/hours/exchanges/{exchange.id}" in mail.body
    assert smtp == [{"to": town.omar.user.email, "subject": mail.subject, "committed": 1}]
    # The same form sent again (a double click) records nothing and tells nobody twice.
    client.post(town.url("hours/record"), data={**data, "action": "save"})
    assert len(_notes("exchange_confirm")) == 1


def test_approval_tells_both_parties_and_e_mails_only_those_who_want_it(client, auth, smtp):
    """A coordinator's approval notifies provider and recipient; e-mail follows each
    one's preference."""
    town = make_town(require_confirmation=False, approval_conditions="always")
    exchange = _pending(town, town.salma, town.omar, "notify-0001", actor=town.omar)
    notifications.set_preferences(town.omar.user, email_kinds={"message"})
    db.session.commit()
    login(auth, town.coordinator)
    queue = client.get(town.url("hours/queue")).get_data(as_text=True)
    response = client.post(
        town.url(f"hours/exchanges/{exchange.id}/approve"),
        data={"csrf_token": csrf_token_from(queue)},
    )
    assert response.status_code == 302
    assert db.session.get(Exchange, exchange.id).status.value == "posted"
    assert _notes("exchange_decided") == sorted(
        [(town.salma.user_id, exchange.id), (town.omar.user_id, exchange.id)]
    )
    assert len(_mails_to(town.salma.user)) == 1 and _mails_to(town.omar.user) == []
    assert [m["to"] for m in smtp] == [town.salma.user.email]
    assert smtp[0]["committed"] == 2


def test_bulk_rejection_tells_the_parties_of_each_exchange(client, auth, smtp):
    """Rejecting several exchanges at once notifies the parties of each one."""
    town = make_town(require_confirmation=False, approval_conditions="always")
    first = _pending(town, town.salma, town.omar, "notify-0002", actor=town.omar)
    second = _pending(town, town.grace, town.omar, "notify-0003", actor=town.omar)
    db.session.commit()
    login(auth, town.coordinator)
    queue = client.get(town.url("hours/queue")).get_data(as_text=True)
    response = client.post(
        town.url("hours/queue/decide"),
        data={
            "csrf_token": csrf_token_from(queue),
            "ids": [str(first.id), str(second.id)],
            "decision": "reject",
            "reason": "Not a real exchange",
        },
    )
    assert response.status_code == 200
    told = {(user_id, object_id) for user_id, object_id in _notes("exchange_decided")}
    assert told == {
        (town.salma.user_id, first.id),
        (town.omar.user_id, first.id),
        (town.grace.user_id, second.id),
        (town.omar.user_id, second.id),
    }
    # Each decision is its own transaction; its two e-mails leave after its own commit.
    assert sorted(m["committed"] for m in smtp) == [2, 2, 4, 4]


def test_a_party_who_rejects_is_not_told_about_their_own_decision(app):
    """When the other member rejects a recorded exchange, only the recorder hears of it."""
    town = make_town()
    exchange = _pending(town, town.salma, town.omar, "notify-0004")
    db.session.commit()
    exchanges.reject(exchange, actor=town.omar.user, reason="It did not happen")
    db.session.commit()
    assert _notes("exchange_decided") == [(town.salma.user_id, exchange.id)]
    assert _notes("exchange_confirm") == [(town.omar.user_id, exchange.id)]
