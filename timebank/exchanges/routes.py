"""Member pages: my hours, record, exchange details, confirm / reject / cancel, the
statement and its CSV download, and donations to the community pot."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from flask import Flask, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from timebank import web
from timebank.access import community_required
from timebank.exchanges import bp
from timebank.exchanges import labels as exchange_labels
from timebank.exchanges.forms import CancelForm, DonateForm, RecordForm, RejectForm
from timebank.exchanges.helpers import View, detail_url, record_flow, visible_exchange
from timebank.forms import ConfirmForm
from timebank.models import Community, Exchange, Membership
from timebank.services import permissions
from timebank.services.csvsafe import stream_rows
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.exchanges import listing_hours, lookups, movements, statements
from timebank.services.exchanges import rows as exchange_rows


def _hours_url(community: Community) -> str:
    return url_for("exchanges.my_hours", slug=community.slug)


def _own_membership(community: Community) -> Membership:
    """The reader's membership (pages for participants, who always have one)."""
    membership = permissions.membership_of(web.actor(), community)
    assert membership is not None, "community_required('participant') lets only members in"
    return membership


@bp.route("/hours/")
@community_required("member")
def my_hours(community: Community) -> str:
    membership = permissions.membership_of(web.actor(), community)
    hours = statements.my_hours(membership) if membership else None
    return render_template(
        "exchanges/my_hours.html",
        community=community,
        membership=membership,
        hours=hours,
        confirm_form=ConfirmForm(),
        can_coordinate=permissions.can_act_for_members(web.actor(), community),
    )


@bp.route("/hours/record", methods=["GET", "POST"])
@community_required("participant")
def record(community: Community) -> View:
    return record_flow(community, RecordForm(), behalf=False)


@bp.route("/hours/exchanges/<int:exchange_id>")
@community_required("member")
def detail(community: Community, exchange_id: int) -> str:
    exchange, row = visible_exchange(community, exchange_id)
    return render_template(
        "exchanges/detail.html",
        community=community,
        row=row,
        info=exchange_rows.exchange_detail(exchange),
        actions=exchange_rows.actions_for(web.actor(), community, exchange, row),
        form=ConfirmForm(),
        listing=listing_hours.listing_of(exchange),
    )


def _confirmed_message(exchange: Exchange) -> str:
    if exchange.status.value == "posted":
        return _("Confirmed. The hours are now in both balances.")
    return _("Confirmed. It now waits for a coordinator's approval.")


@bp.route("/hours/exchanges/<int:exchange_id>/confirm", methods=["POST"])
@community_required("member")
def confirm(community: Community, exchange_id: int) -> Response:
    exchange, _row = visible_exchange(community, exchange_id)
    if ConfirmForm().validate_on_submit():
        web.run(
            lambda: exchanges.confirm(exchange, actor=web.actor()),
            success=lambda _confirmed: _confirmed_message(exchange),
        )
    return redirect(detail_url(community, exchange.id))


def _decide_page(
    community: Community, exchange: Exchange, row: exchange_rows.ExchangeRow, form: Any, mode: str
) -> str:
    """The reject or cancel page, with whether the reader may still do it."""
    actions = exchange_rows.actions_for(web.actor(), community, exchange, row)
    return render_template(
        "exchanges/decide.html",
        community=community,
        row=row,
        form=form,
        mode=mode,
        allowed=getattr(actions, mode),
    )


@bp.route("/hours/exchanges/<int:exchange_id>/reject", methods=["GET", "POST"])
@community_required("member")
def reject(community: Community, exchange_id: int) -> View:
    exchange, row = visible_exchange(community, exchange_id)
    form = RejectForm()
    if form.validate_on_submit() and web.run(
        lambda: exchanges.reject(exchange, actor=web.actor(), reason=form.reason.data),
        form=form,
        success=_("The exchange was rejected. Nothing was added to the balances."),
    ):
        if request.args.get("from") == "queue":
            return redirect(url_for("exchanges.queue", slug=community.slug))
        return redirect(detail_url(community, exchange.id))
    return _decide_page(community, exchange, row, form, "reject")


@bp.route("/hours/exchanges/<int:exchange_id>/cancel", methods=["GET", "POST"])
@community_required("member")
def cancel(community: Community, exchange_id: int) -> View:
    exchange, row = visible_exchange(community, exchange_id)
    form = CancelForm()
    if form.validate_on_submit() and web.run(
        lambda: exchanges.cancel(exchange, actor=web.actor(), reason=form.reason.data),
        form=form,
        success=_("The exchange was withdrawn."),
    ):
        return redirect(_hours_url(community))
    return _decide_page(community, exchange, row, form, "cancel")


@bp.route("/hours/statement")
@community_required("member")
def statement(community: Community) -> str:
    membership = permissions.membership_of(web.actor(), community)
    account = lookups.account_of(membership) if membership else None
    page = statements.statement_page(account, page=web.page_number()) if account else None
    return render_template(
        "exchanges/statement.html",
        community=community,
        membership=membership,
        account=account,
        page=page,
    )


@bp.route("/hours/statement/print")
@community_required("participant")
def statement_print(community: Community) -> tuple[str, int]:
    """The member's own statement for chosen days, with opening and closing balances, laid
    out for paper."""
    return web.statement_page(community, _own_membership(community))


def _csv_header() -> list[str]:
    return [
        _("Posted on"), _("Date of the service"), _("Exchange"), _("Kind"),
        _("Member number"), _("Counterpart"), _("Category"), _("Description"),
        _("Minutes"), _("Balance after (minutes)"),
    ]  # fmt: skip


def _csv_rows(community: Community, account_id: int | None) -> Iterator[tuple[Any, ...]]:
    """The statement's rows, with its labels translated now, in the reader's language."""
    labels = {
        key: exchange_labels.label(key, community) for key in exchange_labels.all_keys(community)
    }
    kinds = {key: exchange_labels.kind_label(key) for key in exchange_labels.KINDS}
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return _csv_lines(app, account_id, _("Community pot"), labels, kinds)


def _csv_lines(
    app: Flask,
    account_id: int | None,
    pot_name: str,
    labels: dict[str, str],
    kinds: dict[str, str],
) -> Iterator[tuple[Any, ...]]:
    """Rows for the CSV, read in an application context of their own: the response is
    streamed after the view has returned (labels are translated beforehand, in the
    reader's language)."""
    if account_id is None:
        return
    with app.app_context():
        for line in statements.statement_lines(account_id):
            yield (
                line.posted_at.date(),
                line.service_date,
                line.exchange_id,
                kinds.get(line.kind, line.kind),
                line.counterpart_number,
                line.counterpart_name if line.counterpart_name is not None else pot_name,
                labels.get(line.category, line.category),
                line.description,
                line.delta,
                line.balance_after,
            )


@bp.route("/hours/statement.csv")
@community_required("participant")
def statement_csv(community: Community) -> Response:
    membership = _own_membership(community)
    account = lookups.account_of(membership)
    if account is not None:  # a member with no account yet downloads the header only
        count = statements.statement_count(account)
        web.run(
            lambda: statements.record_statement_export(
                community, account, actor=web.actor(), rows=count
            )
        )
    body = stream_rows(_csv_header(), _csv_rows(community, account.id if account else None))
    filename = f"statement-{community.slug}-{membership.member_number}-{date.today()}.csv"
    return _download(body, filename)


def _download(body: Iterator[str], filename: str) -> Response:
    """A CSV sent as it is written, never kept by a cache."""
    return current_app.response_class(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/hours/donate", methods=["GET", "POST"])
@community_required("participant")
def donate(community: Community) -> View:
    membership = _own_membership(community)
    form = DonateForm()
    if form.validate_on_submit():
        minutes = form.parse_minutes(community.max_minutes_per_exchange)
        if minutes is not None and _donate(membership, form, minutes):
            return redirect(_hours_url(community))
    hours = statements.my_hours(membership, limit=0)
    return render_template("exchanges/donate.html", community=community, form=form, hours=hours)


def _donate(membership: Membership, form: DonateForm, minutes: int) -> bool:
    given = web.run(
        lambda: movements.donate(
            membership,
            actor=web.actor(),
            minutes=minutes,
            idempotency_key=form.idempotency_key.data,
            description=form.description.data or None,
        ),
        form=form,
        success=_("Thank you. The hours were given to the community pot."),
        aliases={"minutes": "duration"},
    )
    return bool(given)
