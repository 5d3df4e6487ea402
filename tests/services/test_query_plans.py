"""Big list pages use an index, whatever the statistics say (DESIGN.md §10, issue 15.6).

A community with a few thousand exchanges, entries, audit events and notifications is
written in bulk and ANALYZEd (so the planner has statistics, as on a running server; with
them SQLite once abandoned the browse index). Then each page's service runs while its
statements are captured, and each one is explained: SQLite's ``EXPLAIN QUERY PLAN`` or
PostgreSQL's ``EXPLAIN (FORMAT JSON)`` must show no full scan of ``exchanges``,
``entries``, ``audit_events`` or ``notifications`` (on SQLite, ``listings`` too)."""

from __future__ import annotations

import itertools
import json
import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event, insert, select, update

from tests.factories import make_member
from tests.services.conftest import make_bank
from timebank.extensions import db
from timebank.models import (
    Account,
    AuditEvent,
    Category,
    Entry,
    Exchange,
    Listing,
    Membership,
    Neighbourhood,
    Notification,
    User,
)
from timebank.services import audit_trail
from timebank.services.community import dashboard, profiles
from timebank.services.exchanges import statements
from timebank.services.exchanges.statements import QueueFilters
from timebank.services.ledger import posting as ledger
from timebank.services.listings import search, showcase
from timebank.services.messaging import notifications

BIG = ("exchanges", "entries", "audit_events", "notifications")
# Listings: on SQLite, where statistics once turned the browse away from its index. A
# small community's listings (all of them active, in one community) are rightly read
# whole by PostgreSQL's planner, so they are not held to it there.
SQLITE_ALSO = ("listings",)
EXCHANGES = 3000
OWNERS = 600


def _fill(bank) -> None:
    """EXCHANGES posted exchanges (two entries each): between the members, and every other
    one a donation to the community pot, dated up to a month before it was recorded (so
    the pot's service-date order is not its posting order); as many audit events, and as
    many notifications spread over the members; then ANALYZE."""
    community = bank.community
    members = [bank.a, bank.b, bank.c, bank.coordinator, bank.coordinator2]
    accounts = [bank.account(m).id for m in members]
    pot = ledger.ensure_pot(community)
    users = [m.user_id for m in members]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    exchanges, audits, notes = [], [], []
    for n in range(EXCHANGES):
        provider, recipient = accounts[n % 5], accounts[(n + 1 + n // 5) % 5]
        if provider == recipient:
            recipient = accounts[(n + 2) % 5]
        moment = start + timedelta(minutes=37 * n)
        day = moment.date()
        if n % 2:
            provider, recipient = pot.id, accounts[n % 5]
            day -= timedelta(days=(n * 7) % 31)
        exchanges.append(
            {
                "community_id": community.id,
                "kind": "donation" if provider == pot.id else "exchange",
                "status": "posted",
                "provider_account_id": provider,
                "recipient_account_id": recipient,
                "minutes": 30,
                "service_date": day,
                "category": "gardening",
                "recorded_by_id": users[0],
                "decided_by_id": users[3],
                "decided_at": moment,
                "idempotency_key": f"plan-{n:08d}",
                "payload_hash": "0" * 64,
                "created_at": moment,
            }  # fmt: skip
        )
        audits.append(
            {
                "created_at": moment,
                "actor_id": users[n % 5],
                "community_id": community.id,
                "action": ("exchange.record", "exchange.confirm", "member.join")[n % 3],
                "object_type": "exchanges",
                "object_id": n + 1,
                "outcome": "ok",
            }  # fmt: skip
        )
        notes.append(
            {
                "user_id": users[n % 5],
                "community_id": community.id,
                "kind": "exchange_decided",
                "object_type": "exchanges",
                "object_id": n + 1,
                "created_at": moment,
            }  # fmt: skip
        )
    db.session.execute(insert(Exchange), exchanges)
    rows = db.session.execute(
        select(
            Exchange.id,
            Exchange.provider_account_id,
            Exchange.recipient_account_id,
            Exchange.created_at,
            Exchange.service_date,
        ).where(Exchange.idempotency_key.like("plan-%"))  # fmt: skip
    ).all()
    entries = []
    for exchange_id, provider, recipient, moment, day in rows:
        for account, delta in ((provider, 30), (recipient, -30)):
            entries.append({"exchange_id": exchange_id, "account_id": account, "delta": delta,
                            "balance_after": 0, "created_at": moment,
                            "service_date": day})  # fmt: skip
    db.session.execute(insert(Entry), entries)
    # Cached balances are their entries' sums, as posting keeps them (promise 2).
    sums: dict[int, int] = {}
    for entry in entries:
        sums[entry["account_id"]] = sums.get(entry["account_id"], 0) + entry["delta"]
    for account in db.session.scalars(select(Account).where(Account.id.in_(sums))):
        account.credit_limit = max(account.credit_limit, -sums[account.id])
        account.balance = sums[account.id]
    db.session.execute(insert(AuditEvent), audits)
    db.session.execute(insert(Notification), notes)
    category_id = db.session.scalar(
        select(Category.id).where(Category.community_id == community.id)
    )
    # Listings of many owners, two each, as in a real community: with statistics, an
    # ``owner_id IN (active members)`` condition then looks selective to SQLite.
    db.session.execute(
        insert(User),
        [{"email": f"owner{n}@example.org", "display_name": f"Owner {n}", "locale": "en"}
         for n in range(OWNERS)],
    )  # fmt: skip
    users_made = db.session.scalars(select(User.id).where(User.email.like("owner%"))).all()
    db.session.execute(
        insert(Membership),
        [{"user_id": u, "community_id": community.id, "role": "member", "status": "active",
          "member_number": 1000 + n} for n, u in enumerate(users_made)],
    )  # fmt: skip
    owners = db.session.scalars(
        select(Membership.id).where(Membership.user_id.in_(users_made))
    ).all()
    db.session.execute(
        insert(Listing),
        [{"community_id": community.id, "owner_id": owners[n % OWNERS], "kind": "offer",
          "title": f"Listing {n}", "description": "Help in the garden", "category_id": category_id,
          "language": "en", "status": "active", "created_at": start + timedelta(hours=n),
          "updated_at": start, "expires_at": datetime(2100, 1, 1, tzinfo=UTC),
          "search_title": f"listing {n}", "search_body": "help in the garden"}
         for n in range(2 * OWNERS)],
    )  # fmt: skip
    # One neighbourhood of the list, where member ``a`` lives and every tenth listing is.
    harbour = Neighbourhood(community_id=community.id, name_en="Harbour", name_ar="حي الميناء")
    db.session.add(harbour)
    db.session.flush()
    db.session.execute(
        update(Listing).where(Listing.id % 10 == 0).values(neighbourhood_id=harbour.id)
    )
    profiles.ensure(bank.a).neighbourhood_id = harbour.id
    db.session.commit()
    analyze()


def analyze() -> None:
    """ANALYZE, and on PostgreSQL VACUUM too, as a server's autovacuum would: the test
    database is emptied between tests with DELETE, so the dead rows of earlier tests (which
    this server's autovacuum, off, never removes) would otherwise weigh on the plans."""
    if db.engine.dialect.name == "sqlite":
        db.session.connection().exec_driver_sql("ANALYZE")
        db.session.commit()
        return
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM (ANALYZE)")


def _capture(call) -> list[tuple[str, object]]:
    statements_seen: list[tuple[str, object]] = []
    engine = db.engine

    def seen(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements_seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    return statements_seen


def _full_scans(statement: str, parameters) -> list[str]:
    """The big tables the statement's plan reads whole (table or whole index)."""
    connection = db.session.connection()
    if db.engine.dialect.name == "sqlite":
        plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
        found = []
        for row in plan:
            match = re.match(r"SCAN (\w+)", row[-1])
            if match and match.group(1).startswith(BIG + SQLITE_ALSO):
                found.append(row[-1])
        return found
    raw = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar()
    plan = raw if isinstance(raw, list) else json.loads(raw)
    found = []

    def walk(node):
        if node.get("Node Type") == "Seq Scan" and node.get("Relation Name") in BIG:
            found.append(f"Seq Scan on {node['Relation Name']}")
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return found


def test_big_list_pages_use_indexes(app):
    bank = make_bank()
    _fill(bank)
    community, account = bank.community, bank.account(bank.a)
    user = bank.a.user
    # A member's statement reads that member's entries in the order of the services (with a
    # running balance over them), so what it costs follows the member's share of the ledger.
    # The five members of ``_fill`` each hold a fifth of it, which PostgreSQL rightly reads
    # whole; a real member holds a sliver: ``light``, with 30 exchanges, is measured.
    light = make_member(community, name="Light User")
    for n in range(30):
        bank.post(*((light, bank.b) if n % 2 else (bank.b, light)), 30)
    light_account = bank.account(light)
    pot = ledger.ensure_pot(community)
    pages = {
        "statement page 1": lambda: statements.statement_page(light_account, page=1),
        "statement page 2": lambda: statements.statement_page(light_account, page=2),
        # Heavy accounts: a busy member, and the pot with every other exchange. A page
        # seeks in ix_entries_account_service_date and sums only the entries above it.
        "heavy member statement page 20": lambda: statements.statement_page(account, page=20),
        "pot statement page 1": lambda: statements.statement_page(pot, page=1),
        "pot statement page 40": lambda: statements.statement_page(pot, page=40),
        "notifications page 1": lambda: notifications.inbox_page(user, page=1, per_page=25),
        "notifications page 20": lambda: notifications.inbox_page(user, page=20, per_page=25),
        "audit log page 1": lambda: audit_trail.events_page(
            community, audit_trail.Filters(), page=1, per_page=25
        ),
        "audit log page 50": lambda: audit_trail.events_page(
            community, audit_trail.Filters(), page=50, per_page=25
        ),
        "audit log actions": lambda: audit_trail.actions(community),
        "coordinator dashboard": lambda: dashboard.counts(community, today=date(2024, 6, 1)),
        "approval queue": lambda: statements.approval_queue(community, QueueFilters(), page=1),
        "listings browse": lambda: search.listings(community, search.Filters(), page=1),
        "listings browse page 30": lambda: search.listings(community, search.Filters(), page=30),
        "member home: offers and requests near them": lambda: showcase.near_member(bank.a),
        "member home: without a neighbourhood": lambda: showcase.near_member(bank.b),
    }
    problems = {}
    for name, call in pages.items():
        captured = _capture(call)
        assert captured, name
        scans = [s for statement, params in captured for s in _full_scans(statement, params)]
        if scans:
            problems[name] = scans
    assert not problems, problems
    # Page 20 of the heavy member's statement starts 475 entries down; every page of the
    # pot's (dated out of posting order) holds its lines in service-date order, each with
    # the running balance in that order, which ends on the cached balance.
    for holder, number in ((account, 20), (pot, 1), (pot, 40), (pot, 60)):
        lines = db.session.execute(
            select(Entry.id, Entry.delta)
            .where(Entry.account_id == holder.id)
            .order_by(Entry.service_date, Entry.id)
        ).all()
        running = list(itertools.accumulate(delta for _id, delta in lines))
        assert running[-1] == db.session.get_one(Account, holder.id).balance
        expected = list(zip([i for i, _d in lines], running, strict=True))[::-1]
        got = statements.statement_page(holder, page=number).items
        assert [(g.entry_id, g.balance_after) for g in got] == expected[
            25 * (number - 1) : 25 * number
        ], (holder.id, number)
    distinct = select(AuditEvent.action).where(AuditEvent.community_id == community.id)
    assert audit_trail.actions(community) == sorted(set(db.session.scalars(distinct)))
    page = audit_trail.events_page(community, audit_trail.Filters(), page=2, per_page=25)
    assert [e.id for e in page.items] == sorted(
        db.session.scalars(select(AuditEvent.id).where(AuditEvent.community_id == community.id)),
        reverse=True,
    )[25:50]


def test_audit_log_rows_survive_the_commit_without_reloading(app):
    """The page's rows are read after the request's commit: plain rows, not expiring ORM
    objects reloaded one by one (the page issued 26 statements for 25 events)."""
    bank = make_bank()
    page = audit_trail.events_page(bank.community, audit_trail.Filters(), page=1, per_page=25)
    db.session.commit()
    captured = _capture(lambda: [(e.created_at, e.action, e.actor_id) for e in page.items])
    assert page.items and captured == []
