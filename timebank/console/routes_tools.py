"""Console tools: paper timesheets, CSV import, the audit log and announcements."""

from __future__ import annotations

from flask import Response, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from timebank.access import community_required
from timebank.console import bp
from timebank.console.forms import AnnouncementForm, AuditFilterForm, ImportForm, TimesheetForm
from timebank.extensions import db
from timebank.forms import new_key
from timebank.i18n import current_language, local_digits
from timebank.models import Announcement, Community, Exchange
from timebank.services import audit_trail as auditlog
from timebank.services import csvsafe
from timebank.services.community import announcements, imports
from timebank.services.exchanges import slips, timesheets
from timebank.services.listings import categories as category_tree
from timebank.web import act, actor, page_number, run, scoped_or_404

MORE_ROWS = 10
PREVIEW_ROWS = 200  # rows of a members file shown in the dry run's preview


def _typed(form: TimesheetForm) -> list[dict]:
    return [{k: (v or "") for k, v in entry.data.items()} for entry in form.rows.entries]


def _more_rows(form: TimesheetForm) -> None:
    for _i in range(MORE_ROWS):
        if len(form.rows.entries) < form.rows.max_entries:
            form.rows.append_entry()


def _submit(community: Community, form: TimesheetForm, rows: list[dict]) -> list[Exchange]:
    return timesheets.submit(
        community,
        actor=actor(),
        rows=rows,
        idempotency_key=form.idempotency_key.data,
        accept_duplicates=form.accept_duplicates.data,
    )


def _recorded(saved: list[Exchange]) -> str:
    # The whole sentence in the reader's digits (ngettext fills in ``num`` itself).
    return local_digits(ngettext("%(num)s exchange was recorded.",
                                 "%(num)s exchanges were recorded.", len(saved)))  # fmt: skip


def _render_timesheet(
    community: Community, form: TimesheetForm, checked: list[slips.Slip] | None
) -> str:
    by_line = {slip.line: slip for slip in checked or []}
    return render_template(
        "console/timesheet.html",
        community=community,
        form=form,
        checked=checked,
        by_line=by_line,
        categories=[
            (c.key, c.display_name(current_language())) for c in category_tree.tree(community)
        ],
    )


@bp.route("/timesheet", methods=["GET", "POST"])
@community_required("coordinator")
def timesheet(community: Community) -> ResponseReturnValue:
    form = TimesheetForm()
    if not form.validate_on_submit():
        return _render_timesheet(community, form, None)
    rows, action = _typed(form), request.form.get("action")
    if action == "more":
        _more_rows(form)
    elif action == "save" and run(
        lambda: _submit(community, form, rows), form=form, success=_recorded
    ):
        return redirect(url_for("console.timesheet", slug=community.slug))
    return _render_timesheet(
        community, form, timesheets.preview(community, actor=actor(), rows=rows)
    )


def _upload(form: ImportForm) -> bytes:
    """The chosen file, or the text a good dry run carried on in the form."""
    upload = request.files.get(form.file.name)
    return upload.read() if upload else (form.content.data or "").encode()


def _carry_on(form: ImportForm, data: bytes, result: imports.Result) -> None:
    """A good dry run carries the file on to the "import" button."""
    form.content.data = imports.decode(data) if result.ok else ""
    form.idempotency_key.data = new_key()


def _import(community: Community, form: ImportForm, data: bytes, commit: bool) -> imports.Result:
    return imports.run(
        community,
        actor=actor(),
        kind=form.kind.data,
        data=data,
        dry_run=not commit,
        idempotency_key=form.idempotency_key.data,
    )


def _imported(result: imports.Result) -> str:
    return local_digits(ngettext("%(num)s row was imported.", "%(num)s rows were imported.",
                                 result.created))  # fmt: skip


def _render_import(community: Community, form: ImportForm, result: imports.Result | None) -> str:
    return render_template(
        "console/import.html",
        community=community,
        form=form,
        result=result,
        columns=imports.COLUMNS,
        preview_rows=PREVIEW_ROWS,
    )


@bp.route("/import", methods=["GET", "POST"])
@community_required("coordinator")
def import_data(community: Community) -> ResponseReturnValue:
    form = ImportForm()
    if not form.validate_on_submit():
        return _render_import(community, form, None)
    data, commit = _upload(form), request.form.get("action") == "commit"
    success = _imported if commit else None
    result = run(lambda: _import(community, form, data, commit), success=success).value
    if result is not None and commit:
        return redirect(url_for("console.import_data", slug=community.slug))
    if result is not None:
        _carry_on(form, data, result)
    return _render_import(community, form, result)


def _filters(form: AuditFilterForm) -> auditlog.Filters | None:
    """The audit log's filters; None when one is not valid (its message is then on its
    field). An invalid filter shows and exports nothing: it never reads as "no filter"."""
    if not form.validate():
        return None
    return auditlog.Filters(
        actor_id=form.actor_id.data,
        action=form.action.data or None,
        object_type=form.object_type.data or None,
        object_id=form.object_id.data,
        date_from=form.date_from.data,
        date_to=form.date_to.data,
    )


def _audit_page(
    community: Community, form: AuditFilterForm, filters: auditlog.Filters | None, args: dict
) -> str:
    """The audit log for ``filters``: no events when they cannot be applied."""
    page = None
    if filters is not None:
        per_page = current_app.config["PER_PAGE"]
        page = run(
            lambda: auditlog.events_page(community, filters, page=page_number(), per_page=per_page),
            form=form,
        ).value
    return render_template(
        "console/audit.html",
        community=community,
        form=form,
        page=page,
        args=args,
        actions=auditlog.actions(community),
    )


@bp.route("/audit/")
@community_required("coordinator")
def audit_log(community: Community) -> ResponseReturnValue:
    form = AuditFilterForm(request.args)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return _audit_page(community, form, _filters(form), args)


@bp.route("/audit/export", methods=["POST"])
@community_required("coordinator")
def audit_export(community: Community) -> ResponseReturnValue:
    form = AuditFilterForm(request.form)
    filters = _filters(form)
    if filters is None or not run(
        lambda: auditlog.record_export(community, actor=actor(), filters=filters), form=form
    ):
        # Nothing is exported and nothing recorded; the page says which filter is wrong.
        args = {k: v for k, v in request.form.items() if k != "csrf_token" and v}
        return _audit_page(community, form, None, args), 400
    rows = auditlog.export_rows(db.engine, community.id, filters)
    return Response(
        csvsafe.stream_rows(auditlog.EXPORT_HEADER, rows),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=audit-log.csv"},
    )


@bp.route("/announcements/", methods=["GET", "POST"])
@community_required("coordinator")
def announcements_index(community: Community) -> ResponseReturnValue:
    form = AnnouncementForm()
    if form.validate_on_submit() and run(
        lambda: announcements.post(
            community, actor=actor(), title=form.title.data, body=form.body.data
        ),
        form=form,
        success=_("The announcement is on the community's home page."),
    ):
        return redirect(url_for("console.announcements_index", slug=community.slug))
    page = announcements.listing_page(
        community, page=page_number(), per_page=current_app.config["PER_PAGE"]
    )
    return render_template("console/announcements.html", community=community, form=form, page=page)


@bp.route("/announcements/<int:announcement_id>/withdraw", methods=["POST"])
@community_required("coordinator")
def withdraw_announcement(community: Community, announcement_id: int) -> ResponseReturnValue:
    item = scoped_or_404(Announcement, community, announcement_id)
    return act(
        lambda: announcements.withdraw(item, actor=actor()),
        _("The announcement was taken down."),
        url_for("console.announcements_index", slug=community.slug),
    )
