from flask import Blueprint

bp = Blueprint("console", __name__, url_prefix="/c/<slug>/coordinator")

from timebank.console import (  # noqa: E402,F401
    routes_members,
    routes_neighbourhoods,
    routes_onboarding,
    routes_security,
    routes_tools,
    routes_webhooks,
)
