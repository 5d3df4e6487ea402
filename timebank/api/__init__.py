"""The public JSON API, version 1 (``/api/v1/``): personal access tokens, the same
services and permission checks as the web pages, RFC 9457 problem details, and an
OpenAPI 3.1 document generated from the schemas that validate the requests
(flask-smorest; see docs/api.md)."""

from flask_smorest import Blueprint
from werkzeug.exceptions import HTTPException

from timebank.api import etags, problems
from timebank.services.exceptions import DomainError

bp = Blueprint(
    "api",
    __name__,
    url_prefix="/api/v1",
    description="Members, balances, statements, listings and exchanges of a time bank.",
)

bp.register_error_handler(DomainError, problems.from_domain_error)
bp.register_error_handler(HTTPException, problems.from_http_exception)
bp.after_request(etags.conditional)

from timebank.api import (  # noqa: E402
    routes,  # noqa: F401
    routes_companionship,  # noqa: F401
    routes_exchanges,  # noqa: F401
    routes_listings,  # noqa: F401
    routes_members,  # noqa: F401
    routes_metrics,  # noqa: F401
    routes_neighbourhoods,  # noqa: F401
    routes_notifications,  # noqa: F401
)
