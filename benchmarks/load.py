"""Mixed traffic through a real gunicorn, driven by ``wrk`` (issue 15, item 2):

    python -m benchmarks load --url URL [--connections 16,64] [--duration 20]
        [--per-page SECONDS] [--report-only] [--readme]

``URL``: a database made by ``python -m benchmarks generate`` (a SQLite file or a
PostgreSQL URL). Gives a few members and coordinators a benchmark password (the generated
users have none), starts gunicorn (``wsgi:app``, ``--workers`` sync workers, rate limits
off, an access log with each request's server time), signs each of them in through the
sign-in form for a real session cookie, and writes a Lua script that makes ``wrk`` send a
weighted member/coordinator mix (``wrk_mix.MIX``) with those cookies. At each connection
count it runs, for ``--duration`` seconds: a bare WSGI "hello" on the same gunicorn
settings, the application's ``/healthz``, then the mix. It reports throughput, p50/p95/p99
latency, the answers other than 2xx, the ratio to both floors, the CPU each mix request
cost (gunicorn's workers, PostgreSQL's backends, ``wrk`` itself: the ceiling the machine's
cores put on throughput), the load average, and each page's server time in the mix (from
the access log). ``--per-page SECONDS`` also drives each page alone and reports its CPU per
request.

Budget: ``BUDGET_RPS`` at p95 ≤ ``BUDGET_P95_MS`` and no answer other than 2xx, at each
connection count in ``--judge-at`` (default: all). Exits 1 under it unless
``--report-only``."""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from urllib.parse import quote

from benchmarks import faults, results
from benchmarks.wrk_mix import (
    ACCESS_FORMAT,
    BUDGET_P95_MS,
    BUDGET_RPS,
    MIX,
    cpu_seconds,
    entries,
    lua_script,
    server_times,
    wrk,
)

SECRET = "load-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
PASSWORD = "load-benchmark-password-2026"
ROOT = Path(__file__).resolve().parent.parent


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks load", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--url", required=True, help="a database from `benchmarks generate`")
    parser.add_argument("--connections", default="16,64", help="comma-separated")
    parser.add_argument("--duration", type=int, default=20, help="seconds per wrk run")
    parser.add_argument("--warmup", type=int, default=10, help="seconds of mix first")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--members", type=int, default=4, help="members signed in")
    parser.add_argument("--coordinators", type=int, default=2, help="coordinators signed in")
    parser.add_argument("--port", type=int, default=8393)
    parser.add_argument("--per-page", type=int, default=0, metavar="SECONDS",
                        help="also drive each page alone this long: CPU per request")  # fmt: skip
    parser.add_argument("--judge-at", default=None,
                        help="connection counts the budget applies to (default: all)")  # fmt: skip
    parser.add_argument("--report-only", action="store_true", help="exit 0 under budget")
    parser.add_argument("--readme", action="store_true", help="write the table to README.md")
    args = parser.parse_args(argv)
    try:
        args.connections = [int(c) for c in args.connections.split(",") if c.strip()]
        args.judge_at = (
            args.connections
            if args.judge_at is None
            else [int(c) for c in args.judge_at.split(",") if c.strip()]
        )
    except ValueError:
        parser.error("--connections and --judge-at take comma-separated numbers")
    if not args.connections or min(args.connections) < args.threads:
        parser.error(f"every connection count must be at least --threads ({args.threads})")
    return args


def prepare(url: str, members: int, coordinators: int) -> dict:
    """The community's slug, a few search words, and the users to sign in (given the
    benchmark password; the generated users have none)."""
    import sqlalchemy as sa
    from argon2 import PasswordHasher

    engine = sa.create_engine(url)
    with engine.begin() as c:
        community, slug = c.execute(
            sa.text("SELECT id, slug FROM communities ORDER BY id LIMIT 1")
        ).one()
        picked: dict[str, list[str]] = {}
        for role, n in (("member", members), ("coordinator", coordinators)):
            rows = c.execute(
                sa.text(
                    "SELECT u.id, u.email FROM users u JOIN memberships m ON m.user_id = u.id "
                    "WHERE m.community_id = :community AND m.role = :role "
                    "AND m.status = 'active' AND NOT u.is_disabled ORDER BY u.id LIMIT :n"
                ),
                {"community": community, "role": role, "n": n},
            ).all()
            if not rows:
                raise SystemExit(f"no active {role} in {url}")
            c.execute(
                sa.text(
                    "UPDATE users SET password_hash = :h, failed_logins = 0, locked_until = NULL "
                    "WHERE id IN (" + ",".join(str(r[0]) for r in rows) + ")"
                ),
                {"h": PasswordHasher().hash(PASSWORD)},
            )
            picked[role] = [r[1] for r in rows]
        size = {
            table: c.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("memberships", "exchanges", "listings")
        }
        titles = c.execute(sa.text("SELECT title FROM listings ORDER BY id LIMIT 40")).scalars()
        words = sorted({w for t in titles for w in t.split() if len(w) > 3})[:12] or ["help"]
    engine.dispose()
    return {"slug": slug, "users": picked, "words": words, "size": size}


def _cookie(response: http.client.HTTPResponse) -> str:
    found = re.search(r"(session=[^;]+)", response.getheader("Set-Cookie") or "")
    return found.group(1) if found else ""


def sign_in(port: int, email: str) -> str:
    """The session cookie of ``email`` signed in through the form, as a browser does."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", "/auth/login")
    response = connection.getresponse()
    page = response.read().decode()
    anonymous = _cookie(response)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if token is None:
        raise SystemExit("no csrf_token on the sign-in form")
    body = f"csrf_token={quote(token.group(1))}&email={quote(email)}&password={quote(PASSWORD)}"
    connection.request(
        "POST", "/auth/login", body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": anonymous},
    )  # fmt: skip
    response = connection.getresponse()
    response.read()
    connection.close()
    if response.status != 302 or not _cookie(response):
        raise SystemExit(f"signing in {email} failed: HTTP {response.status}")
    return _cookie(response)


def _backends(url: str) -> Callable[[], list[int]]:
    """The pids of the database's PostgreSQL backends now (their CPU is the request's
    too); nothing on SQLite, which works inside the workers."""
    if not url.startswith("postgresql"):
        return lambda: []
    import psycopg
    import sqlalchemy as sa

    plain = sa.engine.make_url(url).set(drivername="postgresql")
    watcher = psycopg.connect(plain.render_as_string(hide_password=False), autocommit=True)
    sql = (
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid()"
    )
    return lambda: [int(r[0]) for r in watcher.execute(sql).fetchall()]


def settle(log: Path, quiet: float = 1.0, limit: float = 60.0) -> None:
    """Wait until the server has answered what wrk left queued (its access log stops
    growing), so the next run does not start behind this one's backlog."""
    deadline, size = time.monotonic() + limit, -1
    while time.monotonic() < deadline:
        now = log.stat().st_size if log.exists() else 0
        if now == size:
            return
        size = now
        time.sleep(quiet)


def measured(
    server: faults.Gunicorn, backends: Callable[[], list[int]], log: Path, go: Callable[[], dict]
) -> dict:
    """``go()``'s wrk result with the CPU milliseconds per request of the server's
    workers, the database's backends and wrk: the CPU used until the backlog is answered,
    over the requests the server answered meanwhile (its access log)."""
    offset = log.stat().st_size if log.exists() else 0
    workers, databases = server.worker_pids(), backends()
    before = cpu_seconds(workers + databases)
    run = go()
    settle(log)
    workers, databases = server.worker_pids(), backends()
    after = cpu_seconds(workers + databases)

    def used(pids: list[int]) -> float:
        return sum(after[p] - before.get(p, 0.0) for p in pids if p in after)

    with log.open() as f:
        f.seek(offset)
        n = max(sum(1 for _line in f), 1)
    run["served"] = n
    run["cpu_ms"] = {
        "app": round(1000 * used(workers) / n, 2),
        "db": round(1000 * used(databases) / n, 2),
        "wrk": round(1000 * run["wrk_cpu_s"] / max(run["requests"], 1), 2),
    }
    total = sum(run["cpu_ms"].values())
    run["ceiling_rps"] = round((os.cpu_count() or 1) * 1000 / total, 1) if total else None
    return run


def run(args: argparse.Namespace, found: dict, folder: Path) -> dict:
    env = {
        **os.environ, "PYTHONPATH": str(ROOT), "TIMEBANK_DATABASE_URL": args.url,
        "TIMEBANK_SECRET_KEY": SECRET, "TIMEBANK_RATELIMIT_ENABLED": "false",
    }  # fmt: skip
    log, hello_log = folder / "access.log", folder / "hello-access.log"

    def access(path: Path) -> tuple[str, ...]:  # the same settings for the floor
        return ("--access-logfile", str(path), "--access-logformat", ACCESS_FORMAT)

    app = faults.Gunicorn(args.port, args.workers, env, folder / "app.log", extra=access(log))
    floor = faults.Gunicorn(
        args.port + 1, args.workers, env, folder / "hello.log",
        app="benchmarks.wrk_mix:hello", extra=access(hello_log),
    )  # fmt: skip
    backends = _backends(args.url)
    app.start()
    floor.start()
    try:
        cookies = {
            role: [sign_in(args.port, email) for email in emails]
            for role, emails in found["users"].items()
        }
        mix = entries(found["slug"], cookies, found["words"])
        script = folder / "mix.lua"
        script.write_text(lua_script([(path, cookie) for _label, path, cookie in mix]))
        health = folder / "healthz.lua"
        health.write_text(lua_script([("/healthz", "")]))
        labels = {path: label for label, path, _cookie in mix}
        # Warm-up: every worker compiles its templates and fills its caches.
        if args.warmup:
            wrk(args.port, script, args.workers, args.warmup, args.threads)
            settle(log)
        runs = []
        for c in args.connections:
            timed = (c, args.duration, args.threads)
            hello = measured(floor, list, hello_log, partial(wrk, args.port + 1, health, *timed))
            healthz = measured(app, backends, log, partial(wrk, args.port, health, *timed))
            offset = log.stat().st_size
            traffic = measured(app, backends, log, partial(wrk, args.port, script, *timed))
            traffic["pages"] = server_times(log, offset, labels)
            traffic["ratio_hello"] = round(traffic["rps"] / hello["rps"], 3)
            traffic["ratio_healthz"] = round(traffic["rps"] / healthz["rps"], 3)
            runs.append({"connections": c, "hello": hello, "healthz": healthz, "mix": traffic})
            print(json.dumps(runs[-1]), flush=True)
        alone = []
        for label, _role, _weight, _path in MIX if args.per_page else ():
            page = folder / "page.lua"
            page.write_text(lua_script([(p, k) for name, p, k in mix if name == label]))
            connections = args.threads  # few in flight at the end: CPU / completed requests
            go = partial(wrk, args.port, page, connections, args.per_page, args.threads)
            result = measured(app, backends, log, go)
            alone.append({"page": label, **result})
            print(json.dumps(alone[-1]), flush=True)
    finally:
        app.stop()
        floor.stop()
    return {
        "engine": results.engine_name(args.url), "workers": args.workers, "threads": args.threads,
        "duration_s": args.duration, "cores": os.cpu_count(), "size": found["size"],
        "runs": runs, "per_page": alone,
    }  # fmt: skip


def over_budget(result: dict, judge_at: list[int]) -> list[str]:
    """What misses the budget, at the judged connection counts."""
    missed = []
    for one in result["runs"]:
        mix = one["mix"]
        if one["connections"] not in judge_at:
            continue
        if mix["rps"] < BUDGET_RPS or mix["p95_ms"] > BUDGET_P95_MS:
            missed.append(
                f"{one['connections']} connections: {mix['rps']} req/s at p95 {mix['p95_ms']} ms"
                f" (budget ≥ {BUDGET_RPS:g} req/s at p95 ≤ {BUDGET_P95_MS:g} ms)"
            )
        if mix["non2xx"] or mix["socket_errors"]:
            missed.append(
                f"{one['connections']} connections: {mix['non2xx']} answers other than 2xx,"
                f" {mix['socket_errors']} socket errors or timeouts"
            )
    return missed


def table(result: dict) -> str:
    first = result["runs"][0]["mix"]["load_average"] if result["runs"] else []
    size = ", ".join(f"{n:,} {table}" for table, n in result.get("size", {}).items())
    lines = [
        f"{result['engine']} ({size}): {result['workers']} gunicorn sync workers, wrk "
        f"{result['threads']} threads, {result['duration_s']} s per run, {result['cores']} "
        f"cores, load average {' '.join(map(str, first))} (1, 5, 15 min) after the first run.",
        "",
        "| connections | mix req/s | p50 ms | p95 ms | p99 ms | non-2xx | `/healthz` req/s "
        "| hello req/s | mix / healthz | mix / hello | CPU ms per request: app + db + wrk "
        "| ceiling req/s | load avg |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for one in result["runs"]:
        m, cpu = one["mix"], one["mix"]["cpu_ms"]
        lines.append(
            f"| {one['connections']} | **{m['rps']}** | {m['p50_ms']} | **{m['p95_ms']}** "
            f"| {m['p99_ms']} | {m['non2xx']} | {one['healthz']['rps']} | {one['hello']['rps']} "
            f"| {m['ratio_healthz']} | {m['ratio_hello']} "
            f"| {cpu['app']} + {cpu['db']} + {cpu['wrk']} | {m['ceiling_rps']} "
            f"| {m['load_average'][0]} |"
        )
    weights = {label: weight for label, _role, weight, _path in MIX}
    pages = result["runs"][0]["mix"]["pages"] if result["runs"] else {}
    alone = {row["page"]: row for row in result["per_page"]}
    lines += [
        "",
        "| page | weight | server p50 / p95 ms in the mix "
        f"({result['runs'][0]['connections'] if result['runs'] else '—'} connections) "
        "| alone: req/s | alone: CPU ms per request (app + db) |",
        "|---|---|---|---|---|",
    ]
    for label, weight in weights.items():
        seen, own = pages.get(label), alone.get(label)
        timing = f"{seen['p50_ms']} / {seen['p95_ms']}" if seen else "—"
        cpu = f"{own['cpu_ms']['app']} + {own['cpu_ms']['db']}" if own else "—"
        lines.append(f"| {label} | {weight} | {timing} | {own['rps'] if own else '—'} | {cpu} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: `make bench-tools` or `sudo apt-get install wrk`")
    folder = Path(tempfile.mkdtemp(prefix="tb-load-", dir=os.environ.get("TIMEBANK_BENCH_DIR")))
    found = prepare(args.url, args.members, args.coordinators)
    result = run(args, found, folder)
    print(table(result))
    if args.readme:
        results.write_readme(f"load:{result['engine']}", table(result))
    missed = over_budget(result, args.judge_at)
    if missed:
        print("\nUnder budget:\n  " + "\n  ".join(missed))
        if not args.report_only:
            raise SystemExit(1)
    return result


if __name__ == "__main__":
    main()
