"""Proxies act for a member without internet, marked and audited, and only within scope."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.factories import make_member
from tests.listing_factories import category
from tests.services.conftest import key
from timebank.extensions import db
from timebank.models import AuditEvent, ExchangeStatus, Role
from timebank.services.community import lifecycle, proxies
from timebank.services.exceptions import InvalidInput, NotAllowed
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.listings import listings


@pytest.fixture
def offline(bank):
    """Member ``a`` has no e-mail; ``c`` is appointed as their proxy."""
    bank.a.user.email = None
    db.session.commit()
    proxies.appoint(bank.a, bank.c, actor=bank.coordinator.user)
    db.session.commit()
    return bank


def _record(bank, actor, provider, recipient, on_behalf_of):
    return exchanges.record(
        bank.community, actor=actor, provider=provider, recipient=recipient, minutes=45,
        service_date=date(2026, 11, 2), category="gardening", idempotency_key=key(),
        on_behalf_of=on_behalf_of,
    )  # fmt: skip


def test_proxy_records_for_their_member_marked_and_audited(offline):
    """A proxy's record names them and the member; the audit event says on whose behalf."""
    bank = offline
    exchange = _record(bank, bank.c.user, bank.a, bank.b, bank.a)
    db.session.commit()
    assert exchange.recorded_by_id == bank.c.user_id
    assert exchange.on_behalf_of_id == bank.a.user_id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "exchange.record"))
    assert event.actor_id == bank.c.user_id and event.on_behalf_of_id == bank.a.user_id


def test_proxy_confirms_for_their_member(offline):
    """The other party's proxy confirms; the event is marked on behalf of the member."""
    bank = offline
    exchange = bank.record(bank.b, bank.a, 30)
    exchanges.confirm(exchange, actor=bank.c.user, on_behalf_of=bank.a)
    db.session.commit()
    assert exchange.status == ExchangeStatus.POSTED
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "exchange.confirm"))
    assert event.actor_id == bank.c.user_id and event.on_behalf_of_id == bank.a.user_id


def test_proxy_posts_a_listing_for_their_member(offline):
    """The listing belongs to the member; the audit event names the proxy as actor."""
    bank = offline
    listing = listings.create(
        bank.community,
        actor=bank.c.user,
        owner=bank.a,
        data=listings.ListingInput(kind="offer", title="Knitting lessons", description="",
                                   category_id=category(bank.community).id, language="en"),
    )  # fmt: skip
    db.session.commit()
    assert listing.owner_id == bank.a.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "listing.create"))
    assert event.on_behalf_of_id == bank.a.user_id


def test_proxy_is_refused_outside_their_scope(offline):
    """A proxy cannot act for another member, nor once the appointment ended or suspended."""
    bank = offline
    with pytest.raises(NotAllowed):
        _record(bank, bank.c.user, bank.b, bank.a, bank.b)
    exchange = bank.record(bank.a, bank.b, 30, actor=bank.coordinator.user, on_behalf_of=bank.a)
    other = bank.record(bank.a, bank.c, 20, actor=bank.a.user)
    with pytest.raises(NotAllowed):
        exchanges.confirm(other, actor=bank.b.user, on_behalf_of=bank.c)
    with pytest.raises(NotAllowed):
        listings.create(
            bank.community, actor=bank.b.user, owner=bank.a,
            data=listings.ListingInput(kind="offer", title="x", description="",
                                       category_id=category(bank.community).id, language="en"),
        )  # fmt: skip
    (appointment,) = proxies.proxies_of(bank.a)
    proxies.end(appointment, actor=bank.coordinator.user)
    db.session.commit()
    with pytest.raises(NotAllowed):
        _record(bank, bank.c.user, bank.a, bank.b, bank.a)
    # Recorded for the provider, it is a's word only: it waits for b (docs/consent.md).
    assert exchange.status == ExchangeStatus.RECORDED and exchange.confirmed_by_id is None


def test_suspended_proxy_cannot_act(offline):
    """A proxy whose own membership is suspended is no longer a proxy."""
    bank = offline
    lifecycle.suspend(bank.c, actor=bank.coordinator.user)
    db.session.commit()
    with pytest.raises(NotAllowed):
        _record(bank, bank.c.user, bank.a, bank.b, bank.a)


def test_only_coordinators_appoint_valid_proxies(bank):
    """Members cannot appoint; self, outsiders and duplicates are refused."""
    with pytest.raises(NotAllowed):
        proxies.appoint(bank.a, bank.b, actor=bank.b.user)
    with pytest.raises(InvalidInput):
        proxies.appoint(bank.a, bank.a, actor=bank.coordinator.user)
    from tests.factories import make_community

    stranger = make_member(make_community(), password=None)
    with pytest.raises(InvalidInput):
        proxies.appoint(bank.a, stranger, actor=bank.coordinator.user)
    proxies.appoint(bank.a, bank.b, actor=bank.coordinator.user)
    with pytest.raises(InvalidInput):
        proxies.appoint(bank.a, bank.b, actor=bank.coordinator.user)
    coordinator_proxy = make_member(bank.community, role=Role.COORDINATOR, password=None)
    assert proxies.appoint(bank.a, coordinator_proxy, actor=bank.coordinator.user)


def _conversation(bank):
    """Member ``b`` wrote to offline member ``a`` about a's listing."""
    from tests.listing_factories import make_listing
    from timebank.services.messaging import conversations

    listing = make_listing(bank.a, title="Sewing repairs")
    conversation = conversations.respond(listing, actor=bank.b.user, body="Can you hem a skirt?")
    db.session.commit()
    return conversation


def test_proxy_reads_and_replies_marked_and_audited(offline):
    """The reply is the member's message, marked as sent by the proxy, and so is the event."""
    from timebank.services.messaging import conversations

    bank = offline
    conversation = _conversation(bank)
    found = proxies.conversation_for(bank.a, conversation.id, actor=bank.c.user)
    proxies.record_reading(found, bank.a, actor=bank.c.user)
    message = conversations.send(
        found, actor=bank.c.user, body="Yes, on Monday", on_behalf_of=bank.a
    )
    db.session.commit()
    assert message.author_id == bank.a.id and message.sent_by_id == bank.c.user_id
    rows = db.session.execute(conversations.messages_query(conversation)).all()
    assert rows[-1][1:] == (bank.a.user.display_name, bank.a.user_id, bank.c.user.display_name)
    for action in ("conversation.read", "conversation.message"):
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == action))
        assert event.actor_id == bank.c.user_id and event.on_behalf_of_id == bank.a.user_id


def test_only_the_members_proxy_reads_or_replies(offline):
    """Another member, a coordinator who is not the proxy, or a proxy for someone else is
    refused; a conversation that is not the member's is not found."""
    from tests.companion_factories import make_conversation
    from timebank.services.exceptions import NotFound
    from timebank.services.messaging import conversations

    bank = offline
    conversation = _conversation(bank)
    for outsider in (bank.b.user, bank.coordinator.user):
        with pytest.raises(NotAllowed):
            proxies.conversation_for(bank.a, conversation.id, actor=outsider)
        with pytest.raises(NotAllowed):
            conversations.send(conversation, actor=outsider, body="Hi", on_behalf_of=bank.a)
    elsewhere = make_conversation(bank.b, bank.coordinator)
    with pytest.raises(NotFound):
        proxies.conversation_for(bank.a, elsewhere.id, actor=bank.c.user)
    with pytest.raises(NotAllowed):
        conversations.send(elsewhere, actor=bank.c.user, body="Hi", on_behalf_of=bank.a)
    with pytest.raises(InvalidInput):
        conversations.send(conversation, actor=bank.c.user, body="  ", on_behalf_of=bank.a)
    proxies.end(proxies.current(bank.a, bank.c), actor=bank.coordinator.user)
    db.session.commit()
    with pytest.raises(NotAllowed):
        proxies.conversation_for(bank.a, conversation.id, actor=bank.c.user)
