"""Factories for companionship, safeguarding and messaging objects (committed), and the
objects the route walk needs for its URL arguments."""

from __future__ import annotations

from datetime import timedelta

from timebank.extensions import db
from timebank.models import (
    Arrangement,
    ArrangementStatus,
    CheckType,
    CompanionshipKind,
    CompanionshipRequest,
    Conversation,
    Frequency,
    Membership,
    Message,
    Notification,
    Report,
    SafeguardingCheck,
    utcnow,
)


def membership(user, community) -> Membership:
    return user.membership_in(community.id)


def make_request(recipient: Membership, *, kind=CompanionshipKind.HOME_VISIT, notes=None):
    request = CompanionshipRequest(
        community_id=recipient.community_id,
        recipient_id=recipient.id,
        requested_by_id=recipient.user_id,
        kind=kind,
        frequency=Frequency.WEEKLY,
        language="en",
        preferred_times="Mornings",
        coordinator_notes=notes,
    )
    db.session.add(request)
    db.session.commit()
    return request


def make_check(member: Membership, verifier, check_type=CheckType.BACKGROUND, *, days=365):
    today = utcnow().date()
    check = SafeguardingCheck(
        membership_id=member.id,
        check_type=check_type,
        checked_on=today - timedelta(days=1),
        expires_on=today + timedelta(days=days),
        verified_by_id=verifier.id,
    )
    db.session.add(check)
    db.session.commit()
    return check


def make_arrangement(request: CompanionshipRequest, volunteer: Membership, confirmer):
    arrangement = Arrangement(
        community_id=request.community_id,
        request_id=request.id,
        volunteer_id=volunteer.id,
        status=ArrangementStatus.ACTIVE,
        confirmed_by_id=confirmer.id,
        confirmed_at=utcnow(),
    )
    db.session.add(arrangement)
    db.session.commit()
    return arrangement


# The route walk: each object involves ``world.member`` so the member sees the page.


def request_for(world):
    return make_request(membership(world.member, world.community))


def arrangement_for(world):
    request = make_request(membership(world.community_admin, world.community))
    return make_arrangement(request, membership(world.member, world.community), world.coordinator)


def check_for(world):
    return make_check(membership(world.member, world.community), world.coordinator)


def make_notification(user, community=None, *, kind="matched", object_type=None, object_id=None):
    note = Notification(
        user_id=user.id,
        community_id=community.id if community is not None else None,
        kind=kind,
        object_type=object_type,
        object_id=object_id,
    )
    db.session.add(note)
    db.session.commit()
    return note


def notification_for(world):
    """For the ``login`` level, whose user in the walk is the applicant."""
    return make_notification(world.applicant, world.community)


def make_conversation(starter: Membership, other: Membership, *, body="Hello", opened=False):
    conversation = Conversation(
        community_id=starter.community_id,
        starter_id=starter.id,
        other_id=other.id,
        opened_to_coordinators_at=utcnow() if opened else None,
    )
    db.session.add(conversation)
    db.session.flush()
    db.session.add(Message(conversation_id=conversation.id, author_id=starter.id, body=body))
    db.session.commit()
    return conversation


def conversation_for(world):
    """Between the member and the community admin, reported (so coordinators and site
    admins may read it)."""
    return make_conversation(
        membership(world.member, world.community),
        membership(world.community_admin, world.community),
        opened=True,
    )


def report_for(world):
    report = Report(
        community_id=world.community.id,
        reporter_id=membership(world.member, world.community).id,
        target_type="member",
        target_id=membership(world.community_admin, world.community).id,
        reason="Rude",
    )
    db.session.add(report)
    db.session.commit()
    return report
