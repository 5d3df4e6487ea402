from flask import Blueprint

bp = Blueprint("account", __name__, url_prefix="/account")

from timebank.account import privacy, routes  # noqa: E402,F401
