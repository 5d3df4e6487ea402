"""Safeguarding pages for coordinators: checks expiring soon, each member's checks (record
and revoke), and which checks each category (and kind of companionship) requires."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from timebank import web
from timebank.access import community_required
from timebank.companionship import safeguarding_bp as bp
from timebank.companionship.forms import CheckForm, RequirementForm
from timebank.extensions import db
from timebank.forms import ConfirmForm, options
from timebank.i18n import current_language
from timebank.models import CheckType, Community, Membership, SafeguardingCheck
from timebank.services.companionship import requests as companionship
from timebank.services.companionship import safeguarding
from timebank.services.listings import categories


@bp.route("/")
@community_required("coordinator")
def index(community: Community) -> str:
    page = safeguarding.members_page(
        community, page=web.page_number(), per_page=current_app.config["PER_PAGE"]
    )
    return render_template(
        "safeguarding/index.html",
        community=community,
        expiring=safeguarding.expiring_checks(community),
        page=page,
        labels=safeguarding.CHECK_LABELS,
    )


def _record_check(membership: Membership, form: CheckForm) -> SafeguardingCheck:
    """Record the check the form describes."""
    return safeguarding.record_check(
        membership,
        actor=web.actor(),
        check_type=form.check_type.data,
        checked_on=form.checked_on.data,
        expires_on=form.expires_on.data,
        note=form.note.data,
    )


@bp.route("/members/<int:membership_id>", methods=["GET", "POST"])
@community_required("coordinator")
def member(community: Community, membership_id: int) -> ResponseReturnValue:
    membership = web.scoped_or_404(Membership, community, membership_id)
    form = CheckForm()
    if form.validate_on_submit() and web.run(
        lambda: _record_check(membership, form), form=form, success=_("The check is recorded.")
    ):
        return redirect(url_for(".member", slug=community.slug, membership_id=membership.id))
    return render_template(
        "safeguarding/member.html",
        community=community,
        membership=membership,
        checks=safeguarding.checks_of(membership),
        today=safeguarding._today(),
        labels=safeguarding.CHECK_LABELS,
        form=form,
    ), (400 if form.errors else 200)


def _check(community: Community, check_id: int) -> SafeguardingCheck:
    """The check ``check_id`` of a member of ``community``, or 404."""
    check = db.session.get(SafeguardingCheck, check_id)
    if check is None or check.membership.community_id != community.id:
        abort(404)
    return check


@bp.route("/checks/<int:check_id>/revoke", methods=["GET", "POST"])
@community_required("coordinator")
def revoke(community: Community, check_id: int) -> ResponseReturnValue:
    check = _check(community, check_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        return web.act(
            lambda: safeguarding.revoke_check(check, actor=web.actor()),
            _("The check is withdrawn: it no longer counts."),
            url_for(".member", slug=community.slug, membership_id=check.membership_id),
        )
    return render_template(
        "safeguarding/revoke.html",
        community=community,
        check=check,
        labels=safeguarding.CHECK_LABELS,
        form=form,
    )


def _requirement_form(community: Community) -> RequirementForm:
    form = RequirementForm()
    language = current_language()
    form.category_key.choices = options(
        (c.key, c.display_name(language)) for c in categories.tree(community)
    )
    form.kind.choices = options([("", _("Every kind"))] + list(companionship.KIND_LABELS.items()))
    return form


def _set_requirements(community: Community, form: RequirementForm) -> list[CheckType]:
    """Save the checks the form requires for its category (and kind)."""
    return safeguarding.set_requirements(
        community,
        actor=web.actor(),
        category_key=form.category_key.data or "",
        kind=form.kind.data or "",
        check_types=list(form.check_types.data or []),
    )


@bp.route("/requirements", methods=["GET", "POST"])
@community_required("coordinator")
def requirements(community: Community) -> ResponseReturnValue:
    form = _requirement_form(community)
    saved = _("The requirements are saved. They apply from now on.")
    if form.validate_on_submit() and web.run(
        lambda: _set_requirements(community, form), form=form, success=saved
    ):
        return redirect(url_for(".requirements", slug=community.slug))
    return render_template(
        "safeguarding/requirements.html",
        community=community,
        rows=safeguarding.requirements(community),
        names={c.key: c.display_name(current_language()) for c in categories.tree(community)},
        labels=safeguarding.CHECK_LABELS,
        kinds=companionship.KIND_LABELS,
        form=form,
    ), (400 if form.errors else 200)
