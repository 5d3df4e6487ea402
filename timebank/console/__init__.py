from flask import Blueprint

bp = Blueprint("console", __name__, url_prefix="/c/<slug>/coordinator")

from timebank.console import members, onboarding, tools  # noqa: E402,F401
