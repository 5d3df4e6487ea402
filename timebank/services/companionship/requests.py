"""Companionship: a member (or a coordinator for someone without internet) asks for
company; a coordinator matches a volunteer, or a volunteer offers and a coordinator
confirms; each visit is logged as a ledger exchange in the ``companionship`` category with
a wellbeing check, and a concern alerts every coordinator at once.

Volunteers must hold the valid safeguarding checks the kind requires (``safeguarding``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from timebank.extensions import db
from timebank.models import (
    Arrangement,
    ArrangementStatus,
    CompanionshipKind,
    CompanionshipRequest,
    ExchangeStatus,
    Frequency,
    Membership,
    RequestStatus,
    User,
    Visit,
    Wellbeing,
    utcnow,
)
from timebank.services import audit, permissions
from timebank.services.companionship import safeguarding
from timebank.services.companionship.contact import MAX_ACCESS_NOTES
from timebank.services.exceptions import AlreadyDecided, InvalidInput, NotAllowed
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.languages import SPOKEN_LANGUAGES
from timebank.services.messaging import conversations, notifications, titles
from timebank.services.webhooks import events as webhooks

# Their requests, visits and checks join a person's data download and erasure.

CATEGORY = "companionship"
MAX_TIMES = 200
MAX_NOTES = 2000

KIND_LABELS = {
    CompanionshipKind.HOME_VISIT: _l("Home visit"),
    CompanionshipKind.CALL: _l("Phone or video call"),
    CompanionshipKind.WALK: _l("A walk together"),
    CompanionshipKind.ACCOMPANIMENT: _l("Accompaniment to an appointment"),
    CompanionshipKind.SHOPPING: _l("Shopping together"),
    CompanionshipKind.OTHER: _l("Something else"),
}
FREQUENCY_LABELS = {
    Frequency.ONCE: _l("Once"),
    Frequency.TWICE_WEEKLY: _l("Twice a week"),
    Frequency.WEEKLY: _l("Every week"),
    Frequency.FORTNIGHTLY: _l("Every two weeks"),
    Frequency.MONTHLY: _l("Every month"),
}


@dataclass
class RequestInput:
    kind: str
    frequency: str
    preferred_times: str | None
    language: str
    coordinator_notes: str | None = None
    access_notes: str | None = None


def _text(value: str | None, limit: int, field: str) -> str | None:
    value = (value or "").strip() or None
    if value is not None and len(value) > limit:
        raise InvalidInput(_l("Use at most %(n)d characters.", n=limit), field=field)
    return value


def create_request(
    recipient: Membership, *, actor: User, data: RequestInput
) -> CompanionshipRequest:
    """The recipient asks for themselves, or a coordinator asks on their behalf."""
    community = recipient.community
    on_behalf = actor.id != recipient.user_id
    if on_behalf and not permissions.can_manage_safeguarding(actor, community):
        raise NotAllowed()
    if not on_behalf and not permissions.is_active_member(actor, community):
        raise NotAllowed()
    if not recipient.is_active:
        raise InvalidInput(_l("This member is not active in the community."), field="member")
    try:
        kind, frequency = CompanionshipKind(data.kind), Frequency(data.frequency)
    except ValueError:
        raise InvalidInput(_l("Choose from the list."), field="kind") from None
    if data.language not in SPOKEN_LANGUAGES:
        raise InvalidInput(_l("Choose a language."), field="language")
    request = CompanionshipRequest(
        community_id=community.id,
        recipient_id=recipient.id,
        requested_by_id=actor.id,
        kind=kind,
        frequency=frequency,
        preferred_times=_text(data.preferred_times, MAX_TIMES, "preferred_times"),
        language=data.language,
        coordinator_notes=_text(data.coordinator_notes, MAX_NOTES, "coordinator_notes"),
        access_notes=_text(data.access_notes, MAX_ACCESS_NOTES, "access_notes"),
    )
    db.session.add(request)
    db.session.flush()
    audit.record(
        "companionship.request",
        actor=actor,
        on_behalf_of=recipient.user if on_behalf else None,
        community_id=community.id,
        obj=request,
        details={"kind": kind.value, "frequency": frequency.value},
    )
    return request


def _check_volunteer(request: CompanionshipRequest, volunteer: Membership) -> None:
    if volunteer.community_id != request.community_id or not volunteer.is_active:
        raise InvalidInput(_l("This person is not an active member."), field="volunteer")
    if volunteer.id == request.recipient_id:
        raise InvalidInput(_l("A member cannot keep themselves company."), field="volunteer")
    safeguarding.require_checks(volunteer, CATEGORY, request.kind.value, field="volunteer")


def _open(request: CompanionshipRequest) -> None:
    if request.status != RequestStatus.OPEN:
        raise AlreadyDecided(_l("This request is no longer open."))


def _existing(request: CompanionshipRequest, volunteer: Membership) -> Arrangement | None:
    return db.session.scalar(
        select(Arrangement).where(
            Arrangement.request_id == request.id, Arrangement.volunteer_id == volunteer.id
        )
    )


def offer(request: CompanionshipRequest, *, actor: User) -> Arrangement:
    """A volunteer offers to take an open request; a coordinator then confirms."""
    volunteer = permissions.membership_of(actor, request.recipient.community)
    if volunteer is None or not volunteer.is_active:
        raise NotAllowed()
    _open(request)
    _check_volunteer(request, volunteer)
    if _existing(request, volunteer) is not None:
        raise AlreadyDecided(_l("You have already offered to take this request."))
    arrangement = Arrangement(
        community_id=request.community_id,
        request_id=request.id,
        volunteer_id=volunteer.id,
        status=ArrangementStatus.OFFERED,
    )
    db.session.add(arrangement)
    db.session.flush()
    notifications.notify_coordinators(
        request.recipient.community, "offer", object_type="companionship_requests",
        object_id=request.id,
    )  # fmt: skip
    audit.record(
        "companionship.offer", actor=actor, community_id=request.community_id, obj=arrangement
    )
    return arrangement


def match(request: CompanionshipRequest, *, actor: User, volunteer: Membership) -> Arrangement:
    """A coordinator matches a volunteer (confirming their offer if they made one)."""
    community = request.recipient.community
    if not permissions.can_manage_safeguarding(actor, community):
        raise NotAllowed()
    _open(request)
    _check_volunteer(request, volunteer)
    now = utcnow()
    arrangement = _existing(request, volunteer) or Arrangement(
        community_id=request.community_id, request_id=request.id, volunteer_id=volunteer.id
    )
    arrangement.status = ArrangementStatus.ACTIVE
    arrangement.confirmed_by_id, arrangement.confirmed_at = actor.id, now
    request.status = RequestStatus.MATCHED
    db.session.add(arrangement)
    db.session.flush()
    titles.notify(
        [volunteer.user, request.recipient.user], "matched", community=community,
        object_type="companionship_arrangements", object_id=arrangement.id,
    )  # fmt: skip
    audit.record(
        "companionship.match",
        actor=actor,
        community_id=community.id,
        obj=arrangement,
        details={"request_id": request.id, "volunteer_id": volunteer.id},
    )
    return arrangement


def end(arrangement: Arrangement, *, actor: User) -> Arrangement:
    community = arrangement.request.recipient.community
    if not permissions.can_manage_safeguarding(actor, community):
        raise NotAllowed()
    if arrangement.status != ArrangementStatus.ACTIVE:
        raise AlreadyDecided()
    arrangement.status, arrangement.ended_at = ArrangementStatus.ENDED, utcnow()
    arrangement.request.status = RequestStatus.CLOSED
    db.session.flush()
    audit.record("companionship.end", actor=actor, community_id=community.id, obj=arrangement)
    return arrangement


def log_visit(
    arrangement: Arrangement,
    *,
    actor: User,
    minutes: int,
    service_date: date,
    wellbeing: str,
    concern_note: str | None,
    idempotency_key: str,
    link: str = "",
    stand_in: Membership | None = None,
) -> Visit:
    """The volunteer (or a coordinator) logs a visit: an exchange from the volunteer to
    the recipient through ``exchanges.record`` (so it follows the ledger lifecycle), and
    the wellbeing check. Logged by a coordinator for the volunteer, the visit is a
    coordinator decision (``confirm_as_coordinator``, docs/consent.md); logged by the
    volunteer, the visited member confirms it. A concern notifies every coordinator (in-app
    and e-mail). A ``stand_in`` (issue 19, checked by ``standin.log``) gives the visit in
    place of the volunteer."""
    if stand_in is None and not permissions.can_log_visit(actor, arrangement):
        raise NotAllowed(_l("Only the volunteer or a coordinator can log a visit."))
    request = arrangement.request
    community = request.recipient.community
    try:
        state = Wellbeing(wellbeing)
    except ValueError:
        raise InvalidInput(_l("Say how the visit went."), field="wellbeing") from None
    note = _text(concern_note, MAX_NOTES, "concern_note")
    if state == Wellbeing.CONCERN and note is None:
        raise InvalidInput(_l("Describe the concern."), field="concern_note")
    volunteer = stand_in or arrangement.volunteer
    safeguarding.require_checks(volunteer, CATEGORY, request.kind.value)
    on_behalf = actor.id != volunteer.user_id
    exchange = exchanges.record(
        community,
        actor=actor,
        provider=volunteer,
        recipient=request.recipient,
        minutes=minutes,
        service_date=service_date,
        category=CATEGORY,
        idempotency_key=idempotency_key,
        description=str(KIND_LABELS[request.kind]),
        on_behalf_of=volunteer if on_behalf else None,
    )
    if on_behalf and exchange.status == ExchangeStatus.RECORDED:
        # A coordinator logging the visit for the volunteer decides it in place of the
        # visited member's confirmation: a coordinator decision (docs/consent.md).
        exchanges.confirm_as_coordinator(exchange, actor=actor)
    existing = db.session.scalar(select(Visit).where(Visit.exchange_id == exchange.id))
    if existing is not None:  # an idempotent replay
        return existing
    visit = Visit(
        arrangement_id=arrangement.id,
        exchange_id=exchange.id,
        logged_by_id=actor.id,
        wellbeing=state,
        concern_note=note if state == Wellbeing.CONCERN else None,
    )
    db.session.add(visit)
    db.session.flush()
    if state == Wellbeing.CONCERN:
        visit.alert_raised_at = utcnow()
        conversations.open_to_coordinators(conversations.between(volunteer, request.recipient))
        notifications.notify_coordinators(
            community, "concern", object_type="companionship_visits", object_id=visit.id,
            link=link,
        )  # fmt: skip
        webhooks.concern_raised(community.id, visit)
    audit.record(
        "companionship.concern" if state == Wellbeing.CONCERN else "companionship.visit",
        actor=actor,
        community_id=community.id,
        obj=visit,
        details={"exchange_id": exchange.id, "arrangement_id": arrangement.id},
    )
    return visit
