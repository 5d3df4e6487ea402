"""Listings shown outside browsing (issue 16). A visitor (not signed in) sees a few open
offers, only where coordinators allowed it (``Community.public_offers``), and of each only
its title, category, language and date: never who offers it, the description or where.
A member's home shows recent offers and requests near them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, literal, or_, select, union_all
from sqlalchemy.orm import aliased

from timebank.extensions import db
from timebank.models import (
    Category,
    Community,
    Listing,
    ListingKind,
    ListingStatus,
    Membership,
    MembershipStatus,
    Neighbourhood,
    Profile,
    utcnow,
)
from timebank.services.listings import search

SHOWN = 3


@dataclass(frozen=True)
class PublicOffer:
    title: str
    language: str
    category: str
    created_at: datetime


def open_offers(
    community: Community, locale: str, *, limit: int = SHOWN, now: datetime | None = None
) -> list[PublicOffer]:
    """The newest active offers of active members, or none when the community does not
    show offers publicly."""
    if not community.public_offers:
        return []
    rows = db.session.execute(
        select(Listing.title, Listing.language, Listing.created_at, Category)
        .join(Category, Category.id == Listing.category_id)
        .join(Membership, Membership.id == Listing.owner_id)
        .where(
            Listing.community_id == community.id,
            Listing.kind == ListingKind.OFFER,
            Listing.status == ListingStatus.ACTIVE,
            Listing.expires_at > (now or utcnow()),
            Membership.status == MembershipStatus.ACTIVE,
        )
        .order_by(Listing.created_at.desc(), Listing.id.desc())
        .limit(limit)
    ).all()
    return [
        PublicOffer(title, language, category.display_name(locale), created_at)
        for title, language, created_at, category in rows
    ]


NEAR = 4


@dataclass(frozen=True)
class NearbyListing:
    """A compact card on the member home: read as plain columns."""

    id: int
    kind: ListingKind
    title: str
    language: str
    created_at: datetime
    duration_minutes: int | None
    category_en: str
    category_ar: str
    category_key: str
    place_en: str | None
    place_ar: str | None
    near: bool

    def category_name(self, locale: str) -> str:
        return self.category_ar if locale == "ar" else self.category_en

    def place_name(self, locale: str) -> str | None:
        return self.place_ar if locale == "ar" else self.place_en


@dataclass(frozen=True)
class Nearby:
    """The member home's recent offers and requests, and where the member lives (None:
    not chosen from the list, so nothing comes first)."""

    items: list[NearbyListing]
    neighbourhood_id: int | None


def near_member(
    membership: Membership, *, limit: int = NEAR, now: datetime | None = None
) -> Nearby:
    """Up to ``limit`` recent open offers and requests of other members: those in the
    member's neighbourhood first, then the rest of the community, newest first in each.
    Two queries whatever the number of listings; each half reads at most ``limit`` rows
    of an index (ix_listings_neighbourhood_id, ix_listings_browse)."""
    mine = db.session.scalar(
        select(Profile.neighbourhood_id).where(Profile.membership_id == membership.id)
    )
    conditions = [
        *search.open_conditions(membership.community, now=now),
        Listing.owner_id != membership.id,
    ]
    newest = (Listing.created_at.desc(), Listing.id.desc())
    halves = []
    if mine is not None:
        halves.append(
            select(Listing.id, Listing.created_at, literal(0).label("rank"))
            .where(*conditions, Listing.neighbourhood_id == mine)
            .order_by(*newest)
            .limit(limit)
            .subquery()
        )
    elsewhere = or_(Listing.neighbourhood_id.is_(None), Listing.neighbourhood_id != mine)
    halves.append(
        select(Listing.id, Listing.created_at, literal(1).label("rank"))
        .where(*conditions, *([elsewhere] if mine is not None else []))
        .order_by(*newest)
        .limit(limit)
        .subquery()
    )
    found = union_all(*(select(h.c.id, h.c.created_at, h.c.rank) for h in halves)).subquery()
    parent = aliased(Category)
    # Plain rows, as the browse cards are read (not ORM objects).
    rows: Any = db.session.execute(
        select(
            Listing.id,
            Listing.kind,
            Listing.title,
            Listing.language,
            Listing.created_at,
            Listing.duration_minutes,
            Category.name_en,
            Category.name_ar,
            func.coalesce(parent.key, Category.key),
            Neighbourhood.name_en,
            Neighbourhood.name_ar,
            found.c.rank == 0,
        )
        .select_from(found)
        .join(Listing, Listing.id == found.c.id)
        .join(Category, Category.id == Listing.category_id)
        .outerjoin(parent, parent.id == Category.parent_id)
        .outerjoin(Neighbourhood, Neighbourhood.id == Listing.neighbourhood_id)
        .order_by(found.c.rank, found.c.created_at.desc(), found.c.id.desc())
        .limit(limit)
    ).all()
    return Nearby([NearbyListing(*row) for row in rows], mine)
