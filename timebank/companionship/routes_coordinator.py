"""Companionship pages of the coordinators: matching a volunteer to a request, ending an
arrangement, and the concerns raised after visits."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from timebank import web
from timebank.access import community_required
from timebank.companionship import bp
from timebank.extensions import db
from timebank.forms import ConfirmForm, int_or_none
from timebank.models import Arrangement, Community, CompanionshipRequest, Membership, Visit
from timebank.services.companionship import queries, safeguarding
from timebank.services.companionship import requests as companionship
from timebank.services.exceptions import InvalidInput
from timebank.services.languages import SPOKEN_LANGUAGES


def _match(found: CompanionshipRequest, volunteer: Membership | None) -> Arrangement:
    """Match the chosen volunteer (none chosen: say so)."""
    if volunteer is None:
        raise InvalidInput(_("Choose a volunteer."))
    return companionship.match(found, actor=web.actor(), volunteer=volunteer)


def _render_match(found: CompanionshipRequest, community: Community, form: ConfirmForm) -> str:
    """The candidates for ``found``, filtered by language (unless ``?language=0``) and by
    neighbourhood (``?neighbourhood=1``)."""
    by_language = request.args.get("language", "1") != "0"
    by_area = request.args.get("neighbourhood") == "1"
    page, missing = queries.candidates_page(
        found,
        language=by_language,
        neighbourhood=by_area,
        page=web.page_number(),
        per_page=current_app.config["PER_PAGE"],
    )
    return render_template(
        "companionship/match.html",
        community=community,
        req=found,
        page=page,
        missing_of=missing,
        by_language=by_language,
        by_area=by_area,
        labels=companionship.KIND_LABELS,
        frequencies=companionship.FREQUENCY_LABELS,
        checks=safeguarding.CHECK_LABELS,
        languages=SPOKEN_LANGUAGES,
        form=form,
    )


@bp.route("/requests/<int:request_id>/match", methods=["GET", "POST"])
@community_required("coordinator")
def match(community: Community, request_id: int) -> ResponseReturnValue:
    found = queries.request_for(community, request_id, web.actor()) or abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        volunteer = db.session.get(Membership, int_or_none(request.form.get("volunteer_id")) or 0)
        done = _("Matched. The volunteer and the member are told.")
        matched = web.run(lambda: _match(found, volunteer), success=done)
        if matched.value is not None:
            return redirect(
                url_for(
                    "companionship.arrangement",
                    slug=community.slug,
                    arrangement_id=matched.value.id,
                )
            )
    return _render_match(found, community, form)


@bp.route("/arrangements/<int:arrangement_id>/end", methods=["GET", "POST"])
@community_required("coordinator")
def end(community: Community, arrangement_id: int) -> ResponseReturnValue:
    found = queries.arrangement_for(community, arrangement_id, web.actor()) or abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        return web.act(
            lambda: companionship.end(found, actor=web.actor()),
            _("The arrangement has ended."),
            url_for("companionship.arrangement", slug=community.slug, arrangement_id=found.id),
        )
    return render_template(
        "companionship/end.html", community=community, arrangement=found, form=form
    )


@bp.route("/concerns")
@community_required("coordinator")
def concerns(community: Community) -> str:
    page = queries.concerns_page(
        community, page=web.page_number(), per_page=current_app.config["PER_PAGE"]
    )
    return render_template(
        "companionship/concerns.html", community=community, page=page, visit_type=Visit
    )
