"""The web side of two-factor sign-in (services/auth/two_factor.py holds the rules): the
half-way state between the password and the code, the remembered-device cookie, the
rate limit on codes, and the QR code drawn on this server (no third party sees the
secret)."""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import current_app, request, session
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import StringField, ValidationError
from wtforms.validators import DataRequired, Length, Optional

from timebank.extensions import db, limiter
from timebank.forms import NoControlCharacters
from timebank.models import User
from timebank.security import is_safe_next
from timebank.services.auth import two_factor

PENDING = "two_factor_pending"
# The code must follow the password within ten minutes, or the password is asked again.
PENDING_SECONDS = 600
DEVICE_COOKIE = "timebank_device"
DEVICE_COOKIE_PATH = "/auth/"  # sent to the sign-in pages only


# -- Between the password and the code ---------------------------------------------


def begin(user: User, next_url: str | None) -> None:
    """The password was right and a code is needed: a fresh session that names ``user``
    but does not sign them in (only ``security.load_user``'s cookie does)."""
    chosen = session.get("lang")
    session.clear()
    session[PENDING] = {
        "u": user.id,
        "t": user.session_token,
        "at": int(time.time()),
        "next": next_url if next_url and is_safe_next(next_url) else None,
    }
    if chosen:
        session["lang"] = chosen


def _pending() -> dict | None:
    data = session.get(PENDING)
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    started = data.get("at")
    if not isinstance(started, int) or not 0 <= time.time() - started <= PENDING_SECONDS:
        return None
    return data


def pending_user() -> User | None:
    """Who typed the right password in this browser within ``PENDING_SECONDS``; None when
    nobody did, it is too late, or they logged out everywhere or changed password since."""
    data = _pending()
    if data is None:
        return None
    user = db.session.get(User, data["u"])
    if user is None or user.is_disabled or user.session_token != data.get("t"):
        return None
    return user


def pending_next() -> str | None:
    data = _pending()
    target = data.get("next") if data else None
    return target if isinstance(target, str) and is_safe_next(target) else None


def end_pending() -> None:
    session.pop(PENDING, None)


# -- Remembered device --------------------------------------------------------------


def device_cookie() -> str | None:
    return request.cookies.get(DEVICE_COOKIE)


def remember_device(response: Response, token: str) -> Response:
    """A signed, HttpOnly cookie (Secure where the session cookie is) for
    ``two_factor.remember_days()`` days, read only by the sign-in pages."""
    response.set_cookie(
        DEVICE_COOKIE,
        token,
        max_age=two_factor.remember_days() * 86400,
        path=DEVICE_COOKIE_PATH,
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Lax",
    )
    return response


# -- Rate limit ---------------------------------------------------------------------


def _code_limit() -> str:
    return current_app.config.get("TWO_FACTOR_RATE_LIMIT", "10 per hour")


def _code_key() -> str:
    """Counted per person (whoever is half-way or signed in), not per address, so a new
    session or another address does not buy more guesses."""
    data = _pending()
    if data is not None:
        return f"two-factor:{data['u']}"
    if current_user.is_authenticated:
        return f"two-factor:{current_user.id}"
    return f"two-factor-address:{get_remote_address()}"


def _wrong_code(response: Response) -> bool:
    return response.status_code == 400


def limited_code_checks(view: Callable) -> Callable:
    """Wrong codes (answered 400) count against ``TWO_FACTOR_RATE_LIMIT``; once it is
    spent, every attempt answers 429 with ``Retry-After`` until the window ends."""
    return limiter.limit(
        _code_limit, methods=["POST"], key_func=_code_key, deduct_when=_wrong_code
    )(view)


# -- The QR code --------------------------------------------------------------------


def qr_code(user: User) -> str:
    """The ``otpauth://`` address of ``user``'s secret as an SVG ``data:`` URI (the page's
    Content-Security-Policy allows ``img-src data:``), black on white for any theme."""
    import segno  # here, not at the top: 80 ms every command-line job would pay

    symbol = segno.make(two_factor.provisioning_uri(user), error="m")
    return symbol.svg_data_uri(scale=5, border=4, dark="#000", light="#fff")


def secret_in_groups(secret: str) -> str:
    """The secret as it is typed into an app by hand: groups of four."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


# --- the code fields of the sign-in and turn-off forms (auth and account) -----------------


class SixDigits:
    """A code from an authenticator app: six digits once spaces are gone."""

    def __call__(self, form, field):
        if field.data and not two_factor.is_code_shaped(field.data):
            raise ValidationError(_l("Enter the 6 digits your app shows."))


def one_time_code_field(*, required: bool = True) -> StringField:
    """Six digits from an authenticator app (two-factor sign-in): Arabic-Indic and other
    digits are read as digits, phones show a numeric keypad, and browsers may fill in a
    code they received (``autocomplete="one-time-code"``)."""
    return StringField(
        _l("Code from your app"),
        description=_l("The 6 digits your authenticator app shows now."),
        filters=[two_factor.normalise_code],
        validators=[
            DataRequired(message=_l("Enter the 6 digits your app shows."))
            if required
            else Optional(),
            Length(max=64, message=_l("Enter the 6 digits your app shows.")),
            SixDigits(),
        ],
        render_kw={"inputmode": "numeric", "autocomplete": "one-time-code"},
    )


def recovery_code_field() -> StringField:
    """One of the ten single-use recovery codes, for someone without their phone."""
    return StringField(
        _l("Recovery code"),
        description=_l("One of the ten codes you saved, like 7KQ2-M9XD-4HVA-P3RT."),
        validators=[
            Optional(),
            Length(max=64, message=_l("A recovery code has 16 letters and digits.")),
            NoControlCharacters(),
        ],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )


class CodeOrRecoveryCode:
    """For a form with an optional ``code`` (``one_time_code_field(required=False)``) and a
    ``recovery_code``: one of the two must be given (a form mixin, before ``Form``)."""

    code: StringField
    recovery_code: StringField

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)  # type: ignore[misc]
        if valid and not self.code.data and not self.recovery_code.data:
            self.code.errors = [_l("Enter the code from your app, or a recovery code.")]
            return False
        return valid
