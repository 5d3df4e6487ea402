"""Onboarding: approval waits for the required vetting steps; direct member creation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_member
from tests.services.conftest import audit_count
from timebank.extensions import db
from timebank.models import AuditEvent, MembershipStatus, utcnow
from timebank.services.community import memberships, vetting
from timebank.services.exceptions import InvalidInput, NotAllowed


def test_approval_waits_for_required_steps(bank):
    """An applicant cannot be approved until every required step is ticked."""
    coordinator = bank.coordinator.user
    interview = vetting.add_step(bank.community, actor=coordinator, name_en="Interview",
                                 name_ar="مقابلة")  # fmt: skip
    references = vetting.add_step(bank.community, actor=coordinator, name_en="Two references",
                                  name_ar="مرجعان")  # fmt: skip
    vetting.add_step(bank.community, actor=coordinator, name_en="Coffee", name_ar="قهوة",
                     required=False)  # fmt: skip
    applicant = make_member(bank.community, status=MembershipStatus.APPLYING, password=None)
    with pytest.raises(InvalidInput) as error:
        memberships.approve(applicant, actor=coordinator)
    assert "Interview" in str(error.value.message)
    vetting.tick(applicant, interview, actor=coordinator)
    with pytest.raises(InvalidInput):
        memberships.approve(applicant, actor=coordinator)
    record = vetting.tick(applicant, references, actor=coordinator,
                          done_on=utcnow().date() - timedelta(days=2))  # fmt: skip
    assert record.coordinator_id == coordinator.id
    memberships.approve(applicant, actor=coordinator)
    db.session.commit()
    assert applicant.status == MembershipStatus.ACTIVE
    assert audit_count("vetting.tick") == 2


def test_ticking_is_checked(bank):
    """Members cannot tick; a step twice, a future date or a non-applicant are refused."""
    coordinator = bank.coordinator.user
    step = vetting.add_step(bank.community, actor=coordinator, name_en="ID seen", name_ar="هوية")
    applicant = make_member(bank.community, status=MembershipStatus.APPLYING, password=None)
    with pytest.raises(NotAllowed):
        vetting.tick(applicant, step, actor=bank.a.user)
    with pytest.raises(InvalidInput):
        vetting.tick(applicant, step, actor=coordinator, done_on=utcnow().date() + timedelta(2))
    vetting.tick(applicant, step, actor=coordinator)
    with pytest.raises(InvalidInput):
        vetting.tick(applicant, step, actor=coordinator)
    with pytest.raises(InvalidInput):
        vetting.tick(bank.a, step, actor=coordinator)
    vetting.retire_step(step, actor=coordinator)
    assert vetting.steps(bank.community) == []


def test_coordinator_creates_a_member_without_email(bank):
    """Someone at the office becomes an active member with a number and an account."""
    membership = memberships.create_member(bank.community, actor=bank.coordinator.user,
                                       display_name="Umm Khaled", phone="0790000000")  # fmt: skip
    db.session.commit()
    assert membership.status == MembershipStatus.ACTIVE and membership.member_number
    assert membership.user.email is None and membership.user.password_hash is None
    assert bank.balance(membership) == 0
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "membership.create"))
    assert event.details == {"member_number": membership.member_number, "email": False}
    with pytest.raises(NotAllowed):
        memberships.create_member(bank.community, actor=bank.a.user, display_name="X")
    with pytest.raises(InvalidInput):
        memberships.create_member(bank.community, actor=bank.coordinator.user, display_name=" ")
