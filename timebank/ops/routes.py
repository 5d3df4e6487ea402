"""``/healthz`` (the process answers), ``/readyz`` (it can serve: database, migrations,
Redis) and ``/metrics`` (Prometheus; off unless ``METRICS_ENABLED``, and then only for
``METRICS_TOKEN`` or ``METRICS_ALLOWED_IPS``). None of them loads a user or a session."""

from __future__ import annotations

import hmac
import ipaddress

from flask import Response, abort, current_app, g, jsonify, request

from timebank.access import public
from timebank.extensions import csrf, limiter, login_manager
from timebank.ops import bp, breaker, checks, observability

bp.record_once(lambda state: breaker.init_app(state.app))  # type: ignore[arg-type]


@bp.before_request
def _no_user() -> None:
    g._login_user = login_manager.anonymous_user()


@bp.get("/healthz")
@limiter.exempt
@csrf.exempt
@public
def healthz() -> Response:
    response = jsonify(status="ok")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/readyz")
@limiter.exempt
@csrf.exempt
@public
def readyz() -> tuple[Response, int]:
    results = checks.readiness()
    ready = all(ok for ok, _detail in results.values())
    response = jsonify(
        status="ready" if ready else "unavailable",
        checks={name: {"ok": ok, "detail": detail} for name, (ok, detail) in results.items()},
    )
    response.headers["Cache-Control"] = "no-store"
    if not ready:
        response.headers["Retry-After"] = "30"
    return response, 200 if ready else 503


def _allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN") or ""
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    allowed = [p.strip() for p in (current_app.config.get("METRICS_ALLOWED_IPS") or "").split(",")]
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    for network in filter(None, allowed):
        try:
            if address in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            continue
    return False


@bp.get("/metrics")
@limiter.exempt
@csrf.exempt
@public
def metrics() -> Response:
    if not current_app.config.get("METRICS_ENABLED"):
        abort(404)
    if not _allowed():
        abort(403)
    body, content_type = observability.exposition()
    return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})
