"""API v1 listings: search (the web's search service and filters), show, create, change
and close an offer or request, with the same visibility and permission checks as the
listing pages."""

from __future__ import annotations

from flask import abort
from flask_babel import get_locale

from timebank.api import bp
from timebank.api import schemas_more as schemas
from timebank.api.tokens import caller, community_of_caller, scope_required
from timebank.api.writes import create_once, write
from timebank.models import Community, Listing, ListingStatus
from timebank.services import permissions
from timebank.services.listings import listings, search

_FIELDS = ("kind", "title", "description", "category_id", "neighbourhood", "when_text",
           "language", "is_group", "neighbourhood_id", "duration_minutes")  # fmt: skip


def _listing(community: Community, listing_id: int) -> Listing:
    """As on the web: active listings of active members for every member, the others
    for their owner and the coordinators only (404 otherwise)."""
    listing = listings.find(community, listing_id)
    if listing is None:
        abort(404)
    visible = listing.status == ListingStatus.ACTIVE and listing.owner.is_active
    if not visible and not permissions.can_manage_listing(caller(), listing):
        abort(404)
    return listing


def _managed(community: Community, listing_id: int) -> Listing:
    listing = _listing(community, listing_id)
    if not permissions.can_manage_listing(caller(), listing):
        abort(403)
    return listing


def _out(listing: Listing) -> dict:
    locale = str(get_locale())
    arabic = locale == "ar"
    category = listing.category
    return {
        **{name: getattr(listing, name) for name in _FIELDS},
        "neighbourhood": listing.place_name(locale),
        "id": listing.id, "kind": listing.kind.value, "status": listing.status.value,
        "category": category.name_ar if arabic else category.name_en,
        "owner_id": listing.owner_id, "created_at": listing.created_at,
        "updated_at": listing.updated_at, "expires_at": listing.expires_at,
    }  # fmt: skip


def _input(data: dict, current: Listing | None = None) -> listings.ListingInput:
    values = {name: getattr(current, name) for name in _FIELDS} if current else {}
    if current is not None:
        values["kind"] = current.kind.value
    values.setdefault("description", "")
    values.setdefault("language", str(get_locale()))
    if "neighbourhood" in data and "neighbourhood_id" not in data:
        values["neighbourhood_id"] = None  # a name sent instead of the id
    if "neighbourhood_id" in data and "neighbourhood" not in data:
        values["neighbourhood"] = None
    values.update(data)
    return listings.ListingInput(**values)


@bp.route("/communities/<slug>/listings")
@scope_required("read")
@bp.arguments(schemas.ListingSearchArgs, location="query")
@bp.response(200, schemas.ListingPageOut)
def listing_search(args: dict, slug: str):
    """Active offers and requests: words (`q`), `kind`, `category` and `neighbourhood`
    (an entry's id) as on the browse page; ranked by relevance with words, newest first
    without."""
    community, _ = community_of_caller(slug)
    place = args.get("neighbourhood")
    filters = search.Filters(q=args["q"].strip(), kind=args.get("kind"),
                             category_id=args.get("category"),
                             neighbourhood=str(place) if place else None)  # fmt: skip
    page = search.listings(community, filters, page=args.get("cursor", 1), per_page=args["limit"])
    locale = str(get_locale())
    items = [
        {"id": c.id, "kind": c.kind.value, "is_group": c.is_group, "title": c.title,
         "neighbourhood_id": c.neighbourhood_id, "neighbourhood": c.place_name(locale),
         "duration_minutes": c.duration_minutes, "when_text": c.when_text,
         "owner_id": c.owner_id, "owner_name": c.owner_name,
         "category": c.category_name(locale)}
        for c in page.items
    ]  # fmt: skip
    following = page.next_num if page.has_next and page.items else None
    return {"items": items, "total": page.total, "next": following}


@bp.route("/communities/<slug>/listings/<int:listing_id>")
@scope_required("read")
@bp.response(200, schemas.ListingOut)
def listing_show(slug: str, listing_id: int):
    """One listing, if the caller may see it (as on the listing page)."""
    community, _ = community_of_caller(slug)
    return _out(_listing(community, listing_id))


@bp.route("/communities/<slug>/listings", methods=["POST"])
@scope_required("listings:write")
@bp.arguments(schemas.ListingIn)
@bp.response(201, schemas.ListingOut)
def listing_create(data: dict, slug: str):
    """Post an offer or request as the caller (the same rules as the web form)."""
    community, _ = community_of_caller(slug)
    listing = create_once(
        "listing.create",
        lambda: listings.create(community, actor=caller(), data=_input(data)),
        community_id=community.id,
        load=lambda listing_id: _listing(community, listing_id),
    )
    return _out(listing)


@bp.route("/communities/<slug>/listings/<int:listing_id>", methods=["PATCH"])
@scope_required("listings:write")
@bp.arguments(schemas.ListingPatch)
@bp.response(200, schemas.ListingOut)
def listing_update(data: dict, slug: str, listing_id: int):
    """Change the fields sent; the others keep their value (owner or coordinator)."""
    community, _ = community_of_caller(slug)
    listing = _managed(community, listing_id)
    changed = write(
        "listing.update",
        lambda _key: listings.update_listing(listing, actor=caller(), data=_input(data, listing)),
        community_id=community.id,
        keyed=False,
    )
    return _out(changed)


@bp.route("/communities/<slug>/listings/<int:listing_id>/close", methods=["POST"])
@scope_required("listings:write")
@bp.response(200, schemas.ListingOut)
def listing_close(slug: str, listing_id: int):
    """Close a listing for good (it stays on old records)."""
    community, _ = community_of_caller(slug)
    listing = _managed(community, listing_id)
    closed = write(
        "listing.close",
        lambda _key: listings.close(listing, actor=caller()),
        community_id=community.id,
        keyed=False,
    )
    return _out(closed)
