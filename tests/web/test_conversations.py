"""Responding to listings, private conversations, exchange records from a conversation,
reports, and the notifications inbox."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from tests.companion_factories import make_conversation, make_notification
from tests.factories import PASSWORD, make_community, make_member
from tests.listing_factories import make_listing
from timebank.extensions import db
from timebank.models import (
    Conversation,
    Exchange,
    Message,
    Notification,
    NotificationPreference,
    OutboxMessage,
    Report,
    Role,
)

XSS = '<script>alert("x")</script>'


@pytest.fixture
def bank(app):
    community = make_community()
    people = {
        "owner": make_member(community, email="owner@example.org"),
        "helper": make_member(community, email="helper@example.org"),
        "nosy": make_member(community, email="nosy@example.org"),
        "coord": make_member(community, email="coord@example.org", role=Role.COORDINATOR),
    }
    listing = make_listing(
        people["owner"], kind="request", title="Help with forms", key="paperwork"
    )
    return community, people, listing


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _respond(auth, community, listing, body="I can help on Monday"):
    url = f"/c/{community.slug}/conversations/respond/{listing.id}"
    return auth.post(url, {"body": body}, page=url)


def test_i_can_help_starts_a_private_conversation(auth, bank):
    """Responding creates a conversation, notifies the owner, and only the two read it."""
    community, p, listing = bank
    detail = f"/c/{community.slug}/listings/{listing.id}"
    auth.login("helper@example.org", PASSWORD)
    assert "I can help" in auth.client.get(detail).get_data(as_text=True)
    response = _respond(auth, community, listing)
    assert response.status_code == 302
    conversation = db.session.scalar(select(Conversation))
    url = f"/c/{community.slug}/conversations/{conversation.id}"
    assert "I can help on Monday" in auth.client.get(url).get_data(as_text=True)
    assert (
        db.session.scalar(select(Notification.user_id).where(Notification.kind == "response"))
        == p["owner"].user_id
    )
    auth.logout()
    for outsider in ("nosy@example.org", "coord@example.org"):
        auth.login(outsider, PASSWORD)
        assert auth.client.get(url).status_code == 404, outsider
        auth.logout()
    auth.login("owner@example.org", PASSWORD)
    assert auth.post(url, {"body": "Thank you!"}, page=url).status_code == 302
    assert _count(Message) == 2
    # Both e-mails (the owner's "response", the helper's "message") link the conversation,
    # at the address the site was reached at.
    for person in ("owner", "helper"):
        [mail] = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient_id == p[person].user_id)
        ).all()
        assert f"Open Timebank to see it: http://localhost{url}\n" in mail.body, person


def test_responding_to_ones_own_listing_is_refused(auth, bank):
    """The owner gets a plain refusal and no conversation is created."""
    community, _p, listing = bank
    auth.login("owner@example.org", PASSWORD)
    detail = auth.client.get(f"/c/{community.slug}/listings/{listing.id}").get_data(as_text=True)
    assert "I can help" not in detail
    response = _respond(auth, community, listing)
    assert response.status_code == 400
    assert "your own listing" in response.get_data(as_text=True)
    assert _count(Conversation) == 0


def test_members_of_another_community_cannot_respond_or_read(auth, bank):
    """Messages stay inside one community: outsiders get 404 and nothing is saved."""
    community, p, listing = bank
    make_member(make_community(), email="far@example.org")
    conversation = make_conversation(p["helper"], p["owner"])
    auth.login("far@example.org", PASSWORD)
    assert _respond(auth, community, listing).status_code == 404
    url = f"/c/{community.slug}/conversations/{conversation.id}"
    assert auth.client.get(url).status_code == 404
    assert _count(Message) == 1


def test_a_report_opens_the_conversation_to_coordinators(auth, bank):
    """After a member reports a message, coordinators can read the conversation."""
    community, p, _listing = bank
    conversation = make_conversation(p["owner"], p["helper"], body="Unkind words")
    message = db.session.scalar(select(Message))
    url = f"/c/{community.slug}/conversations/{conversation.id}"
    auth.login("helper@example.org", PASSWORD)
    report = f"/c/{community.slug}/conversations/report/message/{message.id}"
    assert auth.post(report, {"reason": ""}, page=report).status_code == 400
    assert _count(Report) == 0
    assert auth.post(report, {"reason": "Not kind"}, page=report).status_code == 302
    auth.logout()
    auth.login("coord@example.org", PASSWORD)
    assert "Unkind words" in auth.client.get(url).get_data(as_text=True)
    reports = auth.client.get(f"/c/{community.slug}/conversations/reports")
    assert "Not kind" in reports.get_data(as_text=True)
    assert _count(Notification) >= 1


def test_a_member_cannot_report_a_conversation_they_are_not_in(auth, bank):
    """Reporting someone else's message is a 404 and opens nothing."""
    community, p, _listing = bank
    conversation = make_conversation(p["owner"], p["helper"])
    message = db.session.scalar(select(Message))
    auth.login("nosy@example.org", PASSWORD)
    report = f"/c/{community.slug}/conversations/report/message/{message.id}"
    assert auth.post(report, {"reason": "x"}, page=report).status_code == 404
    db.session.refresh(conversation)
    assert conversation.opened_to_coordinators_at is None


def test_report_a_listing_and_a_member(auth, bank):
    """Listings and members can be reported; coordinators are notified."""
    community, p, listing = bank
    auth.login("helper@example.org", PASSWORD)
    for target, target_id in (("listing", listing.id), ("member", p["owner"].id)):
        url = f"/c/{community.slug}/conversations/report/{target}/{target_id}"
        assert auth.post(url, {"reason": f"Odd {target}"}, page=url).status_code == 302
    assert _count(Report) == 2
    assert (
        db.session.scalar(
            select(func.count()).where(
                Notification.kind == "report", Notification.user_id == p["coord"].user_id
            )
        )
        == 2
    )


def test_turn_a_conversation_into_an_exchange_record(auth, bank):
    """The exchange form is prefilled from the listing, records through the ledger and asks
    the other member to confirm."""
    community, p, listing = bank
    auth.login("helper@example.org", PASSWORD)
    _respond(auth, community, listing)
    conversation = db.session.scalar(select(Conversation))
    url = f"/c/{community.slug}/conversations/{conversation.id}/exchange"
    page = auth.client.get(url).get_data(as_text=True)
    assert "Help with forms" in page
    assert (
        '<input checked id="direction-0" name="direction" required type="radio" value="gave">'
        in page
    )

    bad = auth.post(url, {"direction": "gave", "service_date": "2026-11-20", "minutes": "0"},
                    page=url)  # fmt: skip
    assert bad.status_code == 400 and _count(Exchange) == 0
    response = auth.post(
        url, {"direction": "gave", "service_date": "2026-11-20", "minutes": "45",
              "idempotency_key": "conv-test-000001"}, page=url,
    )  # fmt: skip
    assert response.status_code == 302
    exchange = db.session.scalar(select(Exchange))
    assert (
        db.session.scalar(
            select(Notification.user_id).where(Notification.kind == "exchange_confirm")
        )
        == p["owner"].user_id
    )
    assert (exchange.category, exchange.minutes, exchange.status.value) == (
        "paperwork",
        45,
        "recorded",
    )


def test_payloads_in_messages_and_reports_come_back_escaped(auth, bank):
    """Message bodies and report reasons are escaped on every page that shows them."""
    community, _p, listing = bank
    auth.login("helper@example.org", PASSWORD)
    _respond(auth, community, listing, body=XSS)
    conversation = db.session.scalar(select(Conversation))
    report = f"/c/{community.slug}/conversations/report/conversation/{conversation.id}"
    auth.post(report, {"reason": XSS}, page=report)
    pages = [f"/c/{community.slug}/conversations/{conversation.id}"]
    for page in pages:
        body = auth.client.get(page).get_data(as_text=True)
        assert "<script>alert" not in body and "&lt;script&gt;" in body
    auth.logout()
    auth.login("coord@example.org", PASSWORD)
    for page in (*pages, f"/c/{community.slug}/conversations/reports"):
        body = auth.client.get(page).get_data(as_text=True)
        assert "<script>alert" not in body and "&lt;script&gt;" in body, page


def test_inbox_unread_count_mark_read_and_preferences(auth, bank):
    """The header shows the unread count; opening one marks it read; e-mail can be off."""
    community, p, listing = bank
    user = p["owner"].user
    make_notification(user, community, kind="matched")
    make_notification(user, community, kind="message")
    auth.login("owner@example.org", PASSWORD)
    body = auth.client.get("/notifications/").get_data(as_text=True)
    assert 'class="badge">2' in body
    note = db.session.scalar(select(Notification).order_by(Notification.id))
    assert (
        auth.post(f"/notifications/{note.id}/open", {}, page="/notifications/").status_code == 302
    )
    assert 'class="badge">1' in auth.client.get("/notifications/").get_data(as_text=True)
    assert auth.post("/notifications/read", {}, page="/notifications/").status_code == 302
    assert 'class="badge"' not in auth.client.get("/notifications/").get_data(as_text=True)
    prefs = "/notifications/preferences"
    assert auth.post(prefs, {"message": "y", "digest": "y"}, page=prefs).status_code == 302
    assert (
        db.session.scalar(
            select(NotificationPreference.email).where(
                NotificationPreference.user_id == user.id,
                NotificationPreference.kind == "response",
            )
        )
        is False
    )
    before = _count(OutboxMessage)
    auth.logout()
    auth.login("helper@example.org", PASSWORD)
    _respond(auth, community, listing)
    assert _count(OutboxMessage) == before  # response e-mails are off for the owner


def test_someone_elses_notification_cannot_be_opened(auth, bank):
    """Opening another user's notification does nothing."""
    community, p, _listing = bank
    note = make_notification(p["owner"].user, community)
    auth.login("helper@example.org", PASSWORD)
    auth.post(f"/notifications/{note.id}/open", {}, page="/notifications/")
    db.session.refresh(note)
    assert note.read_at is None


def _statements(client, url) -> int:
    seen = []

    def count(*_args):
        seen.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


# The header's counts are part of what must not grow: count them on every request.
@pytest.mark.parametrize("app_config", [{"NAVIGATION_CACHE_SECONDS": 0}])
def test_inbox_and_conversation_list_queries_do_not_grow(auth, bank):
    """The number of statements is the same with 2 and with 12 rows."""
    community, p, _listing = bank
    others = [p["helper"], p["nosy"], p["coord"]]
    auth.login("owner@example.org", PASSWORD)

    def grow(n):
        for i in range(n):
            make_conversation(p["owner"], others[i % 3], body=f"hello {i}")
            make_notification(p["owner"].user, community, kind="message",
                              object_type="conversations", object_id=i + 1)  # fmt: skip

    urls = ["/notifications/", f"/c/{community.slug}/conversations/"]
    grow(2)
    few = [_statements(auth.client, url) for url in urls]
    grow(10)
    many = [_statements(auth.client, url) for url in urls]
    assert few == many
