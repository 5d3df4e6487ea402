"""Messages and reports in the privacy rights (DESIGN.md §8): the messages a person wrote
are part of their data download, and their text is erased with the rest of their personal
data. The privacy orchestrator (``services/privacy.py``) calls ``export`` and ``erase``
with the person's membership ids."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.orm import aliased

from timebank.extensions import db
from timebank.models import (
    Conversation,
    Listing,
    Membership,
    Message,
    OutboxMessage,
    Report,
    User,
)

# What an erased name or text becomes in the copies of other members' e-mails.
REDACTED = "…"
# Shorter texts carry no personal data worth a search of every copy (and would match words).
MIN_REDACTED_LENGTH = 3


def export(user: User, ids: list[int]) -> dict:
    """The messages ``user`` wrote (with their conversation, the other member by display
    name, the date, and who typed it when a proxy did) and the reports they made."""
    other, other_user, sender = aliased(Membership), aliased(User), aliased(User)
    counterpart_id = case(
        (Conversation.starter_id == Message.author_id, Conversation.other_id),
        else_=Conversation.starter_id,
    )
    rows = db.session.execute(
        select(Message, other_user.display_name, Listing.title, sender.display_name)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .join(other, other.id == counterpart_id)
        .join(other_user, other_user.id == other.user_id)
        .outerjoin(Listing, Listing.id == Conversation.listing_id)
        .outerjoin(sender, sender.id == Message.sent_by_id)
        .where(Message.author_id.in_(ids))
        .order_by(Message.created_at, Message.id)
    ).all()
    reports = db.session.scalars(
        select(Report).where(Report.reporter_id.in_(ids)).order_by(Report.id)
    ).all()
    return {
        "messages_written": [
            {
                "conversation_id": message.conversation_id,
                "about_listing": listing_title,
                "counterpart": counterpart_name,
                "sent_at": message.created_at.isoformat(),
                "written_by_proxy": proxy_name,
                "text": message.body,
            }
            for message, counterpart_name, listing_title, proxy_name in rows
        ],
        "reports_made": [
            {
                "target_type": report.target_type,
                "target_id": report.target_id,
                "reason": report.reason,
                "status": report.status,
                "created_at": report.created_at.isoformat(),
            }
            for report in reports
        ],
    }


def redact_outbox(ids: list[int], texts: Iterable[str | None]) -> None:
    """Replace each of ``texts`` (a name, a reason the person wrote) in the stored copies
    of e-mails to the other members of the communities of memberships ``ids`` (an exchange
    notice names who did what and why). The person's own e-mails are deleted elsewhere."""
    community_ids = select(Membership.community_id).where(Membership.id.in_(ids))
    for text in {t for t in texts if t and len(t) >= MIN_REDACTED_LENGTH}:
        db.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.community_id.in_(community_ids),
                or_(
                    OutboxMessage.subject.contains(text, autoescape=True),
                    OutboxMessage.body.contains(text, autoescape=True),
                ),
            )
            .values(
                subject=func.replace(OutboxMessage.subject, text, REDACTED),
                body=func.replace(OutboxMessage.body, text, REDACTED),
            )
            .execution_options(synchronize_session=False)
        )


def erase(user: User, ids: list[int]) -> None:
    """Empty the text of every message ``user`` wrote (the other member then sees
    "(erased)") and of every report they made; the rows stay, holding ids only. Their
    name is taken out of the copies of other members' e-mails."""
    if not ids:
        return
    redact_outbox(ids, [user.display_name])
    db.session.execute(
        update(Message)
        .where(Message.author_id.in_(ids))
        .values(body=None)
        .execution_options(synchronize_session="fetch")
    )
    db.session.execute(
        update(Report)
        .where(Report.reporter_id.in_(ids))
        .values(reason=None)
        .execution_options(synchronize_session="fetch")
    )
