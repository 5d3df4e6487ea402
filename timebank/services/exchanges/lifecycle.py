"""The exchange lifecycle (DESIGN.md §5): record (``recording``, re-exported here), confirm,
reject, cancel, approve (its hot path: ``approval``), reverse, expire. Every function takes
an explicit ``actor``, checks permissions, follows the pure transition table in ``rules``,
writes exactly one audit event per decision and flushes; the caller commits once
(``database.transaction``) and rolls back on any ``DomainError``.

Donations, grants and group exchanges are in ``services.movements``; limits and the
community policy in ``services.policy``."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from timebank.extensions import db
from timebank.models import (
    Community,
    Exchange,
    ExchangeKind,
    ExchangeStatus,
    Membership,
    TextKind,
    User,
    utcnow,
)
from timebank.services import audit, permissions
from timebank.services.exceptions import AlreadyDecided, InvalidInput, NotAllowed
from timebank.services.exchanges import approval, recording
from timebank.services.exchanges import notices as exchange_notices
from timebank.services.ledger import posting as ledger
from timebank.services.ledger import rules
from timebank.services.ledger.checks import (
    add_text,
    check_party,
    check_reason,
    other_party_user_id,
    parties,
    party_user_ids,
    payload_hash,
)
from timebank.services.webhooks import events as webhooks

S = ExchangeStatus
record = recording.record  # recording an exchange: ``services.exchanges.recording``


def _check_parties_active(members: list, community: Community) -> None:
    for membership in members:
        check_party(membership, community, field="member")


def confirm(
    exchange: Exchange,
    *,
    actor: User,
    on_behalf_of: Membership | None = None,
    now: datetime | None = None,
) -> Exchange:
    """The other party confirms a recorded exchange: it posts at once, or waits for a
    coordinator if the policy says so. A proxy of the other party may confirm for them
    (``on_behalf_of``; marked in the audit event). Raises ``NotAllowed`` (not the other
    party or their proxy), ``AlreadyDecided``, ``InvalidInput`` (a party is no longer
    active) or ``LimitExceeded``. One audit event: ``exchange.confirm``."""
    now = now or utcnow()
    community = db.session.get_one(Community, exchange.community_id)
    if exchange.status != S.RECORDED:
        raise AlreadyDecided()
    other = other_party_user_id(exchange)
    if on_behalf_of is not None:
        if on_behalf_of.user_id != other or not permissions.is_proxy_for(actor, on_behalf_of):
            raise NotAllowed(_l("Only the other member of this exchange can confirm it."))
    elif actor.id != other:
        raise NotAllowed(_l("Only the other member of this exchange can confirm it."))
    _check_parties_active(parties(exchange), community)
    accounts = ledger.lock_balances([exchange.provider_account_id, exchange.recipient_account_id])
    movements = ledger.movements_for(exchange, accounts)
    confirmed = {"confirmed_by_id": actor.id, "confirmed_at": now}
    reasons = recording.approval_needed(exchange, community, movements)
    if reasons:
        confirmed["approval_reasons"] = reasons
        ledger.compare_and_set(exchange, rules.Event.CONFIRM, values=confirmed)
    else:
        decided = {**confirmed, "decided_by_id": actor.id, "decided_at": now}
        ledger.post(exchange, rules.Event.POST, values=decided, now=now)
    exchange_notices.tell_confirmed(exchange, community, actor=actor, members=parties(exchange))
    webhooks.exchange("exchange.confirmed", exchange)
    audit.record(
        "exchange.confirm",
        actor=actor,
        on_behalf_of=on_behalf_of.user if on_behalf_of is not None else None,
        community_id=community.id,
        obj=exchange,
        details={"status": exchange.status.value},
    )
    return exchange


def confirm_as_coordinator(
    exchange: Exchange, *, actor: User, now: datetime | None = None
) -> Exchange:
    """A coordinator who is not a party decides a recorded exchange in place of the missing
    confirmation (docs/consent.md, "coordinator decision"): then the approval policy applies
    as in ``confirm`` (it posts, or waits in the queue). Both parties are told
    (``exchange_decided``). Raises ``NotAllowed``, ``AlreadyDecided``, ``InvalidInput`` (a
    party is no longer active) or ``LimitExceeded``. One audit event: ``exchange.confirm``
    with ``coordinator_decision`` in its details."""
    now = now or utcnow()
    community = db.session.get_one(Community, exchange.community_id)
    members = parties(exchange)
    if not permissions.can_confirm_as_coordinator(actor, exchange):
        raise NotAllowed()
    if exchange.status != S.RECORDED:
        raise AlreadyDecided()
    _check_parties_active(members, community)
    accounts = ledger.lock_balances([exchange.provider_account_id, exchange.recipient_account_id])
    movements = ledger.movements_for(exchange, accounts)
    confirmed = {"confirmed_by_id": actor.id, "confirmed_at": now}
    reasons = recording.approval_needed(exchange, community, movements)
    if reasons:
        confirmed["approval_reasons"] = reasons
        ledger.compare_and_set(exchange, rules.Event.CONFIRM, values=confirmed)
    else:
        decided = {**confirmed, "decided_by_id": actor.id, "decided_at": now}
        ledger.post(exchange, rules.Event.POST, values=decided, now=now)
    exchange_notices.tell_decided(exchange, community, actor=actor, members=members)
    audit.record(
        "exchange.confirm",
        actor=actor,
        community_id=community.id,
        obj=exchange,
        details={"status": exchange.status.value, "coordinator_decision": True},
    )
    return exchange


def approve(exchange: Exchange, *, actor: User, now: datetime | None = None) -> Exchange:
    """A coordinator who is not a party approves an exchange awaiting approval: it posts
    (at most once, whatever the concurrency) and both parties are notified
    (``exchange_decided``). Raises ``NotAllowed``, ``AlreadyDecided``, ``InvalidInput`` (a
    party is no longer active) or ``LimitExceeded``. One audit event: ``exchange.approve``."""
    if actor is None or not actor.is_authenticated:
        raise NotAllowed()
    changed = approval.approve(exchange.id, actor_id=actor.id, now=now or utcnow())
    for key, value in changed.items():  # the object as posted, without a reload
        set_committed_value(exchange, key, value)
    return exchange


def approve_by_id(
    exchange_id: int, *, actor_id: int, community_id: int | None = None, now: datetime | None = None
) -> None:
    """``approve`` from ids, as the approval queue has them: no ORM object is loaded (the
    hot path, in prepared Core statements: ``services.exchanges.approval``). Raises
    ``NotFound`` when there is no such exchange (in ``community_id``, when given), and
    what ``approve`` raises."""
    approval.approve(exchange_id, actor_id=actor_id, community_id=community_id,
                     now=now or utcnow())  # fmt: skip


def reject(
    exchange: Exchange, *, actor: User, reason: str, now: datetime | None = None
) -> Exchange:
    """Reject with a reason: the other party while it is ``recorded``, or a coordinator who
    is not a party while it is pending. The parties other than the actor are notified
    (``exchange_decided``). Raises ``NotAllowed``, ``AlreadyDecided`` or ``InvalidInput``
    (no reason). One audit event: ``exchange.reject``."""
    now = now or utcnow()
    community = db.session.get_one(Community, exchange.community_id)
    reason = check_reason(reason)
    other_party = exchange.status == S.RECORDED and actor.id == other_party_user_id(exchange)
    members = parties(exchange)
    coordinator = permissions.can_decide_as_coordinator(
        actor, community, party_user_ids(exchange, members)
    )
    if not (other_party or coordinator):
        raise NotAllowed()
    values = {"decided_by_id": actor.id, "decided_at": now}
    ledger.compare_and_set(exchange, rules.Event.REJECT, values=values)
    add_text(exchange, TextKind.REJECTION, reason, author=actor)
    exchange_notices.tell_decided(exchange, community, actor=actor, members=members)
    audit.record("exchange.reject", actor=actor, community_id=community.id, obj=exchange)
    return exchange


def cancel(
    exchange: Exchange, *, actor: User, reason: str | None = None, now: datetime | None = None
) -> Exchange:
    """The recorder withdraws a pending exchange before a decision. Raises ``NotAllowed`` or
    ``AlreadyDecided``. One audit event: ``exchange.cancel``."""
    now = now or utcnow()
    if actor.id != exchange.recorded_by_id:
        raise NotAllowed(_l("Only the person who recorded this exchange can cancel it."))
    values = {"decided_by_id": actor.id, "decided_at": now}
    ledger.compare_and_set(exchange, rules.Event.CANCEL, values=values)
    add_text(exchange, TextKind.CANCELLATION, (reason or "").strip() or None, author=actor)
    audit.record("exchange.cancel", actor=actor, community_id=exchange.community_id, obj=exchange)
    return exchange


def reverse(
    exchange: Exchange, *, actor: User, reason: str, now: datetime | None = None
) -> Exchange:
    """A coordinator who is not a party reverses a posted exchange with a reason: a new,
    linked ``reversal`` exchange moves the minutes back; the original is never edited
    beyond its status (``reversed``) and is reversed at most once. The reversal obeys the
    limits like any posting: where it would break one, the coordinator first overrides that
    member's limit. Reversals themselves are not reversed (record a new exchange instead).
    Raises ``NotAllowed``, ``InvalidInput``, ``AlreadyDecided`` or ``LimitExceeded``. One
    audit event: ``exchange.reverse`` (on the original). Returns the reversal exchange."""
    now = now or utcnow()
    community = db.session.get_one(Community, exchange.community_id)
    if not permissions.can_decide_as_coordinator(actor, community, party_user_ids(exchange)):
        raise NotAllowed()
    reason = check_reason(reason)
    if exchange.kind == ExchangeKind.REVERSAL:
        raise InvalidInput(_l("A reversal cannot itself be reversed."), field="exchange")
    if exchange.status != S.POSTED:
        raise AlreadyDecided()
    reversal = Exchange(
        community_id=community.id,
        kind=ExchangeKind.REVERSAL,
        status=S.POSTED,
        provider_account_id=exchange.recipient_account_id,
        recipient_account_id=exchange.provider_account_id,
        minutes=exchange.minutes,
        service_date=now.date(),
        category=exchange.category,
        recorded_by_id=actor.id,
        decided_by_id=actor.id,
        decided_at=now,
        reverses_exchange_id=exchange.id,
        idempotency_key=f"reversal-of-{exchange.id}",
        payload_hash=payload_hash("reversal", exchange.id),
        created_at=now,
    )
    accounts = ledger.lock_balances([exchange.provider_account_id, exchange.recipient_account_id])
    movements = ledger.movements_for(reversal, accounts)
    ledger.check_limits(movements)
    ledger.compare_and_set(exchange, rules.Event.REVERSE)
    db.session.add(reversal)
    db.session.flush()
    ledger.apply_movements(reversal.id, movements, now=now, service_date=reversal.service_date)
    add_text(reversal, TextKind.REVERSAL, reason, author=actor)
    exchange_notices.tell_reversed(exchange, community, actor=actor, members=parties(exchange))
    audit.record(
        "exchange.reverse",
        actor=actor,
        community_id=community.id,
        obj=exchange,
        details={"reversal_id": reversal.id, "minutes": exchange.minutes},
    )
    webhooks.exchange("exchange.reversed", reversal)
    return reversal


def expire_pending(*, now: datetime | None = None, community: Community | None = None) -> int:
    """Expire exchanges still ``recorded`` (unconfirmed) longer than their community's
    ``pending_expiry_days``. Idempotent and safe to run concurrently (compare-and-set); one
    audit event (``exchange.expire``, no actor) per expired exchange. Returns the count."""
    now = now or utcnow()
    communities = [community] if community else db.session.scalars(select(Community)).all()
    expired = 0
    for each in communities:
        cutoff = now - timedelta(days=each.pending_expiry_days)
        stale = db.session.scalars(
            select(Exchange)
            .where(
                Exchange.community_id == each.id,
                Exchange.status == S.RECORDED,
                Exchange.created_at < cutoff,
            )
            .order_by(Exchange.id)
        ).all()
        for exchange in stale:
            try:
                ledger.compare_and_set(
                    exchange, rules.Event.EXPIRE, values={"decided_at": now}, expected=S.RECORDED
                )
            except AlreadyDecided:
                continue
            audit.record("exchange.expire", actor=None, community_id=each.id, obj=exchange)
            expired += 1
    return expired


def get_for(community: Community, exchange_id: int) -> Exchange | None:
    """An exchange of ``community`` by id, or None (other communities' exchanges included)."""
    exchange = db.session.get(Exchange, exchange_id)
    return exchange if exchange is not None and exchange.community_id == community.id else None
