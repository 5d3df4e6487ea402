"""Member lifecycle: suspend, reactivate, leave with settlement through the pot."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.factories import make_member
from tests.listing_factories import make_listing
from tests.services.conftest import assert_consistent, audit_count, key
from timebank.extensions import db
from timebank.models import (
    Exchange,
    ExchangeKind,
    ExchangeStatus,
    ListingStatus,
    MembershipStatus,
    Notification,
    OutboxMessage,
    Role,
)
from timebank.services.community import dashboard, lifecycle
from timebank.services.exceptions import InvalidInput, NotAllowed
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.exchanges import movements, policy
from timebank.services.ledger import posting as ledger


def test_suspend_pauses_listings_ends_sessions_and_blocks_trading(bank):
    """A suspended member's listings pause, sessions end, and they cannot trade."""
    listing = make_listing(bank.a)
    token = bank.a.user.session_token
    lifecycle.suspend(bank.a, actor=bank.coordinator.user)
    db.session.commit()
    db.session.refresh(listing)
    assert bank.a.status == MembershipStatus.SUSPENDED
    assert listing.status == ListingStatus.PAUSED
    assert bank.a.user.session_token != token
    assert audit_count("membership.suspend") == 1
    with pytest.raises(InvalidInput):
        bank.record(bank.b, bank.a, 30, actor=bank.b.user)
    lifecycle.reactivate(bank.a, actor=bank.coordinator.user)
    db.session.commit()
    assert bank.a.status == MembershipStatus.ACTIVE
    assert audit_count("membership.reactivate") == 1


def test_only_coordinators_suspend_and_only_admins_suspend_coordinators(bank):
    """A member cannot suspend; a coordinator cannot suspend another coordinator or self."""
    with pytest.raises(NotAllowed):
        lifecycle.suspend(bank.b, actor=bank.a.user)
    with pytest.raises(NotAllowed):
        lifecycle.suspend(bank.coordinator2, actor=bank.coordinator.user)
    with pytest.raises(NotAllowed):
        lifecycle.suspend(bank.coordinator, actor=bank.coordinator.user)
    admin = make_member(bank.community, role=Role.ADMIN, password=None)
    lifecycle.suspend(bank.coordinator2, actor=admin.user)
    assert bank.coordinator2.status == MembershipStatus.SUSPENDED


def _settlements(membership):
    account = ledger.ensure_account(membership)
    return db.session.scalars(
        select(Exchange).where(
            Exchange.kind == ExchangeKind.SETTLEMENT,
            (Exchange.provider_account_id == account.id)
            | (Exchange.recipient_account_id == account.id),
        )
    ).all()


def test_leaving_with_credit_settles_to_the_pot(bank, runner):
    """A positive balance goes to the pot; the ledger still verifies."""
    bank.post(bank.a, bank.b, 90)
    listing = make_listing(bank.a)
    pending = bank.record(bank.a, bank.c, 30)
    lifecycle.leave(bank.a, actor=bank.coordinator.user)
    db.session.commit()
    db.session.refresh(listing)
    db.session.refresh(pending)
    assert bank.a.status == MembershipStatus.LEFT
    assert bank.balance(bank.a) == 0
    assert ledger.ensure_pot(bank.community).balance == 90
    (settlement,) = _settlements(bank.a)
    assert settlement.minutes == 90 and settlement.status == ExchangeStatus.POSTED
    assert listing.status == ListingStatus.CLOSED
    assert pending.status == ExchangeStatus.CANCELLED
    notice = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient_id == bank.c.user_id)
    ).all()
    assert any("cancelled" in m.body for m in notice)
    assert audit_count("membership.leave") == 1
    assert_consistent(bank.community)
    assert runner.invoke(args=["verify-ledger"]).exit_code == 0


def test_leaving_with_a_debt_is_never_blocked_the_pot_writes_it_off(bank, runner):
    """A debt larger than the pot is written off all the same: the pot goes past its limit
    (audited ``account.write_off``, coordinators notified, on their dashboard), the ledger
    stays zero-sum and verify-ledger stays clean."""
    bank.post(bank.a, bank.b, 120)
    movements.donate(bank.c, actor=bank.c.user, minutes=30, idempotency_key=key())
    db.session.commit()
    lifecycle.leave(bank.b, actor=bank.b.user)
    db.session.commit()
    assert bank.balance(bank.b) == 0 and bank.b.status == MembershipStatus.LEFT
    pot = ledger.ensure_pot(bank.community)
    db.session.refresh(pot)
    assert pot.balance == -90 and pot.credit_limit == 0
    assert audit_count("account.write_off") == 1
    notes = db.session.scalars(select(Notification).where(Notification.kind == "write_off")).all()
    assert {n.user_id for n in notes} >= {bank.coordinator.user.id}
    figures = {c.key: c.value for c in dashboard.counts(bank.community)}
    assert figures["pot_past_limit"] == 90
    assert_consistent(bank.community)
    result = runner.invoke(args=["verify-ledger"])
    assert result.exit_code == 0 and "past a limit" in result.output


def test_leaving_with_a_debt_the_pot_covers_needs_no_write_off(bank):
    bank.post(bank.a, bank.b, 30)
    movements.donate(bank.c, actor=bank.c.user, minutes=60, idempotency_key=key())
    db.session.commit()
    lifecycle.leave(bank.b, actor=bank.coordinator.user)
    db.session.commit()
    assert audit_count("account.write_off") == 0
    assert "pot_past_limit" not in {c.key for c in dashboard.counts(bank.community)}
    assert_consistent(bank.community)


def test_leaving_with_a_credit_past_the_pot_upper_limit_is_not_blocked(bank):
    bank.post(bank.a, bank.b, 90)
    policy.set_limits(ledger.ensure_pot(bank.community), actor=bank.coordinator.user,
                      credit_limit=0, upper_limit=30, reason="Small pot")  # fmt: skip
    db.session.commit()
    lifecycle.leave(bank.a, actor=bank.a.user)
    db.session.commit()
    assert bank.balance(bank.a) == 0 and audit_count("account.write_off") == 1
    assert_consistent(bank.community)


def test_the_outcome_is_told_before_leaving(bank):
    """The confirmation page's sentences: a debt written off, a credit given, zero."""
    bank.post(bank.a, bank.b, 250)
    bank.post(bank.a, bank.b, 250)
    db.session.commit()
    debt = lifecycle.hours_outcome(bank.b)
    assert debt.balance == -500 and debt.pot_past_limit
    assert "written off" in debt.sentence() and "8 h 20 min" in debt.sentence()
    credit = lifecycle.hours_outcome(bank.a)
    assert credit.balance == 500 and "go to the community pot" in credit.sentence()
    assert "nothing moves" in lifecycle.hours_outcome(bank.c).sentence()
    assert [o.balance for o in lifecycle.hours_outcomes(bank.b.user)] == [-500]


def test_a_departed_member_cannot_trade_or_leave_twice(bank):
    """After leaving, no exchange can involve them and leaving again is refused."""
    lifecycle.leave(bank.a, actor=bank.a.user)
    db.session.commit()
    with pytest.raises(InvalidInput):
        lifecycle.leave(bank.a, actor=bank.coordinator.user)
    with pytest.raises(InvalidInput):
        exchanges.record(
            bank.community, actor=bank.b.user, provider=bank.b, recipient=bank.a, minutes=30,
            service_date=bank.community.created_at.date(), category="gardening",
            idempotency_key=key(),
        )  # fmt: skip
