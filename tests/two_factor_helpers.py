"""Two-factor sign-in in tests: enrol someone, and the codes their app would show."""

from __future__ import annotations

from datetime import datetime, timedelta

import pyotp

from timebank.extensions import db
from timebank.models import User, utcnow
from timebank.services.auth import two_factor

# Enrolment is backdated by this much, so the codes of now and of the steps around it
# have not been used yet (each code is accepted once).
ENROLLED_BEFORE = timedelta(minutes=10)


def code_at(user: User, when: datetime) -> str:
    return pyotp.TOTP(user.totp_secret).at(when)


def code(user: User, *, steps: int = 0) -> str:
    """The code the app shows now, or ``steps`` time steps (30 s) from now."""
    return code_at(user, utcnow() + timedelta(seconds=30 * steps))


def wrong_code(user: User) -> str:
    """Six digits that are none of the codes accepted now (nor the steps either side)."""
    accepted = {code(user, steps=s) for s in (-1, 0, 1)}
    candidate = int(code(user))
    while f"{candidate:06d}" in accepted:
        candidate = (candidate + 1) % 1_000_000
    return f"{candidate:06d}"


def enrol(user: User) -> list[str]:
    """Turn two-factor sign-in on for ``user``; the ten recovery codes."""
    before = utcnow() - ENROLLED_BEFORE
    two_factor.start_enrolment(user)
    codes = two_factor.confirm_enrolment(user, code_at(user, before), now=before)
    db.session.commit()
    return codes


def to_arabic_indic(digits: str) -> str:
    return digits.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
