"""The member directory, member profiles, and editing one's own profile."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from timebank.access import community_required
from timebank.database import transaction
from timebank.extensions import db
from timebank.forms import apply_domain_error, int_or_none
from timebank.models import (
    Community,
    Listing,
    ListingStatus,
    Membership,
    MembershipStatus,
    Profile,
)
from timebank.profiles import bp
from timebank.profiles.forms import VISIBILITY_LABELS, ProfileForm
from timebank.services import permissions
from timebank.services.community import profiles
from timebank.services.exceptions import InvalidInput
from timebank.services.languages import SPOKEN_LANGUAGES
from timebank.services.listings import categories, search
from timebank.web import search_filters


@bp.route("/people/")
@community_required("member")
def directory(community: Community):
    filters = search_filters()
    page = search.members(
        community,
        filters,
        page=int_or_none(request.args.get("page")) or 1,
        per_page=current_app.config["PER_PAGE"],
    )
    viewer = current_user._get_current_object()
    views = [profiles.view_for(viewer, membership, profile) for membership, profile in page.items]
    return render_template(
        "profiles/directory.html",
        community=community,
        page=page,
        views=views,
        filters=filters,
        category_tree=categories.tree(community),
        neighbourhoods=search.member_neighbourhoods(community),
        languages=SPOKEN_LANGUAGES,
    )


@bp.route("/people/<int:membership_id>")
@community_required("member")
def show(community: Community, membership_id: int):
    membership = db.session.scalar(
        select(Membership)
        .options(joinedload(Membership.user))
        .where(
            Membership.id == membership_id,
            Membership.community_id == community.id,
            Membership.status == MembershipStatus.ACTIVE,
        )
    )
    if membership is None:
        abort(404)
    profile = db.session.scalar(select(Profile).where(Profile.membership_id == membership.id))
    listings = db.session.scalars(
        select(Listing)
        .options(joinedload(Listing.category))
        .where(Listing.owner_id == membership.id, Listing.status == ListingStatus.ACTIVE)
        .order_by(Listing.created_at.desc())
        .limit(50)
    ).all()
    viewer = current_user._get_current_object()
    return render_template(
        "profiles/show.html",
        community=community,
        view=profiles.view_for(viewer, membership, profile),
        is_me=membership.user_id == viewer.id,
        listings=listings,
        languages=SPOKEN_LANGUAGES,
        labels=VISIBILITY_LABELS,
    )


@bp.route("/profile/edit", methods=["GET", "POST"])
@community_required("participant")
def edit(community: Community):
    membership = permissions.membership_of(current_user, community)
    if membership is None or not membership.is_active:
        abort(403)  # installation admins without a membership have no profile here
    profile = db.session.scalar(select(Profile).where(Profile.membership_id == membership.id))
    form = ProfileForm()
    if request.method == "GET":
        form.display_name.data = current_user.display_name
        if profile is not None:
            for name in ("bio", "neighbourhood", "availability", "skills", "phone", "address"):
                getattr(form, name).data = getattr(profile, name)
            form.languages.data = profile.language_codes
            form.shown.data = [n for n in profiles.VISIBILITY if getattr(profile, f"show_{n}")]
        else:
            form.shown.data = list(profiles.PUBLIC_BY_DEFAULT)
    if form.validate_on_submit():
        actor = current_user._get_current_object()
        try:
            transaction(lambda: profiles.update(membership, actor=actor, data=form.to_input()))
        except InvalidInput as error:
            if not apply_domain_error(form, error):
                flash(error.message, "error")
        else:
            flash(_("Your profile is saved."), "success")
            return redirect(
                url_for("profiles.show", slug=community.slug, membership_id=membership.id)
            )
    return render_template(
        "profiles/edit.html",
        community=community,
        form=form,
        labels=VISIBILITY_LABELS,
        private=profiles.PRIVATE_BY_DEFAULT,
    )
