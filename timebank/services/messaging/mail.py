"""Outgoing mail. Every message is stored in the outbox first (readable in the app by
coordinators and admins); it is delivered over SMTP after the commit when SMTP is set.

Writing a message marks the session (``PENDING``); ``database.transaction`` delivers after
a commit that wrote mail, which is the only place delivery starts (a test keeps it so)."""

from __future__ import annotations

import logging
import smtplib
from contextvars import ContextVar
from datetime import datetime
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select

from timebank.extensions import db
from timebank.models import OutboxMessage, User, utcnow

log = logging.getLogger(__name__)
# The address the request being served reached the site at, for installations without
# ``PUBLIC_URL`` (development): the web layer sets it (``web.init_app``), after Flask has
# refused any Host outside ``TRUSTED_HOSTS``, so a service needs no request for a link.
site_address: ContextVar[str] = ContextVar("site_address", default="")
# Set in ``db.session.info`` when the transaction writes mail to deliver after its commit.
PENDING = "timebank.mail_pending"


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
    recipient: User, subject: str, body: str, *, community_id: int | None, now: datetime
) -> dict:
    """An outbox row for a multi-row insert (``queue`` for many at once); the recipient
    has an e-mail address. Marks the transaction as having mail to deliver."""
    db.session.info[PENDING] = True
    return {"recipient_id": recipient.id, "to_address": recipient.email,
            "subject": str(subject)[:200], "body": str(body), "community_id": community_id,
            "created_at": now}  # fmt: skip


def deliver_pending() -> int:
    """Send unsent outbox messages when SMTP is configured; otherwise log that they wait
    in the outbox. Called by ``database.transaction`` after a commit that wrote mail (and
    by nothing else), never inside a service."""
    config = current_app.config
    pending = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.error.is_(None))
        .limit(100)
    ).all()
    if not config.get("MAIL_SERVER"):
        for message in pending:
            log.info(
                "mail #%d kept in the outbox (no SMTP configured): %s", message.id, message.subject
            )
        return 0
    sent = 0
    for message in pending:
        email = EmailMessage()
        email["From"] = config["MAIL_SENDER"]
        email["To"] = message.to_address
        email["Subject"] = message.subject
        email.set_content(message.body)
        try:
            with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
                if config.get("MAIL_USE_TLS"):
                    smtp.starttls()
                if config.get("MAIL_USERNAME"):
                    smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
                smtp.send_message(email)
            message.sent_at = utcnow()
            sent += 1
        except (OSError, smtplib.SMTPException) as exc:
            message.error = type(exc).__name__
            log.warning("mail #%d could not be sent: %s", message.id, type(exc).__name__)
    db.session.commit()
    return sent
