"""Recording an exchange (DESIGN.md §5): who may record it and for whom, the checks on
its parties, minutes, category and date, and what happens to a new record — it waits for
the other party's confirmation, goes to the approval queue, or posts at once (the
community policy, ``policy.approval_reasons``, and the consent rule of docs/consent.md).
The decisions that follow (confirm, approve, reject, cancel, reverse, expire) are in
``lifecycle``, which re-exports ``record``."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l

from timebank.extensions import db
from timebank.models import (
    Community,
    Exchange,
    ExchangeKind,
    ExchangeStatus,
    Listing,
    Membership,
    TextKind,
    User,
    utcnow,
)
from timebank.services import audit, permissions
from timebank.services.exceptions import InvalidInput, NotAllowed
from timebank.services.exchanges import notices as exchange_notices
from timebank.services.exchanges import policy
from timebank.services.ledger import posting as ledger
from timebank.services.ledger import rules
from timebank.services.ledger.checks import (
    add_text,
    check_category,
    check_description,
    check_minutes,
    check_party,
    find_replay,
    insert_idempotent,
    parties,
    payload_hash,
)
from timebank.services.webhooks import events as webhooks

S = ExchangeStatus


def record(
    community: Community,
    *,
    actor: User,
    provider: Membership,
    recipient: Membership,
    minutes: int,
    service_date: date,
    category: str,
    idempotency_key: str,
    description: str | None = None,
    on_behalf_of: Membership | None = None,
    listing: Listing | None = None,
    now: datetime | None = None,
) -> Exchange:
    """Record an exchange from either side ("I gave" / "I received"), from ``listing``
    (an offer or request of the community, kept on the exchange) when there is one.

    The actor is the provider or the recipient, or a coordinator recording for members
    without internet (then ``on_behalf_of`` is one of the parties, by default the provider,
    and the record counts as confirmed). Rules: both parties active members of
    ``community``, not the same member; whole minutes within the community maximum; a
    category key. The policy decides the status: ``recorded`` (the other party must
    confirm), ``awaiting_approval`` or ``posted``.

    Idempotent: the same ``idempotency_key`` with the same payload returns the original
    exchange and writes nothing; with a different payload raises ``InvalidInput``.
    Raises ``NotAllowed``, ``InvalidInput`` (with ``field``) or ``LimitExceeded`` (when it
    would post at once past a limit). One audit event: ``exchange.record``."""
    now = now or utcnow()
    description = check_description(description)
    key_payload = payload_hash(
        "exchange", actor.id, community.id, provider.id, recipient.id, minutes, service_date,
        category, description, on_behalf_of.id if on_behalf_of else None,
    )  # fmt: skip
    replay = find_replay(idempotency_key, key_payload)
    if replay is not None:
        return replay
    on_behalf_of = _recorder_may_record(actor, community, provider, recipient, on_behalf_of)
    category = _check_record(community, provider, recipient, minutes, category, service_date, now)
    listing_id = _listing_id(listing, community)
    exchange = Exchange(
        community_id=community.id,
        kind=ExchangeKind.EXCHANGE,
        provider_account_id=ledger.ensure_account(provider).id,
        recipient_account_id=ledger.ensure_account(recipient).id,
        minutes=minutes,
        service_date=service_date,
        category=category,
        recorded_by_id=actor.id,
        on_behalf_of_id=on_behalf_of.user_id if on_behalf_of is not None else None,
        idempotency_key=idempotency_key,
        payload_hash=key_payload,
        listing_id=listing_id,
        created_at=now,
    )
    word_of = on_behalf_of or (provider if actor.id == provider.user_id else recipient)
    agreed = _agreed_on_record(word_of, recipient, community)
    if not agreed:
        exchange.status = S.RECORDED
        winner = insert_idempotent(exchange)
    else:
        winner = insert_idempotent(exchange, lambda: _agree_new(exchange, community, actor, now))
    if winner is not exchange:
        return winner
    add_text(exchange, TextKind.DESCRIPTION, description, author=actor)
    if exchange.status == S.RECORDED:  # the other party (or a coordinator) confirms
        other = recipient if word_of.id == provider.id else provider
        exchange_notices.ask_to_confirm(exchange, community, other_user_id=other.user_id)
    else:
        exchange_notices.tell_recorded(exchange, community, actor=actor, members=parties(exchange))
    audit.record(
        "exchange.record",
        actor=actor,
        on_behalf_of=on_behalf_of.user if on_behalf_of is not None else None,
        community_id=community.id,
        obj=exchange,
        details={"minutes": minutes, "status": exchange.status.value},
    )
    webhooks.exchange("exchange.recorded", exchange)
    return exchange


def _listing_id(listing: Listing | None, community: Community) -> int | None:
    if listing is not None and listing.community_id != community.id:
        raise InvalidInput(_l("This listing is not in this community."), field="listing")
    return listing.id if listing is not None else None


def _agreed_on_record(word_of: Membership, recipient: Membership, community: Community) -> bool:
    """Whether a new record is agreed at once (docs/consent.md): only when it is the word
    of the member whose balance goes down (the recipient, or someone acting for them) and
    the community does not ask the other party to confirm. A record for the provider
    (by themself, their proxy or a coordinator) waits for the recipient's confirmation,
    or a coordinator's decision, whatever the policy."""
    return word_of.id == recipient.id and not community.require_confirmation


def _recorder_may_record(
    actor: User,
    community: Community,
    provider: Membership,
    recipient: Membership,
    on_behalf_of: Membership | None,
) -> Membership | None:
    """A party records for themself; anyone else (a coordinator, or an appointed proxy of
    their member) records on behalf of one of the parties, by default the provider.
    Returns whom the record is made for (None: the actor is a party)."""
    if actor.id in (provider.user_id, recipient.user_id):
        if not permissions.can_record_exchange(actor, community):
            raise NotAllowed()
        if on_behalf_of is not None:
            raise InvalidInput(_l("You take part in this exchange yourself."), field="member")
        return None
    on_behalf_of = on_behalf_of or provider
    # Coordinators act for everyone; an appointed proxy only for their member.
    if not (
        permissions.can_act_for_members(actor, community)
        or permissions.is_proxy_for(actor, on_behalf_of)
    ):
        raise NotAllowed(_l("You can only record exchanges you took part in."))
    if on_behalf_of.id not in (provider.id, recipient.id):
        raise InvalidInput(_l("Choose one of the two members."), field="member")
    return on_behalf_of


def _check_record(
    community: Community,
    provider: Membership,
    recipient: Membership,
    minutes: int,
    category: str,
    service_date: date,
    now: datetime,
) -> str:
    """Two different active members of the community, whole minutes within its maximum, a
    category key and a service date not in the future. Returns the category key."""
    check_party(provider, community, field="provider")
    check_party(recipient, community, field="recipient")
    if provider.id == recipient.id:
        raise InvalidInput(_l("An exchange needs two different members."), field="member")
    check_minutes(minutes, community)
    category = check_category(category)
    if not isinstance(service_date, date) or isinstance(service_date, datetime):
        raise InvalidInput(_l("Enter the date of the service."), field="service_date")
    if service_date > now.date() + timedelta(days=1):
        raise InvalidInput(_l("The service date cannot be in the future."), field="service_date")
    return category


def approval_needed(exchange: Exchange, community: Community, movements) -> str | None:
    """The conditions that send it to approval, as stored in ``approval_reasons`` (None:
    it posts at once). The rules: ``policy.approval_reasons``."""
    reasons = policy.approval_reasons(
        community,
        minutes=exchange.minutes,
        category=exchange.category,
        breaks_limit=ledger.breaks_limits(movements),
        account_ids=[exchange.provider_account_id, exchange.recipient_account_id],
        on_behalf=exchange.on_behalf_of_id is not None,
    )
    return rules.format_conditions(reasons) or None


def _agree_new(exchange: Exchange, community: Community, actor: User, now: datetime) -> None:
    """A new, already agreed exchange: into the approval queue, or posted at once."""
    accounts = ledger.lock_balances([exchange.provider_account_id, exchange.recipient_account_id])
    reasons = approval_needed(exchange, community, ledger.movements_for(exchange, accounts))
    if reasons:
        exchange.status = S.AWAITING_APPROVAL
        exchange.approval_reasons = reasons
        db.session.add(exchange)
        db.session.flush()
        return
    exchange.status = S.POSTED
    exchange.decided_by_id, exchange.decided_at = actor.id, now
    ledger.post_new([exchange], now=now)
