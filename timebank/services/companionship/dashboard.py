"""The companionship, safeguarding and report figures on the coordinator dashboard,
registered in ``services.dashboard.PROVIDERS``. Four counting queries, whatever the size
of the community."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, or_, select

from timebank.extensions import db
from timebank.models import (
    Arrangement,
    ArrangementStatus,
    Community,
    CompanionshipRequest,
    PlannedStatus,
    PlannedVisit,
    Report,
    Visit,
    Wellbeing,
    utcnow,
)
from timebank.services.community.dashboard import Count
from timebank.services.companionship import safeguarding, schedule

CONCERN_DAYS = 30


def isolated_condition(now):
    """Active arrangements whose gap since the last visit (or since the match, before any)
    exceeds the agreed interval by the configured margin (issue 19); one-off ones never."""
    margin = int(current_app.config.get("COMPANIONSHIP_ISOLATION_MARGIN_DAYS", 3))
    per_frequency = []
    for frequency, days in schedule.INTERVAL_DAYS.items():
        since = now - timedelta(days=days + margin)
        per_frequency.append(
            and_(
                CompanionshipRequest.frequency == frequency,
                func.coalesce(Arrangement.confirmed_at, Arrangement.created_at) < since,
                ~exists().where(
                    and_(Visit.arrangement_id == Arrangement.id, Visit.created_at >= since)
                ),
            )
        )
    return and_(Arrangement.status == ArrangementStatus.ACTIVE, or_(*per_frequency))


def counts(community: Community) -> list[Count]:
    """Concerns raised in the last 30 days, checks expiring within 30 days, companionship
    recipients whose gap since the last visit exceeds their agreed interval, planned visits
    being followed up, open reports of listings."""
    now = utcnow()
    today = now.date()
    concerns = db.session.scalar(
        select(func.count(Visit.id))
        .join(Arrangement, Arrangement.id == Visit.arrangement_id)
        .where(
            Arrangement.community_id == community.id,
            Visit.wellbeing == Wellbeing.CONCERN,
            Visit.created_at >= now - timedelta(days=CONCERN_DAYS),
        )
    )
    expiring = len(safeguarding.expiring_checks(community, today=today))
    isolated = db.session.scalar(
        select(func.count(Arrangement.id))
        .join(CompanionshipRequest, CompanionshipRequest.id == Arrangement.request_id)
        .where(Arrangement.community_id == community.id, isolated_condition(now))
    )
    missed = db.session.scalar(
        select(func.count(PlannedVisit.id))
        .join(Arrangement, Arrangement.id == PlannedVisit.arrangement_id)
        .where(
            Arrangement.community_id == community.id,
            Arrangement.status == ArrangementStatus.ACTIVE,
            PlannedVisit.status == PlannedStatus.PLANNED,
            PlannedVisit.reminded_at.is_not(None) | PlannedVisit.offered_at.is_not(None),
        )
    )
    reported = db.session.scalar(
        select(func.count(Report.id)).where(
            Report.community_id == community.id,
            Report.status == "open",
            Report.target_type == "listing",
        )
    )
    return [
        Count("concerns", _l("Concerns raised"), concerns, "companionship.concerns"),
        Count(
            "safeguarding",
            _l("Safeguarding checks expiring in 30 days"),
            expiring,
            "safeguarding.index",
        ),
        Count(
            "isolated",
            _l("Companionship recipients possibly isolated"),
            isolated,
            "companionship.index",
        ),
        Count("missed", _l("Planned visits not logged"), missed, "companionship.missed"),
        Count("reported", _l("Listings reported"), reported, "conversations.reports"),
    ]
