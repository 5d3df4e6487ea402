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
    OutboxMessage,
    Role,
)
from timebank.services.community import lifecycle
from timebank.services.exceptions import InvalidInput, LimitExceeded, NotAllowed
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


def test_leaving_with_a_debt_needs_the_pot_to_cover_it(bank, runner):
    """A debt larger than the pot is refused (nothing changes) until the pot's limit allows."""
    bank.post(bank.a, bank.b, 120)
    with pytest.raises(LimitExceeded):
        lifecycle.leave(bank.b, actor=bank.coordinator.user)
    db.session.rollback()
    assert bank.balance(bank.b) == -120 and bank.b.status == MembershipStatus.ACTIVE
    movements.donate(bank.c, actor=bank.c.user, minutes=60, idempotency_key=key())
    policy.set_limits(ledger.ensure_pot(bank.community), actor=bank.coordinator.user,
                      credit_limit=60, upper_limit=None, reason="Cover departures")  # fmt: skip
    db.session.commit()
    lifecycle.leave(bank.b, actor=bank.b.user)
    db.session.commit()
    assert bank.balance(bank.b) == 0
    assert ledger.ensure_pot(bank.community).balance == -60
    assert_consistent(bank.community)
    assert runner.invoke(args=["verify-ledger"]).exit_code == 0


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
