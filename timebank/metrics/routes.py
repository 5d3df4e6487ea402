"""Metrics dashboard, charts, my participation, activity reports and coordinator exports.
Thin: parse the period, call one service, render or send."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TypeVar, cast

from flask import Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from timebank import web
from timebank.access import community_required
from timebank.i18n import current_language
from timebank.metrics import bp
from timebank.metrics.forms import MetricsSettingsForm, PeriodForm, PrepareReportForm
from timebank.models import Community, utcnow
from timebank.services import permissions
from timebank.services.metrics import api as metrics
from timebank.services.metrics import charts, codesign, definitions, formatting, lookups, periods
from timebank.services.metrics import settings as report_settings
from timebank.services.metrics.periods import Period
from timebank.services.reports import background, exports
from timebank.services.reports import files as reports

SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"
T = TypeVar("T")


def _period(default: Period) -> tuple[PeriodForm, Period, int]:
    """The period from the query string; on bad input the default, the form's error and 400."""
    form = PeriodForm(request.args)
    form.setup(_today())
    form.validate()
    period = form.resolve(default)
    return (form, period, 200) if period is not None else (form, default, 400)


def _today() -> date:
    return utcnow().date()


def _category_names(community: Community) -> dict[str, str]:
    return lookups.category_names(community.id, current_language())


def _svg(markup: str) -> Response:
    response = Response(markup, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = SVG_POLICY
    return response


def _attachment(content: bytes | Iterator[str], filename: str, media_type: str) -> Response:
    response = Response(content, mimetype=media_type)
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    return response


def _done(outcome: web.Outcome[T]) -> T:
    """The result of a download's work; its failure is the page (a download has no form
    to show it on)."""
    if outcome.error is not None:
        raise outcome.error
    return cast(T, outcome.value)


@bp.route("/metrics/")
@community_required("metrics")
def dashboard(community: Community) -> tuple[str, int]:
    form, period, status = _period(periods.quarter_of(_today()))
    coordinator = permissions.can_produce_reports(current_user, community)
    return render_template(
        "metrics/dashboard.html",
        community=community,
        form=form,
        board=metrics.dashboard(community, period),
        figures=definitions.visible(coordinator=coordinator),
        codesign=codesign.board(community.id, period),
        codesign_figures=codesign.FIGURES,
        codesign_groups=codesign.GROUPS,
        definitions=definitions,
        formatting=formatting,
        category_names=_category_names(community),
        coordinator=coordinator,
        settings=MetricsSettingsForm.of(community) if coordinator else None,
    ), status


@bp.route("/metrics/chart/<name>.svg")
@community_required("metrics")
def chart(community: Community, name: str) -> Response:
    if name not in charts.NAMES:
        abort(404)
    _form, period, _status = _period(periods.quarter_of(_today()))
    board = metrics.dashboard(community, period)
    return _svg(charts.render(name, board.current, _category_names(community)))


@bp.route("/metrics/settings", methods=["POST"])
@community_required("coordinator")
def settings(community: Community) -> BaseResponse:
    form = MetricsSettingsForm()
    if form.validate_on_submit():
        web.run(
            lambda: report_settings.update(community, actor=web.actor(), **form.settings()),
            success=_("The metrics settings were saved."),
        )
    else:
        for errors in form.errors.values():
            flash(errors[0], "error")
    return redirect(url_for("metrics.reports_index", slug=community.slug))


@bp.route("/me/participation")
@community_required("member")
def participation(community: Community) -> tuple[str, int]:
    # An installation admin who is not a member sees the page without figures.
    membership = permissions.membership_of(current_user, community)
    form, period, status = _period(periods.year_of(_today().year))
    return render_template(
        "metrics/participation.html",
        community=community,
        form=form,
        mine=metrics.member(membership, period) if membership else None,
        period=period,
        definitions=definitions,
        category_names=_category_names(community),
    ), status


@bp.route("/me/participation/chart.svg")
@community_required("member")
def participation_chart(community: Community) -> Response:
    membership = permissions.membership_of(current_user, community)
    _form, period, _status = _period(periods.year_of(_today().year))
    mine = metrics.member(membership, period) if membership else metrics.no_participation(period)
    return _svg(charts.render_member(mine))


@bp.route("/reports/")
@community_required("coordinator")
def reports_index(community: Community) -> tuple[str, int]:
    return _reports_page(community, *_period(periods.recent("quarter", _today())))


def _reports_page(
    community: Community,
    form: PeriodForm,
    period: Period,
    status: int,
    prepare_form: PrepareReportForm | None = None,
) -> tuple[str, int]:
    prepare_form = (prepare_form or PrepareReportForm(formdata=None)).setup(period, _today())
    return render_template(
        "metrics/reports.html",
        community=community,
        form=form,
        period=period,
        summary=metrics.dashboard(community, period).current,
        formats=reports.FORMATS,
        prepare_form=prepare_form,
        settings=MetricsSettingsForm.of(community),
        definitions=definitions,
        formatting=formatting,
    ), status


@bp.route("/reports/<label>.<fmt>")
@community_required("coordinator")
def download(community: Community, label: str, fmt: str) -> Response:
    period = periods.parse(label)
    reports.check_format(fmt)  # a bad one is the error page, as a bad period is
    locale = current_language()
    file = _done(
        web.run(lambda: reports.produce(community, period, fmt, locale=locale, actor=web.actor()))
    )
    return _attachment(file.content, file.filename, file.media_type)


@bp.route("/reports/prepare", methods=["POST"])
@community_required("coordinator")
def prepare(community: Community) -> BaseResponse | tuple[str, int]:
    form = PrepareReportForm()
    locale = current_language()
    if form.validate_on_submit():
        outcome = web.run(
            lambda: background.request(community, form.report_period.data or "",
                                       form.report_format.data or "", locale=locale,
                                       actor=web.actor()),
            form=form,
            aliases={"period": "report_period", "format": "report_format"},
            success=_("Your report is being prepared. You will be told when it is ready."),
        )  # fmt: skip
        if outcome:
            return redirect(url_for("metrics.reports_index", slug=community.slug))
    else:
        for errors in form.errors.values():
            flash(errors[0], "error")
    default = periods.recent("quarter", _today())
    return _reports_page(community, *_period(default)[:2], 400, prepare_form=form)


@bp.route("/reports/prepared/<int:prepared_id>")
@community_required("coordinator")
def prepared(community: Community, prepared_id: int) -> Response:
    file = background.stored(community, prepared_id)
    if file is None:
        abort(404)
    return _attachment(file.path.read_bytes(), file.filename, file.media_type)


@bp.route("/exports/<kind>.<fmt>")
@community_required("coordinator")
def export(community: Community, kind: str, fmt: str) -> BaseResponse | tuple[str, int]:
    form, period, status = _period(periods.recent("quarter", _today()))
    if status != 200:  # nothing exported, nothing recorded: the reports page says why
        return _reports_page(community, form, period, status)
    exports.check_kind(kind, fmt)  # a bad one is the error page
    _done(web.run(lambda: exports.record(community, kind, fmt, period, actor=web.actor())))
    name = exports.filename(community, kind, fmt, period, current_language())
    if fmt == "xlsx":
        rtl = current_language() == "ar"
        # Built in a (read) transaction of its own, over before the file is sent.
        spool = _done(web.run(lambda: exports.xlsx_file(kind, community.id, period, rtl=rtl)))
        return send_file(spool, mimetype=reports.writers.MEDIA_TYPES["xlsx"],
                         as_attachment=True, download_name=name)  # fmt: skip
    return _attachment(exports.csv_stream(kind, community.id, period), name, "text/csv")
