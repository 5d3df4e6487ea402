"""Browse and search: listings and the member directory of one community.

Words are normalised and lightly stemmed (``textsearch``) and matched with the database's
own full-text search — FTS5 ranked by bm25 on SQLite, a GIN-indexed ``tsvector`` ranked
by ``ts_rank`` on PostgreSQL — then filtered and paginated. Every page issues a fixed
number of queries, whatever the number of listings or members."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnClause,
    Select,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import aliased, contains_eager

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
    User,
    utcnow,
)
from timebank.models.search_index import LISTING_VECTOR, LISTINGS_FTS, PROFILES_FTS, pg_vector
from timebank.services.identifiers import parse_id
from timebank.services.listings import neighbourhoods
from timebank.services.paging import Page
from timebank.services.textsearch import fts5_query, query_terms, tsquery

MAX_PAGE = 1000
# Listings are counted, and a search ranks its matches, up to this many.
RESULT_CAP = 1000
_SIMPLE: ColumnClause[Any] = literal_column("'simple'::regconfig")


@dataclass(frozen=True)
class Filters:
    q: str = ""
    kind: str | None = None
    category_id: int | None = None
    neighbourhood: str | None = None
    language: str | None = None
    # Facets asked for that cannot be applied (``category`` not an id, an unknown ``kind``
    # or ``language``): nothing matches them, never "any".
    unreadable: frozenset[str] = frozenset()


def _nothing(per_page: int) -> Page:
    return Page(items=[], page=1, per_page=per_page, total=0)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _matching(query: Select, model, fts, table: str, words: list[tuple[str, ...]]) -> Select:
    """Join the full-text match for ``words`` and order by relevance, best first."""
    if _dialect() == "sqlite":
        # Materialise the matches first: otherwise SQLite may walk the table and probe
        # the FTS5 index once per row, which is hundreds of times slower.
        fts_name: ColumnClause[Any] = literal_column(fts.name)
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
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def _paginate(query: Select, page: int, per_page: int) -> Page:
    """A page of rows (tuples) and the total: a count, then the page."""
    page = _clamp(page)
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).unique().all()
    return Page(items=[tuple(r) for r in rows], page=page, per_page=per_page, total=_count(query))


def _category_ids(category_id: int) -> Select:
    return select(Category.id).where(
        or_(Category.id == category_id, Category.parent_id == category_id)
    )


@dataclass(frozen=True)
class ListingCard:
    """What a result shows of a listing: read as plain columns, not as ORM objects."""

    id: int
    kind: ListingKind
    is_group: bool
    title: str
    neighbourhood: str | None
    when_text: str | None
    owner_id: int
    owner_name: str | None
    category_en: str
    category_ar: str
    created_at: datetime
    # The top-level category's key (the listing's own when it has no parent): its icon.
    category_key: str
    duration_minutes: int | None = None
    neighbourhood_id: int | None = None
    place_en: str | None = None
    place_ar: str | None = None
    language: str = "en"

    def category_name(self, locale: str) -> str:
        return self.category_ar if locale == "ar" else self.category_en

    def place_name(self, locale: str) -> str | None:
        """Where, in the reader's language (the entry's name, else the owner's words)."""
        if self.neighbourhood_id is None:
            return self.neighbourhood
        return self.place_ar if locale == "ar" else self.place_en


def _conditions(community: Community, filters: Filters, now: datetime) -> list:
    # A correlated EXISTS, probed by primary key for each listing in the browse index's
    # order: with statistics, ``owner_id IN (active members)`` led SQLite to read every
    # listing through ix_listings_owner_id and sort them all.
    active_owner = exists().where(
        Membership.id == Listing.owner_id,
        Membership.community_id == community.id,
        Membership.status == MembershipStatus.ACTIVE,
    )
    conditions = [
        Listing.community_id == community.id,
        Listing.status == ListingStatus.ACTIVE,
        # coalesce(): keep planners (SQLite without ANALYZE statistics) from range-scanning
        # the expiry index and sorting every listing; ix_listings_browse serves the order.
        func.coalesce(Listing.expires_at, Listing.expires_at) > now,
        active_owner,  # not those of suspended or departed members
    ]
    if filters.kind in {k.value for k in ListingKind}:
        conditions.append(Listing.kind == ListingKind(filters.kind))
    if filters.category_id:
        conditions.append(Listing.category_id.in_(_category_ids(filters.category_id)))
    if filters.neighbourhood:
        entry = _entry(community, filters.neighbourhood)
        conditions.append(
            Listing.neighbourhood_id == entry.id
            if entry is not None
            else Listing.neighbourhood == filters.neighbourhood
        )
    if filters.language:
        conditions.append(Listing.language == filters.language)
    return conditions


def open_conditions(community: Community, *, now: datetime | None = None) -> list:
    """What browsing shows of ``community`` without filters: active, unexpired listings
    of active members (conditions that keep to ix_listings_browse)."""
    return _conditions(community, Filters(), now or utcnow())


def _candidates(conditions: list, words: list[tuple[str, ...]]):
    """The newest ``RESULT_CAP + 1`` matching listings with their relevance (lower is
    better). Only these are ranked: bm25 or ts_rank over every match of a common word is
    what made a search slow, and the newest matches are the ones still worth answering."""
    if _dialect() == "sqlite":
        fts_name: ColumnClause[Any] = literal_column(LISTINGS_FTS.name)
        # The FTS5 table drives the join, newest rowid first, and stops after the cap:
        # bm25 is computed only for rows that pass the filters.
        return (
            select(Listing.id.label("id"), func.bm25(fts_name, 4.0, 1.0).label("rank"))
            .select_from(LISTINGS_FTS)
            .join(Listing, Listing.id == LISTINGS_FTS.c.rowid)
            .where(fts_name.op("MATCH")(fts5_query(words)), *conditions)
            .order_by(LISTINGS_FTS.c.rowid.desc())
            .limit(RESULT_CAP + 1)
            .cte("candidates")
            .prefix_with("MATERIALIZED")
        )
    wanted = func.to_tsquery(_SIMPLE, tsquery(words))
    matches = (
        select(Listing.id.label("id"))
        .where(LISTING_VECTOR.op("@@")(wanted), *conditions)
        .order_by(Listing.id.desc())
        .limit(RESULT_CAP + 1)
        .subquery()
    )
    # ts_rank after the cap, on the stored vector: at most RESULT_CAP + 1 rows.
    rank = -func.ts_rank(LISTING_VECTOR, wanted)
    return (
        select(matches.c.id, rank.label("rank"))
        .join(Listing, Listing.id == matches.c.id)
        .cte("candidates")
    )


def _cards(ids, total, order: list) -> Select:
    """The card columns of the listings in ``ids`` (a subquery with ``id``) in ``order``,
    and ``total`` on each row."""
    parent = aliased(Category)
    return (
        select(
            Listing.id,
            Listing.kind,
            Listing.is_group,
            Listing.title,
            Listing.neighbourhood,
            Listing.when_text,
            Listing.owner_id,
            User.display_name,
            Category.name_en,
            Category.name_ar,
            Listing.created_at,
            func.coalesce(parent.key, Category.key),
            Listing.duration_minutes,
            Listing.neighbourhood_id,
            Neighbourhood.name_en,
            Neighbourhood.name_ar,
            Listing.language,
            total,
        )  # fmt: skip
        .select_from(ids)
        .join(Listing, Listing.id == ids.c.id)
        .join(Membership, Membership.id == Listing.owner_id)
        .join(User, User.id == Membership.user_id)
        .join(Category, Category.id == Listing.category_id)
        .outerjoin(parent, parent.id == Category.parent_id)
        .outerjoin(Neighbourhood, Neighbourhood.id == Listing.neighbourhood_id)
        .order_by(*order)
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
    ``filters`` (as ``ListingCard`` rows): ranked by relevance when there are words to
    search for, newest first otherwise. One query, whatever the number of listings.

    Counting stops after ``RESULT_CAP``: the page then says "more than …"
    (``Page.capped``) and only that many can be paged through. A search ranks the newest
    ``RESULT_CAP`` matches; more words or a filter bring older ones in. Unreadable
    filters match nothing."""
    if filters.unreadable:
        return _nothing(per_page)
    conditions = _conditions(community, filters, now or utcnow())
    page = min(_clamp(page), -(-RESULT_CAP // per_page))
    offset = (page - 1) * per_page
    words = query_terms(filters.q)
    limit = min(per_page, RESULT_CAP - offset)
    if words:
        found = _candidates(conditions, words)
        total = select(func.count()).select_from(found).scalar_subquery()
        oldest = select(func.min(found.c.id)).scalar_subquery()
        ids = (
            select(found.c.id, found.c.rank)
            # The one past the cap only tells that there are more: it is not ranked.
            .where(or_(total <= RESULT_CAP, found.c.id > oldest))
            .order_by(found.c.rank, found.c.id.desc())
            .limit(limit)
            .offset(offset)
            .subquery()
        )
        order: list[Any] = [ids.c.rank, ids.c.id.desc()]
    else:
        capped = select(Listing.id).where(*conditions).limit(RESULT_CAP + 1).subquery()
        total = select(func.count()).select_from(capped).scalar_subquery()
        newest: list[Any] = [Listing.created_at.desc(), Listing.id.desc()]
        ids = (
            select(Listing.id)
            .where(*conditions)
            .order_by(*newest)
            .limit(limit)
            .offset(offset)
            .subquery()
        )
        order = newest
    rows = db.session.execute(_cards(ids, total, order)).all()
    items = [ListingCard(*row[:-1]) for row in rows]
    # Without a row to carry the total (an empty page, or one past the end), ask for it.
    count: int = rows[0][-1] if rows else ((db.session.scalar(select(total)) or 0) if offset else 0)
    return Page(
        items=items,
        page=page,
        per_page=per_page,
        total=min(count, RESULT_CAP),
        capped=count > RESULT_CAP,
    )


def listing_neighbourhoods(community: Community, locale: str) -> list[tuple[str, str]]:
    """(value, name) of the list's active entries, for the browse filter: one entry per
    place, named in the reader's language."""
    return member_neighbourhoods(community, locale)


def members(community: Community, filters: Filters, *, page: int = 1, per_page: int = 25) -> Page:
    """Active members as (membership, profile) rows. Searching and filtering look only at
    what each member shows everyone (name, shown skills, neighbourhood and languages), so
    a search never reveals a hidden detail. Category and type find members with such an
    active listing. Unreadable filters match nothing."""
    if filters.unreadable:
        return _nothing(per_page)
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
        query = query.where(Profile.show_neighbourhood.is_(True), _lives_in(community, filters))
    if filters.category_id or filters.kind in {k.value for k in ListingKind}:
        owners = select(Listing.owner_id).where(
            Listing.community_id == community.id, Listing.status == ListingStatus.ACTIVE
        )
        if filters.category_id:
            owners = owners.where(Listing.category_id.in_(_category_ids(filters.category_id)))
        if filters.kind in {k.value for k in ListingKind}:
            owners = owners.where(Listing.kind == ListingKind(filters.kind))
        query = query.where(Membership.id.in_(owners))
    words = query_terms(filters.q)
    if words:
        query = _matching(query, Profile, PROFILES_FTS, "profiles", words)
    else:
        query = query.order_by(User.display_name, Membership.id)
    return _paginate(query, page, per_page)


def _entry(community: Community, wanted: str) -> Neighbourhood | None:
    """The entry a neighbourhood filter names: by id (what the filters offer), or by its
    name in either language (older links); None for words no entry has."""
    entry = neighbourhoods.get(community, parse_id(wanted)) if wanted.isdigit() else None
    return entry if entry is not None else neighbourhoods.match(community, wanted)


def _lives_in(community: Community, filters: Filters):
    """The directory's neighbourhood filter: an entry of the list, else a member's own
    words."""
    wanted = filters.neighbourhood or ""
    entry = _entry(community, wanted)
    if entry is not None:
        return Profile.neighbourhood_id == entry.id
    return Profile.neighbourhood == wanted


def member_neighbourhoods(community: Community, locale: str) -> list[tuple[str, str]]:
    """(value, name) of the list's active entries, for the directory filter."""
    return [(str(n.id), n.display_name(locale)) for n in neighbourhoods.active(community, locale)]
