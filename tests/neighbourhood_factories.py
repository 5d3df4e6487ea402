"""Neighbourhood lists for tests: entries added as a coordinator would, through the service."""

from __future__ import annotations

from timebank.extensions import db
from timebank.models import Community, Neighbourhood, User
from timebank.services.listings import neighbourhoods


def make_neighbourhood(
    community: Community,
    coordinator: User,
    name_en: str = "Old Town",
    name_ar: str = "البلدة القديمة",
) -> Neighbourhood:
    entry = neighbourhoods.create(community, actor=coordinator, name_en=name_en, name_ar=name_ar)
    db.session.commit()
    return entry


def neighbourhood_for(world) -> Neighbourhood:
    """One entry of the access world's community list (made once per world)."""
    if not hasattr(world, "_neighbourhood"):
        world._neighbourhood = make_neighbourhood(world.community, world.coordinator)
    return world._neighbourhood
