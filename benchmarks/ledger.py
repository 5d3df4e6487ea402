"""Approve-and-post throughput through the service layer, against the physical floor
measured in the same run: the same SQL statements issued by the raw driver (``sqlite3``,
or ``psycopg`` with ``TIMEBANK_BENCH_PG_URL``), one transaction per posting, with the same
durability settings (SQLite: WAL, ``synchronous=FULL``, ``BEGIN IMMEDIATE``).

    python -m benchmarks.ledger [--postings 400] [--rounds 3]

Each round times one block of service postings and one block of raw postings, alternating,
so machine noise hits both; the best round of each is reported, and their ratio
(target ≥ 0.5, DESIGN.md §10)."""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import tempfile
import time
from datetime import UTC, date, datetime

SECRET = "benchmark-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"


def _setup(uri: str, count: int):
    """A migrated database with one community and ``count`` exchanges awaiting approval."""
    from flask_migrate import upgrade

    from timebank import create_app
    from timebank.database import transaction
    from timebank.extensions import db
    from timebank.models import MINUTES_CAP, Membership, MembershipStatus, Role
    from timebank.services.auth import users as accounts
    from timebank.services.community import communities, memberships
    from timebank.services.exchanges import lifecycle as exchanges
    from timebank.services.exchanges import policy
    from timebank.services.ledger import posting as ledger

    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": SECRET, "TESTING": True})
    context = app.app_context()
    context.push()
    upgrade()

    def people():
        community = communities.create(actor=None, slug="bench", name="Bench")
        members = []
        for n, role in enumerate([Role.COORDINATOR] + [Role.MEMBER] * 4):
            user = accounts.create_user(email=f"b{n}@example.org", display_name=f"B{n}",
                                        password=None)  # fmt: skip
            membership = Membership(user=user, community=community, role=role)
            db.session.add(membership)
            db.session.flush()
            membership.member_number = memberships.allocate_member_number(community)
            membership.status = MembershipStatus.ACTIVE
            members.append(membership)
        db.session.flush()
        ledger.ensure_accounts(community)
        policy.update_policy(community, actor=members[0].user, approval_conditions=["always"],
                             default_credit_limit=10 * MINUTES_CAP)  # fmt: skip
        # Records made for the recipient are agreed at once (docs/consent.md): they go
        # straight to the approval queue.
        community.require_confirmation = False
        return community.id, [m.id for m in members]

    community_id, member_ids = transaction(people)
    from timebank.models import Community, Exchange

    def batch(start: int, size: int) -> list[int]:
        community = db.session.get(Community, community_id)
        coordinator = db.session.get(Membership, member_ids[0])
        members = [db.session.get(Membership, i) for i in member_ids[1:]]
        made = []
        for n in range(start, start + size):
            provider, recipient = members[n % 4], members[(n + 1) % 4]
            exchange = exchanges.record(
                community, actor=coordinator.user, provider=provider, recipient=recipient,
                minutes=1 + n % 60, service_date=date(2026, 11, 1), category="bench",
                on_behalf_of=recipient, idempotency_key=f"bench-{n:08d}",
            )  # fmt: skip
            made.append(exchange.id)
        return made

    ids: list[int] = []
    while len(ids) < count:
        start, size = len(ids), min(500, count - len(ids))
        ids += transaction(lambda s=start, n=size: batch(s, n))
    coordinator_user = db.session.get(Membership, member_ids[0]).user_id
    db.session.commit()
    assert all(db.session.get(Exchange, i).status == "awaiting_approval" for i in ids[:3])
    return app, context, ids, coordinator_user


def _service_block(ids: list[int], user_id: int) -> float:
    from timebank.database import transaction
    from timebank.services.exchanges import lifecycle as exchanges

    started = time.perf_counter()
    for exchange_id in ids:
        transaction(lambda e=exchange_id: exchanges.approve_by_id(e, actor_id=user_id))
    return time.perf_counter() - started


# The statements the service issues for one approval (``services.exchanges.approval``:
# eleven, the entries, notifications and e-mails each in one ``executemany``), written out
# for the raw driver; ``?`` placeholders (psycopg: converted to ``%s``). The first reads
# the exchange, the actor and the community at once, as the service does when it is given
# ids (``lifecycle.approve_by_id``).
READ = (
    "SELECT exchanges.id, exchanges.community_id, exchanges.status, "
    "exchanges.provider_account_id, exchanges.recipient_account_id, exchanges.minutes, "
    "exchanges.service_date, exchanges.category, exchanges.recorded_by_id, "
    "users.display_name, users.is_admin, users.is_disabled, communities.slug, "
    "communities.name, communities.name_ar, communities.locale, memberships.role, "
    "memberships.status, categories.name_en, categories.name_ar, (SELECT count(*) FROM "
    "webhook_endpoints WHERE webhook_endpoints.community_id = exchanges.community_id AND "
    "webhook_endpoints.revoked_at IS NULL) FROM exchanges JOIN communities ON "
    "communities.id = exchanges.community_id JOIN users ON users.id = ? LEFT OUTER JOIN "
    "memberships ON memberships.community_id = exchanges.community_id AND "
    "memberships.user_id = users.id LEFT OUTER JOIN categories ON categories.community_id = "
    "exchanges.community_id AND categories.key = exchanges.category WHERE exchanges.id = ?"
)
PARTIES = (
    "SELECT accounts.id, memberships.user_id, memberships.community_id, memberships.status, "
    "users.display_name, users.email, users.locale, EXISTS (SELECT * FROM "
    "notification_preferences WHERE notification_preferences.user_id = users.id AND "
    "notification_preferences.kind = 'exchange_decided' AND NOT notification_preferences.email)"
    " FROM accounts JOIN memberships ON memberships.id = accounts.membership_id JOIN users ON "
    "users.id = memberships.user_id WHERE accounts.id IN (?, ?) ORDER BY memberships.user_id"
)
LOCK = (
    "SELECT accounts.id, accounts.balance, accounts.credit_limit, accounts.upper_limit "
    "FROM accounts WHERE accounts.id IN (?, ?) ORDER BY accounts.id"
)
CAS = (
    "UPDATE exchanges SET status = 'posted', decided_by_id = ?, decided_at = ? "
    "WHERE id = ? AND status = 'awaiting_approval'"
)
MOVE = (
    "UPDATE accounts SET balance = balance + ?, last_exchange_on = CASE WHEN "
    "(last_exchange_on IS NULL OR last_exchange_on < ?) THEN ? ELSE last_exchange_on END "
    "WHERE id = ? RETURNING balance"
)
ENTRY = (
    "INSERT INTO entries (exchange_id, account_id, delta, balance_after, created_at, "
    "service_date) VALUES (?, ?, ?, ?, ?, ?)"
)
STAMP = (
    "INSERT INTO metrics_stamps (community_id, version) SELECT community_id, 1 FROM exchanges "
    "WHERE id = ? ON CONFLICT (community_id) DO UPDATE SET version = metrics_stamps.version + 1"
)
NOTIFY = (
    "INSERT INTO notifications (user_id, community_id, kind, object_type, object_id, "
    "created_at) VALUES (?, ?, 'exchange_decided', 'exchanges', ?, ?)"
)
OUTBOX = (
    "INSERT INTO outbox_messages (community_id, recipient_id, to_address, subject, body, "
    "created_at, attempts) VALUES (?, ?, ?, ?, ?, ?, 0)"
)
SUBJECT = "Coordinator B0 approved your exchange"
BODY = (
    "Bench\n\n" + SUBJECT + ".\n\nB1 gave B2 1 h of help (bench) on November 1, 2026.\n"
    "The hours are now in both balances.\n\nOpen Timebank to see it: /c/bench/hours/exchanges/{}"
    "\n\nYou can turn these e-mails off in your notification settings."
)
AUDIT = (
    "INSERT INTO audit_events (created_at, actor_id, on_behalf_of_id, community_id, action, "
    "object_type, object_id, outcome, details) VALUES (?, ?, NULL, ?, 'exchange.approve', "
    "'exchanges', ?, 'ok', 'null')"
)


def _raw_posting(run, exchange_id: int, user_id: int, now) -> None:
    """One approval as plain driver calls; ``run(sql, params)`` returns fetched rows."""
    row = run(READ, (user_id, exchange_id))[0]
    community_id, provider, recipient, minutes, day = row[1], *row[3:7]
    told = run(PARTIES, (provider, recipient))
    run(LOCK + (" FOR UPDATE" if run.pg else ""), (provider, recipient))
    run(CAS, (user_id, now, exchange_id), fetch=False)
    legs = []
    for account, delta in sorted([(provider, minutes), (recipient, -minutes)]):
        after = run(MOVE, (delta, day, day, account))[0][0]
        legs.append((exchange_id, account, delta, after, now, day))
    run.many(ENTRY, legs)
    run(STAMP, (exchange_id,), fetch=False)
    run.many(NOTIFY, [(user[1], community_id, exchange_id, now) for user in told])
    body = BODY.format(exchange_id)
    run.many(OUTBOX, [(community_id, user[1], user[5], SUBJECT, body, now) for user in told])
    run(AUDIT, (now, user_id, community_id, exchange_id), fetch=False)


def _service_statements(exchange_id: int, user_id: int) -> int:
    """How many statements one approval through the service sends (``BEGIN`` aside)."""
    from sqlalchemy import event

    from timebank.extensions import db

    sent: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if not statement.startswith("BEGIN"):
            sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        _service_block([exchange_id], user_id)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(sent)


def _raw_statements() -> int:
    """How many statements one raw posting sends (counted on a stand-in driver)."""
    sent: list[str] = []

    def run(sql, params, fetch=True):
        sent.append(sql)
        return [(0,) * 21, (0,) * 21]

    run.pg = False
    run.many = lambda sql, rows: sent.append(sql)
    _raw_posting(run, 0, 0, None)
    return len(sent)


def _sqlite_block(path: str, ids: list[int], user_id: int) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("busy_timeout = 10000", "journal_mode = WAL", "synchronous = FULL",
                   "foreign_keys = ON"):  # fmt: skip
        conn.execute(f"PRAGMA {pragma}")

    def run(sql, params, fetch=True):
        cursor = conn.execute(sql, params)
        return cursor.fetchall() if fetch else None

    run.pg = False
    run.many = conn.executemany
    started = time.perf_counter()
    for exchange_id in ids:
        now = datetime.now(UTC).replace(tzinfo=None).isoformat(" ")
        conn.execute("BEGIN IMMEDIATE")
        _raw_posting(run, exchange_id, user_id, now)
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def _pg_block(url: str, ids: list[int], user_id: int) -> float:
    import psycopg

    conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))

    def run(sql, params, fetch=True):
        cursor = conn.execute(sql.replace("?", "%s"), params)
        return cursor.fetchall() if fetch else None

    run.pg = True
    run.many = lambda sql, rows: conn.cursor().executemany(sql.replace("?", "%s"), rows)
    started = time.perf_counter()
    for exchange_id in ids:
        _raw_posting(run, exchange_id, user_id, datetime.now(UTC))
        conn.commit()
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def _fresh_pg(url: str) -> str:
    import sqlalchemy as sa

    base = sa.engine.make_url(url)
    name = f"{base.database or 'timebank'}_bench_{os.getpid()}"
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _drop(engine: str, uri: str) -> None:
    """Leave nothing behind: the SQLite folder, or the PostgreSQL database of this run."""
    import shutil

    import sqlalchemy as sa

    url = sa.engine.make_url(uri)
    if engine == "sqlite":
        shutil.rmtree(os.path.dirname(url.database), ignore_errors=True)
        return
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


def measure(engine: str, postings: int, rounds: int) -> dict:
    from timebank.extensions import db
    from timebank.services.ledger.verification import verify_all

    if engine == "sqlite":
        where = os.environ.get("TIMEBANK_BENCH_DIR")
        folder = tempfile.mkdtemp(prefix="timebank-bench-", dir=where)
        path = os.path.join(folder, "bench.sqlite3")
        uri = f"sqlite:///{path}"
    else:
        uri = _fresh_pg(os.environ["TIMEBANK_BENCH_PG_URL"])
    app, context, ids, user_id = _setup(uri, 2 * postings * rounds + 1)
    # Mail is sent after the response, or by a worker from the queue, never while the
    # posting is made: hand the committed mail to a list (checked below), not to SMTP in
    # this process, which the embedded runner would do at once outside a request.
    from timebank.services.messaging import mail

    handed: list[str] = []
    app.extensions[mail.DISPATCH] = lambda name, *args: handed.append(name)
    # A fair floor runs what the service runs: as many statements (the mail is counted).
    statements = _service_statements(ids.pop(), user_id)
    assert statements == _raw_statements(), (statements, _raw_statements())
    service_times, raw_times, service_cpu, raw_cpu = [], [], [], []
    for r in range(rounds):
        block = ids[2 * r * postings : (2 * r + 1) * postings]
        raw_ids = ids[(2 * r + 1) * postings : (2 * r + 2) * postings]
        cpu = time.process_time()
        service_times.append(_service_block(block, user_id))
        service_cpu.append(time.process_time() - cpu)
        db.session.remove()
        cpu = time.process_time()
        if engine == "sqlite":
            raw_times.append(_sqlite_block(path, raw_ids, user_id))
        else:
            raw_times.append(_pg_block(uri, raw_ids, user_id))
        raw_cpu.append(time.process_time() - cpu)
    assert handed.count("send_mail") == postings * rounds + 1, "every approval writes mail"
    reports = verify_all()
    assert all(r.ok for r in reports), [r.problems for r in reports]
    service_rate = postings / min(service_times)
    raw_rate = postings / min(raw_times)
    db.session.remove()
    db.engine.dispose()
    context.pop()
    _drop(engine, uri)
    return {
        "engine": engine,
        "postings_per_round": postings,
        "rounds": rounds,
        "statements_per_posting": statements,
        "service_postings_per_s": round(service_rate, 1),
        "raw_postings_per_s": round(raw_rate, 1),
        "ratio": round(service_rate / raw_rate, 3),
        "target": 0.5,
        # This process's CPU per posting: independent of how busy the machine is.
        "service_cpu_ms_per_posting": round(1000 * min(service_cpu) / postings, 3),
        "raw_cpu_ms_per_posting": round(1000 * min(raw_cpu) / postings, 3),
        "load_average": round(os.getloadavg()[0], 2),
        "ledger_verified": True,
    }


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postings", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    engines = ["sqlite"] + (["postgresql"] if os.environ.get("TIMEBANK_BENCH_PG_URL") else [])
    results = []
    for engine in engines:
        result = measure(engine, args.postings, args.rounds)
        results.append(result)
        print(json.dumps(result))
        print(
            f"{engine}: service {result['service_postings_per_s']}/s, raw "
            f"{result['raw_postings_per_s']}/s, ratio {result['ratio']} (target ≥ 0.5); "
            f"CPU per posting {result['service_cpu_ms_per_posting']} ms vs "
            f"{result['raw_cpu_ms_per_posting']} ms; load average {result['load_average']}"
        )
    return results


if __name__ == "__main__":
    main()
