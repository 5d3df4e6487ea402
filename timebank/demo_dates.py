"""The demo's dates tell the story its service dates tell (demo data only).

The services stamp every record with the moment the demo loads; the story spreads over a
year. After loading, each exchange is dated as if recorded on the evening of its service
day, confirmed the next morning and approved soon after (a reversal keeps its day: the
duplicate is undone today, its service date the day of the reversal, as the ledger's
read models have it); each listing goes back to a day after its owner joined and before any
exchange recorded from it; each notification about an exchange, a companionship match,
an application or a proposal carries the time of the event it tells of. The ledger's
entries and the audit trail are append-only and keep the load time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from timebank.extensions import db
from timebank.models import (
    Arrangement,
    Community,
    Exchange,
    Listing,
    Membership,
    Notification,
    Proposal,
    utcnow,
)

RECORDED_AT = time(18)  # the evening of the service day
CONFIRMED_AFTER = timedelta(hours=15)  # the next morning
APPROVED_AFTER = timedelta(hours=3)
# Listings were posted a few days to a few weeks before today, by their id.
LISTING_DAYS_AGO = (4, 9, 15, 22, 30, 41, 55)


def _aware(value: datetime) -> datetime:
    """SQLite gives back naive times (UTC); PostgreSQL aware ones."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _maybe(value: datetime | None) -> datetime | None:
    return _aware(value) if value is not None else None


def _evening(day: date) -> datetime:
    return datetime.combine(day, RECORDED_AT, tzinfo=UTC)


def backdate(community: Community) -> None:
    now = utcnow()
    latest = now - timedelta(hours=1)
    for exchange in db.session.scalars(
        select(Exchange).where(
            Exchange.community_id == community.id, Exchange.reverses_exchange_id.is_(None)
        )
    ):
        _date_exchange(exchange, latest)
    _date_listings(community, now)
    db.session.flush()
    _date_notifications(community)
    db.session.flush()


def _date_exchange(exchange: Exchange, latest: datetime) -> None:
    """Recorded on the evening of its service day, confirmed the next morning, decided on
    confirmation (or a few hours later by a coordinator); nothing after ``latest``."""
    recorded = min(_evening(exchange.service_date), latest)
    old_confirmed, old_decided = _maybe(exchange.confirmed_at), _maybe(exchange.decided_at)
    confirmed = min(recorded + CONFIRMED_AFTER, latest)
    exchange.created_at = recorded
    if old_confirmed is not None:
        exchange.confirmed_at = confirmed
    if old_decided is not None:
        at_once = old_confirmed is None or abs(old_decided - old_confirmed) < timedelta(seconds=5)
        base = confirmed if old_confirmed is not None else recorded
        exchange.decided_at = base if at_once else min(base + APPROVED_AFTER, latest)


def _date_listings(community: Community, now: datetime) -> None:
    first_use = dict(
        db.session.execute(
            select(Exchange.listing_id, func.min(Exchange.created_at))
            .where(Exchange.community_id == community.id, Exchange.listing_id.is_not(None))
            .group_by(Exchange.listing_id)
        ).all()
    )
    rows = db.session.execute(
        select(Listing, Membership.decided_at)
        .join(Membership, Membership.id == Listing.owner_id)
        .where(Listing.community_id == community.id)
        .order_by(Listing.id)
    ).all()
    for index, (listing, joined) in enumerate(rows):
        days = LISTING_DAYS_AGO[index % len(LISTING_DAYS_AGO)]
        posted = now - timedelta(days=days, hours=index % 7)
        if joined is not None:
            posted = max(posted, _aware(joined) + timedelta(days=1))
        used = _maybe(first_use.get(listing.id))
        if used is not None:
            posted = min(posted, used - timedelta(days=1))
        posted = min(posted, now)
        listing.created_at = listing.updated_at = posted


def _event_time(note: Notification, objects: dict) -> datetime | None:
    """When the event a notification tells of happened (None: leave it as it is)."""
    found = objects.get((note.object_type, note.object_id))
    if isinstance(found, Exchange):
        if note.kind == "exchange_confirm":
            return _maybe(found.created_at)
        if note.kind == "exchange_reversed":
            reversal = objects.get(("reversal", found.id))
            return _maybe(reversal.decided_at) if reversal is not None else None
        if note.kind == "exchange_confirmed":
            return _maybe(found.confirmed_at)
        return _maybe(found.decided_at or found.confirmed_at)
    if isinstance(found, Arrangement) and note.kind == "matched":
        # Matched when confirmed (a match confirms as it creates: the later of the two).
        return max(_aware(found.created_at), _maybe(found.confirmed_at) or _aware(found.created_at))
    if isinstance(found, Membership) and note.kind == "application":
        return _aware(found.created_at)
    if isinstance(found, Proposal) and note.kind == "proposal_new":
        return _maybe(found.created_at)
    if isinstance(found, Proposal) and note.kind == "proposal_adopted":
        return _maybe(found.adopted_at)
    return None


def _date_notifications(community: Community) -> None:
    objects: dict = {}
    for exchange in db.session.scalars(
        select(Exchange).where(Exchange.community_id == community.id)
    ):
        objects[("exchanges", exchange.id)] = exchange
        if exchange.reverses_exchange_id is not None:
            objects[("reversal", exchange.reverses_exchange_id)] = exchange
    for arrangement in db.session.scalars(
        select(Arrangement).where(Arrangement.community_id == community.id)
    ):
        objects[("companionship_arrangements", arrangement.id)] = arrangement
    for membership in db.session.scalars(
        select(Membership).where(Membership.community_id == community.id)
    ):
        objects[("applications", membership.id)] = membership
    for proposal in db.session.scalars(
        select(Proposal).where(Proposal.community_id == community.id)
    ):
        objects[("codesign_proposals", proposal.id)] = proposal
    notes = db.session.scalars(
        select(Notification).where(Notification.community_id == community.id)
    )
    for note in notes:
        moment = _event_time(note, objects)
        if moment is not None:
            note.created_at = moment
