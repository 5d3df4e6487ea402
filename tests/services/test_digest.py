"""The weekly digest command: new listings in a member's categories and neighbourhood,
once per week, respecting the member's preference."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.factories import make_community, make_member
from tests.listing_factories import make_listing
from timebank.extensions import db
from timebank.models import DigestRun, OutboxMessage, Profile
from timebank.services.messaging import notifications


def _mails_to(user) -> list[OutboxMessage]:
    return list(
        db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient_id == user.id))
    )


def test_digest_lists_new_listings_once_per_week(app, runner):
    """A gardener hears of a new gardening listing; a second run sends nothing more."""
    community = make_community()
    gardener = make_member(community)
    poster = make_member(community)
    make_listing(gardener, key="gardening", title="I grow tomatoes")
    make_listing(poster, key="gardening", title="Hedge needs trimming")
    make_listing(poster, key="repairs", title="Broken chair")
    result = runner.invoke(args=["send-digest"])
    assert result.exit_code == 0, result.output
    (mail,) = [m for m in _mails_to(gardener.user) if "this week" in m.subject]
    assert "Hedge needs trimming" in mail.body and "Broken chair" not in mail.body
    assert "I grow tomatoes" not in mail.body
    runner.invoke(args=["send-digest"])
    assert len([m for m in _mails_to(gardener.user) if "this week" in m.subject]) == 1
    assert (
        db.session.scalar(
            select(func.count()).select_from(DigestRun).where(DigestRun.user_id == gardener.user_id)
        )
        == 1
    )


def test_digest_follows_the_neighbourhood_and_the_preference(app, runner):
    """Listings in one's neighbourhood count; a member who turned the digest off gets none."""
    community = make_community()
    near = make_member(community)
    off = make_member(community)
    poster = make_member(community)
    for membership in (near, off):
        db.session.scalar(
            select(Profile).where(Profile.membership_id == membership.id)
        ).neighbourhood = "Harbour"
    db.session.commit()
    notifications.set_preferences(off.user, email_kinds=set())
    db.session.commit()
    make_listing(poster, key="cooking", title="Soup for two", neighbourhood="Harbour")
    make_listing(poster, key="cooking", title="Far away soup", neighbourhood="Hills")
    assert runner.invoke(args=["send-digest"]).exit_code == 0
    (mail,) = [m for m in _mails_to(near.user) if "this week" in m.subject]
    assert "Soup for two" in mail.body and "Far away soup" not in mail.body
    assert not [m for m in _mails_to(off.user) if "this week" in m.subject]


def test_digest_brings_the_announcements_since_the_last_digest(app, runner):
    """A member with no new listings still hears of a new announcement, once; a withdrawn
    one is left out, and an Arabic reader gets the Arabic text and community name."""
    from datetime import timedelta

    from timebank.models import Role, utcnow
    from timebank.services.community import announcements
    from timebank.services.messaging import digest

    community = make_community()
    coordinator = make_member(community, role=Role.COORDINATOR)
    reader = make_member(community)
    arabic = make_member(community, locale="ar")
    picnic = announcements.post(
        community,
        actor=coordinator.user,
        title="Picnic on Saturday",
        body="Bring a friend.\nAnd a dish.",
    )
    gone = announcements.post(community, actor=coordinator.user, title="Cancelled fair", body="No.")
    announcements.withdraw(gone, actor=coordinator.user)
    db.session.commit()
    result = runner.invoke(args=["send-digest"])
    assert result.exit_code == 0, result.output
    now = utcnow()
    (mail,) = _mails_to(reader.user)
    assert "Picnic on Saturday" in mail.body and "  And a dish." in mail.body
    assert "Cancelled fair" not in mail.body
    assert f"Announcements from {community.name}" in mail.body
    (arabic_mail,) = _mails_to(arabic.user)
    assert "Picnic on Saturday" in arabic_mail.body and community.name_ar in arabic_mail.body
    assert "يمكنك إيقاف هذا الملخّص" in arabic_mail.body

    next_week = now + timedelta(days=7)
    later = announcements.post(
        community, actor=coordinator.user, title="Repair café", body="Tools."
    )
    later.created_at = now + timedelta(days=1)
    db.session.commit()
    assert digest.send_for(reader.user_id, digest.week_of(next_week), next_week)
    db.session.commit()
    second = [m for m in _mails_to(reader.user) if m.id != mail.id][0]
    assert "Repair café" in second.body and "Picnic on Saturday" not in second.body
    assert picnic.id  # posted before the first digest, so not repeated
