"""``flask --app timebank remind-checks``: the daily safeguarding job (cron-safe,
idempotent): coordinators hear once about each check that is about to expire."""

from __future__ import annotations

import click

from timebank.cli import parse_now
from timebank.companionship import safeguarding_bp
from timebank.jobs import tasks


@safeguarding_bp.cli.command("remind-checks")
@click.option(
    "--now",
    "now_text",
    default=None,
    help="Pretend it is this UTC moment (ISO 8601), e.g. to catch up after an outage.",
)
def remind_checks(now_text: str | None) -> None:
    """Notify the coordinators of checks expiring within 30 days (once per check)."""
    now = parse_now(now_text)
    told = tasks.remind_checks(now)
    click.echo(f"{told} expiring safeguarding checks notified to the coordinators.")
