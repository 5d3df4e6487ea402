"""Per-token rate limits (``API_RATE_LIMIT``, Flask-Limiter's notation and storage):
every answer says where the caller stands with ``RateLimit-Limit``,
``RateLimit-Remaining`` and ``RateLimit-Reset`` (seconds), and a request over the limit is
a 429 problem with ``Retry-After``. A storage failure lets the request through (as
``RATELIMIT_SWALLOW_ERRORS`` does for the web's limits)."""

from __future__ import annotations

import logging
import math
import time

from flask import after_this_request, current_app
from flask.wrappers import Response
from limits import parse_many
from werkzeug.exceptions import TooManyRequests

from timebank.extensions import limiter

log = logging.getLogger(__name__)


class _Refused(TooManyRequests):
    def __init__(self, headers: dict[str, str], retry_after: int):
        super().__init__(retry_after=retry_after)
        self.limit_headers = headers

    def get_headers(self, *args, **kwargs):
        return [*super().get_headers(*args, **kwargs), *self.limit_headers.items()]


def _windows(token_id: int) -> list[tuple[bool, int, int, int]]:
    """(allowed, limit, remaining, seconds to reset) for each limit, the hit counted."""
    strategy = limiter.limiter
    found = []
    for item in parse_many(current_app.config["API_RATE_LIMIT"]):
        allowed = strategy.hit(item, "api-token", str(token_id))
        stats = strategy.get_window_stats(item, "api-token", str(token_id))
        reset = max(0, math.ceil(stats.reset_time - time.time()))
        found.append((allowed, item.amount, stats.remaining, reset))
    return found


def check(token_id: int) -> None:
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    try:
        windows = _windows(token_id)
    except Exception:  # noqa: BLE001 - the limit's storage is down: let the request through
        log.exception("API rate limit storage failed")
        return
    if not windows:
        return
    # A refused window first, else the one with the fewest requests left.
    allowed, amount, remaining, reset = min(windows, key=lambda w: (w[0], w[2]))
    headers = {"RateLimit-Limit": str(amount), "RateLimit-Remaining": str(remaining),
               "RateLimit-Reset": str(reset)}  # fmt: skip
    if not allowed:
        raise _Refused(headers, max(reset, 1))

    @after_this_request
    def stamp(response: Response) -> Response:
        response.headers.update(headers)
        return response
