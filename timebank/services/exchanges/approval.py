"""A coordinator's approval of a pending exchange: the ledger's hot path (DESIGN.md §10:
posting at ≥ 0.5 of the raw driver's rate for the same statements).

Written as prepared Core statements on the session's connection, with no ORM object
loaded: one read of the community, the actor's membership there, the category's names and
whether any webhook endpoint listens; one read of the parties with their users and e-mail
preferences; then the posting itself (``ledger.post``: lock, limits, compare-and-set,
balances, entries, the metrics stamp, the last-exchange read model), the parties'
notifications and e-mails (``notifications.notify_all``, with the notice rendered once per
language) and one audit event. The rules are those of ``lifecycle.approve``, which calls
this."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, exists, false, func, select

from timebank.extensions import db
from timebank.models import (
    Account,
    Category,
    Community,
    Exchange,
    ExchangeStatus,
    Membership,
    MembershipStatus,
    NotificationPreference,
    Role,
    User,
    WebhookEndpoint,
)
from timebank.services import audit, permissions
from timebank.services.exceptions import AlreadyDecided, NotAllowed
from timebank.services.exchanges import notices
from timebank.services.ledger import checks, rules
from timebank.services.ledger import posting as ledger
from timebank.services.messaging import notifications
from timebank.services.webhooks import events as webhooks

KIND = "exchange_decided"
_COORDINATING = (Role.COORDINATOR, Role.ADMIN)


@dataclass(frozen=True)
class Where:
    """The community, as ``notifications.notify_all`` and the e-mail need it."""

    id: int
    slug: str
    name: str
    name_ar: str | None
    locale: str

    def display_name(self, locale: str) -> str:
        """As ``Community.display_name``."""
        return self.name_ar if locale == "ar" and self.name_ar else self.name


_DECLINED = exists().where(
    NotificationPreference.user_id == User.id,
    NotificationPreference.kind == KIND,
    NotificationPreference.email.is_(false()),
)
_CONTEXT = (
    select(
        Community.slug,
        Community.name,
        Community.name_ar,
        Community.locale,
        Membership.role,
        Membership.status,
        Category.name_en.label("category_en"),
        Category.name_ar.label("category_ar"),
        select(func.count())
        .where(
            WebhookEndpoint.community_id == Community.id,
            WebhookEndpoint.revoked_at.is_(None),
        )
        .scalar_subquery()
        .label("endpoints"),
    )  # fmt: skip
    .select_from(Community)
    .outerjoin(
        Membership,
        and_(Membership.community_id == Community.id, Membership.user_id == bindparam("actor")),
    )
    .outerjoin(
        Category,
        and_(Category.community_id == Community.id, Category.key == bindparam("category")),
    )
    .where(Community.id == bindparam("community"))
)
# The parties (memberships behind the two accounts; none for the pot) with what telling
# them needs. ``id`` is the user's: a row is a ``notifications.Recipient``.
_PARTIES = (
    select(
        Account.id.label("account_id"),
        Membership.user_id.label("id"),
        Membership.community_id,
        Membership.status,
        User.display_name,
        User.email,
        User.locale,
        _DECLINED.label("declined"),
    )  # fmt: skip
    .join(Membership, Membership.id == Account.membership_id)
    .join(User, User.id == Membership.user_id)
    .where(Account.id.in_([bindparam("provider"), bindparam("recipient")]))
    .order_by(Membership.user_id)
)
# The recorder, told too when not a party (a coordinator recorded it for a member).
_USER = select(
    User.id, User.display_name, User.email, User.locale, _DECLINED.label("declined")
).where(User.id == bindparam("user"))


def _may_decide(actor: Any, role: Role | None, status: Any, party_ids: set[int]) -> bool:
    """``permissions.can_decide_as_coordinator`` on the membership row just read: an
    installation admin, or an active coordinator of the community, who is not a party."""
    if actor is None or not actor.is_authenticated or actor.id in party_ids:
        return False
    coordinator = status == MembershipStatus.ACTIVE and role in _COORDINATING
    return permissions.is_site_admin(actor) or coordinator


def approve(exchange: Exchange, *, actor: Any, now: datetime) -> None:
    """Post ``exchange`` as approved by ``actor``; see ``lifecycle.approve`` for the rules
    and the exceptions (``NotAllowed``, ``AlreadyDecided``, ``InvalidInput``,
    ``LimitExceeded``). Nothing is written before every check has passed, except by
    ``ledger.post``, whose compare-and-set and limits run under the accounts' locks."""
    connection = db.session.connection()
    context = connection.execute(
        _CONTEXT,
        {"community": exchange.community_id, "actor": actor.id, "category": exchange.category},
    ).one()
    members = connection.execute(
        _PARTIES,
        {"provider": exchange.provider_account_id, "recipient": exchange.recipient_account_id},
    ).all()
    if not _may_decide(actor, context.role, context.status, {m.id for m in members}):
        raise NotAllowed()
    if exchange.status != ExchangeStatus.AWAITING_APPROVAL:
        raise AlreadyDecided()
    for member in members:
        checks.check_party_of(member, exchange.community_id, field="member")
    values = {"decided_by_id": actor.id, "decided_at": now}
    ledger.post(exchange, rules.Event.APPROVE, values=values, now=now)
    where = Where(
        exchange.community_id, context.slug, context.name, context.name_ar, context.locale
    )
    _tell(exchange, where, context, members, actor=actor)
    audit.append(
        "exchange.approve",
        actor_id=actor.id,
        community_id=exchange.community_id,
        object_type="exchanges",
        object_id=exchange.id,
    )
    if context.endpoints:
        webhooks.exchange("exchange.approved", exchange)


def _tell(
    exchange: Exchange, where: Where, context: Any, members: Sequence[Any], *, actor: Any
) -> None:
    """``exchange_decided`` for the parties and the recorder, except the actor: the notice
    of ``notices.describe`` built from the rows already read (no ``facts_for``)."""
    told = {m.id: m for m in members}
    recorder = exchange.recorded_by_id
    if recorder not in told and recorder != actor.id:
        found = db.session.connection().execute(_USER, {"user": recorder}).first()
        if found is not None:
            told[recorder] = found
    told.pop(actor.id, None)
    if not told:
        return
    names = {m.account_id: m.display_name for m in members}
    facts = notices.Facts(
        exchange_id=exchange.id,
        community_id=exchange.community_id,
        status=exchange.status,
        minutes=exchange.minutes,
        service_date=exchange.service_date,
        category=exchange.category,
        category_names=(
            (context.category_en, context.category_ar)
            if context.category_en is not None
            else (exchange.category, exchange.category)
        ),
        provider=names.get(exchange.provider_account_id, ""),
        recipient=names.get(exchange.recipient_account_id, ""),
        party_user_ids=frozenset(m.id for m in members),
        recorded_by="",  # not read by a decided notice
        confirmed_by="",
        decided_by=actor.display_name,
        decided_by_id=actor.id,
        decided_at=exchange.decided_at,
        rejection=None,
        reversed_by="",
        reversed_at=None,
        reversal_reason=None,
    )
    subject, body = notices.letter_texts(KIND, facts, where.display_name)
    recipients = [told[user_id] for user_id in sorted(told)]
    notifications.notify_all(
        recipients,
        KIND,
        community=where,
        object_type="exchanges",
        object_id=exchange.id,
        subject=subject,
        body=body,
        declined={r.id for r in recipients if r.declined},
    )
