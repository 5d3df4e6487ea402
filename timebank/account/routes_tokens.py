"""A member's personal access tokens for the JSON API: create (the secret shown once),
list with their last use, revoke."""

from __future__ import annotations

from flask import make_response, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from timebank.access import login_required
from timebank.account import bp
from timebank.account.forms import ApiTokenForm
from timebank.forms import ConfirmForm
from timebank.services.auth import tokens
from timebank.web import act, actor, run


def _page(form: ApiTokenForm, secret: str | None = None, status: int = 200):
    response = make_response(
        render_template(
            "account/api_tokens.html",
            form=form,
            tokens=tokens.listed(actor()),
            alive=tokens.is_alive,
            secret=secret,
            revoke_form=ConfirmForm(),
        ),  # fmt: skip
        status,
    )
    response.headers["Cache-Control"] = "no-store"  # the secret is never kept by a cache
    return response


@bp.route("/api-tokens", methods=["GET", "POST"])
@login_required
def api_tokens() -> ResponseReturnValue:
    form = ApiTokenForm()
    if not form.validate_on_submit():
        return _page(form, status=400 if form.is_submitted() else 200)
    outcome = run(
        lambda: tokens.create(
            actor(),
            name=form.name.data,
            scopes=form.scopes.data or [],
            expires_on=form.expires_on.data,
        ),  # fmt: skip
        form=form,
    )
    if not outcome or outcome.value is None:
        return _page(form, status=400)
    return _page(ApiTokenForm(formdata=None), secret=outcome.value.secret, status=201)


@bp.route("/api-tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_api_token(token_id: int) -> ResponseReturnValue:
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("account.api_tokens"))
    return act(
        lambda: tokens.revoke(actor(), token_id),
        _("The token was revoked. Programs using it can no longer sign in."),
        url_for("account.api_tokens"),
    )
