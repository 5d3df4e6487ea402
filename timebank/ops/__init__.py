"""Operations: health and readiness probes, the Prometheus endpoint, structured request
logs, and ``backup`` / ``restore`` (docs/operations.md)."""

from flask import Blueprint

# cli_group=None: the commands sit at the top level (flask backup, flask restore).
bp = Blueprint("ops", __name__, cli_group=None)

from timebank.ops import cli, routes  # noqa: E402,F401
