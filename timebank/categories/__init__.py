from flask import Blueprint

bp = Blueprint("categories", __name__, url_prefix="/c/<slug>/categories")

from timebank.categories import routes  # noqa: E402,F401
