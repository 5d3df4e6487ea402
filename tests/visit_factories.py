"""Planned visits for the route walk (issue 19): one on the member's arrangement, offered
to stand-ins."""

from __future__ import annotations

from datetime import timedelta

from tests import companion_factories
from timebank.extensions import db
from timebank.models import PlannedVisit, utcnow


def planned_for(world) -> PlannedVisit:
    arrangement = companion_factories.arrangement_for(world)
    now = utcnow()
    planned = PlannedVisit(
        arrangement_id=arrangement.id,
        planned_on=now.date() - timedelta(days=2),
        reminded_at=now,
        offered_at=now,
    )
    db.session.add(planned)
    db.session.commit()
    return planned


def feed_secret_for(world) -> str:
    """The secret of the member's visit calendar feed."""
    from timebank.services.companionship import feed

    secret = feed.create(
        companion_factories.membership(world.member, world.community), actor=world.member
    )
    db.session.commit()
    return secret
