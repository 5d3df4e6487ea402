"""Load and fault suite (issue 17, point 6):

    python -m benchmarks.soak --engine sqlite --duration 180 [--no-faults] [--readme]
    python -m benchmarks.soak --engine postgresql --pg postgresql+psycopg://postgres@127.0.0.1:5432

Builds a small community (``benchmarks generate``) in a fresh database (SQLite file, or the
PostgreSQL database ``tb_soak``, dropped and created), gives its members and a coordinator
API tokens, starts a private ``redis-server`` (rate limits and jobs) and gunicorn, then
drives a mixed load for ``--duration`` seconds from ``--threads`` client threads: members
record exchanges and confirm the ones recorded to them through the JSON API (a client
retries a failed write with the same ``Idempotency-Key``), read their statements; a
coordinator reads exchanges and statements; anonymous visitors load the home page and the
sign-in form in Arabic and English. Meanwhile ``benchmarks/faults.py`` kills a worker,
restarts the master, stops the database for 10 s and Redis for 10 s.

It counts the answers by status, during which fault, and the requests that got no answer.
At the end: every acknowledged exchange (a 2xx naming its id) exists, every acknowledged
posting is posted with its two entries, no exchange has half its entries, every account's
balance is the sum of its entries, and ``verify-ledger`` passes."""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from benchmarks import faults, results

SECRET = "soak-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
ROOT = Path(__file__).resolve().parent.parent
AFTER = 10  # seconds after a fault whose answers are counted apart


def _cause(kind: str, payload: bytes) -> str:
    """What a 5xx says it is: a problem's title, or the page's title."""
    text = payload.decode("utf-8", "replace")
    if "json" in kind:
        try:
            return str(json.loads(text).get("title", ""))[:60]
        except ValueError:
            return "?"
    found = re.search(r"<title>(.*?)</title>", text, re.S)
    return " ".join(found.group(1).split())[:60] if found else "?"


class Load:
    """The client side: what was asked, what came back, what was acknowledged."""

    def __init__(self, port: int, slug: str, members, coordinator, category: str) -> None:
        self.port, self.slug, self.members = port, slug, members
        self.coordinator, self.category = coordinator, category
        self.lock = threading.Lock()
        self.answers: collections.Counter[tuple[str, str]] = collections.Counter()
        self.recorded: set[int] = set()  # 2xx to a record: the exchange exists
        self.posted: set[int] = set()  # 2xx to a confirm saying "posted"
        self.fault = "none"
        self.bad: list[str] = []

    def request(self, method: str, path: str, *, secret=None, body=None, headers=None):
        headers = dict(headers or {})
        if secret:
            headers["Authorization"] = f"Bearer {secret}"
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        fault = self.fault
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            with self.lock:
                self.answers[(fault, f"no answer ({type(exc).__name__})")] += 1
            return None, None
        finally:
            connection.close()
        label = str(status)
        if status >= 500:
            label = f"{status} {_cause(response.getheader('Content-Type') or '', payload)}"
        with self.lock:
            self.answers[(fault, label)] += 1
            if status >= 500 and status != 503:
                self.bad.append(f"{status} {method} {path} during {fault}")
        return status, payload

    def write(self, path: str, secret: str, body=None, *, keyed: bool = True):
        """A client that retries a write that got no answer or a 503 (same key)."""
        headers = {"Idempotency-Key": uuid.uuid4().hex} if keyed else {}
        for attempt in range(4):
            status, payload = self.request("POST", path, secret=secret, body=body, headers=headers)
            if status is not None and status != 503:
                return status, payload
            time.sleep(1 + attempt)
        return status, payload

    def exchange(self, rng: random.Random) -> None:
        provider, recipient = rng.sample(self.members, 2)
        api = f"/api/v1/communities/{self.slug}/exchanges"
        status, payload = self.write(api, provider["secret"], {
            "provider_id": provider["membership_id"], "recipient_id": recipient["membership_id"],
            "minutes": rng.choice((15, 30, 45, 60)), "service_date": date.today().isoformat(),
            "category": self.category, "description": "soak",
        })  # fmt: skip
        if status is None or not 200 <= status < 300:
            return
        exchange = json.loads(payload)
        with self.lock:
            self.recorded.add(exchange["id"])
        status, payload = self.write(
            f"{api}/{exchange['id']}/confirm", recipient["secret"], keyed=False
        )
        if status is not None and 200 <= status < 300 and json.loads(payload)["status"] == "posted":
            with self.lock:
                self.posted.add(exchange["id"])

    def member_read(self, rng: random.Random) -> None:
        member = rng.choice(self.members)
        path = rng.choice(("/api/v1/me", f"/api/v1/communities/{self.slug}/statement?limit=20"))
        self.request("GET", path, secret=member["secret"])

    def coordinator_read(self, rng: random.Random) -> None:
        with self.lock:
            known = rng.choice(sorted(self.recorded)) if self.recorded else None
        if known is not None and rng.random() < 0.6:
            path = f"/api/v1/communities/{self.slug}/exchanges/{known}"
        else:
            path = f"/api/v1/communities/{self.slug}/statement?limit=50"
        self.request("GET", path, secret=self.coordinator["secret"])

    def visitor(self, rng: random.Random) -> None:
        language = rng.choice(("ar", "en"))
        self.request("GET", rng.choice(("/", "/auth/login")), headers={"Accept-Language": language})

    def run(self, seed: int, until: float) -> None:
        rng = random.Random(seed)
        actions = [self.exchange] * 4 + [self.member_read] * 3 + [self.coordinator_read] * 2
        actions += [self.visitor] * 2
        while time.monotonic() < until:
            rng.choice(actions)(rng)


def prepare(args, folder: Path) -> tuple[str, str]:
    """A fresh database with a small community: (direct URL, URL the app uses)."""
    if args.engine == "sqlite":
        url = f"sqlite:///{folder / 'soak.sqlite3'}"
        app_url = url
    else:
        import psycopg

        server = sa.engine.make_url(args.pg)
        admin = server.set(drivername="postgresql", database="postgres")
        with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as c:
            c.execute("DROP DATABASE IF EXISTS tb_soak WITH (FORCE)")
            c.execute("CREATE DATABASE tb_soak")
        url = server.set(database="tb_soak").render_as_string(hide_password=False)
        app_url = server.set(database="tb_soak", host="127.0.0.1", port=args.relay_port)
        app_url = app_url.render_as_string(hide_password=False)
    subprocess.run(
        [sys.executable, "-m", "benchmarks", "generate", "--members", str(args.members),
         "--exchanges", str(args.members * 50), "--url", url, "--no-verify"],
        check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return url, app_url


def tokens(url: str, members: int) -> dict:
    """API tokens for the members and the first coordinator (in a child process: the
    application is not imported into the load's process)."""
    code = """
import json, sys
from sqlalchemy import select
from timebank import create_app
from timebank.database import transaction
from timebank.extensions import db
from timebank.models import Category, Community, Membership
from timebank.services.auth import tokens
app = create_app()
with app.app_context():
    community = db.session.scalars(select(Community)).first()
    category = db.session.scalars(select(Category).where(Category.community_id == community.id)
                                  .where(Category.key == "household")).first()
    rows = db.session.scalars(select(Membership).where(Membership.community_id == community.id)
                              .order_by(Membership.id)).all()
    out = {"slug": community.slug, "category": category.key, "members": [], "coordinator": None}
    for membership in rows[: int(sys.argv[1])]:
        coordinator = membership.role.value == "coordinator"
        scopes = ["read", "exchanges:write"] + (["coordinate"] if coordinator else [])
        made = transaction(lambda: tokens.create(membership.user, name="soak", scopes=scopes,
                                                 expires_on=None))
        row = {"membership_id": membership.id, "secret": made.secret}
        if coordinator and out["coordinator"] is None:
            out["coordinator"] = row
        elif not coordinator:
            out["members"].append(row)
    print(json.dumps(out))
"""
    env = {**os.environ, "TIMEBANK_DATABASE_URL": url, "TIMEBANK_SECRET_KEY": SECRET}
    done = subprocess.run(
        [sys.executable, "-c", code, str(members)], cwd=ROOT, env=env,
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def audit(url: str, recorded: set[int], posted: set[int]) -> dict:
    """What the database says about what the clients were told."""
    engine = sa.create_engine(url)
    with engine.connect() as c:
        status = dict(c.execute(sa.text("SELECT id, status FROM exchanges")).all())
        legs = {
            row[0]: (row[1], row[2])
            for row in c.execute(
                sa.text(
                    "SELECT exchange_id, count(*), sum(delta) FROM entries GROUP BY exchange_id"
                )
            )
        }
        drift = c.execute(
            sa.text(
                "SELECT count(*) FROM accounts a WHERE a.balance <> "
                "(SELECT coalesce(sum(e.delta), 0) FROM entries e WHERE e.account_id = a.id)"
            )
        ).scalar_one()
    engine.dispose()
    half = [
        i
        for i, s in status.items()
        if (s in ("posted", "reversed") and legs.get(i, (0, 0)) != (2, 0))
        or (s not in ("posted", "reversed") and i in legs)
    ]
    return {
        "acknowledged_records": len(recorded),
        "acknowledged_postings": len(posted),
        "lost_records": len([i for i in recorded if i not in status]),
        "lost_postings": len([i for i in posted if status.get(i) not in ("posted", "reversed")]),
        "half_postings": len(half),
        "balances_off": int(drift),
        "exchanges_posted": sum(1 for s in status.values() if s == "posted"),
    }


def verify_ledger(url: str) -> bool:
    env = {**os.environ, "TIMEBANK_DATABASE_URL": url, "TIMEBANK_SECRET_KEY": SECRET}
    done = subprocess.run(
        [sys.executable, "-m", "timebank", "verify-ledger"], cwd=ROOT, env=env,
        capture_output=True, text=True,
    )  # fmt: skip
    return done.returncode == 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--duration", type=float, default=180)
    parser.add_argument("--threads", type=int, default=6)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--members", type=int, default=40)
    parser.add_argument("--port", type=int, default=8391)
    parser.add_argument("--redis-port", type=int, default=6391)
    parser.add_argument("--relay-port", type=int, default=6392)
    parser.add_argument("--fault-every", type=float, default=25)
    parser.add_argument("--no-faults", action="store_true")
    parser.add_argument("--readme", action="store_true", help="write the table into README.md")
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="tb-soak-", dir=os.environ.get("TIMEBANK_BENCH_DIR")))
    url, app_url = prepare(args, folder)
    people = tokens(url, args.members)
    redis = faults.Redis(args.redis_port, folder)
    redis.start()
    relay: faults.Relay | None = None
    if args.engine == "postgresql":
        target = sa.engine.make_url(url)
        relay = faults.Relay(target.host or "127.0.0.1", target.port or 5432, args.relay_port)
        relay.start()
    env = {
        **os.environ, "PYTHONPATH": str(ROOT), "TIMEBANK_DATABASE_URL": app_url,
        "TIMEBANK_SECRET_KEY": SECRET,
        "TIMEBANK_RATELIMIT_STORAGE_URL": f"redis://127.0.0.1:{args.redis_port}/0",
        "TIMEBANK_JOBS_REDIS_URL": f"redis://127.0.0.1:{args.redis_port}/1",
    }  # fmt: skip
    server = faults.Gunicorn(args.port, args.workers, env, folder / "gunicorn.log")
    server.start()
    load = Load(args.port, people["slug"], people["members"], people["coordinator"],
                people["category"])  # fmt: skip
    timeline: list[dict] = []
    stop = threading.Event()
    started = time.monotonic()

    def noted(name: str, begin: float, end: float) -> None:
        after = load.fault = f"the {AFTER:g} s after: {name}"
        threading.Timer(
            AFTER, lambda: load.fault == after and setattr(load, "fault", "none")
        ).start()
        timeline.append({"fault": name, "at_s": round(begin - started, 1),
                         "lasted_s": round(end - begin, 1)})  # fmt: skip

    schedule = faults.schedule(
        server, relay or faults.SqliteOutage(url[len("sqlite:///") :], server.reload), redis
    )
    marked = [
        (name, lambda fault=fault, name=name: (setattr(load, "fault", name), fault()))
        for name, fault in schedule
    ]
    until = started + args.duration
    threads = [threading.Thread(target=load.run, args=(n, until)) for n in range(args.threads)]
    for thread in threads:
        thread.start()
    chaos = None
    if not args.no_faults:
        chaos = threading.Thread(
            target=faults.run,
            args=([(n, lambda f=f: f()) for n, f in marked],),  # type: ignore[misc]
            kwargs={"every": args.fault_every, "stop": stop, "log": noted},
        )
        chaos.start()
    for thread in threads:
        thread.join()
    stop.set()
    if chaos is not None:
        chaos.join()
    elapsed = time.monotonic() - started
    load_average = os.getloadavg()
    server.stop()
    redis.stop()
    if relay is not None:
        relay.stop()
    result = audit(url, load.recorded, load.posted)
    result["verify_ledger_ok"] = verify_ledger(url)
    answers = collections.Counter()
    for (_fault, status), count in load.answers.items():
        answers[status] += count
    report = {
        "engine": args.engine, "seconds": round(elapsed), "threads": args.threads,
        "workers": args.workers, "faults": timeline, "requests": sum(load.answers.values()),
        "answers": dict(sorted(answers.items())),
        "by_fault": {f"{f} / {s}": n for (f, s), n in sorted(load.answers.items())},
        "unexpected": load.bad[:20], "load_average": [round(x, 1) for x in load_average],
        **result,
    }  # fmt: skip
    print(json.dumps(report))
    if args.readme:
        name = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[report["engine"]]
        results.write_readme(f"soak:{name}", _table(report))


def _table(report: dict) -> str:
    name = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[report["engine"]]
    la = " ".join(str(x) for x in report["load_average"])
    lines = [
        f"{name}: {report['seconds']} s, {report['threads']} client threads, "
        f"{report['workers']} gunicorn workers, load average at the end {la}.",
        "",
        "| fault (start s, length s) | answers |",
        "|---|---|",
    ]
    windows = {"none": "no fault"}
    for f in report["faults"]:
        windows[f["fault"]] = f"{f['fault']} ({f['at_s']}, {f['lasted_s']})"
        windows[f"the {AFTER:g} s after: {f['fault']}"] = f"the {AFTER:g} s after"
    grouped: dict[str, list[str]] = collections.defaultdict(list)
    for key, count in report["by_fault"].items():
        fault, status = key.split(" / ", 1)
        grouped[fault].append(f"{status}: {count}")
    for fault, label in windows.items():
        lines.append(f"| {label} | {', '.join(grouped.get(fault, [])) or '—'} |")
    lines += [
        "",
        "| check | result |",
        "|---|---|",
        f"| requests | {report['requests']} |",
        f"| acknowledged exchanges / postings | {report['acknowledged_records']} / "
        f"{report['acknowledged_postings']} |",
        f"| lost acknowledged exchanges / postings | **{report['lost_records']}** / "
        f"**{report['lost_postings']}** |",
        f"| half-postings | **{report['half_postings']}** |",
        f"| balances not the sum of their entries | **{report['balances_off']}** |",
        f"| answers other than 2xx/3xx/4xx/503 | **{len(report['unexpected'])}** |",
        f"| `verify-ledger` | {'passes' if report['verify_ledger_ok'] else '**fails**'} |",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
