"""Community pages: the home page, the member list, applicants and the outbox."""

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from timebank.access import community_required, public
from timebank.community import bp
from timebank.community.forms import DecisionForm, DeclineForm
from timebank.database import transaction
from timebank.extensions import db
from timebank.models import Community, Membership, MembershipStatus, OutboxMessage
from timebank.services import permissions
from timebank.services.community import announcements, communities, memberships, proxies
from timebank.services.exceptions import AlreadyDecided, DomainError
from timebank.services.messaging import mail


@bp.route("/")
@public
def home(slug: str):
    community = communities.find_by_slug(slug)
    if community is None:
        abort(404)
    membership = permissions.membership_of(current_user, community)
    can_view = permissions.can_view_community(current_user, community)
    return render_template(
        "community/home.html",
        community=community,
        membership=membership,
        announcements=announcements.current(community) if can_view else [],
        acts_for=bool(can_view and proxies.members_of(current_user, community.id)),
        can_view=can_view,
        can_manage=permissions.can_manage_members(current_user, community),
    )


@bp.route("/members/")
@community_required("member")
def members(community: Community):
    query = (
        select(Membership)
        .options(joinedload(Membership.user))
        .where(
            Membership.community_id == community.id, Membership.status == MembershipStatus.ACTIVE
        )
        .order_by(Membership.member_number)
    )
    page = db.paginate(query, per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_template(
        "community/members.html",
        community=community,
        page=page,
        can_manage=permissions.can_manage_members(current_user, community),
    )


def _applicant(community: Community, membership_id: int) -> Membership:
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.community_id != community.id:
        abort(404)
    return membership


@bp.route("/applicants/")
@community_required("coordinator")
def applicants(community: Community):
    query = (
        select(Membership)
        .options(joinedload(Membership.user))
        .where(
            Membership.community_id == community.id, Membership.status == MembershipStatus.APPLYING
        )
        .order_by(Membership.created_at)
    )
    page = db.paginate(query, per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_template(
        "community/applicants.html", community=community, page=page, approve_form=DecisionForm()
    )


@bp.route("/applicants/<int:membership_id>/approve", methods=["POST"])
@community_required("coordinator")
def approve(community: Community, membership_id: int):
    membership = _applicant(community, membership_id)
    actor = current_user._get_current_object()
    if DecisionForm().validate_on_submit():
        try:
            transaction(lambda: memberships.approve(membership, actor=actor))
        except DomainError as error:
            flash(error.message, "error")
        else:
            mail.deliver_pending()
            flash(
                _(
                    "%(name)s is now member number %(n)d.",
                    name=membership.user.display_name,
                    n=membership.member_number,
                ),
                "success",
            )
    return redirect(url_for("community.applicants", slug=community.slug))


@bp.route("/applicants/<int:membership_id>/decline", methods=["GET", "POST"])
@community_required("coordinator")
def decline(community: Community, membership_id: int):
    membership = _applicant(community, membership_id)
    if membership.status != MembershipStatus.APPLYING:
        flash(AlreadyDecided.default_message, "error")
        return redirect(url_for("community.applicants", slug=community.slug))
    form = DeclineForm()
    actor = current_user._get_current_object()
    if form.validate_on_submit():
        try:
            transaction(
                lambda: memberships.decline(membership, actor=actor, reason=form.reason.data)
            )
        except AlreadyDecided as error:
            flash(error.message, "error")
        else:
            mail.deliver_pending()
            flash(_("The application was declined."), "success")
        return redirect(url_for("community.applicants", slug=community.slug))
    return render_template(
        "community/decline.html", community=community, membership=membership, form=form
    )


@bp.route("/outbox/")
@community_required("coordinator")
def outbox(community: Community):
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.community_id == community.id)
        .order_by(OutboxMessage.id.desc())
    )
    page = db.paginate(query, per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_template("community/outbox.html", community=community, page=page)
