"""The demo community tells one consistent story a funder can be shown: members join before
their first exchange, the bank grows over a year, and every quarter's figures agree with
each other."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from timebank.extensions import db
from timebank.models import (
    Account,
    Arrangement,
    Exchange,
    Listing,
    Membership,
    Notification,
    Proposal,
)
from timebank.services.metrics import api as metrics
from timebank.services.metrics.periods import Period, quarter_of


def _quarters_back(count: int) -> list[Period]:
    quarters, day = [], date.today()
    for _ in range(count):
        quarter = quarter_of(day)
        quarters.append(quarter)
        day = date.fromordinal(quarter.start.toordinal() - 1)
    return list(reversed(quarters))


def test_nobody_exchanges_before_joining(demo):
    """Every exchange's service date falls on or after both members' admission."""
    admitted = {
        account.id: (membership.decided_at or membership.created_at).date()
        for account, membership in db.session.execute(
            select(Account, Membership)
            .join(Membership, Account.membership_id == Membership.id)
            .where(Membership.community_id == demo.id)
        )
    }
    exchanges = db.session.scalars(select(Exchange).where(Exchange.community_id == demo.id)).all()
    between_members = [
        e
        for e in exchanges
        if e.provider_account_id in admitted and e.recipient_account_id in admitted
    ]
    assert len(between_members) >= 40
    early = [
        (e.id, e.service_date)
        for e in between_members
        if e.service_date < max(admitted[e.provider_account_id], admitted[e.recipient_account_id])
    ]
    assert early == []


def test_a_year_of_quarters_that_agree(demo):
    """Five quarters back: the bank grows, new members never outnumber members, and the
    year has activity in most of its quarters (not one burst in the last months)."""
    summaries = [metrics.summary(demo, quarter).participation for quarter in _quarters_back(5)]
    members = [p.members for p in summaries]
    assert members == sorted(members), members
    assert members[-1] >= 8
    for previous, current in zip(summaries, summaries[1:], strict=False):
        assert current.new_members <= current.members
        assert current.members == previous.members + current.new_members - current.departed_members
    assert sum(1 for p in summaries if p.exchanges > 0) >= 4, [p.exchanges for p in summaries]
    assert summaries[-1].new_members < members[-1]


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def test_records_are_dated_as_the_story_happened(demo):
    """No listing is created after an exchange recorded from it, no exchange is decided
    before its service day (nor recorded after its decision), no notification comes
    before the event it tells of; and the demo's records are not all dated today."""
    exchanges = db.session.scalars(select(Exchange).where(Exchange.community_id == demo.id)).all()
    by_id = {e.id: e for e in exchanges}
    decided = [e for e in exchanges if e.decided_at is not None]
    early = [e.id for e in decided if _utc(e.decided_at).date() < e.service_date]
    assert early == []
    assert all(_utc(e.created_at) <= _utc(e.decided_at) for e in exchanges if e.decided_at)
    assert len({_utc(e.decided_at).date() for e in decided}) > 20
    stale = [e.id for e in decided if _utc(e.decided_at).date() - e.service_date > timedelta(2)]
    assert stale == []  # "Decided on" today for help given in March no more
    listings = db.session.scalars(select(Listing).where(Listing.community_id == demo.id)).all()
    assert listings and len({_utc(listing.created_at).date() for listing in listings}) > 1
    created = {listing.id: _utc(listing.created_at) for listing in listings}
    late = [(e.id, e.listing_id) for e in exchanges
            if e.listing_id is not None and created[e.listing_id] > _utc(e.created_at)]  # fmt: skip
    assert late == []
    events = {("exchanges", e.id): _utc(e.created_at) for e in exchanges}
    events.update(
        (("companionship_arrangements", a.id), _utc(a.created_at))
        for a in db.session.scalars(select(Arrangement).where(Arrangement.community_id == demo.id))
    )
    events.update(
        (("codesign_proposals", p.id), _utc(p.created_at))
        for p in db.session.scalars(select(Proposal).where(Proposal.community_id == demo.id))
    )
    notes = db.session.scalars(
        select(Notification).where(Notification.community_id == demo.id)
    ).all()
    before = [(n.kind, n.object_id) for n in notes
              if (n.object_type, n.object_id) in events
              and _utc(n.created_at) < events[(n.object_type, n.object_id)]]  # fmt: skip
    assert before == []
    about_exchanges = [n for n in notes if n.object_type == "exchanges"]
    assert len({_utc(n.created_at).date() for n in about_exchanges}) > 10
    assert all(by_id[n.object_id] for n in about_exchanges if n.object_id)
