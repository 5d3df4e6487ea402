"""A proxy reads the conversations of the member they act for and replies for them, marked
"by X on behalf of Y" on the page and in the audit log; nobody else gets in."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from tests.companion_factories import make_conversation
from tests.factories import PASSWORD, make_community, make_member
from tests.listing_factories import make_listing
from timebank.extensions import db
from timebank.models import AuditEvent, Message, Role
from timebank.services.community import proxies
from timebank.services.ledger import posting as ledger
from timebank.services.messaging import conversations


def _town(app):
    community = make_community()
    coordinator = make_member(community, role=Role.COORDINATOR, name="Carim Coordinator")
    offline = make_member(community, name="Fatima Offline", password=None)
    offline.user.email = None
    proxy = make_member(community, name="Pavel Proxy")
    writer = make_member(community, name="Wafa Writer")
    ledger.ensure_accounts(community)
    proxies.appoint(offline, proxy, actor=coordinator.user)
    listing = make_listing(offline, title="Sewing repairs")
    conversation = conversations.respond(listing, actor=writer.user, body="Can you hem a skirt?")
    db.session.commit()
    return community, coordinator, offline, proxy, writer, conversation


def _login(auth, membership):
    assert auth.login(membership.user.email, PASSWORD).status_code == 302


def _text(response) -> str:
    return re.sub(r"<[^>]+>", "", response.get_data(as_text=True))


def test_proxy_reads_and_replies_on_behalf(app, auth):
    """The proxy finds the conversation from the member's page, reads it, and replies; the
    other member sees the reply marked as written by the proxy on the member's behalf."""
    community, _coordinator, offline, proxy, writer, conversation = _town(app)
    _login(auth, proxy)
    base = f"/c/{community.slug}/for/{offline.id}/"
    assert f"{base}conversations/" in auth.client.get(base).get_data(as_text=True)
    listing_page = auth.client.get(f"{base}conversations/").get_data(as_text=True)
    url = f"{base}conversations/{conversation.id}"
    assert url in listing_page and "Wafa Writer" in listing_page
    page = auth.client.get(url)
    assert page.status_code == 200 and "Can you hem a skirt?" in _text(page)
    response = auth.post(url, {"body": "Yes, on Monday"}, page=url)
    assert response.status_code == 302
    assert "Pavel Proxy on behalf of Fatima Offline" in _text(auth.client.get(url))
    message = db.session.scalar(select(Message).where(Message.body == "Yes, on Monday"))
    assert message.author_id == offline.id and message.sent_by_id == proxy.user_id
    events = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action.in_(["conversation.read", "conversation.message"])
        )
    ).all()
    assert {e.action for e in events} == {"conversation.read", "conversation.message"}
    assert all(e.actor_id == proxy.user_id and e.on_behalf_of_id == offline.user_id for e in events)
    auth.logout()
    _login(auth, writer)
    seen = _text(auth.client.get(f"/c/{community.slug}/conversations/{conversation.id}"))
    assert "Pavel Proxy on behalf of Fatima Offline" in seen and "Yes, on Monday" in seen


def test_an_empty_reply_is_refused_next_to_the_field_and_saves_nothing(app, auth):
    """No text: the error is on the message field, no message and no audit event."""
    community, _coordinator, offline, proxy, _writer, conversation = _town(app)
    _login(auth, proxy)
    url = f"/c/{community.slug}/for/{offline.id}/conversations/{conversation.id}"
    before = db.session.scalar(select(func.count()).select_from(Message))
    response = auth.post(url, {"body": "   "}, page=url)
    assert response.status_code == 400
    assert 'id="body-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Message)) == before
    sent = select(func.count()).where(AuditEvent.action == "conversation.message")
    assert db.session.scalar(sent) == 0


def test_nobody_else_reads_the_members_messages(app, auth):
    """A member who is not the proxy gets 404; a coordinator who is not the proxy gets 403
    (and no link); the proxy cannot open a conversation that is not the member's."""
    community, coordinator, offline, proxy, writer, conversation = _town(app)
    base = f"/c/{community.slug}/for/{offline.id}/conversations/"
    _login(auth, writer)
    assert auth.client.get(base).status_code == 404
    assert auth.client.get(f"{base}{conversation.id}").status_code == 404
    page = f"/c/{community.slug}/conversations/"
    assert auth.post(f"{base}{conversation.id}", {"body": "Hi"}, page=page).status_code == 404
    auth.logout()
    _login(auth, coordinator)
    assert f"{base}" not in auth.client.get(f"/c/{community.slug}/for/{offline.id}/").get_data(
        as_text=True
    )
    response = auth.client.get(f"{base}{conversation.id}")
    assert response.status_code == 403
    auth.logout()
    _login(auth, proxy)
    other = make_conversation(writer, coordinator, body="Private between others")
    response = auth.client.get(f"{base}{other.id}")
    assert response.status_code == 404 and "Private between others" not in response.get_data(
        as_text=True
    )
    stranger = make_member(community, password=None)
    stranger_url = f"/c/{community.slug}/for/{stranger.id}/conversations/"
    assert auth.client.get(stranger_url).status_code == 404
    elsewhere = make_community()
    assert (
        auth.client.get(f"/c/{elsewhere.slug}/for/{offline.id}/conversations/").status_code == 404
    )
