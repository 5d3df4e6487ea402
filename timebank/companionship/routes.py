"""Companionship pages: requests (by a member, or a coordinator on behalf), offers,
matching (coordinators), arrangements with "log a visit", and the concerns list."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from timebank.access import community_required
from timebank.companionship import bp
from timebank.companionship.forms import RequestForm, VisitForm
from timebank.database import transaction
from timebank.extensions import db
from timebank.forms import ConfirmForm, apply_domain_error, int_or_none, new_key, options
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
from timebank.services.companionship import queries as companionship_queries
from timebank.services.companionship import requests as companionship
from timebank.services.exceptions import DomainError, InvalidInput
from timebank.services.languages import SPOKEN_LANGUAGES
from timebank.services.messaging import mail


def _actor():
    return current_user._get_current_object()


def _is_coordinator(community: Community) -> bool:
    return permissions.can_manage_safeguarding(current_user, community)


def _request(community: Community, request_id: int) -> CompanionshipRequest:
    """Open requests are visible to every member (so volunteers can offer); the others
    to the recipient and the coordinators."""
    found = db.session.scalar(
        select(CompanionshipRequest)
        .options(joinedload(CompanionshipRequest.recipient).joinedload(Membership.user))
        .where(
            CompanionshipRequest.id == request_id,
            CompanionshipRequest.community_id == community.id,
        )
    )
    if found is None:
        abort(404)
    own = found.recipient.user_id == current_user.id
    if found.status != RequestStatus.OPEN and not own and not _is_coordinator(community):
        abort(404)
    return found


def _arrangement(community: Community, arrangement_id: int) -> Arrangement:
    found = db.session.get(Arrangement, arrangement_id)
    if (
        found is None
        or found.community_id != community.id
        or not permissions.can_view_arrangement(current_user, found)
    ):
        abort(404)
    return found


def _page() -> int:
    return int_or_none(request.args.get("page")) or 1


def _flash_error(form, error: DomainError) -> None:
    if form is None or not apply_domain_error(form, error):
        flash(error.message, "error")


@bp.route("/")
@community_required("member")
def index(community: Community):
    coordinator = _is_coordinator(community)
    status = request.args.get("status", "open")
    if status not in {s.value for s in RequestStatus}:
        status = "open"
    query = companionship_queries.requests_query(community.id, status=status)
    page = db.paginate(
        query, page=_page(), per_page=current_app.config["PER_PAGE"], error_out=False
    )
    membership = permissions.membership_of(current_user, community)
    mine = companionship_queries.member_overview(membership) if membership else ([], [])
    return render_template(
        "companionship/index.html",
        community=community,
        page=page,
        status=status,
        coordinator=coordinator,
        my_requests=mine[0],
        my_arrangements=mine[1],
        labels=companionship.KIND_LABELS,
        frequencies=companionship.FREQUENCY_LABELS,
    )


def _request_form(community: Community) -> RequestForm:
    form = RequestForm()
    if _is_coordinator(community):
        members = companionship_queries.active_members(community)
        form.member_id.choices = options(
            [("", _("Myself"))] + [(m.id, m.user.display_name) for m in members]
        )
    else:
        del form.member_id
    if request.method == "GET":
        form.language.data = current_language()
    return form


@bp.route("/new", methods=["GET", "POST"])
@community_required("member")
def new(community: Community):
    form = _request_form(community)
    if form.validate_on_submit():
        actor = _actor()
        chosen = getattr(form, "member_id", None)
        if chosen is not None and chosen.data:
            recipient = db.session.get(Membership, form.member_id.data)
        else:
            recipient = permissions.membership_of(actor, community)
        try:
            if recipient is None or recipient.community_id != community.id:
                raise InvalidInput(_("Choose a member."), field="member_id")
            created = transaction(
                lambda: companionship.create_request(recipient, actor=actor, data=form.to_input())
            )
        except DomainError as error:
            _flash_error(form, error)
        else:
            flash(_("The request is saved. A coordinator will look for a volunteer."), "success")
            return redirect(
                url_for("companionship.show", slug=community.slug, request_id=created.id)
            )
    status = 400 if form.errors or request.method == "POST" else 200
    return render_template("companionship/new.html", community=community, form=form), status


@bp.route("/requests/<int:request_id>")
@community_required("member")
def show(community: Community, request_id: int):
    found = _request(community, request_id)
    coordinator = _is_coordinator(community)
    membership = permissions.membership_of(current_user, community)
    missing = (
        companionship.safeguarding.missing_checks(
            membership, companionship.CATEGORY, found.kind.value
        )
        if membership is not None and membership.id != found.recipient_id
        else []
    )
    arrangements = companionship_queries.arrangements_of(found)
    visible = [
        a
        for a in arrangements
        if coordinator or current_user.id in (a.volunteer.user_id, found.recipient.user_id)
    ]
    return render_template(
        "companionship/show.html",
        community=community,
        req=found,
        coordinator=coordinator,
        is_recipient=membership is not None and membership.id == found.recipient_id,
        missing=missing,
        missing_labels=", ".join(str(companionship.safeguarding.CHECK_LABELS[t]) for t in missing),
        arrangements=visible,
        offered=any(a.volunteer_id == getattr(membership, "id", None) for a in arrangements),
        labels=companionship.KIND_LABELS,
        frequencies=companionship.FREQUENCY_LABELS,
        languages=SPOKEN_LANGUAGES,
        form=ConfirmForm(),
    )


@bp.route("/requests/<int:request_id>/offer", methods=["POST"])
@community_required("member")
def offer(community: Community, request_id: int):
    found = _request(community, request_id)
    if ConfirmForm().validate_on_submit():
        actor = _actor()
        try:
            transaction(lambda: companionship.offer(found, actor=actor))
        except DomainError as error:
            flash(error.message, "error")
        else:
            mail.deliver_pending()
            flash(_("Thank you. A coordinator will confirm your offer."), "success")
    return redirect(url_for("companionship.show", slug=community.slug, request_id=found.id))


@bp.route("/requests/<int:request_id>/match", methods=["GET", "POST"])
@community_required("coordinator")
def match(community: Community, request_id: int):
    found = _request(community, request_id)
    by_language = request.args.get("language", "1") != "0"
    by_area = request.args.get("neighbourhood") == "1"
    form = ConfirmForm()
    if form.validate_on_submit():
        volunteer = db.session.get(Membership, int_or_none(request.form.get("volunteer_id")) or 0)
        actor = _actor()
        try:
            if volunteer is None:
                raise InvalidInput(_("Choose a volunteer."))
            arrangement = transaction(
                lambda: companionship.match(found, actor=actor, volunteer=volunteer)
            )
        except DomainError as error:
            flash(error.message, "error")
        else:
            mail.deliver_pending()
            flash(_("Matched. The volunteer and the member are told."), "success")
            return redirect(
                url_for(
                    "companionship.arrangement", slug=community.slug, arrangement_id=arrangement.id
                )
            )
    return render_template(
        "companionship/match.html",
        community=community,
        req=found,
        candidates=companionship_queries.candidates(
            found, language=by_language, neighbourhood=by_area
        ),
        by_language=by_language,
        by_area=by_area,
        labels=companionship.KIND_LABELS,
        frequencies=companionship.FREQUENCY_LABELS,
        checks=companionship.safeguarding.CHECK_LABELS,
        languages=SPOKEN_LANGUAGES,
        form=form,
    )


@bp.route("/arrangements/<int:arrangement_id>")
@community_required("member")
def arrangement(community: Community, arrangement_id: int):
    found = _arrangement(community, arrangement_id)
    return render_template(
        "companionship/arrangement.html",
        community=community,
        arrangement=found,
        req=found.request,
        visits=companionship_queries.visits_of(found),
        coordinator=_is_coordinator(community),
        can_log=permissions.can_log_visit(current_user, found),
        labels=companionship.KIND_LABELS,
        frequencies=companionship.FREQUENCY_LABELS,
        languages=SPOKEN_LANGUAGES,
        form=ConfirmForm(),
    )


@bp.route("/arrangements/<int:arrangement_id>/visit", methods=["GET", "POST"])
@community_required("member")
def log_visit(community: Community, arrangement_id: int):
    found = _arrangement(community, arrangement_id)
    back = url_for("companionship.arrangement", slug=community.slug, arrangement_id=found.id)
    if not permissions.can_log_visit(current_user, found):
        flash(_("Only the volunteer or a coordinator can log a visit."), "error")
        return redirect(back)
    form = VisitForm()
    if request.method == "GET":
        form.idempotency_key.data = new_key()
    if form.validate_on_submit():
        actor = _actor()
        link = url_for("companionship.concerns", slug=community.slug, _external=True)
        try:
            visit = transaction(
                lambda: companionship.log_visit(
                    found,
                    actor=actor,
                    minutes=form.minutes.data,
                    service_date=form.service_date.data,
                    wellbeing=form.wellbeing.data,
                    concern_note=form.concern_note.data,
                    idempotency_key=form.idempotency_key.data or new_key(),
                    link=link,
                )
            )
        except DomainError as error:
            _flash_error(form, error)
        else:
            mail.deliver_pending()
            if visit.wellbeing == Wellbeing.CONCERN:
                flash(_("The visit is logged and the coordinators have been alerted."), "success")
            else:
                flash(_("The visit is logged. Thank you."), "success")
            return redirect(back)
    return render_template(
        "companionship/visit.html", community=community, arrangement=found, form=form
    ), (400 if form.errors else 200)


@bp.route("/arrangements/<int:arrangement_id>/end", methods=["GET", "POST"])
@community_required("coordinator")
def end(community: Community, arrangement_id: int):
    found = _arrangement(community, arrangement_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        actor = _actor()
        try:
            transaction(lambda: companionship.end(found, actor=actor))
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("The arrangement has ended."), "success")
        return redirect(
            url_for("companionship.arrangement", slug=community.slug, arrangement_id=found.id)
        )
    return render_template(
        "companionship/end.html", community=community, arrangement=found, form=form
    )


@bp.route("/concerns")
@community_required("coordinator")
def concerns(community: Community):
    page = db.paginate(
        companionship_queries.concerns_query(community.id),
        page=_page(),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )
    return render_template(
        "companionship/concerns.html", community=community, page=page, visit_type=Visit
    )
