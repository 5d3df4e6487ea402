"""The metrics journey's data: a quarter of exchanges between the demo members, posted
through the ledger service before the server (``tests/e2e/server.py``) starts."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

from tests.e2e.server import ROOT, Served

SEED = """
import sys
from datetime import UTC, date, datetime
from sqlalchemy import select
from timebank import create_app
from timebank.extensions import db
from timebank.models import Community, Exchange, ExchangeKind, ExchangeStatus, Membership, Role
from timebank.services.ledger import posting as ledger

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


def seed_exchanges(quarter_start: str) -> Callable[[Served], None]:
    """A ``serve`` preparation: a quarter of exchanges between the demo members."""

    def prepare(served: Served) -> None:
        subprocess.run([sys.executable, "-c", SEED, quarter_start], cwd=ROOT, env=served.env,
                       check=True, capture_output=True, timeout=120)  # fmt: skip

    return prepare
