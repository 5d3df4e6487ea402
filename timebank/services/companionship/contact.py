"""How the matched volunteer reaches the person they keep company: the visited member's
address, phone and access notes (door code, "ring twice"). Only the volunteer of an
*active* arrangement sees them, each time audited; they vanish when the arrangement
ends. The access notes are written by the visited member, whoever asked on their behalf,
their proxy or a coordinator."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from timebank.extensions import db
from timebank.models import (
    Arrangement,
    ArrangementStatus,
    CompanionshipRequest,
    Membership,
    Profile,
    User,
)
from timebank.services import audit, permissions
from timebank.services.exceptions import InvalidInput, NotAllowed

MAX_ACCESS_NOTES = 500


@dataclass(frozen=True)
class VisitContact:
    """What the volunteer needs to get to the visit (None = not on record)."""

    arrangement: Arrangement
    name: str
    address: str | None
    phone: str | None
    access_notes: str | None


def active_arrangement_of(request: CompanionshipRequest, viewer: User | None) -> Arrangement | None:
    """The active arrangement on ``request`` in which ``viewer`` is the volunteer, or None."""
    if viewer is None or not viewer.is_authenticated:
        return None
    return db.session.scalar(
        select(Arrangement)
        .join(Membership, Membership.id == Arrangement.volunteer_id)
        .where(
            Arrangement.request_id == request.id,
            Arrangement.status == ArrangementStatus.ACTIVE,
            Membership.user_id == viewer.id,
            Membership.community_id == request.community_id,
        )
    )


def contact_for(request: CompanionshipRequest, viewer: User | None) -> VisitContact | None:
    """The visited member's contact details for ``viewer`` if they are the volunteer of an
    active arrangement on ``request`` (and still an active member), else None. Reading
    writes nothing: call ``record_view`` when the details are shown."""
    arrangement = active_arrangement_of(request, viewer)
    if arrangement is None or not arrangement.volunteer.is_active:
        return None
    recipient = request.recipient
    profile = db.session.scalar(select(Profile).where(Profile.membership_id == recipient.id))
    return VisitContact(
        arrangement=arrangement,
        name=recipient.user.display_name,
        address=profile.address if profile else None,
        phone=(profile.phone if profile else None) or recipient.user.phone,
        access_notes=request.access_notes,
    )


def record_view(contact: VisitContact, *, actor: User) -> None:
    """The volunteer was shown the visited member's contact details. Audit:
    ``companionship.contact_view`` on the arrangement (no personal data in it)."""
    arrangement = contact.arrangement
    audit.record(
        "companionship.contact_view",
        actor=actor,
        community_id=arrangement.community_id,
        obj=arrangement,
        details={"request_id": arrangement.request_id},
    )


def can_edit_access_notes(user: User | None, request: CompanionshipRequest) -> bool:
    """The visited member, whoever made the request, their proxy, or a coordinator."""
    if user is None or not user.is_authenticated:
        return False
    recipient = request.recipient
    return (
        user.id in (recipient.user_id, request.requested_by_id)
        and permissions.is_active_member(user, recipient.community)
    ) or permissions.can_act_for(user, recipient)


def set_access_notes(request: CompanionshipRequest, text: str | None, *, actor: User) -> None:
    """Record how to get in. Raises ``NotAllowed`` or ``InvalidInput`` (too long). Audit:
    ``companionship.access_notes`` (whether notes are set, never their text)."""
    if not can_edit_access_notes(actor, request):
        raise NotAllowed()
    value = (text or "").strip() or None
    if value is not None and len(value) > MAX_ACCESS_NOTES:
        raise InvalidInput(
            _l("Use at most %(n)d characters.", n=MAX_ACCESS_NOTES), field="access_notes"
        )
    request.access_notes = value
    db.session.flush()
    recipient = request.recipient
    audit.record(
        "companionship.access_notes",
        actor=actor,
        on_behalf_of=recipient.user if actor.id != recipient.user_id else None,
        community_id=request.community_id,
        obj=request,
        details={"set": value is not None},
    )
