"""The community's list of neighbourhoods: coordinators add, rename, retire (after a
confirmation), restore and merge entries; members pick from the list on their profile."""

from __future__ import annotations

from flask import current_app, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from timebank.access import community_required
from timebank.console import bp
from timebank.console.neighbourhood_forms import MergeForm, NeighbourhoodForm
from timebank.forms import ConfirmForm
from timebank.i18n import current_language, local_digits
from timebank.models import Community, Neighbourhood
from timebank.services.listings import neighbourhood_merge as merging
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


@bp.route("/neighbourhoods/<int:neighbourhood_id>/merge", methods=["GET", "POST"])
@community_required("coordinator")
def neighbourhood_merge(community: Community, neighbourhood_id: int) -> ResponseReturnValue:
    """GET: choose the entry to keep; POST: the confirmation page (how many members move);
    POST with ``confirmed``: merge."""
    entry = scoped_or_404(Neighbourhood, community, neighbourhood_id)
    form = MergeForm()
    form.into.choices = [("", _("Choose…"))] + [
        (str(i), name) for i, name in merging.targets(entry, current_language())
    ]
    target = None
    if form.validate_on_submit():
        if form.confirmed.data and run(
            lambda: merging.merge(entry, form.into.data, actor=actor()),
            form=form,
            success=lambda result: local_digits(
                ngettext(
                    "Merged: %(num)s member moved to “%(name)s”.",
                    "Merged: %(num)s members moved to “%(name)s”.",
                    result[1],
                    name=result[0].display_name(current_language()),
                )
            ),
        ):
            return redirect(_back(community))
        if not form.errors:
            target = run(lambda: merging.check(entry, form.into.data), form=form).value
    page = render_template(
        "console/neighbourhood_merge.html",
        community=community,
        entry=entry,
        form=form,
        target=target,
        moving=merging.profiles_on(entry),
        listings_moving=merging.listings_on(entry),
    )
    return page, 400 if form.errors else 200
