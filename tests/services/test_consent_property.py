"""Property test of the consent rule (docs/consent.md): whatever random sequence of actors
(members recording for themselves as provider or recipient, a proxy for their member,
coordinators on behalf of either party, confirmations by the right and the wrong people,
coordinator decisions, approvals) and policies (confirmation required or not, every
approval rule), every posted exchange took the debited member's consent by one of three
routes, checked from the stored data only:

1. the record is the recipient's word (recorded by them, or on their behalf);
2. the recipient, or their proxy for them, confirmed it;
3. a coordinator who is not a party decided it (an audited ``exchange.confirm`` marked
   ``coordinator_decision``).

Each example gets a fresh community (every check is scoped to it)."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import select

from tests.conftest import PG_URL
from tests.services.conftest import key, make_bank
from tests.services.test_ledger_state_machine import app_config, database_uri  # noqa: F401
from timebank.database import transaction
from timebank.extensions import db
from timebank.models import Account, AuditEvent, Exchange, Membership, Proxy, Role, User
from timebank.services.community import proxies
from timebank.services.exceptions import DomainError
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.ledger.checks import other_party_user_id

# At least 200 examples in CI on both engines (each example is a short sequence).
EXAMPLES = int(os.environ.get("TIMEBANK_CONSENT_EXAMPLES", "200"))
STEPS = 12 if PG_URL else 20  # PostgreSQL: a network round trip per commit

PEOPLE = ["a", "b", "c", "k1", "k2"]  # k1, k2 coordinators; c is a's proxy
TRADERS = ["a", "b", "c", "k1"]
CONDITIONS = ["", "always", "above_minutes", "limit_crossed"]  # "": none, post at once
PAIRS = [(p, r) for p in TRADERS for r in TRADERS if p != r]


class ConsentMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.bank = make_bank(default_credit_limit=300, approval_above_minutes=120)
        b = self.bank
        self.people = {"a": b.a, "b": b.b, "c": b.c, "k1": b.coordinator, "k2": b.coordinator2}
        proxies.appoint(b.a, b.c, actor=b.coordinator.user)
        db.session.commit()
        self.ids: list[int] = []
        self.checked: set[int] = set()

    def _try(self, work) -> None:
        try:
            exchange = transaction(work)
        except DomainError:
            return
        if isinstance(exchange, Exchange) and exchange.id not in self.ids:
            self.ids.append(exchange.id)

    def _exchange(self, index: int) -> Exchange | None:
        if not self.ids:
            return None
        return db.session.get(Exchange, self.ids[-1 - index % len(self.ids)])

    @rule(require=st.booleans(), approval=st.sampled_from(CONDITIONS))
    def set_policy(self, require, approval):
        community = self.bank.community
        community.require_confirmation, community.approval_conditions = require, approval
        db.session.commit()

    @rule(
        pair=st.sampled_from(PAIRS),
        who=st.sampled_from(["provider", "recipient", "proxy", "k2", "b"]),
        minutes=st.sampled_from([15, 60, 180]),
        behalf=st.sampled_from(["provider", "recipient"]),
    )
    def record(self, pair, who, minutes, behalf):
        """A party for themself, c as a's proxy, a coordinator on behalf of either party, or
        someone who may not record (b, when not a party)."""
        p, r = self.people[pair[0]], self.people[pair[1]]
        actor = {"provider": p, "recipient": r, "proxy": self.people["c"]}.get(who)
        actor = actor or self.people[who]
        party = actor.id in (p.id, r.id)
        on_behalf = None if party else {"provider": p, "recipient": r}[behalf]
        if who == "proxy" and not party:
            on_behalf = self.people["a"]  # c acts for a, whichever side a is on
        self._try(
            lambda: exchanges.record(
                self.bank.community,
                actor=actor.user,
                provider=p,
                recipient=r,
                minutes=minutes,
                service_date=self.bank.community.created_at.date(),
                category="gardening",
                idempotency_key=key(),
                on_behalf_of=on_behalf,
            )  # fmt: skip
        )

    @rule(index=st.integers(0, 3), who=st.sampled_from(["other", "proxy", "wrong"]),
          wrong=st.sampled_from(PEOPLE))  # fmt: skip
    def confirm(self, index, who, wrong):
        """The other party, c for a, or anyone (mostly the wrong person)."""
        exchange = self._exchange(index)
        if exchange is None:
            return
        on_behalf = None
        if who == "other":
            other = other_party_user_id(exchange)
            user = db.session.get(User, other) if other else self.people[wrong].user
        elif who == "proxy":
            user, on_behalf = self.people["c"].user, self.people["a"]
        else:
            user = self.people[wrong].user
        self._try(lambda: exchanges.confirm(exchange, actor=user, on_behalf_of=on_behalf))

    @rule(index=st.integers(0, 3), actor=st.sampled_from(PEOPLE))
    def coordinator_decision(self, index, actor):
        exchange = self._exchange(index)
        if exchange is not None:
            user = self.people[actor].user
            self._try(lambda: exchanges.confirm_as_coordinator(exchange, actor=user))

    @rule(index=st.integers(0, 3), actor=st.sampled_from(PEOPLE))
    def approve(self, index, actor):
        exchange = self._exchange(index)
        if exchange is not None:
            user = self.people[actor].user
            self._try(lambda: exchanges.approve(exchange, actor=user))

    @invariant()
    def every_debit_was_consented(self):
        community = self.bank.community
        posted = db.session.scalars(
            select(Exchange).where(
                Exchange.community_id == community.id,
                Exchange.kind == "exchange",
                Exchange.status.in_(("posted", "reversed")),
            )
        ).all()
        for exchange in posted:
            if exchange.id not in self.checked:  # what made it post does not change later
                assert consented(exchange), f"exchange {exchange.id} debited without consent"
                self.checked.add(exchange.id)


def _user_of(account_id: int) -> int:
    return db.session.scalar(
        select(Membership.user_id)
        .join(Account, Account.membership_id == Membership.id)
        .where(Account.id == account_id)
    )


def consented(exchange: Exchange) -> bool:
    """The three routes, from the data alone."""
    recipient = _user_of(exchange.recipient_account_id)
    provider = _user_of(exchange.provider_account_id)
    if (exchange.on_behalf_of_id or exchange.recorded_by_id) == recipient:
        return True  # 1. the recipient's own word
    recipient_membership = db.session.scalar(
        select(Membership).where(
            Membership.user_id == recipient, Membership.community_id == exchange.community_id
        )
    )
    events = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "exchange.confirm",
            AuditEvent.object_id == exchange.id,
            AuditEvent.community_id == exchange.community_id,
        )
    ).all()
    for event in events:
        if event.actor_id == recipient and event.on_behalf_of_id is None:
            return True  # 2. the recipient confirmed
        proxy_users = set(
            db.session.scalars(
                select(Membership.user_id)
                .join(Proxy, Proxy.proxy_id == Membership.id)
                .where(Proxy.member_id == recipient_membership.id, Proxy.ended_at.is_(None))
            )
        )
        if event.on_behalf_of_id == recipient and event.actor_id in proxy_users:
            return True  # 2. their proxy confirmed for them
        coordinator = db.session.scalar(
            select(Membership.role).where(
                Membership.user_id == event.actor_id,
                Membership.community_id == exchange.community_id,
            )
        )
        if (
            (event.details or {}).get("coordinator_decision") is True
            and coordinator == Role.COORDINATOR
            and event.actor_id not in (provider, recipient)
        ):
            return True  # 3. a coordinator's audited decision
    return False


@pytest.mark.slow(seconds=40)  # started first (tests/conftest.py)
def test_every_posted_debit_was_consented(app):
    """≥ 200 random sequences of actors and policies (see EXAMPLES)."""
    run_state_machine_as_test(
        ConsentMachine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            derandomize=True,
            database=None,
        ),
    )
