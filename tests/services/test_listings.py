"""The listing lifecycle: post, edit, pause, resume, renew, close, expiry and reminders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import make_community, make_member
from tests.listing_factories import category, make_listing
from timebank.extensions import db
from timebank.models import AuditEvent, Listing, ListingStatus, OutboxMessage, Role
from timebank.services.exceptions import AlreadyDecided, InvalidInput, NotAllowed
from timebank.services.listings import categories, listings

pytestmark = pytest.mark.usefixtures("app")
T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _input(community, **overrides) -> listings.ListingInput:
    values = {
        "kind": "offer",
        "title": "Lift to the clinic",
        "description": "",
        "category_id": category(community).id,
        "language": "en",
    }
    return listings.ListingInput(**{**values, **overrides})


def test_new_listing_expires_after_the_community_policy():
    """A listing lasts the community's number of days (90 by default), and is audited."""
    community = make_community()
    owner = make_member(community)
    listing = make_listing(owner, now=T0)
    assert listing.status == ListingStatus.ACTIVE
    assert listing.expires_at == T0 + timedelta(days=90)
    community.listing_expiry_days = 30
    db.session.commit()
    assert make_listing(owner, now=T0).expires_at == T0 + timedelta(days=30)
    assert _count(AuditEvent, AuditEvent.action == "listing.create") == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 121}, "title"),
        ({"description": "x" * 5001}, "description"),
        ({"neighbourhood": "x" * 81}, "neighbourhood"),
        ({"when_text": "x" * 201}, "when_text"),
        ({"kind": "advert"}, "kind"),
        ({"language": "xx"}, "language"),
        ({"category_id": None}, "category_id"),
        ({"category_id": 999999}, "category_id"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(overrides, field):
    """Every invalid value is refused with the field named; nothing is stored."""
    community = make_community()
    owner = make_member(community)
    with pytest.raises(InvalidInput) as caught:
        listings.create(community, actor=owner.user, data=_input(community, **overrides))
    db.session.rollback()
    assert caught.value.field == field
    assert _count(Listing) == 0


def test_category_of_another_community_is_refused():
    """A listing cannot use another community's category."""
    community, other = make_community(), make_community()
    owner = make_member(community)
    with pytest.raises(InvalidInput):
        listings.create(
            community, actor=owner.user, data=_input(community, category_id=category(other).id)
        )


def test_retired_category_cannot_be_chosen_but_old_listings_keep_it():
    """After retirement a category is refused for new listings, kept by old ones."""
    community = make_community()
    owner = make_member(community)
    coordinator = make_member(community, role=Role.COORDINATOR)
    old = make_listing(owner, key="arts")
    categories.retire(category(community, "arts"), actor=coordinator.user)
    db.session.commit()
    arts = category(community, "arts").id
    with pytest.raises(InvalidInput) as caught:
        listings.create(community, actor=owner.user, data=_input(community, category_id=arts))
    assert caught.value.field == "category_id"
    db.session.rollback()
    listings.update_listing(
        old, actor=owner.user, data=_input(community, title="Still arts", category_id=arts)
    )
    db.session.commit()
    assert db.session.get(Listing, old.id).category_id == arts


def test_only_active_members_post_and_only_owner_or_coordinator_manage():
    """Applicants cannot post; another member cannot edit or close; a coordinator can."""
    from timebank.models import MembershipStatus

    community = make_community()
    owner = make_member(community)
    stranger = make_member(community)
    coordinator = make_member(community, role=Role.COORDINATOR)
    applicant = make_member(community, status=MembershipStatus.APPLYING)
    with pytest.raises(NotAllowed):
        listings.create(community, actor=applicant.user, data=_input(community))
    listing = make_listing(owner)
    with pytest.raises(NotAllowed):
        listings.update_listing(listing, actor=stranger.user, data=_input(community, title="Mine"))
    with pytest.raises(NotAllowed):
        listings.close(listing, actor=stranger.user)
    db.session.rollback()
    listings.pause(listing, actor=coordinator.user)
    db.session.commit()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "listing.pause"))
    assert event.actor_id == coordinator.user_id and event.on_behalf_of_id == owner.user_id


def test_pause_resume_renew_close():
    """The owner pauses, resumes, renews and finally closes; a closed listing stays closed."""
    community = make_community()
    owner = make_member(community)
    listing = make_listing(owner, now=T0)
    listings.pause(listing, actor=owner.user, now=T0)
    assert listing.status == ListingStatus.PAUSED
    with pytest.raises(AlreadyDecided):
        listings.pause(listing, actor=owner.user, now=T0)
    listings.resume(listing, actor=owner.user, now=T0 + timedelta(days=1))
    assert listing.status == ListingStatus.ACTIVE
    listings.renew(listing, actor=owner.user, now=T0 + timedelta(days=50))
    assert listing.expires_at == T0 + timedelta(days=140)
    assert listing.renewed_at == T0 + timedelta(days=50)
    listings.close(listing, actor=owner.user, now=T0 + timedelta(days=60))
    db.session.commit()
    assert listing.status == ListingStatus.CLOSED
    for action in (listings.renew, listings.resume, listings.close):
        with pytest.raises(AlreadyDecided):
            action(listing, actor=owner.user)
    with pytest.raises(InvalidInput):
        listings.update_listing(listing, actor=owner.user, data=_input(community))
    db.session.rollback()
    actions = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.object_type == "listings")
        .order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "listing.create",
        "listing.pause",
        "listing.resume",
        "listing.renew",
        "listing.close",
    ]


def test_expiry_and_reminders_with_a_frozen_clock():
    """A reminder goes out once, a week before; the listing expires on time; reruns are
    harmless; renewing brings it back."""
    community = make_community()
    owner = make_member(community, email="owner@example.org")
    listing = make_listing(owner, now=T0, title="Weekly walk")
    expires = T0 + timedelta(days=90)

    assert listings.expire_due(now=expires - timedelta(days=8)) == listings.ExpirySummary(0, 0)
    assert listings.expire_due(now=expires - timedelta(days=6)) == listings.ExpirySummary(0, 1)
    assert listings.expire_due(now=expires - timedelta(days=5)) == listings.ExpirySummary(0, 0)
    db.session.commit()
    mails = db.session.scalars(select(OutboxMessage)).all()
    assert len(mails) == 1 and mails[0].to_address == "owner@example.org"
    assert "Weekly walk" in mails[0].subject

    assert listings.expire_due(now=expires) == listings.ExpirySummary(1, 0)
    assert listings.expire_due(now=expires) == listings.ExpirySummary(0, 0)
    db.session.commit()
    assert db.session.get(Listing, listing.id).status == ListingStatus.EXPIRED
    assert _count(AuditEvent, AuditEvent.action == "listing.expire") == 1

    listings.renew(listing, actor=owner.user, now=expires + timedelta(days=1))
    assert listing.status == ListingStatus.ACTIVE and listing.reminder_sent_at is None
    assert listing.expires_at == expires + timedelta(days=91)


def test_paused_listings_expire_too_but_get_no_reminder():
    """A paused listing expires on time; only active ones are reminded."""
    community = make_community()
    owner = make_member(community)
    listing = make_listing(owner, now=T0)
    listings.pause(listing, actor=owner.user, now=T0)
    assert listings.expire_due(now=T0 + timedelta(days=85)).reminded == 0
    assert listings.expire_due(now=T0 + timedelta(days=90)).expired == 1


def test_expire_listings_command(runner):
    """The cron command expires and reminds, and says what it did."""
    community = make_community()
    owner = make_member(community)
    make_listing(owner, now=T0)
    result = runner.invoke(args=["expire-listings", "--now", "2026-04-02T09:00:00"])
    assert result.exit_code == 0, result.output
    assert "1 listings expired" in result.output
    again = runner.invoke(args=["expire-listings", "--now", "2026-04-02T09:00:00"])
    assert "0 listings expired, 0 reminders" in again.output
    bad = runner.invoke(args=["expire-listings", "--now", "yesterday"])
    assert bad.exit_code != 0
