"""Translated error pages with no stack traces; domain errors become friendly messages.

A request for a host the site does not serve (not ``PUBLIC_URL``'s, nor one of
``EXTRA_HOSTS``) has no URL adapter, so nothing may call ``url_for`` for it: it gets a
plain page of its own (``errors/unknown_host.html``), before any other hook runs."""

from __future__ import annotations

import logging

from flask import Flask, has_request_context, render_template, request
from werkzeug.exceptions import HTTPException, SecurityError

from timebank.extensions import db
from timebank.services.exceptions import DomainError

log = logging.getLogger(__name__)

_PAGES = {400, 403, 404, 405, 409, 413, 429, 500, 503}


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
        if status not in _PAGES:
            return exc
        page, status = _render(status)
        # Keep the protocol headers the exception carries (``Allow`` on a 405).
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        return page, status, headers

    @app.errorhandler(Exception)
    def server_error(exc: Exception):
        log.exception("unhandled error")
        return _render(500)
