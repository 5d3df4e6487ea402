"""Every party hears of every step of an exchange they did not take (issue 14, point 7):
confirmed, posted, rejected with the reason, reversed with the reason, approved or rejected
by a coordinator — each notice saying what, who, how many hours, when and why, in the
RECIPIENT's language, with a link; the community's and the category's names in that
language too."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from types import SimpleNamespace

import pytest
from flask_babel import force_locale
from sqlalchemy import event, select

from tests.services.conftest import make_bank
from timebank.extensions import db
from timebank.models import Notification, OutboxMessage
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.exchanges import notices

ISOLATES = str.maketrans("", "", "\u2068\u2069")


@contextmanager
def _counting() -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _notes(kind: str | None = None) -> list[tuple[int, str, int]]:
    query = select(Notification.user_id, Notification.kind, Notification.object_id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return sorted(tuple(row) for row in db.session.execute(query))


def _mail(user) -> SimpleNamespace:
    """The subject and body of the one e-mail ``user`` got (isolate marks taken out for
    the comparisons)."""
    [(subject, body)] = db.session.execute(
        select(OutboxMessage.subject, OutboxMessage.body).where(
            OutboxMessage.recipient_id == user.id
        )
    ).all()
    return SimpleNamespace(subject=subject.translate(ISOLATES), body=body.translate(ISOLATES))


def _no_mail(*users) -> None:
    ids = [u.id for u in users]
    assert not db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient_id.in_(ids))
    ).all()


def _names(bank, salma="Salma Khoury", omar="Omar Farouk", karim="Karim Nasser"):
    bank.a.user.display_name, bank.b.user.display_name = salma, omar
    bank.coordinator.user.display_name = karim
    db.session.commit()


@pytest.fixture
def town(app):
    bank = make_bank()
    _names(bank)
    return bank


def test_confirmation_that_posts_tells_the_recorder_in_their_language(town):
    """Salma (Arabic) records 1 h 30 min of gardening for Omar (English); Omar confirms
    from an English session. Salma hears it is posted — in Arabic: Arabic digits, the
    Arabic category and community names, Omar as the one who agreed — with a link. Omar
    is not told about his own confirmation."""
    town.a.user.locale = "ar"
    db.session.commit()
    exchange = town.record(town.a, town.b, 90, service_date=date(2026, 11, 3))
    db.session.query(OutboxMessage).delete()
    with force_locale("en"):
        exchanges.confirm(exchange, actor=town.b.user)
    db.session.commit()
    assert _notes("exchange_posted") == [(town.a.user_id, "exchange_posted", exchange.id)]
    mail = _mail(town.a.user)
    assert mail.subject == "سُجّل تبادلك في الأرصدة"
    assert town.community.name_ar in mail.body and town.community.name not in mail.body
    assert "١ س ٣٠ د" in mail.body and "البستنة" in mail.body
    assert "وافق عليه Omar Farouk." in mail.body and "قدّم Salma Khoury إلى Omar Farouk" in mail.body
    assert "٢٠٢٦" in mail.body  # the date of the service, in Arabic
    assert f"/hours/exchanges/{exchange.id}" in mail.body
    _no_mail(town.b.user)


def test_confirmation_waiting_for_approval_then_the_coordinators_approval(app):
    """With approval required: the recorder hears that the other member confirmed; then
    the coordinator's approval reaches both parties, saying who approved and how much."""
    town = make_bank(approval_conditions="always")
    _names(town)
    exchange = town.record(town.a, town.b, 60)
    db.session.query(OutboxMessage).delete()
    exchanges.confirm(exchange, actor=town.b.user)
    db.session.commit()
    assert _notes("exchange_confirmed") == [(town.a.user_id, "exchange_confirmed", exchange.id)]
    mail = _mail(town.a.user)
    assert mail.subject == "Omar Farouk confirmed your exchange"
    assert "It now waits for a coordinator's approval." in mail.body
    assert "Salma Khoury gave Omar Farouk 1 h of help (Gardening)" in mail.body
    db.session.query(OutboxMessage).delete()
    exchanges.approve(exchange, actor=town.coordinator.user)
    db.session.commit()
    assert _notes("exchange_decided") == sorted(
        [(town.a.user_id, "exchange_decided", exchange.id),
         (town.b.user_id, "exchange_decided", exchange.id)]
    )  # fmt: skip
    for party in (town.a, town.b):
        mail = _mail(party.user)
        assert mail.subject == "Coordinator Karim Nasser approved your exchange"
        assert "1 h" in mail.body and "The hours are now in both balances." in mail.body
        assert "Decided on" in mail.body
    _no_mail(town.coordinator.user)


def test_rejection_by_the_other_member_carries_the_reason(town):
    exchange = town.record(town.a, town.b, 45)
    db.session.query(OutboxMessage).delete()
    exchanges.reject(exchange, actor=town.b.user, reason="We never met that day")
    db.session.commit()
    assert _notes("exchange_decided") == [(town.a.user_id, "exchange_decided", exchange.id)]
    mail = _mail(town.a.user)
    assert mail.subject == "Omar Farouk rejected your exchange"
    assert "45 min" in mail.body and "Reason: We never met that day" in mail.body
    _no_mail(town.b.user)


def test_rejection_by_a_coordinator_tells_both_in_each_ones_language(app):
    town = make_bank(approval_conditions="always", require_confirmation=False)
    _names(town)
    town.b.user.locale = "ar"
    db.session.commit()
    exchange = town.record(town.a, town.b, 150, actor=town.b.user)  # agreed: to the queue
    assert exchange.status.value == "awaiting_approval"
    db.session.query(OutboxMessage).delete()
    with force_locale("ar"):  # the coordinator reads Arabic; Salma still reads English
        exchanges.reject(exchange, actor=town.coordinator.user, reason="Duplicate")
    db.session.commit()
    english, arabic = _mail(town.a.user), _mail(town.b.user)
    assert english.subject == "Coordinator Karim Nasser rejected your exchange"
    assert "2 h 30 min" in english.body and "Reason: Duplicate" in english.body
    assert arabic.subject == "رفض المنسق Karim Nasser تبادلك"
    assert "٢ س ٣٠ د" in arabic.body and "السبب: Duplicate" in arabic.body


def test_a_reversal_tells_both_parties_with_the_reason(town):
    exchange = town.post(town.a, town.b, 120)
    db.session.query(OutboxMessage).delete()
    exchanges.reverse(exchange, actor=town.coordinator.user, reason="Recorded twice")
    db.session.commit()
    assert _notes("exchange_reversed") == sorted(
        [(town.a.user_id, "exchange_reversed", exchange.id),
         (town.b.user_id, "exchange_reversed", exchange.id)]
    )  # fmt: skip
    for party in (town.a, town.b):
        mail = _mail(party.user)
        assert mail.subject == "Coordinator Karim Nasser reversed your exchange"
        assert "2 h" in mail.body and "Reason: Recorded twice" in mail.body
        assert "The hours were moved back." in mail.body and "Reversed on" in mail.body
    _no_mail(town.coordinator.user)


def test_a_record_that_posts_at_once_tells_the_provider(app):
    """The recipient records and no confirmation is asked: the provider hears it posted."""
    town = make_bank(require_confirmation=False)
    _names(town)
    exchange = town.record(town.a, town.b, 30, actor=town.b.user)
    assert exchange.status.value == "posted"
    assert _notes() == [(town.a.user_id, "exchange_posted", exchange.id)]
    assert "Agreed by Omar Farouk." in _mail(town.a.user).body


def test_e_mail_follows_each_recipients_preferences(town):
    from timebank.services.messaging import notifications

    notifications.set_preferences(town.a.user, email_kinds={"message"})
    db.session.commit()
    exchange = town.post(town.a, town.b, 60)
    assert _notes("exchange_posted") == [(town.a.user_id, "exchange_posted", exchange.id)]
    _no_mail(town.a.user)


def test_the_inbox_describes_each_notice_in_the_readers_language(town):
    exchange = town.record(town.a, town.b, 90)
    exchanges.reject(exchange, actor=town.b.user, reason="Wrong day")
    db.session.commit()
    notes = db.session.scalars(select(Notification).order_by(Notification.id)).all()
    with force_locale("ar"):
        arabic = notices.describe_notes(notes, "ar")
    english = notices.describe_notes(notes, "en")
    rejected = next(n for n in notes if n.kind == "exchange_decided")
    assert english[rejected.id].title.translate(ISOLATES) == "Omar Farouk rejected your exchange"
    assert "1 h 30 min" in english[rejected.id].text
    assert "Wrong day" in english[rejected.id].text
    assert arabic[rejected.id].title.translate(ISOLATES) == "رفض Omar Farouk تبادلك"
    assert "١ س ٣٠ د" in arabic[rejected.id].text


def test_facts_for_many_exchanges_take_a_fixed_number_of_queries(town):
    ids = [town.post(town.a, town.b, 10 + n).id for n in range(6)]
    db.session.expire_all()
    with _counting() as counted:
        facts = notices.facts_for(ids)
    assert len(facts) == 6 and len(counted) <= 6


def test_a_coordinator_confirming_in_place_of_the_member_tells_both_parties(town):
    """docs/consent.md "coordinator decision": both parties hear who decided."""
    exchange = town.record(town.a, town.b, 60)
    db.session.query(OutboxMessage).delete()
    exchanges.confirm_as_coordinator(exchange, actor=town.coordinator.user)
    db.session.commit()
    assert exchange.status.value == "posted"
    for party in (town.a, town.b):
        assert _mail(party.user).subject == "Coordinator Karim Nasser approved your exchange"


def test_a_proxy_confirming_for_a_member_tells_the_member_and_the_recorder(town):
    """When Grace confirms for Omar as his proxy, Omar hears it as well as Salma."""
    from timebank.services.community import proxies

    proxies.appoint(town.b, town.c, actor=town.coordinator.user)
    db.session.commit()
    exchange = town.record(town.a, town.b, 60)
    db.session.query(OutboxMessage).delete()
    exchanges.confirm(exchange, actor=town.c.user, on_behalf_of=town.b)
    db.session.commit()
    assert _notes("exchange_posted") == sorted(
        [(town.a.user_id, "exchange_posted", exchange.id),
         (town.b.user_id, "exchange_posted", exchange.id)]
    )  # fmt: skip
    _no_mail(town.c.user)


def test_erasing_a_member_takes_their_name_and_reasons_out_of_the_others_e_mails(town):
    """The notices name who did what and why; once that person is erased, the stored
    copies of the other members' e-mails no longer hold their name or their words."""
    from timebank.services import privacy

    exchange = town.record(town.a, town.b, 60)
    exchanges.reject(exchange, actor=town.b.user, reason="Marmalade Street was closed")
    db.session.commit()
    assert "Omar Farouk" in _mail(town.a.user).subject
    privacy.erase(town.b.user, actor=town.coordinator.user)
    db.session.commit()
    mail = _mail(town.a.user)
    for secret in ("Omar Farouk", "Marmalade"):
        assert secret not in mail.subject and secret not in mail.body
    assert "Salma Khoury" in mail.body  # the other names stay
