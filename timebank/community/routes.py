"""Community pages: the home page, the member list, applicants, the outbox, and the name
and tagline in both languages."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from timebank.access import community_required, public
from timebank.community import bp
from timebank.community.forms import DecisionForm, DeclineForm, DetailsForm
from timebank.i18n import current_language
from timebank.models import Community, Membership, MembershipStatus, OutboxMessage
from timebank.services import permissions
from timebank.services.community import announcements, communities, memberships, proxies
from timebank.services.companionship import home as visit_home
from timebank.services.exceptions import AlreadyDecided
from timebank.services.listings import showcase
from timebank.services.metrics import api as metrics
from timebank.web import act, actor, page_number, run, scoped_or_404


@bp.route("/")
@public
def home(slug: str) -> ResponseReturnValue:
    community = communities.find_by_slug(slug)
    if community is None:
        abort(404)
    membership = permissions.membership_of(current_user, community)
    can_view = permissions.can_view_community(current_user, community)
    visitor = not can_view and membership is None
    acted_for = proxies.members_of(current_user, community.id) if can_view else []
    own = [membership] if can_view and membership is not None and membership.is_active else []
    return render_template(
        "community/home.html",
        community=community,
        membership=membership,
        announcements=announcements.current(community) if can_view else [],
        acts_for=bool(acted_for),
        visits=[v for v in visit_home.next_visits(own + acted_for) if v.shown],
        can_view=can_view,
        can_manage=permissions.can_manage_members(current_user, community),
        figures=metrics.this_year(community) if visitor else None,
        offers=showcase.open_offers(community, current_language()) if visitor else [],
        nearby=showcase.near_member(own[0]) if own else None,
        can_post=bool(own) and permissions.can_post_listing(current_user, community),
    )


@bp.route("/members/")
@community_required("member")
def members(community: Community) -> ResponseReturnValue:
    page = memberships.active_page(
        community, page=page_number(), per_page=current_app.config["PER_PAGE"]
    )
    return render_template(
        "community/members.html",
        community=community,
        page=page,
        can_manage=permissions.can_manage_members(current_user, community),
    )


@bp.route("/applicants/")
@community_required("coordinator")
def applicants(community: Community) -> ResponseReturnValue:
    page = memberships.applicants_page(
        community, page=page_number(), per_page=current_app.config["PER_PAGE"]
    )
    return render_template(
        "community/applicants.html", community=community, page=page, approve_form=DecisionForm()
    )


def _numbered(membership: Membership) -> str:
    return _(
        "%(name)s is now member number %(n)d.",
        name=membership.user.display_name,
        n=membership.member_number,
    )


@bp.route("/applicants/<int:membership_id>/approve", methods=["POST"])
@community_required("coordinator")
def approve(community: Community, membership_id: int) -> ResponseReturnValue:
    membership = scoped_or_404(Membership, community, membership_id)
    if DecisionForm().validate_on_submit():
        run(lambda: memberships.approve(membership, actor=actor()), success=_numbered)
    return redirect(url_for("community.applicants", slug=community.slug))


@bp.route("/applicants/<int:membership_id>/decline", methods=["GET", "POST"])
@community_required("coordinator")
def decline(community: Community, membership_id: int) -> ResponseReturnValue:
    membership = scoped_or_404(Membership, community, membership_id)
    back = url_for("community.applicants", slug=community.slug)
    if membership.status != MembershipStatus.APPLYING:
        flash(AlreadyDecided.default_message, "error")
        return redirect(back)
    form = DeclineForm()
    if not form.validate_on_submit():
        return render_template(
            "community/decline.html", community=community, membership=membership, form=form
        )
    run(
        lambda: memberships.decline(membership, actor=actor(), reason=form.reason.data),
        success=_("The application was declined."),
    )
    return redirect(back)


@bp.route("/outbox/")
@community_required("coordinator")
def outbox(community: Community) -> ResponseReturnValue:
    page = communities.outbox_page(
        community, page=page_number(), per_page=current_app.config["PER_PAGE"]
    )
    return render_template(
        "community/outbox.html",
        community=community,
        page=page,
        given_up=communities.given_up(community),
    )


@bp.post("/outbox/<int:message_id>/retry")
@community_required("coordinator")
def retry_mail(community: Community, message_id: int) -> ResponseReturnValue:
    message = scoped_or_404(OutboxMessage, community, message_id)
    return act(
        lambda: communities.retry_mail(message, actor=actor()),
        success=_("The message will be sent again."),
        back=url_for("community.outbox", slug=community.slug),
    )


@bp.route("/settings/details", methods=["GET", "POST"])
@community_required("coordinator")
def details(community: Community) -> ResponseReturnValue:
    """The name and tagline in English and Arabic."""
    form = DetailsForm()
    if not form.is_submitted():
        form.name.data, form.name_ar.data = community.name, community.name_ar
        form.tagline.data, form.tagline_ar.data = community.description, community.description_ar
        form.public_offers.data = community.public_offers
    if form.validate_on_submit() and run(
        lambda: communities.update_details(
            community,
            actor=actor(),
            name=form.name.data,
            name_ar=form.name_ar.data,
            tagline=form.tagline.data,
            tagline_ar=form.tagline_ar.data,
            public_offers=form.public_offers.data,
        ),
        form=form,
        success=_("The name and tagline were saved."),
    ):
        return redirect(url_for("community.details", slug=community.slug))
    return render_template("community/details.html", community=community, form=form), (
        400 if form.errors else 200
    )
