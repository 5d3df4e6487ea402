"""Console: vetting steps, ticking them for an applicant, and creating a member directly."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from timebank.access import community_required
from timebank.console import bp
from timebank.console.forms import NewMemberForm, StepForm, TickForm
from timebank.forms import int_or_none
from timebank.models import Community, Membership, MembershipStatus, VettingStep
from timebank.services.community import memberships, vetting
from timebank.web import act, actor, run, scoped_or_404


def _add_step(community: Community, form: StepForm) -> VettingStep:
    return vetting.add_step(
        community,
        actor=actor(),
        name_en=form.name_en.data,
        name_ar=form.name_ar.data,
        required=form.required.data,
    )


@bp.route("/vetting/", methods=["GET", "POST"])
@community_required("coordinator")
def steps(community: Community) -> ResponseReturnValue:
    form = StepForm()
    if form.validate_on_submit() and run(
        lambda: _add_step(community, form), form=form, success=_("The step was added.")
    ):
        return redirect(url_for("console.steps", slug=community.slug))
    return render_template(
        "console/steps.html", community=community, form=form, steps=vetting.steps(community)
    )


@bp.route("/vetting/<int:step_id>/retire", methods=["POST"])
@community_required("coordinator")
def retire_step(community: Community, step_id: int) -> ResponseReturnValue:
    step = scoped_or_404(VettingStep, community, step_id)
    return act(
        lambda: vetting.retire_step(step, actor=actor()),
        _("The step was retired."),
        url_for("console.steps", slug=community.slug),
    )


@bp.route("/applicants/<int:membership_id>/vetting", methods=["GET", "POST"])
@community_required("coordinator")
def vet(community: Community, membership_id: int) -> ResponseReturnValue:
    membership = scoped_or_404(Membership, community, membership_id)
    form = TickForm()
    if not form.validate_on_submit():
        return _render_vet(community, membership, form)
    step = scoped_or_404(VettingStep, community, int_or_none(form.step_id.data) or 0)
    done_on = form.done_on.data
    return act(
        lambda: vetting.tick(membership, step, actor=actor(), done_on=done_on),
        _("The step is ticked."),
        url_for("console.vet", slug=community.slug, membership_id=membership.id),
    )


def _render_vet(community: Community, membership: Membership, form: TickForm) -> str:
    return render_template(
        "console/vet.html",
        community=community,
        m=membership,
        steps=vetting.steps(community),
        done=vetting.records(membership),
        missing=vetting.missing_required(membership),
        applying=membership.status == MembershipStatus.APPLYING,
        form=form,
    )


def _numbered(membership: Membership) -> str:
    return _(
        "%(name)s is now member number %(n)d.",
        name=membership.user.display_name,
        n=membership.member_number,
    )


def _create_member(community: Community, form: NewMemberForm) -> Membership:
    return memberships.create_member(
        community,
        actor=actor(),
        display_name=form.display_name.data,
        email=form.email.data or None,
        phone=form.phone.data or None,
        locale=form.locale.data,
    )


@bp.route("/members/new", methods=["GET", "POST"])
@community_required("coordinator")
def new_member(community: Community) -> ResponseReturnValue:
    form = NewMemberForm()
    if form.validate_on_submit():
        created = run(lambda: _create_member(community, form), form=form, success=_numbered).value
        if created is not None:
            return redirect(
                url_for("console.member", slug=community.slug, membership_id=created.id)
            )
    return render_template("console/new_member.html", community=community, form=form)
