"""Registration, login with lockout, password change and password reset."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from timebank.extensions import db
from timebank.models import Community, Membership, MembershipStatus, User, utcnow
from timebank.models.user import new_session_token
from timebank.services import audit
from timebank.services.auth import passwords, two_factor
from timebank.services.exceptions import InvalidInput, NotAllowed
from timebank.services.messaging import mail, notifications

_RESET_SALT = "password-reset"


def open_communities() -> list[Community]:
    """The communities a visitor can apply to (accepting applications), by name."""
    return list(
        db.session.scalars(
            select(Community)
            .where(Community.accepting_applications.is_(True))
            .order_by(Community.name)
        )
    )


def only_community() -> Community | None:
    """The community, when the installation has exactly one (the home page goes there)."""
    first_two = db.session.scalars(select(Community).order_by(Community.name).limit(2)).all()
    return first_two[0] if len(first_two) == 1 else None


def communities_page(*, page: int, per_page: int) -> Pagination:
    """One page of every community, by name: the time banks a visitor can look at."""
    return db.paginate(
        select(Community).order_by(Community.name),
        page=page,
        per_page=per_page,
        error_out=False,
    )


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    """The account using ``email`` (any case). An address with control characters cannot
    belong to anyone (registration refuses them), and PostgreSQL refuses NUL in a query."""
    email = normalise_email(email)
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in email):
        return None
    return db.session.scalar(select(User).where(User.email == email))


def create_user(
    *,
    email: str | None,
    display_name: str,
    password: str | None,
    locale: str | None = None,
    is_admin: bool = False,
) -> User:
    """Create a login identity. Raises ``InvalidInput`` on a duplicate e-mail (any case) or
    a password that breaks the policy."""
    email = normalise_email(email) if email else None
    if email and find_by_email(email) is not None:
        raise InvalidInput(
            _l(
                "An account with this e-mail address already exists. "
                "Log in, or reset your password."
            ),
            field="email",
        )
    if password is not None:
        passwords.check_policy(password, email=email, display_name=display_name)
    user = User(
        email=email,
        display_name=display_name.strip(),
        locale=locale,
        is_admin=is_admin,
        password_hash=passwords.hash_password(password) if password else None,
    )
    db.session.add(user)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise InvalidInput(
            _l(
                "An account with this e-mail address already exists. "
                "Log in, or reset your password."
            ),
            field="email",
        ) from exc
    return user


def register(
    *,
    email: str,
    display_name: str,
    password: str,
    community: Community,
    motivation: str | None,
    locale: str | None,
) -> Membership:
    """A visitor registers: a new user with an *applying* membership in ``community``.
    Writes one audit event (``membership.apply``)."""
    if not community.accepting_applications:
        raise InvalidInput(_l("This community is not accepting applications."), field="community")
    user = create_user(email=email, display_name=display_name, password=password, locale=locale)
    return application(user, community, motivation=motivation)


def application(user: User, community: Community, *, motivation: str | None) -> Membership:
    """``user``'s applying membership in ``community``; every coordinator is told (in the
    app, and by e-mail in their language when they want it) with a link to the applicant's
    vetting page. Audit: ``membership.apply``."""
    membership = Membership(
        user=user,
        community=community,
        status=MembershipStatus.APPLYING,
        motivation=motivation or None,
    )
    db.session.add(membership)
    db.session.flush()
    audit.record("membership.apply", actor=user, community_id=community.id, obj=membership)
    notifications.notify_coordinators(
        community, "application", object_type="applications", object_id=membership.id,
        body=_l("%(name)s applied to join the community and waits for a coordinator's "
                "decision.", name=user.display_name),
    )  # fmt: skip
    return membership


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    locked: bool = False
    # The password was right, but the person uses two-factor sign-in: not signed in yet.
    needs_second_factor: bool = False

    @property
    def ok(self) -> bool:
        return self.user is not None and not self.locked and not self.needs_second_factor


def authenticate(
    email: str,
    password: str,
    *,
    device_token: str | None = None,
    now: datetime | None = None,
) -> LoginResult:
    """Check a login. A wrong password counts towards a temporary lockout; a locked account
    is refused even with the right password. The caller shows one generic message in every
    failure case and commits (the counters and the audit event must persist). With the
    right password, a person who uses two-factor sign-in still needs a code
    (``needs_second_factor``) unless ``device_token`` shows a remembered device."""
    now = now or utcnow()
    config = current_app.config
    user = find_by_email(email) if email else None
    if user is None or user.is_disabled:
        passwords.verify_password(None, password)
        audit.record(
            "login.failure",
            actor=None,
            object_type="users",
            object_id=user.id if user else None,
            outcome="denied",
        )
        return LoginResult(None)
    if user.locked_until is not None and user.locked_until > now:
        audit.record("login.locked", actor=user, obj=user, outcome="denied")
        return LoginResult(None, locked=True)
    if not passwords.verify_password(user.password_hash, password):
        user.failed_logins += 1
        details = None
        if user.failed_logins >= config["LOGIN_LOCKOUT_THRESHOLD"]:
            user.locked_until = now + timedelta(minutes=config["LOGIN_LOCKOUT_MINUTES"])
            user.failed_logins = 0
            details = {"locked_minutes": config["LOGIN_LOCKOUT_MINUTES"]}
        audit.record("login.failure", actor=None, obj=user, outcome="denied", details=details)
        return LoginResult(None)
    user.failed_logins = 0
    user.locked_until = None
    # Before a rehash, which changes what a remembered device's token was made from.
    remembered = two_factor.device_remembered(user, device_token)
    if passwords.needs_rehash(user.password_hash or ""):
        user.password_hash = passwords.hash_password(password)
    if two_factor.is_enabled(user):
        if not remembered:
            audit.record("login.second_factor_asked", actor=user, obj=user)
            return LoginResult(user, needs_second_factor=True)
        user.last_login_at = now
        audit.record("login.success", actor=user, obj=user, details={"second_factor": "device"})
        return LoginResult(user)
    user.last_login_at = now
    audit.record("login.success", actor=user, obj=user)
    return LoginResult(user)


def end_sessions(user: User) -> None:
    """Log out everywhere: every cookie issued so far stops working."""
    user.session_token = new_session_token()
    db.session.flush()


def logout(user: User) -> None:
    end_sessions(user)
    audit.record("logout", actor=user, obj=user)


def change_password(user: User, *, current: str, new: str) -> None:
    """Requires the current password; ends every other session. Audited."""
    if not passwords.verify_password(user.password_hash, current):
        raise InvalidInput(_l("The current password is not correct."), field="current_password")
    passwords.check_policy(
        new, email=user.email, display_name=user.display_name, field="new_password"
    )
    user.password_hash = passwords.hash_password(new)
    end_sessions(user)
    audit.record("password.change", actor=user, obj=user)


def set_locale(user: User, locale: str) -> None:
    if locale not in current_app.config["LANGUAGES"]:
        raise InvalidInput(_l("Unknown language."), field="lang")
    user.locale = locale
    db.session.flush()


# -- Password reset: signed, expiring, single use -------------------------------------


def _fingerprint(user: User) -> str:
    # Changes when the password (or the session token) changes, so a used token dies.
    material = f"{user.password_hash}|{user.session_token}".encode()
    return hashlib.sha256(material).hexdigest()[:24]


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_RESET_SALT)


def request_password_reset(email: str, *, link_for: Callable[[str], str]) -> None:
    """Queue a reset e-mail if the address belongs to an account; silent otherwise, so the
    page does not reveal which addresses exist. ``link_for`` gives the reset page's path
    for a token; the e-mail's link names the site's public origin (``mail.address``),
    never the Host a request claimed."""
    user = find_by_email(email) if email else None
    if user is None or user.is_disabled:
        return
    token = _serializer().dumps({"u": user.id, "f": _fingerprint(user)})
    with force_locale(user.locale or "en"):
        subject = _("Reset your Timebank password")
        body = _(
            "Hello %(name)s,\n\nSomeone (hopefully you) asked to reset your Timebank "
            "password. Open this link within one hour to choose a new one:\n\n%(link)s"
            "\n\nIf you did not ask for this, ignore this message.",
            name=user.display_name,
            link=mail.address(link_for(token)),
        )
    mail.queue(user, subject, body)
    audit.record("password.reset_requested", actor=None, obj=user)


def user_for_reset_token(token: str) -> User:
    """The user a valid token belongs to. Raises ``NotAllowed`` for an expired, tampered or
    already used token."""
    invalid = NotAllowed(
        _l("This reset link is invalid, expired or already used. Ask for a new one.")
    )
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        raise invalid from None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise invalid
    user = db.session.get(User, data["u"])
    if user is None or user.is_disabled or data.get("f") != _fingerprint(user):
        raise invalid
    return user


def reset_link_problem(token: str) -> NotAllowed | None:
    """Why the reset link with ``token`` cannot be used (expired, tampered or already
    used); None when it can."""
    try:
        user_for_reset_token(token)
    except NotAllowed as error:
        return error
    return None


def reset_password(token: str, new_password: str) -> User:
    user = user_for_reset_token(token)
    passwords.check_policy(new_password, email=user.email, display_name=user.display_name)
    user.password_hash = passwords.hash_password(new_password)
    user.failed_logins = 0
    user.locked_until = None
    end_sessions(user)
    audit.record("password.reset", actor=user, obj=user)
    return user
