"""Ledger fixtures: a community with a coordinator and three members, and helpers."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.factories import make_community, make_member
from timebank.database import transaction
from timebank.demo import DEMO_SLUG, load_demo
from timebank.extensions import db
from timebank.models import Account, AuditEvent, Community, Entry, Exchange, Membership, Role
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.ledger import posting as ledger
from timebank.services.ledger.verification import verify_community

_keys = itertools.count(1)


def key() -> str:
    return f"test-{next(_keys):06d}-{uuid.uuid4().hex[:8]}"


@dataclass
class Bank:
    community: Community
    coordinator: Membership
    coordinator2: Membership
    a: Membership
    b: Membership
    c: Membership

    def account(self, membership: Membership) -> Account:
        return ledger.ensure_account(membership)

    def balance(self, membership: Membership) -> int:
        return db.session.scalar(
            select(Account.balance).where(Account.membership_id == membership.id)
        )

    def record(self, provider, recipient, minutes=60, *, actor=None, **kwargs) -> Exchange:
        actor = actor or provider.user
        kwargs.setdefault("service_date", date(2026, 11, 1))
        kwargs.setdefault("category", "gardening")
        kwargs.setdefault("idempotency_key", key())
        exchange = exchanges.record(
            self.community,
            actor=actor,
            provider=provider,
            recipient=recipient,
            minutes=minutes,
            **kwargs,
        )
        db.session.commit()
        return exchange

    def post(self, provider, recipient, minutes=60) -> Exchange:
        """Record and confirm (default policy: confirmation, no approval)."""
        exchange = self.record(provider, recipient, minutes)
        exchanges.confirm(exchange, actor=recipient.user)
        db.session.commit()
        return exchange


def make_bank(**policy) -> Bank:
    """No passwords: argon2 hashing would dominate the ledger tests' run time."""
    community = make_community()
    for name, value in policy.items():
        setattr(community, name, value)
    db.session.commit()
    bank = Bank(
        community=community,
        coordinator=make_member(community, role=Role.COORDINATOR, password=None),
        coordinator2=make_member(community, role=Role.COORDINATOR, password=None),
        a=make_member(community, password=None),
        b=make_member(community, password=None),
        c=make_member(community, password=None),
    )
    ledger.ensure_accounts(community)
    db.session.commit()
    return bank


@pytest.fixture
def demo(app) -> Community:
    """The demo community (``timebank demo``), loaded into the test's database."""
    transaction(load_demo)
    return db.session.scalar(select(Community).where(Community.slug == DEMO_SLUG))


@pytest.fixture
def bank(app) -> Bank:
    return make_bank()


def audit_count(action: str | None = None) -> int:
    query = select(func.count()).select_from(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    return db.session.scalar(query)


def ledger_counts() -> tuple[int, int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(Exchange)),
        db.session.scalar(select(func.count()).select_from(Entry)),
        db.session.scalar(select(func.coalesce(func.sum(func.abs(Account.balance)), 0))),
    )


def assert_consistent(community: Community) -> None:
    report = verify_community(community)
    assert report.ok, report.problems
