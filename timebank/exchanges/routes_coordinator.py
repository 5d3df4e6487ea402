"""Coordinator pages: the approval queue (one or many at once), recording on behalf of
members, reversals, grants from the pot, group exchanges and the policy. (A member's limits
are changed in the coordinator console.)"""

from __future__ import annotations

from functools import partial

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response

from timebank import web
from timebank.access import community_required
from timebank.exchanges import bp
from timebank.exchanges.forms import (
    BehalfForm,
    BulkForm,
    GrantForm,
    GroupForm,
    PolicyForm,
    QueueFilterForm,
    ReverseForm,
)
from timebank.exchanges.helpers import (
    View,
    detail_url,
    record_flow,
    refusing,
    visible_exchange,
)
from timebank.forms import ConfirmForm, group_members, int_or_none, resolve_number
from timebank.i18n import local_digits
from timebank.models import Community, Exchange, Membership
from timebank.services.exceptions import DomainError, LimitExceeded
from timebank.services.exchanges import bulk, lookups, movements, policy, statements
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.exchanges import rows as exchange_rows

_GROUP_ALIASES = {"minutes": "duration", "member": "many"}


def _queue_url(community: Community) -> str:
    return url_for("exchanges.queue", slug=community.slug)


@bp.route("/hours/queue")
@community_required("coordinator")
def queue(community: Community) -> str:
    filter_form = QueueFilterForm(formdata=request.args)
    page = statements.approval_queue(community, filter_form.filters(), page=web.page_number())
    args = {k: v for k, v in request.args.items() if k != "page" and k != "slug"}
    return render_template(
        "exchanges/queue.html",
        community=community,
        page=page,
        filter_form=filter_form,
        bulk_form=BulkForm(),
        approve_form=ConfirmForm(),
        filter_args=args,
        user_id=web.actor().id,
    )


def _party_message() -> str:
    return _("You took part in this exchange, so another coordinator must decide it.")


@bp.route("/hours/exchanges/<int:exchange_id>/approve", methods=["POST"])
@community_required("coordinator")
def approve(community: Community, exchange_id: int) -> Response:
    exchange, _row = visible_exchange(community, exchange_id)
    if ConfirmForm().validate_on_submit():
        web.run(
            refusing(lambda: exchanges.approve(exchange, actor=web.actor()), _party_message()),
            success=_("Approved: exchange %(n)s is now in the balances.", n=exchange.id),
        )
    return redirect(_queue_url(community))


@bp.route("/hours/exchanges/<int:exchange_id>/confirm-as-coordinator", methods=["POST"])
@community_required("coordinator")
def confirm_as_coordinator(community: Community, exchange_id: int) -> Response:
    exchange, _row = visible_exchange(community, exchange_id)
    if ConfirmForm().validate_on_submit():
        web.run(
            refusing(
                lambda: exchanges.confirm_as_coordinator(exchange, actor=web.actor()),
                _party_message(),
            ),
            success=_("Confirmed as a coordinator's decision: both members have been told."),
        )
    return redirect(detail_url(community, exchange.id))


@bp.route("/hours/queue/decide", methods=["POST"])
@community_required("coordinator")
def decide_many(community: Community) -> View:
    form = BulkForm()
    chosen = {int_or_none(value) for value in request.form.getlist("ids")}
    ids = sorted(i for i in chosen if i is not None)[: bulk.MAX_AT_ONCE]
    problem = _bulk_problem(form, ids)
    if problem:
        flash(problem, "error")
        return redirect(_queue_url(community))
    results = _decide_each(community, ids, form)
    return render_template("exchanges/decided.html", community=community, results=results)


def _decide_each(community: Community, ids: list[int], form: BulkForm) -> list[tuple[int, str]]:
    """Each exchange decided in a transaction of its own (its mail leaves after its own
    commit): (exchange id, outcome) pairs for the results page."""
    decide = partial(
        bulk.decide,
        community,
        actor=web.actor(),
        decision=form.decision.data,
        reason=form.reason.data or "",
    )
    return [(i, web.run(partial(decide, i)).value or bulk.FAILED) for i in ids]


def _bulk_problem(form: BulkForm, ids: list[int]) -> str | None:
    """Why the bulk decision cannot be made as sent, or None."""
    if not form.validate_on_submit() or not ids:
        return _("Choose at least one exchange and a decision.")
    if form.decision.data == "reject" and not (form.reason.data or "").strip():
        return _("Give a reason to reject the selected exchanges.")
    return None


@bp.route("/hours/record-for", methods=["GET", "POST"])
@community_required("coordinator")
def record_for(community: Community) -> View:
    return record_flow(community, BehalfForm(), behalf=True)


@bp.route("/hours/exchanges/<int:exchange_id>/reverse", methods=["GET", "POST"])
@community_required("coordinator")
def reverse(community: Community, exchange_id: int) -> View:
    exchange, row = visible_exchange(community, exchange_id)
    form = ReverseForm()
    outcome = _reverse(exchange, form) if form.validate_on_submit() else web.Outcome[Exchange]()
    if outcome.value is not None:
        return redirect(detail_url(community, outcome.value.id))
    return render_template(
        "exchanges/reverse.html",
        community=community,
        row=row,
        form=form,
        over_limit=_over_limit(outcome.error),
        actions=exchange_rows.actions_for(web.actor(), community, exchange, row),
    )


def _reverse(exchange: Exchange, form: ReverseForm) -> web.Outcome[Exchange]:
    return web.run(
        refusing(
            lambda: exchanges.reverse(exchange, actor=web.actor(), reason=form.reason.data),
            _party_message(),
        ),
        form=form,
        success=_("The exchange was reversed. The reversal is linked to it."),
    )


def _over_limit(error: DomainError | None) -> lookups.MemberChoice | None:
    """The member whose limit a refused movement would cross, when the error names one."""
    if isinstance(error, LimitExceeded) and error.account_id:
        return lookups.account_owner(error.account_id)
    return None


@bp.route("/hours/grant", methods=["GET", "POST"])
@community_required("coordinator")
def grant(community: Community) -> View:
    form = GrantForm()
    if form.validate_on_submit():
        member = resolve_number(form.member, community)
        minutes = form.parse_minutes(community.max_minutes_per_exchange)
        if member is not None and minutes is not None and _grant(form, member, minutes):
            return redirect(url_for("exchanges.grant", slug=community.slug))
    pot = lookups.pot_balance(community)
    return render_template("exchanges/grant.html", community=community, form=form, pot=pot)


def _grant(form: GrantForm, member: Membership, minutes: int) -> bool:
    granted = web.run(
        refusing(
            lambda: movements.grant(
                member,
                actor=web.actor(),
                minutes=minutes,
                reason=form.reason.data,
                idempotency_key=form.idempotency_key.data,
            ),
            _("You cannot grant hours to yourself; ask another coordinator."),
        ),
        form=form,
        success=_("The hours were granted from the community pot."),
        aliases={"minutes": "duration"},
    )
    return bool(granted)


@bp.route("/hours/group", methods=["GET", "POST"])
@community_required("coordinator")
def group(community: Community) -> View:
    form = GroupForm()
    if form.validate_on_submit():
        one, many = group_members(form, community)
        minutes = form.parse_minutes(community.max_minutes_per_exchange)
        if one is not None and many is not None and minutes is not None:
            posted = _post_group(community, form, one, many, minutes)
            if posted:
                return redirect(detail_url(community, posted[0].id))
    return render_template("exchanges/group.html", community=community, form=form)


def _post_group(
    community: Community, form: GroupForm, one: Membership, many: list[Membership], minutes: int
) -> list[Exchange] | None:
    """Post the group's exchanges; None when refused (a crossed limit names the member)."""
    providers, recipients = ([one], many) if form.shape.data == "one_to_many" else (many, [one])
    outcome = web.run(
        lambda: movements.group_exchange(
            community,
            actor=web.actor(),
            providers=providers,
            recipients=recipients,
            minutes=minutes,
            service_date=form.service_date.data,
            category=form.category.data,
            idempotency_key=form.idempotency_key.data,
            description=form.description.data or None,
        ),
        form=form,
        success=lambda posted: local_digits(
            ngettext(
                "%(num)s exchange was posted.",
                "%(num)s exchanges were posted together.",
                len(posted),
            )
        ),
        aliases=_GROUP_ALIASES,
    )
    owner = _over_limit(outcome.error)
    if owner is not None:
        flash(
            _(
                "Nothing was saved: %(name)s (member %(n)s) would go past their limit.",
                name=owner.name,
                n=owner.number,
            ),
            "error",
        )
    return outcome.value


@bp.route("/policy", methods=["GET", "POST"])
@community_required("coordinator")
def policy_page(community: Community) -> View:
    form = PolicyForm(obj=community, community=community)
    if form.validate_on_submit() and web.run(
        lambda: policy.update_policy(community, actor=web.actor(), **form.settings()),
        form=form,
        success=_("The exchange policy was saved."),
    ):
        return redirect(url_for("exchanges.policy_page", slug=community.slug))
    return render_template("exchanges/policy.html", community=community, form=form)


@bp.route("/members/<int:membership_id>/limits")
@community_required("coordinator")
def limits_moved(community: Community, membership_id: int) -> Response:
    """A member's limits are changed in the coordinator console; old links land there."""
    return redirect(url_for("console.limits", slug=community.slug, membership_id=membership_id))
