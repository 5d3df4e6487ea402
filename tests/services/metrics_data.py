"""A small hand-built community whose metrics are worked out by hand in the tests.

Members: coordinators K and K2; A, B, C, D, E, F who exchange in 2026-Q1; G who never does.

    2025-12-15  B → A   60  gardening       (previous quarter: the A–B tie is not new in Q1)
    2026-01-10  A → B   60  gardening
    2026-01-20  A → C   90  gardening       reversed on 2026-02-01: it and its reversal cancel
    2026-01-25  B → A  120  gardening
    2026-02-06  B → C   60  companionship
    2026-03-01  C → D  180  companionship
    2026-03-02  D → B   60  transport
    2026-03-03  E → F   30  transport
    2026-03-04  A donates 30 to the pot     (a pot movement, not an exchange between members)
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from tests.factories import PASSWORD, make_community, make_member
from timebank.extensions import db
from timebank.models import Community, Exchange, ExchangeKind, ExchangeStatus, Membership, Role
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.exchanges import movements
from timebank.services.ledger import posting as ledger

_keys = itertools.count(1)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def post(
    community: Community,
    provider: Membership,
    recipient: Membership,
    minutes: int,
    day: date,
    category: str = "gardening",
    *,
    kind=ExchangeKind.EXCHANGE,
    decider: Membership | None = None,
) -> Exchange:
    """A posted exchange with its two legs, dated ``day`` (through ``ledger.post_new``)."""
    decider = decider or recipient
    exchange = Exchange(
        community_id=community.id,
        kind=kind,
        status=ExchangeStatus.POSTED,
        provider_account_id=ledger.ensure_account(provider).id,
        recipient_account_id=ledger.ensure_account(recipient).id,
        minutes=minutes,
        service_date=day,
        category=category,
        recorded_by_id=provider.user_id,
        decided_by_id=decider.user_id,
        decided_at=at(day),
        idempotency_key=f"metrics-{next(_keys):05d}-{uuid.uuid4().hex[:8]}",
        payload_hash="0" * 64,
        created_at=at(day),
    )
    ledger.post_new([exchange], now=at(day))
    db.session.commit()
    return exchange


@dataclass
class Town:
    community: Community
    k: Membership
    k2: Membership
    a: Membership
    b: Membership
    c: Membership
    d: Membership
    e: Membership
    f: Membership
    g: Membership


def build_town(*, names: dict[str, str] | None = None, logins: str = "") -> Town:
    """``logins``: the keys of members who get the factories' password (hashing is slow)."""
    names = names or {}
    community = make_community()

    def member(key: str, role: Role = Role.MEMBER) -> Membership:
        password = PASSWORD if key in logins else None
        return make_member(
            community,
            role=role,
            password=password,
            name=names.get(key),
            email=f"{key}-{uuid.uuid4().hex[:8]}@example.org",
        )

    town = Town(
        community,
        member("k", Role.COORDINATOR),
        member("k2", Role.COORDINATOR),
        *(member(k) for k in "abcdefg"),
    )
    for m in (town.k, town.k2, town.a, town.b, town.c, town.d, town.e, town.f, town.g):
        m.created_at = m.decided_at = datetime(2025, 6, 1, tzinfo=UTC)
    ledger.ensure_accounts(community)
    db.session.commit()
    post(community, town.b, town.a, 60, date(2025, 12, 15))
    post(community, town.a, town.b, 60, date(2026, 1, 10))
    mistake = post(community, town.a, town.c, 90, date(2026, 1, 20))
    exchanges.reverse(mistake, actor=town.k.user, reason="Recorded twice", now=at(date(2026, 2, 1)))
    db.session.commit()
    post(community, town.b, town.a, 120, date(2026, 1, 25))
    post(community, town.b, town.c, 60, date(2026, 2, 6), "companionship")
    post(community, town.c, town.d, 180, date(2026, 3, 1), "companionship")
    post(community, town.d, town.b, 60, date(2026, 3, 2), "transport")
    post(community, town.e, town.f, 30, date(2026, 3, 3), "transport")
    movements.donate(
        town.a,
        actor=town.a.user,
        minutes=30,
        idempotency_key=f"donate-{uuid.uuid4().hex}",
        now=at(date(2026, 3, 4)),
    )
    db.session.commit()
    return town
