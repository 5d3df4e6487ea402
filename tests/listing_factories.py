"""Factories for listings, categories and profiles (through the services, committed)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from timebank.extensions import db
from timebank.models import Category, Community, Listing, Membership
from timebank.services.listings import listings


def category(community: Community, key: str = "other") -> Category:
    return db.session.scalar(
        select(Category).where(Category.community_id == community.id, Category.key == key)
    )


def make_listing(
    owner: Membership,
    *,
    title: str = "Lift to the clinic",
    kind: str = "offer",
    description: str = "",
    key: str = "other",
    neighbourhood: str | None = None,
    when_text: str | None = None,
    language: str = "en",
    is_group: bool = False,
    now: datetime | None = None,
    neighbourhood_id: int | None = None,
    duration_minutes: int | None = None,
) -> Listing:
    community = owner.community
    listing = listings.create(
        community,
        actor=owner.user,
        data=listings.ListingInput(
            kind=kind,
            title=title,
            description=description,
            category_id=category(community, key).id,
            neighbourhood=neighbourhood,
            when_text=when_text,
            language=language,
            is_group=is_group,
            neighbourhood_id=neighbourhood_id,
            duration_minutes=duration_minutes,
        ),
        now=now,
    )
    db.session.commit()
    return listing
