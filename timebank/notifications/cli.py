"""``flask --app timebank send-digest``: the weekly digest job (idempotent): announcements
and new listings. ``timebank jobs scheduler`` runs it every Monday; this runs it now."""

from __future__ import annotations

import click

from timebank.jobs import tasks
from timebank.models import utcnow
from timebank.notifications import bp
from timebank.services.messaging import digest


@bp.cli.command("send-digest")
def send_digest() -> None:
    """E-mail each member the announcements since their last digest and the new listings
    of the week in their categories and neighbourhood, at most once per ISO week."""
    now = utcnow()
    summary = tasks.send_digest(now)
    week = digest.week_of(now)
    click.echo(f"{week}: {summary.sent} digests queued, {summary.skipped} members had nothing new.")
