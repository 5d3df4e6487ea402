"""The exchange lifecycle through the services: permissions, audit, idempotency, limits."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_community, make_member
from tests.services.conftest import (
    assert_consistent,
    audit_count,
    key,
    ledger_counts,
    make_bank,
)
from timebank.extensions import db
from timebank.models import (
    AuditEvent,
    Exchange,
    ExchangeKind,
    ExchangeStatus,
    ExchangeText,
    MembershipStatus,
    TextKind,
    utcnow,
)
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

S = ExchangeStatus


def _unchanged(bank, action):
    """Run ``action``; it must raise a DomainError and, after the rollback a route does,
    leave the ledger and the audit trail exactly as they were."""
    before = (ledger_counts(), audit_count())
    with pytest.raises(DomainError) as info:
        action()
    db.session.rollback()
    assert (ledger_counts(), audit_count()) == before
    assert str(info.value.message)
    return info.value


# -- Lifecycle -------------------------------------------------------------------------


def test_record_then_confirm_posts_two_legs(bank):
    """The provider records, the recipient confirms: it posts, one audit event each."""
    exchange = bank.record(bank.a, bank.b, 90, description="Weeded the garden")
    assert exchange.status == S.RECORDED and exchange.confirmed_by_id is None
    assert audit_count("exchange.record") == 1
    exchanges.confirm(exchange, actor=bank.b.user)
    db.session.commit()
    assert exchange.status == S.POSTED
    assert exchange.decided_by_id == bank.b.user_id and exchange.decided_at is not None
    assert (bank.balance(bank.a), bank.balance(bank.b)) == (90, -90)
    assert audit_count("exchange.confirm") == 1
    assert db.session.scalar(select(ExchangeText.body)) == "Weeded the garden"
    assert_consistent(bank.community)


def test_recipient_can_record_and_provider_confirms(bank):
    """ "Omar helped me for 2 hours": the recipient records, the provider confirms."""
    exchange = bank.record(bank.a, bank.b, 120, actor=bank.b.user)
    with pytest.raises(NotAllowed):
        exchanges.confirm(exchange, actor=bank.b.user)
    db.session.rollback()
    exchanges.confirm(exchange, actor=bank.a.user)
    db.session.commit()
    assert (bank.balance(bank.a), bank.balance(bank.b)) == (120, -120)


def test_approval_queue_and_coordinator_approval(app):
    """Policy 'always': confirmation leads to the queue; a coordinator approves."""
    bank = make_bank(approval_conditions="always")
    exchange = bank.record(bank.a, bank.b, 60)
    exchanges.confirm(exchange, actor=bank.b.user)
    db.session.commit()
    assert exchange.status == S.AWAITING_APPROVAL and bank.balance(bank.a) == 0
    for outsider in (bank.a.user, bank.b.user, bank.c.user):
        _unchanged(bank, lambda u=outsider: exchanges.approve(exchange, actor=u))
    exchanges.approve(exchange, actor=bank.coordinator.user)
    db.session.commit()
    assert exchange.status == S.POSTED and exchange.decided_by_id == bank.coordinator.user_id
    assert audit_count("exchange.approve") == 1
    error = _unchanged(bank, lambda: exchanges.approve(exchange, actor=bank.coordinator2.user))
    assert isinstance(error, AlreadyDecided)
    assert_consistent(bank.community)


def test_coordinator_cannot_approve_or_reverse_own_exchange(app):
    """Segregation of duties: a coordinator who is a party cannot decide."""
    bank = make_bank(approval_conditions="always")
    exchange = bank.record(bank.coordinator, bank.a, 60)
    exchanges.confirm(exchange, actor=bank.a.user)
    db.session.commit()
    _unchanged(bank, lambda: exchanges.approve(exchange, actor=bank.coordinator.user))
    exchanges.approve(exchange, actor=bank.coordinator2.user)
    db.session.commit()
    _unchanged(
        bank, lambda: exchanges.reverse(exchange, actor=bank.coordinator.user, reason="oops")
    )


@pytest.mark.parametrize(
    ("conditions", "minutes", "category", "queued"),
    [
        ("", 480, "companionship", False),
        ("above_minutes", 240, "x", False),
        ("above_minutes", 241, "x", True),
        ("companionship", 30, "companionship", True),
        ("companionship", 30, "gardening", False),
    ],
)
def test_policy_decides_approval(app, conditions, minutes, category, queued):
    bank = make_bank(approval_conditions=conditions, approval_above_minutes=240)
    exchange = bank.record(bank.a, bank.b, minutes, category=category)
    exchanges.confirm(exchange, actor=bank.b.user)
    assert exchange.status == (S.AWAITING_APPROVAL if queued else S.POSTED)


def test_limit_crossed_rule_queues_instead_of_refusing(app):
    bank = make_bank(approval_conditions="limit_crossed", default_credit_limit=60)
    exchange = bank.record(bank.a, bank.b, 61)
    exchanges.confirm(exchange, actor=bank.b.user)
    db.session.commit()
    assert exchange.status == S.AWAITING_APPROVAL
    _unchanged(bank, lambda: exchanges.approve(exchange, actor=bank.coordinator.user))
    policy.set_limits(
        bank.account(bank.b),
        actor=bank.coordinator.user,
        credit_limit=120,
        upper_limit=None,
        reason="Long illness",
    )
    exchanges.approve(exchange, actor=bank.coordinator.user)
    db.session.commit()
    assert bank.balance(bank.b) == -61


def test_no_confirmation_policy_posts_the_recipients_word_at_once(app):
    """Without required confirmation, the recipient's own record posts at once; the
    provider's record still waits for the recipient (docs/consent.md: a debit always needs
    the debited side's consent)."""
    bank = make_bank(require_confirmation=False)
    exchange = bank.record(bank.a, bank.b, 45, actor=bank.b.user)
    assert exchange.status == S.POSTED and exchange.confirmed_by_id is None
    assert audit_count("exchange.record") == 1
    waiting = bank.record(bank.a, bank.b, 30)
    assert waiting.status == S.RECORDED and bank.balance(bank.b) == -45
    exchanges.confirm(waiting, actor=bank.b.user)
    db.session.commit()
    assert waiting.status == S.POSTED and bank.balance(bank.b) == -75


def test_coordinator_records_on_behalf(bank):
    """A coordinator records for members without internet; the record says so, and it is
    the word of the member it is made for only: the other party confirms."""
    exchange = bank.record(bank.a, bank.b, 60, actor=bank.coordinator.user, on_behalf_of=bank.b)
    assert exchange.status == S.RECORDED
    assert exchange.recorded_by_id == bank.coordinator.user_id
    assert exchange.on_behalf_of_id == bank.b.user_id
    assert exchange.confirmed_by_id is None
    event = db.session.scalars(
        select(__import__("timebank").models.AuditEvent).where(
            __import__("timebank").models.AuditEvent.action == "exchange.record"
        )
    ).one()
    assert event.on_behalf_of_id == bank.b.user_id
    _unchanged(bank, lambda: exchanges.confirm(exchange, actor=bank.b.user))
    exchanges.confirm(exchange, actor=bank.a.user)
    db.session.commit()
    assert exchange.status == S.POSTED and exchange.confirmed_by_id == bank.a.user_id


def test_a_record_for_the_provider_waits_for_the_recipient_or_a_coordinator(app):
    """Recorded for the provider by a coordinator, even with no confirmation required, the
    recipient's balance does not move until a coordinator decides (audited as such)."""
    bank = make_bank(require_confirmation=False)
    exchange = bank.record(bank.a, bank.b, 60, actor=bank.coordinator.user, on_behalf_of=bank.a)
    assert exchange.status == S.RECORDED and bank.balance(bank.b) == 0
    _unchanged(bank, lambda: exchanges.confirm(exchange, actor=bank.coordinator.user))
    _unchanged(bank, lambda: exchanges.confirm_as_coordinator(exchange, actor=bank.b.user))
    exchanges.confirm_as_coordinator(exchange, actor=bank.coordinator2.user)
    db.session.commit()
    assert exchange.status == S.POSTED and bank.balance(bank.b) == -60
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "exchange.confirm")
    ).one()
    assert event.actor_id == bank.coordinator2.user_id
    assert event.details["coordinator_decision"] is True
    _unchanged(
        bank, lambda: exchanges.confirm_as_coordinator(exchange, actor=bank.coordinator.user)
    )


def test_a_coordinator_who_is_a_party_cannot_decide_in_place_of_the_other(app):
    bank = make_bank(require_confirmation=False)
    exchange = bank.record(bank.coordinator, bank.a, 60)
    assert exchange.status == S.RECORDED
    _unchanged(
        bank, lambda: exchanges.confirm_as_coordinator(exchange, actor=bank.coordinator.user)
    )


def test_member_cannot_record_for_others(bank):
    _unchanged(
        bank,
        lambda: exchanges.record(
            bank.community,
            actor=bank.c.user,
            provider=bank.a,
            recipient=bank.b,
            minutes=60,
            service_date=date(2026, 11, 1),
            category="x",
            idempotency_key=key(),
        ),
    )


def test_reject_by_other_party_with_reason(bank):
    exchange = bank.record(bank.a, bank.b, 60)
    _unchanged(bank, lambda: exchanges.reject(exchange, actor=bank.b.user, reason="  "))
    _unchanged(bank, lambda: exchanges.reject(exchange, actor=bank.a.user, reason="no"))
    _unchanged(bank, lambda: exchanges.reject(exchange, actor=bank.c.user, reason="no"))
    exchanges.reject(exchange, actor=bank.b.user, reason="It was 30 minutes")
    db.session.commit()
    assert exchange.status == S.REJECTED and exchange.decided_by_id == bank.b.user_id
    assert audit_count("exchange.reject") == 1
    _unchanged(bank, lambda: exchanges.confirm(exchange, actor=bank.b.user))
    text = db.session.scalars(
        select(ExchangeText).where(ExchangeText.kind == TextKind.REJECTION)
    ).one()
    assert text.body == "It was 30 minutes"


def test_coordinator_rejects_from_queue(app):
    bank = make_bank(approval_conditions="always")
    exchange = bank.record(bank.a, bank.b, 60)
    exchanges.confirm(exchange, actor=bank.b.user)
    db.session.commit()
    _unchanged(bank, lambda: exchanges.reject(exchange, actor=bank.b.user, reason="changed"))
    exchanges.reject(exchange, actor=bank.coordinator.user, reason="Not a service")
    db.session.commit()
    assert exchange.status == S.REJECTED


def test_cancel_only_by_recorder_before_decision(bank):
    exchange = bank.record(bank.a, bank.b, 60)
    _unchanged(bank, lambda: exchanges.cancel(exchange, actor=bank.b.user))
    exchanges.cancel(exchange, actor=bank.a.user, reason="Wrong person")
    db.session.commit()
    assert exchange.status == S.CANCELLED and audit_count("exchange.cancel") == 1
    _unchanged(bank, lambda: exchanges.cancel(exchange, actor=bank.a.user))
    posted = bank.post(bank.a, bank.b, 10)
    _unchanged(bank, lambda: exchanges.cancel(posted, actor=bank.a.user))


def test_expire_pending_is_idempotent(bank):
    old = bank.record(
        bank.a, bank.b, 60, now=utcnow() - timedelta(days=31), service_date=date(2026, 10, 1)
    )
    fresh = bank.record(bank.a, bank.b, 60)
    assert exchanges.expire_pending() == 1
    db.session.commit()
    assert exchanges.expire_pending() == 0
    db.session.commit()
    assert (old.status, fresh.status) == (S.EXPIRED, S.RECORDED)
    assert old.decided_at is not None and old.decided_by_id is None
    assert audit_count("exchange.expire") == 1
    _unchanged(bank, lambda: exchanges.confirm(old, actor=bank.b.user))


# -- Reversal ---------------------------------------------------------------------------


def test_reversal_creates_linked_exchange_once(bank):
    original = bank.post(bank.a, bank.b, 90)
    _unchanged(bank, lambda: exchanges.reverse(original, actor=bank.coordinator.user, reason=""))
    reversal = exchanges.reverse(original, actor=bank.coordinator.user, reason="Duplicate")
    db.session.commit()
    assert original.status == S.REVERSED
    assert reversal.kind == ExchangeKind.REVERSAL and reversal.reverses_exchange_id == original.id
    assert reversal.provider_account_id == original.recipient_account_id
    assert (bank.balance(bank.a), bank.balance(bank.b)) == (0, 0)
    assert audit_count("exchange.reverse") == 1
    _unchanged(
        bank, lambda: exchanges.reverse(original, actor=bank.coordinator2.user, reason="again")
    )
    _unchanged(
        bank, lambda: exchanges.reverse(reversal, actor=bank.coordinator2.user, reason="undo")
    )
    assert_consistent(bank.community)


def test_reversal_obeys_limits(bank):
    """A reversal that would break a limit is refused until a coordinator changes it."""
    original = bank.post(bank.a, bank.b, 60)  # a: +60
    bank.post(bank.c, bank.a, 480)  # a: -420
    account = bank.account(bank.a)
    policy.set_limits(
        account, actor=bank.coordinator.user, credit_limit=479, upper_limit=None, reason="tight"
    )
    db.session.commit()
    error = _unchanged(
        bank, lambda: exchanges.reverse(original, actor=bank.coordinator.user, reason="mistake")
    )
    assert isinstance(error, LimitExceeded)
    # In words, with a minus sign: never "-8:00" / "-7:59".
    assert str(error.message) == (
        "This would take a balance to \u22128 h, below its limit of \u22127 h 59 min. "
        "Nothing was changed."
    )
    assert original.status == S.POSTED
    policy.set_limits(
        account,
        actor=bank.coordinator.user,
        credit_limit=480,
        upper_limit=None,
        reason="allow the correction",
    )
    exchanges.reverse(original, actor=bank.coordinator.user, reason="mistake")
    db.session.commit()
    assert bank.balance(bank.a) == -480  # exactly at the limit
    assert_consistent(bank.community)


# -- Limits -----------------------------------------------------------------------------


@pytest.mark.parametrize(("minutes", "posts"), [(299, True), (300, True), (301, False)])
def test_credit_limit_boundary(app, minutes, posts):
    """A balance may reach exactly -limit, never -limit-1."""
    bank = make_bank(default_credit_limit=300, max_minutes_per_exchange=480)
    exchange = bank.record(bank.a, bank.b, minutes)
    if posts:
        exchanges.confirm(exchange, actor=bank.b.user)
        db.session.commit()
        assert bank.balance(bank.b) == -minutes
    else:
        error = _unchanged(bank, lambda: exchanges.confirm(exchange, actor=bank.b.user))
        assert isinstance(error, LimitExceeded) and error.field == "minutes"
        assert exchange.status == S.RECORDED
    assert_consistent(bank.community)


@pytest.mark.parametrize(("minutes", "posts"), [(100, True), (101, False)])
def test_upper_limit_boundary(app, minutes, posts):
    bank = make_bank(default_upper_limit=100)
    exchange = bank.record(bank.a, bank.b, minutes)
    if posts:
        exchanges.confirm(exchange, actor=bank.b.user)
        assert bank.balance(bank.a) == 100
    else:
        assert isinstance(
            _unchanged(bank, lambda: exchanges.confirm(exchange, actor=bank.b.user)),
            LimitExceeded,
        )


def test_set_limits_is_audited_and_checked(bank):
    bank.post(bank.a, bank.b, 120)
    account_b = bank.account(bank.b)
    _unchanged(
        bank,
        lambda: policy.set_limits(
            account_b, actor=bank.a.user, credit_limit=0, upper_limit=None, reason="x"
        ),
    )
    _unchanged(
        bank,
        lambda: policy.set_limits(
            account_b, actor=bank.coordinator.user, credit_limit=-1, upper_limit=None, reason="x"
        ),
    )
    own = bank.account(bank.coordinator)
    _unchanged(
        bank,
        lambda: policy.set_limits(
            own, actor=bank.coordinator.user, credit_limit=9999, upper_limit=None, reason="x"
        ),
    )
    policy.set_limits(
        account_b,
        actor=bank.coordinator.user,
        credit_limit=120,
        upper_limit=500,
        reason="Agreed with member",
    )
    db.session.commit()
    assert (account_b.credit_limit, account_b.upper_limit) == (120, 500)
    assert audit_count("account.limits") == 1


def test_update_policy_audited_and_applies_default_limits(bank):
    bank.post(bank.a, bank.b, 120)
    _unchanged(
        bank,
        lambda: policy.update_policy(
            bank.community, actor=bank.a.user, approval_conditions=["always"]
        ),
    )
    _unchanged(
        bank,
        lambda: policy.update_policy(
            bank.community, actor=bank.coordinator.user, approval_conditions=["sometimes"]
        ),
    )
    _unchanged(
        bank,
        lambda: policy.update_policy(
            bank.community, actor=bank.coordinator.user, approval_first_exchanges=0
        ),
    )
    _unchanged(
        bank,
        lambda: policy.update_policy(
            bank.community, actor=bank.coordinator.user, max_minutes_per_exchange=0
        ),
    )
    policy.update_policy(
        bank.community,
        actor=bank.coordinator.user,
        approval_conditions=["always"],
        default_credit_limit=200,
        pending_expiry_days=7,
    )
    db.session.commit()
    assert bank.community.approval_conditions == "always"
    assert bank.account(bank.c).credit_limit == 200
    assert audit_count("community.policy") == 1


# -- Bad input --------------------------------------------------------------------------


def test_bad_input_changes_nothing(app):
    bank = make_bank()
    other = make_community()
    stranger = make_member(other, password=None)
    suspended = make_member(bank.community, status=MembershipStatus.SUSPENDED, password=None)
    left = make_member(bank.community, status=MembershipStatus.LEFT, password=None)
    applying = make_member(bank.community, status=MembershipStatus.APPLYING, password=None)

    def rec(**kw):
        args = {
            "actor": bank.a.user,
            "provider": bank.a,
            "recipient": bank.b,
            "minutes": 60,
            "service_date": date(2026, 11, 1),
            "category": "gardening",
            "idempotency_key": key(),
        }
        args.update(kw)
        return lambda: exchanges.record(bank.community, **args)

    bad = [
        rec(minutes=0),
        rec(minutes=-5),
        rec(minutes=481),
        rec(minutes=1.5),
        rec(minutes="60"),
        rec(minutes=True),
        rec(minutes=float("nan")),
        rec(recipient=bank.a),
        rec(recipient=stranger),
        rec(recipient=suspended),
        rec(recipient=left),
        rec(recipient=applying),
        rec(category=""),
        rec(category="<script>"),
        rec(service_date="2026-11-01"),
        rec(service_date=date.today() + timedelta(days=5)),
        rec(idempotency_key="short"),
        rec(idempotency_key=None),
        rec(description="x" * 2001),
        rec(actor=suspended.user, provider=suspended),
        rec(actor=stranger.user, provider=stranger),
    ]
    for action in bad:
        _unchanged(bank, action)
    exchange = bank.record(bank.a, bank.b, 60)
    bank.b.status = MembershipStatus.SUSPENDED
    db.session.commit()
    _unchanged(bank, lambda: exchanges.confirm(exchange, actor=bank.b.user))


def test_counterpart_in_other_community_is_refused_and_not_found(app):
    bank = make_bank()
    other = make_bank()
    exchange = other.record(other.a, other.b, 30)
    assert exchanges.get_for(bank.community, exchange.id) is None
    assert exchanges.get_for(other.community, exchange.id) is exchange
    _unchanged(bank, lambda: exchanges.approve(exchange, actor=bank.coordinator.user))


# -- Idempotency ------------------------------------------------------------------------


def test_same_key_same_payload_returns_the_original(bank):
    k = key()
    first = bank.record(bank.a, bank.b, 60, idempotency_key=k)
    again = bank.record(bank.a, bank.b, 60, idempotency_key=k)
    assert again.id == first.id
    assert audit_count("exchange.record") == 1
    assert db.session.scalar(select(db.func.count()).select_from(Exchange)) == 1
    error = _unchanged(bank, lambda: bank.record(bank.a, bank.b, 61, idempotency_key=k))
    assert isinstance(error, InvalidInput) and error.field == "idempotency_key"


def test_idempotent_donation_and_group(bank):
    k = key()
    bank.post(bank.b, bank.a, 100)
    first = movements.donate(bank.a, actor=bank.a.user, minutes=30, idempotency_key=k)
    assert movements.donate(bank.a, actor=bank.a.user, minutes=30, idempotency_key=k) is first
    g = key()
    args = {
        "actor": bank.coordinator.user,
        "providers": [bank.a],
        "recipients": [bank.b, bank.c],
        "minutes": 30,
        "service_date": date(2026, 11, 2),
        "category": "workshop",
        "idempotency_key": g,
    }
    group = movements.group_exchange(bank.community, **args)
    again = movements.group_exchange(bank.community, **args)
    assert [e.id for e in again] == [e.id for e in group]
    assert audit_count("exchange.group") == 1 and audit_count("exchange.donate") == 1


# -- Pot and group ----------------------------------------------------------------------


def test_donation_and_grant_through_the_pot(bank):
    bank.post(bank.a, bank.b, 120)
    pot = ledger.ensure_pot(bank.community)
    movements.donate(
        bank.a,
        actor=bank.a.user,
        minutes=60,
        idempotency_key=key(),
        description="For neighbours in need",
    )
    db.session.commit()
    assert (bank.balance(bank.a), pot.balance) == (60, 60)
    _unchanged(
        bank,
        lambda: movements.grant(
            bank.c, actor=bank.c.user, minutes=10, reason="x", idempotency_key=key()
        ),
    )
    _unchanged(
        bank,
        lambda: movements.grant(
            bank.coordinator,
            actor=bank.coordinator.user,
            minutes=10,
            reason="x",
            idempotency_key=key(),
        ),
    )
    error = _unchanged(
        bank,
        lambda: movements.grant(
            bank.c,
            actor=bank.coordinator.user,
            minutes=61,
            reason="Housebound",
            idempotency_key=key(),
        ),
    )
    assert isinstance(error, LimitExceeded)  # the pot grants only what was donated
    movements.grant(
        bank.c, actor=bank.coordinator.user, minutes=60, reason="Housebound", idempotency_key=key()
    )
    db.session.commit()
    assert (bank.balance(bank.c), pot.balance) == (60, 0)
    assert audit_count("exchange.donate") == 1 and audit_count("exchange.grant") == 1
    _unchanged(
        bank, lambda: movements.donate(bank.a, actor=bank.b.user, minutes=5, idempotency_key=key())
    )
    assert_consistent(bank.community)


def test_group_exchange_one_to_many_and_many_to_one(bank):
    workshop = movements.group_exchange(
        bank.community,
        actor=bank.coordinator.user,
        providers=[bank.a],
        recipients=[bank.b, bank.c, bank.coordinator2],
        minutes=90,
        service_date=date(2026, 11, 3),
        category="workshop",
        idempotency_key=key(),
    )
    db.session.commit()
    assert len(workshop) == 3 and len({e.group_id for e in workshop}) == 1
    assert bank.balance(bank.a) == 270 and bank.balance(bank.b) == -90
    movements.group_exchange(
        bank.community,
        actor=bank.coordinator.user,
        providers=[bank.b, bank.c],
        recipients=[bank.a],
        minutes=30,
        service_date=date(2026, 11, 3),
        category="moving",
        idempotency_key=key(),
    )
    db.session.commit()
    assert bank.balance(bank.a) == 210
    assert audit_count("exchange.group") == 2
    assert_consistent(bank.community)


def test_group_exchange_is_all_or_nothing(app):
    bank = make_bank(default_credit_limit=100)
    bank.post(bank.b, bank.c, 50)  # c is at -50: only 50 minutes of headroom left
    args = {
        "actor": bank.coordinator.user,
        "providers": [bank.a],
        "recipients": [bank.b, bank.c],
        "minutes": 60,
        "service_date": date(2026, 11, 3),
        "category": "workshop",
        "idempotency_key": key(),
    }
    assert isinstance(
        _unchanged(bank, lambda: movements.group_exchange(bank.community, **args)), LimitExceeded
    )
    for bad in (
        {"providers": [bank.a, bank.b], "recipients": [bank.c, bank.coordinator2]},
        {"providers": [bank.a], "recipients": [bank.a, bank.b]},
        {"providers": [bank.coordinator], "recipients": [bank.b]},
        {"providers": [bank.a], "recipients": []},
    ):
        _unchanged(
            bank,
            lambda b=bad: movements.group_exchange(
                bank.community, **{**args, "idempotency_key": key(), **b}
            ),
        )
    assert bank.balance(bank.a) == 0


# -- Button predicates ------------------------------------------------------------------


def test_permission_predicates_match_the_services(app):
    """What the pages will show (permissions.can_*) matches what the services allow."""
    from timebank.services import permissions as p

    bank = make_bank(approval_conditions="always")
    exchange = bank.record(bank.a, bank.b, 60)
    people = [bank.a.user, bank.b.user, bank.c.user, bank.coordinator.user]
    assert [p.can_confirm(u, exchange) for u in people] == [False, True, False, False]
    assert [p.can_cancel(u, exchange) for u in people] == [True, False, False, False]
    assert [p.can_reject(u, exchange) for u in people] == [False, True, False, True]
    assert not any(p.can_approve(u, exchange) for u in people)
    exchanges.confirm(exchange, actor=bank.b.user)
    db.session.commit()
    assert [p.can_approve(u, exchange) for u in people] == [False, False, False, True]
    exchanges.approve(exchange, actor=bank.coordinator.user)
    db.session.commit()
    assert [p.can_reverse(u, exchange) for u in people] == [False, False, False, True]
    assert not any(p.can_approve(u, exchange) or p.can_cancel(u, exchange) for u in people)
    assert not p.can_confirm(None, exchange)


def test_same_key_from_another_person_is_refused(bank):
    """An idempotency key replays only for the person who submitted it."""
    k = key()
    bank.record(bank.a, bank.b, 60, idempotency_key=k)
    error = _unchanged(bank, lambda: bank.record(bank.a, bank.b, 60, actor=bank.b.user,
                                                 idempotency_key=k))  # fmt: skip
    assert isinstance(error, InvalidInput) and error.field == "idempotency_key"
