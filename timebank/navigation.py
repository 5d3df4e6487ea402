"""The page header's navigation by role: for the community the page belongs to
(``g.community``, or the ``community`` a page passes), the reader's membership and what
waits for them (``services.community.waiting``), read once per request and kept on ``g``.

The counts are also kept for ``NAVIGATION_CACHE_SECONDS`` in this process, keyed by the
community, the membership (its user, role and status) and the reader's own navigation stamp,
a random token in their session that every state-changing request of theirs renews. So what
a reader does themselves (approving, confirming, marking a notice read) shows on their very
next page, whichever worker serves it; what others do shows within the TTL; a reader's
counts are never served to anyone else. The member's home reads them fresh."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

from flask import Flask, current_app, g, request, session
from flask_login import current_user

from timebank.models import Community, Membership
from timebank.services import permissions
from timebank.services.community import waiting as waiting_counts

STAMP_KEY = "_nav"
MAX_ENTRIES = 20_000
FRESH_ENDPOINTS = frozenset({"community.home"})  # pages that show the counts themselves
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Nav:
    community: Community
    membership: Membership
    waiting: waiting_counts.Waiting


def for_community(community: Community | None = None) -> Nav | None:
    """The reader's navigation in ``community`` (or the request's), None when they are
    not an active member there."""
    community = community if isinstance(community, Community) else g.get("community")
    if community is None or not current_user.is_authenticated:
        return None
    cache: dict[int, Nav | None] = g.setdefault("_navigation", {})
    if community.id not in cache:
        membership = permissions.membership_of(current_user, community)
        cache[community.id] = (
            Nav(community, membership, _waiting(community, membership))
            if membership is not None and membership.is_active
            else None
        )
    return cache[community.id]


class _Counts:
    """Waiting counts by key, each until its deadline (monotonic seconds)."""

    def __init__(self) -> None:
        self.entries: dict[tuple, tuple[float, waiting_counts.Waiting]] = {}
        self.lock = threading.Lock()

    def get(self, key: tuple, now: float) -> waiting_counts.Waiting | None:
        entry = self.entries.get(key)
        return entry[1] if entry is not None and entry[0] > now else None

    def put(self, key: tuple, value: waiting_counts.Waiting, deadline: float) -> None:
        with self.lock:
            if len(self.entries) >= MAX_ENTRIES:
                now = time.monotonic()
                self.entries = {k: v for k, v in self.entries.items() if v[0] > now}
                if len(self.entries) >= MAX_ENTRIES:
                    self.entries = {}
            self.entries[key] = (deadline, value)


def _waiting(community: Community, membership: Membership) -> waiting_counts.Waiting:
    seconds = current_app.config.get("NAVIGATION_CACHE_SECONDS", 0)
    if not seconds or request.endpoint in FRESH_ENDPOINTS:
        return waiting_counts.waiting(current_user, membership)
    key = (
        community.id,
        membership.id,
        current_user.id,
        membership.user_id,
        str(membership.role),
        str(membership.status),
        _stamp(),
    )
    counts: _Counts = current_app.extensions["timebank.navigation"]
    now = time.monotonic()
    value = counts.get(key, now)
    if value is None:
        value = waiting_counts.waiting(current_user, membership)
        counts.put(key, value, now + seconds)
    return value


def _stamp() -> str:
    stamp = session.get(STAMP_KEY)
    if not isinstance(stamp, str):
        stamp = session[STAMP_KEY] = secrets.token_hex(8)
    return stamp


def _renew_stamp() -> None:
    """A request that may change what is counted: the reader's next page counts afresh."""
    if request.method not in SAFE_METHODS and current_user.is_authenticated:
        session[STAMP_KEY] = secrets.token_hex(8)


def init_app(app: Flask) -> None:
    app.extensions["timebank.navigation"] = _Counts()
    app.before_request(_renew_stamp)

    @app.context_processor
    def navigation() -> dict:
        return {"navigation_for": for_community}
