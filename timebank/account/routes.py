"""A user's own account: memberships and applications, password, joining a community."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from timebank.access import login_required
from timebank.account import bp
from timebank.account.forms import ChangePasswordForm, JoinForm
from timebank.database import transaction
from timebank.extensions import db
from timebank.forms import apply_domain_error
from timebank.i18n import current_language
from timebank.models import Community
from timebank.services.auth import users as accounts
from timebank.services.community import memberships
from timebank.services.exceptions import InvalidInput


def _join_form() -> JoinForm:
    form = JoinForm()
    joined = {m.community_id for m in current_user.memberships}
    communities = db.session.scalars(
        select(Community).where(Community.accepting_applications.is_(True)).order_by(Community.name)
    ).all()
    form.community.choices = [
        SelectChoice(c.id, c.display_name(current_language()))
        for c in communities
        if c.id not in joined
    ]
    return form


@bp.route("/")
@login_required
def index():
    return render_template("account/index.html", join_form=_join_form())


@bp.route("/join", methods=["POST"])
@login_required
def join():
    form = _join_form()
    if form.validate_on_submit():
        community = db.session.get(Community, form.community.data)
        user = current_user._get_current_object()
        try:
            transaction(lambda: memberships.apply(user, community, motivation=form.motivation.data))
        except InvalidInput as error:
            flash(error.message, "error")
        else:
            flash(_("Your application has been sent to the coordinators."), "success")
            return redirect(url_for("account.index"))
    return render_template("account/index.html", join_form=form), 400


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            transaction(
                lambda: accounts.change_password(
                    user, current=form.current_password.data, new=form.new_password.data
                )
            )
        except InvalidInput as error:
            apply_domain_error(form, error)
        else:
            login_user(user)  # this session carries the new token; all others end
            flash(
                _("Your password has been changed. Other devices have been logged out."), "success"
            )
            return redirect(url_for("account.index"))
    return render_template("account/password.html", form=form)
