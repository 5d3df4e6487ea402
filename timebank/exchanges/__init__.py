"""Hour pages: my hours, recording and confirming exchanges, the statement, donations, and
the coordinators' approval queue, reversals, grants, group exchanges, policy and limits."""

from flask import Blueprint

bp = Blueprint("exchanges", __name__, url_prefix="/c/<slug>")

from timebank.exchanges import routes, routes_coordinator  # noqa: E402,F401
from timebank.exchanges.labels import label as _category_label  # noqa: E402

bp.add_app_template_filter(_category_label, "category")
