"""The neighbourhoods of a community (issue 16): the list coordinators keep, in Arabic and
English, and members pick from.

Rules: a name is 1..80 characters after trimming, in both languages; two entries of one
community never share a name once trimmed and case-folded (in either language), so the
list cannot grow "Old Town" and "old town" again; a retired entry stays on the profiles
that chose it but is not offered for new choices. Every change is audited (identifiers
only). Members who live somewhere not listed say so in words ("other"), which coordinators
see here as suggestions."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from timebank.extensions import db
from timebank.models import Community, Membership, MembershipStatus, Neighbourhood, Profile, User
from timebank.services import audit, permissions
from timebank.services.exceptions import InvalidInput, NotAllowed
from timebank.services.listings import categories
from timebank.services.paging import Page

MAX_NAME_LENGTH = 80


def fold(text: str) -> str:
    """The key two spellings of one place share: trimmed, inner spaces collapsed,
    case-folded (the migration from free text uses the same rule)."""
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class Row:
    """A list entry with how many active members live there."""

    neighbourhood: Neighbourhood
    members: int


def get(community: Community, neighbourhood_id: int | None) -> Neighbourhood | None:
    """An entry of ``community`` by id (None for another community's or none)."""
    if neighbourhood_id is None:
        return None
    found = db.session.get(Neighbourhood, neighbourhood_id)
    return found if found is not None and found.community_id == community.id else None


def active(community: Community, locale: str) -> list[Neighbourhood]:
    """The entries members may choose, by name in ``locale``."""
    rows = db.session.scalars(
        select(Neighbourhood).where(
            Neighbourhood.community_id == community.id, Neighbourhood.active.is_(True)
        )
    ).all()
    return sorted(rows, key=lambda n: fold(n.display_name(locale)))


def match(community: Community, text: str | None) -> Neighbourhood | None:
    """The active entry ``text`` names, in either language, whatever the case and
    spacing; None when it names none (or is empty)."""
    key = fold(text or "")
    if not key:
        return None
    for entry in active(community, "en"):
        if key in (fold(entry.name_en), fold(entry.name_ar)):
            return entry
    return None


def place(
    community: Community, neighbourhood_id: int | None, text: str | None, *, had: int | None
) -> dict:
    """Where a profile or a listing is: an entry of the list (an active one, or ``had``,
    the one it already has), or words when the place is not listed; words that name an
    active entry are that entry. The values to store (``neighbourhood_id``,
    ``neighbourhood``); ``InvalidInput`` on ``neighbourhood_id`` for an entry that is not
    offered."""
    if neighbourhood_id is not None:
        entry = get(community, neighbourhood_id)
        if entry is None or not (entry.active or had == neighbourhood_id):
            raise InvalidInput(
                _l("Choose a neighbourhood from the list."), field="neighbourhood_id"
            )
        return {"neighbourhood_id": entry.id, "neighbourhood": None}
    entry = match(community, text)
    if entry is not None:
        return {"neighbourhood_id": entry.id, "neighbourhood": None}
    return {"neighbourhood_id": None, "neighbourhood": text}


def choices(community: Community, locale: str, *, keep: int | None = None) -> list[tuple[int, str]]:
    """(id, name) for a select: the active entries, and ``keep`` (a member's current,
    perhaps retired, entry) so that saving a profile does not silently move them."""
    options = [(n.id, n.display_name(locale)) for n in active(community, locale)]
    current = get(community, keep)
    if current is not None and not current.active:
        options.append((current.id, current.display_name(locale)))
    return options


def members_per_entry(community: Community) -> dict[int, int]:
    """entry id → how many active members chose it (entries nobody chose are absent)."""
    rows = db.session.execute(
        select(Profile.neighbourhood_id, func.count())
        .join(Membership, Membership.id == Profile.membership_id)
        .where(
            Membership.community_id == community.id,
            Membership.status == MembershipStatus.ACTIVE,
            Profile.neighbourhood_id.is_not(None),
        )
        .group_by(Profile.neighbourhood_id)
    )
    return {n: count for n, count in rows if n is not None}


def listing_page(community: Community, locale: str, *, page: int, per_page: int) -> Page:
    """The whole list for the console, active entries first, by name in ``locale``."""
    rows = db.session.scalars(
        select(Neighbourhood).where(Neighbourhood.community_id == community.id)
    ).all()
    ordered = sorted(rows, key=lambda n: (not n.active, fold(n.display_name(locale))))
    counts = members_per_entry(community)
    start = (page - 1) * per_page
    items = [Row(n, counts.get(n.id, 0)) for n in ordered[start : start + per_page]]
    return Page(items=items, page=page, per_page=per_page, total=len(ordered))


def unlisted(community: Community, limit: int = 20) -> list[tuple[str, int]]:
    """What active members typed under "not listed", folded, most frequent first: the
    coordinators' hint of what to add."""
    rows = db.session.scalars(
        select(Profile.neighbourhood)
        .join(Membership, Membership.id == Profile.membership_id)
        .where(
            Membership.community_id == community.id,
            Membership.status == MembershipStatus.ACTIVE,
            Profile.neighbourhood_id.is_(None),
            Profile.neighbourhood.is_not(None),
        )
    ).all()
    counted: dict[str, tuple[str, int]] = {}
    for text in rows:
        name = " ".join((text or "").split())
        if name:
            first, n = counted.get(fold(name), (name, 0))
            counted[fold(name)] = (first, n + 1)
    return sorted(counted.values(), key=lambda item: (-item[1], fold(item[0])))[:limit]


def _check_manager(actor: User, community: Community) -> None:
    if not permissions.can_manage_neighbourhoods(actor, community):
        raise NotAllowed()


def _clean(community: Community, name_en: str, name_ar: str, *, other_than: int | None) -> dict:
    """Both names trimmed, present, short enough, and not another entry's name."""
    names: dict[str, str] = {}
    for field, value in (("name_en", name_en), ("name_ar", name_ar)):
        value = " ".join((value or "").split())
        if not value:
            raise InvalidInput(_l("Enter a name."), field=field)
        if len(value) > MAX_NAME_LENGTH:
            raise InvalidInput(_l("Use at most %(n)d characters.", n=MAX_NAME_LENGTH), field=field)
        names[field] = value
    taken = db.session.scalars(
        select(Neighbourhood).where(Neighbourhood.community_id == community.id)
    ).all()
    for field, value in names.items():
        for entry in taken:
            if entry.id != other_than and fold(value) in (fold(entry.name_en), fold(entry.name_ar)):
                raise InvalidInput(
                    _l("The list already has a neighbourhood with this name."), field=field
                )
    return names


def create(community: Community, *, actor: User, name_en: str, name_ar: str) -> Neighbourhood:
    """Add an entry. Coordinators only (``NotAllowed``); ``InvalidInput`` for an empty,
    over-long or already listed name. Audited (``neighbourhood.create``)."""
    _check_manager(actor, community)
    entry = Neighbourhood(
        community_id=community.id, **_clean(community, name_en, name_ar, other_than=None)
    )
    db.session.add(entry)
    db.session.flush()
    audit.record("neighbourhood.create", actor=actor, community_id=community.id, obj=entry)
    return entry


def _community_of(entry: Neighbourhood) -> Community:
    return db.session.get_one(Community, entry.community_id)


def rename(entry: Neighbourhood, *, actor: User, name_en: str, name_ar: str) -> Neighbourhood:
    """Rename in both languages; members and listings that chose it keep it (the
    listings' search text follows). Same rules as ``create``. Audited
    (``neighbourhood.rename``)."""
    community = _community_of(entry)
    _check_manager(actor, community)
    names = _clean(community, name_en, name_ar, other_than=entry.id)
    entry.name_en, entry.name_ar = names["name_en"], names["name_ar"]
    db.session.flush()
    categories.reindex_listings([entry.id], places=True)
    audit.record("neighbourhood.rename", actor=actor, community_id=community.id, obj=entry)
    return entry


def set_active(entry: Neighbourhood, *, actor: User, active: bool) -> Neighbourhood:
    """Retire an entry (members who chose it keep it; nobody new can choose it) or bring
    it back. ``InvalidInput`` when it already is so. Audited (``neighbourhood.retire`` /
    ``neighbourhood.restore``)."""
    community = _community_of(entry)
    _check_manager(actor, community)
    if entry.active == active:
        message = (
            _l("It is already offered to members.") if active else _l("It is already retired.")
        )
        raise InvalidInput(message)
    entry.active = active
    db.session.flush()
    action = "neighbourhood.restore" if active else "neighbourhood.retire"
    audit.record(action, actor=actor, community_id=community.id, obj=entry)
    return entry


def names(community_id: int, locale: str) -> dict[int, str]:
    """id → name in ``locale``, every entry (retired ones too: old figures name them)."""
    rows = db.session.scalars(
        select(Neighbourhood).where(Neighbourhood.community_id == community_id)
    )
    return {n.id: n.display_name(locale) for n in rows}


def of_communities(
    community_ids: list[int], *, include_retired: bool = False
) -> list[tuple[Neighbourhood, str]]:
    """(entry, community slug) of these communities, by community then id; retired
    entries only when asked."""
    query = (
        select(Neighbourhood, Community.slug)
        .join(Community, Community.id == Neighbourhood.community_id)
        .where(Neighbourhood.community_id.in_(community_ids))
        .order_by(Community.slug, Neighbourhood.id)
    )
    if not include_retired:
        query = query.where(Neighbourhood.active.is_(True))
    return [(entry, slug) for entry, slug in db.session.execute(query)]
