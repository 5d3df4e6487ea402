"""The monthly rollups (issue 15): every figure of a period of whole months, read from the
rollups, equals the same figure read from the exchanges, on a varied ledger (confirmations,
approvals, reversals, group activity, pot movements, paid co-design hours) written
through the services, so the triggers that keep the rollups see every kind of write."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from tests.services.metrics_data import at, build_town, post
from timebank.extensions import db
from timebank.models import (
    Category,
    Entry,
    Exchange,
    ExchangeStatus,
    MetricsAccountMonth,
    MetricsMonthTotal,
    MetricsTie,
    Proposal,
    ProposalStage,
)
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.exchanges import movements
from timebank.services.ledger import rollup_model
from timebank.services.metrics import codesign, compute, periods, reconcile, rollups

CATEGORIES = ("gardening", "transport", "companionship", "co-design")
FIRST = date(2025, 10, 1)


def _day(rng: random.Random) -> date:
    return FIRST + timedelta(days=rng.randrange(270))


@pytest.fixture
def ledger(app):
    """The hand-built town, then some 150 more exchanges over nine months, each pair
    returned so no balance strays far: posted at once, recorded and confirmed (or
    approved), a few reversed; a group activity, a grant of co-design hours."""
    town = build_town()
    rng = random.Random(15)
    people = [town.a, town.b, town.c, town.d, town.e, town.f, town.k2]
    for n in range(60):
        p, r = rng.sample(people, 2)
        minutes, category = rng.choice((30, 60, 90)), rng.choice(CATEGORIES)
        there = post(town.community, p, r, minutes, _day(rng), category)
        if n % 3 == 0:  # recorded, then confirmed: the status moves to posted
            back = exchanges.record(
                town.community, actor=r.user, provider=r, recipient=p, minutes=minutes,
                service_date=_day(rng), category=category,
                idempotency_key=f"rollups-{uuid.uuid4().hex}",
            )  # fmt: skip
            db.session.commit()
            if back.status == ExchangeStatus.RECORDED:
                exchanges.confirm(back, actor=p.user)
            if back.status == ExchangeStatus.AWAITING_APPROVAL:
                exchanges.approve(back, actor=town.k.user)
            db.session.commit()
        else:
            back = post(town.community, r, p, minutes, _day(rng), category)
        if n % 7 == 0:
            victim = there if n % 2 else back
            exchanges.reverse(victim, actor=town.k.user, reason="Recorded twice")
            db.session.commit()
    movements.group_exchange(
        town.community, actor=town.k.user, providers=[town.a, town.b], recipients=[town.c],
        minutes=60, service_date=date(2026, 2, 14), category="gardening",
        idempotency_key=f"group-{uuid.uuid4().hex}",
    )  # fmt: skip
    movements.grant(
        town.c, actor=town.k.user, minutes=30, reason="Co-design workshop",
        idempotency_key=f"grant-{uuid.uuid4().hex}", now=at(date(2026, 3, 20)),
        category="co-design",
    )  # fmt: skip
    db.session.commit()
    return town


def _periods() -> list[periods.Period]:
    months = [periods.month_of(date(2025, 10, 1) + timedelta(days=31 * n)) for n in range(10)]
    quarters = [periods.parse(q) for q in ("2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3")]
    whole = periods.custom(date(2025, 11, 1), date(2026, 2, 28))
    return [*months, *quarters, periods.year_of(2025), periods.year_of(2026), whole]


def _adopt_a_standard_category(town) -> None:
    """A member's proposal adopted as the standard "gardening" category: its hours are then
    "hours through member-designed services" (the figure that read the whole ledger)."""
    gardening = db.session.scalar(
        select(Category).where(
            Category.community_id == town.community.id, Category.key == "gardening"
        )
    )
    db.session.add(
        Proposal(community_id=town.community.id, proposer_id=town.a.id,
                 created_by_id=town.a.user_id, stage=ProposalStage.ADOPTED,
                 category_id=gardening.id, adopted_at=at(date(2026, 1, 3)))
    )  # fmt: skip
    db.session.commit()


def test_every_figure_is_the_same_from_the_rollups_and_from_the_exchanges(ledger):
    community_id = ledger.community.id
    _adopt_a_standard_category(ledger)
    designed = 0
    assert rollup_model.differences(community_id) == 0
    checked = 0
    for period in _periods():
        assert rollups.whole_months(period.start, period.end)
        fast = compute.summarise(community_id, period)
        slow = compute.summarise(community_id, period, from_rollups=False)
        assert fast == slow, period.label
        board = codesign.compute(community_id, period.start, period.end)
        assert board == codesign.compute(community_id, period.start, period.end, from_rollups=False)
        checked += fast.participation.exchanges
        designed += board.designed_minutes
    assert checked > 100  # the periods were not empty
    assert designed > 0


def test_a_period_of_part_months_reads_the_exchanges(ledger):
    assert not rollups.whole_months(date(2026, 1, 5), date(2026, 3, 31))
    assert not rollups.whole_months(date(2026, 1, 1), date(2026, 3, 30))


def test_verify_finds_and_rebuild_mends_a_wrong_rollup(ledger):
    community_id = ledger.community.id
    db.session.execute(
        update(MetricsMonthTotal)
        .where(MetricsMonthTotal.community_id == community_id, MetricsMonthTotal.month == "2026-01")
        .values(minutes=MetricsMonthTotal.minutes + 1)
    )
    db.session.execute(
        update(MetricsAccountMonth)
        .where(MetricsAccountMonth.community_id == community_id)
        .values(last_day=None)
    )
    db.session.execute(
        update(MetricsTie).where(MetricsTie.community_id == community_id).values(first_day=None)
    )
    assert rollup_model.differences(community_id) > 0
    assert rollup_model.rebuild(community_id) > 0
    db.session.commit()
    assert rollup_model.differences(community_id) == 0
    assert db.session.scalar(select(MetricsAccountMonth.last_day).limit(1)) is not None
    assert db.session.scalar(select(MetricsTie.first_day).limit(1)) is not None


def test_reconciliation_reads_what_the_entries_say(ledger):
    """On either engine (PostgreSQL sums each exchange's entries in a LATERAL subquery)."""
    community_id = ledger.community.id
    rows = db.session.execute(
        select(Entry.exchange_id, Entry.delta, Exchange.service_date, Exchange.status,
               Exchange.kind)
        .join(Exchange, Exchange.id == Entry.exchange_id)
        .where(Exchange.community_id == community_id)
    ).all()  # fmt: skip
    for period in _periods():
        mine = [r for r in rows if period.start <= r.service_date <= period.end]
        standing = [r for r in mine if r.status == "posted" and r.kind in ("exchange", "group")]
        expected = (
            len({r.exchange_id for r in mine}),
            len(mine),
            sum(r.delta for r in mine),
            sum(r.delta for r in standing if r.delta > 0),
        )
        assert reconcile.reconciliation(community_id, period.start, period.end)[:4] == expected
