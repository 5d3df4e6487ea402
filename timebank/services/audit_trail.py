"""Browsing and exporting a community's audit trail (coordinators and admins).

Filters fail closed: a filter that is not valid (an id by ``identifiers.parse_id``, a day
the calendar can step past) is an ``InvalidInput`` on its field, never "no filter", so an
export can never widen to the whole log."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased

from timebank import database
from timebank.extensions import db
from timebank.models import AuditEvent, Community, User
from timebank.services import audit, identifiers, permissions
from timebank.services.exceptions import InvalidInput, NotAllowed

EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
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


def check(filters: Filters) -> Filters:
    """``filters`` when each one can be applied; ``InvalidInput`` on the first field that
    cannot (an id out of the shared rule's range, a day outside 2000–2100)."""
    for name in ("actor_id", "object_id"):
        value = getattr(filters, name)
        if value is not None and not identifiers.is_id(value):
            raise InvalidInput(_l("Enter a whole number, for example 12."), field=name)
    for name in ("date_from", "date_to"):
        day = getattr(filters, name)
        if day is not None and not EARLIEST <= day <= LATEST:
            raise InvalidInput(_l("Choose dates between 2000 and 2100."), field=name)
    return filters


def query(community: Community | int, filters: Filters) -> Select:
    """Events of ``community`` matching ``filters`` (``check``ed), newest first."""
    check(filters)
    community_id = community if isinstance(community, int) else community.id
    stmt = select(AuditEvent).where(AuditEvent.community_id == community_id)
    if filters.actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == filters.actor_id)
    if filters.action:
        stmt = stmt.where(AuditEvent.action.startswith(filters.action, autoescape=True))
    if filters.object_type:
        stmt = stmt.where(AuditEvent.object_type == filters.object_type)
    if filters.object_id is not None:
        stmt = stmt.where(AuditEvent.object_id == filters.object_id)
    if filters.date_from:
        stmt = stmt.where(AuditEvent.created_at >= datetime.combine(filters.date_from, time(),
                                                                    tzinfo=UTC))  # fmt: skip
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time(), tzinfo=UTC)
        stmt = stmt.where(AuditEvent.created_at < end)
    return stmt.order_by(AuditEvent.id.desc())


def events_page(community: Community, filters: Filters, *, page: int, per_page: int) -> Pagination:
    """One page of ``query``: the console's audit log. Raises ``InvalidInput`` (``check``)."""
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
    """The export itself is audited (``audit.export``), with the filters used; nothing is
    recorded for filters that cannot be applied (``InvalidInput``, see ``check``) or for
    someone who may not export (``NotAllowed``)."""
    if not permissions.can_manage_members(actor, community):
        raise NotAllowed()
    check(filters)
    details = {k: str(v) for k, v in vars(filters).items() if v not in (None, "")}
    audit.record("audit.export", actor=actor, community_id=community.id, details=details or None)


def export_rows(engine: Engine, community_id: int, filters: Filters) -> Iterator[tuple]:
    """Rows for the CSV export, streamed in batches on a connection of its own: the
    generator runs while the response streams, after the request's session is gone. A
    read-only transaction, so SQLite never holds the write lock for a slow download.
    Filters are ``check``ed now, before any row (``InvalidInput``)."""
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
    return _stream(engine, stmt)


def _stream(engine: Engine, stmt: Select) -> Iterator[tuple]:
    token = database.read_only.set(True)
    try:
        with engine.connect() as conn:
            result = conn.execution_options(yield_per=500).execute(stmt)
            for row in result:
                *head, details = row
                yield (*head, "" if details is None else str(details))
    finally:
        database.read_only.reset(token)
