"""Visit schedules (issue 19): agreeing the day and time of an arrangement's visits, and
the coordinators' list of planned visits that were not logged, with each step taken."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from timebank import web
from timebank.access import community_required
from timebank.companionship import bp
from timebank.companionship.forms import ScheduleForm
from timebank.models import Community
from timebank.services import permissions
from timebank.services.companionship import escalation, queries, schedule


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
    if form.validate_on_submit() and web.run(
        lambda: schedule.set_schedule(
            found, actor=web.actor(), weekday=form.weekday.data, at=form.at.data
        ),
        form=form,
        success=_("The visit day and time are saved."),
    ):
        return redirect(back)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "companionship/schedule.html", community=community, arrangement=found, form=form
    ), status


@bp.route("/missed")
@community_required("coordinator")
def missed(community: Community) -> str:
    return render_template(
        "companionship/missed.html",
        community=community,
        planned=escalation.follow_ups(community.id),
        weekdays=schedule.WEEKDAY_LABELS,
    )
