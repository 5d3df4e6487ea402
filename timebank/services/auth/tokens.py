"""Personal access tokens: create, list, revoke, and authenticate a request's bearer
secret. The secret (``tbk_`` + 40 random characters) is shown once; only its SHA-256 is
kept. A token dies when revoked, at its expiry, when its holder's account is disabled or
erased, and when their password changes; the API checks the holder's role in a
community on every request, so a token never outlives the role its scope needs."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update

from timebank.database import changed
from timebank.extensions import db
from timebank.models import ApiToken, User
from timebank.models.base import utcnow
from timebank.services import audit
from timebank.services.exceptions import InvalidInput, NotAllowed, NotFound

PREFIX = "tbk_"
SCOPES = ("read", "exchanges:write", "listings:write", "coordinate")
MAX_TOKENS = 20
_SECRET_CHARACTERS = 40
# A token's last use is written at most this often: API reads do not all write (on SQLite
# every write takes the database's one write lock).
STAMP_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once, never stored


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def password_stamp(user: User) -> str:
    """Changes whenever the password does (the hash is salted afresh each time)."""
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def create(
    user: User,
    *,
    name: str,
    scopes: list[str],
    expires_on: date | None,
    now: datetime | None = None,
) -> NewToken:
    now = now or utcnow()
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise InvalidInput(_l("Give the token a name of up to 80 characters."), field="name")
    chosen = [scope for scope in SCOPES if scope in set(scopes)]
    if not chosen or len(chosen) != len(set(scopes)):
        raise InvalidInput(_l("Choose at least one of the listed permissions."), field="scopes")
    if expires_on is not None and expires_on <= now.date():
        raise InvalidInput(_l("Choose an expiry date after today."), field="expires_on")
    if len(active(user, now=now)) >= MAX_TOKENS:
        raise NotAllowed(
            _l("You have %(count)s tokens. Revoke one you no longer use first.", count=MAX_TOKENS)
        )
    body = secrets.token_urlsafe(30)[:_SECRET_CHARACTERS]
    secret = PREFIX + body
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=secret[: len(PREFIX) + 8],
        secret_hash=_digest(secret),
        scopes=" ".join(chosen),
        password_stamp=password_stamp(user),
        created_at=now,
        expires_at=(datetime.combine(expires_on, time.min, tzinfo=UTC) if expires_on else None),
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        "api_token.create", actor=user, obj=token, details={"name": name, "scopes": chosen}
    )
    return NewToken(token, secret)


def active(user: User, *, now: datetime | None = None) -> list[ApiToken]:
    """The user's tokens that still work, newest first."""
    return [token for token in listed(user) if is_alive(token, now=now)]


def listed(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.id.desc())
        )
    )


def is_alive(token: ApiToken, *, now: datetime | None = None) -> bool:
    now = now or utcnow()
    user = token.user
    return (
        token.revoked_at is None
        and (token.expires_at is None or token.expires_at > now)
        and user.is_active
        and user.erased_at is None
        and token.password_stamp == password_stamp(user)
    )


def revoke(user: User, token_id: int, *, now: datetime | None = None) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        raise NotFound(_l("That token does not exist or was already revoked."))
    token.revoked_at = now or utcnow()
    db.session.flush()
    audit.record("api_token.revoke", actor=user, obj=token, details={"name": token.name})
    return token


def authenticate(secret: str | None, *, now: datetime | None = None) -> ApiToken | None:
    """The live token whose secret this is, or None. Only reads: its last use is written
    by ``stamp`` when ``stamp_due``."""
    if not secret or not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.secret_hash == _digest(secret)))
    if token is None or not is_alive(token, now=now):
        return None
    return token


def stamp_due(token: ApiToken, *, now: datetime | None = None) -> bool:
    """Whether the token's stored last use is older than ``STAMP_EVERY`` (or unset)."""
    now = now or utcnow()
    return token.last_used_at is None or now - token.last_used_at >= STAMP_EVERY


def stamp(token_id: int, *, now: datetime | None = None) -> bool:
    """Write the token's last use, at most once per ``STAMP_EVERY``: a compare-and-set, so
    of several requests arriving together one writes. True when it wrote."""
    now = now or utcnow()
    fresh = or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - STAMP_EVERY)
    statement = update(ApiToken).where(ApiToken.id == token_id, fresh).values(last_used_at=now)
    return changed(statement.execution_options(synchronize_session=False)) == 1
