"""Two-factor sign-in (TOTP, RFC 6238; OWASP ASVS 2.7-2.8): enrolment confirmed with a
code, ten single-use recovery codes, no code accepted twice, remembered devices, the
community's sign-in settings, and an administrator's reset.

Recovery codes are stored as a SHA-256 of the user's id and the code, not with argon2:
each code carries 80 random bits, so even a fast hash of a stolen table cannot be
searched (argon2's slowness protects guessable passwords, which these are not), while
checking one typed code is a single indexed look-up instead of up to ten argon2
verifications (a CPU lever for anyone holding a password). It is not keyed with the
secret key either, so rotating that key does not silently void every member's codes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime

import pyotp
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from timebank.database import changed
from timebank.extensions import db
from timebank.models import (
    Community,
    Membership,
    MembershipStatus,
    RecoveryCode,
    Role,
    User,
    utcnow,
)
from timebank.models.user import new_session_token
from timebank.services import audit, permissions
from timebank.services.auth import passwords
from timebank.services.exceptions import InvalidInput, NotAllowed, NotFound
from timebank.services.messaging import mail

ISSUER = "Timebank"
CODE_DIGITS = 6
STEP_SECONDS = 30
# One step either side of now: a phone clock up to half a minute off still signs in.
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
# Crockford's base 32: no I, L, O or U, so a code read aloud or copied by hand survives.
RECOVERY_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECOVERY_CODE_LENGTH = 16  # 80 bits
_RECOVERY_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_DEVICE_SALT = "two-factor-remembered-device"
MAX_TOKEN_LENGTH = 512

WRONG_CODE = _l("This code is not right. Enter the code your app shows now.")
WRONG_RECOVERY_CODE = _l("This recovery code is not right, or it was used already.")


# -- What a person types ------------------------------------------------------------


def normalise_code(text: str | None) -> str | None:
    """A typed code with spaces and hyphens removed and digits of any script (Arabic-Indic
    ``٠١٢``, Persian ``۰۱۲``, full-width) made ASCII; anything else is left for the
    format check to refuse."""
    if text is None:
        return None
    kept = [ch for ch in text if not ch.isspace() and ch not in "-‐‑–"]
    digits = [str(unicodedata.decimal(ch, "")) if ch.isdecimal() else ch for ch in kept]
    return "".join(digits)


def is_code_shaped(code: str | None) -> bool:
    """Six ASCII digits (after ``normalise_code``)."""
    return code is not None and len(code) == CODE_DIGITS and code.isascii() and code.isdigit()


def normalise_recovery_code(text: str | None) -> str:
    """Upper case, without spaces and hyphens, look-alike letters read as digits."""
    kept = "".join(ch for ch in (text or "") if not ch.isspace() and ch not in "-‐‑–")
    return kept.upper().translate(_RECOVERY_LOOKALIKES)


def format_recovery_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


# -- The authenticator app -------------------------------------------------------------


def is_enabled(user: User) -> bool:
    return user.two_factor_enabled and bool(user.totp_secret)


def provisioning_uri(user: User) -> str:
    """The ``otpauth://`` address the QR code holds (the pending or current secret)."""
    if not user.totp_secret:
        raise NotFound()
    label = user.email or user.display_name
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=label, issuer_name=ISSUER)


def _step(now: datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code is ``code`` (now, or one step either side)."""
    totp = pyotp.TOTP(secret, digits=CODE_DIGITS, interval=STEP_SECONDS)
    current = _step(now)
    nearest_first = sorted(
        range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1), key=lambda s: abs(s - current)
    )
    for step in nearest_first:
        if step >= 0 and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _accept_code(user: User, code: str | None, now: datetime) -> bool:
    """True once for a right code: its time step must be later than the last accepted
    one, set with a compare-and-set so two requests racing with one code cannot both
    pass."""
    code = normalise_code(code)
    if not user.totp_secret or not is_code_shaped(code):
        return False
    step = _matching_step(user.totp_secret, code or "", now)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    db.session.flush()
    moved = changed(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if moved != 1:
        return False
    set_committed_value(user, "totp_last_step", step)
    return True


# -- Recovery codes ------------------------------------------------------------------


def _recovery_hash(user: User, code: str) -> str:
    return hashlib.sha256(f"timebank-recovery-code|{user.id}|{code}".encode()).hexdigest()


def _new_recovery_codes(user: User, now: datetime) -> list[str]:
    """Replace ``user``'s recovery codes with ten new ones; the plain codes are returned
    to be shown once and never stored."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    for code in codes:
        db.session.add(
            RecoveryCode(user_id=user.id, code_hash=_recovery_hash(user, code), created_at=now)
        )
    db.session.flush()
    return [format_recovery_code(code) for code in codes]


def _use_recovery_code(user: User, typed: str | None, now: datetime) -> bool:
    """True once per code: marking it used is conditional, so it cannot be spent twice."""
    code = normalise_recovery_code(typed)
    if len(code) != RECOVERY_CODE_LENGTH or any(ch not in RECOVERY_ALPHABET for ch in code):
        return False
    used = changed(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _recovery_hash(user, code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return used == 1


def recovery_codes_left(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def _second_factor(
    user: User, *, code: str | None, recovery_code: str | None, now: datetime
) -> str | None:
    """Which second factor ``user`` just proved (``"totp"`` or ``"recovery_code"``), or
    None. A code from the app is tried when one was typed, else the recovery code."""
    if code:
        return "totp" if _accept_code(user, code, now) else None
    if recovery_code:
        return "recovery_code" if _use_recovery_code(user, recovery_code, now) else None
    return None


# -- Enrolment ----------------------------------------------------------------------


def start_enrolment(user: User) -> User:
    """A new secret for ``user``'s authenticator app, in force only once a code made with
    it is confirmed (``confirm_enrolment``). Starting again replaces the pending secret.
    Raises ``NotAllowed`` when two-factor sign-in is already on."""
    if is_enabled(user):
        raise NotAllowed(_l("Two-factor sign-in is already on."))
    user.totp_secret = pyotp.random_base32()
    user.totp_confirmed_at = None
    user.totp_last_step = None
    db.session.flush()
    return user


def confirm_enrolment(user: User, code: str | None, *, now: datetime | None = None) -> list[str]:
    """Turn two-factor sign-in on with a right code from the app; returns ten new recovery
    codes (shown once). Every other session ends: one opened with the password alone
    must not pass as two-factor from now on (the caller renews its own). Raises
    ``NotAllowed`` when on already or nothing was started, ``InvalidInput`` (field
    ``code``) for a wrong code. Audit: ``two_factor.enable``."""
    now = now or utcnow()
    if is_enabled(user):
        raise NotAllowed(_l("Two-factor sign-in is already on."))
    if not user.totp_secret:
        raise NotAllowed(_l("Start the set-up again: no code was expected."))
    if not _accept_code(user, code, now):
        raise InvalidInput(WRONG_CODE, field="code")
    user.totp_confirmed_at = now
    user.session_token = new_session_token()
    codes = _new_recovery_codes(user, now)
    audit.record("two_factor.enable", actor=user, obj=user)
    return codes


def regenerate_recovery_codes(
    user: User, *, code: str | None, now: datetime | None = None
) -> list[str]:
    """Ten new recovery codes for a right code from the app; the old ones stop working.
    Raises ``NotAllowed`` when two-factor sign-in is off, ``InvalidInput`` (``code``).
    Audit: ``two_factor.recovery_codes``."""
    now = now or utcnow()
    if not is_enabled(user):
        raise NotAllowed(_l("Two-factor sign-in is off."))
    if not _accept_code(user, code, now):
        raise InvalidInput(WRONG_CODE, field="code")
    codes = _new_recovery_codes(user, now)
    audit.record("two_factor.recovery_codes", actor=user, obj=user)
    return codes


def _clear(user: User) -> None:
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()


def disable(
    user: User,
    *,
    password: str | None,
    code: str | None,
    recovery_code: str | None = None,
    now: datetime | None = None,
) -> None:
    """Turn two-factor sign-in off with the password and a code from the app (or a
    recovery code); remembered devices stop working. Raises ``NotAllowed`` when it is off,
    ``InvalidInput`` (``password`` or ``code``). Audit: ``two_factor.disable``."""
    now = now or utcnow()
    if not is_enabled(user):
        raise NotAllowed(_l("Two-factor sign-in is off."))
    if not passwords.verify_password(user.password_hash, password or ""):
        raise InvalidInput(_l("The password is not correct."), field="password")
    method = _second_factor(user, code=code, recovery_code=recovery_code, now=now)
    if method is None:
        field = "code" if code or not recovery_code else "recovery_code"
        raise InvalidInput(WRONG_CODE if field == "code" else WRONG_RECOVERY_CODE, field=field)
    _clear(user)
    audit.record("two_factor.disable", actor=user, obj=user, details={"with": method})


def forget(user: User) -> None:
    """Erasure (privacy rights): no secret or recovery code of ``user`` stays."""
    _clear(user)


# -- Signing in ---------------------------------------------------------------------


@dataclass(frozen=True)
class SignIn:
    """The second step's outcome: ``method`` is None for a wrong code; ``device_token``
    is set when the device is to be remembered."""

    method: str | None
    device_token: str | None = None

    @property
    def ok(self) -> bool:
        return self.method is not None


def remembering_allowed(user: User) -> bool:
    """A device may be remembered when every community ``user`` is an active member of
    allows it (and there is at least one)."""
    active = [m.community for m in user.memberships if m.is_active]
    return bool(active) and all(c.allow_remembered_devices for c in active)


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_DEVICE_SALT)


def _device_fingerprint(user: User) -> str:
    # Changes with the secret (a new enrolment, a reset) and with the password.
    material = f"{user.id}|{user.totp_secret}|{user.password_hash}".encode()
    return hashlib.sha256(material).hexdigest()[:32]


def remember_days() -> int:
    return int(current_app.config.get("TWO_FACTOR_REMEMBER_DAYS", 30))


def device_token(user: User) -> str:
    """A signed token naming ``user`` and the state of their second factor."""
    return _device_serializer().dumps({"u": user.id, "f": _device_fingerprint(user)})


def device_remembered(user: User, token: str | None) -> bool:
    """The token was made by ``device_token`` for ``user`` within the remembered days,
    their secret and password have not changed since, and their communities still allow
    remembering devices."""
    if not token or len(token) > MAX_TOKEN_LENGTH or not is_enabled(user):
        return False
    if not remembering_allowed(user):
        return False
    try:
        data = _device_serializer().loads(token, max_age=remember_days() * 86400)
    except BadSignature:  # also an expired one
        return False
    return (
        isinstance(data, dict)
        and data.get("u") == user.id
        and hmac.compare_digest(str(data.get("f", "")), _device_fingerprint(user))
    )


def verify_sign_in(
    user: User,
    *,
    code: str | None,
    recovery_code: str | None = None,
    remember: bool = False,
    now: datetime | None = None,
) -> SignIn:
    """The second step of signing in, after the password. A code from the app is
    accepted once; a recovery code once ever. The caller commits either way (the audit
    event of a wrong code must persist) and starts the session only when ``ok``. Audit:
    ``login.success`` (with the method) or ``login.second_factor_failure``."""
    now = now or utcnow()
    method = (
        _second_factor(user, code=code, recovery_code=recovery_code, now=now)
        if (is_enabled(user))
        else None
    )
    if method is None:
        audit.record("login.second_factor_failure", actor=None, obj=user, outcome="denied")
        return SignIn(None)
    user.last_login_at = now
    audit.record("login.success", actor=user, obj=user, details={"second_factor": method})
    token = device_token(user) if remember and remembering_allowed(user) else None
    return SignIn(method, token)


def enrolment_due(user: User, *, site_admins: bool = False) -> bool:
    """``user`` must set up two-factor sign-in before going on: a coordinator or admin of
    a community that requires it (or an installation admin where the installation
    requires it, ``site_admins``)."""
    if is_enabled(user):
        return False
    if site_admins and permissions.is_site_admin(user):
        return True
    return any(m.is_coordinator and m.community.require_two_factor for m in user.memberships)


# -- Communities and administrators -------------------------------------------------


def update_policy(
    community: Community,
    *,
    actor: User,
    require_two_factor: bool,
    allow_remembered_devices: bool,
) -> Community:
    """A community admin (or installation admin) requires two-factor sign-in of the
    community's coordinators and admins, and allows or forbids remembered devices.
    Requiring it needs the actor's own two-factor sign-in on, so nobody locks themselves
    out. Raises ``NotAllowed``, ``InvalidInput``. Audit: ``community.sign_in_settings``."""
    if not permissions.can_change_roles(actor, community):
        raise NotAllowed()
    if require_two_factor and not community.require_two_factor and not is_enabled(actor):
        raise InvalidInput(
            _l("Set up two-factor sign-in for yourself first, on your account page."),
            field="require_two_factor",
        )
    community.require_two_factor = bool(require_two_factor)
    community.allow_remembered_devices = bool(allow_remembered_devices)
    audit.record(
        "community.sign_in_settings",
        actor=actor,
        community_id=community.id,
        obj=community,
        details={
            "require_two_factor": community.require_two_factor,
            "allow_remembered_devices": community.allow_remembered_devices,
        },
    )
    return community


def coordinators_status(community: Community) -> list[tuple[Membership, bool]]:
    """The community's active coordinators and admins by name, each with whether they
    use two-factor sign-in (for the admin deciding to require it)."""
    rows = db.session.scalars(
        select(Membership)
        .join(User, Membership.user_id == User.id)
        .where(
            Membership.community_id == community.id,
            Membership.status == MembershipStatus.ACTIVE,
            Membership.role.in_([Role.COORDINATOR, Role.ADMIN]),
        )
        .order_by(User.display_name, Membership.id)
    )
    return [(membership, is_enabled(membership.user)) for membership in rows]


def reset(user: User, *, actor: User, community: Community, now: datetime | None = None) -> User:
    """An admin of ``community`` (or an installation admin) turns off the two-factor
    sign-in of one of its members who lost their phone and their recovery codes: secret,
    recovery codes and remembered devices go, every session of theirs ends, and they get
    an e-mail saying so. Only an installation admin resets an installation admin; nobody
    resets their own (they turn it off themselves). Raises ``NotAllowed``, ``NotFound``,
    ``InvalidInput``. Audit: ``two_factor.reset``."""
    if not permissions.can_change_roles(actor, community):
        raise NotAllowed()
    if user.membership_in(community.id) is None:
        raise NotFound()
    if user.id == actor.id:
        raise NotAllowed(_l("Turn off your own two-factor sign-in on your account page."))
    if user.is_admin and not permissions.is_site_admin(actor):
        raise NotAllowed(
            _l("Only an installation administrator can reset this person's two-factor sign-in.")
        )
    if not user.totp_secret:
        raise InvalidInput(_l("This member does not use two-factor sign-in."))
    _clear(user)
    user.session_token = new_session_token()
    with force_locale(user.locale or community.locale or "en"):
        subject = _("Two-factor sign-in was turned off for your account")
        body = _(
            "Hello %(name)s,\n\nAn administrator of %(community)s turned off two-factor "
            "sign-in for your Timebank account. You can log in with your password and set "
            "it up again on your account page.\n\nIf you did not ask for this, change your "
            "password and tell your time bank.",
            name=user.display_name,
            community=community.display_name(user.locale or community.locale),
        )
    mail.queue(user, subject, body, community_id=community.id)
    audit.record("two_factor.reset", actor=actor, community_id=community.id, obj=user)
    return user
