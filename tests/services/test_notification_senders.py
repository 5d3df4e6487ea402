"""The daily jobs' notifications: a listing about to expire (its owner) and a safeguarding
check about to expire (the coordinators, once per check). In the inbox always; by e-mail
only when the member wants it, in their language."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_community, make_member
from tests.listing_factories import make_listing
from timebank.extensions import db
from timebank.models import (
    CheckType,
    MembershipStatus,
    Notification,
    OutboxMessage,
    Role,
    SafeguardingCheck,
)
from timebank.services.companionship import safeguarding
from timebank.services.listings import listings
from timebank.services.messaging import notifications

pytestmark = pytest.mark.usefixtures("app")
T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def _notes(kind: str) -> list[tuple[int, str | None, int | None]]:
    return list(
        db.session.execute(
            select(Notification.user_id, Notification.object_type, Notification.object_id)
            .where(Notification.kind == kind)
            .order_by(Notification.user_id, Notification.object_id)
        ).all()
    )


def _mails_to(user) -> list[OutboxMessage]:
    return list(
        db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient_id == user.id))
    )


def test_listing_reminder_is_an_in_app_notification_with_an_e_mail_in_arabic():
    """The expiry reminder lands in the owner's inbox, and the e-mail is in their language."""
    community = make_community()
    owner = make_member(community, locale="ar")
    listing = make_listing(owner, now=T0, title="Weekly walk")
    assert listings.expire_due(now=T0 + timedelta(days=85)).reminded == 1
    db.session.commit()
    assert _notes("listing_expiring") == [(owner.user_id, "listings", listing.id)]
    [mail] = _mails_to(owner.user)
    assert "Weekly walk" in mail.subject and "/listings/mine" in mail.body
    assert mail.subject != "Your listing “Weekly walk” expires soon"  # translated
    listings.expire_due(now=T0 + timedelta(days=86))
    assert len(_notes("listing_expiring")) == 1  # once


def test_listing_reminder_e_mail_follows_the_preference():
    """With the e-mail off for expiring listings, the reminder is only in the inbox."""
    community = make_community()
    owner = make_member(community)
    notifications.set_preferences(owner.user, email_kinds={"message"})
    make_listing(owner, now=T0)
    listings.expire_due(now=T0 + timedelta(days=85))
    db.session.commit()
    assert len(_notes("listing_expiring")) == 1 and _mails_to(owner.user) == []


def _check(member, verifier, expires_on: date, check_type=CheckType.BACKGROUND):
    check = SafeguardingCheck(
        membership_id=member.id,
        check_type=check_type,
        checked_on=expires_on - timedelta(days=700),
        expires_on=expires_on,
        verified_by_id=verifier.user_id,
    )
    db.session.add(check)
    db.session.commit()
    return check


def test_expiring_checks_notify_the_coordinators_once_per_check():
    """Checks expiring within 30 days are announced to each coordinator once, however
    often the job runs; later, further or revoked checks are not."""
    community, other = make_community(), make_community()
    today = T0.date()
    coordinator = make_member(community, role=Role.COORDINATOR, locale="ar")
    quiet = make_member(community, role=Role.COORDINATOR)
    notifications.set_preferences(quiet.user, email_kinds=set())
    volunteer = make_member(community)
    soon = _check(volunteer, coordinator, today + timedelta(days=20))
    _check(volunteer, coordinator, today + timedelta(days=40), CheckType.REFERENCES)
    revoked = _check(volunteer, coordinator, today + timedelta(days=5), CheckType.TRAINING)
    safeguarding.revoke_check(revoked, actor=coordinator.user)
    departed = make_member(community, status=MembershipStatus.LEFT)
    _check(departed, coordinator, today + timedelta(days=10))
    elsewhere = make_member(other, role=Role.COORDINATOR)
    _check(make_member(other), elsewhere, today + timedelta(days=1))
    db.session.commit()

    told = safeguarding.remind_expiring(now=T0)
    db.session.commit()
    assert told == 2
    [(_, _, other_check)] = [n for n in _notes("check_expiring") if n[0] == elsewhere.user_id]
    mine = [n for n in _notes("check_expiring") if n[0] != elsewhere.user_id]
    assert sorted(mine) == sorted(
        [
            (coordinator.user_id, "safeguarding_checks", soon.id),
            (quiet.user_id, "safeguarding_checks", soon.id),
        ]
    )
    assert db.session.get(SafeguardingCheck, soon.id).expiry_notified_at is not None
    [mail] = _mails_to(coordinator.user)
    assert mail.subject != "A safeguarding check is expiring"  # in Arabic
    assert _mails_to(quiet.user) == []

    assert safeguarding.remind_expiring(now=T0 + timedelta(days=1)) == 0
    assert safeguarding.remind_expiring(now=T0 + timedelta(days=25)) == 1  # the 40-day one
    db.session.commit()
    assert len(_notes("check_expiring")) == 2 + 1 + 2


def test_remind_checks_command(runner):
    """The cron command notifies, says how many, and is idempotent."""
    community = make_community()
    coordinator = make_member(community, role=Role.COORDINATOR)
    _check(make_member(community), coordinator, date(2026, 4, 20))
    result = runner.invoke(args=["remind-checks", "--now", "2026-04-02T09:00:00"])
    assert result.exit_code == 0, result.output
    assert "1 expiring safeguarding checks notified" in result.output
    again = runner.invoke(args=["remind-checks", "--now", "2026-04-02T09:00:00"])
    assert "0 expiring safeguarding checks notified" in again.output
    bad = runner.invoke(args=["remind-checks", "--now", "yesterday"])
    assert bad.exit_code != 0


@pytest.mark.parametrize("object_type", sorted(notifications.TARGETS))
def test_every_notification_target_is_a_page_of_the_site(app, object_type):
    """Each kind of object a notification is about leads to a page the site routes (the
    inbox's link and the e-mail's path), built without a request, as the daily jobs do."""
    endpoint, _argument = notifications.TARGETS[object_type]
    path = notifications.target_path(object_type, 7, "old-town")
    assert path.startswith("/c/old-town/")
    matched, values = app.url_map.bind("localhost").match(path)
    assert matched == endpoint
    assert values["slug"] == "old-town"
    assert notifications.target_path(object_type, 7, None) == ""
    assert notifications.target_path("no_such_type", 7, "old-town") == ""


def test_a_renewed_check_is_not_announced_as_expiring():
    """A volunteer whose background check expires in 10 days but who already has a new one
    (valid three years) is not on the expiring list and no coordinator is told; a revoked
    renewal does not count, so the other volunteer's old check is still announced."""
    community = make_community()
    today = T0.date()
    coordinator = make_member(community, role=Role.COORDINATOR)
    renewed, unlucky = make_member(community), make_member(community)
    old = _check(renewed, coordinator, today + timedelta(days=10))
    _check(renewed, coordinator, today + timedelta(days=3 * 365))
    references = _check(renewed, coordinator, today + timedelta(days=12), CheckType.REFERENCES)
    expiring = _check(unlucky, coordinator, today + timedelta(days=10))
    revoked = _check(unlucky, coordinator, today + timedelta(days=3 * 365))
    safeguarding.revoke_check(revoked, actor=coordinator.user)
    db.session.commit()

    listed = safeguarding.expiring_checks(community, today=today)
    assert [c.id for c in listed] == [expiring.id, references.id]  # not old: it was renewed
    assert old.id not in {c.id for c in listed}
    assert safeguarding.remind_expiring(now=T0) == 2
    db.session.commit()
    told = sorted(object_id for _user, _type, object_id in _notes("check_expiring"))
    assert told == sorted([expiring.id, references.id])


@pytest.mark.parametrize("public_url", [None, "https://timebank.example.org/"])
def test_a_daily_job_links_its_e_mail_at_the_public_address(app, public_url):
    """Outside any request, an e-mail's link starts with ``PUBLIC_URL`` when it is set, and
    is the site's path otherwise (the job cannot know the address)."""
    app.config["PUBLIC_URL"] = public_url
    community = make_community()
    coordinator = make_member(community, role=Role.COORDINATOR)
    check = _check(make_member(community), coordinator, T0.date() + timedelta(days=10))
    assert safeguarding.remind_expiring(now=T0) == 1
    db.session.commit()
    [mail] = _mails_to(coordinator.user)
    path = f"/c/{community.slug}/safeguarding/"
    expected = "https://timebank.example.org" + path if public_url else path
    assert f"Open Timebank to see it: {expected}\n" in mail.body, check.id
