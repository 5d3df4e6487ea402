"""Read-only queries of the companionship pages: a request or arrangement as one viewer
may see it, candidates for a request (with the checks they miss), request and arrangement
lists, visits and concerns."""

from __future__ import annotations

from dataclasses import dataclass

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import and_, case, func, or_, select, true
from sqlalchemy.orm import joinedload

from timebank.extensions import db
from timebank.models import (
    Arrangement,
    ArrangementStatus,
    CheckType,
    Community,
    CompanionshipRequest,
    Membership,
    Profile,
    RequestStatus,
    SafeguardingCheck,
    User,
    Visit,
    Wellbeing,
)
from timebank.services import paging, permissions
from timebank.services.companionship import contact, safeguarding

CATEGORY = "companionship"


def request_for(community: Community, request_id: int, viewer: User) -> CompanionshipRequest | None:
    """The request ``request_id`` of ``community`` if ``viewer`` may see it (else None):
    an open request is visible to every member (so volunteers can offer); the others to
    the recipient, the coordinators and the volunteer of an active arrangement on it."""
    found = db.session.scalar(
        select(CompanionshipRequest)
        .options(joinedload(CompanionshipRequest.recipient).joinedload(Membership.user))
        .where(
            CompanionshipRequest.id == request_id,
            CompanionshipRequest.community_id == community.id,
        )
    )
    if found is None or found.status == RequestStatus.OPEN:
        return found
    if found.recipient.user_id == viewer.id or permissions.can_manage_safeguarding(
        viewer, community
    ):
        return found
    return found if contact.active_arrangement_of(found, viewer) is not None else None


def arrangement_for(community: Community, arrangement_id: int, viewer: User) -> Arrangement | None:
    """The arrangement ``arrangement_id`` of ``community`` if ``viewer`` may see it (the
    volunteer, the visited member and the coordinators), else None."""
    found = db.session.get(Arrangement, arrangement_id)
    if found is None or found.community_id != community.id:
        return None
    return found if permissions.can_view_arrangement(viewer, found) else None


@dataclass(frozen=True)
class RequestView:
    """What the page of one request shows to one viewer."""

    is_recipient: bool
    # The checks the viewer lacks to offer (none for the recipient or a non-member).
    missing: list[CheckType]
    # The arrangements the viewer may see: all for a coordinator, else the viewer's own
    # (as the volunteer or the visited member).
    arrangements: list[Arrangement]
    # The viewer has offered (or been matched) for this request.
    offered: bool


def request_view(request: CompanionshipRequest, viewer: User, *, coordinator: bool) -> RequestView:
    """The viewer's side of ``request``: are they its recipient, which checks they miss to
    offer, the arrangements they may see, and whether they offered already."""
    community = db.session.get(Community, request.community_id)
    membership = permissions.membership_of(viewer, community) if community else None
    own = membership is not None and membership.id == request.recipient_id
    missing = (
        safeguarding.missing_checks(membership, CATEGORY, request.kind.value)
        if membership is not None and not own
        else []
    )
    arrangements = arrangements_of(request)
    recipient = request.recipient.user_id
    return RequestView(
        is_recipient=own,
        missing=missing,
        arrangements=[
            a for a in arrangements if coordinator or viewer.id in (a.volunteer.user_id, recipient)
        ],
        offered=any(
            membership is not None and a.volunteer_id == membership.id for a in arrangements
        ),
    )


def _home(profile: Profile | None) -> tuple[int | None, str | None] | None:
    """Where a member lives, comparable between members: their entry of the list, or
    their own words (trimmed, case-folded) when it is not listed; None when not given."""
    if profile is None or not (profile.neighbourhood_id or (profile.neighbourhood or "").strip()):
        return None
    if profile.neighbourhood_id:
        return profile.neighbourhood_id, None
    return None, " ".join((profile.neighbourhood or "").split()).casefold()


def _candidates_query(
    request: CompanionshipRequest,
    needed: set[CheckType],
    *,
    language: bool,
    neighbourhood: bool,
    eligible_only: bool = False,
):
    """Active members other than the visited one, filtered in SQL by language (members
    who list none are kept) and neighbourhood; those holding every needed check first
    (then by member number)."""
    today = safeguarding.check_day()
    holds = [
        select(SafeguardingCheck.id)
        .where(
            SafeguardingCheck.membership_id == Membership.id,
            SafeguardingCheck.check_type == check,
            SafeguardingCheck.revoked_at.is_(None),
            or_(SafeguardingCheck.expires_on.is_(None), SafeguardingCheck.expires_on >= today),
        )
        .exists()
        for check in sorted(needed)
    ]
    eligible = and_(*holds) if holds else true()
    query = (
        select(Membership)
        .outerjoin(Profile, Profile.membership_id == Membership.id)
        .options(joinedload(Membership.user))
        .where(
            Membership.community_id == request.community_id,
            Membership.status == "active",
            Membership.id != request.recipient_id,
        )
        .order_by(case((eligible, 0), else_=1), Membership.member_number)
    )
    if eligible_only:
        query = query.where(eligible)
    if language:
        spoken = func.coalesce(Profile.languages, "")
        query = query.where(
            or_(func.trim(spoken) == "", (" " + spoken + " ").like(f"% {request.language} %"))
        )
    home = _home(
        db.session.scalar(select(Profile).where(Profile.membership_id == request.recipient_id))
    )
    if neighbourhood and home is not None:
        place, words = home
        query = query.where(
            Profile.neighbourhood_id == place
            if place is not None
            else and_(
                Profile.neighbourhood_id.is_(None),
                func.lower(func.trim(Profile.neighbourhood)) == words,
            )
        )
    return query


def _missing(members: list[Membership], needed: set[CheckType]) -> dict[int, list[CheckType]]:
    """The needed checks each of ``members`` lacks today, in a stable order (one read)."""
    if not needed or not members:
        return {m.id: [] for m in members}
    today = safeguarding.check_day()
    held: dict[int, set[CheckType]] = {m.id: set() for m in members}
    for check in db.session.scalars(
        select(SafeguardingCheck).where(
            SafeguardingCheck.membership_id.in_(held), SafeguardingCheck.check_type.in_(needed)
        )
    ):
        if check.is_valid(today):
            held[check.membership_id].add(check.check_type)
    return {m.id: [t for t in CheckType if t in needed - held[m.id]] for m in members}


def _needed(request: CompanionshipRequest) -> set[CheckType]:
    community = db.session.get_one(Community, request.community_id)
    return safeguarding.required_checks(community, CATEGORY, request.kind.value)


def candidates(
    request: CompanionshipRequest,
    *,
    language: bool = True,
    neighbourhood: bool = False,
    eligible_only: bool = False,
) -> list[tuple[Membership, list]]:
    """Active members who could be matched, each with the checks they miss (an empty
    list means they can be matched), optionally filtered by language (members who list no
    language are kept) and neighbourhood; eligible ones first."""
    needed = _needed(request)
    query = _candidates_query(
        request, needed, language=language, neighbourhood=neighbourhood,
        eligible_only=eligible_only,
    )  # fmt: skip
    members = list(db.session.scalars(query).unique())
    missing = _missing(members, needed)
    return [(m, missing[m.id]) for m in members]


def candidates_page(
    request: CompanionshipRequest,
    *,
    language: bool = True,
    neighbourhood: bool = False,
    page: int = 1,
    per_page: int = 50,
) -> tuple[Pagination, dict[int, list[CheckType]]]:
    """One page of ``candidates`` (the match page, at any size of community) and the
    checks each member on it misses."""
    needed = _needed(request)
    query = _candidates_query(request, needed, language=language, neighbourhood=neighbourhood)
    found = db.paginate(query, page=page, per_page=per_page, error_out=False)
    return found, _missing(list(found.items), needed)


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


def requests_page(community: Community, *, status: str, page: int, per_page: int) -> Pagination:
    """One page of the community's requests with ``status``, newest first."""
    query = requests_query(community.id, status=status)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def counts_by_status(community: Community) -> dict[str, int]:
    """How many of the community's requests are in each status (absent: none)."""
    return dict(
        db.session.execute(
            select(CompanionshipRequest.status, func.count())
            .where(CompanionshipRequest.community_id == community.id)
            .group_by(CompanionshipRequest.status)
        ).all()
    )


def status_with_work(counts: dict[str, int]) -> str:
    """The tab a coordinator lands on: open requests when there are some, else the
    matched ones (visits under way), else open (its empty state)."""
    return "matched" if not counts.get("open") and counts.get("matched") else "open"


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


CONCERN_COUNT_CAP = 1000


def concerns_page(community: Community, *, page: int, per_page: int) -> paging.Page:
    """One page of the visits with a concern in ``community``, newest first: the page's
    first key found in ``ix_companionship_visits_wellbeing_created``, the page read from
    it, and the concerns counted up to ``CONCERN_COUNT_CAP`` (``Page.capped``), so page 50
    costs what page 1 costs, however many concerns were ever raised."""
    keys = (
        select(Visit.created_at, Visit.id)
        .join(Arrangement, Arrangement.id == Visit.arrangement_id)
        .where(Arrangement.community_id == community.id, Visit.wellbeing == Wellbeing.CONCERN)
        .order_by(Visit.created_at.desc(), Visit.id.desc())
    )
    total, capped = paging.capped_count(keys, CONCERN_COUNT_CAP)
    page = max(1, min(page, max(1, -(-total // per_page))))
    first = paging.first_key(keys, page=page, per_page=per_page)
    if first is None:
        return paging.Page([], page, per_page, total, capped)
    query = concerns_query(community.id).where(paging.from_key((Visit.created_at, Visit.id), first))
    return paging.Page(
        list(db.session.scalars(query.limit(per_page)).unique()), page, per_page, total, capped
    )
