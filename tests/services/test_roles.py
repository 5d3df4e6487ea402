"""A community always keeps an active coordinator: demoting, suspending, letting leave or
erasing the last one is refused with a message saying what to do first, also when two
administrators demote each other at the same moment."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.factories import make_community, make_member, make_user
from tests.services.test_membership_concurrency import _race
from timebank.extensions import db
from timebank.models import Membership, MembershipStatus, Role, User
from timebank.services import privacy
from timebank.services.community import lifecycle, memberships
from timebank.services.exceptions import InvalidInput

LAST = "last active coordinator"


def _coordinating(community) -> int:
    return db.session.scalar(
        select(func.count()).where(
            Membership.community_id == community.id,
            Membership.status == MembershipStatus.ACTIVE,
            Membership.role.in_(memberships.COORDINATING),
        )
    )


def test_the_last_admin_cannot_demote_themself(app):
    """An admin alone cannot make themself a member; becoming a coordinator is fine."""
    community = make_community()
    admin = make_member(community, role=Role.ADMIN, password=None)
    with pytest.raises(InvalidInput, match=LAST) as refused:
        memberships.set_role(admin, Role.MEMBER, actor=admin.user)
    assert refused.value.field == "role"
    db.session.rollback()
    memberships.set_role(admin, Role.COORDINATOR, actor=admin.user)
    db.session.commit()
    assert _coordinating(community) == 1


def test_demoting_a_coordinator_needs_another_one(app):
    """With a second coordinator the demotion goes through; the last one stays."""
    community = make_community()
    site_admin = make_user(password=None, admin=True)
    first = make_member(community, role=Role.COORDINATOR, password=None)
    second = make_member(community, role=Role.COORDINATOR, password=None)
    memberships.set_role(first, Role.MEMBER, actor=site_admin)
    db.session.commit()
    with pytest.raises(InvalidInput, match=LAST):
        memberships.set_role(second, Role.MEMBER, actor=site_admin)
    db.session.rollback()
    assert _coordinating(community) == 1


def test_the_last_coordinator_cannot_be_suspended_or_leave(app):
    """Suspension by an installation admin and leaving on their own are both refused."""
    community = make_community()
    site_admin = make_user(password=None, admin=True)
    coordinator = make_member(community, role=Role.COORDINATOR, password=None)
    with pytest.raises(InvalidInput, match=LAST):
        lifecycle.suspend(coordinator, actor=site_admin)
    db.session.rollback()
    with pytest.raises(InvalidInput, match=LAST):
        lifecycle.leave(coordinator, actor=coordinator.user)
    db.session.rollback()
    with pytest.raises(InvalidInput, match=LAST):
        privacy.erase(coordinator.user, actor=coordinator.user)
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Membership, coordinator.id).status == MembershipStatus.ACTIVE
    assert db.session.get(User, coordinator.user_id).erased_at is None


def test_a_coordinator_can_leave_once_another_is_appointed(app):
    """Appoint another first, as the message says; then leaving works."""
    community = make_community()
    coordinator = make_member(community, role=Role.COORDINATOR, password=None)
    make_member(community, role=Role.COORDINATOR, password=None)
    lifecycle.leave(coordinator, actor=coordinator.user)
    db.session.commit()
    assert coordinator.status == MembershipStatus.LEFT
    assert _coordinating(community) == 1


def test_two_admins_demoting_each_other_at_once_leave_one(app):
    """Two requests at the same moment: one demotion wins, the other is refused."""
    community = make_community()
    a = make_member(community, role=Role.ADMIN, password=None)
    b = make_member(community, role=Role.ADMIN, password=None)
    pairs = [(a.user_id, b.id), (b.user_id, a.id)]

    def demote(actor_id, target_id):
        def job():
            target = db.session.get(Membership, target_id)
            actor = db.session.get(User, actor_id)
            return memberships.set_role(target, Role.MEMBER, actor=actor).id

        return job

    results = _race(app, *(demote(*pair) for pair in pairs))
    assert sum(isinstance(r, int) for r in results) == 1
    db.session.expire_all()
    assert _coordinating(community) == 1
