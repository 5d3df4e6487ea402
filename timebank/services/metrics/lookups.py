"""Facts the ledger does not hold: members' neighbourhoods (member profiles) and category
names (the categories table). Both come from the listings work; until those tables exist
this answers "not recorded" (an empty mapping) and reports show category keys."""

from __future__ import annotations

from sqlalchemy import select

from timebank import models
from timebank.extensions import db


def neighbourhoods(community_id: int) -> dict[int, str]:
    """membership id → neighbourhood as the member wrote it (blank ones left out)."""
    profile = getattr(models, "Profile", None)
    if profile is None:
        return {}
    rows = db.session.execute(
        select(profile.membership_id, profile.neighbourhood)
        .join(models.Membership, models.Membership.id == profile.membership_id)
        .where(models.Membership.community_id == community_id)
    )
    return {m: n.strip() for m, n in rows if n and n.strip()}


def category_names(community_id: int, locale: str) -> dict[str, str]:
    """category key → its name in ``locale``."""
    category = getattr(models, "Category", None)
    if category is None:
        return {}
    rows = db.session.scalars(select(category).where(category.community_id == community_id))
    return {row.key: row.display_name(locale) for row in rows}
