"""Sessions that logout really ends, security headers, and safe redirects."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Flask, Response, request
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user
from werkzeug.routing import BaseConverter, ValidationError

from timebank import database
from timebank.extensions import db, limiter
from timebank.models import User
from timebank.services import identifiers

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)


def load_user(session_id: str) -> User | None:
    """The cookie holds ``<user id>:<session token>``; a rotated token (logout, password
    change) or a disabled account ends the session."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isascii() or not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.is_disabled or user.session_token != token:
        return None
    return user


def is_safe_next(target: str | None) -> bool:
    """Only local paths: no scheme, no host, no backslash or protocol-relative tricks."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


class IdConverter(BaseConverter):
    """``<int:…>`` URL parts: an id by the rule every form and filter uses
    (``identifiers.parse_id``). ASCII digits only, so ``/exchanges/٣`` is not a second
    spelling of ``/exchanges/3``; beyond the database's integer range, 404 instead of an
    overflow error from the database."""

    regex = r"[0-9]+"
    weight = 50  # as werkzeug's own number converters, so routes keep their order

    def to_python(self, value: str) -> int:
        number = identifiers.parse_id(value)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value: int) -> str:
        return str(int(value))


def _mark_read_only() -> None:
    database.read_only.set(request.method in ("GET", "HEAD", "OPTIONS"))


def _retry_after() -> str:
    """Seconds until the limit that refused this request lets the next one through."""
    breached = limiter.current_limit
    if breached is None:
        return "60"
    return str(max(1, int(breached.reset_at - time.time())))


def _headers(response: Response) -> Response:
    headers = response.headers
    if response.status_code == 429 and "Retry-After" not in headers:
        headers["Retry-After"] = _retry_after()
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if current_user and current_user.is_authenticated and "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask, login_manager: LoginManager) -> None:
    app.url_map.converters["int"] = IdConverter
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)
    app.before_request(_mark_read_only)
    app.after_request(_headers)
