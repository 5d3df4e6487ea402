"""The link between a listing and the exchanges recorded from it (``exchanges.listing_id``):
the listing an exchange came from, the exchanges a listing produced (for those allowed to
see them) with their hours, and the hours per listing category for the metrics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from timebank.extensions import db
from timebank.models import (
    Account,
    Community,
    Exchange,
    ExchangeKind,
    ExchangeStatus,
    Listing,
    Membership,
    User,
)
from timebank.services import permissions

S = ExchangeStatus


def listing_of(exchange: Exchange) -> Listing | None:
    """The offer or request the exchange was recorded from, or None."""
    if exchange.listing_id is None:
        return None
    return db.session.get(Listing, exchange.listing_id)


@dataclass(frozen=True)
class ListingExchange:
    id: int
    status: S
    minutes: int
    service_date: date
    provider: str
    recipient: str


@dataclass(frozen=True)
class ListingHours:
    """The exchanges of a listing the reader may see (newest first) and the minutes
    posted among them."""

    exchanges: list[ListingExchange]
    posted_minutes: int


def for_listing(listing: Listing, *, actor: User) -> ListingHours:
    """The exchanges recorded from ``listing`` that ``actor`` may see (as for the exchange
    page: its two parties and the community's coordinators), in one query, and the
    minutes posted among them (posted exchanges not later reversed)."""
    provider_m, recipient_m = aliased(Membership), aliased(Membership)
    provider_u, recipient_u = aliased(User), aliased(User)
    provider_a, recipient_a = aliased(Account), aliased(Account)
    query = (
        select(
            Exchange.id,
            Exchange.status,
            Exchange.minutes,
            Exchange.service_date,
            provider_u.id,
            provider_u.display_name,
            recipient_u.id,
            recipient_u.display_name,
        )  # fmt: skip
        .join(provider_a, provider_a.id == Exchange.provider_account_id)
        .join(provider_m, provider_m.id == provider_a.membership_id)
        .join(provider_u, provider_u.id == provider_m.user_id)
        .join(recipient_a, recipient_a.id == Exchange.recipient_account_id)
        .join(recipient_m, recipient_m.id == recipient_a.membership_id)
        .join(recipient_u, recipient_u.id == recipient_m.user_id)
        .where(Exchange.listing_id == listing.id, Exchange.community_id == listing.community_id)
        .order_by(Exchange.service_date.desc(), Exchange.id.desc())
    )
    if not permissions.can_act_for_members(actor, listing.community):
        query = query.where((provider_u.id == actor.id) | (recipient_u.id == actor.id))
    rows = [
        ListingExchange(id_, status, minutes, day, p_name, r_name)
        for id_, status, minutes, day, _p, p_name, _r, r_name in db.session.execute(query)
    ]
    posted = sum(row.minutes for row in rows if row.status == S.POSTED)
    return ListingHours(rows, posted)


def minutes_by_listing_category(
    community: Community, *, start: date | None = None, end: date | None = None
) -> dict[int, int]:
    """Minutes posted in ``community`` (exchanges recorded from a listing, not reversed),
    by the category id of their listing, for services on ``start`` … ``end`` (inclusive,
    either open). Categories without such hours are absent. One query."""
    query = (
        select(Listing.category_id, func.sum(Exchange.minutes))
        .join(Listing, Listing.id == Exchange.listing_id)
        .where(
            Exchange.community_id == community.id,
            Exchange.kind == ExchangeKind.EXCHANGE,
            Exchange.status == S.POSTED,
        )
        .group_by(Listing.category_id)
    )
    if start is not None:
        query = query.where(Exchange.service_date >= start)
    if end is not None:
        query = query.where(Exchange.service_date <= end)
    return {category_id: int(total) for category_id, total in db.session.execute(query)}
