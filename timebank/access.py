"""Route access decisions. Every view declares one (a test walks ``app.url_map`` to prove
it): ``public``, ``login`` (any logged-in user), ``site_admin``, or a community level
(``member`` / ``participant`` / ``coordinator`` / ``community_admin``, or ``metrics``:
coordinators, and members where the community shows them its figures) for routes under
``/c/<slug>/``.

Community routes answer 404 to anyone who is not an active member, so the existence of a
community's pages is not revealed; a member lacking the role gets 403. A coordinator or
admin of a community that requires two-factor sign-in, who has not set it up, is sent to
set it up before any of its pages (``permissions.must_set_up_second_factor``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from timebank.extensions import login_manager
from timebank.services import permissions
from timebank.services.community import communities

ACCESS_ATTRIBUTE = "_timebank_access"


def _mark(view: Callable, level: str) -> Callable:
    setattr(view, ACCESS_ATTRIBUTE, level)
    return view


def public(view: Callable) -> Callable:
    return _mark(view, "public")


def login_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return _mark(wrapped, "login")


def set_up_second_factor_first() -> Response:
    """To the two-factor set-up page, and back to this page (a GET) afterwards."""
    flash(
        _(
            "Coordinators and admins here sign in with a second factor. Set up two-factor "
            "sign-in to continue."
        ),
        "info",
    )
    back = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("account.two_factor", next=back))


def site_admin_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not permissions.is_site_admin(current_user):
            abort(403)
        if (
            current_app.config.get("TWO_FACTOR_REQUIRED_FOR_SITE_ADMINS")
            and not current_user.two_factor_enabled
        ):
            return set_up_second_factor_first()
        return view(*args, **kwargs)

    return _mark(wrapped, "site_admin")


_COMMUNITY_CHECKS: dict[str, Callable] = {
    "member": permissions.can_view_community,
    # Pages that act as one's own membership (post a listing, edit one's profile): an
    # installation admin who is not a member may look, but not take part.
    "participant": permissions.is_active_member,
    "coordinator": permissions.can_manage_members,
    "community_admin": permissions.can_change_roles,
    # The metrics dashboard: coordinators, and members when the community switched it on.
    "metrics": permissions.can_view_metrics,
}


def community_required(level: str = "member") -> Callable[[Callable], Callable]:
    """Load ``g.community`` from the ``slug`` URL part and check the actor's level."""
    check = _COMMUNITY_CHECKS[level]

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(slug: str, *args, **kwargs):
            community = communities.find_by_slug(slug)
            if community is None:
                abort(404)
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not permissions.can_view_community(current_user, community):
                abort(404)
            if not check(current_user, community):
                abort(403)
            if permissions.must_set_up_second_factor(current_user, community):
                return set_up_second_factor_first()
            g.community = community
            return view(community, *args, **kwargs)

        return _mark(wrapped, f"community:{level}")

    return decorator
