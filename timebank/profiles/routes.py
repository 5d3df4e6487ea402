"""The member directory, member profiles, and editing a profile: one's own, or (for a
coordinator or proxy) that of a member without internet, on their behalf."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from timebank.access import community_required
from timebank.i18n import current_language
from timebank.models import Community, Membership, Profile
from timebank.profiles import bp
from timebank.profiles.forms import FIELD_LABELS, NOT_LISTED, VISIBILITY_LABELS, ProfileForm
from timebank.services import permissions
from timebank.services.community import profiles
from timebank.services.languages import SPOKEN_LANGUAGES
from timebank.services.listings import categories, neighbourhoods, search
from timebank.web import actor, page_number, run, search_filters


@bp.route("/people/")
@community_required("member")
def directory(community: Community) -> ResponseReturnValue:
    filters = search_filters()
    per_page = current_app.config["PER_PAGE"]
    page = search.members(community, filters, page=page_number(), per_page=per_page)
    return render_template(
        "profiles/directory.html",
        community=community,
        page=page,
        views=profiles.views_for(actor(), page.items, current_language()),
        filters=filters,
        category_tree=categories.tree(community),
        neighbourhoods=search.member_neighbourhoods(community, current_language()),
        languages=SPOKEN_LANGUAGES,
    )


@bp.route("/people/<int:membership_id>")
@community_required("member")
def show(community: Community, membership_id: int) -> ResponseReturnValue:
    membership = profiles.active_member(community, membership_id)
    if membership is None:
        abort(404)
    viewer = actor()
    is_me = membership.user_id == viewer.id
    can_edit = profiles.can_edit(viewer, membership)
    return render_template(
        "profiles/show.html",
        community=community,
        view=profiles.view_for(
            viewer, membership, profiles.profile_of(membership), locale=current_language()
        ),
        is_me=is_me,
        can_edit=can_edit,
        history=profiles.changes(membership) if is_me or can_edit else [],
        field_labels=FIELD_LABELS,
        listings=profiles.active_listings(membership),
        languages=SPOKEN_LANGUAGES,
        labels=VISIBILITY_LABELS,
    )


def _own_membership(community: Community) -> Membership:
    """The signed-in member's active membership; 403 without one (installation admins
    without a membership have no profile here)."""
    membership = permissions.membership_of(current_user, community)
    if membership is None or not membership.is_active:
        abort(403)
    return membership


def _profile_form(membership: Membership) -> ProfileForm:
    """The form; on GET filled as the profile stands (a new one: the default visibility)."""
    profile = profiles.profile_of(membership)
    places = neighbourhoods.choices(
        membership.community, current_language(), keep=profile.neighbourhood_id if profile else None
    )
    form = ProfileForm().with_places(places)
    if request.method != "GET":
        return form
    form.display_name.data = membership.user.display_name
    if profile is None:
        form.shown.data = list(profiles.PUBLIC_BY_DEFAULT)
        return form
    for name in ("bio", "neighbourhood", "availability", "skills", "phone", "address"):
        getattr(form, name).data = getattr(profile, name)
    form.neighbourhood_id.data = (
        str(profile.neighbourhood_id) if profile.neighbourhood_id
        else NOT_LISTED if profile.neighbourhood else ""
    )  # fmt: skip
    form.languages.data = profile.language_codes
    form.shown.data = [n for n in profiles.VISIBILITY if getattr(profile, f"show_{n}")]
    return form


def _edit_page(
    community: Community, membership: Membership, success: Callable[[Profile], str]
) -> ResponseReturnValue:
    form = _profile_form(membership)
    if form.validate_on_submit() and run(
        lambda: profiles.update(membership, actor=actor(), data=form.to_input()),
        form=form,
        success=success,
    ):
        return redirect(url_for("profiles.show", slug=community.slug, membership_id=membership.id))
    return render_template(
        "profiles/edit.html",
        community=community,
        form=form,
        member=membership,
        for_someone_else=membership.user_id != actor().id,
        labels=VISIBILITY_LABELS,
        private=profiles.PRIVATE_BY_DEFAULT,
    )


@bp.route("/profile/edit", methods=["GET", "POST"])
@community_required("participant")
def edit(community: Community) -> ResponseReturnValue:
    return _edit_page(
        community, _own_membership(community), lambda _saved: _("Your profile is saved.")
    )


@bp.route("/people/<int:membership_id>/edit", methods=["GET", "POST"])
@community_required("member")
def edit_for(community: Community, membership_id: int) -> ResponseReturnValue:
    """A coordinator or proxy edits the profile of a member without internet."""
    membership = profiles.active_member(community, membership_id)
    if membership is None or not profiles.can_edit(actor(), membership):
        abort(404)
    if membership.user_id == actor().id:  # one's own profile, by its other address
        return _edit_page(community, membership, lambda _saved: _("Your profile is saved."))
    return _edit_page(
        community,
        membership,
        lambda _saved: _("The profile of %(name)s is saved.", name=membership.user.display_name),
    )
