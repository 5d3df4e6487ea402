"""Who calls: the bearer token of ``Authorization: Bearer tbk_…``. Session cookies never
authenticate on ``/api/`` (so there is no CSRF surface). Each view declares the scope it
needs (``api:<scope>``, read by the access-matrix test like the web's levels)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from functools import wraps

from flask import abort, g, request
from werkzeug.datastructures import WWWAuthenticate

from timebank.access import ACCESS_ATTRIBUTE
from timebank.api import ratelimit
from timebank.database import read_only, reading, transaction
from timebank.models import ApiToken, Community, Membership, User
from timebank.services import permissions
from timebank.services.auth import tokens
from timebank.services.community import communities
from timebank.services.exceptions import Conflict


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else None


def _authenticate() -> ApiToken | None:
    """The request's token. Checking it only reads (on SQLite it never takes the write
    lock); its last use is written in a short transaction of its own when older than
    ``tokens.STAMP_EVERY``."""

    def check() -> tuple[ApiToken | None, int | None]:
        token = tokens.authenticate(_bearer())
        return token, token.id if token is not None and tokens.stamp_due(token) else None

    with reading():
        token, due = transaction(check)
    if due is not None:
        writing = read_only.set(False)  # BEGIN IMMEDIATE: queue for the lock, not fail
        try:
            with contextlib.suppress(Conflict):  # a busy moment: the next request stamps
                transaction(lambda: tokens.stamp(due))
        finally:
            read_only.reset(writing)
    return token


def scope_required(scope: str) -> Callable[[Callable], Callable]:
    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            token = _authenticate()
            if token is None:
                abort(401, www_authenticate=WWWAuthenticate("bearer", {"realm": "timebank"}))
            ratelimit.check(token.id)
            if scope not in token.scope_set:
                abort(403)
            g.api_token = token
            return view(*args, **kwargs)

        setattr(wrapped, ACCESS_ATTRIBUTE, f"api:{scope}")
        return wrapped

    return decorate


def token() -> ApiToken:
    return g.api_token


def caller() -> User:
    return g.api_token.user


def community_of_caller(slug: str, *, coordinate: bool = False) -> tuple[Community, Membership]:
    """The community ``slug`` where the caller is an active member (404 otherwise, as on
    the web); with ``coordinate``, also a coordinator there holding the scope (403)."""
    community = communities.find_by_slug(slug)
    user = caller()
    membership = user.membership_in(community.id) if community is not None else None
    if community is None or membership is None or not membership.is_active:
        abort(404)
    if coordinate and not (
        "coordinate" in token().scope_set and permissions.is_coordinator(user, community)
    ):
        abort(403)
    return community, membership
