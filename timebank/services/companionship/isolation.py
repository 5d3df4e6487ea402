"""Who may be isolated (issue 19): one rule for the care dashboard and the metrics figure
"Possibly isolated".

A companionship recipient is possibly isolated at a moment when one of their arrangements
active then has gone longer without a logged visit (or, before the first visit, since the
match) than its agreed interval plus a margin: twice a week 4 days, weekly 7, fortnightly
14, monthly 31, plus ``COMPANIONSHIP_ISOLATION_MARGIN_DAYS`` (default 3). One-off
arrangements are never counted. One counting query, whatever the number of arrangements."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, exists, func, or_, select

from timebank.extensions import db
from timebank.models import Arrangement, ArrangementStatus, CompanionshipRequest, Visit
from timebank.services.companionship.schedule import INTERVAL_DAYS


def margin_days() -> int:
    return int(current_app.config.get("COMPANIONSHIP_ISOLATION_MARGIN_DAYS", 3))


def isolated_condition(at: datetime):
    """Arrangements active at ``at`` (matched before it, not ended by then) whose gap
    since the last visit up to ``at`` exceeds the agreed interval by the margin. Needs
    ``CompanionshipRequest`` joined."""
    margin = margin_days()
    per_frequency = []
    for frequency, days in INTERVAL_DAYS.items():
        since = at - timedelta(days=days + margin)
        per_frequency.append(
            and_(
                CompanionshipRequest.frequency == frequency,
                func.coalesce(Arrangement.confirmed_at, Arrangement.created_at) < since,
                ~exists().where(
                    and_(
                        Visit.arrangement_id == Arrangement.id,
                        Visit.created_at >= since,
                        Visit.created_at <= at,
                    )
                ),
            )
        )
    active_then = or_(
        Arrangement.status == ArrangementStatus.ACTIVE,
        and_(Arrangement.status == ArrangementStatus.ENDED, Arrangement.ended_at > at),
    )
    return and_(active_then, or_(*per_frequency))


def isolated_count(community_id: int, at: datetime) -> int:
    """The community's recipients possibly isolated at ``at`` (each counted once)."""
    return int(
        db.session.scalar(
            select(func.count(func.distinct(CompanionshipRequest.recipient_id)))
            .select_from(Arrangement)
            .join(CompanionshipRequest, CompanionshipRequest.id == Arrangement.request_id)
            .where(Arrangement.community_id == community_id, isolated_condition(at))
        )
        or 0
    )
