"""The co-design board's recurring group activities: a coordinator adopts a proposal as
one (on a schedule, with its checks) and records each session's hours."""

from __future__ import annotations

from datetime import date

from flask import abort, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from timebank import web
from timebank.access import community_required
from timebank.codesign import bp
from timebank.codesign.forms import ActivityForm, SessionForm, hours_to_minutes
from timebank.codesign.routes import find_proposal, show_url
from timebank.forms import group_members, options
from timebank.i18n import current_language
from timebank.models import Community, Proposal
from timebank.services.codesign import activities
from timebank.services.listings import categories


def _category_choices(form: ActivityForm, community: Community, proposal: Proposal) -> None:
    own = _("The proposal's own category") if proposal.category_id else _("A new category")
    form.category_key.choices = options(
        [("", own)]
        + [(c.key, c.display_name(current_language())) for c in categories.tree(community)]
    )


@bp.route("/<int:proposal_id>/activity", methods=["GET", "POST"])
@community_required("coordinator")
def adopt_activity(community: Community, proposal_id: int) -> ResponseReturnValue:
    proposal = find_proposal(community, proposal_id)
    form = ActivityForm()
    _category_choices(form, community, proposal)
    if request.method == "GET":
        form.checks.data = proposal.current.check_list
        if proposal.category_id is None:
            form.name_en.data = proposal.current.title_en
            form.name_ar.data = proposal.current.title_ar
    elif form.validate_on_submit() and web.run(
        lambda: activities.adopt_as_activity(proposal, actor=web.actor(), data=form.to_input()),
        form=form,
        success=_("The proposal runs as a recurring group activity."),
    ):
        return redirect(show_url(community, proposal))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "codesign/activity.html", community=community, proposal=proposal, form=form
    ), status


@bp.route("/<int:proposal_id>/activity/session", methods=["GET", "POST"])
@community_required("coordinator")
def record_session(community: Community, proposal_id: int) -> ResponseReturnValue:
    proposal = find_proposal(community, proposal_id)
    activity = activities.of(proposal)
    if activity is None:
        abort(404)
    form = SessionForm()
    if request.method == "GET":
        form.service_date.data = activities.last_date(activity, date.today()) or date.today()
        form.hours.data = f"{activity.minutes / 60:g}"
    elif form.validate_on_submit():
        one, many = group_members(form, community)
        minutes = hours_to_minutes(form.hours.data)
        if minutes is None:
            form.hours.errors.append(_("Enter the hours, for example 1 or 1.5."))
        if one is not None and many is not None and minutes is not None:
            providers, recipients = (
                ([one], many) if form.shape.data == "one_to_many" else (many, [one])
            )
            if web.run(
                lambda: activities.record_session(
                    activity, actor=web.actor(), providers=providers, recipients=recipients,
                    minutes=minutes, service_date=form.service_date.data,
                    idempotency_key=form.idempotency_key.data or "",
                    description=form.description.data or None,
                ),
                form=form,
                success=_("The hours of this session were recorded."),
                aliases={"member": "many", "minutes": "hours"},
            ):  # fmt: skip
                return redirect(show_url(community, proposal))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "codesign/session.html",
        community=community,
        proposal=proposal,
        activity=activity,
        form=form,
    ), status
