"""Console tools: paper timesheets, CSV import, the audit log and announcements."""

from __future__ import annotations

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from timebank.access import community_required
from timebank.console import bp
from timebank.console.common import submit
from timebank.console.forms import AnnouncementForm, AuditFilterForm, ImportForm, TimesheetForm
from timebank.database import transaction
from timebank.extensions import db
from timebank.forms import new_key
from timebank.models import Announcement, Community
from timebank.services import audit_trail as auditlog
from timebank.services import csvsafe
from timebank.services.community import announcements, imports
from timebank.services.exceptions import DomainError
from timebank.services.exchanges import timesheets
from timebank.web import act, actor, scoped_or_404

MORE_ROWS = 10


def _typed(form: TimesheetForm) -> list[dict]:
    return [{k: (v or "") for k, v in entry.data.items()} for entry in form.rows.entries]


@bp.route("/timesheet", methods=["GET", "POST"])
@community_required("coordinator")
def timesheet(community: Community):
    form = TimesheetForm()
    checked = None
    if form.validate_on_submit():
        who, rows = actor(), _typed(form)
        if request.form.get("action") == "more":
            for _i in range(MORE_ROWS):
                if len(form.rows.entries) < form.rows.max_entries:
                    form.rows.append_entry()
        elif request.form.get("action") == "save":
            ok, saved = submit(
                form,
                lambda: timesheets.submit(
                    community,
                    actor=who,
                    rows=rows,
                    idempotency_key=form.idempotency_key.data,
                    accept_duplicates=form.accept_duplicates.data,
                ),
            )
            if ok:
                flash(_("%(n)d exchanges were recorded.", n=len(saved)), "success")
                return redirect(url_for("console.timesheet", slug=community.slug))
        checked = timesheets.preview(community, actor=who, rows=rows)
    by_line = {slip.line: slip for slip in checked or []}
    return render_template(
        "console/timesheet.html", community=community, form=form, checked=checked, by_line=by_line
    )


@bp.route("/import", methods=["GET", "POST"])
@community_required("coordinator")
def import_data(community: Community):
    form = ImportForm()
    result = None
    if form.validate_on_submit():
        upload = request.files.get(form.file.name)
        data = upload.read() if upload else (form.content.data or "").encode()
        who, kind = actor(), form.kind.data
        commit = request.form.get("action") == "commit"
        try:
            result = transaction(
                lambda: imports.run(
                    community,
                    actor=who,
                    kind=kind,
                    data=data,
                    dry_run=not commit,
                    idempotency_key=form.idempotency_key.data,
                )
            )
        except DomainError as error:
            flash(error.message, "error")
        else:
            if commit:
                flash(_("%(n)d rows were imported.", n=result.created), "success")
                return redirect(url_for("console.import_data", slug=community.slug))
            # A good dry run carries the file on to the "import" button.
            form.content.data = imports.decode(data) if result.ok else ""
            form.idempotency_key.data = new_key()
    return render_template(
        "console/import.html",
        community=community,
        form=form,
        result=result,
        columns=imports.COLUMNS,
    )


def _filters(form: AuditFilterForm) -> auditlog.Filters:
    return auditlog.Filters(
        actor_id=form.actor_id.data,
        action=form.action.data or None,
        object_type=form.object_type.data or None,
        object_id=form.object_id.data,
        date_from=form.date_from.data,
        date_to=form.date_to.data,
    )


@bp.route("/audit/")
@community_required("coordinator")
def audit_log(community: Community):
    form = AuditFilterForm(request.args)
    filters = _filters(form) if form.validate() else auditlog.Filters()
    page = db.paginate(
        auditlog.query(community, filters),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "console/audit.html",
        community=community,
        form=form,
        page=page,
        args=args,
        actions=auditlog.actions(community),
    )


@bp.route("/audit/export", methods=["POST"])
@community_required("coordinator")
def audit_export(community: Community):
    form = AuditFilterForm(request.form)
    filters = _filters(form) if form.validate() else auditlog.Filters()
    who = actor()
    transaction(lambda: auditlog.record_export(community, actor=who, filters=filters))
    rows = auditlog.export_rows(db.engine, community.id, filters)
    return Response(
        csvsafe.stream_rows(auditlog.EXPORT_HEADER, rows),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=audit-log.csv"},
    )


@bp.route("/announcements/", methods=["GET", "POST"])
@community_required("coordinator")
def announcements_index(community: Community):
    form = AnnouncementForm()
    if form.validate_on_submit():
        who = actor()
        ok, _item = submit(
            form,
            lambda: announcements.post(
                community, actor=who, title=form.title.data, body=form.body.data
            ),
        )
        if ok:
            flash(_("The announcement is on the community's home page."), "success")
            return redirect(url_for("console.announcements_index", slug=community.slug))
    page = db.paginate(
        announcements.listing(community), per_page=current_app.config["PER_PAGE"], error_out=False
    )
    return render_template("console/announcements.html", community=community, form=form, page=page)


@bp.route("/announcements/<int:announcement_id>/withdraw", methods=["POST"])
@community_required("coordinator")
def withdraw_announcement(community: Community, announcement_id: int):
    item = scoped_or_404(Announcement, community, announcement_id)
    who = actor()
    return act(
        lambda: announcements.withdraw(item, actor=who),
        _("The announcement was taken down."),
        url_for("console.announcements_index", slug=community.slug),
    )
