"""Helpers shared by the console views: load a community's object or 404, run one
service in a transaction and flash its outcome."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash

from timebank.database import transaction
from timebank.extensions import db
from timebank.forms import apply_domain_error
from timebank.models import Community, Membership
from timebank.services.exceptions import DomainError
from timebank.services.messaging import mail


def membership_or_404(community: Community, membership_id: int) -> Membership:
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.community_id != community.id:
        abort(404)
    return membership


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
