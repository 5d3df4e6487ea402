"""The page header's navigation by role: for the community the page belongs to
(``g.community``, or the ``community`` a page passes), the reader's membership and what
waits for them (``services.community.waiting``), read once per request and kept on ``g``."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, g
from flask_login import current_user

from timebank.models import Community, Membership
from timebank.services import permissions
from timebank.services.community import waiting as waiting_counts


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
            Nav(community, membership, waiting_counts.waiting(current_user, membership))
            if membership is not None and membership.is_active
            else None
        )
    return cache[community.id]


def init_app(app: Flask) -> None:
    @app.context_processor
    def navigation() -> dict:
        return {"navigation_for": for_community}
