"""The volunteer's iCalendar feed of visits (issue 19): the member's page to create (or
replace) and revoke its secret address, and the feed itself, read without signing in;
and the volunteer's declared absences."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from timebank import web
from timebank.access import community_required, public
from timebank.companionship import bp
from timebank.companionship.forms import AbsenceForm
from timebank.forms import ConfirmForm
from timebank.models import Community
from timebank.services import permissions
from timebank.services.community import communities
from timebank.services.companionship import absences, feed


@bp.route("/calendar", methods=["GET", "POST"])
@community_required("member")
def calendar_feed(community: Community) -> ResponseReturnValue:
    membership = permissions.membership_of(web.actor(), community)
    form = ConfirmForm()
    address = None
    if request.method == "POST" and form.validate_on_submit():
        made = web.run(lambda: feed.create(membership, actor=web.actor()))
        if made.value is not None:
            address = url_for(
                "companionship.visits_ics", slug=community.slug, feed_secret=made.value,
                _external=True,
            )  # fmt: skip
    return render_template(
        "companionship/calendar.html",
        community=community,
        form=form,
        address=address,
        active=feed.has_feed(membership),
    )


@bp.route("/calendar/revoke", methods=["POST"])
@community_required("member")
def revoke_feed(community: Community) -> Response:
    membership = permissions.membership_of(web.actor(), community)
    return web.act(
        lambda: feed.revoke(membership, actor=web.actor()),
        _("The calendar address no longer works."),
        url_for("companionship.calendar_feed", slug=community.slug),
    )


@bp.route("/visits/<feed_secret>.ics")
@public
def visits_ics(slug: str, feed_secret: str) -> Response:
    community = communities.find_by_slug(slug) or abort(404)
    membership = feed.member_for(community, feed_secret) or abort(404)
    body = feed.calendar(membership)
    return Response(body, mimetype="text/calendar", headers={"Cache-Control": "private"})


@bp.route("/away", methods=["GET", "POST"])
@community_required("member")
def away(community: Community) -> ResponseReturnValue:
    membership = permissions.membership_of(web.actor(), community)
    form = AbsenceForm()
    if form.validate_on_submit() and web.run(
        lambda: absences.declare(
            membership, actor=web.actor(), starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
        ),
        form=form,
        success=_("Your absence is saved. Stand-in volunteers will be asked for your visits."),
    ):  # fmt: skip
        return redirect(url_for("companionship.away", slug=community.slug))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "companionship/away.html", community=community, form=form,
        absences=absences.of(membership),
    ), status  # fmt: skip
