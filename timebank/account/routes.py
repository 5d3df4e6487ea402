"""A user's own account: memberships and applications, password, joining a community."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user
from wtforms.fields.choices import SelectChoice

from timebank.access import login_required
from timebank.account import bp
from timebank.account.forms import ChangePasswordForm, JoinForm
from timebank.extensions import db
from timebank.i18n import current_language
from timebank.models import Community
from timebank.services.auth import users as accounts
from timebank.services.community import communities, memberships
from timebank.web import actor, run


def _join_form() -> JoinForm:
    form = JoinForm()
    joined = {m.community_id for m in current_user.memberships}
    form.community.choices = [
        SelectChoice(c.id, c.display_name(current_language()))
        for c in communities.accepting_applications()
        if c.id not in joined
    ]
    return form


@bp.route("/")
@login_required
def index() -> ResponseReturnValue:
    return render_template("account/index.html", join_form=_join_form())


@bp.route("/join", methods=["POST"])
@login_required
def join() -> ResponseReturnValue:
    form = _join_form()
    if form.validate_on_submit():
        community = db.get_or_404(Community, form.community.data)
        if run(
            lambda: memberships.apply(actor(), community, motivation=form.motivation.data),
            success=_("Your application has been sent to the coordinators."),
        ):
            return redirect(url_for("account.index"))
    return render_template("account/index.html", join_form=form), 400


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password() -> ResponseReturnValue:
    form = ChangePasswordForm()
    if form.validate_on_submit() and run(
        lambda: accounts.change_password(
            actor(), current=form.current_password.data, new=form.new_password.data
        ),
        form=form,
        success=_("Your password has been changed. Other devices have been logged out."),
    ):
        login_user(actor())  # this session carries the new token; all others end
        return redirect(url_for("account.index"))
    return render_template("account/password.html", form=form)
