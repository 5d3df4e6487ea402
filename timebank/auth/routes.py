"""Log in, log out, register, and reset a forgotten password."""

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from timebank import second_factor, web
from timebank.access import login_required, public
from timebank.auth import bp
from timebank.auth.forms import (
    ForgotPasswordForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
    SecondFactorForm,
)
from timebank.extensions import db, limiter
from timebank.forms import options
from timebank.i18n import current_language
from timebank.models import Community, User
from timebank.security import is_safe_next
from timebank.services.auth import two_factor
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


def _signed_in(user: User, next_url: str | None) -> Response:
    """Start the session and go on: to ``next_url``, or first to setting up two-factor
    sign-in where one of the person's communities requires it of them."""
    _start_session(user)
    safe_next = next_url if next_url and is_safe_next(next_url) else None
    if two_factor.enrolment_due(
        user, site_admins=current_app.config.get("TWO_FACTOR_REQUIRED_FOR_SITE_ADMINS", False)
    ):
        flash(
            _(
                "Your time bank asks coordinators and admins to use two-factor sign-in. "
                "Set it up now: it takes two minutes."
            ),
            "info",
        )
        return redirect(url_for("account.two_factor", next=safe_next))
    return redirect(safe_next or url_for("main.index"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@public
def login() -> Response | str:
    form = LoginForm()
    next_url = request.args.get("next")
    if form.validate_on_submit():
        result = web.run(
            lambda: accounts.authenticate(
                form.email.data, form.password.data, device_token=second_factor.device_cookie()
            )
        ).value
        if result is not None and result.needs_second_factor and result.user is not None:
            second_factor.begin(result.user, next_url)
            return redirect(url_for("auth.two_factor"))
        if result is not None and result.ok and result.user is not None:
            return _signed_in(result.user, next_url)
        form.password.errors = [LoginFailed.default_message]
    return render_template("auth/login.html", form=form)


@bp.route("/two-factor", methods=["GET", "POST"], endpoint="two_factor")
@second_factor.limited_code_checks
@public
def second_step() -> Response | str | tuple[str, int]:
    """The second step of signing in: the password was right a moment ago in this
    browser; a code from the app (or a recovery code) finishes it."""
    user = second_factor.pending_user()
    if user is None:  # nothing to finish (or too late): the page says to log in again
        return render_template("auth/two_factor.html", form=None)
    form = SecondFactorForm()
    may_remember = two_factor.remembering_allowed(user)
    if form.validate_on_submit():
        outcome = web.run(
            lambda: two_factor.verify_sign_in(
                user,
                code=form.code.data,
                recovery_code=form.recovery_code.data,
                remember=may_remember and bool(form.remember.data),
            )
        ).value
        if outcome is not None and outcome.ok:
            response = _signed_in(user, second_factor.pending_next())
            if outcome.method == "recovery_code":
                flash(
                    _(
                        "You signed in with a recovery code; it cannot be used again. "
                        "%(n)s are left: make new ones on your account page.",
                        n=two_factor.recovery_codes_left(user),
                    ),
                    "info",
                )
            if outcome.device_token:
                second_factor.remember_device(response, outcome.device_token)
            return response
        if form.recovery_code.data and not form.code.data:
            form.recovery_code.errors = [two_factor.WRONG_RECOVERY_CODE]
        else:
            form.code.errors = [two_factor.WRONG_CODE]
    page = render_template(
        "auth/two_factor.html",
        form=form,
        may_remember=may_remember,
        days=two_factor.remember_days(),
    )
    return (page, 400) if form.is_submitted() else page


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
