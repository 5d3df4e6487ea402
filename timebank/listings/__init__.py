from flask import Blueprint

# cli_group=None: the blueprint's commands sit at the top level (flask expire-listings).
bp = Blueprint("listings", __name__, url_prefix="/c/<slug>/listings", cli_group=None)

from timebank.listings import cli, routes  # noqa: E402,F401
