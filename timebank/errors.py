"""Translated error pages with no stack traces; domain errors become friendly messages.

A request for a host the site does not serve (not ``PUBLIC_URL``'s, nor one of
``EXTRA_HOSTS``) has no URL adapter, so nothing may call ``url_for`` for it: it gets a
plain page of its own (``errors/unknown_host.html``), before any other hook runs.

When the database (or Redis, where a request needs it) cannot be reached, every page is a
translated 503 with ``Retry-After`` (``errors/unavailable.html``): it is rendered without
touching the database (the signed-in user is not loaded; the language comes from the
session or the browser) and each such request logs one warning line, not a traceback."""

from __future__ import annotations

import contextlib
import logging

from flask import Flask, g, has_request_context, render_template, request
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, SecurityError

from timebank.extensions import db, login_manager
from timebank.services.exceptions import DomainError

log = logging.getLogger(__name__)

_PAGES = {400, 403, 404, 405, 409, 413, 429, 500, 503}
RETRY_AFTER_SECONDS = 30
# SQLite's "database is locked" is contention, not an outage: the busy page (409/503)
# covers it through the transaction helper's retries.
_NOT_OUTAGES = ("database is locked",)


def _redis_errors() -> tuple[type[BaseException], ...]:
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # pragma: no cover - redis is an optional extra
        return ()
    return (RedisConnectionError, RedisTimeoutError)


def outage_of(exc: BaseException) -> str | None:
    """ "database" or "redis" when ``exc`` (or what caused it) says the service cannot be
    reached; None for any other error."""
    seen: BaseException | None = exc
    for _depth in range(5):
        if seen is None:
            return None
        if isinstance(seen, OperationalError | InterfaceError | DisconnectionError):
            return None if any(t in str(seen) for t in _NOT_OUTAGES) else "database"
        if isinstance(seen, _redis_errors()):
            return "redis"
        seen = seen.__cause__ or seen.__context__
    return None


def _anonymous() -> None:
    """From here on the request has no signed-in user: nothing loads one from the
    database (Flask-Login reads ``g._login_user`` before asking its user loader)."""
    if has_request_context():
        g._login_user = login_manager.anonymous_user()


def unavailable(service: str, exc: BaseException | None = None):
    """The 503 page for an outage of ``service``; one log line per request."""
    _anonymous()
    with contextlib.suppress(Exception):  # the connection is what is broken
        db.session.rollback()
    detail = str(exc).strip().splitlines()[0][:200] if exc is not None else ""
    log.warning(
        "%s unavailable: %s %s: %s",
        service,
        request.method if has_request_context() else "-",
        request.url_rule.rule if has_request_context() and request.url_rule else "-",
        detail,
    )
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    return render_template("errors/unavailable.html"), 503, headers


def _unknown_host() -> bool:
    """Whether the request names a host outside ``TRUSTED_HOSTS`` (Flask then keeps the
    refusal as the routing exception and builds no URL adapter)."""
    return has_request_context() and isinstance(request.routing_exception, SecurityError)


def _render(status: int, message=None):
    db.session.rollback()
    if _unknown_host():
        return render_template("errors/unknown_host.html"), 400
    template = "errors/error.html"
    return render_template(template, status=status, message=message), status


def _refuse_unknown_host() -> None:
    """First of the request hooks: an unknown host goes straight to its error page, so no
    hook (CSRF, rate limits, the mail's site address) runs for it."""
    if _unknown_host():
        raise request.routing_exception  # type: ignore[misc]


def init_app(app: Flask) -> None:
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_unknown_host)

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        return _render(exc.status_code if exc.status_code >= 400 else 400, exc.message)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        cause = getattr(exc, "original_exception", None)
        service = outage_of(cause) if cause is not None else None
        if service is not None:
            return unavailable(service, cause)
        if request.path.startswith("/api/"):  # no API route matched: still a problem
            from timebank.api import problems

            return problems.from_http_exception(exc)
        if status not in _PAGES:
            return exc
        try:
            page, status = _render(status)
        except Exception as failure:  # noqa: BLE001 - the page needs the database
            service = outage_of(failure)
            if service is None:
                raise
            return unavailable(service, failure)
        # Keep the protocol headers the exception carries (``Allow`` on a 405).
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        return page, status, headers

    @app.errorhandler(Exception)
    def server_error(exc: Exception):
        service = outage_of(exc)
        if service is not None:
            return unavailable(service, exc)
        log.exception("unhandled error")
        try:
            return _render(500)
        except Exception as failure:  # noqa: BLE001 - the page itself failed
            service = outage_of(failure)
            if service is not None:
                return unavailable(service, failure)
            log.exception("the error page failed")
            _anonymous()
            return render_template("errors/unavailable.html", status=500), 500
