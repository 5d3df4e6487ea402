"""Private conversations between two members of one community, started by responding to
a listing ("I can help" / "I'd like this") or from a profile; reports to coordinators.

Only the two members read a conversation; coordinators may read it once it is opened to
them — when either member reports it (or one of its messages), or a concern is raised."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Row, Select, and_, func, or_, select
from sqlalchemy.orm import aliased

from timebank.extensions import MAX_PAGE, db
from timebank.models import (
    Community,
    Conversation,
    Listing,
    ListingStatus,
    Membership,
    Message,
    Report,
    User,
    utcnow,
)
from timebank.services import audit, permissions
from timebank.services.exceptions import InvalidInput, NotAllowed, NotFound
from timebank.services.messaging import notifications, titles
from timebank.services.paging import Page

# The messages people wrote join their data download and are erased with their data.

MAX_MESSAGE = 4000
MAX_REASON = 1000
REPORT_TARGETS = ("listing", "message", "member", "conversation")


def _body(text: str | None, *, limit: int, field: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_l("Write a message."), field=field)
    if len(text) > limit:
        raise InvalidInput(_l("Use at most %(n)d characters.", n=limit), field=field)
    return text


def _active_membership(actor: User, community: Community) -> Membership:
    membership = permissions.membership_of(actor, community)
    if membership is None or not membership.is_active:
        raise NotAllowed()
    return membership


def respond(listing: Listing, *, actor: User, body: str) -> Conversation:
    """Start (or continue) the conversation about ``listing`` with its owner."""
    community = listing.community
    starter = _active_membership(actor, community)
    if listing.owner_id == starter.id:
        raise InvalidInput(_l("This is your own listing."), field="body")
    if listing.status != ListingStatus.ACTIVE or not listing.owner.is_active:
        raise InvalidInput(_l("This listing is no longer open."), field="body")
    text = _body(body, limit=MAX_MESSAGE, field="body")
    conversation = db.session.scalar(
        select(Conversation).where(
            Conversation.listing_id == listing.id, Conversation.starter_id == starter.id
        )
    )
    if conversation is None:
        conversation = Conversation(
            community_id=community.id,
            starter_id=starter.id,
            other_id=listing.owner_id,
            listing_id=listing.id,
        )
        db.session.add(conversation)
        db.session.flush()
    _add_message(conversation, starter, text)
    titles.notify(
        [listing.owner.user], "response", community=community, object_type="conversations",
        object_id=conversation.id,
    )  # fmt: skip
    audit.record("conversation.respond", actor=actor, community_id=community.id, obj=conversation)
    return conversation


def _add_message(
    conversation: Conversation, author: Membership, text: str, *, sent_by: User | None = None
) -> Message:
    now = utcnow()
    message = Message(
        conversation_id=conversation.id,
        author_id=author.id,
        body=text,
        sent_by_id=sent_by.id if sent_by is not None else None,
        created_at=now,
    )
    conversation.last_message_at = now
    db.session.add(message)
    db.session.flush()
    return message


def send(
    conversation: Conversation,
    *,
    actor: User,
    body: str,
    on_behalf_of: Membership | None = None,
) -> Message:
    """One of the two members writes — or their current proxy writes for them
    (``on_behalf_of``: the message is theirs, marked as sent by the proxy, and so is the
    audit event). Both members must still be active in the community. Raises
    ``NotAllowed`` or ``InvalidInput``. Audit: ``conversation.message``."""
    community = db.session.get_one(Community, conversation.community_id)
    if on_behalf_of is None:
        author = _active_membership(actor, community)
    elif permissions.is_proxy_for(actor, on_behalf_of):
        author = on_behalf_of
    else:
        raise NotAllowed()
    if author.id not in (conversation.starter_id, conversation.other_id):
        raise NotAllowed()
    other = db.session.get_one(
        Membership,
        conversation.other_id if author.id == conversation.starter_id else conversation.starter_id,
    )
    if other.community_id != community.id or not other.is_active:
        raise InvalidInput(_l("This member is no longer active in the community."), field="body")
    text = _body(body, limit=MAX_MESSAGE, field="body")
    proxy = actor if on_behalf_of is not None else None
    message = _add_message(conversation, author, text, sent_by=proxy)
    notifications.notify(
        other.user, "message", community=community, object_type="conversations",
        object_id=conversation.id,
    )  # fmt: skip
    audit.record(
        "conversation.message", actor=actor, community_id=community.id, obj=message,
        on_behalf_of=author.user if proxy is not None else None,
    )  # fmt: skip
    return message


def counterpart(conversation: Conversation, user: User) -> Membership:
    starter = db.session.get_one(Membership, conversation.starter_id)
    if starter.user_id == user.id:
        return db.session.get_one(Membership, conversation.other_id)
    return starter


def conversations_query(membership: Membership):
    """The member's conversations, newest first, with the other member and the listing."""
    starter, other = aliased(Membership), aliased(Membership)
    starter_user, other_user = aliased(User), aliased(User)
    return (
        select(Conversation, starter_user.display_name, other_user.display_name, Listing.title)
        .join(starter, starter.id == Conversation.starter_id)
        .join(starter_user, starter_user.id == starter.user_id)
        .join(other, other.id == Conversation.other_id)
        .join(other_user, other_user.id == other.user_id)
        .outerjoin(Listing, Listing.id == Conversation.listing_id)
        .where(
            or_(Conversation.starter_id == membership.id, Conversation.other_id == membership.id)
        )
        .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
    )


def conversations_page(membership: Membership, *, page: int, per_page: int) -> Page:
    """One page of the member's conversations: rows of (conversation, starter's name,
    other member's name, listing title), newest first."""
    return _page(conversations_query(membership), page, per_page)


def messages_query(conversation: Conversation):
    """(message, author's name, author's user id, the proxy's name when a proxy wrote it)."""
    sender = aliased(User)
    return (
        select(Message, User.display_name, Membership.user_id, sender.display_name)
        .join(Membership, Membership.id == Message.author_id)
        .join(User, User.id == Membership.user_id)
        .outerjoin(sender, sender.id == Message.sent_by_id)
        .where(Message.conversation_id == conversation.id)
        .order_by(Message.created_at, Message.id)
    )


def messages(conversation: Conversation) -> list[Row[Any]]:
    """The conversation's messages, oldest first, as rows of ``messages_query``."""
    return list(db.session.execute(messages_query(conversation)).all())


def reportable(community: Community, actor: User, target_type: str, target_id: int) -> bool:
    """Whether ``actor`` may report this target: an active member who can see it (what
    ``report`` checks before it looks at the reason)."""
    reporter = permissions.membership_of(actor, community)
    if reporter is None or not reporter.is_active or target_type not in REPORT_TARGETS:
        return False
    return _report_target(community, target_type, target_id, reporter)[0]


def _report_target(community: Community, target_type: str, target_id: int, reporter: Membership):
    """The reported object, if the reporter may see it; the conversation it opens."""
    if target_type == "listing":
        target = db.session.get(Listing, target_id)
        ok = target is not None and target.community_id == community.id
        return ok, None
    if target_type == "member":
        member = db.session.get(Membership, target_id)
        return member is not None and member.community_id == community.id, None
    if target_type == "message":
        message = db.session.get(Message, target_id)
        conversation = (
            db.session.get_one(Conversation, message.conversation_id) if message else None
        )
    else:
        conversation = db.session.get(Conversation, target_id)
    ok = conversation is not None and reporter.id in (
        conversation.starter_id,
        conversation.other_id,
    )
    return ok, conversation


def report(
    community: Community, *, actor: User, target_type: str, target_id: int, reason: str
) -> Report:
    """A member reports a listing, message, member or conversation to the coordinators.
    Reporting a message or conversation opens that conversation to them."""
    reporter = _active_membership(actor, community)
    if target_type not in REPORT_TARGETS:
        raise NotFound()
    ok, conversation = _report_target(community, target_type, target_id, reporter)
    if not ok:
        raise NotFound()
    text = _body(reason, limit=MAX_REASON, field="reason")
    entry = Report(
        community_id=community.id,
        reporter_id=reporter.id,
        target_type=target_type,
        target_id=target_id,
        reason=text,
    )
    db.session.add(entry)
    if conversation is not None and conversation.opened_to_coordinators_at is None:
        conversation.opened_to_coordinators_at = utcnow()
    db.session.flush()
    notifications.notify_coordinators(
        community, "report", object_type="reports", object_id=entry.id
    )
    audit.record(
        "report.create",
        actor=actor,
        community_id=community.id,
        obj=entry,
        details={"target_type": target_type, "target_id": target_id},
    )
    return entry


def reports_query(community: Community):
    return (
        select(Report, User.display_name)
        .join(Membership, Membership.id == Report.reporter_id)
        .join(User, User.id == Membership.user_id)
        .where(Report.community_id == community.id)
        .order_by(Report.status.desc(), Report.created_at.desc(), Report.id.desc())
    )


def reports_page(community: Community, *, page: int, per_page: int) -> Page:
    """One page of the community's reports, open ones first, as rows of (report,
    reporter's name)."""
    return _page(reports_query(community), page, per_page)


def _page(query: Select, page: int, per_page: int) -> Page:
    """Page ``page`` (clamped to 1..``MAX_PAGE``, as ``db.paginate`` does) of a select of
    several columns."""
    page = min(max(page, 1), MAX_PAGE)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items=list(rows), page=page, per_page=per_page, total=total or 0)


def close_report(entry: Report, *, actor: User) -> Report:
    community = db.session.get_one(Community, entry.community_id)
    if not permissions.can_manage_members(actor, community):
        raise NotAllowed()
    entry.status = "closed"
    db.session.flush()
    audit.record("report.close", actor=actor, community_id=community.id, obj=entry)
    return entry


def open_to_coordinators(conversations: list[Conversation]) -> None:
    """Used when a concern is raised about the people in these conversations."""
    now = utcnow()
    for conversation in conversations:
        if conversation.opened_to_coordinators_at is None:
            conversation.opened_to_coordinators_at = now
    db.session.flush()


def between(a: Membership, b: Membership) -> list[Conversation]:
    return list(
        db.session.scalars(
            select(Conversation).where(
                or_(
                    and_(Conversation.starter_id == a.id, Conversation.other_id == b.id),
                    and_(Conversation.starter_id == b.id, Conversation.other_id == a.id),
                )
            )
        )
    )
