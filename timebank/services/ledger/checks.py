"""Validation and idempotency helpers shared by the ledger services."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from timebank.extensions import db
from timebank.models import (
    Account,
    Community,
    Exchange,
    ExchangeText,
    Membership,
    MembershipStatus,
    TextKind,
    User,
)
from timebank.services import languages
from timebank.services.exceptions import InvalidInput

MAX_REASON_LENGTH = 1000
MAX_DESCRIPTION_LENGTH = 2000
_CATEGORY_RE = re.compile(r"[a-z][a-z0-9_-]{0,39}")
_KEY_RE = re.compile(r"[A-Za-z0-9_.:-]{8,64}")


def payload_hash(*fields: object) -> str:
    """A stable hash of the submitted fields, stored with the idempotency key."""
    canonical = json.dumps([str(f) if f is not None else None for f in fields])
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key: object) -> str:
    if not isinstance(key, str) or not _KEY_RE.fullmatch(key):
        raise InvalidInput(
            _l("This form has expired. Please reload the page and try again."),
            field="idempotency_key",
        )
    return key


def find_replay(key: object, payload: str) -> Exchange | None:
    """The exchange already created with this idempotency key, or None. A reused key with
    a different payload raises ``InvalidInput``."""
    existing = db.session.scalar(select(Exchange).where(Exchange.idempotency_key == check_key(key)))
    if existing is None:
        return None
    if existing.payload_hash != payload:
        raise InvalidInput(
            _l("This form was already submitted with different values. Reload the page."),
            field="idempotency_key",
        )
    return existing


def insert_idempotent(exchange: Exchange, work: Callable[[], None] | None = None) -> Exchange:
    """Insert ``exchange`` (through ``work``, which adds and flushes it, or directly) inside
    a savepoint. If a concurrent transaction committed the same idempotency key first,
    return its exchange instead (same payload) or raise ``InvalidInput``."""
    try:
        with db.session.begin_nested():
            if work is None:
                db.session.add(exchange)
                db.session.flush()
            else:
                work()
    except IntegrityError:
        winner = find_replay(exchange.idempotency_key, exchange.payload_hash)
        if winner is None:
            raise
        return winner
    return exchange


def check_minutes(minutes: object, community: Community, *, field: str = "minutes") -> int:
    """Whole minutes from 1 to the community maximum (``bool`` and floats refused)."""
    if not isinstance(minutes, int) or isinstance(minutes, bool):
        raise InvalidInput(_l("Enter the duration in whole minutes."), field=field)
    if minutes < 1:
        raise InvalidInput(_l("A duration must be at least one minute."), field=field)
    maximum = community.max_minutes_per_exchange
    if minutes > maximum:
        raise InvalidInput(
            _l("At most %(max)s in one exchange.", max=languages.duration(maximum)), field=field
        )
    return minutes


def check_category(category: object) -> str:
    if not isinstance(category, str) or not _CATEGORY_RE.fullmatch(category.strip()):
        raise InvalidInput(_l("Choose a category."), field="category")
    return category.strip()


def check_reason(reason: object, *, field: str = "reason") -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise InvalidInput(_l("Give a reason."), field=field)
    if len(text) > MAX_REASON_LENGTH:
        raise InvalidInput(_l("Use at most %(n)d characters.", n=MAX_REASON_LENGTH), field=field)
    return text


def check_description(text: object, *, field: str = "description") -> str | None:
    """Optional free text, stripped; at most ``MAX_DESCRIPTION_LENGTH`` characters."""
    if text is None:
        return None
    if not isinstance(text, str):
        raise InvalidInput(field=field)
    text = text.strip()
    if len(text) > MAX_DESCRIPTION_LENGTH:
        raise InvalidInput(
            _l("Use at most %(n)d characters.", n=MAX_DESCRIPTION_LENGTH), field=field
        )
    return text or None


def check_party(membership: Any, community: Community, *, field: str) -> None:
    """An active member of ``community`` (not applying, suspended or departed)."""
    check_party_of(membership, community.id, field=field)


def check_party_of(membership: Any, community_id: int, *, field: str) -> None:
    """``check_party`` with the community's id (a row, or a ``Membership``)."""
    if membership.community_id != community_id:
        raise InvalidInput(_l("This person is not a member of this community."), field=field)
    if membership.status != MembershipStatus.ACTIVE:
        raise InvalidInput(
            _l("This member is not active in the community, so no hours can be exchanged."),
            field=field,
        )


_PARTIES = (
    select(Membership.id, Membership.user_id, Membership.community_id, Membership.status)
    .join(Account, Account.membership_id == Membership.id)
    .where(Account.id.in_(bindparam("ids", expanding=True)))
)


def parties(exchange: Exchange) -> list[Any]:
    """The memberships behind the exchange's two accounts (none for the pot), in one query,
    as rows with ``id``, ``user_id``, ``community_id`` and ``status``."""
    ids = [exchange.provider_account_id, exchange.recipient_account_id]
    return list(db.session.execute(_PARTIES, {"ids": ids}).all())


def party_user_ids(exchange: Exchange, members: list[Any] | None = None) -> set[int]:
    """The users whose accounts the exchange moves (empty for the pot)."""
    return {m.user_id for m in (parties(exchange) if members is None else members)}


def other_party_user_id(exchange: Exchange) -> int | None:
    """The party whose word the record is not (the recorder's, or that of the member a proxy
    or coordinator recorded for): the one who confirms or rejects it. None for pot
    movements."""
    rows = db.session.execute(
        select(Account.id, Membership.user_id)
        .join(Membership, Account.membership_id == Membership.id)
        .where(Account.id.in_([exchange.provider_account_id, exchange.recipient_account_id]))
    ).all()
    users = dict(rows)
    provider = users.get(exchange.provider_account_id)
    recipient = users.get(exchange.recipient_account_id)
    said = exchange.on_behalf_of_id or exchange.recorded_by_id
    if said == provider:
        return recipient
    if said == recipient:
        return provider
    return None


def add_text(exchange: Exchange, kind: TextKind, body: str | None, *, author: User) -> None:
    """Store free text in the erasable table (nothing when empty)."""
    if not body:
        return
    if len(body) > MAX_DESCRIPTION_LENGTH:
        raise InvalidInput(
            _l("Use at most %(n)d characters.", n=MAX_DESCRIPTION_LENGTH), field=kind.value
        )
    db.session.add(ExchangeText(exchange_id=exchange.id, kind=kind, body=body, author_id=author.id))
    db.session.flush()
