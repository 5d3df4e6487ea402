from flask import Blueprint

bp = Blueprint("conversations", __name__, url_prefix="/c/<slug>/conversations")

from timebank.conversations import routes  # noqa: E402,F401
