"""Companionship requests and arrangements as cursor-paged lists (the JSON API's): the
coordinators see the whole community's; a volunteer sees their own arrangements and the
requests they are matched to (active arrangements), nothing else. Newest first by id
(stable), seeking below the last id seen."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from timebank.extensions import db
from timebank.models import (
    Arrangement,
    ArrangementStatus,
    Community,
    CompanionshipRequest,
    Membership,
)

MAX_LIMIT = 100


def _cut(found: list, limit: int) -> tuple[list, int | None]:
    shown = found[:limit]
    return shown, (shown[-1].id if len(found) > limit else None)


def requests(
    community: Community,
    *,
    volunteer: Membership | None,
    status: str | None,
    before: int | None,
    limit: int,
) -> tuple[list[CompanionshipRequest], int | None]:
    """The community's requests (``volunteer`` None: a coordinator's list), or those
    ``volunteer`` is matched to by an active arrangement; optionally of one ``status``."""
    limit = max(1, min(limit, MAX_LIMIT))
    query = (
        select(CompanionshipRequest)
        .options(joinedload(CompanionshipRequest.recipient).joinedload(Membership.user))
        .where(CompanionshipRequest.community_id == community.id)
        .order_by(CompanionshipRequest.id.desc())
        .limit(limit + 1)
    )
    if volunteer is not None:
        matched = select(Arrangement.request_id).where(
            Arrangement.volunteer_id == volunteer.id,
            Arrangement.status == ArrangementStatus.ACTIVE,
        )
        query = query.where(CompanionshipRequest.id.in_(matched))
    if status:
        query = query.where(CompanionshipRequest.status == status)
    if before is not None:
        query = query.where(CompanionshipRequest.id < before)
    return _cut(list(db.session.scalars(query)), limit)


def arrangements(
    community: Community,
    *,
    volunteer: Membership | None,
    status: str | None,
    before: int | None,
    limit: int,
) -> tuple[list[Arrangement], int | None]:
    """The community's arrangements (``volunteer`` None: a coordinator's list), or
    ``volunteer``'s own; optionally of one ``status``."""
    limit = max(1, min(limit, MAX_LIMIT))
    query = (
        select(Arrangement)
        .options(
            joinedload(Arrangement.volunteer).joinedload(Membership.user),
            joinedload(Arrangement.request)
            .joinedload(CompanionshipRequest.recipient)
            .joinedload(Membership.user),
        )
        .where(Arrangement.community_id == community.id)
        .order_by(Arrangement.id.desc())
        .limit(limit + 1)
    )
    if volunteer is not None:
        query = query.where(Arrangement.volunteer_id == volunteer.id)
    if status:
        query = query.where(Arrangement.status == status)
    if before is not None:
        query = query.where(Arrangement.id < before)
    return _cut(list(db.session.scalars(query)), limit)
