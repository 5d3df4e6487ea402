"""Privacy rights on the account page: download my data, erase my account."""

from __future__ import annotations

import json

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from timebank.access import login_required
from timebank.account import bp
from timebank.account.forms import EraseSelfForm, PasswordCheckForm
from timebank.database import transaction
from timebank.forms import apply_domain_error
from timebank.services import csvsafe, privacy
from timebank.services.exceptions import DomainError
from timebank.services.messaging import mail


@bp.route("/data", methods=["GET", "POST"])
@login_required
def my_data():
    form = PasswordCheckForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            privacy.check_password(user, form.password.data)
            data = transaction(lambda: (privacy.record_export(user), privacy.export(user))[1])
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            if form.format.data == "csv":
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
    return render_template("account/data.html", form=form)


@bp.route("/erase", methods=["GET", "POST"])
@login_required
def erase_me():
    form = EraseSelfForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()

        def work():
            privacy.check_password(user, form.password.data)
            return privacy.erase(user, actor=user)

        try:
            transaction(work)
        except DomainError as error:
            if not apply_domain_error(form, error):
                flash(error.message, "error")
        else:
            mail.deliver_pending()
            logout_user()
            flash(_("Your personal data has been erased. Thank you for taking part."), "success")
            return redirect(url_for("main.index"))
    return render_template("account/erase.html", form=form)
