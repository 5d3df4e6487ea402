from flask import Blueprint

bp = Blueprint("account", __name__, url_prefix="/account")

from timebank.account import routes, routes_privacy, routes_two_factor  # noqa: E402,F401
