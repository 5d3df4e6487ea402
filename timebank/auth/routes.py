"""Log in, log out, register, and reset a forgotten password."""

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from timebank.access import login_required, public
from timebank.auth import bp
from timebank.auth.forms import ForgotPasswordForm, LoginForm, RegisterForm, ResetPasswordForm
from timebank.database import transaction
from timebank.extensions import db, limiter
from timebank.forms import apply_domain_error
from timebank.i18n import current_language
from timebank.models import Community
from timebank.security import is_safe_next
from timebank.services.auth import users as accounts
from timebank.services.exceptions import DomainError, InvalidInput, LoginFailed, NotAllowed
from timebank.services.messaging import mail


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@public
def login():
    form = LoginForm()
    next_url = request.args.get("next")
    if form.validate_on_submit():
        result = transaction(lambda: accounts.authenticate(form.email.data, form.password.data))
        if result.ok:
            chosen = session.get("lang")  # the visitor's switcher choice survives login
            session.clear()  # a fresh session at login (no fixation)
            login_user(result.user)
            # Otherwise the browser's language keeps deciding (not pinned at login).
            if result.user.locale or chosen:
                session["lang"] = result.user.locale or chosen
            return redirect(next_url if is_safe_next(next_url) else url_for("main.index"))
        form.password.errors = [LoginFailed.default_message]
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    user = current_user._get_current_object()
    transaction(lambda: accounts.logout(user))
    logout_user()
    session.clear()
    flash(_("You have logged out."), "success")
    return redirect(url_for("main.index"))


@bp.route("/register", methods=["GET", "POST"])
@public
def register():
    if current_user.is_authenticated:
        return redirect(url_for("account.index"))
    form = RegisterForm()
    communities = db.session.scalars(
        select(Community).where(Community.accepting_applications.is_(True)).order_by(Community.name)
    ).all()
    locale = current_language()
    form.community.choices = [SelectChoice(c.id, c.display_name(locale)) for c in communities]
    if request.method == "GET" and request.args.get("community"):
        chosen = next((c for c in communities if c.slug == request.args["community"]), None)
        if chosen:
            form.community.data = chosen.id
    if form.validate_on_submit():
        community = db.session.get(Community, form.community.data)
        try:
            transaction(
                lambda: accounts.register(
                    email=form.email.data,
                    display_name=form.display_name.data,
                    password=form.password.data,
                    community=community,
                    motivation=form.motivation.data,
                    locale=locale,
                )
            )
        except InvalidInput as error:
            if not apply_domain_error(form, error):
                flash(error.message, "error")
        else:
            flash(
                _(
                    "Thank you for applying. A coordinator will review your application; "
                    "you can log in to see its progress."
                ),
                "success",
            )
            return redirect(url_for("auth.login"))
    return render_template("auth/register.html", form=form, communities=communities)


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@public
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        transaction(
            lambda: accounts.request_password_reset(
                form.email.data,
                link_for=lambda token: url_for("auth.reset_password", token=token, _external=True),
            )
        )
        mail.deliver_pending()
        flash(
            _(
                "If an account uses this address, we have sent it a link to choose a new "
                "password. The link works for one hour."
            ),
            "success",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    try:
        accounts.user_for_reset_token(token)
    except NotAllowed as error:
        return render_template("auth/reset_invalid.html", message=error.message), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            transaction(lambda: accounts.reset_password(token, form.password.data))
        except InvalidInput as error:
            form.password.errors = [error.message]
        except DomainError as error:
            return render_template("auth/reset_invalid.html", message=error.message), 400
        else:
            flash(_("Your password has been changed. You can log in now."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form)
