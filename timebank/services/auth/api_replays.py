"""Idempotent API creations outside the ledger (listings, members): the API write's audit
event keeps a digest of the caller's ``Idempotency-Key`` and of the request body, so the
same key answers with what it created the first time (the ledger has its own keys)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from timebank.extensions import db
from timebank.models import AuditEvent, User


@dataclass(frozen=True)
class Earlier:
    object_type: str | None
    object_id: int | None
    body: str | None


def earlier(user: User, community_id: int, operation: str, key_digest: str) -> Earlier | None:
    """What ``user``'s earlier ``operation`` in this community through the API with this
    key created (found by the (community, action) index of the audit trail)."""
    event = db.session.scalar(
        select(AuditEvent)
        .where(
            AuditEvent.community_id == community_id,
            AuditEvent.action == "api.write",
            AuditEvent.actor_id == user.id,
            AuditEvent.details["key"].as_string() == key_digest,
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    if event is None or (event.details or {}).get("operation") != operation:
        return None
    return Earlier(event.object_type, event.object_id, (event.details or {}).get("body"))
