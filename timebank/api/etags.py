"""ETags on the API's reads: every successful GET answer carries a strong ``ETag`` (a
digest of its body), and a request whose ``If-None-Match`` names it is answered
``304 Not Modified`` without the body, so a kiosk polling a listing or a balance moves
nothing when nothing changed."""

from __future__ import annotations

from flask import request
from flask.wrappers import Response


def conditional(response: Response) -> Response:
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    if response.direct_passthrough or response.is_streamed:
        return response
    response.add_etag()
    response.headers["Cache-Control"] = "private, no-cache"
    response.make_conditional(request)  # changes ``response`` in place
    return response
