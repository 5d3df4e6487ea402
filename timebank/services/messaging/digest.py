"""The weekly digest: the announcements posted since the member's last digest, new
listings in their categories and neighbourhood, and new endorsements of the member's
co-design proposals (batched here rather than one notice each), by e-mail in the member's
language.

Idempotent per ISO week: a ``digest_runs`` row (unique per member and week) is written in
the same transaction as the queued e-mail, so running the command twice — or two copies at
once from cron — sends each member at most one digest a week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import force_locale, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, func, or_, select

from timebank.extensions import db
from timebank.i18n import local_digits
from timebank.models import (
    Announcement,
    DigestRun,
    Listing,
    ListingStatus,
    Membership,
    NotificationPreference,
    Profile,
    Proposal,
    ProposalEndorsement,
    ProposalRevision,
    User,
)
from timebank.services.messaging import mail

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
    profile = db.session.scalar(select(Profile).where(Profile.membership_id == membership.id))
    # The member's entry of the list, else their words (a listing's own words, if any).
    place = profile.neighbourhood_id if profile else None
    words = profile.neighbourhood if profile and not place else None
    query = select(Listing).where(
        Listing.community_id == membership.community_id,
        Listing.status == ListingStatus.ACTIVE,
        Listing.created_at >= since,
        Listing.owner_id != membership.id,
    )
    has_categories = db.session.scalar(own_categories.limit(1)) is not None
    if has_categories or place or words:
        conditions: list[ColumnElement[bool]] = [Listing.category_id.in_(own_categories)]
        if place:
            conditions.append(Listing.neighbourhood_id == place)
        elif words:
            conditions.append(Listing.neighbourhood == words)
        query = query.where(or_(*conditions))
    return list(db.session.scalars(query.order_by(Listing.created_at.desc()).limit(MAX_ITEMS)))


def announcements_for(membership: Membership, since: datetime) -> list[Announcement]:
    """Announcements of the member's community posted since ``since`` and still up,
    oldest first."""
    return list(
        db.session.scalars(
            select(Announcement)
            .where(
                Announcement.community_id == membership.community_id,
                Announcement.created_at >= since,
                Announcement.withdrawn_at.is_(None),
            )
            .order_by(Announcement.created_at, Announcement.id)
            .limit(MAX_ITEMS)
        )
    )


def endorsements_for(membership: Membership, since: datetime) -> list[tuple[Proposal, int]]:
    """The member's proposals endorsed since ``since``, with how many new endorsements."""
    rows = db.session.execute(
        select(Proposal, func.count(ProposalEndorsement.id))
        .join(ProposalEndorsement, ProposalEndorsement.proposal_id == Proposal.id)
        .where(Proposal.proposer_id == membership.id, ProposalEndorsement.created_at >= since)
        .group_by(Proposal.id)
        .order_by(Proposal.id)
        .limit(MAX_ITEMS)
    )
    return [(proposal, int(count)) for proposal, count in rows]


def _support_lines(language: str, support: list[tuple[Proposal, int]]) -> list[str]:
    lines = [str(_l("New support for your proposals:")), ""]
    for proposal, count in support:
        revision: ProposalRevision = proposal.current
        counted = local_digits(
            ngettext(
                "%(title)s: %(num)s new endorsement",
                "%(title)s: %(num)s new endorsements",
                count,
                title="\x00",
            )
        )
        lines.append("- " + counted.replace("\x00", revision.title(language)))
    return [*lines, ""]


def _last_digest(user: User, week: str) -> datetime | None:
    return db.session.scalar(
        select(func.max(DigestRun.created_at)).where(
            DigestRun.user_id == user.id, DigestRun.week != week
        )
    )


def _body(
    user: User,
    news: list[tuple[Membership, list[Announcement]]],
    items: list[Listing],
    support: list[tuple[Proposal, int]] | None = None,
):
    """The subject and text, in the member's language."""
    with force_locale(user.locale or "en"):
        listings_heading = str(_l("New offers and requests this week"))
        subject = listings_heading if items else str(_l("News from your time bank this week"))
        lines = [subject + ":", ""] if items or not news else []
        for membership, posted in news:
            language = user.locale or membership.community.locale or "en"
            name = membership.community.display_name(language)
            lines += [str(_l("Announcements from %(community)s:", community=name)), ""]
            for item in posted:
                lines += [f"- {item.title}", *(f"  {line}" for line in item.body.splitlines()), ""]
        if items and news:
            lines += [listings_heading + ":", ""]
        lines += [f"- {listing.title}" for listing in items]
        if support:
            lines = [*lines, "", *_support_lines(user.locale or "en", support)]
        footer = str(_l("You can turn this digest off in your notification settings."))
    return subject, "\n".join([*lines, "", footer])


def send_for(user_id: int, week: str, now: datetime) -> bool:
    """Queue one member's digest and mark the week done; False when nothing is new.
    Announcements count from the member's last digest (a week back for a first one)."""
    user = db.session.get_one(User, user_id)
    since = _last_digest(user, week) or now - timedelta(days=7)
    db.session.add(DigestRun(user_id=user.id, week=week, created_at=now))
    db.session.flush()  # the unique (user, week) row: a parallel run fails here
    items: list[Listing] = []
    news = []
    support: list[tuple[Proposal, int]] = []
    for membership in user.memberships:
        if membership.is_active:
            posted = announcements_for(membership, since)
            if posted:
                news.append((membership, posted))
            items.extend(listings_for(membership, now - timedelta(days=7)))
            support.extend(endorsements_for(membership, since))
    if not items and not news and not support:
        return False
    subject, body = _body(user, news, items, support)
    mail.queue(user, subject, body)
    return True
