"""Safeguarding pages for coordinators: checks expiring soon, each member's checks (record
and revoke), and which checks each category (and kind of companionship) requires."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from timebank.access import community_required
from timebank.companionship import safeguarding_bp as bp
from timebank.companionship.forms import CheckForm, RequirementForm
from timebank.database import transaction
from timebank.extensions import db
from timebank.forms import ConfirmForm, apply_domain_error, int_or_none, options
from timebank.i18n import current_language
from timebank.models import Community, Membership, SafeguardingCheck
from timebank.services.companionship import requests as companionship
from timebank.services.companionship import safeguarding
from timebank.services.exceptions import DomainError
from timebank.services.listings import categories


def _membership(community: Community, membership_id: int) -> Membership:
    found = db.session.get(Membership, membership_id)
    if found is None or found.community_id != community.id:
        abort(404)
    return found


@bp.route("/")
@community_required("coordinator")
def index(community: Community):
    page = db.paginate(
        select(Membership)
        .options(joinedload(Membership.user))
        .where(Membership.community_id == community.id, Membership.status == "active")
        .order_by(Membership.member_number),
        page=int_or_none(request.args.get("page")) or 1,
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )
    return render_template(
        "safeguarding/index.html",
        community=community,
        expiring=safeguarding.expiring_checks(community),
        page=page,
        labels=safeguarding.CHECK_LABELS,
    )


@bp.route("/members/<int:membership_id>", methods=["GET", "POST"])
@community_required("coordinator")
def member(community: Community, membership_id: int):
    membership = _membership(community, membership_id)
    form = CheckForm()
    if form.validate_on_submit():
        actor = current_user._get_current_object()
        try:
            transaction(
                lambda: safeguarding.record_check(
                    membership,
                    actor=actor,
                    check_type=form.check_type.data,
                    checked_on=form.checked_on.data,
                    expires_on=form.expires_on.data,
                    note=form.note.data,
                )
            )
        except DomainError as error:
            if not apply_domain_error(form, error):
                flash(error.message, "error")
        else:
            flash(_("The check is recorded."), "success")
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


@bp.route("/checks/<int:check_id>/revoke", methods=["GET", "POST"])
@community_required("coordinator")
def revoke(community: Community, check_id: int):
    check = db.session.get(SafeguardingCheck, check_id)
    if check is None or check.membership.community_id != community.id:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        actor = current_user._get_current_object()
        try:
            transaction(lambda: safeguarding.revoke_check(check, actor=actor))
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("The check is withdrawn: it no longer counts."), "success")
        return redirect(url_for(".member", slug=community.slug, membership_id=check.membership_id))
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


@bp.route("/requirements", methods=["GET", "POST"])
@community_required("coordinator")
def requirements(community: Community):
    form = _requirement_form(community)
    if form.validate_on_submit():
        actor = current_user._get_current_object()
        try:
            transaction(
                lambda: safeguarding.set_requirements(
                    community,
                    actor=actor,
                    category_key=form.category_key.data or "",
                    kind=form.kind.data or "",
                    check_types=list(form.check_types.data or []),
                )
            )
        except DomainError as error:
            if not apply_domain_error(form, error):
                flash(error.message, "error")
        else:
            flash(_("The requirements are saved. They apply from now on."), "success")
            return redirect(url_for(".requirements", slug=community.slug))
    names = {c.key: c.display_name(current_language()) for c in categories.tree(community)}
    return render_template(
        "safeguarding/requirements.html",
        community=community,
        rows=safeguarding.requirements(community),
        names=names,
        labels=safeguarding.CHECK_LABELS,
        kinds=companionship.KIND_LABELS,
        form=form,
    ), (400 if form.errors else 200)
