"""A coherent community at scale, written fast (issue 15; DESIGN.md §10):

    python -m benchmarks generate --members 10000 --exchanges 1000000 [--url URL] [--no-verify]
    python -m benchmarks generate --communities 500 --members 100000 --exchanges 10000000 \
        --url postgresql+psycopg://postgres@127.0.0.1/tb_national      # a national network

Communities made by the application (``flask db upgrade``, then ``communities.create``:
categories, requirements, the pot), then filled in bulk (``bulkload``): members (five
coordinators each) with profiles in Arabic and English, safeguarding checks for the
volunteers, a few applicants, companionship requests and arrangements, a year of
exchanges with seasonal activity (``history``: entries with running balances, decisions'
audit events, notifications, visits), cached balances, last exchange dates and metrics
stamps, then ten listings per member, conversations with messages and a long inbox
(``population``). ``ANALYZE`` at the end, then ``verify-ledger``'s checks (timed on
their own).

The URL is a SQLAlchemy URL of an empty database (default: a SQLite file under
``TIMEBANK_BENCH_DIR`` or /tmp). Prints one JSON line: the URL, row counts, seconds per
phase, to generate and to verify."""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time

SECRET = "benchmark-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"


def make_app(url: str):
    from timebank import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET,
                       "RATELIMIT_STORAGE_URL": "memory://"})  # fmt: skip


def default_url() -> str:
    folder = tempfile.mkdtemp(prefix="timebank-scale-", dir=os.environ.get("TIMEBANK_BENCH_DIR"))
    return f"sqlite:///{os.path.join(folder, 'scale.sqlite3')}"


# Tables whose secondary indexes and triggers are dropped while they load (bulkload.hold).
HELD = ("users", "memberships", "profiles", "accounts", "exchanges", "entries", "audit_events",
        "notifications", "listings", "conversations", "messages", "companionship_visits",
        "safeguarding_checks")  # fmt: skip


def _communities(app, count: int, members: int) -> list:
    """Create the communities through the application (categories, requirements, pot)."""
    from sqlalchemy import select

    from benchmarks.population import COORDINATORS, FIRST, Community
    from timebank.extensions import db
    from timebank.models import Category
    from timebank.services.community import communities
    from timebank.services.ledger import posting as ledger

    if members < count * (COORDINATORS + 2):
        raise SystemExit(f"--members must be at least {COORDINATORS + 2} per community")
    places = []
    with app.app_context():
        first = FIRST
        for k in range(count):
            slug = "bench" if k == 0 else f"bench-{k + 1}"
            name = "Benchmark Time Bank" if k == 0 else f"Benchmark Time Bank {k + 1}"
            community = communities.create(actor=None, slug=slug, name=name,
                                           name_ar="بنك الوقت التجريبي", locale="en")  # fmt: skip
            ledger.ensure_pot(community)
            db.session.flush()
            rows = db.session.execute(
                select(Category.id, Category.key, Category.parent_id)
                .where(Category.community_id == community.id)
                .order_by(Category.position)
            ).all()
            size = members // count + (1 if k < members % count else 0)
            places.append(Community(community.id, first, size, [r.id for r in rows],
                                    [r.key for r in rows if r.parent_id is None]))  # fmt: skip
            first += size
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return places


def generate(url: str, members: int, exchanges: int, communities: int = 1,
             verify: bool = True) -> dict:  # fmt: skip
    from flask_migrate import upgrade

    from benchmarks import care, generate_codesign, history, population
    from benchmarks.bulkload import Loader

    app = make_app(url)
    started = time.perf_counter()
    with app.app_context():
        upgrade()
    places = _communities(app, communities, members)
    phases = {"migrate_and_create_s": time.perf_counter() - started}
    started, cpu = time.perf_counter(), time.process_time()
    rng = random.Random(2026)
    w = Loader(url)
    clock = population.Clock(w)
    w.hold(HELD)
    steps = (
        ("people_s", lambda: population.people(w, clock, places, rng)),
        ("companionship_s", lambda: population.companionship(w, clock, places, rng)),
        ("ledger_s", lambda: history.exchanges(w, clock, places, exchanges, rng)),
        ("life_s", lambda: population.community_life(w, clock, places, rng)),
        ("care_s", lambda: care.write(w, places[0].id, places[0].size, places[0].first)),
        (
            "codesign_s",
            lambda: generate_codesign.write(
                w, places[0].id, places[0].size, places[0].first, rng, population._text
            ),
        ),
        ("indexes_s", w.restore),
        ("commit_analyze_s", w.finish),
    )
    for name, step in steps:
        begun, begun_cpu = time.perf_counter(), time.process_time()
        step()
        phases[name] = time.perf_counter() - begun
        phases[name.replace("_s", "_cpu_s")] = time.process_time() - begun_cpu
    result = {"url": url, "communities": communities, "members": members,
              "exchanges": exchanges, "rows": w.counts,
              "generation_s": round(time.perf_counter() - started, 1),
              "generation_cpu_s": round(time.process_time() - cpu, 1),
              "server_cpu_s": w.server_cpu_s and round(w.server_cpu_s, 1),
              "phases_s": {k: round(v, 1) for k, v in phases.items()},
              "load_average": os.getloadavg()}  # fmt: skip
    if verify:
        from timebank.extensions import db
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
    parser.add_argument("--communities", type=int, default=1)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--exchanges", type=int, default=1_000_000)
    parser.add_argument("--url", default=None, help="SQLAlchemy URL of an empty database")
    parser.add_argument("--no-verify", action="store_true")
    args = parser.parse_args(argv)
    result = generate(args.url or default_url(), args.members, args.exchanges,
                      communities=args.communities, verify=not args.no_verify)  # fmt: skip
    print(json.dumps(result, ensure_ascii=False))
    if not result.get("ledger_ok", True):
        raise SystemExit(1)
    return result


if __name__ == "__main__":
    main()
