"""``flask --app timebank send-digest``: the weekly digest job (cron-safe, idempotent):
announcements and new listings."""

from __future__ import annotations

from functools import partial

import click
from sqlalchemy.exc import IntegrityError

from timebank.database import transaction
from timebank.models import utcnow
from timebank.notifications import bp
from timebank.services.messaging import digest


@bp.cli.command("send-digest")
def send_digest() -> None:
    """E-mail each member the announcements since their last digest and the new listings
    of the week in their categories and neighbourhood, at most once per ISO week."""
    now = utcnow()
    week = digest.week_of(now)
    summary = digest.Summary()
    for user_id in digest.candidates(week):
        try:
            # Each commit delivers its own digest (``transaction``).
            sent = transaction(partial(digest.send_for, user_id, week, now))
        except IntegrityError:  # another run sent it meanwhile
            sent = False
        if sent:
            summary.sent += 1
        else:
            summary.skipped += 1
    click.echo(f"{week}: {summary.sent} digests queued, {summary.skipped} members had nothing new.")
