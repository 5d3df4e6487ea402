from flask import Blueprint

bp = Blueprint("account", __name__, url_prefix="/account")

from timebank.account import (  # noqa: E402,F401
    routes,
    routes_privacy,
    routes_tokens,
    routes_two_factor,
)
