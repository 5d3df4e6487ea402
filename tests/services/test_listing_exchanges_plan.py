"""Listing pages found over budget by ``benchmarks pages`` at 1,000,000 exchanges and
100,000 listings (issue 15), held to their indexes on an ANALYZEd database:

- a listing's page reads its exchanges through ``ix_exchanges_listing_id`` where most
  exchanges come from no listing (SQLite's statistics count every NULL as one value, and
  the full index lost to the community's date index: 1.5 s);
- the categories page counts listings per category without reading every listing (a
  scan of ``listings`` for its community: 280 ms);
- the approval queue reads the waiting exchanges from the community-and-status index, in
  id order, and not the primary key from the first exchange ever, filtered (PostgreSQL:
  1.3 s)."""

from __future__ import annotations

import functools
import json
from datetime import timedelta

from sqlalchemy import func, insert, select, update

from tests.companion_factories import make_arrangement, make_request
from tests.factories import make_community
from tests.services.conftest import make_bank
from tests.services.test_query_plans import _capture, _fill, _full_scans, analyze
from timebank.extensions import db
from timebank.models import Exchange, ExchangeStatus, Listing, Visit, Wellbeing, utcnow
from timebank.services.companionship import dashboard as care_dashboard
from timebank.services.exchanges import listing_hours, statements
from timebank.services.exchanges.statements import QueueFilters
from timebank.services.listings import categories

INDEX = "ix_exchanges_listing_id"


def _nodes(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


def _plan_lines(statement: str, parameters) -> list[str]:
    connection = db.session.connection()
    if db.engine.dialect.name == "sqlite":
        plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
        return [str(row[-1]) for row in plan]
    return [str(r[0]) for r in connection.exec_driver_sql("EXPLAIN " + statement, parameters)]


def _indexes_used(statement: str, parameters) -> list[str]:
    """The plan's steps that read ``exchanges`` (or its listing index)."""
    connection = db.session.connection()
    if db.engine.dialect.name == "sqlite":
        plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
        return [row[-1] for row in plan if " exchanges " in f" {row[-1]} "]
    raw = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar()
    plan = raw if isinstance(raw, list) else json.loads(raw)
    return [
        f"{node['Node Type']} {node.get('Index Name', '')} {node.get('Index Cond', '')}"
        for node in _nodes(plan[0]["Plan"])
        if node.get("Relation Name") == "exchanges" or node.get("Index Name") == INDEX
    ]


def test_listing_page_reads_its_exchanges_by_the_listing_index(app):
    bank = make_bank()
    _fill(bank)  # 3,000 exchanges from no listing, 1,200 listings, ANALYZE
    listing = db.session.scalars(select(Listing).order_by(Listing.id)).first()
    assert listing is not None
    mine = db.session.scalars(
        select(Exchange.id)
        .where(Exchange.provider_account_id == bank.account(bank.a).id)
        .order_by(Exchange.id)
        .limit(4)
    ).all()
    db.session.execute(update(Exchange).where(Exchange.id.in_(mine)).values(listing_id=listing.id))
    db.session.commit()
    analyze()

    captured = _capture(lambda: listing_hours.for_listing(listing, actor=bank.a.user))
    reading = [
        (statement, plan)
        for statement, params in captured
        if "exchanges.listing_id" in statement
        for plan in [_indexes_used(statement, params)]
    ]
    assert reading, captured
    for statement, plan in reading:
        assert plan and all(INDEX in step for step in plan), (plan, statement)
    hours = listing_hours.for_listing(listing, actor=bank.a.user)
    assert sorted(row.id for row in hours.exchanges) == sorted(mine)
    assert hours.posted_minutes == 30 * len(mine)


def test_category_counts_read_no_listing_rows(app):
    bank = make_bank()
    _fill(bank)  # 1,200 listings, ANALYZE
    other = make_community()
    captured = _capture(lambda: categories.listing_counts(bank.community))
    assert captured
    scans = [s for statement, params in captured for s in _full_scans(statement, params)]
    assert not scans, scans
    expected = dict(
        db.session.execute(
            select(Listing.category_id, func.count())
            .where(Listing.community_id == bank.community.id)
            .group_by(Listing.category_id)
        ).all()
    )
    assert expected and categories.listing_counts(bank.community) == expected
    assert categories.listing_counts(other) == {}


def test_approval_queue_reads_the_waiting_exchanges_from_their_index(app):
    bank = make_bank()
    _fill(bank)
    # The newest exchanges wait for approval, as in a living bank.
    newest = db.session.scalars(select(Exchange.id).order_by(Exchange.id.desc()).limit(40)).all()
    db.session.execute(
        update(Exchange)
        .where(Exchange.id.in_(newest))
        .values(status=ExchangeStatus.AWAITING_APPROVAL, decided_at=None, decided_by_id=None)
    )
    db.session.commit()
    analyze()

    for number in (1, 2):
        captured = _capture(
            functools.partial(
                statements.approval_queue, bank.community, QueueFilters(), page=number
            )
        )
        for statement, params in captured:
            if "FROM exchanges" not in statement or "count(" in statement:
                continue
            plan = _indexes_used(statement, params)
            assert plan and all("status" in step for step in plan), (plan, statement)
    page = statements.approval_queue(bank.community, QueueFilters(), page=2)
    assert [row.id for row in page.items] == sorted(newest)[25:]


def test_dashboard_concerns_read_a_range_of_visits(app):
    """Three hundred arrangements with ten visits each over a year, one in ten a concern:
    the dashboard's count of the last 30 days' concerns reads no visit table whole."""
    bank = make_bank()
    _fill(bank)
    volunteer, coordinator = bank.a, bank.coordinator.user
    arrangements = []
    for _n in range(300):
        request = make_request(bank.b)
        arrangements.append(make_arrangement(request, volunteer, coordinator).id)
    exchanges = db.session.scalars(select(Exchange.id).order_by(Exchange.id)).all()
    now = utcnow()
    db.session.execute(
        insert(Visit),
        [
            {
                "arrangement_id": arrangements[n % 300],
                "exchange_id": exchange_id,
                "logged_by_id": volunteer.user_id,
                "wellbeing": Wellbeing.CONCERN if n % 10 == 0 else Wellbeing.ALL_WELL,
                "created_at": now - timedelta(hours=3 * n),
            }
            for n, exchange_id in enumerate(exchanges)
        ],
    )
    db.session.commit()
    analyze()

    captured = _capture(lambda: care_dashboard.counts(bank.community))
    concerns = [(s, p) for s, p in captured if "companionship_visits.wellbeing" in s]
    assert concerns, captured
    for statement, params in concerns:
        plan = _plan_lines(statement, params)
        assert not [step for step in plan if "companionship_visits" in step and "Seq" in step
                    or step.startswith("SCAN companionship_visits")], plan  # fmt: skip
    # Possibly isolated: each active arrangement's quiet window is one range probe of the
    # arrangement-and-time index, not a read of all the arrangement's visits.
    isolation = [(s, p) for s, p in captured if "NOT (EXISTS" in s and "companionship_visits" in s]
    assert isolation, captured
    plan = " ".join(_plan_lines(*isolation[0]))
    assert "ix_companionship_visits_arrangement_created" in plan, plan
    if db.engine.dialect.name == "sqlite":
        assert "arrangement_id=? AND created_at>" in plan, plan
    counted = {c.key: c.value for c in care_dashboard.counts(bank.community)}
    recent = [n for n in range(len(exchanges)) if n % 10 == 0 and 3 * n < 30 * 24]
    assert counted["concerns"] == len(recent)
