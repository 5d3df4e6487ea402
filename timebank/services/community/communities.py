"""Communities: creation and appointing coordinators (installation admins); their name
and tagline in English and Arabic (coordinators)."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select

from timebank.extensions import db
from timebank.models import (
    Community,
    Membership,
    MembershipStatus,
    OutboxMessage,
    Role,
    User,
    utcnow,
)
from timebank.services import audit, permissions
from timebank.services.auth.users import find_by_email
from timebank.services.community import memberships, profiles
from timebank.services.exceptions import InvalidInput, NotAllowed
from timebank.services.listings import categories
from timebank.services.messaging import mail

MAX_NAME = 120
MAX_TAGLINE = 300
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,58}[a-z0-9]$")  # 2-60 characters, as the message says


def find_by_slug(slug: str) -> Community | None:
    """The community at ``/c/<slug>/``; a malformed slug (for example one with a NUL byte,
    which PostgreSQL refuses in a query) finds none."""
    if not SLUG_RE.fullmatch(slug):
        return None
    return db.session.scalar(select(Community).where(Community.slug == slug))


def accepting_applications() -> list[Community]:
    """The communities open to applications, by name (the account page's "join" choice)."""
    return list(
        db.session.scalars(
            select(Community)
            .where(Community.accepting_applications.is_(True))
            .order_by(Community.name)
        )
    )


def all_page(*, page: int, per_page: int) -> Pagination:
    """One page of every community of the installation, by name (installation admins)."""
    return db.paginate(
        select(Community).order_by(Community.name), page=page, per_page=per_page, error_out=False
    )


def outbox_page(community: Community | None, *, page: int, per_page: int) -> Pagination:
    """One page of the mail the system sent, newest first: to ``community``'s members, or
    the whole installation's when ``community`` is None."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if community is not None:
        query = query.where(OutboxMessage.community_id == community.id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def given_up(community: Community | None, *, limit: int = 50) -> list[OutboxMessage]:
    """The dead letters: mail given up after its last attempt, newest first (the top of
    the outbox page), of ``community`` or of the whole installation when None."""
    query = select(OutboxMessage).where(
        OutboxMessage.error.is_not(None), OutboxMessage.sent_at.is_(None)
    )
    if community is not None:
        query = query.where(OutboxMessage.community_id == community.id)
    return list(db.session.scalars(query.order_by(OutboxMessage.id.desc()).limit(limit)))


def retry_mail(message: OutboxMessage, *, actor: User) -> None:
    """Try a given-up message again, with a fresh set of attempts: its community's
    coordinators, or an installation admin for any (audited). Raises ``NotAllowed``
    otherwise; a message sent meanwhile, or not given up, is left as it is."""
    community = db.session.get(Community, message.community_id) if message.community_id else None
    allowed = permissions.is_site_admin(actor) or (
        community is not None and permissions.can_manage_members(actor, community)
    )
    if not allowed:
        raise NotAllowed()
    if mail.retry(message):
        audit.record("mail.retry", actor=actor, community_id=message.community_id, obj=message)


def create(
    *,
    actor: User | None,
    slug: str,
    name: str,
    name_ar: str | None = None,
    locale: str = "en",
    description: str | None = None,
) -> Community:
    """Create a community. ``actor=None`` only from the command line."""
    if actor is not None and not permissions.is_site_admin(actor):
        raise NotAllowed()
    slug = slug.strip().lower()
    if not SLUG_RE.fullmatch(slug):
        raise InvalidInput(_l("Use 2–60 lowercase letters, digits and hyphens."), field="slug")
    if db.session.scalar(select(func.count()).where(Community.slug == slug)):
        raise InvalidInput(_l("This address is already taken."), field="slug")
    community = Community(
        slug=slug,
        name=name.strip(),
        name_ar=(name_ar or "").strip() or None,
        locale=locale,
        description=description or None,
    )
    db.session.add(community)
    db.session.flush()
    categories.seed(community)
    audit.record("community.create", actor=actor, community_id=community.id, obj=community)
    return community


def appoint(community: Community, *, email: str, role: Role, actor: User | None) -> Membership:
    """Make an existing user a coordinator (or admin) of ``community``, admitting them if
    they were not yet a member. One audit event (``membership.role_change``)."""
    if actor is not None and not permissions.can_change_roles(actor, community):
        raise NotAllowed()
    user = find_by_email(email)
    if user is None:
        raise InvalidInput(_l("No account uses this e-mail address."), field="email")
    membership = user.membership_in(community.id)
    if membership is None:
        membership = Membership(user=user, community=community)
        db.session.add(membership)
    if membership.status != MembershipStatus.ACTIVE:
        number = membership.member_number or memberships.allocate_member_number(community)
        membership.status = MembershipStatus.ACTIVE
        membership.member_number = number
        membership.decided_at = utcnow()
        membership.decided_by_id = actor.id if actor else None
    previous = membership.role
    membership.role = role
    db.session.flush()
    profiles.ensure(membership)
    audit.record(
        "membership.role_change",
        actor=actor,
        community_id=community.id,
        obj=membership,
        details={"from": previous.value if previous else None, "to": role.value},
    )
    return membership


def update_details(
    community: Community,
    *,
    actor: User,
    name: str,
    name_ar: str | None,
    tagline: str | None,
    tagline_ar: str | None,
    public_offers: bool | None = None,
) -> Community:
    """A coordinator sets the community's name and tagline in English and Arabic (every
    page, e-mail and report shows the reader's: ``Community.display_name`` and
    ``Community.tagline``). The English name is required; an empty Arabic one falls back
    to it. Raises ``NotAllowed`` or ``InvalidInput`` (with the field). One audit event,
    ``community.update``, naming the fields that changed. ``public_offers`` (when given):
    whether visitors see a few open offers on the home page."""
    if not permissions.can_manage_members(actor, community):
        raise NotAllowed()
    values: dict = {
        "name": (name or "").strip(),
        "name_ar": (name_ar or "").strip() or None,
        "description": (tagline or "").strip() or None,
        "description_ar": (tagline_ar or "").strip() or None,
    }
    if not values["name"]:
        raise InvalidInput(_l("Enter the name of the time bank."), field="name")
    for field, limit in (("name", MAX_NAME), ("name_ar", MAX_NAME)):
        if len(values[field] or "") > limit:
            raise InvalidInput(_l("Use at most %(n)d characters.", n=limit), field=field)
    for field, key in (("tagline", "description"), ("tagline_ar", "description_ar")):
        if len(values[key] or "") > MAX_TAGLINE:
            raise InvalidInput(_l("Use at most %(n)d characters.", n=MAX_TAGLINE), field=field)
    if public_offers is not None:
        values["public_offers"] = bool(public_offers)
    changed = sorted(key for key, value in values.items() if getattr(community, key) != value)
    for key, value in values.items():
        setattr(community, key, value)
    db.session.flush()
    audit.record(
        "community.update",
        actor=actor,
        community_id=community.id,
        obj=community,
        details={"changed": changed},
    )
    return community
