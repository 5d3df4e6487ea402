"""The demo community tells one consistent story a funder can be shown: members join before
their first exchange, the bank grows over a year, and every quarter's figures agree with
each other."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from timebank.database import transaction
from timebank.demo import DEMO_SLUG, load_demo
from timebank.extensions import db
from timebank.models import Account, Community, Exchange, Membership
from timebank.services.metrics import api as metrics
from timebank.services.metrics.periods import Period, quarter_of


@pytest.fixture
def demo(app) -> Community:
    transaction(load_demo)
    return db.session.scalar(select(Community).where(Community.slug == DEMO_SLUG))


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
