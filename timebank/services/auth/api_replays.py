"""Idempotent API creations outside the ledger (listings, members; the ledger has its own
keys): the creation claims the caller's ``Idempotency-Key`` (its digest, with the body's)
in its own transaction, in a table unique per (caller, key). Two simultaneous requests
with one key therefore create one thing: the second's claim waits for the first's commit
and fails, and the second answers with what the first created. Keys are kept
``API_IDEMPOTENCY_RETENTION_DAYS`` (``purge``, a daily job): a retry comes within minutes,
and a key reused after that creates anew."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from timebank.database import changed
from timebank.extensions import db
from timebank.models import ApiIdempotencyKey, User
from timebank.models.base import utcnow


@dataclass(frozen=True)
class Earlier:
    operation: str
    object_type: str | None
    object_id: int | None
    body: str


def earlier(user: User, key_digest: str) -> Earlier | None:
    """What ``user``'s earlier creation with this key was (None: the key is new)."""
    found = db.session.scalar(
        select(ApiIdempotencyKey).where(
            ApiIdempotencyKey.user_id == user.id, ApiIdempotencyKey.key_digest == key_digest
        )
    )
    if found is None:
        return None
    return Earlier(found.operation, found.object_type, found.object_id, found.body_digest)


def claim(
    user: User, community_id: int | None, operation: str, key_digest: str, body_digest: str
) -> ApiIdempotencyKey:
    """Claim the key in the current transaction (flushed, so a concurrent claim of the same
    key waits for this transaction, then fails with an ``IntegrityError``). Record what was
    created on the returned row before the commit."""
    row = ApiIdempotencyKey(user_id=user.id, community_id=community_id, operation=operation,
                            key_digest=key_digest, body_digest=body_digest)  # fmt: skip
    db.session.add(row)
    db.session.flush()
    return row


def purge(*, days: int, now: datetime | None = None) -> int:
    """Delete the keys claimed more than ``days`` days before ``now``; how many went."""
    cut = (now or utcnow()) - timedelta(days=days)
    old = delete(ApiIdempotencyKey).where(ApiIdempotencyKey.created_at < cut)
    return changed(old.execution_options(synchronize_session=False))
