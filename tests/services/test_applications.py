"""An application reaches the coordinators: each is notified in the app and, when they
want it, by e-mail in their own language, with a link to the applicant's vetting page."""

from __future__ import annotations

from sqlalchemy import select

from tests.factories import make_community, make_member, make_user
from timebank.extensions import db
from timebank.models import Notification, OutboxMessage, Role
from timebank.services.auth import users as accounts
from timebank.services.community import memberships


def _told(kind: str) -> list[tuple[int, int]]:
    return list(
        db.session.execute(
            select(Notification.user_id, Notification.object_id)
            .where(Notification.kind == kind)
            .order_by(Notification.user_id)
        ).all()
    )


def test_a_registration_notifies_every_coordinator(app):
    """A visitor registers: both coordinators (not the members) hear of it, with a link
    to the vetting page; the Arabic-reading coordinator's e-mail is in Arabic."""
    community = make_community()
    english = make_member(community, role=Role.COORDINATOR, password=None)
    arabic = make_member(community, role=Role.ADMIN, password=None, locale="ar")
    make_member(community, password=None)
    membership = accounts.register(
        email="new.person@example.org", display_name="Nadia Saleh", password="a long passphrase 42",
        community=community, motivation="I can cook", locale="en",
    )  # fmt: skip
    db.session.commit()
    assert _told("application") == sorted(
        [(english.user_id, membership.id), (arabic.user_id, membership.id)]
    )
    mails = {
        m.recipient_id: m
        for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.subject.is_not(None)))
    }
    link = f"/c/{community.slug}/coordinator/applicants/{membership.id}/vetting"
    assert "Nadia Saleh applied to join" in mails[english.user_id].body
    assert link in mails[english.user_id].body
    assert "Nadia Saleh" in mails[arabic.user_id].body and link in mails[arabic.user_id].body
    assert "applied" not in mails[arabic.user_id].body  # Arabic text, not English


def test_an_existing_user_applying_notifies_the_coordinators(app):
    """A member of another community applies here: this community's coordinators hear."""
    community = make_community()
    coordinator = make_member(community, role=Role.COORDINATOR, password=None)
    user = make_user(password=None)
    membership = memberships.apply(user, community, motivation=None)
    db.session.commit()
    assert _told("application") == [(coordinator.user_id, membership.id)]
