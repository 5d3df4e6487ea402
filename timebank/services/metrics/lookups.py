"""Facts the ledger does not hold: members' neighbourhoods (member profiles and the
community's list of neighbourhoods) and category names (the categories table)."""

from __future__ import annotations

from sqlalchemy import select

from timebank import models
from timebank.extensions import db

# The key of members who live somewhere the community's list does not name.
NOT_LISTED = "other"


def neighbourhoods(community_id: int) -> dict[int, str]:
    """membership id → the key of where the member lives: their entry of the community's
    list (its id, as text, so summaries stay the same in every language), or
    ``NOT_LISTED`` for words not on the list (members who said nothing are left out)."""
    profile = models.Profile
    rows = db.session.execute(
        select(profile.membership_id, profile.neighbourhood_id, profile.neighbourhood)
        .join(models.Membership, models.Membership.id == profile.membership_id)
        .where(models.Membership.community_id == community_id)
    )
    return {
        m: str(n) if n is not None else NOT_LISTED
        for m, n, text in rows
        if n is not None or (text and text.strip())
    }


def neighbourhood_names(community_id: int, locale: str) -> dict[str, str]:
    """neighbourhood key (as ``neighbourhoods`` gives it) → its name in ``locale``."""
    rows = db.session.scalars(
        select(models.Neighbourhood).where(models.Neighbourhood.community_id == community_id)
    )
    return {str(n.id): n.display_name(locale) for n in rows}


def category_names(community_id: int, locale: str) -> dict[str, str]:
    """category key → its name in ``locale``."""
    category = getattr(models, "Category", None)
    if category is None:
        return {}
    rows = db.session.scalars(select(category).where(category.community_id == community_id))
    return {row.key: row.display_name(locale) for row in rows}
