"""Member pages: my hours, record, exchange details, confirm / reject / cancel, the
statement and its CSV download, and donations to the community pot."""

from __future__ import annotations

from datetime import date

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from timebank.access import community_required
from timebank.database import transaction
from timebank.exchanges import bp
from timebank.exchanges import labels as exchange_labels
from timebank.exchanges.forms import CancelForm, DonateForm, RecordForm, RejectForm
from timebank.exchanges.helpers import detail_url, record_flow, show_error, visible_exchange
from timebank.forms import ConfirmForm
from timebank.models import Community
from timebank.services import export_events as exports
from timebank.services import permissions
from timebank.services.csvsafe import stream_rows
from timebank.services.exceptions import DomainError
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.exchanges import lookups, movements, statements
from timebank.services.exchanges import rows as exchange_rows
from timebank.services.messaging import mail
from timebank.web import actor, page_number


def _hours_url(community: Community) -> str:
    return url_for("exchanges.my_hours", slug=community.slug)


@bp.route("/hours/")
@community_required("member")
def my_hours(community: Community):
    membership = permissions.membership_of(actor(), community)
    hours = statements.my_hours(membership) if membership else None
    return render_template(
        "exchanges/my_hours.html",
        community=community,
        membership=membership,
        hours=hours,
        confirm_form=ConfirmForm(),
        can_coordinate=permissions.can_act_for_members(actor(), community),
    )


@bp.route("/hours/record", methods=["GET", "POST"])
@community_required("participant")
def record(community: Community):
    return record_flow(community, RecordForm(), behalf=False)


@bp.route("/hours/exchanges/<int:exchange_id>")
@community_required("member")
def detail(community: Community, exchange_id: int):
    exchange, row = visible_exchange(community, exchange_id)
    return render_template(
        "exchanges/detail.html",
        community=community,
        row=row,
        info=exchange_rows.exchange_detail(exchange),
        actions=exchange_rows.actions_for(actor(), community, exchange, row),
        form=ConfirmForm(),
    )


@bp.route("/hours/exchanges/<int:exchange_id>/confirm", methods=["POST"])
@community_required("member")
def confirm(community: Community, exchange_id: int):
    exchange, _row = visible_exchange(community, exchange_id)
    if ConfirmForm().validate_on_submit():
        user = actor()
        try:
            transaction(lambda: exchanges.confirm(exchange, actor=user))
        except DomainError as error:
            flash(error.message, "error")
        else:
            if exchange.status.value == "posted":
                flash(_("Confirmed. The hours are now in both balances."), "success")
            else:
                flash(_("Confirmed. It now waits for a coordinator's approval."), "success")
    return redirect(detail_url(community, exchange.id))


@bp.route("/hours/exchanges/<int:exchange_id>/reject", methods=["GET", "POST"])
@community_required("member")
def reject(community: Community, exchange_id: int):
    exchange, row = visible_exchange(community, exchange_id)
    form = RejectForm()
    if form.validate_on_submit():
        user = actor()
        try:
            transaction(lambda: exchanges.reject(exchange, actor=user, reason=form.reason.data))
        except DomainError as error:
            show_error(form, error)
        else:
            mail.deliver_pending()
            flash(_("The exchange was rejected. Nothing was added to the balances."), "success")
            if request.args.get("from") == "queue":
                return redirect(url_for("exchanges.queue", slug=community.slug))
            return redirect(detail_url(community, exchange.id))
    allowed = exchange_rows.actions_for(actor(), community, exchange, row).reject
    return render_template(
        "exchanges/decide.html",
        community=community,
        row=row,
        form=form,
        mode="reject",
        allowed=allowed,
    )


@bp.route("/hours/exchanges/<int:exchange_id>/cancel", methods=["GET", "POST"])
@community_required("member")
def cancel(community: Community, exchange_id: int):
    exchange, row = visible_exchange(community, exchange_id)
    form = CancelForm()
    if form.validate_on_submit():
        user = actor()
        try:
            transaction(lambda: exchanges.cancel(exchange, actor=user, reason=form.reason.data))
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The exchange was withdrawn."), "success")
            return redirect(_hours_url(community))
    allowed = exchange_rows.actions_for(actor(), community, exchange, row).cancel
    return render_template(
        "exchanges/decide.html",
        community=community,
        row=row,
        form=form,
        mode="cancel",
        allowed=allowed,
    )


@bp.route("/hours/statement")
@community_required("member")
def statement(community: Community):
    membership = permissions.membership_of(actor(), community)
    account = lookups.account_of(membership) if membership else None
    page = statements.statement_page(account, page=page_number()) if account else None
    return render_template(
        "exchanges/statement.html",
        community=community,
        membership=membership,
        account=account,
        page=page,
    )


def _csv_lines(app, account_id: int | None, pot_name: str, labels: dict[str, str], kinds: dict):
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
def statement_csv(community: Community):
    user = actor()
    membership = permissions.membership_of(user, community)
    account = lookups.account_of(membership)
    filename = f"statement-{community.slug}-{membership.member_number}-{date.today()}.csv"
    account_id = account.id if account is not None else None
    if account is not None:  # a member with no account yet downloads the header only
        count = statements.statement_count(account)
        transaction(
            lambda: exports.record_statement_export(community, account, actor=user, rows=count)
        )
    header = [
        _("Posted on"), _("Date of the service"), _("Exchange"), _("Kind"),
        _("Member number"), _("Counterpart"), _("Category"), _("Description"),
        _("Minutes"), _("Balance after (minutes)"),
    ]  # fmt: skip
    labels = {
        key: exchange_labels.label(key, community) for key in exchange_labels.all_keys(community)
    }
    app = current_app._get_current_object()
    kinds = {key: exchange_labels.kind_label(key) for key in exchange_labels.KINDS}
    body = stream_rows(header, _csv_lines(app, account_id, _("Community pot"), labels, kinds))
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/hours/donate", methods=["GET", "POST"])
@community_required("participant")
def donate(community: Community):
    user = actor()
    membership = permissions.membership_of(user, community)
    form = DonateForm()
    if form.validate_on_submit():
        minutes = form.parse_minutes(community.max_minutes_per_exchange)
        if minutes is not None:
            try:
                transaction(
                    lambda: movements.donate(
                        membership,
                        actor=user,
                        minutes=minutes,
                        idempotency_key=form.idempotency_key.data,
                        description=form.description.data or None,
                    )
                )
            except DomainError as error:
                show_error(form, error, minutes="duration")
            else:
                flash(_("Thank you. The hours were given to the community pot."), "success")
                return redirect(_hours_url(community))
    hours = statements.my_hours(membership, limit=0)
    return render_template("exchanges/donate.html", community=community, form=form, hours=hours)
