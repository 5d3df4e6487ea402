"""Cross-origin requests to the API (CORS), off unless the installation lists the web
origins that may call it from a browser (``API_CORS_ORIGINS``, comma-separated; ``*`` for
any). Only ``/api/`` answers with CORS headers; the web pages never do. No credentials
are allowed across origins: the API authenticates with tokens, never cookies."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask.wrappers import Response

PREFIX = "/api/"
ALLOWED_HEADERS = "Authorization, Content-Type, Idempotency-Key, If-None-Match, Accept-Language"
EXPOSED_HEADERS = (
    "ETag, Location, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset"
)
MAX_AGE = "600"


def allowed_origins(setting: str | None) -> frozenset[str]:
    """The configured origins, without trailing slashes or blanks."""
    return frozenset(o.strip().rstrip("/") for o in (setting or "").split(",") if o.strip())


def _allowed(origin: str) -> str | None:
    """What ``Access-Control-Allow-Origin`` says for ``origin``, or None (refused)."""
    origins = allowed_origins(current_app.config.get("API_CORS_ORIGINS"))
    if "*" in origins:
        return "*"
    return origin if origin in origins else None


def add_headers(response: Response) -> Response:
    if not request.path.startswith(PREFIX):
        return response
    response.vary.add("Origin")
    origin = request.headers.get("Origin")
    allowed = _allowed(origin) if origin else None
    if allowed is None:
        return response
    response.headers["Access-Control-Allow-Origin"] = allowed
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        methods = response.headers.get("Allow") or "GET, POST, PATCH"
        response.headers["Access-Control-Allow-Methods"] = methods
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = MAX_AGE
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_headers)
