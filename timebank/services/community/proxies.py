"""Proxies: a coordinator appoints a trusted member (or a coordinator) to act for a member
without internet. Proxies record and confirm exchanges and post listings for that member
(the ledger and listing services check ``permissions.can_act_for``); every such action
is marked "by X on behalf of Y" in the record and in the audit event. A proxy also reads
the member's conversations (each reading audited) and replies for them through
``conversations.send(..., on_behalf_of=member)``."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from timebank.extensions import db
from timebank.models import Conversation, Membership, MembershipStatus, Proxy, User, utcnow
from timebank.services import audit, permissions
from timebank.services.exceptions import InvalidInput, NotAllowed, NotFound


def appoint(member: Membership, proxy: Membership, *, actor: User) -> Proxy:
    """A coordinator appoints ``proxy`` for ``member`` (both active members of the same
    community, different people, not already appointed). Raises ``NotAllowed`` or
    ``InvalidInput``. Audit: ``proxy.appoint``."""
    community = member.community
    if not permissions.can_manage_members(actor, community):
        raise NotAllowed()
    if proxy.community_id != community.id or not proxy.is_active:
        raise InvalidInput(_l("Choose an active member of this community."), field="proxy")
    if not member.is_active:
        raise InvalidInput(_l("Only an active member can have a proxy."), field="proxy")
    if proxy.id == member.id:
        raise InvalidInput(_l("A member cannot be their own proxy."), field="proxy")
    if current(member, proxy) is not None:
        raise InvalidInput(_l("This person is already a proxy for this member."), field="proxy")
    appointment = Proxy(
        community_id=community.id, member_id=member.id, proxy_id=proxy.id, appointed_by_id=actor.id
    )
    db.session.add(appointment)
    db.session.flush()
    audit.record(
        "proxy.appoint",
        actor=actor,
        community_id=community.id,
        obj=appointment,
        details={"member_id": member.id, "proxy_id": proxy.id},
    )
    return appointment


def end(appointment: Proxy, *, actor: User, now: datetime | None = None) -> Proxy:
    """A coordinator ends an appointment. Audit: ``proxy.end``."""
    member = db.session.get_one(Membership, appointment.member_id)
    if not permissions.can_manage_members(actor, member.community):
        raise NotAllowed()
    if appointment.ended_at is not None:
        raise InvalidInput(_l("This appointment has already ended."))
    appointment.ended_at = now or utcnow()
    db.session.flush()
    audit.record("proxy.end", actor=actor, community_id=member.community_id, obj=appointment)
    return appointment


def current(member: Membership, proxy: Membership) -> Proxy | None:
    return db.session.scalar(
        select(Proxy).where(
            Proxy.member_id == member.id, Proxy.proxy_id == proxy.id, Proxy.ended_at.is_(None)
        )
    )


def proxies_of(member: Membership) -> list[Proxy]:
    """Current appointments for ``member``, oldest first."""
    return list(
        db.session.scalars(
            select(Proxy)
            .where(Proxy.member_id == member.id, Proxy.ended_at.is_(None))
            .order_by(Proxy.id)
        )
    )


def members_of(proxy_user: User, community_id: int) -> list[Membership]:
    """The active members ``proxy_user`` currently acts for in a community."""
    own = proxy_user.membership_in(community_id)
    if own is None or not own.is_active:
        return []
    return list(
        db.session.scalars(
            select(Membership)
            .join(Proxy, Proxy.member_id == Membership.id)
            .options(joinedload(Membership.user))
            .where(
                Proxy.proxy_id == own.id,
                Proxy.ended_at.is_(None),
                Membership.status == MembershipStatus.ACTIVE,
            )
            .order_by(Membership.member_number)
        )
    )


def conversation_for(member: Membership, conversation_id: int, *, actor: User) -> Conversation:
    """One of ``member``'s conversations, for their current proxy only (coordinators read
    members' conversations only once opened to them, as anyone else). Raises
    ``NotAllowed`` when ``actor`` is not their proxy, ``NotFound`` when the conversation
    is not the member's."""
    if not permissions.is_proxy_for(actor, member):
        raise NotAllowed()
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None or member.id not in (conversation.starter_id, conversation.other_id):
        raise NotFound()
    return conversation


def record_reading(conversation: Conversation, member: Membership, *, actor: User) -> None:
    """A proxy opened the member's conversation: private words read by a third person are
    accounted for. Audit: ``conversation.read`` on behalf of the member."""
    audit.record(
        "conversation.read",
        actor=actor,
        community_id=conversation.community_id,
        obj=conversation,
        on_behalf_of=member.user,
    )
