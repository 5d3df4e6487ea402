"""Installation administration: communities, coordinators and the whole outbox."""

from __future__ import annotations

from flask import current_app, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from timebank.access import site_admin_required
from timebank.admin import bp
from timebank.admin.forms import AppointForm, CommunityForm
from timebank.extensions import db
from timebank.models import Community, Membership, OutboxMessage, Role
from timebank.services.community import communities
from timebank.web import act, actor, page_number, run


def _create(form: CommunityForm) -> Community:
    return communities.create(
        actor=actor(),
        slug=form.slug.data,
        name=form.name.data,
        name_ar=form.name_ar.data,
        locale=form.locale.data,
        description=form.description.data,
    )


@bp.route("/communities/", methods=["GET", "POST"])
@site_admin_required
def communities_index() -> ResponseReturnValue:
    form = CommunityForm()
    if form.validate_on_submit():
        created = run(
            lambda: _create(form),
            form=form,
            success=_("The community has been created. Now appoint its coordinators."),
        ).value
        if created is not None:
            return redirect(url_for("admin.community", community_id=created.id))
    page = communities.all_page(page=page_number(), per_page=current_app.config["PER_PAGE"])
    return render_template("admin/communities.html", form=form, page=page)


def _appointed(membership: Membership) -> str:
    return _(
        "%(name)s is now %(role)s.",
        name=membership.user.display_name,
        role=_("a coordinator") if membership.role == Role.COORDINATOR else _("a community admin"),
    )


@bp.route("/communities/<int:community_id>", methods=["GET", "POST"])
@site_admin_required
def community(community_id: int) -> ResponseReturnValue:
    target = db.get_or_404(Community, community_id)
    form = AppointForm()
    if form.validate_on_submit() and run(
        lambda: communities.appoint(
            target, email=form.email.data, role=Role(form.role.data), actor=actor()
        ),
        form=form,
        success=_appointed,
    ):
        return redirect(url_for("admin.community", community_id=target.id))
    staff = [m for m in target.memberships if m.is_coordinator]
    return render_template("admin/community.html", community=target, form=form, staff=staff)


@bp.route("/outbox/")
@site_admin_required
def outbox() -> ResponseReturnValue:
    page = communities.outbox_page(
        None, page=page_number(), per_page=current_app.config["PER_PAGE"]
    )
    return render_template("admin/outbox.html", page=page, given_up=communities.given_up(None))


@bp.post("/outbox/<int:message_id>/retry")
@site_admin_required
def retry_mail(message_id: int) -> ResponseReturnValue:
    message = db.get_or_404(OutboxMessage, message_id)
    return act(
        lambda: communities.retry_mail(message, actor=actor()),
        success=_("The message will be sent again."),
        back=url_for("admin.outbox"),
    )
