"""Movements through the community pot and group exchanges (DESIGN.md §5): donation
(member → pot), grant (pot → member, by a coordinator), group exchange (one provider →
many recipients, or many → one, posted all or nothing). Each posts at once through
``ledger`` (limits apply; the pot's credit limit defaults to 0, so it grants only what was
donated), is idempotent, and writes one audit event."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

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
from timebank.services.exceptions import InvalidInput, NotAllowed
from timebank.services.ledger import posting as ledger
from timebank.services.ledger.checks import (
    add_text,
    check_category,
    check_description,
    check_key,
    check_minutes,
    check_party,
    check_reason,
    find_replay,
    insert_idempotent,
    payload_hash,
)

POT_CATEGORY = "community-pot"


def _pot_movement(
    kind: ExchangeKind,
    membership: Membership,
    *,
    actor: User,
    minutes: int,
    idempotency_key: str,
    text: str | None,
    on_behalf_of: Membership | None,
    now: datetime,
    category: str = POT_CATEGORY,
) -> tuple[Exchange, bool]:
    community = membership.community
    payload = payload_hash(kind.value, actor.id, community.id, membership.id, minutes, text)
    replay = find_replay(idempotency_key, payload)
    if replay is not None:
        return replay, False
    check_party(membership, community, field="member")
    check_minutes(minutes, community)
    member_account = ledger.ensure_account(membership)
    pot = ledger.ensure_pot(community)
    donation = kind is ExchangeKind.DONATION
    exchange = Exchange(
        community_id=community.id,
        kind=kind,
        status=ExchangeStatus.POSTED,
        provider_account_id=pot.id if donation else member_account.id,
        recipient_account_id=member_account.id if donation else pot.id,
        minutes=minutes,
        service_date=now.date(),
        category=category,
        recorded_by_id=actor.id,
        on_behalf_of_id=on_behalf_of.user_id if on_behalf_of else None,
        decided_by_id=actor.id,
        decided_at=now,
        idempotency_key=idempotency_key,
        payload_hash=payload,
        created_at=now,
    )
    winner = insert_idempotent(exchange, lambda: ledger.post_new([exchange], now=now))
    if winner is not exchange:
        return winner, False
    add_text(exchange, TextKind.DESCRIPTION, text, author=actor)
    return exchange, True


def donate(
    membership: Membership,
    *,
    actor: User,
    minutes: int,
    idempotency_key: str,
    description: str | None = None,
    now: datetime | None = None,
) -> Exchange:
    """A member gives hours from their balance to the community pot (or a coordinator does
    it on their behalf, marked). Posts at once; the member's credit limit applies. Raises
    ``NotAllowed``, ``InvalidInput`` or ``LimitExceeded``. Audit: ``exchange.donate``."""
    now = now or utcnow()
    community = membership.community
    on_behalf = None
    if actor.id != membership.user_id:
        if not permissions.can_act_for_members(actor, community):
            raise NotAllowed()
        on_behalf = membership
    description = check_description(description)
    exchange, created = _pot_movement(
        ExchangeKind.DONATION, membership, actor=actor, minutes=minutes,
        idempotency_key=idempotency_key, text=description, on_behalf_of=on_behalf, now=now,
    )  # fmt: skip
    if created:
        audit.record(
            "exchange.donate",
            actor=actor,
            on_behalf_of=membership.user if on_behalf else None,
            community_id=community.id,
            obj=exchange,
            details={"minutes": minutes},
        )
    return exchange


def grant(
    membership: Membership,
    *,
    actor: User,
    minutes: int,
    reason: str,
    idempotency_key: str,
    now: datetime | None = None,
    category: str = POT_CATEGORY,
) -> Exchange:
    """A coordinator grants hours from the pot to a member who cannot give back. Not to
    themselves (segregation of duties). The pot's limits apply (by default it grants only
    what was donated). ``category``: the pot's, or one naming the work paid for (the
    co-design board's hours). Raises ``NotAllowed``, ``InvalidInput`` or
    ``LimitExceeded``. Audit: ``exchange.grant``."""
    now = now or utcnow()
    community = membership.community
    if not permissions.can_act_for_members(actor, community) or actor.id == membership.user_id:
        raise NotAllowed()
    reason = check_reason(reason)
    exchange, created = _pot_movement(
        ExchangeKind.GRANT, membership, actor=actor, minutes=minutes,
        idempotency_key=idempotency_key, text=reason, on_behalf_of=None, now=now,
        category=category,
    )  # fmt: skip
    if created:
        audit.record(
            "exchange.grant",
            actor=actor,
            community_id=community.id,
            obj=exchange,
            details={"minutes": minutes},
        )
    return exchange


def group_exchange(
    community: Community,
    *,
    actor: User,
    providers: Sequence[Membership],
    recipients: Sequence[Membership],
    minutes: int,
    service_date: date,
    category: str,
    idempotency_key: str,
    description: str | None = None,
    now: datetime | None = None,
) -> list[Exchange]:
    """A coordinator records a workshop (one provider → many recipients) or a joint effort
    (many providers → one recipient): one exchange of ``minutes`` per pair, sharing a
    ``group_id``, posted all or nothing (every limit is checked before anything is
    written). The coordinator may not be a party. Idempotent on ``idempotency_key``.
    Raises ``NotAllowed``, ``InvalidInput`` or ``LimitExceeded``. Audit: ``exchange.group``
    (one event for the whole group, on its first exchange)."""
    now = now or utcnow()
    if not permissions.can_act_for_members(actor, community):
        raise NotAllowed()
    key = check_key(idempotency_key)
    description = check_description(description)
    if len(key) > 60:
        raise InvalidInput(field="idempotency_key")
    ids = (tuple(m.id for m in providers), tuple(m.id for m in recipients))
    payload = payload_hash(
        "group", actor.id, community.id, ids, minutes, service_date, category, description
    )
    replay = find_replay(f"{key}:0", payload)
    if replay is not None:
        return group_members(replay)
    category = _check_group(actor, community, providers, recipients, minutes, category)
    exchanges = [
        Exchange(
            community_id=community.id,
            kind=ExchangeKind.GROUP,
            status=ExchangeStatus.POSTED,
            provider_account_id=ledger.ensure_account(provider).id,
            recipient_account_id=ledger.ensure_account(recipient).id,
            minutes=minutes,
            service_date=service_date,
            category=category,
            recorded_by_id=actor.id,
            decided_by_id=actor.id,
            decided_at=now,
            idempotency_key=f"{key}:{index}",
            payload_hash=payload,
            created_at=now,
        )
        for index, (provider, recipient) in enumerate(
            [(p, r) for p in providers for r in recipients]
        )
    ]

    def work() -> None:
        ledger.post_new(exchanges, now=now)
        for exchange in exchanges:
            exchange.group_id = exchanges[0].id
        db.session.flush()

    winner = insert_idempotent(exchanges[0], work)
    if winner is not exchanges[0]:
        return group_members(winner)
    for exchange in exchanges:
        add_text(exchange, TextKind.DESCRIPTION, description, author=actor)
    audit.record(
        "exchange.group",
        actor=actor,
        community_id=community.id,
        obj=exchanges[0],
        details={"group_id": exchanges[0].id, "count": len(exchanges), "minutes": minutes},
    )
    return exchanges


def _check_group(
    actor: User,
    community: Community,
    providers: Sequence[Membership],
    recipients: Sequence[Membership],
    minutes: int,
    category: str,
) -> str:
    """One provider and several recipients (or the reverse), each once, active members,
    the coordinator not among them; whole minutes; a category. Returns the category key."""
    if not providers or not recipients or (len(providers) > 1 and len(recipients) > 1):
        raise InvalidInput(
            _l("Choose one provider and several recipients, or several providers and one "
               "recipient."),
            field="member",
        )  # fmt: skip
    members = [*providers, *recipients]
    if len({m.id for m in members}) != len(members):
        raise InvalidInput(_l("Each member can appear only once."), field="member")
    if actor.id in {m.user_id for m in members}:
        raise NotAllowed(_l("Another coordinator must record an activity you took part in."))
    for membership in members:
        check_party(membership, community, field="member")
    check_minutes(minutes, community)
    return check_category(category)


def group_members(exchange: Exchange) -> list[Exchange]:
    """All exchanges of the group ``exchange`` belongs to, in id order."""
    if exchange.group_id is None:
        return [exchange]
    return list(
        db.session.scalars(
            select(Exchange).where(Exchange.group_id == exchange.group_id).order_by(Exchange.id)
        )
    )
