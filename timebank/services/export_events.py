"""Audit events for data leaving the system (DESIGN.md §4 promise 13: exports are
decisions, each leaves exactly one audit event)."""

from __future__ import annotations

from timebank.models import Account, Community, User
from timebank.services import audit, permissions
from timebank.services.exceptions import NotAllowed


def record_statement_export(
    community: Community, account: Account, *, actor: User, rows: int
) -> None:
    """Audit a statement download (``export.statement``): the account owner, or a
    coordinator of the community. Identifiers and the row count only, no personal data.
    Raises ``NotAllowed``."""
    owner = permissions.membership_of(actor, community)
    own = owner is not None and account.membership_id == owner.id
    if account.community_id != community.id or not (
        own or permissions.can_act_for_members(actor, community)
    ):
        raise NotAllowed()
    audit.record(
        "export.statement",
        actor=actor,
        community_id=community.id,
        obj=account,
        details={"rows": rows},
    )
