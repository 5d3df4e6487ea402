"""Installation administration: communities, coordinators and the whole outbox."""

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from timebank.access import site_admin_required
from timebank.admin import bp
from timebank.admin.forms import AppointForm, CommunityForm
from timebank.database import transaction
from timebank.extensions import db
from timebank.forms import apply_domain_error
from timebank.models import Community, OutboxMessage, Role
from timebank.services.community import communities
from timebank.services.exceptions import InvalidInput


@bp.route("/communities/", methods=["GET", "POST"])
@site_admin_required
def communities_index():
    form = CommunityForm()
    actor = current_user._get_current_object()
    if form.validate_on_submit():
        try:
            community = transaction(
                lambda: communities.create(
                    actor=actor,
                    slug=form.slug.data,
                    name=form.name.data,
                    name_ar=form.name_ar.data,
                    locale=form.locale.data,
                    description=form.description.data,
                )
            )
        except InvalidInput as error:
            apply_domain_error(form, error)
        else:
            flash(_("The community has been created. Now appoint its coordinators."), "success")
            return redirect(url_for("admin.community", community_id=community.id))
    page = db.paginate(
        select(Community).order_by(Community.name),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )
    return render_template("admin/communities.html", form=form, page=page)


@bp.route("/communities/<int:community_id>", methods=["GET", "POST"])
@site_admin_required
def community(community_id: int):
    target = db.get_or_404(Community, community_id)
    form = AppointForm()
    actor = current_user._get_current_object()
    if form.validate_on_submit():
        try:
            membership = transaction(
                lambda: communities.appoint(
                    target, email=form.email.data, role=Role(form.role.data), actor=actor
                )
            )
        except InvalidInput as error:
            apply_domain_error(form, error)
        else:
            flash(
                _(
                    "%(name)s is now %(role)s.",
                    name=membership.user.display_name,
                    role=_("a coordinator")
                    if membership.role == Role.COORDINATOR
                    else _("a community admin"),
                ),
                "success",
            )
            return redirect(url_for("admin.community", community_id=target.id))
    staff = [m for m in target.memberships if m.is_coordinator]
    return render_template("admin/community.html", community=target, form=form, staff=staff)


@bp.route("/outbox/")
@site_admin_required
def outbox():
    page = db.paginate(
        select(OutboxMessage).order_by(OutboxMessage.id.desc()),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )
    return render_template("admin/outbox.html", page=page)
