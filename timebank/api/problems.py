"""Errors as RFC 9457 problem details (``application/problem+json``), in the language
the client asks for with ``Accept-Language`` (the app's locale selector reads it)."""

from __future__ import annotations

from flask import Response, jsonify
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from timebank.extensions import db
from timebank.services.exceptions import DomainError, InvalidInput, LimitExceeded

TYPES = "https://timebank.example/problems/"


def problem(status: int, title: str, detail: str | None = None, *, kind: str = "about:blank",
            errors: dict | None = None, headers: dict | None = None) -> Response:  # fmt: skip
    body: dict = {"type": kind, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _titles() -> dict[int, str]:
    return {
        400: _("The request is not valid."),
        401: _("A valid API token is needed."),
        403: _("This token may not do that."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        409: _("This conflicts with an earlier request."),
        413: _("The request is too large."),
        415: _("Send JSON."),
        422: _("Some fields are not valid."),
        429: _("Too many requests. Wait a moment and try again."),
    }


def from_domain_error(error: DomainError) -> Response:
    db.session.rollback()
    message = str(error.message)
    if isinstance(error, InvalidInput) and error.field == "idempotency_key":
        return problem(409, _titles()[409], message, kind=TYPES + "idempotency-key-reused")
    status = error.status_code if error.status_code >= 400 else 400
    errors = {error.field: [message]} if error.field else None
    kind = TYPES + ("limit-exceeded" if isinstance(error, LimitExceeded) else "rule")
    return problem(status, _titles().get(status, message), message, kind=kind, errors=errors)


def from_http_exception(error: HTTPException) -> Response:
    db.session.rollback()
    status = error.code or 500
    errors = None
    data = getattr(error, "data", None)  # webargs' validation messages (flask-smorest)
    if isinstance(data, dict) and "messages" in data:
        errors = {
            field: messages
            for location in data["messages"].values()
            for field, messages in location.items()
        }
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    return problem(status, _titles().get(status, error.name), errors=errors, headers=headers)
