"""Offers and requests: create, edit, pause, resume, renew, close, and expiry with
reminders. Every change is audited; the clock is injectable (``now``) for tests and jobs.

Lifecycle: active ⇄ paused; active/paused → expired (after the community's
``listing_expiry_days``, unless renewed); active/paused/expired → active by renewing;
anything but closed → closed (final)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from timebank.database import changed
from timebank.extensions import db
from timebank.models import (
    Community,
    Listing,
    ListingKind,
    ListingStatus,
    Membership,
    User,
    utcnow,
)
from timebank.models.listing import MAX_DURATION, MIN_DURATION
from timebank.services import audit, permissions
from timebank.services.exceptions import AlreadyDecided, InvalidInput, NotAllowed
from timebank.services.languages import SPOKEN_LANGUAGES, duration
from timebank.services.listings import categories, neighbourhoods
from timebank.services.messaging import notifications
from timebank.services.webhooks import events as webhooks

MAX_TITLE = 120
MAX_DESCRIPTION = 5000
MAX_NEIGHBOURHOOD = 80
MAX_WHEN = 200
REMINDER_DAYS = 7


@dataclass(frozen=True)
class ListingInput:
    kind: str
    title: str
    description: str
    category_id: int | None
    # Where: an entry of the list by id, or words (matched to an entry in either
    # language; kept as words when none matches, as on profiles).
    neighbourhood: str | None = None
    when_text: str | None = None
    language: str = "en"
    is_group: bool = False
    neighbourhood_id: int | None = None
    duration_minutes: int | None = None


def _text(value: str | None, field: str, limit: int, *, required: bool = False) -> str | None:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(_l("This cannot be empty."), field=field)
    if len(value) > limit:
        raise InvalidInput(_l("Use at most %(n)d characters.", n=limit), field=field)
    return value or None


def _place(community: Community, data: ListingInput, current: Listing | None) -> dict:
    """The listing's place by the shared rule (``neighbourhoods.place``)."""
    text = (
        None
        if data.neighbourhood_id is not None
        else _text(data.neighbourhood, "neighbourhood", MAX_NEIGHBOURHOOD)
    )
    had = current.neighbourhood_id if current is not None else None
    return neighbourhoods.place(community, data.neighbourhood_id, text, had=had)


def check_duration(minutes: int | None) -> int | None:
    """How long the help takes: none, or 5 minutes to 24 hours (``InvalidInput`` on
    ``duration_minutes`` otherwise)."""
    if minutes is None:
        return None
    if minutes < MIN_DURATION:
        raise InvalidInput(
            _l("Give at least %(d)s, or leave it empty.", d=duration(MIN_DURATION)),
            field="duration_minutes",
        )
    if minutes > MAX_DURATION:
        raise InvalidInput(
            _l("Give at most %(d)s.", d=duration(MAX_DURATION)), field="duration_minutes"
        )
    return minutes


def _validate(community: Community, data: ListingInput, current: Listing | None) -> dict:
    if data.kind not in {k.value for k in ListingKind}:
        raise InvalidInput(_l("Choose an offer or a request."), field="kind")
    if data.language not in SPOKEN_LANGUAGES:
        raise InvalidInput(_l("Choose a language from the list."), field="language")
    category = categories.get(community, data.category_id)
    if category is None:
        raise InvalidInput(_l("Choose a category from the list."), field="category_id")
    keeps_old = current is not None and current.category_id == category.id
    if category.is_retired and not keeps_old:
        raise InvalidInput(
            _l("This category is no longer used. Choose another one."), field="category_id"
        )
    return {
        "kind": ListingKind(data.kind),
        "title": _text(data.title, "title", MAX_TITLE, required=True),
        "description": _text(data.description, "description", MAX_DESCRIPTION) or "",
        "category": category,
        **_place(community, data, current),
        "duration_minutes": check_duration(data.duration_minutes),
        "when_text": _text(data.when_text, "when_text", MAX_WHEN),
        "language": data.language,
        "is_group": bool(data.is_group),
    }


def create(
    community: Community,
    *,
    actor: User,
    data: ListingInput,
    owner: Membership | None = None,
    now: datetime | None = None,
) -> Listing:
    """Post an offer or request as the actor's membership, or for ``owner`` (a coordinator
    or the owner's proxy; marked in the audit event). ``NotAllowed`` for anyone but an
    active member; ``InvalidInput`` (naming the field) for an empty or over-long title,
    over-long text, a category of another community or a retired one. Audited."""
    on_behalf = None
    if owner is not None and owner.user_id != actor.id:
        if owner.community_id != community.id or not permissions.can_act_for(actor, owner):
            raise NotAllowed()
        if not owner.is_active:
            raise NotAllowed()
        on_behalf = owner.user
    elif not permissions.can_post_listing(actor, community):
        raise NotAllowed()
    else:
        owner = permissions.membership_of(actor, community)
    if owner is None:
        raise NotAllowed()
    values = _validate(community, data, None)
    now = now or utcnow()
    listing = Listing(
        community_id=community.id,
        owner_id=owner.id,
        created_at=now,
        updated_at=now,
        expires_at=now + timedelta(days=community.listing_expiry_days),
        status=ListingStatus.ACTIVE,
        **values,
    )
    listing.search_title, listing.search_body = categories.search_fields(listing)
    db.session.add(listing)
    db.session.flush()
    audit.record(
        "listing.create",
        actor=actor,
        on_behalf_of=on_behalf,
        community_id=community.id,
        obj=listing,
    )
    webhooks.listing_created(listing)
    return listing


def _check_manager(listing: Listing, actor: User) -> None:
    if not permissions.can_manage_listing(actor, listing):
        raise NotAllowed()


def _on_behalf(listing: Listing, actor: User) -> User | None:
    owner = db.session.get_one(Membership, listing.owner_id)
    return owner.user if owner.user_id != actor.id else None


def update_listing(
    listing: Listing, *, actor: User, data: ListingInput, now: datetime | None = None
) -> Listing:
    """Edit a listing that is not closed (owner or coordinator). Same validation as
    ``create``; a listing may keep a category retired since it was posted. Audited."""
    _check_manager(listing, actor)
    if listing.status == ListingStatus.CLOSED:
        raise InvalidInput(_l("A closed listing cannot be changed."))
    values = _validate(listing.community, data, listing)
    for name, value in values.items():
        setattr(listing, name, value)
    listing.updated_at = now or utcnow()
    listing.search_title, listing.search_body = categories.search_fields(listing)
    db.session.flush()
    audit.record(
        "listing.update",
        actor=actor,
        community_id=listing.community_id,
        obj=listing,
        on_behalf_of=_on_behalf(listing, actor),
    )
    return listing


def _transition(
    listing: Listing,
    *,
    actor: User,
    action: str,
    allowed_from: tuple[ListingStatus, ...],
    values: dict,
) -> Listing:
    """Compare-and-set: the change applies only if the status is still one we allow."""
    _check_manager(listing, actor)
    result = changed(
        update(Listing)
        .where(Listing.id == listing.id, Listing.status.in_(allowed_from))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result != 1:
        raise AlreadyDecided(_l("This listing has changed meanwhile. Please look again."))
    db.session.refresh(listing)
    audit.record(
        f"listing.{action}",
        actor=actor,
        community_id=listing.community_id,
        obj=listing,
        on_behalf_of=_on_behalf(listing, actor),
    )
    return listing


def pause(listing: Listing, *, actor: User, now: datetime | None = None) -> Listing:
    """Hide an active listing from browsing for a while."""
    return _transition(
        listing,
        actor=actor,
        action="pause",
        allowed_from=(ListingStatus.ACTIVE,),
        values={"status": ListingStatus.PAUSED, "updated_at": now or utcnow()},
    )


def resume(listing: Listing, *, actor: User, now: datetime | None = None) -> Listing:
    """Show a paused listing again; if its time ran out meanwhile, it is renewed too."""
    now = now or utcnow()
    values: dict = {"status": ListingStatus.ACTIVE, "updated_at": now}
    if listing.expires_at <= now:
        values.update(_renewal(listing, now))
    return _transition(
        listing, actor=actor, action="resume", allowed_from=(ListingStatus.PAUSED,), values=values
    )


def _renewal(listing: Listing, now: datetime) -> dict:
    days = listing.community.listing_expiry_days
    return {
        "expires_at": now + timedelta(days=days),
        "renewed_at": now,
        "reminder_sent_at": None,
    }


def renew(listing: Listing, *, actor: User, now: datetime | None = None) -> Listing:
    """Start the expiry period again (from now); an expired listing becomes active."""
    now = now or utcnow()
    status = (
        ListingStatus.PAUSED if listing.status == ListingStatus.PAUSED else ListingStatus.ACTIVE
    )
    return _transition(
        listing,
        actor=actor,
        action="renew",
        allowed_from=(ListingStatus.ACTIVE, ListingStatus.PAUSED, ListingStatus.EXPIRED),
        values={"status": status, "updated_at": now, **_renewal(listing, now)},
    )


def close(listing: Listing, *, actor: User, now: datetime | None = None) -> Listing:
    """Close a listing for good (it stays on old records)."""
    now = now or utcnow()
    return _transition(
        listing,
        actor=actor,
        action="close",
        allowed_from=(ListingStatus.ACTIVE, ListingStatus.PAUSED, ListingStatus.EXPIRED),
        values={"status": ListingStatus.CLOSED, "closed_at": now, "updated_at": now},
    )


def find(community: Community, listing_id: int) -> Listing | None:
    """The listing with this id in ``community`` (None for another community's), with its
    owner and category loaded. Whether the reader may see it is the caller's check."""
    return db.session.scalar(
        select(Listing)
        .options(
            joinedload(Listing.owner).joinedload(Membership.user), joinedload(Listing.category)
        )
        .where(Listing.id == listing_id, Listing.community_id == community.id)
    )


def owned_page(owner: Membership | None, *, page: int, per_page: int) -> Pagination:
    """One page of the listings ``owner`` posted, every status, by status then expiry (an
    empty page without a membership)."""
    owner_id = owner.id if owner is not None else None
    return db.paginate(
        select(Listing)
        .options(joinedload(Listing.category))
        .where(Listing.owner_id == owner_id)
        .order_by(Listing.status, Listing.expires_at, Listing.id),
        page=page,
        per_page=per_page,
        error_out=False,
    )


@dataclass(frozen=True)
class ExpirySummary:
    expired: int
    reminded: int


def expire_due(*, now: datetime | None = None) -> ExpirySummary:
    """The daily job: expire active and paused listings whose time has run out (one audit
    event each), and queue one reminder per listing that expires within
    ``REMINDER_DAYS``. Running it again at the same moment changes nothing."""
    now = now or utcnow()
    live = (ListingStatus.ACTIVE, ListingStatus.PAUSED)
    due = db.session.scalars(
        select(Listing.id).where(Listing.status.in_(live), Listing.expires_at <= now)
    ).all()
    expired = 0
    for listing_id in due:
        result = changed(
            update(Listing)
            .where(Listing.id == listing_id, Listing.status.in_(live), Listing.expires_at <= now)
            .values(status=ListingStatus.EXPIRED)
            .execution_options(synchronize_session=False)
        )
        if result == 1:
            expired += 1
            listing = db.session.get_one(Listing, listing_id)
            audit.record(
                "listing.expire", actor=None, community_id=listing.community_id, obj=listing
            )
    soon = db.session.scalars(
        select(Listing)
        .options(joinedload(Listing.owner).joinedload(Membership.user))
        .options(joinedload(Listing.community))
        .where(
            Listing.status == ListingStatus.ACTIVE,
            Listing.expires_at > now,
            Listing.expires_at <= now + timedelta(days=REMINDER_DAYS),
            Listing.reminder_sent_at.is_(None),
        )
    ).all()
    for listing in soon:
        _remind(listing)
        listing.reminder_sent_at = now
    db.session.flush()
    return ExpirySummary(expired=expired, reminded=len(soon))


def _remind(listing: Listing) -> None:
    """``listing_expiring`` for the owner, in the inbox; the e-mail (in the owner's
    language) follows their preference."""
    user = listing.owner.user
    community = listing.community
    locale = user.locale or community.locale
    notifications.notify(
        user,
        "listing_expiring",
        community=community,
        object_type="listings",
        object_id=listing.id,
        subject=_l("Your listing “%(title)s” expires soon", title=listing.title),
        body=_l(
            "Hello %(name)s,\n\nYour listing “%(title)s” in %(community)s will expire on "
            "%(date)s. If you still need or offer this, renew it from “My listings”:"
            "\n\n/c/%(slug)s/listings/mine\n\nIf not, you need not do anything.",
            name=user.display_name,
            title=listing.title,
            community=community.display_name(locale),
            date=listing.expires_at.date().isoformat(),
            slug=community.slug,
        ),
    )
