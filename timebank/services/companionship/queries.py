"""Read-only queries of the companionship pages: candidates for a request (with the
checks they miss), request and arrangement lists, visits and concerns."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from timebank.extensions import db
from timebank.models import (
    Arrangement,
    ArrangementStatus,
    CompanionshipRequest,
    Membership,
    Profile,
    Visit,
    Wellbeing,
)
from timebank.services.companionship import safeguarding

CATEGORY = "companionship"


def candidates(
    request: CompanionshipRequest, *, language: bool = True, neighbourhood: bool = False
) -> list[tuple[Membership, list]]:
    """Active members who could be matched, each with the checks they miss (an empty
    list means they can be matched), optionally filtered by language (members who list no
    language are kept) and neighbourhood; eligible ones first."""
    query = (
        select(Membership, Profile)
        .outerjoin(Profile, Profile.membership_id == Membership.id)
        .options(joinedload(Membership.user))
        .where(
            Membership.community_id == request.community_id,
            Membership.status == "active",
            Membership.id != request.recipient_id,
        )
        .order_by(Membership.member_number)
    )
    recipient_profile = db.session.scalar(
        select(Profile).where(Profile.membership_id == request.recipient_id)
    )
    home = recipient_profile.neighbourhood if recipient_profile else None
    result = []
    for membership, profile in db.session.execute(query).all():
        spoken = profile.language_codes if profile is not None else []
        if language and spoken and request.language not in spoken:
            continue
        if neighbourhood and home and (profile is None or profile.neighbourhood != home):
            continue
        missing = safeguarding.missing_checks(membership, CATEGORY, request.kind.value)
        result.append((membership, missing))
    result.sort(key=lambda pair: bool(pair[1]))
    return result


def requests_query(community_id: int, *, status: str | None = None):
    query = (
        select(CompanionshipRequest)
        .options(joinedload(CompanionshipRequest.recipient).joinedload(Membership.user))
        .where(CompanionshipRequest.community_id == community_id)
        .order_by(CompanionshipRequest.created_at.desc(), CompanionshipRequest.id.desc())
    )
    if status:
        query = query.where(CompanionshipRequest.status == status)
    return query


def arrangements_of(request: CompanionshipRequest) -> list[Arrangement]:
    return list(
        db.session.scalars(
            select(Arrangement)
            .options(joinedload(Arrangement.volunteer).joinedload(Membership.user))
            .where(Arrangement.request_id == request.id)
            .order_by(Arrangement.id)
        )
    )


def visits_of(arrangement: Arrangement) -> list[Visit]:
    return list(
        db.session.scalars(
            select(Visit)
            .where(Visit.arrangement_id == arrangement.id)
            .order_by(Visit.created_at.desc(), Visit.id.desc())
        )
    )


def active_members(community) -> list[Membership]:
    return list(
        db.session.scalars(
            select(Membership)
            .options(joinedload(Membership.user))
            .where(Membership.community_id == community.id, Membership.status == "active")
            .order_by(Membership.member_number)
        )
    )


def member_overview(membership: Membership) -> tuple[list, list]:
    """A member's own requests and the arrangements they volunteer in."""
    own = list(
        db.session.scalars(
            select(CompanionshipRequest)
            .where(CompanionshipRequest.recipient_id == membership.id)
            .order_by(CompanionshipRequest.id.desc())
            .limit(20)
        )
    )
    volunteering = list(
        db.session.scalars(
            select(Arrangement)
            .options(
                joinedload(Arrangement.request)
                .joinedload(CompanionshipRequest.recipient)
                .joinedload(Membership.user)
            )
            .where(
                Arrangement.volunteer_id == membership.id,
                Arrangement.status.in_([ArrangementStatus.OFFERED, ArrangementStatus.ACTIVE]),
            )
            .order_by(Arrangement.id.desc())
            .limit(20)
        )
    )
    return own, volunteering


def concerns_query(community_id: int):
    """Visits with a concern, newest first, with the people involved loaded."""
    return (
        select(Visit)
        .join(Arrangement, Arrangement.id == Visit.arrangement_id)
        .options(
            joinedload(Visit.arrangement)
            .joinedload(Arrangement.volunteer)
            .joinedload(Membership.user),
            joinedload(Visit.arrangement)
            .joinedload(Arrangement.request)
            .joinedload(CompanionshipRequest.recipient)
            .joinedload(Membership.user),
        )
        .where(Arrangement.community_id == community_id, Visit.wellbeing == Wellbeing.CONCERN)
        .order_by(Visit.created_at.desc(), Visit.id.desc())
    )
