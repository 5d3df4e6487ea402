"""A coherent community at scale, written fast (issue 15; DESIGN.md §10):

    python -m benchmarks generate --members 10000 --exchanges 1000000 [--url URL] [--no-verify]

One community migrated with ``flask db upgrade`` and filled in bulk: members (five
coordinators) with profiles in Arabic and English, listings with categories, posted
exchanges spread over three years (skewed: a few members do much of the giving) with two
entries each (running ``balance_after``), cached balances and each account's last exchange
date, an audit event per exchange, notifications, conversations with messages,
companionship requests and 3,000 arrangements with visits (``benchmarks.care``).
SQLite: ``executemany`` in large batches with ``synchronous=OFF``; PostgreSQL: ``COPY``
through psycopg. ``ANALYZE`` at the end, then ``verify-ledger``'s checks (timed on their
own).

The URL is a SQLAlchemy URL (default: a SQLite file under ``TIMEBANK_BENCH_DIR`` or /tmp).
Prints one JSON line: the URL, row counts, seconds to generate and to verify."""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import sqlite3
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from benchmarks import care

SECRET = "benchmark-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
END = date(2026, 11, 26)
START = END - timedelta(days=3 * 365)
FIRST = 1000  # the first member's user, membership and account id
BATCH = 50_000
WORDS_EN = [
    "garden",
    "lift",
    "shopping",
    "reading",
    "computer",
    "cooking",
    "repair",
    "walk",
    "company",
    "letters",
    "paint",
    "bike",
    "sewing",
    "tea",
    "music",
    "phone",
    "english",
    "maths",
    "ride",
    "dog",
]
WORDS_AR = [
    "حديقة",
    "توصيل",
    "تسوق",
    "قراءة",
    "حاسوب",
    "طبخ",
    "إصلاح",
    "مشي",
    "رفقة",
    "رسائل",
    "دهان",
    "دراجة",
    "خياطة",
    "شاي",
    "موسيقى",
    "هاتف",
    "إنجليزية",
    "رياضيات",
    "كلب",
]
AREAS = ["Old Town", "Riverside", "Hillside", "الميناء", "الحي القديم", "Station", None]


def make_app(url: str):
    from timebank import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET,
                       "RATELIMIT_STORAGE_URL": "memory://"})  # fmt: skip


def default_url() -> str:
    folder = tempfile.mkdtemp(prefix="timebank-scale-", dir=os.environ.get("TIMEBANK_BENCH_DIR"))
    return f"sqlite:///{os.path.join(folder, 'scale.sqlite3')}"


class Writer:
    """Bulk rows into one table at a time: ``executemany`` on SQLite, ``COPY`` on
    PostgreSQL. Values are Python objects; columns with a scalar default in the models are
    filled in when a row does not give them (the ORM sets those, not the database)."""

    def __init__(self, url: str):
        from sqlalchemy.engine import make_url

        from timebank.models import Base

        self.url = make_url(url)
        self.pg = self.url.get_backend_name() == "postgresql"
        self.tables = Base.metadata.tables
        if self.pg:
            import psycopg

            plain = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
            self.conn: Any = psycopg.connect(plain)
        else:
            self.conn = sqlite3.connect(self.url.database, isolation_level=None)
            for pragma in ("journal_mode = WAL", "synchronous = OFF", "foreign_keys = OFF",
                           "cache_size = -200000"):  # fmt: skip
                self.conn.execute(f"PRAGMA {pragma}")
            self.conn.execute("BEGIN")
        self.counts: dict[str, int] = {}

    def _value(self, value: Any) -> Any:
        if self.pg:
            return value
        if isinstance(value, datetime):
            return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, bool):
            return int(value)
        return value

    def put(self, table: str, columns: list[str], rows) -> None:
        """Write ``rows`` (tuples in ``columns`` order) to ``table``."""
        extra = []
        for column in self.tables[table].columns:
            default = column.default
            if column.name in columns or default is None or not default.is_scalar:
                continue
            extra.append((column.name, default.arg))
        names = columns + [name for name, _ in extra]
        tail = tuple(value for _, value in extra)
        count = 0
        if self.pg:
            copying = f"COPY {table} ({', '.join(names)}) FROM STDIN"
            with self.conn.cursor() as cur, cur.copy(copying) as copy:
                for row in rows:
                    copy.write_row((*row, *tail))
                    count += 1
        else:
            sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
            batch = []
            for row in rows:
                batch.append(tuple(self._value(v) for v in (*row, *tail)))
                if len(batch) >= BATCH:
                    self.conn.executemany(sql, batch)
                    count += len(batch)
                    batch.clear()
            self.conn.executemany(sql, batch)
            count += len(batch)
        self.counts[table] = self.counts.get(table, 0) + count

    def execute(self, sql: str, params: Any = ()) -> list:
        if self.pg:
            with self.conn.cursor() as cur:
                cur.execute(sql.replace("?", "%s"), params)
                return cur.fetchall() if cur.description else []
        return self.conn.execute(sql, params).fetchall()

    def finish(self) -> None:
        """Commit, move PostgreSQL's id sequences past the ids written, ANALYZE."""
        if self.pg:
            for table in self.counts:
                self.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                             f"(SELECT max(id) FROM {table}))")  # fmt: skip
            self.conn.commit()
            self.conn.autocommit = True
            self.execute("ANALYZE")
        else:
            self.conn.execute("COMMIT")
            self.conn.execute("ANALYZE")
        self.conn.close()


def _moment(day: date, minute: int = 720) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(minutes=minute)


def _text(rng: random.Random, arabic: bool, n: int) -> str:
    return " ".join(rng.choice(WORDS_AR if arabic else WORDS_EN) for _ in range(n))


def _people(w: Writer, community_id: int, members: int, rng: random.Random) -> None:
    from timebank.services.textsearch import index_text

    joined = datetime(2023, 1, 1, 9, tzinfo=UTC)
    ids = range(FIRST, FIRST + members)
    w.put("users", ["id", "email", "display_name", "locale", "is_admin", "is_disabled",
                    "session_token", "failed_logins", "created_at"],
          ((i, f"member{i}@example.org", f"عضو {i}" if i % 3 == 0 else f"Member {i}",
            "ar" if i % 3 == 0 else "en", False, False, f"token{i:028d}", 0, joined)
           for i in ids))  # fmt: skip
    w.put("memberships", ["id", "user_id", "community_id", "role", "status", "member_number",
                          "created_at", "decided_at"],
          ((i, i, community_id, "coordinator" if i < FIRST + 5 else "member", "active",
            i - FIRST + 1, joined, joined) for i in ids))  # fmt: skip

    def profile(i: int):
        arabic = i % 3 == 0
        bio, skills = _text(rng, arabic, 12), _text(rng, arabic, 4)
        area = AREAS[i % len(AREAS)]
        return (i, i, bio, area, "ar,en" if arabic else "en", skills,
                index_text(bio, skills, area), joined)  # fmt: skip

    w.put("profiles", ["id", "membership_id", "bio", "neighbourhood", "languages", "skills",
                       "search_text", "updated_at"], (profile(i) for i in ids))  # fmt: skip


def _ledger(w: Writer, community_id: int, members: int, exchanges: int,
            rng: random.Random) -> None:  # fmt: skip
    accounts = list(range(FIRST, FIRST + members))
    joined = datetime(2023, 1, 1, 9, tzinfo=UTC)
    w.put("accounts", ["id", "community_id", "membership_id", "kind", "balance", "credit_limit",
                       "limits_overridden", "created_at"],
          ((a, community_id, a, "member", 0, 1_000_000_000, True, joined)
           for a in accounts))  # fmt: skip
    # Activity is skewed, as in real time banks: a few members do much of the giving.
    weights = [1.0 / (1 + (n % 997)) ** 0.8 for n in range(members)]
    cumulative = list(itertools.accumulate(weights))
    categories = [r[0] for r in w.execute(
        "SELECT key FROM categories WHERE community_id = ? AND parent_id IS NULL",
        (community_id,))] or ["gardening"]  # fmt: skip
    days = (END - START).days
    balances = dict.fromkeys(accounts, 0)
    last: dict[int, date] = {}

    def drawn():
        for exchange_id in range(1, exchanges + 1):
            provider = rng.choices(accounts, cum_weights=cumulative)[0]
            recipient = rng.choice(accounts)
            while recipient == provider:
                recipient = rng.choice(accounts)
            day = START + timedelta(days=days * exchange_id // exchanges)
            last[provider] = last[recipient] = day
            yield (exchange_id, provider, recipient, rng.choice((30, 60, 60, 90, 120, 180)),
                   day, _moment(day, exchange_id % 600), rng.choice(categories))  # fmt: skip

    columns = ["id", "community_id", "kind", "status", "provider_account_id",
               "recipient_account_id", "minutes", "service_date", "category", "recorded_by_id",
               "confirmed_by_id", "confirmed_at", "decided_by_id", "decided_at",
               "idempotency_key", "payload_hash", "created_at"]  # fmt: skip
    source = drawn()
    entry_id = 1
    while made := list(itertools.islice(source, 200_000)):
        w.put("exchanges", columns,
              ((x, community_id, "exchange", "posted", p, r, m, day, category, p, r, when, r,
                when, f"bench-{x:010d}", "0" * 64, when)
               for x, p, r, m, day, when, category in made))  # fmt: skip
        legs = []
        for x, p, r, m, _day, when, _c in made:
            for account, delta in sorted(((p, m), (r, -m))):
                balances[account] += delta
                legs.append((entry_id, x, account, delta, balances[account], when))
                entry_id += 1
        w.put("entries", ["id", "exchange_id", "account_id", "delta", "balance_after",
                          "created_at"], legs)  # fmt: skip
        w.put("audit_events", ["created_at", "actor_id", "community_id", "action",
                               "object_type", "object_id", "outcome"],
              ((when, r, community_id, "exchange.confirm", "exchanges", x, "ok")
               for x, _p, r, _m, _d, when, _c in made))  # fmt: skip
        w.put("notifications", ["user_id", "community_id", "kind", "object_type", "object_id",
                                "created_at", "read_at"],
              ((p, community_id, "exchange_decided", "exchanges", x, when,
                when if x < exchanges - 5000 else None)
               for x, p, _r, _m, _d, when, _c in made[::10]))  # fmt: skip
    if w.pg:
        with w.conn.cursor() as cur:
            cur.executemany("UPDATE accounts SET balance = %s, last_exchange_on = %s WHERE id = %s",
                            [(balances[a], last.get(a), a) for a in accounts])  # fmt: skip
    else:
        w.conn.executemany("UPDATE accounts SET balance = ?, last_exchange_on = ? WHERE id = ?",
                           [(balances[a], w._value(last.get(a)), a) for a in accounts])  # fmt: skip


def _community_life(w: Writer, community_id: int, members: int, rng: random.Random) -> None:
    """Listings (two per member, a third in Arabic), conversations with messages, a heavy
    inbox for the first member, companionship requests, some join events."""
    from timebank.services.textsearch import index_text

    categories = [r[0] for r in w.execute(
        "SELECT id FROM categories WHERE community_id = ?", (community_id,))]  # fmt: skip
    now = datetime(2026, 11, 26, 12, tzinfo=UTC)

    def listing(n: int):
        owner = FIRST + n % members
        arabic = n % 3 == 0
        title, body = _text(rng, arabic, 4), _text(rng, arabic, 30)
        created = now - timedelta(minutes=37 * n)
        return (n + 1, community_id, owner, "offer" if n % 2 else "request", title, body,
                rng.choice(categories), AREAS[n % len(AREAS)], "ar" if arabic else "en", False,
                "active", created, created, created + timedelta(days=180),
                index_text(title), index_text(body))  # fmt: skip

    w.put("listings", ["id", "community_id", "owner_id", "kind", "title", "description",
                       "category_id", "neighbourhood", "language", "is_group", "status",
                       "created_at", "updated_at", "expires_at", "search_title", "search_body"],
          (listing(n) for n in range(2 * members)))  # fmt: skip
    conversations = max(10, members // 2)
    w.put("conversations", ["id", "community_id", "starter_id", "other_id", "last_message_at",
                            "created_at"],
          ((c + 1, community_id, FIRST + c % members, FIRST + (c * 7 + 1) % members, now, now)
           for c in range(conversations) if c % members != (c * 7 + 1) % members))  # fmt: skip
    ids = [r[0] for r in w.execute("SELECT id, starter_id FROM conversations")]
    w.put("messages", ["conversation_id", "author_id", "body", "created_at"],
          ((c, FIRST + (c * 3 + k) % members, _text(rng, c % 3 == 0, 10),
            now - timedelta(minutes=c + k)) for c in ids for k in range(4)))  # fmt: skip
    heavy = FIRST + 5  # the first plain member: a long inbox, for its page 50
    w.put("notifications", ["user_id", "community_id", "kind", "object_type", "object_id",
                            "created_at"],
          ((heavy, community_id, "exchange_decided", "exchanges", n + 1,
            now - timedelta(minutes=n)) for n in range(3000)))  # fmt: skip
    w.put("companionship_requests", ["community_id", "recipient_id", "requested_by_id", "kind",
                                     "frequency", "language", "status", "created_at"],
          ((community_id, FIRST + (n * 13) % members, FIRST, "call", "weekly",
            "ar" if n % 3 == 0 else "en", "open", now - timedelta(days=n % 300))
           for n in range(max(10, members // 20))))  # fmt: skip
    w.put("audit_events", ["created_at", "actor_id", "community_id", "action", "object_type",
                           "object_id", "outcome"],
          ((datetime(2023, 1, 1, 9, tzinfo=UTC), FIRST, community_id, "member.approve",
            "memberships", i, "ok") for i in range(FIRST, FIRST + members)))  # fmt: skip


def generate(url: str, members: int, exchanges: int, verify: bool = True) -> dict:
    from flask_migrate import upgrade

    from timebank.extensions import db
    from timebank.services.community import communities
    from timebank.services.ledger import posting as ledger

    app = make_app(url)
    with app.app_context():
        upgrade()
        community = communities.create(actor=None, slug="bench", name="Benchmark Time Bank",
                                       name_ar="بنك الوقت التجريبي", locale="en")  # fmt: skip
        ledger.ensure_pot(community)
        db.session.commit()
        community_id = community.id
        db.session.remove()
        db.engine.dispose()
    started, cpu = time.perf_counter(), time.process_time()
    rng = random.Random(2026)
    w = Writer(url)
    _people(w, community_id, members, rng)
    _ledger(w, community_id, members, exchanges, rng)
    _community_life(w, community_id, members, rng)
    care.write(w, community_id, members, FIRST)  # 3,000 arrangements (issue 19)
    w.finish()
    result = {"url": url, "members": members, "exchanges": exchanges, "rows": w.counts,
              "generation_s": round(time.perf_counter() - started, 1),
              "generation_cpu_s": round(time.process_time() - cpu, 1),
              "load_average": os.getloadavg()[0]}  # fmt: skip
    if verify:
        from timebank.services.ledger.verification import verify_all

        started = time.perf_counter()
        with app.app_context():
            reports = verify_all()
            db.session.remove()
            db.engine.dispose()
        result["verify_s"] = round(time.perf_counter() - started, 1)
        result["ledger_ok"] = all(r.ok for r in reports)
        result["problems"] = [p for r in reports for p in r.problems][:10]
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks generate",
                                     description=__doc__.splitlines()[0])  # fmt: skip
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--exchanges", type=int, default=1_000_000)
    parser.add_argument("--url", default=None, help="SQLAlchemy URL of an empty database")
    parser.add_argument("--no-verify", action="store_true")
    args = parser.parse_args(argv)
    result = generate(args.url or default_url(), args.members, args.exchanges,
                      verify=not args.no_verify)  # fmt: skip
    print(json.dumps(result, ensure_ascii=False))
    if not result.get("ledger_ok", True):
        raise SystemExit(1)
    return result


if __name__ == "__main__":
    main()
