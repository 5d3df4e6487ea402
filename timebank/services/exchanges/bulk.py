"""Deciding many pending exchanges at once from the approval queue: each is decided on its
own, so one that cannot be decided leaves the others decided, and each outcome is told."""

from __future__ import annotations

from timebank.extensions import db
from timebank.models import Community, ExchangeStatus, User
from timebank.services.exceptions import AlreadyDecided, DomainError, LimitExceeded, NotAllowed
from timebank.services.exchanges import lifecycle

MAX_AT_ONCE = 200

# Outcomes, one per exchange, as the results page names them.
APPROVED = "approved"
REJECTED = "rejected"
ALREADY_DECIDED = "already_decided"
LIMIT_EXCEEDED = "limit_exceeded"
PARTY = "party"
NOT_CONFIRMED = "not_confirmed"
NOT_FOUND = "not_found"
FAILED = "failed"


def decide(
    community: Community, exchange_id: int, *, actor: User, decision: str, reason: str
) -> str:
    """Approve (``decision == "approve"``) or reject with ``reason`` one exchange of a bulk
    decision, and say how it went (one of the outcomes above) instead of raising: a
    ``DomainError`` undoes only this decision (a savepoint), so the caller may commit.
    The caller runs each exchange in a transaction of its own, so each decision's mail
    leaves after its own commit. Audit and notices: those of ``approve`` / ``reject``."""
    exchange = lifecycle.get_for(community, exchange_id)
    if exchange is None:
        return NOT_FOUND
    if decision == "approve" and exchange.status == ExchangeStatus.RECORDED:
        return NOT_CONFIRMED
    try:
        with db.session.begin_nested():
            if decision == "approve":
                lifecycle.approve(exchange, actor=actor)
                return APPROVED
            lifecycle.reject(exchange, actor=actor, reason=reason)
            return REJECTED
    except AlreadyDecided:
        return ALREADY_DECIDED
    except LimitExceeded:
        return LIMIT_EXCEEDED
    except NotAllowed:
        return PARTY
    except DomainError:
        return FAILED
