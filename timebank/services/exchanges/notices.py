"""What the exchange lifecycle tells the members (in-app, and by e-mail when they want it):
the other party of a recorded exchange is asked to confirm it; the parties hear when it is
approved or rejected. Called by ``exchanges.lifecycle`` inside the decision's transaction;
``database.transaction`` delivers the queued e-mail after the commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from timebank.extensions import db
from timebank.models import Community, Exchange, User
from timebank.services.messaging import notifications


def ask_to_confirm(exchange: Exchange, community: Community, *, other_user_id: int) -> None:
    """``exchange_confirm`` for the party who did not record the exchange."""
    notifications.notify(
        db.session.get_one(User, other_user_id),
        "exchange_confirm",
        community=community,
        object_type="exchanges",
        object_id=exchange.id,
    )


def tell_decided(
    exchange: Exchange, community: Community, *, actor: User, members: list[Any]
) -> None:
    """``exchange_decided`` for each party except the one who decided (a party who rejects
    a recorded exchange is not told about their own decision)."""
    told = {m.user_id for m in members} - {actor.id}
    if not told:
        return
    notifications.notify_all(
        db.session.scalars(select(User).where(User.id.in_(told)).order_by(User.id)),
        "exchange_decided",
        community=community,
        object_type="exchanges",
        object_id=exchange.id,
    )
