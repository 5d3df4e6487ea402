"""Proposals of the co-design board: propose, revise (every revision kept), endorse and
withdraw, comment, volunteer to help run, move through the stages, decline with a reason,
adopt as a category with its safeguarding checks (as a recurring group activity:
``activities``). Each decision is audited; coordinators hear of a new proposal, the
proposer of every stage change, endorsers of an adoption; the proposer hears of new
endorsements in the weekly digest (``messaging.digest``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from timebank.extensions import db
from timebank.models import (
    CategoryRequirement,
    CheckType,
    Community,
    Membership,
    Proposal,
    ProposalComment,
    ProposalEndorsement,
    ProposalRevision,
    ProposalStage,
    ProposalVolunteer,
    User,
    utcnow,
)
from timebank.services import audit, permissions
from timebank.services.exceptions import InvalidInput, NotAllowed
from timebank.services.listings import categories
from timebank.services.messaging import notifications, titles

MAX_TITLE = 120
MAX_TEXT = 4000
MAX_AUDIENCE = 200
MAX_VOLUNTEERS = 300
MAX_COMMENT = 2000
MAX_REASON = 1000

FREQUENCIES = {
    "once": _l("Once"),
    "weekly": _l("Every week"),
    "fortnightly": _l("Every two weeks"),
    "monthly": _l("Every month"),
    "as_needed": _l("When needed"),
}
STAGE_NAMES = {
    ProposalStage.PROPOSED: _l("Proposed"),
    ProposalStage.DISCUSSION: _l("Under discussion"),
    ProposalStage.ADOPTED: _l("Adopted"),
    ProposalStage.DECLINED: _l("Declined"),
    ProposalStage.RUNNING: _l("Running"),
    ProposalStage.RETIRED: _l("Retired"),
}
# Where a coordinator may move a proposal with a plain button (adopting and declining
# have their own forms: a category, a reason).
MOVES = {
    ProposalStage.PROPOSED: (ProposalStage.DISCUSSION,),
    ProposalStage.ADOPTED: (ProposalStage.RUNNING, ProposalStage.RETIRED),
    ProposalStage.RUNNING: (ProposalStage.RETIRED,),
}
OPEN_STAGES = (ProposalStage.PROPOSED, ProposalStage.DISCUSSION)
CLOSED_STAGES = (ProposalStage.DECLINED, ProposalStage.RETIRED)


@dataclass
class ProposalInput:
    title_en: str = ""
    title_ar: str = ""
    description_en: str = ""
    description_ar: str = ""
    need: str = ""
    audience: str = ""
    frequency: str = ""
    volunteers: str = ""
    checks: list[str] = field(default_factory=list)


def _text(value: str | None, name: str, limit: int, *, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(_l("Fill this in."), field=name)
    if len(value) > limit:
        raise InvalidInput(_l("Use at most %(n)d characters.", n=limit), field=name)
    return value


def _clean(data: ProposalInput, language: str) -> dict:
    """The revision's columns; the title and description in ``language`` are required,
    the other language's optional."""
    other = "en" if language == "ar" else "ar"
    cleaned = {
        f"title_{language}": _text(
            getattr(data, f"title_{language}"), f"title_{language}", MAX_TITLE, required=True
        ),
        f"title_{other}": _text(
            getattr(data, f"title_{other}"), f"title_{other}", MAX_TITLE, required=False
        ),
        f"description_{language}": _text(
            getattr(data, f"description_{language}"),
            f"description_{language}",
            MAX_TEXT,
            required=True,
        ),
        f"description_{other}": _text(
            getattr(data, f"description_{other}"), f"description_{other}", MAX_TEXT, required=False
        ),
        "need": _text(data.need, "need", MAX_TEXT, required=True),
        "audience": _text(data.audience, "audience", MAX_AUDIENCE, required=True),
        "volunteers": _text(data.volunteers, "volunteers", MAX_VOLUNTEERS, required=False),
    }
    if data.frequency not in FREQUENCIES:
        raise InvalidInput(_l("Choose how often."), field="frequency")
    cleaned["frequency"] = data.frequency
    known = {c.value for c in CheckType}
    if any(c not in known for c in data.checks):
        raise InvalidInput(_l("Choose from the listed checks."), field="checks")
    cleaned["checks"] = ",".join(c.value for c in CheckType if c.value in data.checks)
    return cleaned


def _language(value: str) -> str:
    return "ar" if value == "ar" else "en"


def propose(member: Membership, *, actor: User, data: ProposalInput, language: str) -> Proposal:
    """A new proposal of ``member`` (themselves, their proxy or a coordinator:
    ``NotAllowed``), its first revision, and a notice to the coordinators. ``InvalidInput``
    for a missing title, description, need or audience in ``language``, an unknown
    frequency or check."""
    community = member.community
    if not permissions.can_propose_for(actor, member):
        raise NotAllowed()
    cleaned = _clean(data, _language(language))
    proposal = Proposal(community_id=community.id, proposer_id=member.id, created_by_id=actor.id)
    db.session.add(proposal)
    db.session.flush()
    db.session.add(
        ProposalRevision(proposal_id=proposal.id, number=1, author_id=actor.id, **cleaned)
    )
    db.session.flush()
    db.session.refresh(proposal)
    audit.record("proposal.create", actor=actor, community_id=community.id, obj=proposal)
    notifications.notify_all(
        [u for u in notifications.coordinators_of(community) if u.id != actor.id],
        "proposal_new",
        community=community,
        object_type="codesign_proposals",
        object_id=proposal.id,
    )
    return proposal


def revise(
    proposal: Proposal, *, actor: User, data: ProposalInput, language: str
) -> ProposalRevision:
    """A new revision (the earlier ones stay): the proposer, whoever may propose for them,
    or a coordinator (``NotAllowed``), while the proposal is not declined or retired."""
    if not permissions.can_revise_proposal(actor, proposal.proposer):
        raise NotAllowed()
    if proposal.stage in CLOSED_STAGES:
        raise InvalidInput(_l("This proposal is closed."))
    cleaned = _clean(data, _language(language))
    revision = ProposalRevision(
        proposal_id=proposal.id, number=proposal.current.number + 1, author_id=actor.id, **cleaned
    )
    db.session.add(revision)
    db.session.flush()
    db.session.refresh(proposal)
    audit.record("proposal.revise", actor=actor, community_id=proposal.community_id, obj=proposal)
    return revision


def _own_membership(actor: User, proposal: Proposal) -> Membership:
    own = permissions.membership_of(actor, proposal.proposer.community)
    if own is None or not own.is_active:
        raise NotAllowed()
    return own


def endorse(proposal: Proposal, *, actor: User) -> bool:
    """Endorse a proposal open for discussion (once per member; again is harmless).
    Active members only (``NotAllowed``). True when this added an endorsement."""
    own = _own_membership(actor, proposal)
    if proposal.stage not in OPEN_STAGES:
        raise InvalidInput(_l("This proposal is no longer open for endorsement."))
    found = db.session.scalar(
        select(ProposalEndorsement.id).where(
            ProposalEndorsement.proposal_id == proposal.id,
            ProposalEndorsement.membership_id == own.id,
        )
    )
    if found is not None:
        return False
    db.session.add(ProposalEndorsement(proposal_id=proposal.id, membership_id=own.id))
    db.session.flush()
    return True


def withdraw_endorsement(proposal: Proposal, *, actor: User) -> None:
    """Take one's endorsement back (nothing happens when there was none)."""
    own = _own_membership(actor, proposal)
    db.session.execute(
        delete(ProposalEndorsement).where(
            ProposalEndorsement.proposal_id == proposal.id,
            ProposalEndorsement.membership_id == own.id,
        )
    )
    db.session.flush()


def comment(proposal: Proposal, *, actor: User, body: str) -> ProposalComment:
    """A comment by an active member, while the proposal is not closed."""
    own = _own_membership(actor, proposal)
    if proposal.stage in CLOSED_STAGES:
        raise InvalidInput(_l("This proposal is closed."))
    text = _text(body, "body", MAX_COMMENT, required=True)
    note = ProposalComment(proposal_id=proposal.id, author_id=own.id, body=text)
    db.session.add(note)
    db.session.flush()
    return note


def volunteer(
    proposal: Proposal, *, actor: User, minutes_per_week: int | None
) -> ProposalVolunteer:
    """Offer (or change) the time an active member would give each week to run it."""
    own = _own_membership(actor, proposal)
    if proposal.stage in CLOSED_STAGES:
        raise InvalidInput(_l("This proposal is closed."))
    if minutes_per_week is None or not 1 <= minutes_per_week <= 2400:
        raise InvalidInput(_l("Enter between 1 and 40 hours."), field="hours")
    offer = db.session.scalar(
        select(ProposalVolunteer).where(
            ProposalVolunteer.proposal_id == proposal.id, ProposalVolunteer.membership_id == own.id
        )
    )
    if offer is None:
        offer = ProposalVolunteer(proposal_id=proposal.id, membership_id=own.id, minutes_per_week=0)
        db.session.add(offer)
    offer.minutes_per_week = minutes_per_week
    db.session.flush()
    return offer


def stop_volunteering(proposal: Proposal, *, actor: User) -> None:
    own = _own_membership(actor, proposal)
    db.session.execute(
        delete(ProposalVolunteer).where(
            ProposalVolunteer.proposal_id == proposal.id, ProposalVolunteer.membership_id == own.id
        )
    )
    db.session.flush()


def check_decider(actor: User, proposal: Proposal) -> Community:
    community = proposal.proposer.community
    if not permissions.can_decide_proposals(actor, community):
        raise NotAllowed()
    return community


def tell_proposer(proposal: Proposal, community: Community) -> None:
    titles.notify(
        [proposal.proposer.user],
        "proposal_stage",
        community=community,
        object_type="codesign_proposals",
        object_id=proposal.id,
    )


def move(proposal: Proposal, *, actor: User, stage: str) -> Proposal:
    """Move a proposal along ``MOVES`` (coordinators: ``NotAllowed``; another move:
    ``InvalidInput``). The proposer is told."""
    community = check_decider(actor, proposal)
    allowed = {s.value for s in MOVES.get(proposal.stage, ())}
    if stage not in allowed:
        raise InvalidInput(_l("A proposal cannot move to that stage from here."))
    proposal.stage = ProposalStage(stage)
    db.session.flush()
    audit.record(f"proposal.{stage}", actor=actor, community_id=community.id, obj=proposal)
    tell_proposer(proposal, community)
    return proposal


def decline(proposal: Proposal, *, actor: User, reason: str) -> Proposal:
    """Decline an open proposal with a reason the proposer sees (coordinators)."""
    community = check_decider(actor, proposal)
    if proposal.stage not in OPEN_STAGES:
        raise InvalidInput(_l("Only a proposal still under consideration can be declined."))
    proposal.decline_reason = _text(reason, "reason", MAX_REASON, required=True)
    proposal.stage = ProposalStage.DECLINED
    db.session.flush()
    audit.record("proposal.decline", actor=actor, community_id=community.id, obj=proposal)
    tell_proposer(proposal, community)
    return proposal


def adopt(proposal: Proposal, *, actor: User, name_en: str, name_ar: str) -> Proposal:
    """Adopt an open proposal as a new category named in both languages, requiring the
    safeguarding checks the proposal lists (coordinators; ``InvalidInput`` from
    ``categories.create`` for the names). The proposer and the endorsers are told."""
    community = check_decider(actor, proposal)
    if proposal.stage not in OPEN_STAGES:
        raise InvalidInput(_l("Only a proposal still under consideration can be adopted."))
    category = categories.create(
        community, actor=actor, name_en=name_en, name_ar=name_ar, parent_id=None
    )
    db.session.add_all(
        CategoryRequirement(
            community_id=community.id, category_key=category.key, kind="", check_type=CheckType(c)
        )
        for c in proposal.current.check_list
    )
    proposal.category_id = category.id
    mark_adopted(proposal, community, actor=actor)
    return proposal


def mark_adopted(proposal: Proposal, community: Community, *, actor: User) -> None:
    """The proposal is adopted now (as a category, a group activity or both): audited, the
    proposer and the endorsers told."""
    proposal.stage = ProposalStage.ADOPTED
    proposal.adopted_at = utcnow()
    db.session.flush()
    audit.record("proposal.adopt", actor=actor, community_id=community.id, obj=proposal)
    tell_proposer(proposal, community)
    endorsers = db.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .join(ProposalEndorsement, ProposalEndorsement.membership_id == Membership.id)
        .where(ProposalEndorsement.proposal_id == proposal.id, User.id != proposal.proposer.user_id)
        .order_by(User.id)
    )
    titles.notify(
        endorsers,
        "proposal_adopted",
        community=community,
        object_type="codesign_proposals",
        object_id=proposal.id,
    )
