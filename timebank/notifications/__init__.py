from flask import Blueprint

# cli_group=None: the blueprint's commands sit at the top level (flask send-digest).
bp = Blueprint("notifications", __name__, url_prefix="/notifications", cli_group=None)

from timebank.notifications import cli, routes  # noqa: E402,F401
