"""The volunteer's iCalendar feed of their visits (issue 19): a secret address per member
(only its SHA-256 is stored), revocable, read by calendar apps without signing in. Times
are in the community's time zone (with its VTIMEZONE); the feed names the kind of visit
and the visited member's first name only: no address, phone or notes."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from icalendar import Calendar, Event
from sqlalchemy import delete, select

from timebank.extensions import db
from timebank.models import (
    Arrangement,
    ArrangementStatus,
    Community,
    Membership,
    User,
    VisitFeed,
    utcnow,
)
from timebank.services import audit
from timebank.services.companionship import schedule
from timebank.services.companionship.requests import KIND_LABELS
from timebank.services.exceptions import NotAllowed

HORIZON_DAYS = 92
VISIT_LENGTH = timedelta(hours=1)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _own(membership: Membership | None, actor: User) -> Membership:
    if membership is None or membership.user_id != actor.id:
        raise NotAllowed(_l("Only the member can manage their calendar feed."))
    return membership


def has_feed(membership: Membership | None) -> bool:
    if membership is None:
        return False
    found = db.session.scalar(select(VisitFeed.id).where(VisitFeed.membership_id == membership.id))
    return found is not None


def create(membership: Membership | None, *, actor: User) -> str:
    """A new secret for the member's feed (the old address stops working); returned once."""
    membership = _own(membership, actor)
    db.session.execute(delete(VisitFeed).where(VisitFeed.membership_id == membership.id))
    secret = secrets.token_urlsafe(24)
    db.session.add(VisitFeed(membership_id=membership.id, secret_hash=_hash(secret)))
    db.session.flush()
    audit.record(
        "companionship.feed_created", actor=actor, community_id=membership.community_id,
        obj=membership,
    )  # fmt: skip
    return secret


def revoke(membership: Membership | None, *, actor: User) -> bool:
    membership = _own(membership, actor)
    result = db.session.execute(delete(VisitFeed).where(VisitFeed.membership_id == membership.id))
    audit.record(
        "companionship.feed_revoked", actor=actor, community_id=membership.community_id,
        obj=membership,
    )  # fmt: skip
    return bool(getattr(result, "rowcount", 0))


def member_for(community: Community, secret: str) -> Membership | None:
    """The active member of ``community`` whose feed has this secret, else None."""
    if not secret or len(secret) > 100:
        return None
    return db.session.scalar(
        select(Membership)
        .join(VisitFeed, VisitFeed.membership_id == Membership.id)
        .where(
            VisitFeed.secret_hash == _hash(secret),
            Membership.community_id == community.id,
            Membership.status == "active",
        )
    )


def calendar(membership: Membership, *, now: datetime | None = None) -> bytes:
    """The member's planned visits as volunteer, from a week ago to three months ahead."""
    now = now or utcnow()
    today = schedule.local_today(now)
    arrangements = db.session.scalars(
        select(Arrangement)
        .where(
            Arrangement.volunteer_id == membership.id,
            Arrangement.status == ArrangementStatus.ACTIVE,
            Arrangement.visit_weekday.is_not(None),
        )
        .order_by(Arrangement.id)
    ).all()
    locale = membership.user.locale or membership.community.locale or "en"
    cal = Calendar()
    cal.add("prodid", "-//Timebank//Companionship visits//EN")
    cal.add("version", "2.0")
    with force_locale(locale):
        cal.add("x-wr-calname", str(_l("Companionship visits")))
        for arrangement in arrangements:
            name = arrangement.request.recipient.user.display_name
            summary = str(
                _l("%(kind)s with %(name)s", kind=KIND_LABELS[arrangement.request.kind], name=name)
            )
            start, end = today - timedelta(days=7), today + timedelta(days=HORIZON_DAYS)
            for slot in schedule.slots(arrangement, start, end):
                if slot.skipped:
                    continue
                begins = schedule.moment(arrangement, slot.on).astimezone(schedule.zone())
                event = Event()
                # Named by the planned date: a moved visit keeps its calendar entry.
                event.add("uid", f"visit-{arrangement.id}-{slot.planned_on.isoformat()}@timebank")
                event.add("dtstamp", now)
                event.add("dtstart", begins)
                event.add("dtend", begins + VISIT_LENGTH)
                event.add("summary", summary)
                cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
