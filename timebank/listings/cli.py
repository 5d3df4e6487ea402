"""``flask --app timebank expire-listings``: the daily job (idempotent; `timebank jobs
scheduler` runs it every night, this runs it now)."""

from __future__ import annotations

import click

from timebank.cli import parse_now
from timebank.jobs import tasks
from timebank.listings import bp


@bp.cli.command("expire-listings")
@click.option(
    "--now",
    "now_text",
    default=None,
    help="Pretend it is this UTC moment (ISO 8601), e.g. to catch up after an outage.",
)
def expire_listings(now_text: str | None) -> None:
    """Expire listings whose time has run out and remind owners a few days before."""
    now = parse_now(now_text)
    summary = tasks.expire_listings(now)  # its commit hands the reminders to send_mail
    click.echo(f"{summary.expired} listings expired, {summary.reminded} reminders sent.")
