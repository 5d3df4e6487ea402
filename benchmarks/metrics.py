"""Metrics benchmark (issue 6; DESIGN.md §10). Standalone, not part of the test run:

    python benchmarks/metrics.py [--members 10000] [--exchanges 1000000] [--keep DIR]
                                 [--only dashboard|export]

1. generates one community with ``--members`` members and ``--exchanges`` exchanges over
   three years into a temporary SQLite database migrated with ``flask db upgrade`` (bulk
   inserts of consistent exchanges, two entries each with running ``balance_after``, and
   cached balances; ``verify-ledger``'s checks pass);
2. measures the whole dashboard for the last complete quarter (both quarters computed)
   cold and cached, plus the same for a whole year, in a fresh process; its floor is the
   dashboard's own SQL statements, captured as it ran, replayed through the raw
   ``sqlite3`` driver in the same run;
3. measures the streamed CSV export of every exchange (the exchange ledger export) in a
   fresh process — rows/s and peak RSS — against ``sqlite3 -csv`` running the same SQL
   in the same run (the floor).

``--keep DIR`` keeps the database and reuses it on the next run with the same folder.
``--url URL`` measures the dashboard (2) on a database ``python -m benchmarks generate``
wrote instead, SQLite or PostgreSQL (its first community; the SQL floor only on SQLite;
on PostgreSQL the backend's CPU time is given too).
On a shared machine, wall-clock figures depend on the load: each measurement also gives
the process's CPU time and the load average when it ran.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SECRET = "benchmark-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
CATEGORIES = ["companionship", "gardening", "transport", "shopping", "repairs", "tutoring",
              "cooking", "computers", "language", "childcare"]  # fmt: skip
END = date(2026, 11, 26)
START = END - timedelta(days=3 * 365)


def make_app(db_path: Path | str):
    from timebank import create_app

    url = db_path if isinstance(db_path, str) else f"sqlite:///{db_path}"
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET,
                       "RATELIMIT_STORAGE_URL": "memory://"})  # fmt: skip


def backend_cpu() -> float:
    """CPU seconds of this session's PostgreSQL backend so far (same host: /proc), or 0."""
    from sqlalchemy import text

    from timebank.extensions import db

    if db.engine.dialect.name != "postgresql":
        return 0.0
    pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def generate(db_path: Path, members: int, exchanges: int) -> dict:
    from flask_migrate import upgrade

    from timebank.extensions import db
    from timebank.services.community import communities
    from timebank.services.ledger import posting as ledger

    app = make_app(db_path)
    with app.app_context():
        upgrade()
        community = communities.create(actor=None, slug="bench", name="Benchmark Time Bank",
                                       name_ar="بنك الوقت التجريبي", locale="en")  # fmt: skip
        ledger.ensure_pot(community)
        db.session.commit()
        community_id = community.id
        db.session.remove()
        db.engine.dispose()

    started = time.perf_counter()
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA foreign_keys = OFF")
    rng = random.Random(2026)
    joined = datetime(2023, 1, 1, 9, 0)
    stamp = joined.strftime("%Y-%m-%d %H:%M:%S.%f")
    conn.executemany(
        "INSERT INTO users (id, email, display_name, locale, is_admin, is_disabled, "
        "session_token, failed_logins, created_at) VALUES (?, ?, ?, ?, 0, 0, ?, 0, ?)",
        ((i, f"member{i}@example.org", f"Member {i}" if i % 3 else f"عضو {i}",
          "ar" if i % 3 == 0 else "en", f"token{i:028d}", stamp)
         for i in range(1000, 1000 + members)),
    )  # fmt: skip
    conn.executemany(
        "INSERT INTO memberships (id, user_id, community_id, role, status, member_number, "
        "created_at, decided_at) VALUES (?, ?, ?, ?, 'active', ?, ?, ?)",
        ((i, i, community_id, "coordinator" if i < 1005 else "member", i - 999, stamp, stamp)
         for i in range(1000, 1000 + members)),
    )  # fmt: skip
    conn.executemany(
        "INSERT INTO accounts (id, community_id, membership_id, kind, balance, credit_limit, "
        "limits_overridden, created_at) VALUES (?, ?, ?, 'member', 0, 1000000000, 1, ?)",
        ((i, community_id, i, stamp) for i in range(1000, 1000 + members)),
    )
    accounts = list(range(1000, 1000 + members))
    # Activity is skewed, as in real time banks: a few members do much of the giving.
    weights = [1.0 / (1 + (n % 997)) ** 0.8 for n in range(members)]
    cumulative = list(itertools.accumulate(weights))
    days = (END - START).days
    balances = dict.fromkeys(accounts, 0)
    batch_x, batch_e = [], []
    entry_id = 1
    for exchange_id in range(1, exchanges + 1):
        provider = rng.choices(accounts, cum_weights=cumulative)[0]
        recipient = rng.choice(accounts)
        while recipient == provider:
            recipient = rng.choice(accounts)
        minutes = rng.choice((30, 60, 60, 90, 120, 180))
        day = START + timedelta(days=days * exchange_id // exchanges)
        when = f"{day.isoformat()} 12:00:00.000000"
        batch_x.append(
            (exchange_id, community_id, "exchange", "posted", provider, recipient, minutes,
             day.isoformat(), rng.choice(CATEGORIES), provider, recipient, when, when,
             f"bench-{exchange_id:010d}", "0" * 64, when)
        )  # fmt: skip
        balances[provider] += minutes
        balances[recipient] -= minutes
        lo, hi = sorted(((provider, minutes), (recipient, -minutes)))
        for account, delta in (lo, hi):
            batch_e.append((entry_id, exchange_id, account, delta, balances[account], when,
                            day.isoformat()))  # fmt: skip
            entry_id += 1
        if len(batch_x) >= 50_000:
            _flush(conn, batch_x, batch_e)
    _flush(conn, batch_x, batch_e)
    conn.executemany("UPDATE accounts SET balance = ? WHERE id = ?",
                     ((b, a) for a, b in balances.items()))  # fmt: skip
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()
    return {"generation_s": round(time.perf_counter() - started, 1),
            "db_mb": round(db_path.stat().st_size / 1e6)}  # fmt: skip


def upgrade_kept(db_path: Path) -> None:
    from flask_migrate import upgrade

    from timebank.extensions import db

    app = make_app(db_path)
    with app.app_context():
        upgrade()
        db.session.remove()
        db.engine.dispose()


def _flush(conn, batch_x, batch_e) -> None:
    conn.executemany(
        "INSERT INTO exchanges (id, community_id, kind, status, provider_account_id, "
        "recipient_account_id, minutes, service_date, category, recorded_by_id, "
        "confirmed_by_id, confirmed_at, decided_by_id, decided_at, idempotency_key, "
        "payload_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(*x[:12], x[10], *x[12:]) for x in batch_x],
    )
    conn.executemany(
        "INSERT INTO entries (id, exchange_id, account_id, delta, balance_after, created_at, "
        "service_date) VALUES (?, ?, ?, ?, ?, ?, ?)",
        batch_e,
    )
    batch_x.clear()
    batch_e.clear()


def _status_mb(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> None:
    """Linux: restart the high-water mark, so imports and start-up do not hide what the
    export itself uses."""
    Path("/proc/self/clear_refs").write_text("5")


def rss_mb() -> float:
    return _status_mb("VmRSS")


def peak_rss_mb() -> float:
    return _status_mb("VmHWM")


def load_average() -> str:
    """The 1, 5 and 15 minute load averages (Linux), to read the timings against."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def measure_dashboard(db_path: Path | str) -> dict:
    from sqlalchemy import event, select

    from timebank.database import reading
    from timebank.extensions import db
    from timebank.models import Community
    from timebank.services.metrics import api as metrics
    from timebank.services.metrics import periods

    app = make_app(db_path)
    out = {}
    with app.app_context(), reading():  # as a page or `flask report` reads: DEFERRED
        mine = Community.slug == "bench" if isinstance(db_path, Path) else Community.id.is_not(None)
        community = db.session.scalar(select(Community).where(mine).order_by(Community.id))
        for name, period in (("quarter", periods.recent("quarter", END)),
                             ("year", periods.year_of(END.year - 1))):  # fmt: skip
            metrics.clear_cache()
            statements: list[tuple[str, tuple]] = []

            def capture(_conn, _cursor, statement, parameters, _context, _many, into=statements):
                into.append((statement, parameters))

            server = backend_cpu()
            event.listen(db.engine, "before_cursor_execute", capture)
            started, cpu_started = time.perf_counter(), time.process_time()
            board = metrics.dashboard(community, period)
            cold = time.perf_counter() - started
            cold_cpu = time.process_time() - cpu_started
            event.remove(db.engine, "before_cursor_execute", capture)
            server = backend_cpu() - server
            floor = sql_floor(db_path, statements) if isinstance(db_path, Path) else None
            cached = []
            for _ in range(20):
                started = time.perf_counter()
                metrics.dashboard(community, period)
                cached.append(time.perf_counter() - started)
            cached.sort()
            out[name] = {
                "period": period.label,
                "exchanges_in_period": board.current.participation.exchanges,
                "active_members": board.current.participation.active_members,
                "cold_s": round(cold, 3),
                "cold_cpu_s": round(cold_cpu, 3),
                "backend_cpu_s": round(server, 3),
                "statements": len(statements),
                "sql_floor_s": round(floor, 3) if floor else None,
                "cold_vs_sql_floor": round(cold / floor, 2) if floor else None,
                "loadavg": load_average(),
                "cached_median_ms": round(cached[len(cached) // 2] * 1000, 2),
                "cached_max_ms": round(cached[-1] * 1000, 2),
            }
    return out


def sql_floor(db_path: Path, statements: list[tuple[str, tuple]]) -> float:
    """The dashboard's floor: the very statements it issued, with their parameters, run
    and fetched through the raw ``sqlite3`` driver on a fresh connection with the same
    sort setting as the application's (``PRAGMA threads``), best of three."""
    connection = sqlite3.connect(db_path)
    connection.execute("PRAGMA threads = 2")
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for statement, parameters in statements:
            connection.execute(statement, parameters).fetchall()
        best = min(best, time.perf_counter() - started)
    connection.close()
    return best


def measure_export(db_path: Path) -> dict:
    from sqlalchemy import select
    from sqlalchemy.dialects import sqlite as sqlite_dialect

    from timebank.extensions import db
    from timebank.models import Community
    from timebank.services.metrics import periods
    from timebank.services.reports import exports

    app = make_app(db_path)
    with app.test_request_context():
        community = db.session.scalar(select(Community).where(Community.slug == "bench"))
        period = periods.custom(START, END)
        db.session.commit()
        reset_peak_rss()
        baseline = rss_mb()
        started, cpu_started = time.perf_counter(), time.process_time()
        size = rows = 0
        with open(os.devnull, "w", encoding="utf-8") as sink:
            for chunk in exports.csv_stream("exchanges", community.id, period):
                sink.write(chunk)
                size += len(chunk)
                rows += chunk.count("\r\n")
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        statement = exports.exchange_statement(
            community.id, period, pot="Community pot", dialect="sqlite"
        )
        sql = str(statement.compile(dialect=sqlite_dialect.dialect(),
                                    compile_kwargs={"literal_binds": True}))  # fmt: skip
    return {
        "rows": rows - 1,
        "seconds": round(elapsed, 2),
        "cpu_s": round(cpu, 2),
        "loadavg": load_average(),
        "rows_per_s": round((rows - 1) / elapsed),
        "mb": round(size / 1e6),
        "rss_before_mb": round(baseline),
        "peak_rss_mb": round(peak_rss_mb()),
        "sql": sql,
    }


def sqlite3_floor(db_path: Path, sql: str) -> dict:
    binary = shutil.which("sqlite3")
    if binary is None:
        return {"error": "sqlite3 CLI not installed"}
    started = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        process = subprocess.Popen([binary, "-csv", str(db_path), sql], stdout=sink)
        _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if status:
        return {"error": f"sqlite3 exited with status {status}"}
    return {"seconds": round(elapsed, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "loadavg": load_average(), "peak_rss_mb": round(usage.ru_maxrss / 1024)}  # fmt: skip


def child(mode: str, db_path: Path | str) -> None:
    result = measure_dashboard(db_path) if mode == "dashboard" else measure_export(db_path)
    print(json.dumps(result))


def run_child(mode: str, db_path: Path | str) -> dict:
    where = ["--url", db_path] if isinstance(db_path, str) else ["--db", str(db_path)]
    command = [sys.executable, __file__, "--child", mode, *where]
    output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--exchanges", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="keep (or reuse) the database in this folder")
    parser.add_argument("--only", choices=("dashboard", "export"), help="measure just this")
    parser.add_argument("--child", choices=("dashboard", "export"))
    parser.add_argument("--db", type=Path)
    parser.add_argument("--url", help="measure the dashboard on this generated database")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.url or args.db)
        return
    if args.url:
        report = {"url": args.url, "dashboard": run_child("dashboard", args.url)}
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return
    folder = args.keep or Path(tempfile.mkdtemp(prefix="timebank-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    db_path = folder / "bench.sqlite3"
    report = {"members": args.members, "exchanges": args.exchanges}
    if not db_path.exists():
        report["generate"] = generate(db_path, args.members, args.exchanges)
    else:
        upgrade_kept(db_path)  # a kept database gets the indexes added since it was made
    if args.only != "export":
        report["dashboard"] = run_child("dashboard", db_path)
    if args.only != "dashboard":
        export = run_child("export", db_path)
        sql = export.pop("sql")
        report["export"] = export
        floor = sqlite3_floor(db_path, sql)
        report["sqlite3_csv"] = floor
        if "seconds" in floor:
            floor["rows_per_s"] = round(export["rows"] / floor["seconds"])
            report["export_vs_sqlite3"] = round(export["rows_per_s"] / floor["rows_per_s"], 3)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    if not args.keep:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
