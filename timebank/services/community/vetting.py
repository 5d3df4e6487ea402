"""Onboarding: a community's vetting steps (interview, references, ID seen, …), ticked for
each applicant with the date and the coordinator; approval waits for the required ones.
Coordinators can also create a member directly, with or without an e-mail address."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from timebank.extensions import db
from timebank.models import (
    Community,
    Membership,
    MembershipStatus,
    User,
    VettingRecord,
    VettingStep,
    utcnow,
)
from timebank.services import audit, permissions
from timebank.services.exceptions import InvalidInput, NotAllowed

MAX_NAME = 80


def _check(actor: User, community: Community) -> None:
    if not permissions.can_manage_members(actor, community):
        raise NotAllowed()


def steps(community: Community) -> list[VettingStep]:
    """The community's current steps, in order."""
    return list(
        db.session.scalars(
            select(VettingStep)
            .where(VettingStep.community_id == community.id, VettingStep.retired_at.is_(None))
            .order_by(VettingStep.position, VettingStep.id)
        )
    )


def add_step(
    community: Community, *, actor: User, name_en: str, name_ar: str, required: bool = True
) -> VettingStep:
    """Add a step at the end of the list. Audit: ``vetting.step_add``."""
    _check(actor, community)
    name_en, name_ar = (name_en or "").strip(), (name_ar or "").strip()
    for field, value in (("name_en", name_en), ("name_ar", name_ar)):
        if not value:
            raise InvalidInput(_l("Give the step a name."), field=field)
        if len(value) > MAX_NAME:
            raise InvalidInput(_l("Use at most %(n)d characters.", n=MAX_NAME), field=field)
    position = (
        db.session.scalar(
            select(func.coalesce(func.max(VettingStep.position), 0)).where(
                VettingStep.community_id == community.id
            )
        )
        or 0
    )
    step = VettingStep(
        community_id=community.id,
        name_en=name_en,
        name_ar=name_ar,
        required=bool(required),
        position=(position or 0) + 1,
    )
    db.session.add(step)
    db.session.flush()
    audit.record("vetting.step_add", actor=actor, community_id=community.id, obj=step)
    return step


def retire_step(step: VettingStep, *, actor: User) -> VettingStep:
    """Stop asking for a step (records already made stay). Audit: ``vetting.step_retire``."""
    community = db.session.get_one(Community, step.community_id)
    _check(actor, community)
    if step.retired_at is None:
        step.retired_at = utcnow()
        db.session.flush()
        audit.record("vetting.step_retire", actor=actor, community_id=community.id, obj=step)
    return step


def records(membership: Membership) -> dict[int, VettingRecord]:
    return {
        r.step_id: r
        for r in db.session.scalars(
            select(VettingRecord).where(VettingRecord.membership_id == membership.id)
        )
    }


def tick(
    membership: Membership, step: VettingStep, *, actor: User, done_on: date | None = None
) -> VettingRecord:
    """Record that a step was done for an applicant, on ``done_on`` (not in the future).
    Raises ``NotAllowed`` or ``InvalidInput``. Audit: ``vetting.tick``."""
    community = membership.community
    _check(actor, community)
    if step.community_id != community.id or step.retired_at is not None:
        raise InvalidInput(_l("Choose one of this community's steps."), field="step")
    if membership.status != MembershipStatus.APPLYING:
        raise InvalidInput(_l("Only applicants go through the vetting steps."), field="step")
    done_on = done_on or utcnow().date()
    if done_on > utcnow().date():
        raise InvalidInput(_l("The date cannot be in the future."), field="done_on")
    if step.id in records(membership):
        raise InvalidInput(_l("This step is already ticked."), field="step")
    record = VettingRecord(
        membership_id=membership.id, step_id=step.id, done_on=done_on, coordinator_id=actor.id
    )
    db.session.add(record)
    db.session.flush()
    audit.record(
        "vetting.tick",
        actor=actor,
        community_id=community.id,
        obj=membership,
        details={"step_id": step.id},
    )
    return record


def missing_required(membership: Membership) -> list[VettingStep]:
    """Required steps not yet ticked for ``membership`` (the approval gate)."""
    done = records(membership)
    community = membership.community
    return [s for s in steps(community) if s.required and s.id not in done]
