"""What waits for a member in a community, for the page header and the member's home:
their balance, exchanges waiting for their confirmation, unread message notices, and for a
coordinator the exchanges waiting for approval. Three counts on indexed columns
(``ix_exchanges_community_status``, ``ix_notifications_user_unread``) and the account row:
cheap enough for every page, and read once per request by the caller."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from timebank.extensions import db
from timebank.models import (
    Account,
    Community,
    Exchange,
    ExchangeStatus,
    Membership,
    Notification,
    User,
)


@dataclass(frozen=True)
class Waiting:
    coordinator: bool
    balance: int | None  # None: no account yet
    confirmations: int  # exchanges others recorded that wait for this member's word
    messages: int  # unread notices of new messages in this community
    approvals: int  # exchanges waiting for a coordinator (coordinators only, else 0)

    @property
    def total(self) -> int:
        return self.confirmations + self.messages + self.approvals


NOTHING = Waiting(False, None, 0, 0, 0)


def waiting(actor: User, membership: Membership | None) -> Waiting:
    """The counts for ``actor`` in ``membership``'s community (nothing without an active
    membership)."""
    if membership is None or not membership.is_active:
        return NOTHING
    community: Community = membership.community
    account = db.session.execute(
        select(Account.id, Account.balance).where(Account.membership_id == membership.id)
    ).first()
    confirmations = 0
    if account is not None:
        confirmations = _count(
            select(func.count())
            .select_from(Exchange)
            .where(
                Exchange.community_id == community.id,
                Exchange.status == ExchangeStatus.RECORDED,
                or_(
                    Exchange.provider_account_id == account.id,
                    Exchange.recipient_account_id == account.id,
                ),
                Exchange.recorded_by_id != actor.id,
            )
        )
    messages = _count(
        select(func.count())
        .select_from(Notification)
        .where(
            Notification.user_id == actor.id,
            Notification.read_at.is_(None),
            Notification.kind == "message",
            Notification.community_id == community.id,
        )
    )
    approvals = 0
    if membership.is_coordinator:
        approvals = _count(
            select(func.count())
            .select_from(Exchange)
            .where(
                Exchange.community_id == community.id,
                Exchange.status == ExchangeStatus.AWAITING_APPROVAL,
            )
        )
    return Waiting(
        coordinator=membership.is_coordinator,
        balance=account.balance if account is not None else None,
        confirmations=confirmations,
        messages=messages,
        approvals=approvals,
    )


def _count(statement) -> int:
    return int(db.session.scalar(statement) or 0)
