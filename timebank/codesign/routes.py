"""The co-design board: proposals, their support and shaping, and the coordinators'
decisions (adopt as a category, decline with a reason, move along the stages)."""

from __future__ import annotations

from datetime import date

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from timebank import web
from timebank.access import community_required
from timebank.codesign import bp
from timebank.codesign.forms import (
    AdoptForm,
    CommentForm,
    DeclineForm,
    HoursForm,
    ProposalForm,
    VolunteerForm,
    hours_to_minutes,
)
from timebank.forms import options
from timebank.i18n import current_language
from timebank.models import CheckType, Community, Membership, Proposal
from timebank.services import permissions
from timebank.services.codesign import activities, hours, proposals, queries
from timebank.services.community import proxies
from timebank.services.companionship import schedule
from timebank.services.companionship.safeguarding import CHECK_LABELS
from timebank.services.exceptions import InvalidInput
from timebank.services.languages import join_list
from timebank.services.metrics import codesign as codesign_metrics


def find_proposal(community: Community, proposal_id: int) -> Proposal:
    found = queries.get(community, proposal_id)
    if found is None:
        abort(404)
    return found


def show_url(community: Community, proposal: Proposal) -> str:
    return url_for("codesign.show", slug=community.slug, proposal_id=proposal.id)


@bp.route("/")
@community_required("member")
def index(community: Community) -> ResponseReturnValue:
    stage = request.args.get("stage") or None
    today = date.today()
    return render_template(
        "codesign/index.html",
        community=community,
        rows=queries.board(community, stage=stage, page=web.page_number()),
        stage=stage,
        stages=proposals.STAGE_NAMES,
        figures=codesign_metrics.compute(community.id, date(today.year, 1, 1), today),
        can_propose=permissions.is_active_member(web.actor(), community),
    )


def _proposal_form(community: Community) -> ProposalForm:
    form = ProposalForm()
    acting_for = proxies.members_of(web.actor(), community.id)
    if acting_for:
        form.member_id.choices = options(
            [("", _("Myself"))] + [(m.id, m.user.display_name) for m in acting_for]
        )
    else:
        del form.member_id
    return form


def _propose(community: Community, form: ProposalForm) -> Proposal:
    chosen = getattr(form, "member_id", None)
    member: Membership | None = permissions.membership_of(web.actor(), community)
    if chosen is not None and chosen.data:
        member = next(
            (m for m in proxies.members_of(web.actor(), community.id) if m.id == chosen.data),
            None,
        )
    if member is None:
        raise InvalidInput(_("Choose a member."), field="member_id")
    return proposals.propose(
        member, actor=web.actor(), data=form.to_input(), language=current_language()
    )


@bp.route("/new", methods=["GET", "POST"])
@community_required("participant")
def new(community: Community) -> ResponseReturnValue:
    form = _proposal_form(community)
    if form.validate_on_submit():
        done = web.run(
            lambda: _propose(community, form),
            form=form,
            success=_("Your proposal is on the board. The coordinators have been told."),
        )
        if done.value is not None:
            return redirect(show_url(community, done.value))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "codesign/form.html", community=community, form=form, proposal=None
    ), status


@bp.route("/<int:proposal_id>")
@community_required("member")
def show(community: Community, proposal_id: int) -> ResponseReturnValue:
    proposal = find_proposal(community, proposal_id)
    return _show_page(community, proposal)


def _show_page(community, proposal, *, comment_form=None, volunteer_form=None, status=200):
    actor = web.actor()
    activity = activities.of(proposal)
    return render_template(
        "codesign/show.html",
        community=community,
        detail=queries.detail(proposal, actor),
        stages=proposals.STAGE_NAMES,
        frequencies=proposals.FREQUENCIES,
        check_labels=CHECK_LABELS,
        moves=proposals.MOVES.get(proposal.stage, ()),
        activity=activity,
        schedules=activities.SCHEDULES,
        weekdays=schedule.WEEKDAY_LABELS,
        next_date=activities.next_date(activity, date.today()) if activity else None,
        sessions=activities.sessions(activity) if activity else [],
        activity_checks=join_list(CHECK_LABELS[CheckType(c)] for c in activity.check_list)
        if activity
        else "",
        can_become_activity=activity is None and proposal.stage in activities.ADOPTABLE,
        is_open=proposal.stage in proposals.OPEN_STAGES,
        is_closed=proposal.stage in proposals.CLOSED_STAGES,
        can_take_part=permissions.is_active_member(actor, community),
        can_revise=permissions.can_revise_proposal(actor, proposal.proposer),
        can_decide=permissions.can_decide_proposals(actor, community),
        comment_form=comment_form or CommentForm(formdata=None),
        volunteer_form=volunteer_form or VolunteerForm(formdata=None),
    ), status


@bp.route("/<int:proposal_id>/edit", methods=["GET", "POST"])
@community_required("member")
def edit(community: Community, proposal_id: int) -> ResponseReturnValue:
    proposal = find_proposal(community, proposal_id)
    if not permissions.can_revise_proposal(web.actor(), proposal.proposer):
        abort(403)
    form = ProposalForm()
    del form.member_id
    if request.method == "GET":
        form.fill(proposal.current)
    elif form.validate_on_submit() and web.run(
        lambda: proposals.revise(
            proposal, actor=web.actor(), data=form.to_input(), language=current_language()
        ),
        form=form,
        success=_("The proposal is revised. Earlier versions are kept."),
    ):
        return redirect(show_url(community, proposal))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "codesign/form.html", community=community, form=form, proposal=proposal
    ), status


@bp.route("/<int:proposal_id>/endorse", methods=["POST"])
@community_required("participant")
def endorse(community: Community, proposal_id: int) -> ResponseReturnValue:
    proposal = find_proposal(community, proposal_id)
    return web.act(
        lambda: proposals.endorse(proposal, actor=web.actor()),
        _("You endorse this proposal."),
        show_url(community, proposal),
    )


@bp.route("/<int:proposal_id>/withdraw", methods=["POST"])
@community_required("participant")
def withdraw(community: Community, proposal_id: int) -> ResponseReturnValue:
    proposal = find_proposal(community, proposal_id)
    return web.act(
        lambda: proposals.withdraw_endorsement(proposal, actor=web.actor()),
        _("Your endorsement is withdrawn."),
        show_url(community, proposal),
    )


@bp.route("/<int:proposal_id>/comment", methods=["POST"])
@community_required("participant")
def comment(community: Community, proposal_id: int) -> ResponseReturnValue:
    proposal = find_proposal(community, proposal_id)
    form = CommentForm()
    if form.validate_on_submit() and web.run(
        lambda: proposals.comment(proposal, actor=web.actor(), body=form.body.data or ""),
        form=form,
        success=_("Your comment is added."),
    ):
        return redirect(show_url(community, proposal))
    return _show_page(community, proposal, comment_form=form, status=400)


@bp.route("/<int:proposal_id>/volunteer", methods=["POST"])
@community_required("participant")
def volunteer(community: Community, proposal_id: int) -> ResponseReturnValue:
    proposal = find_proposal(community, proposal_id)
    form = VolunteerForm()
    if form.validate_on_submit() and web.run(
        lambda: proposals.volunteer(proposal, actor=web.actor(), minutes_per_week=form.minutes()),
        form=form,
        success=_("Thank you for offering your time."),
    ):
        return redirect(show_url(community, proposal))
    return _show_page(community, proposal, volunteer_form=form, status=400)


@bp.route("/<int:proposal_id>/stop-volunteering", methods=["POST"])
@community_required("participant")
def stop_volunteering(community: Community, proposal_id: int) -> ResponseReturnValue:
    proposal = find_proposal(community, proposal_id)
    return web.act(
        lambda: proposals.stop_volunteering(proposal, actor=web.actor()),
        _("Your offer of time is withdrawn."),
        show_url(community, proposal),
    )


@bp.route("/<int:proposal_id>/move", methods=["POST"])
@community_required("coordinator")
def move(community: Community, proposal_id: int) -> ResponseReturnValue:
    proposal = find_proposal(community, proposal_id)
    return web.act(
        lambda: proposals.move(proposal, actor=web.actor(), stage=request.form.get("stage", "")),
        _("The proposal moved to its new stage. The proposer has been told."),
        show_url(community, proposal),
    )


@bp.route("/<int:proposal_id>/decline", methods=["GET", "POST"])
@community_required("coordinator")
def decline(community: Community, proposal_id: int) -> ResponseReturnValue:
    proposal = find_proposal(community, proposal_id)
    form = DeclineForm()
    if form.validate_on_submit() and web.run(
        lambda: proposals.decline(proposal, actor=web.actor(), reason=form.reason.data or ""),
        form=form,
        success=_("The proposal is declined. The proposer sees your reason."),
    ):
        return redirect(show_url(community, proposal))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "codesign/decide.html", community=community, proposal=proposal, form=form, action="decline"
    ), status


@bp.route("/<int:proposal_id>/adopt", methods=["GET", "POST"])
@community_required("coordinator")
def adopt(community: Community, proposal_id: int) -> ResponseReturnValue:
    proposal = find_proposal(community, proposal_id)
    form = AdoptForm()
    if request.method == "GET":
        form.name_en.data = proposal.current.title_en
        form.name_ar.data = proposal.current.title_ar
    elif form.validate_on_submit() and web.run(
        lambda: proposals.adopt(
            proposal, actor=web.actor(), name_en=form.name_en.data, name_ar=form.name_ar.data
        ),
        form=form,
        success=_("The proposal is adopted as a new category."),
    ):
        return redirect(show_url(community, proposal))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "codesign/decide.html", community=community, proposal=proposal, form=form, action="adopt"
    ), status


@bp.route("/<int:proposal_id>/hours", methods=["GET", "POST"])
@community_required("coordinator")
def record_hours(community: Community, proposal_id: int) -> ResponseReturnValue:
    proposal = find_proposal(community, proposal_id)
    people = hours.designers(proposal)
    form = HoursForm()
    form.member_id.choices = options(
        [("", _("Choose…"))] + [(m.id, m.user.display_name) for m in people]
    )
    if form.validate_on_submit() and web.run(
        lambda: hours.record(
            proposal,
            next((m for m in people if m.id == form.member_id.data), None),
            actor=web.actor(),
            minutes=hours_to_minutes(form.hours.data),
            reason=form.reason.data or "",
            idempotency_key=form.idempotency_key.data or "",
        ),
        form=form,
        success=_("The hours of design work were paid from the community pot."),
        aliases={"member": "member_id", "minutes": "hours"},
    ):
        return redirect(show_url(community, proposal))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "codesign/hours.html", community=community, proposal=proposal, form=form
    ), status
