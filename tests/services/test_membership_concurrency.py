"""Two requests at the same moment (two threads, two sessions, as two workers would be):
one decision per applicant, distinct member numbers, one account per e-mail address."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from tests.factories import make_community, make_member
from timebank.database import transaction
from timebank.extensions import db
from timebank.models import AuditEvent, Membership, MembershipStatus, Role, User
from timebank.services.auth import users as accounts
from timebank.services.community import memberships
from timebank.services.exceptions import DomainError


def _race(app, *jobs) -> list:
    """Run each job in its own thread and application context, released together."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(index, job):
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                results[index] = transaction(job)
            except DomainError as error:
                results[index] = error
            finally:
                db.session.remove()

    db.session.commit()
    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_simultaneous_approvals_make_one_decision(app):
    """Two coordinators approve the same applicant at once: one wins, one is told."""
    community = make_community()
    coordinator_ids = [
        make_member(community, role=Role.COORDINATOR).user_id,
        make_member(community, role=Role.COORDINATOR).user_id,
    ]
    applicant_id = make_member(community, status=MembershipStatus.APPLYING).id

    def approve_as(user_id):
        def job():
            membership = db.session.get(Membership, applicant_id)
            return memberships.approve(membership, actor=db.session.get(User, user_id)).id

        return job

    results = _race(app, *(approve_as(uid) for uid in coordinator_ids))
    assert sorted(type(r).__name__ for r in results) == ["AlreadyDecided", "int"]
    db.session.expire_all()
    membership = db.session.get(Membership, applicant_id)
    assert membership.status == MembershipStatus.ACTIVE and membership.member_number == 3
    approvals = select(func.count()).where(AuditEvent.action == "membership.approve")
    assert db.session.scalar(approvals) == 1


def test_simultaneous_approvals_get_distinct_member_numbers(app):
    """Two applicants approved at once get two different, consecutive member numbers."""
    community = make_community()
    coordinator_id = make_member(community, role=Role.COORDINATOR).user_id
    applicant_ids = [make_member(community, status=MembershipStatus.APPLYING).id for _ in range(2)]

    def approve(membership_id):
        def job():
            membership = db.session.get(Membership, membership_id)
            actor = db.session.get(User, coordinator_id)
            return memberships.approve(membership, actor=actor).member_number

        return job

    results = _race(app, *(approve(mid) for mid in applicant_ids))
    assert sorted(results) == [2, 3]


def test_simultaneous_registrations_with_one_email_make_one_account(app):
    """Two registrations with the same address (different case) at once: one account."""
    community = make_community()
    community_id = community.id

    def register(email):
        def job():
            return accounts.register(
                email=email,
                display_name="Twin Applicant",
                password="a long enough sentence",
                community=db.session.get(type(community), community_id),
                motivation=None,
                locale="en",
            ).id

        return job

    results = _race(app, register("twin@example.org"), register("TWIN@example.org"))
    assert sorted(type(r).__name__ for r in results) == ["InvalidInput", "int"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
    assert db.session.scalar(select(func.count()).select_from(Membership)) == 1
