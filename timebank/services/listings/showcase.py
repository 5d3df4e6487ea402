"""What a visitor (not signed in) may see of a community's offers (issue 16): a few open
offers, only where coordinators allowed it (``Community.public_offers``), and of each only
its title, category, language and date: never who offers it, the description or where."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from timebank.extensions import db
from timebank.models import (
    Category,
    Community,
    Listing,
    ListingKind,
    ListingStatus,
    Membership,
    MembershipStatus,
    utcnow,
)

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
