"""Two-factor sign-in on the account page: set it up with the app (QR code, or the secret
typed by hand), confirm with a code, see the recovery codes once, make new ones, turn it
off with the password and a code."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_user

from timebank import second_factor
from timebank.access import login_required
from timebank.account import bp
from timebank.account.forms import TwoFactorCodeForm, TwoFactorDisableForm
from timebank.forms import ConfirmForm
from timebank.security import is_safe_next
from timebank.services.auth import two_factor
from timebank.web import actor, run


def _next() -> str | None:
    """Where to go once it is set up (the coordinator page that sent the person here)."""
    target = request.args.get("next")
    return target if target and is_safe_next(target) else None


def _page(
    *,
    confirm_form: TwoFactorCodeForm | None = None,
    codes_form: TwoFactorCodeForm | None = None,
    disable_form: TwoFactorDisableForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    user = actor()
    enabled = two_factor.is_enabled(user)
    pending = not enabled and bool(user.totp_secret)
    page = render_template(
        "account/two_factor.html",
        enabled=enabled,
        pending=pending,
        required=two_factor.enrolment_due(
            user,
            site_admins=current_app.config.get("TWO_FACTOR_REQUIRED_FOR_SITE_ADMINS", False),
        ),
        qr_code=second_factor.qr_code(user) if pending else None,
        secret=second_factor.secret_in_groups(user.totp_secret or "") if pending else None,
        codes_left=two_factor.recovery_codes_left(user) if enabled else 0,
        start_form=ConfirmForm(),
        confirm_form=confirm_form or TwoFactorCodeForm(formdata=None),
        codes_form=codes_form or TwoFactorCodeForm(formdata=None, prefix="codes"),
        disable_form=disable_form or TwoFactorDisableForm(formdata=None, prefix="off"),
        next_url=_next(),
    )
    return page, status


def _codes_page(codes: list[str]) -> ResponseReturnValue:
    """The recovery codes, shown this once (the page is not cached: ``no-store``)."""
    return render_template(
        "account/recovery_codes.html",
        codes=codes,
        continue_url=_next() or url_for("account.two_factor"),
    )


@bp.route("/two-factor", endpoint="two_factor")
@login_required
def two_factor_page() -> ResponseReturnValue:
    return _page()


@bp.route("/two-factor/start", methods=["POST"])
@login_required
def start_two_factor() -> ResponseReturnValue:
    if ConfirmForm().validate_on_submit():
        run(lambda: two_factor.start_enrolment(actor()))
    return redirect(url_for("account.two_factor", next=_next()) + "#set-up")


@bp.route("/two-factor/confirm", methods=["POST"])
@second_factor.limited_code_checks
@login_required
def confirm_two_factor() -> ResponseReturnValue:
    form = TwoFactorCodeForm()
    if form.validate_on_submit():
        done = run(
            lambda: two_factor.confirm_enrolment(actor(), form.code.data),
            form=form,
            success=_("Two-factor sign-in is on. Keep your recovery codes somewhere safe."),
        )
        if done.value is not None:
            login_user(actor())  # this session carries the new token; all others end
            return _codes_page(done.value)
    return _page(confirm_form=form, status=400)


@bp.route("/two-factor/recovery-codes", methods=["POST"])
@second_factor.limited_code_checks
@login_required
def new_recovery_codes() -> ResponseReturnValue:
    form = TwoFactorCodeForm(prefix="codes")
    if form.validate_on_submit():
        done = run(
            lambda: two_factor.regenerate_recovery_codes(actor(), code=form.code.data),
            form=form,
            success=_("Here are your new recovery codes. The old ones no longer work."),
        )
        if done.value is not None:
            return _codes_page(done.value)
    return _page(codes_form=form, status=400)


@bp.route("/two-factor/disable", methods=["POST"])
@second_factor.limited_code_checks
@login_required
def disable_two_factor() -> ResponseReturnValue:
    form = TwoFactorDisableForm(prefix="off")
    if form.validate_on_submit() and run(
        lambda: two_factor.disable(
            actor(),
            password=form.password.data,
            code=form.code.data,
            recovery_code=form.recovery_code.data,
        ),
        form=form,
        success=_("Two-factor sign-in is off. Your sign-in asks for your password only."),
    ):
        return redirect(url_for("account.two_factor"))
    return _page(disable_form=form, status=400)
