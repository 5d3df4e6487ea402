"""Log in, log out, register, and reset a forgotten password."""

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from timebank import web
from timebank.access import login_required, public
from timebank.auth import bp
from timebank.auth.forms import ForgotPasswordForm, LoginForm, RegisterForm, ResetPasswordForm
from timebank.extensions import db, limiter
from timebank.forms import options
from timebank.i18n import current_language
from timebank.models import Community, User
from timebank.security import is_safe_next
from timebank.services.auth import users as accounts
from timebank.services.exceptions import DomainError, InvalidInput, LoginFailed

_APPLIED = _l(
    "Thank you for applying. A coordinator will review your application; "
    "you can log in to see its progress."
)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _start_session(user: User) -> None:
    """A fresh session for ``user`` (no fixation). The visitor's language choice survives
    it; without one the browser's language keeps deciding (not pinned at login)."""
    chosen = session.get("lang")
    session.clear()
    login_user(user)
    if user.locale or chosen:
        session["lang"] = user.locale or chosen


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@public
def login() -> Response | str:
    form = LoginForm()
    next_url = request.args.get("next")
    if form.validate_on_submit():
        result = web.run(lambda: accounts.authenticate(form.email.data, form.password.data)).value
        if result is not None and result.ok and result.user is not None:
            _start_session(result.user)
            return redirect(
                next_url if next_url and is_safe_next(next_url) else url_for("main.index")
            )
        form.password.errors = [LoginFailed.default_message]
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    web.run(lambda: accounts.logout(web.actor()))
    logout_user()
    session.clear()
    flash(_("You have logged out."), "success")  # after clearing the session, so it stays
    return redirect(url_for("main.index"))


def _register_form(communities: list[Community]) -> RegisterForm:
    """The form, offering ``communities`` (the one named by ``?community=`` chosen)."""
    form = RegisterForm()
    locale = current_language()
    form.community.choices = options((c.id, c.display_name(locale)) for c in communities)
    if request.method == "GET" and request.args.get("community"):
        chosen = next((c for c in communities if c.slug == request.args["community"]), None)
        if chosen:
            form.community.data = chosen.id
    return form


@bp.route("/register", methods=["GET", "POST"])
@public
def register() -> Response | str:
    if current_user.is_authenticated:
        return redirect(url_for("account.index"))
    communities = accounts.open_communities()
    form = _register_form(communities)
    if form.validate_on_submit() and web.run(
        lambda: accounts.register(
            community=db.get_or_404(Community, form.community.data),
            locale=current_language(),
            **form.applicant(),
        ),
        form=form,
        success=str(_APPLIED),
    ):
        return redirect(url_for("auth.login"))
    return render_template("auth/register.html", form=form, communities=communities)


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@public
def forgot_password() -> Response | str:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        web.run(
            lambda: accounts.request_password_reset(
                form.email.data,
                link_for=lambda token: url_for("auth.reset_password", token=token),
            ),
            success=_(
                "If an account uses this address, we have sent it a link to choose a new "
                "password. The link works for one hour."
            ),
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


def _invalid_link(error: DomainError) -> tuple[str, int]:
    return render_template("auth/reset_invalid.html", message=error.message), 400


@bp.route("/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str) -> Response | str | tuple[str, int]:
    problem = accounts.reset_link_problem(token)
    if problem is not None:
        return _invalid_link(problem)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        done = web.run(
            lambda: accounts.reset_password(token, form.password.data),
            form=form,
            success=_("Your password has been changed. You can log in now."),
        )
        if done:
            return redirect(url_for("auth.login"))
        if done.error is not None and not isinstance(done.error, InvalidInput):  # link used since
            return _invalid_link(done.error)
    return render_template("auth/reset.html", form=form)
