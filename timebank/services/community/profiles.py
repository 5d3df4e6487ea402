"""Member profiles: what a member tells the community about themselves, and what each
viewer may see of it. Contact details are hidden from other members unless the member
chooses otherwise; the member themself and coordinators always see everything.

For a member without internet, a coordinator or the member's proxy edits the profile on
their behalf; each save is audited with the fields it changed (names only, never values),
and the member sees that short history on their profile ("changes to your profile")."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import aliased, joinedload

from timebank.extensions import db
from timebank.models import (
    AuditEvent,
    Community,
    Listing,
    ListingStatus,
    Membership,
    MembershipStatus,
    Profile,
    User,
    utcnow,
)
from timebank.models.profile import PRIVATE_BY_DEFAULT, PUBLIC_BY_DEFAULT
from timebank.services import audit, permissions
from timebank.services.exceptions import InvalidInput, NotAllowed
from timebank.services.languages import SPOKEN_LANGUAGES
from timebank.services.listings import neighbourhoods
from timebank.services.textsearch import index_text

MAX_NAME = 80
LIMITS = {"bio": 2000, "neighbourhood": 80, "availability": 200, "skills": 1000,
          "phone": 40, "address": 200}  # fmt: skip
VISIBILITY = PUBLIC_BY_DEFAULT + PRIVATE_BY_DEFAULT


@dataclass(frozen=True)
class ProfileInput:
    display_name: str
    bio: str | None = None
    # Picked from the community's list; or, when it is not listed, said in words
    # (``neighbourhood``: matched to the list when it names an entry).
    neighbourhood_id: int | None = None
    neighbourhood: str | None = None
    languages: tuple[str, ...] = ()
    availability: str | None = None
    skills: str | None = None
    phone: str | None = None
    address: str | None = None
    shown: frozenset[str] = field(default_factory=lambda: frozenset(PUBLIC_BY_DEFAULT))


def search_text(profile: Profile, user: User) -> str:
    """The directory's index: the name and only what the member shows to everyone."""
    parts: list[str | None] = [user.display_name]
    if profile.show_skills:
        parts.append(profile.skills)
    if profile.show_neighbourhood:
        parts.append(profile.neighbourhood)
        if profile.place is not None:
            parts += [profile.place.name_en, profile.place.name_ar]
    return index_text(*parts)


def profile_of(membership: Membership) -> Profile | None:
    """The membership's profile, or None while it has none (reading never creates it)."""
    return db.session.scalar(select(Profile).where(Profile.membership_id == membership.id))


def active_member(community: Community, membership_id: int) -> Membership | None:
    """The active member of ``community`` with this id (with their user), or None: only
    active members have a profile page."""
    return db.session.scalar(
        select(Membership)
        .options(joinedload(Membership.user))
        .where(
            Membership.id == membership_id,
            Membership.community_id == community.id,
            Membership.status == MembershipStatus.ACTIVE,
        )
    )


def active_listings(membership: Membership, *, limit: int = 50) -> list[Listing]:
    """The member's active offers and requests, newest first (at most ``limit``)."""
    return list(
        db.session.scalars(
            select(Listing)
            .options(joinedload(Listing.category))
            .where(Listing.owner_id == membership.id, Listing.status == ListingStatus.ACTIVE)
            .order_by(Listing.created_at.desc())
            .limit(limit)
        )
    )


def ensure(membership: Membership) -> Profile:
    """The membership's profile, created empty (with default visibility) when missing."""
    profile = db.session.scalar(select(Profile).where(Profile.membership_id == membership.id))
    if profile is None:
        profile = Profile(membership_id=membership.id, languages="")
        profile.search_text = search_text(profile, membership.user)
        for name in VISIBILITY:
            setattr(profile, f"show_{name}", name in PUBLIC_BY_DEFAULT)
        db.session.add(profile)
        db.session.flush()
    return profile


def _place(membership: Membership, data: ProfileInput, text: str | None) -> dict:
    """Where the member lives, by the shared rule (``neighbourhoods.place``)."""
    community = db.session.get_one(Community, membership.community_id)
    current = profile_of(membership)
    had = current.neighbourhood_id if current is not None else None
    return neighbourhoods.place(community, data.neighbourhood_id, text, had=had)


def _clean(data: ProfileInput) -> dict:
    name = (data.display_name or "").strip()
    if not name:
        raise InvalidInput(_l("Enter the name other members will see."), field="display_name")
    if len(name) > MAX_NAME:
        raise InvalidInput(_l("Use at most %(n)d characters.", n=MAX_NAME), field="display_name")
    values: dict = {"display_name": name}
    for key, limit in LIMITS.items():
        value = (getattr(data, key) or "").strip()
        if len(value) > limit:
            raise InvalidInput(_l("Use at most %(n)d characters.", n=limit), field=key)
        values[key] = value or None
    unknown = [code for code in data.languages if code not in SPOKEN_LANGUAGES]
    if unknown:
        raise InvalidInput(_l("Choose languages from the list."), field="languages")
    values["languages"] = " ".join(dict.fromkeys(data.languages))
    if not set(data.shown) <= set(VISIBILITY):
        raise InvalidInput(_l("Choose from the list."), field="shown")
    return values


def can_edit(user: User | None, membership: Membership) -> bool:
    """The member themself, a coordinator, or the member's current proxy (for members
    without internet); only an active member's profile is edited."""
    if user is None or not user.is_authenticated or not membership.is_active:
        return False
    return user.id == membership.user_id or permissions.can_act_for(user, membership)


def _changed(membership: Membership, profile: Profile, values: dict, shown: frozenset) -> list:
    """The names of the fields ``values`` (and ``shown``) would change, in form order."""
    changed = ["display_name"] if membership.user.display_name != values["display_name"] else []
    changed += [key for key in (*LIMITS, "languages") if getattr(profile, key) != values[key]]
    if profile.neighbourhood_id != values["neighbourhood_id"] and "neighbourhood" not in changed:
        changed.append("neighbourhood")
    if {n for n in VISIBILITY if getattr(profile, f"show_{n}")} != set(shown):
        changed.append("shown")
    return changed


def update(
    membership: Membership, *, actor: User, data: ProfileInput, now: datetime | None = None
) -> Profile:
    """Save a member's profile and visibility choices: the member, or on their behalf a
    coordinator or their proxy (``NotAllowed`` for anyone else); ``InvalidInput`` names the
    field for empty names, over-long text or unknown languages. The display name is the
    account's, so every profile of the user is re-indexed. Audited (``profile.update``,
    "on behalf of" the member when someone else saves; the names of the changed fields,
    never their values)."""
    if not can_edit(actor, membership):
        raise NotAllowed()
    values = _clean(data)
    values.update(_place(membership, data, values["neighbourhood"]))
    user = membership.user
    profile = ensure(membership)
    changed = _changed(membership, profile, values, frozenset(data.shown))
    user.display_name = values.pop("display_name")
    for key, value in values.items():
        setattr(profile, key, value)
    for name in VISIBILITY:
        setattr(profile, f"show_{name}", name in data.shown)
    profile.updated_at = now or utcnow()
    for other in db.session.scalars(
        select(Profile).join(Membership).where(Membership.user_id == user.id)
    ):
        other.search_text = search_text(other, user)
    db.session.flush()
    audit.record(
        "profile.update",
        actor=actor,
        on_behalf_of=user if actor.id != user.id else None,
        community_id=membership.community_id,
        obj=profile,
        details={"shown": sorted(data.shown), "changed": changed},
    )
    return profile


@dataclass(frozen=True)
class ProfileChange:
    """One save of a profile, as its history lists it."""

    at: datetime
    by: str  # the name of who saved it
    by_member: bool  # the member themself (else a coordinator or proxy, for them)
    fields: list[str]  # names of the changed fields (older saves: unknown, empty)


def changes(membership: Membership, *, limit: int = 10) -> list[ProfileChange]:
    """The latest saves of ``membership``'s profile, newest first (at most ``limit``)."""
    profile = profile_of(membership)
    if profile is None:
        return []
    author = aliased(User)
    rows = db.session.execute(
        select(AuditEvent.created_at, author.display_name, AuditEvent.actor_id, AuditEvent.details)
        .join(author, author.id == AuditEvent.actor_id)
        .where(
            AuditEvent.object_type == Profile.__tablename__,
            AuditEvent.object_id == profile.id,
            AuditEvent.action == "profile.update",
        )
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(limit)
    ).all()
    return [
        ProfileChange(
            at=at,
            by=name,
            by_member=actor_id == membership.user_id,
            fields=list((details or {}).get("changed", [])),
        )
        for at, name, actor_id, details in rows
    ]


@dataclass(frozen=True)
class ProfileView:
    """What one viewer may see of one member (None = hidden or empty)."""

    membership: Membership
    display_name: str
    bio: str | None
    neighbourhood: str | None
    languages: list[str]
    availability: str | None
    skills: str | None
    phone: str | None
    email: str | None
    address: str | None
    sees_everything: bool


def views_for(
    viewer: User | None, rows: list[tuple[Membership, Profile | None]], locale: str = "en"
) -> list[ProfileView]:
    """``view_for`` each (membership, profile) of a directory page (neighbourhoods named
    in ``locale``)."""
    if not rows:
        return []
    names = neighbourhoods.names(rows[0][0].community_id, locale)
    return [view_for(viewer, membership, profile, names) for membership, profile in rows]


def place_name(profile: Profile, names: dict[int, str]) -> str | None:
    """Where the member lives: the list entry's name (``names``: id → name in the
    reader's language), else their own words."""
    if profile.neighbourhood_id is not None:
        return names.get(profile.neighbourhood_id)
    return profile.neighbourhood


def view_for(
    viewer: User | None,
    membership: Membership,
    profile: Profile | None,
    names: dict[int, str] | None = None,
    locale: str = "en",
) -> ProfileView:
    """Apply the member's choices: others see only what is shown; the member and the
    coordinators see everything."""
    everything = permissions.can_see_private_profile(viewer, membership)
    user = membership.user

    def part(name: str, value):
        if profile is None:
            return None
        return value if everything or getattr(profile, f"show_{name}") else None

    return ProfileView(
        membership=membership,
        display_name=user.display_name,
        bio=part("bio", profile.bio if profile else None),
        neighbourhood=part(
            "neighbourhood",
            place_name(
                profile,
                names
                if names is not None
                else neighbourhoods.names(membership.community_id, locale),
            )
            if profile
            else None,
        ),  # fmt: skip
        languages=part("languages", profile.language_codes if profile else None) or [],
        availability=part("availability", profile.availability if profile else None),
        skills=part("skills", profile.skills if profile else None),
        phone=part("phone", profile.phone if profile else None),
        email=user.email if profile is None and everything else part("email", user.email),
        address=part("address", profile.address if profile else None),
        sees_everything=everything,
    )
