"""An exchange agreed in a conversation about a listing: the member records it from the
conversation page, between the conversation's two members, through the ledger lifecycle."""

from __future__ import annotations

from datetime import date

from timebank.extensions import db
from timebank.models import Category, Community, Conversation, Exchange, Listing, User
from timebank.services import permissions
from timebank.services.exceptions import NotAllowed
from timebank.services.exchanges import lifecycle
from timebank.services.messaging import conversations


def record(
    conversation: Conversation,
    *,
    actor: User,
    gave: bool,
    minutes: int,
    service_date: date,
    idempotency_key: str,
    description: str | None = None,
) -> Exchange:
    """Turn the conversation into an exchange record between its two members, in the
    listing's category (``other`` without one), through ``lifecycle.record`` — so it follows
    the ledger lifecycle, which tells the other member when it waits for them."""
    if not permissions.is_conversation_party(actor, conversation):
        raise NotAllowed()
    community = db.session.get_one(Community, conversation.community_id)
    me = permissions.membership_of(actor, community)
    other = conversations.counterpart(conversation, actor)
    if me is None or other is None:
        raise NotAllowed()
    listing = (
        db.session.get_one(Listing, conversation.listing_id) if conversation.listing_id else None
    )
    category = db.session.get_one(Category, listing.category_id) if listing else None
    exchange = lifecycle.record(
        community,
        actor=actor,
        provider=me if gave else other,
        recipient=other if gave else me,
        minutes=minutes,
        service_date=service_date,
        category=category.key if category else "other",
        idempotency_key=idempotency_key,
        description=description,
        listing=listing,
    )
    return exchange
