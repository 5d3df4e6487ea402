from flask import Blueprint

bp = Blueprint("metrics", __name__, url_prefix="/c/<slug>")

from timebank.metrics import cli, routes  # noqa: E402,F401
