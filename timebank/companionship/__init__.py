from flask import Blueprint

# Companionship requests, matching, arrangements and visits; safeguarding checks and the
# category requirements (coordinators).
bp = Blueprint("companionship", __name__, url_prefix="/c/<slug>/companionship")
# cli_group=None: its command sits at the top level (flask remind-checks).
safeguarding_bp = Blueprint(
    "safeguarding", __name__, url_prefix="/c/<slug>/safeguarding", cli_group=None
)

from timebank.companionship import (  # noqa: E402,F401
    cli,
    routes,
    routes_coordinator,
    routes_feed,
    routes_safeguarding,
    routes_schedule,
)
from timebank.services.community import dashboard  # noqa: E402
from timebank.services.companionship import dashboard as care_dashboard  # noqa: E402

# Companionship's figures on the coordinator dashboard (once per process).
if care_dashboard.counts not in dashboard.PROVIDERS:
    dashboard.PROVIDERS.append(care_dashboard.counts)
