"""Browse and search: listings and the member directory of one community.

Words are normalised (``textsearch``) and matched with the database's own full-text
search — FTS5 ranked by bm25 on SQLite, a GIN-indexed ``tsvector`` ranked by ``ts_rank``
on PostgreSQL — then filtered and paginated. Every page issues a fixed number of queries,
whatever the number of listings or members."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, literal, literal_column, or_, select, text
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
from timebank.services.paging import Page
from timebank.services.textsearch import fts5_query, terms, tsquery

MAX_PAGE = 1000
_SIMPLE = literal_column("'simple'::regconfig")


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
        # Materialise the matches first: otherwise SQLite may walk the table and probe
        # the FTS5 index once per row, which is hundreds of times slower.
        fts_name = literal_column(fts.name)
        weights = (4.0, 1.0) if table == "listings" else ()
        matches = (
            select(fts.c.rowid.label("id"), func.bm25(fts_name, *weights).label("rank"))
            .where(fts_name.op("MATCH")(fts5_query(words)))
            .cte(f"{table}_matches")
            .prefix_with("MATERIALIZED")
        )
        return query.join(matches, matches.c.id == model.id).order_by(
            matches.c.rank, model.id.desc()
        )
    vector = pg_vector(table)
    wanted = func.to_tsquery(_SIMPLE, tsquery(words))
    return query.where(vector.op("@@")(wanted)).order_by(
        func.ts_rank(vector, wanted).desc(), model.id.desc()
    )


def _clamp(page: int) -> int:
    return min(max(page, 1), MAX_PAGE)


def _count(query: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))


def _paginate(query: Select, page: int, per_page: int) -> Page:
    """A page of rows (tuples) and the total: a count, then the page."""
    page = _clamp(page)
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).unique().all()
    return Page(items=[tuple(r) for r in rows], page=page, per_page=per_page, total=_count(query))


def _paginate_ids(ids: Select, page: int, per_page: int, *, ranked: bool) -> tuple[list, int]:
    """The ids on one page and the total. Only ids travel through the ranking and sorting
    (wide rows are loaded afterwards for the page alone). A ranked search computes the
    matches once, counting them with ``count(*) OVER ()``; browsing counts separately, so
    the newest-first page can stop early along its index."""
    offset = (page - 1) * per_page
    if not ranked:
        # Newest first walks ix_listings_browse (community, status, created_at, …) and
        # stops after one page; the count reads the same index without touching rows.
        found = db.session.scalars(ids.limit(per_page).offset(offset)).all()
        return list(found), _count(ids)
    rows = db.session.execute(
        ids.add_columns(func.count().over()).limit(per_page).offset(offset)
    ).all()
    total = rows[-1][1] if rows else (_count(ids) if offset else 0)
    return [row[0] for row in rows], total


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
    """Active, unexpired listings of active members of ``community`` matching
    ``filters``: ranked by relevance when there are words to search for, newest first
    otherwise."""
    active_owners = select(Membership.id).where(
        Membership.community_id == community.id, Membership.status == MembershipStatus.ACTIVE
    )
    query = select(Listing.id).where(
        Listing.community_id == community.id,
        Listing.status == ListingStatus.ACTIVE,
        # coalesce(): keep planners (SQLite without ANALYZE statistics) from range-scanning
        # the expiry index and sorting every listing; ix_listings_browse serves the order.
        func.coalesce(Listing.expires_at, Listing.expires_at) > (now or utcnow()),
        Listing.owner_id.in_(active_owners),  # not those of suspended or departed members
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
    page = _clamp(page)
    ids, total = _paginate_ids(query, page, per_page, ranked=bool(words))
    loaded = {
        listing.id: listing
        for listing in db.session.scalars(
            select(Listing)
            .options(
                joinedload(Listing.owner).joinedload(Membership.user),
                joinedload(Listing.category),
            )
            .where(Listing.id.in_(ids or [-1]))
        )
    }
    return Page(items=[loaded[i] for i in ids], page=page, per_page=per_page, total=total)


# Distinct neighbourhoods by hopping along the (community_id, neighbourhood) index: one
# index probe per name instead of a scan of every listing.
_NEIGHBOURHOODS = text(
    """
    WITH RECURSIVE found(name, n) AS (
        SELECT min(neighbourhood), 1 FROM listings
        WHERE community_id = :community AND neighbourhood IS NOT NULL
        UNION ALL
        SELECT (SELECT min(neighbourhood) FROM listings
                WHERE community_id = :community AND neighbourhood > found.name), n + 1
        FROM found WHERE found.name IS NOT NULL AND n < :limit
    )
    SELECT name FROM found WHERE name IS NOT NULL
    """
)


def listing_neighbourhoods(community: Community, limit: int = 200) -> list[str]:
    """Neighbourhoods the community's listings name, in order (for the filter)."""
    rows = db.session.scalars(_NEIGHBOURHOODS, {"community": community.id, "limit": limit})
    return list(rows)


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
    return _paginate(query, page, per_page)


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
