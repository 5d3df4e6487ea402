"""Stand-in volunteers (issue 19): two days after a planned visit that did not happen, it
is offered to members who hold the checks the kind requires and speak the visited
member's language (``escalation``); the first to accept takes that one visit and logs it,
which closes its escalation."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from timebank.database import changed
from timebank.extensions import db
from timebank.models import (
    ArrangementStatus,
    Community,
    Membership,
    PlannedStatus,
    PlannedVisit,
    User,
    Visit,
)
from timebank.services import audit, permissions
from timebank.services.companionship import escalation
from timebank.services.companionship import requests as companionship
from timebank.services.exceptions import AlreadyDecided, InvalidInput, NotAllowed


def _eligible(planned: PlannedVisit, membership: Membership | None) -> bool:
    if membership is None:
        return False
    return membership.id in {m.id for m in escalation.stand_ins(planned.arrangement)}


def offer_for(community: Community, planned_id: int, viewer: User) -> PlannedVisit | None:
    """The planned visit ``planned_id`` of ``community`` if ``viewer`` may see its offer:
    those who see the arrangement, the stand-in who took it, or, while it is open, an
    eligible stand-in. Else None."""
    planned = db.session.get(PlannedVisit, planned_id)
    if planned is None or planned.arrangement.community_id != community.id:
        return None
    if permissions.can_view_arrangement(viewer, planned.arrangement):
        return planned
    mine = permissions.membership_of(viewer, community)
    if mine is not None and planned.stand_in_id == mine.id:
        return planned
    if is_open(planned) and _eligible(planned, mine):
        return planned
    return None


def is_open(planned: PlannedVisit) -> bool:
    return (
        planned.offered_at is not None
        and planned.stand_in_id is None
        and planned.status == PlannedStatus.PLANNED
        and planned.arrangement.status == ArrangementStatus.ACTIVE
    )


def accept(planned: PlannedVisit, *, actor: User) -> PlannedVisit:
    """The first eligible stand-in to accept takes this one visit (compare-and-set)."""
    community = planned.arrangement.request.recipient.community
    mine = permissions.membership_of(actor, community)
    if not _eligible(planned, mine):
        raise NotAllowed(_l("Only a volunteer with the required checks can stand in."))
    assert mine is not None
    if not is_open(planned) or not changed(
        update(PlannedVisit)
        .where(PlannedVisit.id == planned.id, PlannedVisit.stand_in_id.is_(None))
        .values(stand_in_id=mine.id)
        .execution_options(synchronize_session=False)
    ):
        raise AlreadyDecided(_l("Another volunteer has already taken this visit."))
    planned.stand_in_id = mine.id
    audit.record("companionship.stand_in", actor=actor, community_id=community.id, obj=planned)
    return planned


def log(
    planned: PlannedVisit,
    *,
    actor: User,
    minutes: int,
    service_date: date,
    wellbeing: str,
    concern_note: str | None,
    idempotency_key: str,
    link: str = "",
) -> Visit:
    """The stand-in who accepted logs the visit: it closes the planned visit."""
    community = planned.arrangement.request.recipient.community
    mine = permissions.membership_of(actor, community)
    if mine is None or planned.stand_in_id != mine.id:
        raise NotAllowed(_l("Only the stand-in who accepted can log this visit."))
    if service_date < planned.on:
        raise InvalidInput(_l("The visit cannot be before the planned date."), field="service_date")
    visit = companionship.log_visit(
        planned.arrangement, actor=actor, minutes=minutes, service_date=service_date,
        wellbeing=wellbeing, concern_note=concern_note, idempotency_key=idempotency_key,
        link=link, stand_in=mine,
    )  # fmt: skip
    planned.status, planned.visit_id = PlannedStatus.DONE, visit.id
    db.session.flush()
    return visit
