"""Facts the ledger does not hold: members' neighbourhoods (member profiles and the
community's list of neighbourhoods) and category names (the categories table)."""

from __future__ import annotations

from sqlalchemy import select

from timebank import models
from timebank.extensions import db


def place_key(neighbourhood_id: int) -> str:
    """How the figures name an entry of the community's list (its id, so a summary is the
    same in every language; the ``#`` keeps it apart from a member's own words)."""
    return f"#{neighbourhood_id}"


def neighbourhoods(community_id: int) -> dict[int, str]:
    """membership id → where the member lives: their entry of the community's list
    (``place_key``), or the words they wrote when it is not listed, trimmed (members who
    said nothing are left out)."""
    profile = models.Profile
    rows = db.session.execute(
        select(profile.membership_id, profile.neighbourhood_id, profile.neighbourhood)
        .join(models.Membership, models.Membership.id == profile.membership_id)
        .where(models.Membership.community_id == community_id)
    )
    places = {}
    for membership_id, listed, words in rows:
        if listed is not None:
            places[membership_id] = place_key(listed)
        elif words and words.strip():
            places[membership_id] = " ".join(words.split())
    return places


def neighbourhood_names(community_id: int, locale: str) -> dict[str, str]:
    """``place_key`` of each entry of the list → its name in ``locale`` (a member's own
    words are their own name)."""
    rows = db.session.scalars(
        select(models.Neighbourhood).where(models.Neighbourhood.community_id == community_id)
    )
    return {place_key(n.id): n.display_name(locale) for n in rows}


def category_names(community_id: int, locale: str) -> dict[str, str]:
    """category key → its name in ``locale``."""
    category = getattr(models, "Category", None)
    if category is None:
        return {}
    rows = db.session.scalars(select(category).where(category.community_id == community_id))
    return {row.key: row.display_name(locale) for row in rows}
