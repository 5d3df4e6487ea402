"""``flask --app timebank expire-listings``: the daily job (cron-safe, idempotent)."""

from __future__ import annotations

import click

from timebank.cli import parse_now
from timebank.database import transaction
from timebank.listings import bp
from timebank.services.listings import listings


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
    summary = transaction(lambda: listings.expire_due(now=now))  # delivers the reminders
    click.echo(f"{summary.expired} listings expired, {summary.reminded} reminders sent.")
