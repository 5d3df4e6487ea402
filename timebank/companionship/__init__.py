from flask import Blueprint

# Companionship requests, matching, arrangements and visits; safeguarding checks and the
# category requirements (coordinators).
bp = Blueprint("companionship", __name__, url_prefix="/c/<slug>/companionship")
safeguarding_bp = Blueprint("safeguarding", __name__, url_prefix="/c/<slug>/safeguarding")

from timebank.companionship import routes, safeguarding_routes  # noqa: E402,F401
from timebank.services import care_dashboard, dashboard  # noqa: E402

# Companionship's figures on the coordinator dashboard (once per process).
if care_dashboard.counts not in dashboard.PROVIDERS:
    dashboard.PROVIDERS.append(care_dashboard.counts)
