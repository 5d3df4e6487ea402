"""The weekly digest: new listings in a member's categories and neighbourhood, by e-mail.

Idempotent per ISO week: a ``digest_runs`` row (unique per member and week) is written in
the same transaction as the queued e-mail, so running the command twice — or two copies at
once from cron — sends each member at most one digest a week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from timebank.extensions import db
from timebank.models import (
    DigestRun,
    Listing,
    ListingStatus,
    Membership,
    NotificationPreference,
    Profile,
    User,
)
from timebank.services import mail

MAX_ITEMS = 15


def week_of(now: datetime) -> str:
    year, week, _day = now.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class Summary:
    sent: int = 0
    skipped: int = 0


def candidates(week: str) -> list[int]:
    """Users with an active membership, the digest on, and no digest this week."""
    opted_out = select(NotificationPreference.user_id).where(
        NotificationPreference.kind == "digest", NotificationPreference.email.is_(False)
    )
    done = select(DigestRun.user_id).where(DigestRun.week == week)
    return list(
        db.session.scalars(
            select(User.id)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.status == "active",
                User.email.is_not(None),
                User.id.not_in(opted_out),
                User.id.not_in(done),
            )
            .distinct()
            .order_by(User.id)
        )
    )


def listings_for(membership: Membership, since: datetime) -> list[Listing]:
    """New active listings of others in the member's categories (those of their own
    listings) or neighbourhood; every new listing when neither is known."""
    own_categories = select(Listing.category_id).where(Listing.owner_id == membership.id)
    neighbourhood = db.session.scalar(
        select(Profile.neighbourhood).where(Profile.membership_id == membership.id)
    )
    query = select(Listing).where(
        Listing.community_id == membership.community_id,
        Listing.status == ListingStatus.ACTIVE,
        Listing.created_at >= since,
        Listing.owner_id != membership.id,
    )
    has_categories = db.session.scalar(own_categories.limit(1)) is not None
    if has_categories or neighbourhood:
        conditions = [Listing.category_id.in_(own_categories)]
        if neighbourhood:
            conditions.append(Listing.neighbourhood == neighbourhood)
        query = query.where(or_(*conditions))
    return list(db.session.scalars(query.order_by(Listing.created_at.desc()).limit(MAX_ITEMS)))


def send_for(user_id: int, week: str, now: datetime) -> bool:
    """Queue one member's digest and mark the week done; False when nothing is new."""
    user = db.session.get(User, user_id)
    db.session.add(DigestRun(user_id=user.id, week=week, created_at=now))
    db.session.flush()  # the unique (user, week) row: a parallel run fails here
    items = []
    for membership in user.memberships:
        if membership.is_active:
            items.extend(listings_for(membership, now - timedelta(days=7)))
    if not items:
        return False
    with force_locale(user.locale or "en"):
        subject = str(_l("New offers and requests this week"))
        lines = [f"- {listing.title}" for listing in items]
        footer = str(_l("You can turn this digest off in your notification settings."))
    mail.queue(user, subject, "\n".join([subject + ":", "", *lines, "", footer]))
    return True
