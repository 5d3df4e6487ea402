"""Coordinator pages: the approval queue (one or many at once), recording on behalf of
members, reversals, grants from the pot, group exchanges and the policy. (A member's limits
are changed in the coordinator console.)"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from timebank.access import community_required
from timebank.database import transaction
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
    detail_url,
    record_flow,
    resolve_number,
    show_error,
    visible_exchange,
)
from timebank.extensions import db
from timebank.forms import ConfirmForm
from timebank.models import Community, ExchangeStatus, Membership
from timebank.services.exceptions import (
    AlreadyDecided,
    DomainError,
    LimitExceeded,
    NotAllowed,
)
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.exchanges import lookups, movements, policy, statements
from timebank.services.exchanges import rows as exchange_rows
from timebank.services.messaging import mail
from timebank.web import actor, page_number


def _queue_url(community: Community) -> str:
    return url_for("exchanges.queue", slug=community.slug)


@bp.route("/hours/queue")
@community_required("coordinator")
def queue(community: Community):
    filter_form = QueueFilterForm(formdata=request.args)
    page = statements.approval_queue(community, filter_form.filters(), page=page_number())
    args = {k: v for k, v in request.args.items() if k != "page" and k != "slug"}
    return render_template(
        "exchanges/queue.html",
        community=community,
        page=page,
        filter_form=filter_form,
        bulk_form=BulkForm(),
        approve_form=ConfirmForm(),
        filter_args=args,
        user_id=actor().id,
    )


def _party_message() -> str:
    return _("You took part in this exchange, so another coordinator must decide it.")


@bp.route("/hours/exchanges/<int:exchange_id>/approve", methods=["POST"])
@community_required("coordinator")
def approve(community: Community, exchange_id: int):
    exchange, row = visible_exchange(community, exchange_id)
    if ConfirmForm().validate_on_submit():
        user = actor()
        try:
            transaction(lambda: exchanges.approve(exchange, actor=user))
        except NotAllowed:
            flash(_party_message(), "error")
        except DomainError as error:
            flash(error.message, "error")
        else:
            mail.deliver_pending()
            flash(_("Approved: exchange %(n)s is now in the balances.", n=exchange.id), "success")
    return redirect(_queue_url(community))


def _decide_one(exchange_id: int, community: Community, decision: str, reason: str) -> str:
    """One exchange in its own transaction; returns the outcome key for the results page."""
    exchange = exchanges.get_for(community, exchange_id)
    if exchange is None:
        return "not_found"
    user = actor()
    if decision == "approve" and exchange.status == ExchangeStatus.RECORDED:
        return "not_confirmed"
    try:
        if decision == "approve":
            transaction(lambda: exchanges.approve(exchange, actor=user))
            return "approved"
        transaction(lambda: exchanges.reject(exchange, actor=user, reason=reason))
        return "rejected"
    except AlreadyDecided:
        return "already_decided"
    except LimitExceeded:
        return "limit_exceeded"
    except NotAllowed:
        return "party"
    except DomainError:
        return "failed"


@bp.route("/hours/queue/decide", methods=["POST"])
@community_required("coordinator")
def decide_many(community: Community):
    form = BulkForm()
    ids = sorted(set(request.form.getlist("ids", type=int)))[:200]
    if not form.validate_on_submit() or not ids:
        flash(_("Choose at least one exchange and a decision."), "error")
        return redirect(_queue_url(community))
    if form.decision.data == "reject" and not (form.reason.data or "").strip():
        flash(_("Give a reason to reject the selected exchanges."), "error")
        return redirect(_queue_url(community))
    results = [
        (exchange_id, _decide_one(exchange_id, community, form.decision.data, form.reason.data))
        for exchange_id in ids
    ]
    mail.deliver_pending()  # after every decision's own commit
    return render_template("exchanges/decided.html", community=community, results=results)


@bp.route("/hours/record-for", methods=["GET", "POST"])
@community_required("coordinator")
def record_for(community: Community):
    return record_flow(community, BehalfForm(), behalf=True)


@bp.route("/hours/exchanges/<int:exchange_id>/reverse", methods=["GET", "POST"])
@community_required("coordinator")
def reverse(community: Community, exchange_id: int):
    exchange, row = visible_exchange(community, exchange_id)
    form = ReverseForm()
    over_limit = None
    if form.validate_on_submit():
        user = actor()
        try:
            reversal = transaction(
                lambda: exchanges.reverse(exchange, actor=user, reason=form.reason.data)
            )
        except LimitExceeded as error:
            over_limit = lookups.account_owner(error.account_id) if error.account_id else None
            flash(error.message, "error")
        except NotAllowed:
            flash(_party_message(), "error")
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The exchange was reversed. The reversal is linked to it."), "success")
            return redirect(detail_url(community, reversal.id))
    return render_template(
        "exchanges/reverse.html",
        community=community,
        row=row,
        form=form,
        over_limit=over_limit,
        actions=exchange_rows.actions_for(actor(), community, exchange, row),
    )


@bp.route("/hours/grant", methods=["GET", "POST"])
@community_required("coordinator")
def grant(community: Community):
    form = GrantForm()
    if form.validate_on_submit():
        member = resolve_number(form.member, community)
        minutes = form.parse_minutes(community.max_minutes_per_exchange)
        if member is not None and minutes is not None:
            user = actor()
            try:
                transaction(
                    lambda: movements.grant(
                        member,
                        actor=user,
                        minutes=minutes,
                        reason=form.reason.data,
                        idempotency_key=form.idempotency_key.data,
                    )  # fmt: skip
                )
            except NotAllowed:
                flash(_("You cannot grant hours to yourself; ask another coordinator."), "error")
            except DomainError as error:
                show_error(form, error, minutes="duration")
            else:
                flash(_("The hours were granted from the community pot."), "success")
                return redirect(url_for("exchanges.grant", slug=community.slug))
    return render_template(
        "exchanges/grant.html",
        community=community,
        form=form,
        pot=lookups.pot_balance(community),
    )


def _members(form: GroupForm, community: Community) -> list[Membership] | None:
    numbers = form.many_numbers()
    if numbers is None:
        return None
    found = {c.number: c for n in set(numbers) for c in lookups.find_members(community, str(n))}
    missing = [n for n in numbers if n not in found]
    if missing:
        form.many.errors.append(
            _("No member has the number %(n)s.", n=", ".join(str(n) for n in missing))
        )
        return None
    return [db.session.get(Membership, found[n].membership_id) for n in numbers]


@bp.route("/hours/group", methods=["GET", "POST"])
@community_required("coordinator")
def group(community: Community):
    form = GroupForm()
    if form.validate_on_submit():
        one = resolve_number(form.one, community)
        many = _members(form, community)
        minutes = form.parse_minutes(community.max_minutes_per_exchange)
        if one is not None and many is not None and minutes is not None:
            providers, recipients = (
                ([one], many) if form.shape.data == "one_to_many" else (many, [one])
            )
            user = actor()
            try:
                posted = transaction(
                    lambda: movements.group_exchange(
                        community,
                        actor=user,
                        providers=providers,
                        recipients=recipients,
                        minutes=minutes,
                        service_date=form.service_date.data,
                        category=form.category.data,
                        idempotency_key=form.idempotency_key.data,
                        description=form.description.data or None,
                    )  # fmt: skip
                )
            except LimitExceeded as error:
                owner = lookups.account_owner(error.account_id) if error.account_id else None
                if owner is not None:
                    flash(
                        _(
                            "Nothing was saved: %(name)s (member %(n)s) would go past their limit.",
                            name=owner.name,
                            n=owner.number,
                        ),
                        "error",
                    )
                show_error(form, error, minutes="duration")
            except DomainError as error:
                show_error(form, error, minutes="duration", member="many")
            else:
                flash(_("%(n)s exchanges were posted together.", n=len(posted)), "success")
                return redirect(detail_url(community, posted[0].id))
    return render_template("exchanges/group.html", community=community, form=form)


@bp.route("/policy", methods=["GET", "POST"])
@community_required("coordinator")
def policy_page(community: Community):
    form = PolicyForm(obj=community)
    if form.validate_on_submit():
        user = actor()
        try:
            transaction(
                lambda: policy.update_policy(
                    community,
                    actor=user,
                    require_confirmation=bool(form.require_confirmation.data),
                    approval_rule=form.approval_rule.data,
                    approval_above_minutes=form.approval_above_minutes.data,
                    default_credit_limit=form.default_credit_limit.data,
                    default_upper_limit=form.default_upper_limit.data,
                    max_minutes_per_exchange=form.max_minutes_per_exchange.data,
                    pending_expiry_days=form.pending_expiry_days.data,
                )
            )
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The exchange policy was saved."), "success")
            return redirect(url_for("exchanges.policy_page", slug=community.slug))
    return render_template("exchanges/policy.html", community=community, form=form)


@bp.route("/members/<int:membership_id>/limits")
@community_required("coordinator")
def limits_moved(community: Community, membership_id: int):
    """A member's limits are changed in the coordinator console; old links land there."""
    return redirect(url_for("console.limits", slug=community.slug, membership_id=membership_id))
