"""Outgoing mail. Every message is stored in the outbox first (readable in the app by
coordinators and admins); the ``send_mail`` job sends it over SMTP when SMTP is set,
retrying a failed send with exponential backoff and giving up after ``MAIL_MAX_ATTEMPTS``
(the outbox page lists what was given up).

Writing a message marks the session (``PENDING``); ``database.transaction`` hands the mail
to the job runner after a commit that wrote mail, which is the only place delivery starts
(a test keeps it so)."""

from __future__ import annotations

import logging
import smtplib
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any, Protocol, cast

from flask import current_app
from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.engine import CursorResult

from timebank.extensions import db
from timebank.models import OutboxMessage, User, utcnow

log = logging.getLogger(__name__)


class Addressee(Protocol):
    """Whom a letter is for: a ``User``, or a row with its id and address."""

    @property
    def id(self) -> int: ...

    @property
    def email(self) -> str | None: ...


# The address the request being served reached the site at, for installations without
# ``PUBLIC_URL`` (development): the web layer sets it (``web.init_app``), after Flask has
# refused any Host outside ``TRUSTED_HOSTS``, so a service needs no request for a link.
site_address: ContextVar[str] = ContextVar("site_address", default="")
# Set in ``db.session.info`` when the transaction writes mail to deliver after its commit.
PENDING = "timebank.mail_pending"
# The job runner's dispatcher in ``app.extensions`` (``timebank.jobs.runner.init_app``):
# the mail service hands work to it without importing the job layer.
DISPATCH = "timebank.jobs"
# How long a claimed message is held for the attempt under way; a worker killed mid-send
# leaves its claim to run out, and the message is due again.
LEASE = timedelta(minutes=5)


def queue(
    recipient: User, subject: str, body: str, *, community_id: int | None = None
) -> OutboxMessage | None:
    """Store a message for ``recipient`` (no-op for a member without an e-mail address).
    It is written at the next flush, with the rest of the transaction's new rows."""
    if not recipient.email:
        return None
    message = OutboxMessage(
        **letter(recipient, subject, body, community_id=community_id, now=utcnow())
    )
    db.session.add(message)
    return message


def address(path: str) -> str:
    """A link for an e-mail: a path of the site made absolute with ``PUBLIC_URL``, the
    one trusted origin (required in production), whatever Host header the request being
    served carried. Without ``PUBLIC_URL`` (development, tests) the address of the
    request being served (``site_address``, set by the web layer; only loopback names and
    ``EXTRA_HOSTS`` are answered then), or the path as it is outside a request. A link
    that is absolute already is left as it is."""
    if not path.startswith("/"):
        return path
    base = current_app.config.get("PUBLIC_URL") or site_address.get()
    return base.rstrip("/") + path if base else path


def letter(
    recipient: Addressee, subject: str, body: str, *, community_id: int | None, now: datetime
) -> dict:
    """An outbox row for a multi-row insert (``queue`` for many at once); the recipient
    has an e-mail address. Marks the transaction as having mail to deliver."""
    db.session.info[PENDING] = True
    return {"recipient_id": recipient.id, "to_address": recipient.email,
            "subject": str(subject)[:200], "body": str(body), "community_id": community_id,
            "created_at": now}  # fmt: skip


def deliver_pending() -> None:
    """Hand the committed mail to the job runner (``timebank.jobs``): queued on Redis for a
    worker, or, with no queue configured, sent in this process once the response has gone
    out. Called by ``database.transaction`` after a commit that wrote mail (and by nothing
    else), never inside a service; it never waits on SMTP itself."""
    current_app.extensions[DISPATCH]("send_mail")


@dataclass(frozen=True)
class Envelope:
    """One claimed message, detached from the session (sending happens between two
    transactions)."""

    id: int
    to_address: str
    subject: str
    body: str
    attempts: int


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.error.is_(None),
        or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
    )


def backlog() -> tuple[int, int]:
    """(waiting, given up): mail not sent yet that will be tried, and mail given up after
    its last attempt (the partial index ``ix_outbox_messages_unsent`` serves both)."""
    rows = db.session.execute(
        select(OutboxMessage.error.is_(None), func.count())
        .where(OutboxMessage.sent_at.is_(None))
        .group_by(OutboxMessage.error.is_(None))
    ).all()
    counts = {bool(waiting): int(count) for waiting, count in rows}
    return counts.get(True, 0), counts.get(False, 0)


def claim_due(*, now: datetime, limit: int = 20) -> list[Envelope]:
    """Claim up to ``limit`` messages that are due (never sent, not given up, no attempt
    running or backoff pending): each claim is a compare-and-set that counts the attempt
    and holds the message for ``LEASE``, so two workers — or one job run twice — never
    send the same message twice. A worker killed mid-send leaves the lease to run out;
    the message is then due again (sent twice only if it died between the SMTP server's
    acceptance and the commit that records it)."""
    rows = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.attempts)
        .where(_due(now))
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    claimed = []
    for message_id, attempts in rows:
        claim = (
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.attempts == attempts, _due(now))
            .values(attempts=attempts + 1, next_attempt_at=now + LEASE)
        )
        # ``database.changed``'s rowcount, here directly: the database module imports this one.
        if cast("CursorResult[Any]", db.session.execute(claim)).rowcount == 1:
            message = db.session.get_one(OutboxMessage, message_id)
            db.session.refresh(message)
            claimed.append(
                Envelope(message.id, message.to_address, message.subject, message.body,
                         message.attempts)
            )  # fmt: skip
    return claimed


def backoff(attempts: int) -> timedelta:
    """The wait before the next attempt after ``attempts`` failed ones: ``MAIL_RETRY_SECONDS``
    doubled after each failure (1, 2, 4, 8… times), at most a day."""
    first = int(current_app.config.get("MAIL_RETRY_SECONDS", 60))
    return min(timedelta(seconds=first * 2 ** max(attempts - 1, 0)), timedelta(days=1))


def record_attempt(envelope: Envelope, error: str | None, *, now: datetime) -> timedelta | None:
    """Record how a claimed message's attempt went: sent; or failed, to be tried again
    after ``backoff`` (returned); or failed for the last time (``MAIL_MAX_ATTEMPTS``),
    given up with its reason, which the outbox page shows."""
    message = db.session.get_one(OutboxMessage, envelope.id)
    if message.sent_at is not None:
        return None
    if error is None:
        message.sent_at, message.next_attempt_at = now, None
        return None
    if envelope.attempts >= int(current_app.config.get("MAIL_MAX_ATTEMPTS", 5)):
        message.error, message.next_attempt_at = error[:200], None
        log.warning("mail #%d given up after %d attempts: %s", message.id, envelope.attempts,
                    error)  # fmt: skip
        return None
    wait = backoff(envelope.attempts)
    message.next_attempt_at = now + wait
    log.info("mail #%d could not be sent (%s); next attempt in %s", message.id, error, wait)
    return wait


def send(envelope: Envelope) -> str | None:
    """Hand one message to the SMTP server (``MAIL_SERVER``); None when it was accepted,
    else what went wrong. Outside any transaction: a slow server holds no lock."""
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_SENDER"]
    email["To"] = envelope.to_address
    email["Subject"] = envelope.subject
    email.set_content(envelope.body)
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(email)
    except (OSError, smtplib.SMTPException) as exc:
        return f"{type(exc).__name__}: {exc}"[:200]
    return None


def retry(message: OutboxMessage) -> bool:
    """Give a message that was given up a fresh set of attempts (a coordinator's "try
    again" from the outbox page); the commit hands it to ``send_mail``. False when it was
    not given up (sent meanwhile, or a retry already under way)."""
    if message.sent_at is not None or message.error is None:
        return False
    message.error, message.attempts, message.next_attempt_at = None, 0, None
    db.session.info[PENDING] = True
    return True
