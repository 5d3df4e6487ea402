"""Companionship in the privacy rights (DESIGN.md §8): a person's companionship requests,
the visits they logged and their safeguarding checks join their data download, and the
free text about them or by them (preferred times, coordinators' notes, concern notes,
check notes) is erased with the rest. The privacy orchestrator (``services/privacy.py``)
calls ``export`` and ``erase`` with the person's membership ids."""

from __future__ import annotations

from sqlalchemy import delete, or_, select, update

from timebank.extensions import db
from timebank.models import (
    Arrangement,
    CompanionshipRequest,
    PlannedVisit,
    SafeguardingCheck,
    User,
    Visit,
    VisitFeed,
)


def export(user: User, ids: list[int]) -> dict:
    """Requests for the person, visits they logged, and their checks (without the
    coordinators' internal notes, which may name others)."""
    requests = db.session.scalars(
        select(CompanionshipRequest)
        .where(CompanionshipRequest.recipient_id.in_(ids))
        .order_by(CompanionshipRequest.id)
    ).all()
    visits = db.session.scalars(
        select(Visit).where(Visit.logged_by_id == user.id).order_by(Visit.id)
    ).all()
    checks = db.session.scalars(
        select(SafeguardingCheck)
        .where(SafeguardingCheck.membership_id.in_(ids))
        .order_by(SafeguardingCheck.id)
    ).all()
    return {
        "companionship_requests": [
            {
                "kind": r.kind.value,
                "frequency": r.frequency.value,
                "preferred_times": r.preferred_times,
                "access_notes": r.access_notes,
                "language": r.language,
                "status": r.status.value,
                "created_at": r.created_at.isoformat(),
            }
            for r in requests
        ],
        "visits_logged": [
            {
                "exchange_id": v.exchange_id,
                "wellbeing": v.wellbeing.value,
                "concern_note": v.concern_note,
                "created_at": v.created_at.isoformat(),
            }
            for v in visits
        ],
        "safeguarding_checks": [
            {
                "check_type": c.check_type.value,
                "checked_on": c.checked_on.isoformat(),
                "expires_on": c.expires_on.isoformat() if c.expires_on else None,
            }
            for c in checks
        ],
    }


def erase(user: User, ids: list[int]) -> None:
    """Empty the free text by the person or about them; the rows keep ids and dates."""
    their_requests = select(CompanionshipRequest.id).where(
        CompanionshipRequest.recipient_id.in_(ids)
    )
    about_them = select(Arrangement.id).where(
        or_(Arrangement.volunteer_id.in_(ids), Arrangement.request_id.in_(their_requests))
    )
    statements = (
        update(CompanionshipRequest)
        .where(
            or_(
                CompanionshipRequest.recipient_id.in_(ids),
                CompanionshipRequest.requested_by_id == user.id,
            )
        )
        .values(preferred_times=None, coordinator_notes=None, access_notes=None),
        update(Visit)
        .where(or_(Visit.logged_by_id == user.id, Visit.arrangement_id.in_(about_them)))
        .values(concern_note=None),
        update(SafeguardingCheck).where(SafeguardingCheck.membership_id.in_(ids)).values(note=None),
        # Issue 19: reasons for skipped and moved visits (also those the member wrote about
        # another's visit); the secret calendar address stops working.
        update(PlannedVisit)
        .where(
            or_(PlannedVisit.arrangement_id.in_(about_them), PlannedVisit.moved_by_id == user.id)
        )
        .values(reason=None),
        delete(VisitFeed).where(VisitFeed.membership_id.in_(ids)),
    )
    for statement in statements:
        db.session.execute(statement.execution_options(synchronize_session="fetch"))
