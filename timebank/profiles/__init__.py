from flask import Blueprint

bp = Blueprint("profiles", __name__, url_prefix="/c/<slug>")

from timebank.profiles import routes  # noqa: E402,F401
