"""Proposals of the co-design board (committed), for the route walk and the tests."""

from __future__ import annotations

from timebank.extensions import db
from timebank.models import Membership, Proposal, ProposalRevision


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
