"""Console: the dashboard, the member list, and one member's page with the lifecycle
actions (suspend, reactivate, role, limits, proxies, leave, erase) and their statement."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from timebank.access import community_required
from timebank.console import bp
from timebank.console.forms import LimitsForm, ProxyForm, ResetTwoFactorForm, RoleForm
from timebank.forms import TickToConfirmForm as ConfirmForm
from timebank.models import Account, Community, Membership, MembershipStatus, Proxy, Role
from timebank.services import permissions, privacy
from timebank.services.community import dashboard, lifecycle, memberships, proxies, vetting
from timebank.services.exchanges import lookups, policy
from timebank.services.ledger import posting as ledger
from timebank.web import act, actor, page_number, run, scoped_or_404, statement_page


@bp.route("/")
@community_required("coordinator")
def index(community: Community) -> ResponseReturnValue:
    counts = dashboard.counts(community)
    links = {}
    for count in counts:
        if count.endpoint and count.endpoint in current_app.view_functions:
            links[count.key] = url_for(count.endpoint, slug=community.slug, **(count.args or {}))
    return render_template(
        "console/dashboard.html",
        community=community,
        counts=counts,
        links=links,
        can_change_roles=permissions.can_change_roles(actor(), community),
    )


def _wanted() -> dashboard.MemberQuery:
    """The member list's status, filter and member number from the query string."""
    return dashboard.MemberQuery(
        status=request.args.get("status", "active"),
        chosen=request.args.get("filter") or None,
        number=request.args.get("number", "").strip(),
    )


@bp.route("/members/")
@community_required("coordinator")
def members(community: Community) -> ResponseReturnValue:
    wanted = _wanted()
    per_page = current_app.config["PER_PAGE"]
    page = dashboard.member_page(community, wanted, page=page_number(), per_page=per_page)
    return render_template(
        "console/members.html",
        community=community,
        page=page,
        rows=page.items,
        status=wanted.status,
        chosen=wanted.chosen,
        number=wanted.number,
        statuses=list(MembershipStatus),
        problems=wanted.problems(),
    )


@bp.route("/members/<int:membership_id>")
@community_required("coordinator")
def member(community: Community, membership_id: int) -> ResponseReturnValue:
    membership = scoped_or_404(Membership, community, membership_id)
    return render_template(
        "console/member.html",
        community=community,
        m=membership,
        account=lookups.account_of(membership),
        proxies=proxies.proxies_of(membership),
        steps=vetting.steps(community),
        done=vetting.records(membership),
        role_form=RoleForm(role=membership.role.value),
        proxy_form=ProxyForm(),
        reset_form=ResetTwoFactorForm(prefix="reset"),
        can_change_roles=permissions.can_change_roles(actor(), community),
        Role=Role,
        S=MembershipStatus,
    )


def _back(community: Community, membership: Membership) -> str:
    return url_for("console.member", slug=community.slug, membership_id=membership.id)


@bp.route("/members/<int:membership_id>/suspend", methods=["POST"])
@community_required("coordinator")
def suspend(community: Community, membership_id: int) -> ResponseReturnValue:
    membership = scoped_or_404(Membership, community, membership_id)
    return act(
        lambda: lifecycle.suspend(membership, actor=actor()),
        _("The member is suspended; their sessions ended and listings paused."),
        _back(community, membership),
    )


@bp.route("/members/<int:membership_id>/reactivate", methods=["POST"])
@community_required("coordinator")
def reactivate(community: Community, membership_id: int) -> ResponseReturnValue:
    membership = scoped_or_404(Membership, community, membership_id)
    return act(
        lambda: lifecycle.reactivate(membership, actor=actor()),
        _("The member is active again."),
        _back(community, membership),
    )


@bp.route("/members/<int:membership_id>/role", methods=["POST"])
@community_required("community_admin")
def role(community: Community, membership_id: int) -> ResponseReturnValue:
    membership = scoped_or_404(Membership, community, membership_id)
    form = RoleForm()
    if not form.validate_on_submit():
        flash(_("Choose a role."), "error")
        return redirect(_back(community, membership))
    chosen = Role(form.role.data)
    return act(
        lambda: memberships.set_role(membership, chosen, actor=actor()),
        _("The role was changed."),
        _back(community, membership),
    )


def _limits_form(community: Community, account: Account | None, changeable: bool) -> LimitsForm:
    """The limits form, showing the community's defaults to a member without an account."""
    form = LimitsForm(obj=account)
    if request.method == "GET" and changeable and account is None:
        form.credit_limit.data = community.default_credit_limit
        form.upper_limit.data = community.default_upper_limit
    return form


@bp.route("/members/<int:membership_id>/limits", methods=["GET", "POST"])
@community_required("coordinator")
def limits(community: Community, membership_id: int) -> ResponseReturnValue:
    """Override one member's credit and upper limits, with a reason (active or suspended
    members; another coordinator changes one's own)."""
    membership = scoped_or_404(Membership, community, membership_id)
    changeable = membership.status in (MembershipStatus.ACTIVE, MembershipStatus.SUSPENDED)
    account = lookups.account_of(membership) if changeable else None
    form = _limits_form(community, account, changeable)
    if changeable and form.validate_on_submit():
        saved = _("The limits of %(name)s were saved.", name=membership.user.display_name)
        if run(lambda: _set_limits(membership, form), form=form, success=saved):
            return redirect(_back(community, membership))
    return render_template(
        "console/limits.html",
        community=community,
        m=membership,
        account=account,
        changeable=changeable,
        form=form,
    ), (400 if form.errors else 200)


def _set_limits(membership: Membership, form: LimitsForm) -> Account:
    return policy.set_limits(
        ledger.ensure_account(membership),
        actor=actor(),
        credit_limit=form.credit_limit.data,
        upper_limit=form.upper_limit.data,
        reason=form.reason.data,
    )


@bp.route("/members/<int:membership_id>/proxies", methods=["POST"])
@community_required("coordinator")
def appoint_proxy(community: Community, membership_id: int) -> ResponseReturnValue:
    membership = scoped_or_404(Membership, community, membership_id)
    form, back = ProxyForm(), _back(community, membership)
    if not form.validate_on_submit():
        flash(_("Enter a member number."), "error")
        return redirect(back)
    number = form.proxy_number.data.strip()
    proxy = memberships.by_number(community, number)
    if proxy is None:
        flash(_("No member has number %(n)s.", n=number), "error")
        return redirect(back)
    return act(
        lambda: proxies.appoint(membership, proxy, actor=actor()),
        _("%(name)s can now act for this member.", name=proxy.user.display_name),
        back,
    )


@bp.route("/proxies/<int:proxy_id>/end", methods=["POST"])
@community_required("coordinator")
def end_proxy(community: Community, proxy_id: int) -> ResponseReturnValue:
    appointment = scoped_or_404(Proxy, community, proxy_id)
    back = url_for("console.member", slug=community.slug, membership_id=appointment.member_id)
    return act(lambda: proxies.end(appointment, actor=actor()), _("The appointment ended."), back)


@bp.route("/members/<int:membership_id>/leave", methods=["GET", "POST"])
@community_required("coordinator")
def leave(community: Community, membership_id: int) -> ResponseReturnValue:
    membership = scoped_or_404(Membership, community, membership_id)
    form = ConfirmForm()
    if form.validate_on_submit() and run(
        lambda: lifecycle.leave(membership, actor=actor()),
        form=form,
        success=_("The member has left; their balance was settled with the pot."),
    ):
        return redirect(_back(community, membership))
    account = lookups.account_of(membership)
    return render_template(
        "console/leave.html",
        community=community,
        m=membership,
        form=form,
        balance=account.balance if account else 0,
        outcome=lifecycle.hours_outcome(membership),
    )


@bp.route("/members/<int:membership_id>/erase", methods=["GET", "POST"])
@community_required("coordinator")
def erase(community: Community, membership_id: int) -> ResponseReturnValue:
    membership = scoped_or_404(Membership, community, membership_id)
    form = ConfirmForm()
    if form.validate_on_submit() and run(
        lambda: privacy.erase(membership.user, actor=actor()),
        form=form,
        success=_("The person's data was erased. The ledger keeps the hours."),
    ):
        return redirect(_back(community, membership))
    return render_template(
        "console/erase.html",
        community=community,
        m=membership,
        form=form,
        outcomes=lifecycle.hours_outcomes(membership.user),
    )


@bp.route("/members/<int:membership_id>/statement")
@community_required("coordinator")
def statement(community: Community, membership_id: int) -> ResponseReturnValue:
    return statement_page(community, scoped_or_404(Membership, community, membership_id))
