"""The companionship, safeguarding and report figures on the coordinator dashboard,
registered in ``services.dashboard.PROVIDERS``. Four counting queries, whatever the size
of the community."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from timebank.extensions import db
from timebank.models import (
    Arrangement,
    ArrangementStatus,
    Community,
    PlannedStatus,
    PlannedVisit,
    Report,
    Visit,
    Wellbeing,
    utcnow,
)
from timebank.services.community.dashboard import Count
from timebank.services.companionship import isolation, safeguarding

CONCERN_DAYS = 30


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
    isolated = isolation.isolated_count(community.id, now)
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
