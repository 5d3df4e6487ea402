"""Visit schedules (issue 19): agreeing the day and time of an arrangement's visits, and
the coordinators' list of planned visits that were not logged, with each step taken."""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from timebank import web
from timebank.access import community_required
from timebank.companionship import bp
from timebank.companionship.forms import MoveForm, ScheduleForm, SkipForm, VisitForm
from timebank.forms import ConfirmForm, new_key
from timebank.i18n import format_when
from timebank.models import Community, PlannedVisit
from timebank.services import permissions
from timebank.services.companionship import escalation, moves, queries, schedule, standin
from timebank.services.companionship import requests as companionship


@bp.route("/arrangements/<int:arrangement_id>/schedule", methods=["GET", "POST"])
@community_required("member")
def edit_schedule(community: Community, arrangement_id: int) -> ResponseReturnValue:
    found = queries.arrangement_for(community, arrangement_id, web.actor()) or abort(404)
    if not permissions.can_edit_schedule(web.actor(), found):
        abort(403)
    back = url_for("companionship.arrangement", slug=community.slug, arrangement_id=found.id)
    form = ScheduleForm()
    if request.method == "GET" and found.visit_weekday is not None:
        form.weekday.data, form.at.data = found.visit_weekday, found.visit_time
        form.weekday2.data = found.visit_weekday2
    if form.validate_on_submit() and web.run(
        lambda: schedule.set_schedule(
            found,
            actor=web.actor(),
            weekday=form.weekday.data,
            at=form.at.data,
            weekday2=form.weekday2.data,
        ),
        form=form,
        success=_("The visit day and time are saved."),
    ):
        return redirect(back)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "companionship/schedule.html",
        community=community,
        arrangement=found,
        form=form,
        twice=found.request.frequency == "twice_weekly",
        limit=schedule.limits_text(found, web.actor()),
    ), status


@bp.route("/missed")
@community_required("coordinator")
def missed(community: Community) -> str:
    return render_template(
        "companionship/missed.html",
        community=community,
        page=escalation.follow_ups_page(
            community.id, page=web.page_number(), per_page=current_app.config["PER_PAGE"]
        ),
        weekdays=schedule.WEEKDAY_LABELS,
    )


def _stand_in_page(community: Community, planned: PlannedVisit, form: VisitForm) -> str:
    mine = permissions.membership_of(web.actor(), community)
    return render_template(
        "companionship/stand_in.html",
        community=community,
        planned=planned,
        req=planned.arrangement.request,
        labels=companionship.KIND_LABELS,
        is_open=standin.is_open(planned),
        taken_by_me=mine is not None and planned.stand_in_id == mine.id,
        confirm=ConfirmForm(),
        form=form,
    )


@bp.route("/stand-in/<int:planned_id>")
@community_required("member")
def stand_in(community: Community, planned_id: int) -> str:
    planned = standin.offer_for(community, planned_id, web.actor()) or abort(404)
    return _stand_in_page(community, planned, VisitForm())


@bp.route("/stand-in/<int:planned_id>/accept", methods=["POST"])
@community_required("member")
def accept_stand_in(community: Community, planned_id: int) -> ResponseReturnValue:
    planned = standin.offer_for(community, planned_id, web.actor()) or abort(404)
    return web.act(
        lambda: standin.accept(planned, actor=web.actor()),
        _("Thank you. This visit is yours; log it once it has happened."),
        url_for("companionship.stand_in", slug=community.slug, planned_id=planned.id),
    )


@bp.route("/stand-in/<int:planned_id>/visit", methods=["POST"])
@community_required("member")
def log_stand_in(community: Community, planned_id: int) -> ResponseReturnValue:
    planned = standin.offer_for(community, planned_id, web.actor()) or abort(404)
    form = VisitForm()
    link = url_for("companionship.concerns", slug=community.slug)
    if form.validate_on_submit() and web.run(
        lambda: standin.log(
            planned, actor=web.actor(), minutes=form.minutes.data,
            service_date=form.service_date.data, wellbeing=form.wellbeing.data,
            concern_note=form.concern_note.data,
            idempotency_key=form.idempotency_key.data or new_key(), link=link,
        ),
        form=form,
        success=_("The visit is logged. Thank you."),
    ):  # fmt: skip
        return redirect(
            url_for("companionship.stand_in", slug=community.slug, planned_id=planned.id)
        )
    return _stand_in_page(community, planned, form), 400


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


@bp.route("/arrangements/<int:arrangement_id>/skip", methods=["GET", "POST"])
@community_required("member")
def skip_visit(community: Community, arrangement_id: int) -> ResponseReturnValue:
    found = queries.arrangement_for(community, arrangement_id, web.actor()) or abort(404)
    back = url_for("companionship.arrangement", slug=community.slug, arrangement_id=found.id)
    form = SkipForm()
    form.day.choices = _visit_choices(found)
    if form.validate_on_submit() and web.run(
        lambda: schedule.skip(
            found, _day(form.day.data), actor=web.actor(), reason=form.reason.data
        ),
        form=form,
        success=_("The visit is skipped."),
    ):
        return redirect(back)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "companionship/skip.html", community=community, arrangement=found, form=form
    ), status


def _visit_choices(found) -> list[tuple[str, str]]:
    """The coming visits: the planned date as value, the day it happens as label."""
    return [(s.planned_on.isoformat(), format_when(s.on, "full")) for s in schedule.upcoming(found)]


@bp.route("/arrangements/<int:arrangement_id>/move", methods=["GET", "POST"])
@community_required("member")
def move_visit(community: Community, arrangement_id: int) -> ResponseReturnValue:
    found = queries.arrangement_for(community, arrangement_id, web.actor()) or abort(404)
    back = url_for("companionship.arrangement", slug=community.slug, arrangement_id=found.id)
    form = MoveForm()
    form.day.choices = _visit_choices(found)
    if form.validate_on_submit() and web.run(
        lambda: moves.move(
            found, _day(form.day.data), actor=web.actor(), to=form.to.data,
            reason=form.reason.data,
        ),
        form=form,
        success=_("The visit is moved. The other party is told."),
    ):  # fmt: skip
        return redirect(back)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "companionship/move.html", community=community, arrangement=found, form=form,
        limit=moves.limits_text(found, web.actor()),
    ), status  # fmt: skip
