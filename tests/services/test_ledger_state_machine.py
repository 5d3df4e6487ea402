"""Model-based test: a Hypothesis state machine drives the real services and shadows them
with a small reference model; after every step the ledger must agree with the model and
pass verification (zero sums, cached balance = entries, two legs, limits, statuses).

Each example gets a fresh community in the test's database (no reset needed: every check
is scoped to that community)."""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from tests.conftest import PG_URL
from tests.services.conftest import key, make_bank
from timebank.database import transaction
from timebank.extensions import db
from timebank.models import Account, AuditEvent, Exchange, utcnow
from timebank.services.exceptions import (
    AlreadyDecided,
    DomainError,
    InvalidInput,
    LimitExceeded,
    NotAllowed,
)
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.exchanges import movements, policy
from timebank.services.ledger import posting as ledger
from timebank.services.ledger.verification import verify_community

MAX = 480
CREDIT = 300
EXPIRY_DAYS = 10
PENDING = ("recorded", "awaiting_approval")
# Fewer examples on PostgreSQL, where every commit is a network round trip and a WAL flush.
EXAMPLES = int(os.environ.get("TIMEBANK_STATE_MACHINE_EXAMPLES", "60" if PG_URL else "200"))
STEPS = 40

PEOPLE = ["a", "b", "c", "k1", "k2"]  # k1, k2 are coordinators; k1 also trades
TRADERS = ["a", "b", "c", "k1"]
# Approval conditions the model follows (issue 14: a list, any of which sends an exchange to
# approval). Records here are always a party's own word, so ``proxy_or_paper`` never holds;
# the category is always "gardening", so ``categories`` (set to ["gardening"]) always does.
CONDITIONS = ["always", "above_minutes", "limit_crossed", "first_exchanges", "proxy_or_paper",
              "categories", "companionship"]  # fmt: skip
FIRST = 2  # approval_first_exchanges


@pytest.fixture
def database_uri(database_template):
    """Same schema and pragmas, but on a RAM disk when one exists: the thousands of
    fsyncs of 200 × 40 steps would otherwise measure the disk, not the ledger."""
    if PG_URL:
        yield database_template
        from tests.conftest import _empty_postgres

        _empty_postgres(database_template)
        return
    folder = tempfile.mkdtemp(dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    target = os.path.join(folder, "state-machine.sqlite3")
    shutil.copyfile(database_template.removeprefix("sqlite:///"), target)
    yield f"sqlite:///{target}"
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def app_config():
    # PostgreSQL: no WAL flush wait per commit in this test only (isolation is unchanged).
    if PG_URL:
        options = {"pool_pre_ping": True,
                   "connect_args": {"options": "-c synchronous_commit=off"}}  # fmt: skip
        return {"SQLALCHEMY_ENGINE_OPTIONS": options}
    return {}


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.bank = make_bank(
            default_credit_limit=CREDIT,
            max_minutes_per_exchange=MAX,
            pending_expiry_days=EXPIRY_DAYS,
            approval_above_minutes=120,
            approval_first_exchanges=FIRST,
            approval_categories="gardening",
        )
        b = self.bank
        self.members = {"a": b.a, "b": b.b, "c": b.c, "k1": b.coordinator, "k2": b.coordinator2}
        self.accounts = {n: ledger.ensure_account(m).id for n, m in self.members.items()}
        self.accounts["pot"] = ledger.ensure_pot(b.community).id
        db.session.commit()
        self.balance = dict.fromkeys(self.accounts, 0)
        self.limits = {n: (CREDIT, None) for n in self.accounts}
        self.limits["pot"] = (0, None)
        self.require_confirmation = True
        self.conditions: frozenset[str] = frozenset()
        self.clock = utcnow()
        self.ex: dict[int, dict] = {}  # exchange id → model record
        self.order: list[int] = []
        self.audits = self._audit_total()
        self.replays: list[tuple[dict, int]] = []

    # -- helpers -----------------------------------------------------------------------

    def _audit_total(self) -> int:
        return db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.community_id == self.bank.community.id)
        )

    def _fits(self, name: str, delta: int) -> bool:
        """Only a movement towards a limit can break it (a limit may have been lowered past
        the balance: a credit below the credit limit is fine)."""
        credit, upper = self.limits[name]
        after = self.balance[name] + delta
        if delta < 0:
            return after >= -credit
        return delta == 0 or upper is None or after <= upper

    def _run(self, work, expected):
        """Run ``work`` as a route would; ``expected`` is an exception class or None."""
        try:
            result = transaction(work)
        except DomainError as error:
            assert expected is not None, f"unexpected {type(error).__name__}: {error.message}"
            assert isinstance(error, expected), f"{type(error).__name__} != {expected.__name__}"
            return None
        assert expected is None, f"expected {expected.__name__}, got success"
        self.audits += 1
        return result

    def _move(self, provider: str, recipient: str, minutes: int) -> None:
        self.balance[provider] += minutes
        self.balance[recipient] -= minutes

    def _prior(self, name: str) -> int:
        return sum(
            1
            for r in self.ex.values()
            if r["kind"] in ("exchange", "group")
            and r["status"] in ("posted", "reversed")
            and name in (r["provider"], r["recipient"])
        )

    def _needs_approval(self, record: dict, breaks: bool) -> bool:
        holds = {
            "always": True,
            "above_minutes": record["minutes"] > 120,
            "limit_crossed": breaks,
            "first_exchanges": min(self._prior(record["provider"]),
                                   self._prior(record["recipient"])) < FIRST,
            "proxy_or_paper": False,
            "categories": True,
            "companionship": False,
        }  # fmt: skip
        return any(holds[c] for c in self.conditions)

    def _agree(self, record: dict):
        """Model of an agreed exchange: queue, post, or refuse on a limit."""
        p, r, m = record["provider"], record["recipient"], record["minutes"]
        breaks = not (self._fits(p, m) and self._fits(r, -m))
        if self._needs_approval(record, breaks):
            return "awaiting_approval", None
        if breaks:
            return None, LimitExceeded
        return "posted", None

    def _pick(self, index: int) -> tuple[int, dict]:
        exchange_id = self.order[index % len(self.order)]
        return exchange_id, self.ex[exchange_id]

    def _track(self, exchange, provider, recipient, minutes, recorder, kind) -> None:
        self.ex[exchange.id] = {"provider": provider, "recipient": recipient,
                                "minutes": minutes, "recorder": recorder, "kind": kind,
                                "status": "posted", "created": self.clock}  # fmt: skip
        self.order.append(exchange.id)

    def _user(self, name: str):
        return self.members[name].user

    # -- rules -------------------------------------------------------------------------

    @rule(
        provider=st.sampled_from(TRADERS),
        recipient=st.sampled_from(TRADERS),
        minutes=st.one_of(st.integers(1, MAX), st.sampled_from([0, -1, MAX + 1])),
        by_recipient=st.booleans(),
        age=st.integers(0, 2 * EXPIRY_DAYS),
    )
    def record(self, provider, recipient, minutes, by_recipient, age):
        actor = recipient if by_recipient else provider
        record = {"provider": provider, "recipient": recipient, "minutes": minutes,
                  "recorder": actor, "kind": "exchange"}  # fmt: skip
        expected, status = None, "recorded"
        if provider == recipient or not 1 <= minutes <= MAX:
            expected = InvalidInput
        elif by_recipient and not self.require_confirmation:
            # The consent rule (docs/consent.md): only the debited side's own record is agreed
            # at once; a provider's record always waits for the recipient.
            status, expected = self._agree(record)
        kwargs = {
            "actor": self._user(actor), "provider": self.members[provider],
            "recipient": self.members[recipient], "minutes": minutes,
            "service_date": date(2026, 10, 1), "category": "gardening",
            "idempotency_key": key(), "now": self.clock - timedelta(days=age),
        }  # fmt: skip
        exchange = self._run(lambda: exchanges.record(self.bank.community, **kwargs), expected)
        if exchange is None:
            return
        record["status"] = status
        record["created"] = kwargs["now"]
        self.ex[exchange.id] = record
        self.order.append(exchange.id)
        if status == "posted":
            self._move(provider, recipient, minutes)
        self.replays.append((kwargs, exchange.id))

    @precondition(lambda self: self.replays)
    @rule(index=st.integers(0, 1000))
    def replay(self, index):
        """Resubmitting a form creates nothing and returns the original."""
        kwargs, exchange_id = self.replays[index % len(self.replays)]
        again = transaction(lambda: exchanges.record(self.bank.community, **kwargs))
        assert again.id == exchange_id

    @precondition(lambda self: self.order)
    @rule(index=st.integers(0, 1000), by_other=st.booleans())
    def confirm(self, index, by_other):
        exchange_id, record = self._pick(index)
        if record["kind"] != "exchange":
            return
        other = record["recipient"] if record["recorder"] == record["provider"] else (
            record["provider"])  # fmt: skip
        actor = other if by_other else record["recorder"]
        status, expected = None, None
        if record["status"] != "recorded":
            expected = AlreadyDecided
        elif actor != other:
            expected = NotAllowed
        else:
            status, expected = self._agree(record)
        exchange = db.session.get(Exchange, exchange_id)
        if self._run(lambda: exchanges.confirm(exchange, actor=self._user(actor)), expected):
            record["status"] = status
            if status == "posted":
                self._move(record["provider"], record["recipient"], record["minutes"])

    @precondition(lambda self: self.order)
    @rule(index=st.integers(0, 1000), coordinator=st.sampled_from(["k1", "k2"]),
          clicks=st.integers(1, 3))  # fmt: skip
    def approve(self, index, coordinator, clicks):
        exchange_id, record = self._pick(index)
        for _ in range(clicks):
            exchange = db.session.get(Exchange, exchange_id)
            expected = None
            if coordinator in (record["provider"], record["recipient"]):
                expected = NotAllowed
            elif record["status"] != "awaiting_approval":
                expected = AlreadyDecided
            elif not (self._fits(record["provider"], record["minutes"])
                      and self._fits(record["recipient"], -record["minutes"])):  # fmt: skip
                expected = LimitExceeded
            user = self._user(coordinator)
            if self._run(lambda e=exchange, u=user: exchanges.approve(e, actor=u), expected):
                record["status"] = "posted"
                self._move(record["provider"], record["recipient"], record["minutes"])

    @precondition(lambda self: self.order)
    @rule(index=st.integers(0, 1000), actor=st.sampled_from(PEOPLE))
    def reject(self, index, actor):
        exchange_id, record = self._pick(index)
        parties = (record["provider"], record["recipient"])
        other = [p for p in parties if p != record["recorder"]][0]
        other_party = record["status"] == "recorded" and actor == other
        coordinator = actor in ("k1", "k2") and actor not in parties
        expected = None
        if not (other_party or coordinator):
            expected = NotAllowed
        elif record["status"] not in PENDING:
            expected = AlreadyDecided
        exchange = db.session.get(Exchange, exchange_id)
        user = self._user(actor)
        if self._run(lambda: exchanges.reject(exchange, actor=user, reason="No"), expected):
            record["status"] = "rejected"

    @precondition(lambda self: self.order)
    @rule(index=st.integers(0, 1000))
    def cancel(self, index):
        exchange_id, record = self._pick(index)
        if record["kind"] != "exchange":
            return
        expected = None if record["status"] in PENDING else AlreadyDecided
        exchange = db.session.get(Exchange, exchange_id)
        user = self._user(record["recorder"])
        if self._run(lambda: exchanges.cancel(exchange, actor=user), expected):
            record["status"] = "cancelled"

    @precondition(lambda self: self.order)
    @rule(index=st.integers(0, 1000), coordinator=st.sampled_from(["k1", "k2"]))
    def reverse(self, index, coordinator):
        exchange_id, record = self._pick(index)
        p, r, m = record["provider"], record["recipient"], record["minutes"]
        expected = None
        if coordinator in (p, r):
            expected = NotAllowed
        elif record["kind"] == "reversal":
            expected = InvalidInput
        elif record["status"] != "posted":
            expected = AlreadyDecided
        elif not (self._fits(p, -m) and self._fits(r, m)):
            expected = LimitExceeded
        exchange = db.session.get(Exchange, exchange_id)
        user = self._user(coordinator)
        reversal = self._run(lambda: exchanges.reverse(exchange, actor=user, reason="Wrong"),
                             expected)  # fmt: skip
        if reversal is not None:
            record["status"] = "reversed"
            self._move(r, p, m)
            self.ex[reversal.id] = {"provider": r, "recipient": p, "minutes": m,
                                    "recorder": coordinator, "kind": "reversal",
                                    "status": "posted", "created": self.clock}  # fmt: skip
            self.order.append(reversal.id)

    @rule(member=st.sampled_from(TRADERS), minutes=st.integers(1, MAX))
    def donate(self, member, minutes):
        ok = self._fits(member, -minutes) and self._fits("pot", minutes)
        user = self._user(member)
        done = self._run(
            lambda: movements.donate(self.members[member], actor=user, minutes=minutes,
                                     idempotency_key=key()),
            None if ok else LimitExceeded,
        )  # fmt: skip
        if done:
            self._move("pot", member, minutes)
            self._track(done, "pot", member, minutes, member, "donation")

    @rule(member=st.sampled_from(["a", "b", "c", "k2"]), minutes=st.integers(1, MAX))
    def grant(self, member, minutes):
        ok = self._fits("pot", -minutes) and self._fits(member, minutes)
        done = self._run(
            lambda: movements.grant(self.members[member], actor=self._user("k1"),
                                    minutes=minutes, reason="Care", idempotency_key=key()),
            None if ok else LimitExceeded,
        )  # fmt: skip
        if done:
            self._move(member, "pot", minutes)
            self._track(done, member, "pot", minutes, "k1", "grant")

    @rule(
        one=st.sampled_from(["a", "b", "c", "k2"]),
        many=st.lists(st.sampled_from(["a", "b", "c", "k2"]), min_size=1, max_size=3,
                      unique=True),
        one_provides=st.booleans(),
        minutes=st.integers(1, MAX),
    )  # fmt: skip
    def group(self, one, many, one_provides, minutes):
        many = [m for m in many if m != one]
        if not many:
            return
        pairs = [(one, m) for m in many] if one_provides else [(m, one) for m in many]
        net: dict[str, int] = {}
        for p, r in pairs:
            net[p] = net.get(p, 0) + minutes
            net[r] = net.get(r, 0) - minutes
        ok = all(self._fits(n, d) for n, d in net.items())
        providers = [self.members[one]] if one_provides else [self.members[m] for m in many]
        recipients = [self.members[m] for m in many] if one_provides else [self.members[one]]
        made = self._run(
            lambda: movements.group_exchange(
                self.bank.community, actor=self._user("k1"), providers=providers,
                recipients=recipients, minutes=minutes, service_date=date(2026, 10, 2),
                category="workshop", idempotency_key=key()),
            None if ok else LimitExceeded,
        )  # fmt: skip
        if made:
            for exchange, (p, r) in zip(made, pairs, strict=True):
                self.ex[exchange.id] = {"provider": p, "recipient": r, "minutes": minutes,
                                        "recorder": "k1", "kind": "group", "status": "posted",
                                        "created": self.clock}  # fmt: skip
                self.order.append(exchange.id)
                self._move(p, r, minutes)

    @rule(
        member=st.sampled_from(["a", "b", "c", "k1", "k2", "pot"]),
        credit=st.integers(0, 2 * CREDIT),
        upper=st.one_of(st.none(), st.integers(0, 2 * MAX)),
    )
    def set_limits(self, member, credit, upper):
        # Any limit of 0 or more is allowed, even one the balance is already past.
        expected = None
        if member == "k1":
            expected = NotAllowed
        account = db.session.get(Account, self.accounts[member])
        done = self._run(
            lambda: policy.set_limits(account, actor=self._user("k1"), credit_limit=credit,
                                      upper_limit=upper, reason="Review"),
            expected,
        )  # fmt: skip
        if done:
            self.limits[member] = (credit, upper)

    @rule(require_confirmation=st.booleans(),
          conditions=st.frozensets(st.sampled_from(CONDITIONS), max_size=3))  # fmt: skip
    def change_policy(self, require_confirmation, conditions):
        changed = (require_confirmation, conditions) != (self.require_confirmation,
                                                         self.conditions)  # fmt: skip
        transaction(
            lambda: policy.update_policy(
                self.bank.community, actor=self._user("k2"),
                require_confirmation=require_confirmation, approval_conditions=sorted(conditions))
        )  # fmt: skip
        self.audits += int(changed)
        self.require_confirmation, self.conditions = require_confirmation, conditions

    @rule(days=st.integers(0, EXPIRY_DAYS + 2))
    def expire(self, days):
        self.clock += timedelta(days=days)
        cutoff = self.clock - timedelta(days=EXPIRY_DAYS)
        due = [r for r in self.ex.values() if r["status"] == "recorded" and r["created"] < cutoff]
        count = transaction(
            lambda: exchanges.expire_pending(now=self.clock, community=self.bank.community)
        )
        assert count == len(due)
        for record in due:
            record["status"] = "expired"
        self.audits += count

    # -- invariants --------------------------------------------------------------------

    @invariant()
    def ledger_matches_model(self):
        report = verify_community(self.bank.community)
        assert report.ok, report.problems
        rows = dict(
            db.session.execute(
                select(Account.id, Account.balance).where(
                    Account.community_id == self.bank.community.id
                )
            ).all()
        )
        assert {n: rows[i] for n, i in self.accounts.items()} == self.balance
        assert sum(self.balance.values()) == 0
        if self.ex:
            statuses = dict(
                db.session.execute(
                    select(Exchange.id, Exchange.status).where(
                        Exchange.community_id == self.bank.community.id
                    )
                ).all()
            )
            assert {i: str(s) for i, s in statuses.items()} == {
                i: r["status"] for i, r in self.ex.items()
            }
        assert self._audit_total() == self.audits
        # Each queued exchange names the condition(s) that sent it.
        unexplained = db.session.scalar(
            select(func.count()).where(
                Exchange.community_id == self.bank.community.id,
                Exchange.status == "awaiting_approval",
                Exchange.approval_reasons.is_(None),
            )
        )
        assert unexplained == 0


@pytest.mark.slow(seconds=45)  # started first (tests/conftest.py)
def test_ledger_state_machine(app):
    """200 examples × 40 steps on SQLite (fewer on PostgreSQL, see EXAMPLES)."""
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            derandomize=True,
            database=None,
        ),
    )
