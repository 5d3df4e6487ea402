from flask import Blueprint

bp = Blueprint("codesign", __name__, url_prefix="/c/<slug>/codesign")

from timebank.codesign import routes, routes_activities  # noqa: E402,F401
