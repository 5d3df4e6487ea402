"""``flask --app timebank metrics refresh``: compute the dashboard's summaries ahead of the
members who open it (cron-safe, idempotent; a summary still current costs one read)."""

from __future__ import annotations

import click

from timebank.database import reading, transaction
from timebank.metrics import bp
from timebank.services.metrics import api as metrics


@bp.cli.command("refresh")
@click.option("--community", "community_ids", type=int, multiple=True, help="Only this id.")
def refresh(community_ids: tuple[int, ...]) -> None:
    """Compute the summaries that are missing or out of date, for every community."""
    with reading():  # computing only reads; the summaries are written at the commit
        count = transaction(lambda: metrics.refresh(community_ids or None))
    click.echo(f"{count} summaries computed.")
