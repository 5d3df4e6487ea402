"""Announcements: coordinators post notices shown on members' community home page."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, select

from timebank.extensions import db
from timebank.models import Announcement, Community, User, utcnow
from timebank.services import audit, permissions
from timebank.services.exceptions import InvalidInput, NotAllowed

MAX_TITLE = 120
MAX_BODY = 4000


def post(community: Community, *, actor: User, title: str, body: str) -> Announcement:
    """Post an announcement. Raises ``NotAllowed`` or ``InvalidInput``. Audit:
    ``announcement.post``."""
    if not permissions.can_manage_members(actor, community):
        raise NotAllowed()
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise InvalidInput(_l("Give the announcement a title."), field="title")
    if len(title) > MAX_TITLE:
        raise InvalidInput(_l("Use at most %(n)d characters.", n=MAX_TITLE), field="title")
    if not body:
        raise InvalidInput(_l("Write the announcement."), field="body")
    if len(body) > MAX_BODY:
        raise InvalidInput(_l("Use at most %(n)d characters.", n=MAX_BODY), field="body")
    item = Announcement(community_id=community.id, title=title, body=body, author_id=actor.id)
    db.session.add(item)
    db.session.flush()
    audit.record("announcement.post", actor=actor, community_id=community.id, obj=item)
    return item


def withdraw(item: Announcement, *, actor: User, now: datetime | None = None) -> Announcement:
    """Take an announcement down. Audit: ``announcement.withdraw``."""
    community = db.session.get_one(Community, item.community_id)
    if not permissions.can_manage_members(actor, community):
        raise NotAllowed()
    if item.withdrawn_at is None:
        item.withdrawn_at = now or utcnow()
        db.session.flush()
        audit.record("announcement.withdraw", actor=actor, community_id=community.id, obj=item)
    return item


def current(community: Community, *, limit: int = 5) -> list[Announcement]:
    """The latest announcements still up, newest first (home page and digest)."""
    return list(
        db.session.scalars(
            select(Announcement)
            .where(Announcement.community_id == community.id, Announcement.withdrawn_at.is_(None))
            .order_by(Announcement.created_at.desc(), Announcement.id.desc())
            .limit(limit)
        )
    )


def listing(community: Community) -> Select:
    """Every announcement of the community, newest first (for pagination)."""
    return (
        select(Announcement)
        .where(Announcement.community_id == community.id)
        .order_by(Announcement.created_at.desc(), Announcement.id.desc())
    )


def listing_page(community: Community, *, page: int, per_page: int) -> Pagination:
    """One page of ``listing``: the console's list of announcements, withdrawn ones too."""
    return db.paginate(listing(community), page=page, per_page=per_page, error_out=False)
