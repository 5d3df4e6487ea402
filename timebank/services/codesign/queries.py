"""What the co-design board shows: the proposals of a community with their support, one
proposal with its revisions, comments and volunteers (the board's figures:
``metrics.codesign``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from timebank.extensions import db
from timebank.models import (
    Category,
    Community,
    Membership,
    Proposal,
    ProposalComment,
    ProposalEndorsement,
    ProposalStage,
    ProposalVolunteer,
    User,
)
from timebank.services import permissions
from timebank.services.paging import Page


@dataclass(frozen=True)
class BoardRow:
    proposal: Proposal
    endorsements: int
    volunteers: int


@dataclass(frozen=True)
class Detail:
    proposal: Proposal
    endorsements: int
    endorsed: bool
    my_minutes: int | None
    comments: list[ProposalComment]
    volunteers: list[ProposalVolunteer]
    category: Category | None


def get(community: Community, proposal_id: int) -> Proposal | None:
    """A proposal of ``community`` (None for another community's or none)."""
    found = db.session.get(Proposal, proposal_id)
    return found if found is not None and found.community_id == community.id else None


PER_PAGE = 25


def board(
    community: Community, *, stage: str | None = None, page: int = 1, per_page: int = PER_PAGE
) -> Page:
    """One page of the community's proposals, newest first, with how many endorse and
    volunteer (``BoardRow``s), optionally of one stage."""
    endorsed = (
        select(func.count())
        .where(ProposalEndorsement.proposal_id == Proposal.id)
        .correlate(Proposal)
        .scalar_subquery()
    )
    helping = (
        select(func.count())
        .where(ProposalVolunteer.proposal_id == Proposal.id)
        .correlate(Proposal)
        .scalar_subquery()
    )
    mine = [Proposal.community_id == community.id]
    if stage in {s.value for s in ProposalStage}:
        mine.append(Proposal.stage == stage)
    total = db.session.scalar(select(func.count()).where(*mine)) or 0
    query = (
        select(Proposal, endorsed, helping)
        .options(
            selectinload(Proposal.revisions),
            selectinload(Proposal.proposer).selectinload(Membership.user),
        )
        .where(*mine)
        .order_by(Proposal.created_at.desc(), Proposal.id.desc())
        .offset((max(page, 1) - 1) * per_page)
        .limit(per_page)
    )
    rows = [BoardRow(p, e, v) for p, e, v in db.session.execute(query)]
    return Page(rows, max(page, 1), per_page, total)


def detail(proposal: Proposal, viewer: User) -> Detail:
    """One proposal as ``viewer`` sees it: support, their own endorsement and offer."""
    own = permissions.membership_of(viewer, proposal.proposer.community)
    own_id = own.id if own is not None else -1
    endorsements = db.session.scalar(
        select(func.count()).where(ProposalEndorsement.proposal_id == proposal.id)
    )
    endorsed = db.session.scalar(
        select(ProposalEndorsement.id).where(
            ProposalEndorsement.proposal_id == proposal.id,
            ProposalEndorsement.membership_id == own_id,
        )
    )
    volunteers = list(
        db.session.scalars(
            select(ProposalVolunteer)
            .options(selectinload(ProposalVolunteer.member).selectinload(Membership.user))
            .where(ProposalVolunteer.proposal_id == proposal.id)
            .order_by(ProposalVolunteer.id)
        )
    )
    comments = list(
        db.session.scalars(
            select(ProposalComment)
            .options(selectinload(ProposalComment.author).selectinload(Membership.user))
            .where(ProposalComment.proposal_id == proposal.id)
            .order_by(ProposalComment.id)
        )
    )
    mine = next((v.minutes_per_week for v in volunteers if v.membership_id == own_id), None)
    category = db.session.get(Category, proposal.category_id) if proposal.category_id else None
    return Detail(
        proposal, endorsements or 0, endorsed is not None, mine, comments, volunteers, category
    )


def origin(category: Category) -> Proposal | None:
    """The proposal a category was adopted from (and so its proposer), if any."""
    return db.session.scalar(select(Proposal).where(Proposal.category_id == category.id))
