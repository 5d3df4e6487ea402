from flask import Blueprint

bp = Blueprint("proxy", __name__, url_prefix="/c/<slug>/for")

from timebank.proxy import routes  # noqa: E402,F401
