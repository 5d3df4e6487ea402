"""Console: vetting steps, ticking them for an applicant, and creating a member directly."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from timebank.access import community_required
from timebank.console import bp
from timebank.console.common import membership_or_404, submit
from timebank.console.forms import NewMemberForm, StepForm, TickForm
from timebank.extensions import db
from timebank.models import Community, MembershipStatus, VettingStep
from timebank.services.community import memberships, vetting
from timebank.web import act, actor, scoped_or_404


@bp.route("/vetting/", methods=["GET", "POST"])
@community_required("coordinator")
def steps(community: Community):
    form = StepForm()
    if form.validate_on_submit():
        who = actor()
        ok, _step = submit(
            form,
            lambda: vetting.add_step(
                community,
                actor=who,
                name_en=form.name_en.data,
                name_ar=form.name_ar.data,
                required=form.required.data,
            ),
        )
        if ok:
            flash(_("The step was added."), "success")
            return redirect(url_for("console.steps", slug=community.slug))
    return render_template(
        "console/steps.html", community=community, form=form, steps=vetting.steps(community)
    )


@bp.route("/vetting/<int:step_id>/retire", methods=["POST"])
@community_required("coordinator")
def retire_step(community: Community, step_id: int):
    step = scoped_or_404(VettingStep, community, step_id)
    who = actor()
    return act(
        lambda: vetting.retire_step(step, actor=who),
        _("The step was retired."),
        url_for("console.steps", slug=community.slug),
    )


@bp.route("/applicants/<int:membership_id>/vetting", methods=["GET", "POST"])
@community_required("coordinator")
def vet(community: Community, membership_id: int):
    membership = membership_or_404(community, membership_id)
    form = TickForm()
    back = url_for("console.vet", slug=community.slug, membership_id=membership.id)
    if form.validate_on_submit():
        step_id = form.step_id.data
        step = db.session.get(VettingStep, int(step_id)) if step_id.isdigit() else None
        if step is None or step.community_id != community.id:
            abort(404)
        who, done_on = actor(), form.done_on.data
        return act(
            lambda: vetting.tick(membership, step, actor=who, done_on=done_on),
            _("The step is ticked."),
            back,
        )
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


@bp.route("/members/new", methods=["GET", "POST"])
@community_required("coordinator")
def new_member(community: Community):
    form = NewMemberForm()
    if form.validate_on_submit():
        who = actor()
        ok, membership = submit(
            form,
            lambda: memberships.create_member(
                community,
                actor=who,
                display_name=form.display_name.data,
                email=form.email.data or None,
                phone=form.phone.data or None,
                locale=form.locale.data,
            ),
        )
        if ok:
            flash(
                _(
                    "%(name)s is now member number %(n)d.",
                    name=membership.user.display_name,
                    n=membership.member_number,
                ),
                "success",
            )
            return redirect(
                url_for("console.member", slug=community.slug, membership_id=membership.id)
            )
    return render_template("console/new_member.html", community=community, form=form)
