"""Merging two entries of a community's neighbourhood list (issue 16): a duplicate
("Harbour" and "حي الميناء" typed as two places) is merged into the entry to keep.

Rules: both entries belong to the same community and are different; the entry kept is
in use (not retired). Every profile that chose the duplicate (whatever the member's
status) and every listing that named it now name the entry kept; the duplicate is
retired rather than deleted, so that figures stored before the merge still name it.
Coordinators only; audited (``neighbourhood.merge``, identifiers only)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from timebank.extensions import db
from timebank.models import Community, Listing, Neighbourhood, Profile, User
from timebank.services import audit, permissions
from timebank.services.exceptions import InvalidInput, NotAllowed
from timebank.services.listings import categories


def profiles_on(entry: Neighbourhood) -> int:
    """How many profiles (of members of any status) name ``entry``: who a merge moves."""
    return (
        db.session.scalar(
            select(func.count()).select_from(Profile).where(Profile.neighbourhood_id == entry.id)
        )
        or 0
    )


def listings_on(entry: Neighbourhood) -> int:
    """How many listings (of any status) name ``entry``: what else a merge moves."""
    return (
        db.session.scalar(
            select(func.count()).select_from(Listing).where(Listing.neighbourhood_id == entry.id)
        )
        or 0
    )


def targets(entry: Neighbourhood, locale: str) -> list[tuple[int, str]]:
    """(id, name) of the entries ``entry`` may be merged into: the community's other
    entries in use, by name in ``locale``."""
    rows = db.session.scalars(
        select(Neighbourhood).where(
            Neighbourhood.community_id == entry.community_id,
            Neighbourhood.active.is_(True),
            Neighbourhood.id != entry.id,
        )
    ).all()
    named = [(n.id, n.display_name(locale)) for n in rows]
    return sorted(named, key=lambda pair: pair[1].casefold())


def check(source: Neighbourhood, target_id: int | None) -> Neighbourhood:
    """The entry ``source`` may be merged into, or ``InvalidInput`` (field ``into``)."""
    if target_id is None:
        raise InvalidInput(_l("Choose the neighbourhood to keep."), field="into")
    if target_id == source.id:
        raise InvalidInput(_l("Choose another neighbourhood than this one."), field="into")
    target = db.session.get(Neighbourhood, target_id)
    if target is None or target.community_id != source.community_id:
        raise InvalidInput(_l("Choose a neighbourhood from the list."), field="into")
    if not target.active:
        raise InvalidInput(
            _l("That neighbourhood is retired; offer it again before merging into it."),
            field="into",
        )
    return target


def merge(
    source: Neighbourhood, target_id: int | None, *, actor: User
) -> tuple[Neighbourhood, int]:
    """Move every profile and listing of ``source`` to the entry ``target_id`` (the
    listings' search text follows) and retire ``source``. Returns (the entry kept, how
    many profiles moved). ``NotAllowed`` for anyone but the
    community's coordinators; ``InvalidInput`` as ``check``."""
    community = db.session.get_one(Community, source.community_id)
    if not permissions.can_manage_neighbourhoods(actor, community):
        raise NotAllowed()
    target = check(source, target_id)
    moved = profiles_on(source)
    db.session.execute(
        update(Profile)
        .where(Profile.neighbourhood_id == source.id)
        .values(neighbourhood_id=target.id, neighbourhood=None)
        .execution_options(synchronize_session="fetch")
    )
    listings = listings_on(source)
    db.session.execute(
        update(Listing)
        .where(Listing.neighbourhood_id == source.id)
        .values(neighbourhood_id=target.id)
        .execution_options(synchronize_session="fetch")
    )
    categories.reindex_listings([target.id], places=True)
    source.active = False
    db.session.flush()
    audit.record(
        "neighbourhood.merge",
        actor=actor,
        community_id=community.id,
        obj=source,
        details={"into": target.id, "moved": moved, "listings": listings},
    )
    return target, moved
