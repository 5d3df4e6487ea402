from flask import Blueprint

bp = Blueprint("console", __name__, url_prefix="/c/<slug>/coordinator")

from timebank.console import routes_members, routes_onboarding, routes_tools  # noqa: E402,F401
