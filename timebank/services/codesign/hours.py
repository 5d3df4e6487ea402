"""Hours of design work: a coordinator pays the proposer or a volunteer of a proposal from
the community pot (a grant, under its usual rules and limits) in the "co-design"
category, which the metrics read as transformation (``metrics.queries.CODESIGN``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from timebank.extensions import db
from timebank.models import Category, Exchange, Membership, Proposal, ProposalVolunteer, User
from timebank.services import audit
from timebank.services.exceptions import InvalidInput
from timebank.services.exchanges import movements

CODESIGN_KEY = "co-design"
CODESIGN_NAMES = ("Co-design", "التصميم المشترك")


def designers(proposal: Proposal) -> list[Membership]:
    """Who may be paid for design work on ``proposal``: its proposer and volunteers."""
    volunteers = db.session.scalars(
        select(Membership)
        .join(ProposalVolunteer, ProposalVolunteer.membership_id == Membership.id)
        .where(ProposalVolunteer.proposal_id == proposal.id)
        .order_by(Membership.id)
    )
    people = [proposal.proposer, *volunteers]
    return [m for i, m in enumerate(people) if m.is_active and m not in people[:i]]


def _ensure_category(proposal: Proposal, actor: User) -> None:
    found = db.session.scalar(
        select(Category.id).where(
            Category.community_id == proposal.community_id, Category.key == CODESIGN_KEY
        )
    )
    if found is not None:
        return
    position = db.session.scalar(
        select(func.coalesce(func.max(Category.position), 0)).where(
            Category.community_id == proposal.community_id
        )
    )
    category = Category(
        community_id=proposal.community_id,
        key=CODESIGN_KEY,
        name_en=CODESIGN_NAMES[0],
        name_ar=CODESIGN_NAMES[1],
        position=(position or 0) + 1,
    )
    db.session.add(category)
    db.session.flush()
    audit.record("category.create", actor=actor, community_id=proposal.community_id, obj=category)


def record(
    proposal: Proposal,
    member: Membership | None,
    *,
    actor: User,
    minutes: int | None,
    reason: str,
    idempotency_key: str,
) -> Exchange:
    """Pay ``member`` (the proposer or a volunteer: else ``InvalidInput`` on
    ``member_id``) ``minutes`` of design work from the pot, in the co-design category
    (made on first use). ``movements.grant``'s rules apply: coordinators only, not to
    themselves, the pot's limits."""
    if member is None or member.id not in {m.id for m in designers(proposal)}:
        raise InvalidInput(_l("Choose the proposer or one of the volunteers."), field="member_id")
    if minutes is None:
        raise InvalidInput(_l("Enter the hours, for example 1 or 1.5."), field="hours")
    _ensure_category(proposal, actor)
    return movements.grant(
        member,
        actor=actor,
        minutes=minutes,
        reason=reason,
        idempotency_key=idempotency_key,
        category=CODESIGN_KEY,
    )
