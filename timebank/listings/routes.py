"""Offers and requests: browse and search, detail, post, edit, pause, resume, renew,
close (after a confirmation page) and "my listings"."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from timebank import web
from timebank.access import community_required
from timebank.extensions import limiter
from timebank.forms import ConfirmForm, ListingForm, options, with_places
from timebank.i18n import current_language
from timebank.listings import bp
from timebank.models import Category, Community, Listing, ListingStatus
from timebank.services import permissions
from timebank.services.exchanges import listing_hours
from timebank.services.languages import SPOKEN_LANGUAGES
from timebank.services.listings import categories, listings, search


def _category_choices(community: Community, keep: Category | None = None) -> list[SelectChoice]:
    language = current_language()
    choices: list[tuple[int | str, str]] = [("", _("Choose a category"))]
    for category in categories.tree(community):
        prefix = "— " if category.parent_id else ""
        choices.append((category.id, prefix + category.display_name(language)))
    if keep is not None and keep.is_retired:
        label = _("%(name)s (no longer used)", name=keep.display_name(language))
        choices.append((keep.id, label))
    return options(choices)


def _listing(community: Community, listing_id: int) -> Listing:
    """The listing, if it belongs to this community and the reader may see it: active
    ones of active members for every member; the others for their owner and the
    coordinators only."""
    listing = listings.find(community, listing_id)
    if listing is None:
        abort(404)
    visible = listing.status == ListingStatus.ACTIVE and listing.owner.is_active
    if not visible and not permissions.can_manage_listing(current_user, listing):
        abort(404)
    return listing


def _managed(community: Community, listing_id: int) -> Listing:
    listing = _listing(community, listing_id)
    if not permissions.can_manage_listing(current_user, listing):
        abort(403)
    return listing


def _detail_url(community: Community, listing: Listing) -> str:
    return url_for("listings.detail", slug=community.slug, listing_id=listing.id)


def _render_form(community: Community, form: ListingForm, listing: Listing | None) -> str:
    return render_template("listings/form.html", community=community, form=form, listing=listing)


def _new_form(community: Community) -> ListingForm:
    """A blank listing: in the reader's language, an offer unless ``?kind=`` says."""
    form = ListingForm()
    form.category_id.choices = _category_choices(community)
    owner = permissions.membership_of(current_user, community)
    with_places(form, community, owner=owner, fill=request.method == "GET")
    if request.method == "GET":
        form.language.data = current_language()
        form.kind.data = request.args.get("kind") if request.args.get("kind") else "offer"
    return form


@bp.route("/")
@community_required("member")
def browse(community: Community) -> str:
    filters = web.search_filters()
    page = search.listings(
        community, filters, page=web.page_number(), per_page=current_app.config["PER_PAGE"]
    )
    return render_template(
        "listings/browse.html",
        community=community,
        page=page,
        filters=filters,
        category_tree=categories.tree(community),
        neighbourhoods=search.listing_neighbourhoods(community, current_language()),
        languages=SPOKEN_LANGUAGES,
        can_post=permissions.can_post_listing(current_user, community),
    )


@bp.route("/mine")
@community_required("member")
def mine(community: Community) -> str:
    page = listings.owned_page(
        permissions.membership_of(current_user, community),
        page=web.page_number(),
        per_page=current_app.config["PER_PAGE"],
    )
    return render_template(
        "listings/mine.html",
        community=community,
        page=page,
        form=ConfirmForm(),
        can_post=permissions.can_post_listing(current_user, community),
    )


def _posting_limit() -> str:
    return current_app.config["LISTING_RATE_LIMIT"]


def _poster_key() -> str:
    return f"listing-poster:{current_user.id}" if current_user.is_authenticated else "anonymous"


@bp.route("/new", methods=["GET", "POST"])
@limiter.limit(
    _posting_limit,
    methods=["POST"],
    key_func=_poster_key,
    deduct_when=lambda response: response.status_code == 302,
)
@community_required("participant")
def new(community: Community) -> Response | str:
    if not permissions.can_post_listing(current_user, community):
        abort(403)
    form = _new_form(community)
    if form.validate_on_submit():
        posted = web.run(
            lambda: listings.create(community, actor=web.actor(), data=form.to_input()),
            form=form,
            success=_("Your listing is published."),
            aliases=form.ERROR_FIELDS,
        ).value
        if posted is not None:
            return redirect(_detail_url(community, posted))
    return _render_form(community, form, None)


@bp.route("/<int:listing_id>")
@community_required("member")
def detail(community: Community, listing_id: int) -> str:
    listing = _listing(community, listing_id)
    return render_template(
        "listings/detail.html",
        community=community,
        listing=listing,
        can_manage=permissions.can_manage_listing(current_user, listing),
        form=ConfirmForm(),
        languages=SPOKEN_LANGUAGES,
        hours=listing_hours.for_listing(listing, actor=web.actor()),
    )


@bp.route("/<int:listing_id>/edit", methods=["GET", "POST"])
@community_required("member")
def edit(community: Community, listing_id: int) -> Response | str:
    listing = _managed(community, listing_id)
    if listing.status == ListingStatus.CLOSED:
        flash(_("A closed listing cannot be changed."), "error")
        return redirect(_detail_url(community, listing))
    form = ListingForm(obj=listing if request.method == "GET" else None)
    if request.method == "GET":
        form.kind.data = listing.kind.value
    form.category_id.choices = _category_choices(community, keep=listing.category)
    with_places(form, community, owner=None, listing=listing, fill=request.method == "GET")
    if form.validate_on_submit() and web.run(
        lambda: listings.update_listing(listing, actor=web.actor(), data=form.to_input()),
        form=form,
        success=_("Your changes are saved."),
        aliases=form.ERROR_FIELDS,
    ):
        return redirect(_detail_url(community, listing))
    return _render_form(community, form, listing)


_ACTIONS = {
    "pause": (
        listings.pause,
        _l("The listing is paused: members do not see it until you resume it."),
    ),
    "resume": (listings.resume, _l("The listing is shown again.")),
    "renew": (listings.renew, _l("The listing is renewed for another period.")),
}


def _state_change(community: Community, listing_id: int, action: str) -> Response:
    listing = _managed(community, listing_id)
    service, message = _ACTIONS[action]
    if not ConfirmForm().validate_on_submit():
        return redirect(_detail_url(community, listing))
    return web.act(
        lambda: service(listing, actor=web.actor()), str(message), _detail_url(community, listing)
    )


@bp.route("/<int:listing_id>/pause", methods=["POST"])
@community_required("member")
def pause(community: Community, listing_id: int) -> Response:
    return _state_change(community, listing_id, "pause")


@bp.route("/<int:listing_id>/resume", methods=["POST"])
@community_required("member")
def resume(community: Community, listing_id: int) -> Response:
    return _state_change(community, listing_id, "resume")


@bp.route("/<int:listing_id>/renew", methods=["POST"])
@community_required("member")
def renew(community: Community, listing_id: int) -> Response:
    return _state_change(community, listing_id, "renew")


@bp.route("/<int:listing_id>/close", methods=["GET", "POST"])
@community_required("member")
def close(community: Community, listing_id: int) -> Response | str:
    listing = _managed(community, listing_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        return web.act(
            lambda: listings.close(listing, actor=web.actor()),
            _("The listing is closed."),
            url_for("listings.mine", slug=community.slug),
        )
    return render_template("listings/close.html", community=community, listing=listing, form=form)
