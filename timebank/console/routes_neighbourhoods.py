"""The community's list of neighbourhoods: coordinators add, rename, retire (after a
confirmation) and restore entries; members pick from the list on their profile."""

from __future__ import annotations

from flask import current_app, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from timebank.access import community_required
from timebank.console import bp
from timebank.console.neighbourhood_forms import NeighbourhoodForm
from timebank.forms import ConfirmForm
from timebank.i18n import current_language
from timebank.models import Community, Neighbourhood
from timebank.services.listings import neighbourhoods
from timebank.web import actor, page_number, run, scoped_or_404


def _back(community: Community) -> str:
    return url_for("console.neighbourhoods_index", slug=community.slug)


def _index_page(community: Community, form: NeighbourhoodForm) -> str:
    page = neighbourhoods.listing_page(
        community, current_language(), page=page_number(), per_page=current_app.config["PER_PAGE"]
    )
    return render_template(
        "console/neighbourhoods.html",
        community=community,
        form=form,
        page=page,
        unlisted=neighbourhoods.unlisted(community),
        restore_form=ConfirmForm(),
    )


@bp.route("/neighbourhoods/", methods=["GET", "POST"])
@community_required("coordinator")
def neighbourhoods_index(community: Community) -> ResponseReturnValue:
    form = NeighbourhoodForm()
    if form.validate_on_submit() and run(
        lambda: neighbourhoods.create(
            community, actor=actor(), name_en=form.name_en.data, name_ar=form.name_ar.data
        ),
        form=form,
        success=_("The neighbourhood is on the list."),
    ):
        return redirect(_back(community))
    return _index_page(community, form), 400 if form.errors else 200


@bp.route("/neighbourhoods/<int:neighbourhood_id>/edit", methods=["GET", "POST"])
@community_required("coordinator")
def neighbourhood_edit(community: Community, neighbourhood_id: int) -> ResponseReturnValue:
    entry = scoped_or_404(Neighbourhood, community, neighbourhood_id)
    form = NeighbourhoodForm(obj=entry)
    if form.validate_on_submit() and run(
        lambda: neighbourhoods.rename(
            entry, actor=actor(), name_en=form.name_en.data, name_ar=form.name_ar.data
        ),
        form=form,
        success=_("The neighbourhood was renamed."),
    ):
        return redirect(_back(community))
    page = render_template(
        "console/neighbourhood_edit.html", community=community, entry=entry, form=form
    )
    return page, 400 if form.errors else 200


@bp.route("/neighbourhoods/<int:neighbourhood_id>/retire", methods=["GET", "POST"])
@community_required("coordinator")
def neighbourhood_retire(community: Community, neighbourhood_id: int) -> ResponseReturnValue:
    """GET asks for confirmation (saying how many members live there); POST retires."""
    entry = scoped_or_404(Neighbourhood, community, neighbourhood_id)
    form = ConfirmForm()
    if form.validate_on_submit() and run(
        lambda: neighbourhoods.set_active(entry, actor=actor(), active=False),
        success=_("The neighbourhood was retired. Members who live there keep it."),
    ):
        return redirect(_back(community))
    return render_template(
        "console/neighbourhood_retire.html",
        community=community,
        entry=entry,
        form=form,
        members=neighbourhoods.members_per_entry(community).get(entry.id, 0),
    )


@bp.route("/neighbourhoods/<int:neighbourhood_id>/restore", methods=["POST"])
@community_required("coordinator")
def neighbourhood_restore(community: Community, neighbourhood_id: int) -> ResponseReturnValue:
    entry = scoped_or_404(Neighbourhood, community, neighbourhood_id)
    if ConfirmForm().validate_on_submit():
        run(
            lambda: neighbourhoods.set_active(entry, actor=actor(), active=True),
            success=_("The neighbourhood is offered to members again."),
        )
    return redirect(_back(community))
