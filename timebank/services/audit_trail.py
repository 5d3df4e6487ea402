"""Browsing and exporting a community's audit trail (coordinators and admins)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased

from timebank import database
from timebank.extensions import db
from timebank.models import AuditEvent, Community, User
from timebank.services import audit, permissions
from timebank.services.exceptions import NotAllowed

EXPORT_HEADER = (
    "id", "created_at", "actor_id", "actor", "on_behalf_of_id", "action", "object_type",
    "object_id", "outcome", "details",
)  # fmt: skip


@dataclass(frozen=True)
class Filters:
    actor_id: int | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def query(community: Community | int, filters: Filters) -> Select:
    """Events of ``community`` matching ``filters``, newest first."""
    community_id = community if isinstance(community, int) else community.id
    stmt = select(AuditEvent).where(AuditEvent.community_id == community_id)
    if filters.actor_id:
        stmt = stmt.where(AuditEvent.actor_id == filters.actor_id)
    if filters.action:
        stmt = stmt.where(AuditEvent.action.startswith(filters.action, autoescape=True))
    if filters.object_type:
        stmt = stmt.where(AuditEvent.object_type == filters.object_type)
    if filters.object_id:
        stmt = stmt.where(AuditEvent.object_id == filters.object_id)
    if filters.date_from:
        stmt = stmt.where(AuditEvent.created_at >= datetime.combine(filters.date_from, time(),
                                                                    tzinfo=UTC))  # fmt: skip
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time(), tzinfo=UTC)
        stmt = stmt.where(AuditEvent.created_at < end)
    return stmt.order_by(AuditEvent.id.desc())


def events_page(community: Community, filters: Filters, *, page: int, per_page: int) -> Pagination:
    """One page of ``query``: the console's audit log."""
    return db.paginate(query(community, filters), page=page, per_page=per_page, error_out=False)


def actions(community: Community) -> list[str]:
    """Every action recorded in ``community``, for the filter's choices."""
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.community_id == community.id)
            .distinct()
            .order_by(AuditEvent.action)
        )
    )


def record_export(community: Community, *, actor: User, filters: Filters) -> None:
    """The export itself is audited (``audit.export``), with the filters used."""
    if not permissions.can_manage_members(actor, community):
        raise NotAllowed()
    details = {k: str(v) for k, v in vars(filters).items() if v not in (None, "")}
    audit.record("audit.export", actor=actor, community_id=community.id, details=details or None)


def export_rows(engine: Engine, community_id: int, filters: Filters) -> Iterator[tuple]:
    """Rows for the CSV export, streamed in batches on a connection of its own: the
    generator runs while the response streams, after the request's session is gone. A
    read-only transaction, so SQLite never holds the write lock for a slow download."""
    actor = aliased(User)
    events = query(community_id, filters).subquery()
    stmt = (
        select(
            events.c.id,
            events.c.created_at,
            events.c.actor_id,
            actor.display_name,
            events.c.on_behalf_of_id,
            events.c.action,
            events.c.object_type,
            events.c.object_id,
            events.c.outcome,
            events.c.details,
        )  # fmt: skip
        .outerjoin(actor, events.c.actor_id == actor.id)
        .order_by(events.c.id.desc())
    )
    token = database.read_only.set(True)
    try:
        with engine.connect() as conn:
            result = conn.execution_options(yield_per=500).execute(stmt)
            for row in result:
                *head, details = row
                yield (*head, "" if details is None else str(details))
    finally:
        database.read_only.reset(token)
