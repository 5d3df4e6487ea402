"""A member's life in a community after admission: suspend, reactivate, leave.

Leaving settles the balance with the community pot through a ``settlement`` exchange, so
the ledger still sums to zero (DESIGN.md §4, §5): a positive balance goes to the pot, a
negative one is written off by it. A balance never blocks leaving (or erasure): the
write-off may take the pot past its limits (the database allows it only inside a
settlement posting, see models/limit_triggers.py); the coordinators are then notified
(``write_off``) and see the pot past its limit on their dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from timebank.database import changed
from timebank.extensions import db
from timebank.models import (
    PENDING_STATUSES,
    Account,
    AccountKind,
    Exchange,
    ExchangeKind,
    ExchangeStatus,
    Listing,
    ListingStatus,
    Membership,
    MembershipStatus,
    Role,
    User,
    utcnow,
)
from timebank.services import audit, languages, permissions
from timebank.services.auth import users as accounts
from timebank.services.community import memberships
from timebank.services.exceptions import InvalidInput, NotAllowed
from timebank.services.ledger import posting as ledger
from timebank.services.ledger import rules
from timebank.services.ledger.checks import payload_hash
from timebank.services.messaging import mail, notifications

SETTLEMENT_CATEGORY = "settlement"


def _check_manager(membership: Membership, actor: User) -> None:
    """Coordinators manage members; only admins manage coordinators and admins; nobody
    manages their own membership this way."""
    community = membership.community
    if not permissions.can_manage_members(actor, community) or membership.user_id == actor.id:
        raise NotAllowed()
    if membership.role != Role.MEMBER and not permissions.can_change_roles(actor, community):
        raise NotAllowed(_l("Only an administrator can do this to a coordinator."))


def _set_status(membership: Membership, expected: MembershipStatus, to: MembershipStatus) -> None:
    result = changed(
        update(Membership)
        .where(Membership.id == membership.id, Membership.status == expected)
        .values(status=to)
        .execution_options(synchronize_session=False)
    )
    if result != 1:
        raise InvalidInput(_l("This member's status has changed meanwhile. Reload the page."))
    db.session.refresh(membership)


def _listings(membership: Membership, statuses: tuple, to: ListingStatus, now: datetime) -> int:
    values: dict = {"status": to, "updated_at": now}
    if to == ListingStatus.CLOSED:
        values["closed_at"] = now
    return changed(
        update(Listing)
        .where(Listing.owner_id == membership.id, Listing.status.in_(statuses))
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def suspend(membership: Membership, *, actor: User, now: datetime | None = None) -> Membership:
    """Suspend an active member: they can no longer use the community or trade (every
    ledger service refuses a non-active party), their open listings pause, and their
    sessions end. Raises ``NotAllowed`` or ``InvalidInput``. Audit: ``membership.suspend``."""
    now = now or utcnow()
    _check_manager(membership, actor)
    memberships.keep_a_coordinator(membership)
    _set_status(membership, MembershipStatus.ACTIVE, MembershipStatus.SUSPENDED)
    paused = _listings(membership, (ListingStatus.ACTIVE,), ListingStatus.PAUSED, now)
    accounts.end_sessions(membership.user)
    audit.record(
        "membership.suspend",
        actor=actor,
        community_id=membership.community_id,
        obj=membership,
        details={"listings_paused": paused},
    )
    return membership


def reactivate(membership: Membership, *, actor: User) -> Membership:
    """Lift a suspension; the member resumes their paused listings themselves. Audit:
    ``membership.reactivate``."""
    _check_manager(membership, actor)
    _set_status(membership, MembershipStatus.SUSPENDED, MembershipStatus.ACTIVE)
    audit.record(
        "membership.reactivate", actor=actor, community_id=membership.community_id, obj=membership
    )
    return membership


def _cancel_pending(membership: Membership, actor: User, now: datetime) -> int:
    account_id = db.session.scalar(select(Account.id).where(Account.membership_id == membership.id))
    if account_id is None:
        return 0
    pending = db.session.scalars(
        select(Exchange)
        .where(
            Exchange.status.in_(PENDING_STATUSES),
            (Exchange.provider_account_id == account_id)
            | (Exchange.recipient_account_id == account_id),
        )
        .order_by(Exchange.id)
    ).all()
    for exchange in pending:
        ledger.compare_and_set(
            exchange, rules.Event.CANCEL, values={"decided_by_id": actor.id, "decided_at": now}
        )
        other = _other_party(exchange, account_id)
        if other is not None:
            _notify_cancelled(other, exchange, membership)
    return len(pending)


def _other_party(exchange: Exchange, account_id: int) -> User | None:
    other_account = (
        exchange.recipient_account_id
        if exchange.provider_account_id == account_id
        else exchange.provider_account_id
    )
    user_id = ledger.account_user_id(other_account)
    return db.session.get(User, user_id) if user_id is not None else None


def _notify_cancelled(user: User, exchange: Exchange, leaving: Membership) -> None:
    community = leaving.community
    locale = user.locale or community.locale
    with force_locale(locale):
        mail.queue(
            user,
            _("An exchange was cancelled"),
            _(
                "The exchange of %(duration)s on %(date)s was cancelled because the other "
                "member left %(c)s.",
                duration=languages.duration(exchange.minutes),
                date=exchange.service_date.isoformat(),
                c=community.display_name(locale),
            ),
            community_id=community.id,
        )


@dataclass(frozen=True)
class HoursOutcome:
    """What leaving does to one membership's hours, told before the member confirms."""

    community: str
    balance: int
    pot_past_limit: bool  # the write-off takes the pot past its limit
    community_ar: str | None = None  # the Arabic name, when the community has one

    def sentence(self, community: str | None = None) -> str:
        """What happens, said with ``community`` as its name (default: its stored name)."""
        name = community or self.community
        if self.balance > 0:
            return str(
                _l(
                    "%(c)s: your %(d)s of credit go to the community pot, which gives them to "
                    "members who need them.",
                    c=name,
                    d=languages.duration(self.balance),
                )
            )
        if self.balance < 0:
            return str(
                _l(
                    "%(c)s: your debt of %(d)s is written off by the community pot. You owe "
                    "nothing; the coordinators are told.",
                    c=name,
                    d=languages.duration(-self.balance),
                )
            )
        return str(_l("%(c)s: your balance is zero; nothing moves.", c=name))


def hours_outcome(membership: Membership) -> HoursOutcome:
    """What ``settle`` would do now (read only)."""
    community = membership.community
    account = db.session.scalar(select(Account).where(Account.membership_id == membership.id))
    balance = account.balance if account is not None else 0
    pot = db.session.scalar(
        select(Account).where(Account.community_id == community.id, Account.kind == AccountKind.POT)
    )
    past = False
    if balance and pot is not None:
        past = not rules.within_limits(pot.balance, balance, pot.credit_limit, pot.upper_limit)
    elif balance:
        past = not rules.within_limits(0, balance, 0, None)
    return HoursOutcome(community.name, balance, past, community.name_ar)


def hours_outcomes(user: User) -> list[HoursOutcome]:
    """``hours_outcome`` for each membership that leaving (or erasure) would settle."""
    active = db.session.scalars(
        select(Membership)
        .where(
            Membership.user_id == user.id,
            Membership.status.in_([MembershipStatus.ACTIVE, MembershipStatus.SUSPENDED]),
        )
        .order_by(Membership.id)
    ).all()
    return [hours_outcome(m) for m in active]


def settle(membership: Membership, *, actor: User, now: datetime) -> Exchange | None:
    """Bring the member's balance to zero against the pot (``settlement`` exchange, posted
    at once). Never refused for a limit: the member's side only moves towards zero, and the
    pot may go past its limits (an audited write-off; coordinators are notified). None when
    the balance is already zero."""
    account = ledger.ensure_account(membership)
    community = membership.community
    pot = ledger.ensure_pot(community)
    locked = ledger.lock_balances([account.id, pot.id])
    balance = locked[account.id].balance
    if balance == 0:
        return None
    exchange = Exchange(
        community_id=membership.community_id,
        kind=ExchangeKind.SETTLEMENT,
        status=ExchangeStatus.POSTED,
        # A credit goes to the pot (the member is debited); a debt is covered by it.
        provider_account_id=pot.id if balance > 0 else account.id,
        recipient_account_id=account.id if balance > 0 else pot.id,
        minutes=abs(balance),
        service_date=now.date(),
        category=SETTLEMENT_CATEGORY,
        recorded_by_id=actor.id,
        on_behalf_of_id=membership.user_id if actor.id != membership.user_id else None,
        decided_by_id=actor.id,
        decided_at=now,
        idempotency_key=f"settlement-{membership.id}-{int(now.timestamp())}",
        payload_hash=payload_hash("settlement", membership.id, balance),
        created_at=now,
    )
    pot_row = locked[pot.id]
    past_limit = not rules.within_limits(
        pot_row.balance, balance, pot_row.credit_limit, pot_row.upper_limit
    )
    # Not ``post_new``: that refuses a movement past a limit, and a write-off may need one.
    # The member's leg only moves towards zero; the pot's is allowed by the database while
    # this settlement has no legs yet (models/limit_triggers.py).
    db.session.add(exchange)
    db.session.flush()
    ledger.apply_movements(
        exchange.id, ledger.movements_for(exchange, locked), now=now,
        service_date=exchange.service_date,
    )  # fmt: skip
    if past_limit:
        _write_off_notice(membership, exchange, actor, pot_row.balance + balance)
    return exchange


def _write_off_notice(
    membership: Membership, exchange: Exchange, actor: User, pot_balance: int
) -> None:
    """The pot went past its limit: one audit event and a notice to every coordinator."""
    community = membership.community
    pot = ledger.ensure_pot(community)
    audit.record(
        "account.write_off",
        actor=actor,
        community_id=community.id,
        obj=pot,
        details={
            "settlement_id": exchange.id,
            "membership_id": membership.id,
            "minutes": exchange.minutes,
            "pot_balance": pot_balance,
        },
    )
    notifications.notify_coordinators(
        community, "write_off", object_type="exchanges", object_id=exchange.id
    )


def leave(membership: Membership, *, actor: User, now: datetime | None = None) -> Membership:
    """A member leaves (on their own, or a coordinator records it): pending exchanges are
    cancelled (the other party is told), the balance is settled with the pot, listings
    close, sessions end and the status becomes ``left``. All or nothing; never refused
    for a balance (see ``settle``). Raises ``NotAllowed`` or ``InvalidInput``. Audit:
    ``membership.leave`` (and ``account.write_off`` when the pot goes past its limit)."""
    now = now or utcnow()
    if actor.id != membership.user_id:
        _check_manager(membership, actor)
    if membership.status not in (MembershipStatus.ACTIVE, MembershipStatus.SUSPENDED):
        raise InvalidInput(_l("Only an active or suspended member can leave."))
    memberships.keep_a_coordinator(membership)
    cancelled = _cancel_pending(membership, actor, now)
    settlement = settle(membership, actor=actor, now=now)
    closed = _listings(
        membership,
        (ListingStatus.ACTIVE, ListingStatus.PAUSED, ListingStatus.EXPIRED),
        ListingStatus.CLOSED,
        now,
    )
    _set_status(membership, membership.status, MembershipStatus.LEFT)
    if membership.role != Role.MEMBER:
        membership.role = Role.MEMBER
    accounts.end_sessions(membership.user)
    audit.record(
        "membership.leave",
        actor=actor,
        on_behalf_of=membership.user if actor.id != membership.user_id else None,
        community_id=membership.community_id,
        obj=membership,
        details={
            "cancelled": cancelled,
            "listings_closed": closed,
            "settlement_id": settlement.id if settlement else None,
            "minutes": settlement.minutes if settlement else 0,
        },
    )
    return membership
