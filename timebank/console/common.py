"""Helpers shared by the console views: load a community's object or 404, run one
service in a transaction and flash its outcome."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect
from flask_login import current_user

from timebank.database import transaction
from timebank.extensions import db
from timebank.forms import apply_domain_error
from timebank.models import Community, Membership
from timebank.services import mail
from timebank.services.exceptions import DomainError


def actor():
    return current_user._get_current_object()


def membership_or_404(community: Community, membership_id: int) -> Membership:
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.community_id != community.id:
        abort(404)
    return membership


def scoped_or_404(model, community: Community, object_id: int):
    item = db.session.get(model, object_id)
    if item is None or item.community_id != community.id:
        abort(404)
    return item


def act(work: Callable, success: str, back: str):
    """Run ``work`` in one transaction; flash success or the domain error; redirect."""
    try:
        transaction(work)
    except DomainError as error:
        flash(error.message, "error")
    else:
        mail.deliver_pending()
        flash(success, "success")
    return redirect(back)


def submit(form, work: Callable):
    """Run ``work`` for a validated form; a domain error lands on its field (or is
    flashed). Returns (ok, result)."""
    try:
        result = transaction(work)
    except DomainError as error:
        if not apply_domain_error(form, error):
            flash(error.message, "error")
        return False, None
    mail.deliver_pending()
    return True, result
