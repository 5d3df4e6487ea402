from flask import Blueprint

bp = Blueprint("community", __name__, url_prefix="/c/<slug>")

from timebank.community import routes  # noqa: E402,F401
