"""Moving a planned visit to another day (issue 19). The volunteer, the visited member or
a coordinator moves one coming visit, with a reason; the other party is told, and sees
the new day, the reason and who moved it with the next visits. The escalation then
follows the new day (``escalation`` reads ``schedule.slots``).

Limits: the new day is today or later, not a day another visit of the arrangement already
takes, and at most ``MAX_DAYS`` from the planned date; the volunteer may move a visit by at
most ``COMPANIONSHIP_VOLUNTEER_MOVE_DAYS`` (default 2) days either way, so a visit cannot
drift away from the day the member agreed. A visit a stand-in has taken is not moved."""

from __future__ import annotations

from datetime import date

from flask import current_app
from flask_babel import format_date, ngettext
from flask_babel import lazy_gettext as _l

from timebank.extensions import db
from timebank.i18n import local_digits
from timebank.models import Arrangement, ArrangementStatus, PlannedStatus, PlannedVisit, User
from timebank.services import audit, permissions
from timebank.services.companionship import schedule
from timebank.services.exceptions import InvalidInput, NotAllowed
from timebank.services.messaging import notifications

MAX_DAYS = 28


def volunteer_limit() -> int:
    return int(current_app.config.get("COMPANIONSHIP_VOLUNTEER_MOVE_DAYS", 2))


def _party(actor: User, arrangement: Arrangement) -> str | None:
    """ "volunteer", "member" or "coordinator": who moves (None: nobody who may)."""
    if actor.id == arrangement.volunteer.user_id:
        return "volunteer"
    if actor.id == arrangement.request.recipient.user_id:
        return "member"
    if permissions.can_edit_schedule(actor, arrangement):
        return "coordinator"
    return None


def _check_day(arrangement: Arrangement, slot: schedule.Slot, to: date | None, who: str) -> date:
    if to is None:
        raise InvalidInput(_l("Enter the new day of the visit."), field="to")
    if to < schedule.local_today():
        raise InvalidInput(_l("The new day cannot be in the past."), field="to")
    if to == slot.on:
        raise InvalidInput(_l("Choose a different day from the planned one."), field="to")
    limit = volunteer_limit() if who == "volunteer" else MAX_DAYS
    if abs((to - slot.planned_on).days) > limit:
        raise InvalidInput(
            local_digits(
                ngettext(
                    "Move the visit by at most %(num)d day from its planned day.",
                    "Move the visit by at most %(num)d days from its planned day.",
                    limit,
                )
            ),
            field="to",
        )
    taken = schedule.slots(arrangement, to, to)
    if any(s.planned_on != slot.planned_on and not s.skipped for s in taken):
        raise InvalidInput(_l("Another visit is already planned on that day."), field="to")
    return to


def _tell(arrangement: Arrangement, moved: PlannedVisit, who: str) -> None:
    """Tell the other party (both, when a coordinator moved it), each in their language."""
    volunteer, member = arrangement.volunteer.user, arrangement.request.recipient.user
    told = {"volunteer": [member], "member": [volunteer]}.get(who, [volunteer, member])
    old, new = moved.planned_on, moved.on
    notifications.notify_all(
        told,
        "visit_moved",
        subject=_l("A companionship visit was moved"),
        body=lambda locale: str(
            _l(
                "The visit planned for %(old)s is moved to %(new)s.",
                old=local_digits(format_date(old, "full")),
                new=local_digits(format_date(new, "full")),
            )
        ),
        community=arrangement.request.recipient.community,
        object_type="companionship_arrangements",
        object_id=arrangement.id,
    )


def move(
    arrangement: Arrangement,
    planned_on: date | None,
    *,
    actor: User,
    to: date | None,
    reason: str | None,
) -> PlannedVisit:
    """Move the coming visit planned on ``planned_on`` to ``to``, with a reason; any
    escalation step taken for it starts again from the new day. Raises NotAllowed,
    InvalidInput."""
    who = _party(actor, arrangement)
    if who is None or arrangement.status != ArrangementStatus.ACTIVE:
        raise NotAllowed(_l("Only the volunteer, the member or a coordinator can move a visit."))
    slot = next((s for s in schedule.upcoming(arrangement) if s.planned_on == planned_on), None)
    if slot is None:
        raise InvalidInput(_l("Choose one of the planned visits."), field="day")
    if slot.stored is not None and slot.stored.stand_in_id is not None:
        raise InvalidInput(_l("A stand-in volunteer has taken this visit."), field="day")
    day = _check_day(arrangement, slot, to, who)
    text = (reason or "").strip()
    if not text:
        raise InvalidInput(_l("Say why the visit is moved."), field="reason")
    if len(text) > schedule.MAX_REASON:
        raise InvalidInput(
            _l("Use at most %(n)d characters.", n=schedule.MAX_REASON), field="reason"
        )
    planned = slot.stored
    if planned is None:
        planned = PlannedVisit(arrangement_id=arrangement.id, planned_on=slot.planned_on)
        db.session.add(planned)
    planned.moved_to = None if day == slot.planned_on else day
    planned.moved_by_id, planned.reason, planned.status = actor.id, text, PlannedStatus.PLANNED
    planned.reminded_at = planned.offered_at = planned.alerted_at = None
    db.session.flush()
    audit.record(
        "companionship.visit_moved", actor=actor, community_id=arrangement.community_id,
        obj=planned, details={"from": slot.on.isoformat(), "to": day.isoformat()},
    )  # fmt: skip
    _tell(arrangement, planned, who)
    return planned


def limits_text(arrangement: Arrangement, actor: User) -> object:
    """The limit that applies to ``actor``, for the form's hint."""
    days = volunteer_limit() if _party(actor, arrangement) == "volunteer" else MAX_DAYS
    return local_digits(
        ngettext(
            "You can move a visit by up to %(num)d day from its planned day.",
            "You can move a visit by up to %(num)d days from its planned day.",
            days,
        )
    )
