"""Browsing and exporting a community's audit trail (coordinators and admins).

Filters fail closed: a filter that is not valid (an id by ``identifiers.parse_id``, a day
the calendar can step past) is an ``InvalidInput`` on its field, never "no filter", so an
export can never widen to the whole log."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased

from timebank import database
from timebank.extensions import db
from timebank.models import AuditEvent, Community, User
from timebank.services import audit, identifiers, paging, permissions
from timebank.services.exceptions import InvalidInput, NotAllowed
from timebank.services.paging import Page

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


# The log is counted up to this many events: beyond, the page says "more than" and asks
# for a filter (counting a million events on every page took most of a second).
COUNT_CAP = 10_000


def events_page(community: Community, filters: Filters, *, page: int, per_page: int) -> Page:
    """One page of ``query``, newest first (rows of the event's columns): the console's
    audit log. Counted up to ``COUNT_CAP`` (``Page.capped`` beyond); a deep page seeks to
    its first event, found in ``ix_audit_events_community_id`` alone. Raises
    ``InvalidInput`` (``check``)."""
    stmt = query(community, filters)
    total, capped = paging.capped_count(stmt.with_only_columns(AuditEvent.id), COUNT_CAP)
    page = max(1, min(page, max(1, math.ceil(total / per_page))))
    keys = stmt.with_only_columns(AuditEvent.id)
    seek = paging.from_first_key(AuditEvent.id, keys, page=page, per_page=per_page)
    # Plain rows (the event's columns by name), not ORM objects: the request commits
    # before the template reads them, and expired objects would be reloaded one by one.
    columns = stmt.where(seek).limit(per_page).with_only_columns(*AuditEvent.__table__.c)
    rows = db.session.execute(columns).all()
    return Page(list(rows), page, per_page, total, capped=capped)


def actions(community: Community) -> list[str]:
    """Every action recorded in ``community``, for the filter's choices: one index probe per
    distinct action in ``ix_audit_events_community_action`` (a recursive skip scan), never
    a pass over the events."""
    in_community = AuditEvent.community_id == community.id
    first = select(func.min(AuditEvent.action).label("action")).where(in_community)
    found = first.cte("found", recursive=True)
    following = (
        select(AuditEvent.action)
        .where(in_community, AuditEvent.action > found.c.action)
        .order_by(AuditEvent.action)
        .limit(1)
        .scalar_subquery()
    )
    found = found.union_all(select(following.label("action")).where(found.c.action.is_not(None)))
    return [a for a in db.session.scalars(select(found.c.action)) if a is not None]


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
