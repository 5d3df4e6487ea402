"""Helpers for the job tests: write a message, end a backoff, read a message's state."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import update

from timebank.database import transaction
from timebank.extensions import db
from timebank.models import OutboxMessage, utcnow
from timebank.services.messaging import mail


def write_mail(user, subject: str = "Hello") -> int:
    """Queue one message in its own transaction (whose commit hands it to ``send_mail``)."""
    db.session.commit()

    def work() -> int:
        message = mail.queue(user, subject, "Body")
        assert message is not None
        db.session.flush()
        return message.id

    return transaction(work)


def backoff_over() -> None:
    """Pretend the wait before the next attempt (or a dead worker's lease) has run out."""
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.next_attempt_at.is_not(None))
        .values(next_attempt_at=utcnow())
    )
    db.session.commit()


def message(message_id: int) -> SimpleNamespace:
    """A message's state now, read in a transaction that is over (so a job may write)."""
    db.session.expire_all()
    row = db.session.get_one(OutboxMessage, message_id)
    state = SimpleNamespace(
        **{key: getattr(row, key) for key in ("attempts", "next_attempt_at", "sent_at", "error")}
    )
    db.session.commit()
    return state


def outbox_message_for(world) -> OutboxMessage:
    """A given-up message to a member of the walk's community (the access tests' retry)."""
    message = OutboxMessage(
        community_id=world.community.id, to_address="someone@example.org", subject="Hello",
        body="Body", attempts=5, error="SMTPServerDisconnected",
    )  # fmt: skip
    db.session.add(message)
    db.session.commit()
    return message
