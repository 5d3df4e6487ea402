"""Console: the dashboard, the member list, and one member's page with the lifecycle
actions (suspend, reactivate, role, limits, proxies, leave, erase) and their statement."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from timebank.access import community_required
from timebank.console import bp
from timebank.console.common import membership_or_404, submit
from timebank.console.forms import LimitsForm, ProxyForm, RoleForm
from timebank.extensions import db
from timebank.forms import TickToConfirmForm as ConfirmForm
from timebank.models import Account, Community, Membership, MembershipStatus, Proxy, Role
from timebank.services import permissions, privacy
from timebank.services.community import dashboard, lifecycle, proxies, vetting
from timebank.services.exchanges import lookups, policy
from timebank.services.ledger import member_statement
from timebank.services.ledger import posting as ledger
from timebank.web import act, actor, scoped_or_404


@bp.route("/")
@community_required("coordinator")
def index(community: Community):
    counts = dashboard.counts(community)
    links = {}
    for count in counts:
        if count.endpoint and count.endpoint in current_app.view_functions:
            links[count.key] = url_for(count.endpoint, slug=community.slug, **(count.args or {}))
    return render_template(
        "console/dashboard.html", community=community, counts=counts, links=links
    )


@bp.route("/members/")
@community_required("coordinator")
def members(community: Community):
    status = request.args.get("status", "active")
    chosen = request.args.get("filter")
    query = (
        select(Membership, Account.balance)
        .outerjoin(Account, Account.membership_id == Membership.id)
        .options(joinedload(Membership.user))
        .where(Membership.community_id == community.id)
    )
    if chosen in dashboard.FILTERS:
        query = query.where(dashboard.member_filter(community, chosen))
    elif status in {s.value for s in MembershipStatus}:
        query = query.where(Membership.status == status)
    number = request.args.get("number", "").strip()
    if number.isascii() and number.isdigit():
        query = query.where(Membership.member_number == int(number))
    query = query.order_by(Membership.member_number, Membership.id)
    page = db.paginate(query, per_page=current_app.config["PER_PAGE"], error_out=False)
    rows = db.session.execute(
        query.limit(page.per_page).offset((page.page - 1) * page.per_page)
    ).all()
    return render_template(
        "console/members.html",
        community=community,
        page=page,
        rows=rows,
        status=status,
        chosen=chosen,
        number=number,
        statuses=list(MembershipStatus),
    )


@bp.route("/members/<int:membership_id>")
@community_required("coordinator")
def member(community: Community, membership_id: int):
    membership = membership_or_404(community, membership_id)
    account = lookups.account_of(membership)
    return render_template(
        "console/member.html",
        community=community,
        m=membership,
        account=account,
        proxies=proxies.proxies_of(membership),
        steps=vetting.steps(community),
        done=vetting.records(membership),
        role_form=RoleForm(role=membership.role.value),
        proxy_form=ProxyForm(),
        can_change_roles=permissions.can_change_roles(actor(), community),
        Role=Role,
        S=MembershipStatus,
    )


def _back(community: Community, membership: Membership) -> str:
    return url_for("console.member", slug=community.slug, membership_id=membership.id)


@bp.route("/members/<int:membership_id>/suspend", methods=["POST"])
@community_required("coordinator")
def suspend(community: Community, membership_id: int):
    membership = membership_or_404(community, membership_id)
    who = actor()
    return act(
        lambda: lifecycle.suspend(membership, actor=who),
        _("The member is suspended; their sessions ended and listings paused."),
        _back(community, membership),
    )


@bp.route("/members/<int:membership_id>/reactivate", methods=["POST"])
@community_required("coordinator")
def reactivate(community: Community, membership_id: int):
    membership = membership_or_404(community, membership_id)
    who = actor()
    return act(
        lambda: lifecycle.reactivate(membership, actor=who),
        _("The member is active again."),
        _back(community, membership),
    )


@bp.route("/members/<int:membership_id>/role", methods=["POST"])
@community_required("community_admin")
def role(community: Community, membership_id: int):
    from timebank.services.community import memberships

    membership = membership_or_404(community, membership_id)
    form = RoleForm()
    if not form.validate_on_submit():
        flash(_("Choose a role."), "error")
        return redirect(_back(community, membership))
    who, chosen = actor(), Role(form.role.data)
    return act(
        lambda: memberships.set_role(membership, chosen, actor=who),
        _("The role was changed."),
        _back(community, membership),
    )


@bp.route("/members/<int:membership_id>/limits", methods=["GET", "POST"])
@community_required("coordinator")
def limits(community: Community, membership_id: int):
    """Override one member's credit and upper limits, with a reason (active or suspended
    members; another coordinator changes one's own)."""
    membership = membership_or_404(community, membership_id)
    changeable = membership.status in (MembershipStatus.ACTIVE, MembershipStatus.SUSPENDED)
    account = lookups.account_of(membership) if changeable else None
    form = LimitsForm(obj=account)
    if request.method == "GET" and changeable and account is None:
        form.credit_limit.data = community.default_credit_limit
        form.upper_limit.data = community.default_upper_limit
    if changeable and form.validate_on_submit():
        who = actor()
        ok, _result = submit(
            form,
            lambda: policy.set_limits(
                ledger.ensure_account(membership),
                actor=who,
                credit_limit=form.credit_limit.data,
                upper_limit=form.upper_limit.data,
                reason=form.reason.data,
            ),
        )
        if ok:
            flash(
                _("The limits of %(name)s were saved.", name=membership.user.display_name),
                "success",
            )
            return redirect(_back(community, membership))
    return render_template(
        "console/limits.html",
        community=community,
        m=membership,
        account=account,
        changeable=changeable,
        form=form,
    ), (400 if form.errors else 200)


@bp.route("/members/<int:membership_id>/proxies", methods=["POST"])
@community_required("coordinator")
def appoint_proxy(community: Community, membership_id: int):
    membership = membership_or_404(community, membership_id)
    form = ProxyForm()
    back = _back(community, membership)
    if not form.validate_on_submit():
        flash(_("Enter a member number."), "error")
        return redirect(back)
    number = form.proxy_number.data.strip()
    proxy = db.session.scalar(
        select(Membership).where(
            Membership.community_id == community.id,
            Membership.member_number == (int(number) if number.isdigit() else -1),
        )
    )
    if proxy is None:
        flash(_("No member has number %(n)s.", n=number), "error")
        return redirect(back)
    who = actor()
    return act(
        lambda: proxies.appoint(membership, proxy, actor=who),
        _("%(name)s can now act for this member.", name=proxy.user.display_name),
        back,
    )


@bp.route("/proxies/<int:proxy_id>/end", methods=["POST"])
@community_required("coordinator")
def end_proxy(community: Community, proxy_id: int):
    appointment = scoped_or_404(Proxy, community, proxy_id)
    who = actor()
    back = url_for("console.member", slug=community.slug, membership_id=appointment.member_id)
    return act(lambda: proxies.end(appointment, actor=who), _("The appointment ended."), back)


@bp.route("/members/<int:membership_id>/leave", methods=["GET", "POST"])
@community_required("coordinator")
def leave(community: Community, membership_id: int):
    membership = membership_or_404(community, membership_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        who = actor()
        ok, _result = submit(form, lambda: lifecycle.leave(membership, actor=who))
        if ok:
            flash(_("The member has left; their balance was settled with the pot."), "success")
            return redirect(_back(community, membership))
    balance = db.session.scalar(
        select(Account.balance).where(Account.membership_id == membership.id)
    )
    return render_template(
        "console/leave.html", community=community, m=membership, form=form, balance=balance or 0
    )


@bp.route("/members/<int:membership_id>/erase", methods=["GET", "POST"])
@community_required("coordinator")
def erase(community: Community, membership_id: int):
    membership = membership_or_404(community, membership_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        who = actor()
        ok, _result = submit(form, lambda: privacy.erase(membership.user, actor=who))
        if ok:
            flash(_("The person's data was erased. The ledger keeps the hours."), "success")
            return redirect(_back(community, membership))
    return render_template("console/erase.html", community=community, m=membership, form=form)


@bp.route("/members/<int:membership_id>/statement")
@community_required("coordinator")
def statement(community: Community, membership_id: int):
    membership = membership_or_404(community, membership_id)
    return render_template(
        "console/statement.html",
        community=community,
        m=membership,
        lines=member_statement.lines(membership),
    )
