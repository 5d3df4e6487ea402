"""Console: how the community's members sign in (two-factor sign-in required of
coordinators, remembered devices), and an admin's reset of a member's two-factor sign-in."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from timebank.access import community_required
from timebank.console import bp
from timebank.console.forms import ResetTwoFactorForm, SignInSettingsForm
from timebank.models import Community, Membership
from timebank.services.auth import two_factor
from timebank.web import actor, run, scoped_or_404


@bp.route("/sign-in", methods=["GET", "POST"])
@community_required("community_admin")
def sign_in_settings(community: Community) -> ResponseReturnValue:
    form = SignInSettingsForm(obj=community)
    if form.validate_on_submit() and run(
        lambda: two_factor.update_policy(
            community,
            actor=actor(),
            require_two_factor=bool(form.require_two_factor.data),
            allow_remembered_devices=bool(form.allow_remembered_devices.data),
        ),
        form=form,
        success=_("The sign-in settings were saved."),
    ):
        return redirect(url_for("console.sign_in_settings", slug=community.slug))
    return render_template(
        "console/sign_in.html",
        community=community,
        form=form,
        coordinators=two_factor.coordinators_status(community),
        days=two_factor.remember_days(),
    ), (400 if form.errors else 200)


@bp.route("/members/<int:membership_id>/two-factor/reset", methods=["POST"])
@community_required("community_admin")
def reset_two_factor(community: Community, membership_id: int) -> ResponseReturnValue:
    membership = scoped_or_404(Membership, community, membership_id)
    back = url_for("console.member", slug=community.slug, membership_id=membership.id)
    form = ResetTwoFactorForm(prefix="reset")
    if not form.validate_on_submit():
        flash(_("Tick the box to confirm."), "error")
        return redirect(back)
    run(
        lambda: two_factor.reset(membership.user, actor=actor(), community=community),
        success=_(
            "Two-factor sign-in was turned off for %(name)s, who was told by e-mail.",
            name=membership.user.display_name,
        ),
    )
    return redirect(back)
