"""Password hashing (argon2id) and the password policy (ASVS 2.1: length, no composition
rules, not the e-mail or name, not a commonly used password)."""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

from timebank.services.exceptions import InvalidInput

MIN_LENGTH = 12
MAX_LENGTH = 128
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters

_LIST = Path(__file__).resolve().parents[2] / "data" / "common-passwords.txt"
COMMON_PASSWORDS = frozenset(
    line.strip().casefold()
    for line in _LIST.read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@functools.cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """What an unknown account's password is checked against, so that it too costs one
    verification; made once per hasher on first use, not at import (every start of the
    command line would pay for it)."""
    return hasher.hash("timing-equaliser-for-unknown-accounts")


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-effort check: an unknown account still costs one argon2 verification."""
    try:
        matched = _hasher.verify(password_hash or _dummy_hash(_hasher), password)
    except (VerificationError, InvalidHashError):
        return False
    return matched and bool(password_hash)


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def check_policy(
    password: str, *, email: str | None, display_name: str | None, field: str = "password"
) -> None:
    """Raise ``InvalidInput`` naming the field when the password breaks the policy."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(_l("Use at least %(n)d characters.", n=MIN_LENGTH), field=field)
    if len(password) > MAX_LENGTH:
        raise InvalidInput(_l("Use at most %(n)d characters.", n=MAX_LENGTH), field=field)
    folded = _fold(password)
    if folded in COMMON_PASSWORDS or len(set(folded)) < 4:
        raise InvalidInput(
            _l("This password is too common. Try a short sentence you will remember."), field=field
        )
    for personal in (email, (email or "").split("@")[0], display_name):
        if personal and len(personal) >= 4 and _fold(personal) in folded:
            raise InvalidInput(
                _l("The password must not contain your e-mail address or name."), field=field
            )
