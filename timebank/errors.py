"""Translated error pages with no stack traces; domain errors become friendly messages."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException

from timebank.extensions import db
from timebank.services.exceptions import DomainError

log = logging.getLogger(__name__)

_PAGES = {400, 403, 404, 405, 409, 413, 429, 500, 503}


def _render(status: int, message=None):
    db.session.rollback()
    template = "errors/error.html"
    return render_template(template, status=status, message=message), status


def init_app(app: Flask) -> None:
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
