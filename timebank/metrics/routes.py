"""Metrics dashboard, charts, my participation, activity reports and coordinator exports.
Thin: parse the period, call one service, render or send."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from timebank.access import community_required
from timebank.database import transaction
from timebank.extensions import db
from timebank.forms import apply_domain_error
from timebank.i18n import current_language
from timebank.metrics import bp
from timebank.metrics.forms import MetricsSettingsForm, PeriodForm
from timebank.models import Community, utcnow
from timebank.services import permissions
from timebank.services.exceptions import DomainError
from timebank.services.metrics import api as metrics
from timebank.services.metrics import charts, definitions, formatting, lookups, periods
from timebank.services.metrics import settings as report_settings
from timebank.services.metrics.periods import Period
from timebank.services.reports import exports
from timebank.services.reports import files as reports

SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"


def _period(default: Period) -> tuple[PeriodForm, Period, int]:
    """The period from the query string; on bad input the default, the form's error and 400."""
    form = PeriodForm(request.args)
    form.setup(utcnow().date())
    form.validate()
    try:
        period = form.chosen(default)
    except DomainError as error:
        if not apply_domain_error(form, error):
            form.period.errors = [error.message]
        return form, default, 400
    labels = {value for value, _label in form.period.choices}
    if period.label in labels:
        form.period.data = period.label
    else:
        form.period.data = "custom"
        form.start.data, form.end.data = period.start, period.end
    return form, period, 200


def _today():
    return utcnow().date()


def _svg(markup: str) -> Response:
    response = Response(markup, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = SVG_POLICY
    return response


@bp.route("/metrics/")
@community_required("metrics")
def dashboard(community: Community):
    form, period, status = _period(periods.quarter_of(_today()))
    board = metrics.dashboard(community, period)
    coordinator = permissions.can_produce_reports(current_user, community)
    settings = None
    if coordinator:
        settings = MetricsSettingsForm(
            members_see_metrics=community.members_see_metrics,
            value_per_hour=(community.value_per_hour_cents or 0) // 100
            if community.value_per_hour_cents is not None else None,
            value_currency=community.value_currency,
        )  # fmt: skip
    return render_template(
        "metrics/dashboard.html",
        community=community,
        form=form,
        board=board,
        figures=definitions.visible(coordinator=coordinator),
        definitions=definitions,
        formatting=formatting,
        category_names=lookups.category_names(community.id, current_language()),
        coordinator=coordinator,
        settings=settings,
    ), status


@bp.route("/metrics/chart/<name>.svg")
@community_required("metrics")
def chart(community: Community, name: str):
    if name not in charts.NAMES:
        abort(404)
    _form, period, _status = _period(periods.quarter_of(_today()))
    board = metrics.dashboard(community, period)
    names = lookups.category_names(community.id, current_language())
    return _svg(charts.render(name, board.current, names))


@bp.route("/metrics/settings", methods=["POST"])
@community_required("coordinator")
def settings(community: Community):
    form = MetricsSettingsForm()
    if form.validate_on_submit():
        try:
            actor = current_user._get_current_object()
            transaction(
                lambda: report_settings.update(
                    community,
                    actor=actor,
                    members_see_metrics=form.members_see_metrics.data,
                    value_per_hour=form.value_per_hour.data,
                    currency=form.value_currency.data,
                )
            )
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("The metrics settings were saved."), "success")
    else:
        for errors in form.errors.values():
            flash(errors[0], "error")
    return redirect(url_for("metrics.reports_index", slug=community.slug))


@bp.route("/me/participation")
@community_required("member")
def participation(community: Community):
    # An installation admin who is not a member sees the page without figures.
    membership = permissions.membership_of(current_user, community)
    form, period, status = _period(periods.year_of(_today().year))
    mine = metrics.member(membership, period) if membership else None
    return render_template(
        "metrics/participation.html",
        community=community,
        form=form,
        mine=mine,
        period=period,
        definitions=definitions,
        category_names=lookups.category_names(community.id, current_language()),
    ), status


@bp.route("/me/participation/chart.svg")
@community_required("member")
def participation_chart(community: Community):
    membership = permissions.membership_of(current_user, community)
    _form, period, _status = _period(periods.year_of(_today().year))
    mine = metrics.member(membership, period) if membership else metrics.no_participation(period)
    return _svg(charts.render_member(mine))


@bp.route("/reports/")
@community_required("coordinator")
def reports_index(community: Community):
    form, period, status = _period(periods.recent("quarter", _today()))
    board = metrics.dashboard(community, period)
    settings = MetricsSettingsForm(
        members_see_metrics=community.members_see_metrics,
        value_per_hour=(community.value_per_hour_cents // 100)
        if community.value_per_hour_cents is not None else None,
        value_currency=community.value_currency,
    )  # fmt: skip
    return render_template(
        "metrics/reports.html",
        community=community,
        form=form,
        period=period,
        summary=board.current,
        formats=reports.FORMATS,
        settings=settings,
        definitions=definitions,
        formatting=formatting,
    ), status


@bp.route("/reports/<label>.<fmt>")
@community_required("coordinator")
def download(community: Community, label: str, fmt: str):
    period = periods.parse(label)
    actor = current_user._get_current_object()
    file = transaction(lambda: reports.produce(community, period, fmt,
                                               locale=current_language(), actor=actor))  # fmt: skip
    return _attachment(file.content, file.filename, file.media_type)


def _attachment(content: bytes, filename: str, media_type: str) -> Response:
    response = Response(content, mimetype=media_type)
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    return response


@bp.route("/exports/<kind>.<fmt>")
@community_required("coordinator")
def export(community: Community, kind: str, fmt: str):
    _form, period, status = _period(periods.recent("quarter", _today()))
    if status != 200:
        abort(400)
    actor = current_user._get_current_object()
    transaction(lambda: exports.record(community, kind, fmt, period, actor=actor))
    name = exports.filename(community, kind, fmt, period)
    if fmt == "xlsx":
        spool = exports.xlsx_file(kind, community.id, period, rtl=current_language() == "ar")
        db.session.commit()
        return send_file(spool, mimetype=reports.writers.MEDIA_TYPES["xlsx"],
                         as_attachment=True, download_name=name)  # fmt: skip
    response = Response(exports.csv_stream(kind, community.id, period), mimetype="text/csv")
    response.headers.set("Content-Disposition", "attachment", filename=name)
    return response
