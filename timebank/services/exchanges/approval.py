"""A coordinator's approval of a pending exchange: the ledger's hot path (DESIGN.md §10:
posting at ≥ 0.5 of the raw driver's rate for the same statements).

Prepared Core statements (``services/prepared.py``: compiled once, run on the driver's cursor)
on the session's connection, given ids, with no ORM object loaded: one read of the
exchange, the actor, the community, the actor's membership there, the category's names
and whether any webhook endpoint listens; one read of the parties with their users and
e-mail preferences; then the posting itself (``ledger.post``: lock, limits,
compare-and-set, balances, entries, the metrics stamp, the last-exchange read model), the
parties' notifications and e-mails (``notifications.notify_all``, with the notice rendered
once per language) and one audit event. The rules are those of ``lifecycle.approve``,
which calls this (and ``lifecycle.approve_by_id``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, and_, bindparam, exists, false, func, select
from sqlalchemy.orm.attributes import set_committed_value

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
from timebank.services import audit
from timebank.services.exceptions import AlreadyDecided, NotAllowed, NotFound
from timebank.services.exchanges import notices
from timebank.services.ledger import checks, rules
from timebank.services.ledger import posting as ledger
from timebank.services.messaging import notifications
from timebank.services.prepared import Prepared
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


_INT = Integer()
_DECLINED = exists().where(
    NotificationPreference.user_id == User.id,
    NotificationPreference.kind == KIND,
    NotificationPreference.email.is_(false()),
)
# One read for everything the decision needs before the posting: the exchange, the actor
# (by id: no ``User`` loaded), the community, the actor's membership there, the category's
# names and whether any webhook endpoint listens.
_READ = Prepared(
    select(
        Exchange.id,
        Exchange.community_id,
        Exchange.status,
        Exchange.provider_account_id,
        Exchange.recipient_account_id,
        Exchange.minutes,
        Exchange.service_date,
        Exchange.category,
        Exchange.recorded_by_id,
        User.display_name.label("actor_name"),
        User.is_admin.label("actor_admin"),
        User.is_disabled.label("actor_disabled"),
        Community.slug,
        Community.name,
        Community.name_ar,
        Community.locale,
        Membership.role,
        Membership.status.label("actor_status"),
        Category.name_en.label("category_en"),
        Category.name_ar.label("category_ar"),
        select(func.count())
        .where(
            WebhookEndpoint.community_id == Exchange.community_id,
            WebhookEndpoint.revoked_at.is_(None),
        )
        .scalar_subquery()
        .label("endpoints"),
    )  # fmt: skip
    .select_from(Exchange)
    .join(Community, Community.id == Exchange.community_id)
    .join(User, User.id == bindparam("actor", type_=_INT))
    .outerjoin(
        Membership,
        and_(Membership.community_id == Exchange.community_id, Membership.user_id == User.id),
    )
    .outerjoin(
        Category,
        and_(Category.community_id == Exchange.community_id, Category.key == Exchange.category),
    )
    .where(Exchange.id == bindparam("exchange", type_=_INT))
)
# The parties (memberships behind the two accounts; none for the pot) with what telling
# them needs. ``id`` is the user's: a row is a ``notifications.Recipient``.
_PARTIES = Prepared(
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
    .where(Account.id.in_([bindparam("provider", type_=_INT), bindparam("recipient", type_=_INT)]))
    .order_by(Membership.user_id)
)
# The recorder, told too when not a party (a coordinator recorded it for a member).
_USER = Prepared(
    select(User.id, User.display_name, User.email, User.locale, _DECLINED.label("declined")).where(
        User.id == bindparam("user", type_=_INT)
    )
)


def _may_decide(row: Any, actor_id: int, party_ids: set[int]) -> bool:
    """``permissions.can_decide_as_coordinator`` on the row just read: an installation
    admin, or an active coordinator of the community, who is not a party."""
    if actor_id in party_ids:
        return False
    coordinator = row.actor_status == MembershipStatus.ACTIVE and row.role in _COORDINATING
    return bool(row.actor_admin and not row.actor_disabled) or coordinator


def approve(
    exchange_id: int, *, actor_id: int, now: datetime, community_id: int | None = None
) -> dict[str, Any]:
    """Post exchange ``exchange_id`` as approved by user ``actor_id``; see
    ``lifecycle.approve`` for the rules and the exceptions (``NotFound`` when there is no
    such exchange, in ``community_id`` when given; ``NotAllowed``, ``AlreadyDecided``,
    ``InvalidInput``, ``LimitExceeded``). Returns the exchange's changed columns. Nothing
    is written before every check has passed, except by ``ledger.post``, whose
    compare-and-set and limits run under the accounts' locks."""
    connection = db.session.connection()
    row = _READ.one(connection, {"exchange": exchange_id, "actor": actor_id})
    if row is None or community_id not in (None, row.community_id):
        raise NotFound()
    members = _PARTIES.all(
        connection,
        {"provider": row.provider_account_id, "recipient": row.recipient_account_id},
    )
    if not _may_decide(row, actor_id, {m.id for m in members}):
        raise NotAllowed()
    if row.status != ExchangeStatus.AWAITING_APPROVAL:
        raise AlreadyDecided()
    for member in members:
        checks.check_party_of(member, row.community_id, field="member")
    values = {"decided_by_id": actor_id, "decided_at": now}
    changed = ledger.post(row, rules.Event.APPROVE, values=values, now=now)
    where = Where(row.community_id, row.slug, row.name, row.name_ar, row.locale)
    _tell(row, where, members, actor_id=actor_id, now=now)
    audit.append(
        "exchange.approve",
        actor_id=actor_id,
        community_id=row.community_id,
        object_type="exchanges",
        object_id=exchange_id,
    )
    if row.endpoints:
        webhooks.exchange("exchange.approved", _loaded(exchange_id, changed))
    return changed


def _loaded(exchange_id: int, changed: dict[str, Any]) -> Exchange:
    """The exchange as an ORM object with the posting's changes (a webhook payload)."""
    exchange = db.session.get_one(Exchange, exchange_id)
    for key, value in changed.items():
        set_committed_value(exchange, key, value)
    return exchange


def _tell(row: Any, where: Where, members: Sequence[Any], *, actor_id: int, now: datetime) -> None:
    """``exchange_decided`` for the parties and the recorder, except the actor: the notice
    of ``notices.describe`` built from the rows already read (no ``facts_for``)."""
    told = {m.id: m for m in members}
    recorder = row.recorded_by_id
    if recorder not in told and recorder != actor_id:
        found = _USER.one(db.session.connection(), {"user": recorder})
        if found is not None:
            told[recorder] = found
    told.pop(actor_id, None)
    if not told:
        return
    names = {m.account_id: m.display_name for m in members}
    facts = notices.Facts(
        exchange_id=row.id,
        community_id=row.community_id,
        status=ExchangeStatus.POSTED,
        minutes=row.minutes,
        service_date=row.service_date,
        category=row.category,
        category_names=(
            (row.category_en, row.category_ar)
            if row.category_en is not None
            else (row.category, row.category)
        ),
        provider=names.get(row.provider_account_id, ""),
        recipient=names.get(row.recipient_account_id, ""),
        party_user_ids=frozenset(m.id for m in members),
        recorded_by="",  # not read by a decided notice
        confirmed_by="",
        decided_by=row.actor_name,
        decided_by_id=actor_id,
        decided_at=now,
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
        object_id=row.id,
        subject=subject,
        body=body,
        declined={r.id for r in recipients if r.declined},
    )
