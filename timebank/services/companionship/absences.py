"""Volunteer absences (issue 19): a volunteer declares the dates they are away; the
escalation job offers their planned visits in that range to stand-ins at once, without
reminding them."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from timebank.extensions import db
from timebank.models import Membership, User, VolunteerAbsence
from timebank.services import audit
from timebank.services.companionship import schedule
from timebank.services.exceptions import InvalidInput, NotAllowed

MAX_DAYS = 366


def declare(
    membership: Membership | None, *, actor: User, starts_on: date | None, ends_on: date | None
) -> VolunteerAbsence:
    if membership is None or membership.user_id != actor.id:
        raise NotAllowed(_l("Only the volunteer can declare their absence."))
    if starts_on is None:
        raise InvalidInput(_l("Enter the first day you are away."), field="starts_on")
    if ends_on is None:
        raise InvalidInput(_l("Enter the last day you are away."), field="ends_on")
    if ends_on < starts_on:
        raise InvalidInput(_l("The last day cannot be before the first."), field="ends_on")
    if ends_on < schedule.local_today():
        raise InvalidInput(_l("The absence is already over."), field="ends_on")
    if (ends_on - starts_on) > timedelta(days=MAX_DAYS):
        raise InvalidInput(_l("Declare at most a year at a time."), field="ends_on")
    absence = VolunteerAbsence(membership_id=membership.id, starts_on=starts_on, ends_on=ends_on)
    db.session.add(absence)
    db.session.flush()
    audit.record(
        "companionship.absence", actor=actor, community_id=membership.community_id, obj=absence
    )
    return absence


def of(membership: Membership | None) -> list[VolunteerAbsence]:
    """The member's absences that are not over, soonest first."""
    if membership is None:
        return []
    return list(
        db.session.scalars(
            select(VolunteerAbsence)
            .where(
                VolunteerAbsence.membership_id == membership.id,
                VolunteerAbsence.ends_on >= schedule.local_today(),
            )
            .order_by(VolunteerAbsence.starts_on)
        )
    )


def covers(membership_id: int, day: date) -> bool:
    found = db.session.scalar(
        select(VolunteerAbsence.id)
        .where(
            VolunteerAbsence.membership_id == membership_id,
            VolunteerAbsence.starts_on <= day,
            VolunteerAbsence.ends_on >= day,
        )
        .limit(1)
    )
    return found is not None
