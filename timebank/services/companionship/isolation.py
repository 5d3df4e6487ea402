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
from sqlalchemy import and_, case, exists, func, literal, or_, select

from timebank.extensions import db
from timebank.models import (
    Arrangement,
    ArrangementStatus,
    CompanionshipRequest,
    Visit,
)
from timebank.models.base import UTCDateTime
from timebank.services.companionship.schedule import INTERVAL_DAYS


def margin_days() -> int:
    return int(current_app.config.get("COMPANIONSHIP_ISOLATION_MARGIN_DAYS", 3))


def _active_at(at: datetime):
    """Arrangements active at ``at``: active now, or ended since."""
    return or_(
        Arrangement.status == ArrangementStatus.ACTIVE,
        and_(Arrangement.status == ArrangementStatus.ENDED, Arrangement.ended_at > at),
    )


def isolated_count(community_id: int, at: datetime) -> int:
    """The community's recipients possibly isolated at ``at`` (each counted once). The
    frequency picks the start of the quiet window (a CASE), so one anti-join serves every
    frequency: an OR of one per frequency made PostgreSQL's estimate large enough to
    compile the query (JIT), ten times slower at 3,000 arrangements."""
    margin = margin_days()
    since = case(
        *(
            (
                CompanionshipRequest.frequency == f,
                literal(at - timedelta(days=d + margin), UTCDateTime()),
            )
            for f, d in INTERVAL_DAYS.items()
        ),
        else_=None,
    )
    return int(
        db.session.scalar(
            select(func.count(func.distinct(CompanionshipRequest.recipient_id)))
            .select_from(Arrangement)
            .join(CompanionshipRequest, CompanionshipRequest.id == Arrangement.request_id)
            .where(
                Arrangement.community_id == community_id,
                CompanionshipRequest.frequency.in_(list(INTERVAL_DAYS)),
                _active_at(at),
                func.coalesce(Arrangement.confirmed_at, Arrangement.created_at) < since,
                ~exists().where(
                    Visit.arrangement_id == Arrangement.id,
                    Visit.created_at >= since,
                    Visit.created_at <= at,
                ),
            )
        )
        or 0
    )
