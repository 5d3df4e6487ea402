"""Write audit events. One call per decision; identifiers only, never personal data."""

from __future__ import annotations

from typing import Any

from timebank.extensions import db
from timebank.models import AuditEvent, User, utcnow
from timebank.services.prepared import insert_of


def record(
    action: str,
    *,
    actor: User | None,
    community_id: int | None = None,
    obj: Any = None,
    object_type: str | None = None,
    object_id: int | None = None,
    outcome: str = "ok",
    on_behalf_of: User | None = None,
    details: dict | None = None,
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = object_id if object_id is not None else obj.id
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        on_behalf_of_id=on_behalf_of.id if on_behalf_of is not None else None,
        community_id=community_id,
        object_type=object_type,
        object_id=object_id,
        outcome=outcome,
        details=details,
    )
    db.session.add(event)
    db.session.flush()
    return event


def append(
    action: str,
    *,
    actor_id: int | None,
    community_id: int | None,
    object_type: str | None,
    object_id: int | None,
    outcome: str = "ok",
) -> None:
    """``record`` as one prepared Core insert, for a hot path that needs no ``AuditEvent``
    back (the approval of an exchange): the same row, without the unit of work."""
    _APPEND.run(
        db.session.connection(),
        {"created_at": utcnow(), "action": action, "actor_id": actor_id,
         "community_id": community_id, "object_type": object_type, "object_id": object_id,
         "outcome": outcome},
    )  # fmt: skip


# Compiled once and run on the driver's cursor (``services/prepared.py``): the hot path's insert.
_APPEND = insert_of(
    AuditEvent,
    ("created_at", "actor_id", "community_id", "action", "object_type", "object_id", "outcome"),
    on_behalf_of_id=None,
    details=None,
)
