"""Companionship pages of members and volunteers: requests (by a member, or a coordinator
on behalf), offers, arrangements with "log a visit". The coordinators' pages (matching,
ending, concerns) are in ``routes_coordinator``."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from timebank import web
from timebank.access import community_required
from timebank.companionship import bp
from timebank.companionship.forms import AccessNotesForm, RequestForm, VisitForm
from timebank.extensions import db
from timebank.forms import ConfirmForm, new_key, options
from timebank.i18n import current_language
from timebank.models import (
    Arrangement,
    Community,
    CompanionshipRequest,
    Membership,
    RequestStatus,
    Visit,
    Wellbeing,
)
from timebank.services import permissions
from timebank.services.companionship import contact, escalation, queries, safeguarding, schedule
from timebank.services.companionship import requests as companionship
from timebank.services.exceptions import InvalidInput
from timebank.services.languages import SPOKEN_LANGUAGES, join_list


def _is_coordinator(community: Community) -> bool:
    return permissions.can_manage_safeguarding(web.actor(), community)


def _render(template: str, community: Community, **context: Any) -> str:
    """A companionship page, with the labels of kinds, frequencies and languages."""
    return render_template(
        template,
        community=community,
        labels=companionship.KIND_LABELS,
        frequencies=companionship.FREQUENCY_LABELS,
        languages=SPOKEN_LANGUAGES,
        **context,
    )


def _status(default: str = "open") -> str:
    """The ``status`` filter of the request list (``default`` unless a known status)."""
    status = request.args.get("status", default)
    return status if status in {s.value for s in RequestStatus} else default


@bp.route("/")
@community_required("member")
def index(community: Community) -> str:
    coordinator = _is_coordinator(community)
    counts = queries.counts_by_status(community) if coordinator else {}
    status = _status(queries.status_with_work(counts))
    number, per_page = web.page_number(), current_app.config["PER_PAGE"]
    membership = permissions.membership_of(web.actor(), community)
    mine = queries.member_overview(membership) if membership else ([], [])
    return _render(
        "companionship/index.html",
        community,
        page=queries.requests_page(community, status=status, page=number, per_page=per_page),
        status=status,
        counts=counts,
        coordinator=coordinator,
        my_requests=mine[0],
        my_arrangements=mine[1],
    )


def _request_form(community: Community) -> RequestForm:
    form = RequestForm()
    if _is_coordinator(community):
        members = queries.active_members(community)
        form.member_id.choices = options(
            [("", _("Myself"))] + [(m.id, m.user.display_name) for m in members]
        )
    else:
        del form.member_id
    if request.method == "GET":
        form.language.data = current_language()
    return form


def _create_request(community: Community, form: RequestForm) -> CompanionshipRequest:
    """The request the form describes, for the member chosen (a coordinator) or oneself."""
    chosen = getattr(form, "member_id", None)
    if chosen is not None and chosen.data:
        recipient = db.session.get(Membership, chosen.data)
    else:
        recipient = permissions.membership_of(web.actor(), community)
    if recipient is None or recipient.community_id != community.id:
        raise InvalidInput(_("Choose a member."), field="member_id")
    return companionship.create_request(recipient, actor=web.actor(), data=form.to_input())


@bp.route("/new", methods=["GET", "POST"])
@community_required("member")
def new(community: Community) -> ResponseReturnValue:
    form = _request_form(community)
    if form.validate_on_submit():
        saved = _("The request is saved. A coordinator will look for a volunteer.")
        created = web.run(lambda: _create_request(community, form), form=form, success=saved)
        if created.value is not None:
            return redirect(
                url_for("companionship.show", slug=community.slug, request_id=created.value.id)
            )
    status = 400 if form.errors or request.method == "POST" else 200
    return render_template("companionship/new.html", community=community, form=form), status


def _visit_contact(found: CompanionshipRequest) -> contact.VisitContact | None:
    """The visited member's contact details for the matched volunteer (the showing is
    audited), else None."""
    details = contact.contact_for(found, web.actor())
    if details is not None:
        web.run(lambda: contact.record_view(details, actor=web.actor()))
    return details


def _access_form(found: CompanionshipRequest) -> AccessNotesForm | None:
    if not contact.can_edit_access_notes(web.actor(), found):
        return None
    form = AccessNotesForm()
    if request.method == "GET":
        form.access_notes.data = found.access_notes
    return form


@bp.route("/requests/<int:request_id>")
@community_required("member")
def show(community: Community, request_id: int) -> str:
    found = queries.request_for(community, request_id, web.actor()) or abort(404)
    coordinator = _is_coordinator(community)
    view = queries.request_view(found, web.actor(), coordinator=coordinator)
    return _show_page(community, found, coordinator, view, _access_form(found))


def _show_page(
    community: Community,
    found: CompanionshipRequest,
    coordinator: bool,
    view: queries.RequestView,
    access_form: AccessNotesForm | None,
) -> str:
    return _render(
        "companionship/show.html",
        community,
        req=found,
        coordinator=coordinator,
        is_recipient=view.is_recipient,
        missing=view.missing,
        missing_labels=join_list(safeguarding.CHECK_LABELS[t] for t in view.missing),
        arrangements=view.arrangements,
        offered=view.offered,
        form=ConfirmForm(),
        contact=_visit_contact(found),
        access_form=access_form,
    )


@bp.route("/requests/<int:request_id>/access", methods=["POST"])
@community_required("member")
def access_notes(community: Community, request_id: int) -> ResponseReturnValue:
    found = queries.request_for(community, request_id, web.actor()) or abort(404)
    form = _access_form(found) or abort(404)
    if form.validate_on_submit() and web.run(
        lambda: contact.set_access_notes(found, form.access_notes.data, actor=web.actor()),
        form=form,
        success=_("How to get in is saved."),
    ):
        return redirect(url_for("companionship.show", slug=community.slug, request_id=found.id))
    coordinator = _is_coordinator(community)
    view = queries.request_view(found, web.actor(), coordinator=coordinator)
    return _show_page(community, found, coordinator, view, form), 400


@bp.route("/requests/<int:request_id>/offer", methods=["POST"])
@community_required("member")
def offer(community: Community, request_id: int) -> Response:
    found = queries.request_for(community, request_id, web.actor()) or abort(404)
    return web.act(
        lambda: companionship.offer(found, actor=web.actor()),
        _("Thank you. A coordinator will confirm your offer."),
        url_for("companionship.show", slug=community.slug, request_id=found.id),
    )


@bp.route("/arrangements/<int:arrangement_id>")
@community_required("member")
def arrangement(community: Community, arrangement_id: int) -> str:
    found = queries.arrangement_for(community, arrangement_id, web.actor()) or abort(404)
    return _render(
        "companionship/arrangement.html",
        community,
        arrangement=found,
        req=found.request,
        visits=queries.visits_of(found),
        contact=_visit_contact(found.request),
        coordinator=_is_coordinator(community),
        can_log=permissions.can_log_visit(web.actor(), found),
        can_schedule=permissions.can_edit_schedule(web.actor(), found),
        next_visits=schedule.upcoming(found),
        planned=escalation.planned_of(found),
        weekdays=schedule.WEEKDAY_LABELS,
        form=ConfirmForm(),
    )


def _log_visit(arrangement: Arrangement, form: VisitForm, link: str) -> Visit:
    """Log the visit the form describes (``link``: the concerns page, for the alert)."""
    return companionship.log_visit(
        arrangement,
        actor=web.actor(),
        minutes=form.minutes.data,
        service_date=form.service_date.data,
        wellbeing=form.wellbeing.data,
        concern_note=form.concern_note.data,
        idempotency_key=form.idempotency_key.data or new_key(),
        link=link,
    )


def _visit_logged(visit: Visit) -> str:
    if visit.wellbeing == Wellbeing.CONCERN:
        return _("The visit is logged and the coordinators have been alerted.")
    return _("The visit is logged. Thank you.")


@bp.route("/arrangements/<int:arrangement_id>/visit", methods=["GET", "POST"])
@community_required("member")
def log_visit(community: Community, arrangement_id: int) -> ResponseReturnValue:
    found = queries.arrangement_for(community, arrangement_id, web.actor()) or abort(404)
    back = url_for("companionship.arrangement", slug=community.slug, arrangement_id=found.id)
    if not permissions.can_log_visit(web.actor(), found):
        flash(_("Only the volunteer or a coordinator can log a visit."), "error")
        return redirect(back)
    form = VisitForm()
    link = url_for("companionship.concerns", slug=community.slug)
    if form.validate_on_submit() and web.run(
        lambda: _log_visit(found, form, link), form=form, success=_visit_logged
    ):
        return redirect(back)
    return render_template(
        "companionship/visit.html", community=community, arrangement=found, form=form
    ), (400 if form.errors else 200)
