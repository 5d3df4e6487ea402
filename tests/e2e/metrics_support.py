"""A real Timebank server for the metrics journey: a temporary SQLite database migrated
with ``flask db upgrade``, the demo community loaded with ``flask demo``, a quarter of
exchanges between its members (``seed_exchanges`` below, through the ledger service), and
``flask run`` in a subprocess, ready once ``/healthz`` answers. The browser is the
suite's (``conftest.chromium``)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECRET = "e2e-metrics-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

SEED = """
import sys
from datetime import UTC, date, datetime
from sqlalchemy import select
from timebank import create_app
from timebank.extensions import db
from timebank.models import Community, Exchange, ExchangeKind, ExchangeStatus, Membership, Role
from timebank.services import ledger

app = create_app()
with app.app_context():
    community = db.session.scalar(select(Community).where(Community.slug == "old-town"))
    members = db.session.scalars(select(Membership).where(
        Membership.community_id == community.id, Membership.role == Role.MEMBER,
        Membership.member_number.is_not(None)).order_by(Membership.id)).all()
    ledger.ensure_accounts(community)
    plan = [(0, 1, 60, 5, "companionship"), (1, 2, 90, 12, "gardening"),
            (2, 0, 120, 20, "transport"), (3, 4, 60, 33, "companionship"),
            (4, 0, 30, 41, "shopping"), (0, 3, 45, 58, "gardening"),
            (1, 0, 60, 70, "companionship")]
    start = date.fromisoformat(sys.argv[1])
    for n, (giver, receiver, minutes, day, category) in enumerate(plan):
        when = date.fromordinal(start.toordinal() + day)
        at = datetime(when.year, when.month, when.day, 12, tzinfo=UTC)
        exchange = Exchange(
            community_id=community.id, kind=ExchangeKind.EXCHANGE, status=ExchangeStatus.POSTED,
            provider_account_id=ledger.ensure_account(members[giver]).id,
            recipient_account_id=ledger.ensure_account(members[receiver]).id,
            minutes=minutes, service_date=when, category=category,
            recorded_by_id=members[giver].user_id, decided_by_id=members[receiver].user_id,
            decided_at=at, idempotency_key=f"e2e-seed-{n:04d}", payload_hash="0" * 64,
            created_at=at)
        ledger.post_new([exchange], now=at)
    db.session.commit()
    print("seeded", len(plan))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, folder: Path, quarter_start: str) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "TIMEBANK_DATABASE_URL": f"sqlite:///{folder / 'e2e.sqlite3'}",
            "TIMEBANK_SECRET_KEY": SECRET,
            "TIMEBANK_RATELIMIT_ENABLED": "false",
            "PYTHONWARNINGS": "ignore",
        }
        self.quarter_start = quarter_start
        self.process: subprocess.Popen | None = None

    def flask(self, *args: str) -> str:
        result = subprocess.run([sys.executable, "-m", "flask", "--app", "timebank", *args],
                                cwd=ROOT, env=self.env, capture_output=True, text=True,
                                check=True, timeout=120)  # fmt: skip
        return result.stdout

    def start(self) -> Server:
        self.flask("db", "upgrade")
        self.flask("demo")
        subprocess.run([sys.executable, "-c", SEED, self.quarter_start], cwd=ROOT, env=self.env,
                       check=True, capture_output=True, timeout=120)  # fmt: skip
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "timebank", "run", "--no-reload",
             "--no-debugger", "--port", str(self.port)],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("the server did not answer /healthz")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
