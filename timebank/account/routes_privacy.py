"""Privacy rights on the account page: download my data, erase my account."""

from __future__ import annotations

import json

from flask import Response, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import logout_user

from timebank.access import login_required
from timebank.account import bp
from timebank.account.forms import EraseSelfForm, PasswordCheckForm
from timebank.services import csvsafe, privacy
from timebank.services.community import lifecycle
from timebank.web import actor, run


def _download(data: dict, file_format: str) -> Response:
    """The export as a file to save: CSV rows, or the JSON document."""
    if file_format == "csv":
        rows = list(privacy.export_rows(data))
        return Response(
            csvsafe.stream_rows(("section", "item", "field", "value"), rows),
            mimetype="text/csv",
            headers={"Content-Disposition": "attachment; filename=my-timebank-data.csv"},
        )
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2, default=str),
        mimetype="application/json",
        headers={"Content-Disposition": "attachment; filename=my-timebank-data.json"},
    )


@bp.route("/data", methods=["GET", "POST"])
@login_required
def my_data() -> ResponseReturnValue:
    form = PasswordCheckForm()
    if form.validate_on_submit():
        user = actor()
        data = run(lambda: privacy.export_checked(user, password=form.password.data), form=form)
        if data.value is not None:
            return _download(data.value, form.format.data)
    return render_template("account/data.html", form=form)


@bp.route("/erase", methods=["GET", "POST"])
@login_required
def erase_me() -> ResponseReturnValue:
    form = EraseSelfForm()
    if form.validate_on_submit() and run(
        lambda: privacy.erase_self(actor(), password=form.password.data),
        form=form,
        success=_("Your personal data has been erased. Thank you for taking part."),
    ):
        logout_user()
        return redirect(url_for("main.index"))
    return render_template(
        "account/erase.html", form=form, outcomes=lifecycle.hours_outcomes(actor())
    )
