"""Browse and search: listings and the member directory of one community.

Words are normalised (``textsearch``) and matched with the database's own full-text
search — FTS5 ranked by bm25 on SQLite, a GIN-indexed ``tsvector`` ranked by ``ts_rank``
on PostgreSQL — then filtered and paginated. Every page issues a fixed number of queries,
whatever the number of listings or members."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, literal, literal_column, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from timebank.extensions import db
from timebank.models import (
    Category,
    Community,
    Listing,
    ListingKind,
    ListingStatus,
    Membership,
    MembershipStatus,
    Profile,
    User,
    utcnow,
)
from timebank.models.search_index import LISTINGS_FTS, PROFILES_FTS, pg_vector
from timebank.services.textsearch import fts5_query, terms, tsquery

MAX_PAGE = 1000
_SIMPLE = literal_column("'simple'::regconfig")


@dataclass(frozen=True)
class Page:
    """One page of results, shaped for the ``pagination`` macro."""

    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


@dataclass(frozen=True)
class Filters:
    q: str = ""
    kind: str | None = None
    category_id: int | None = None
    neighbourhood: str | None = None
    language: str | None = None


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _matching(query: Select, model, fts, table: str, words: list[str]) -> Select:
    """Join the full-text match for ``words`` and order by relevance, best first."""
    if _dialect() == "sqlite":
        fts_name = literal_column(fts.name)
        return (
            query.join(fts, fts.c.rowid == model.id)
            .where(fts_name.op("MATCH")(fts5_query(words)))
            .order_by(
                func.bm25(fts_name, *((4.0, 1.0) if table == "listings" else ())), model.id.desc()
            )
        )
    vector = pg_vector(table)
    wanted = func.to_tsquery(_SIMPLE, tsquery(words))
    return query.where(vector.op("@@")(wanted)).order_by(
        func.ts_rank(vector, wanted).desc(), model.id.desc()
    )


def _paginate(query: Select, page: int, per_page: int, *, scalars: bool = True) -> Page:
    page = min(max(page, 1), MAX_PAGE)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    result = db.session.execute(query.limit(per_page).offset((page - 1) * per_page))
    items = list(result.unique().scalars() if scalars else result.unique().all())
    return Page(items=items, page=page, per_page=per_page, total=total or 0)


def _category_ids(category_id: int) -> Select:
    return select(Category.id).where(
        or_(Category.id == category_id, Category.parent_id == category_id)
    )


def listings(
    community: Community,
    filters: Filters,
    *,
    page: int = 1,
    per_page: int = 25,
    now: datetime | None = None,
) -> Page:
    """Active, unexpired listings of ``community`` matching ``filters``: ranked by
    relevance when there are words to search for, newest first otherwise."""
    query = (
        select(Listing)
        .options(
            joinedload(Listing.owner).joinedload(Membership.user),
            joinedload(Listing.category),
        )
        .where(
            Listing.community_id == community.id,
            Listing.status == ListingStatus.ACTIVE,
            Listing.expires_at > (now or utcnow()),
        )
    )
    if filters.kind in {k.value for k in ListingKind}:
        query = query.where(Listing.kind == ListingKind(filters.kind))
    if filters.category_id:
        query = query.where(Listing.category_id.in_(_category_ids(filters.category_id)))
    if filters.neighbourhood:
        query = query.where(Listing.neighbourhood == filters.neighbourhood)
    if filters.language:
        query = query.where(Listing.language == filters.language)
    words = terms(filters.q)
    if words:
        query = _matching(query, Listing, LISTINGS_FTS, "listings", words)
    else:
        query = query.order_by(Listing.created_at.desc(), Listing.id.desc())
    return _paginate(query, page, per_page)


def listing_neighbourhoods(community: Community, limit: int = 200) -> list[str]:
    """Neighbourhoods named by the community's active listings (for the filter)."""
    return list(
        db.session.scalars(
            select(Listing.neighbourhood)
            .where(
                Listing.community_id == community.id,
                Listing.status == ListingStatus.ACTIVE,
                Listing.neighbourhood.is_not(None),
            )
            .group_by(Listing.neighbourhood)
            .order_by(Listing.neighbourhood)
            .limit(limit)
        )
    )


def members(community: Community, filters: Filters, *, page: int = 1, per_page: int = 25) -> Page:
    """Active members as (membership, profile) rows. Searching and filtering look only at
    what each member shows everyone (name, shown skills, neighbourhood and languages), so
    a search never reveals a hidden detail. Category and type find members with such an
    active listing."""
    query = (
        select(Membership, Profile)
        .join(Membership.user)
        .outerjoin(Profile, Profile.membership_id == Membership.id)
        .options(contains_eager(Membership.user))
        .where(
            Membership.community_id == community.id,
            Membership.status == MembershipStatus.ACTIVE,
        )
    )
    if filters.language:
        padded = literal(" ").concat(Profile.languages).concat(" ")
        query = query.where(
            Profile.show_languages.is_(True), padded.contains(f" {filters.language} ")
        )
    if filters.neighbourhood:
        query = query.where(
            Profile.show_neighbourhood.is_(True), Profile.neighbourhood == filters.neighbourhood
        )
    if filters.category_id or filters.kind in {k.value for k in ListingKind}:
        owners = select(Listing.owner_id).where(
            Listing.community_id == community.id, Listing.status == ListingStatus.ACTIVE
        )
        if filters.category_id:
            owners = owners.where(Listing.category_id.in_(_category_ids(filters.category_id)))
        if filters.kind in {k.value for k in ListingKind}:
            owners = owners.where(Listing.kind == ListingKind(filters.kind))
        query = query.where(Membership.id.in_(owners))
    words = terms(filters.q)
    if words:
        query = _matching(query, Profile, PROFILES_FTS, "profiles", words)
    else:
        query = query.order_by(User.display_name, Membership.id)
    return _paginate(query, page, per_page, scalars=False)


def member_neighbourhoods(community: Community, limit: int = 200) -> list[str]:
    """Neighbourhoods members chose to show (for the directory filter)."""
    return list(
        db.session.scalars(
            select(Profile.neighbourhood)
            .join(Membership, Profile.membership_id == Membership.id)
            .where(
                Membership.community_id == community.id,
                Membership.status == MembershipStatus.ACTIVE,
                Profile.show_neighbourhood.is_(True),
                Profile.neighbourhood.is_not(None),
            )
            .group_by(Profile.neighbourhood)
            .order_by(Profile.neighbourhood)
            .limit(limit)
        )
    )
