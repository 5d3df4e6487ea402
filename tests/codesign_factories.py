"""Proposals of the co-design board (committed), for the route walk and the tests."""

from __future__ import annotations

from datetime import date, time

from timebank.extensions import db
from timebank.models import GroupActivity, Membership, Proposal, ProposalRevision, ProposalStage


def make_proposal(
    proposer: Membership, *, title: str = "Repair café", checks: str = ""
) -> Proposal:
    proposal = Proposal(
        community_id=proposer.community_id,
        proposer_id=proposer.id,
        created_by_id=proposer.user_id,
    )
    db.session.add(proposal)
    db.session.flush()
    db.session.add(
        ProposalRevision(
            proposal_id=proposal.id,
            number=1,
            author_id=proposer.user_id,
            title_en=title,
            description_en="Fix things together once a month.",
            need="Broken things are thrown away.",
            audience="Everyone",
            frequency="monthly",
            checks=checks,
        )
    )
    db.session.commit()
    return proposal


def proposal_for(world) -> Proposal:
    return make_proposal(world.member_membership)


def activity_proposal_for(world) -> Proposal:
    """A proposal adopted as a weekly group activity (in the transport category)."""
    proposal = make_proposal(world.member_membership, title="Friday lift")
    proposal.stage = ProposalStage.ADOPTED
    db.session.add(
        GroupActivity(
            community_id=proposal.community_id,
            proposal_id=proposal.id,
            proposer_id=proposal.proposer_id,
            category_key="transport",
            frequency="weekly",
            weekday=4,
            starts_at=time(17, 0),
            minutes=60,
            first_date=date(2026, 1, 2),
            created_by_id=proposal.created_by_id,
        )
    )
    db.session.commit()
    return proposal
