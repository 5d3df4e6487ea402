"""Command-line tasks: ``flask --app timebank demo | create-admin | create-community |
verify-ledger | expire-pending | report | jobs``."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import func, select

from timebank.database import reading, transaction
from timebank.extensions import db
from timebank.jobs.cli import jobs
from timebank.models import Community, Role, User
from timebank.services.auth import users as accounts
from timebank.services.community import communities
from timebank.services.exceptions import DomainError


def _fail(error: DomainError) -> None:
    raise click.ClickException(str(error.message))


def parse_now(now_text: str | None) -> datetime | None:
    """A daily job's ``--now`` (ISO 8601, UTC when it names no zone), or None for now."""
    if not now_text:
        return None
    try:
        now = datetime.fromisoformat(now_text)
    except ValueError as exc:
        raise click.BadParameter("use an ISO 8601 date and time", param_hint="--now") from exc
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


@click.command("create-admin")
@with_appcontext
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.password_option()
def create_admin(email: str, display_name: str, password: str) -> None:
    """Create an installation administrator."""
    try:
        transaction(
            lambda: accounts.create_user(
                email=email, display_name=display_name, password=password, is_admin=True
            )
        )
    except DomainError as error:
        _fail(error)
    click.echo(f"Administrator {email} created.")


@click.command("create-community")
@with_appcontext
@click.option("--slug", required=True)
@click.option("--name", required=True)
@click.option("--name-ar", default=None)
@click.option("--locale", type=click.Choice(["en", "ar"]), default="en")
@click.option(
    "--coordinator",
    "coordinator_email",
    default=None,
    help="E-mail of an existing account to appoint as coordinator.",
)
def create_community(
    slug: str, name: str, name_ar: str | None, locale: str, coordinator_email: str | None
) -> None:
    """Create a community (time bank), optionally appointing its first coordinator."""

    def work() -> Community:
        community = communities.create(
            actor=None, slug=slug, name=name, name_ar=name_ar, locale=locale
        )
        if coordinator_email:
            communities.appoint(
                community, email=coordinator_email, role=Role.COORDINATOR, actor=None
            )
        return community

    try:
        community = transaction(work)
    except DomainError as error:
        _fail(error)
    click.echo(f"Community /c/{community.slug}/ created.")


@click.command("demo")
@with_appcontext
def demo() -> None:
    """Load the demo community into an empty database (does nothing otherwise)."""
    from timebank.demo import load_demo

    if db.session.scalar(select(func.count()).select_from(User)):
        click.echo("The database already has accounts; the demo was not loaded.")
        return
    summary = transaction(load_demo)
    click.echo(summary)


@click.command("verify-ledger")
@click.option(
    "--rebuild-read-models",
    is_flag=True,
    help="First recompute each account's last exchange date and the monthly metrics "
    "rollups from the exchanges.",
)
@with_appcontext
def verify_ledger(rebuild_read_models: bool = False) -> None:
    """Check the ledger of every community (zero sums, cached balances, two legs per
    posted exchange, derivable past balances, read models); exit 1 on any violation."""
    from timebank.services.ledger import activity, rollup_model
    from timebank.services.ledger.verification import verify_all

    if rebuild_read_models:
        count = transaction(lambda: activity.rebuild())
        click.echo(f"{count} accounts' last exchange dates recomputed.")
        count = transaction(lambda: rollup_model.rebuild())
        click.echo(f"{count} monthly metrics rollup rows recomputed.")
    reports = verify_all()
    for report in reports:
        click.echo(report.summary())
        for problem in report.problems:
            click.echo(f"  - {problem}", err=True)
        for note in report.notes:
            click.echo(f"  · {note}")
    failed = [r for r in reports if not r.ok]
    from timebank.ops.observability import record_ledger_verification

    record_ledger_verification(not failed, len(reports), len(failed))
    click.echo(f"{len(reports)} communities checked, {len(failed)} with problems.")
    if failed:
        raise SystemExit(1)


@click.command("expire-pending")
@with_appcontext
def expire_pending() -> None:
    """Expire exchanges left unconfirmed longer than their community allows (idempotent,
    safe to run from cron at any frequency)."""
    from timebank.jobs import tasks

    count = tasks.expire_exchanges()
    click.echo(f"{count} unconfirmed exchanges expired.")


@click.command("report")
@with_appcontext
@click.option("--community", "slug", required=True, help="The community's slug.")
@click.option("--from", "start", required=True, help="First day, YYYY-MM-DD.")
@click.option("--to", "end", required=True, help="Last day, YYYY-MM-DD.")
@click.option("--format", "fmt", required=True, help="pdf, xlsx, csv (zipped) or json.")
@click.option("--output", required=True, type=click.Path(dir_okay=False, writable=True))
@click.option(
    "--locale",
    type=click.Choice(["en", "ar"]),
    default=None,
    help="Language of the report (default: the community's).",
)
def report(slug: str, start: str, end: str, fmt: str, output: str, locale: str | None) -> None:
    """Write an activity report for a community and period (for scheduled jobs)."""
    from timebank.services.metrics import periods
    from timebank.services.reports import files as reports

    with reading():  # only the audit event at the end writes
        community = db.session.scalar(select(Community).where(Community.slug == slug))
        if community is None:
            raise click.ClickException(f"No community with the slug {slug!r}.")
        try:
            period = periods.from_dates(
                periods.parse_date(start, field="from"), periods.parse_date(end, field="to")
            )
            file = transaction(
                lambda: reports.produce(
                    community,
                    period,
                    fmt.lower(),
                    locale=locale or community.locale,
                    actor=None,
                )
            )
        except DomainError as error:
            _fail(error)
    with open(output, "wb") as handle:
        handle.write(file.content)
    click.echo(f"{file.filename}: {len(file.content)} bytes written to {output}.")


COMMANDS = (
    create_admin,
    create_community,
    demo,
    verify_ledger,
    expire_pending,
    report,
    jobs,
)


def init_app(app: Flask) -> None:
    """Register the installation's commands (each area's blueprint adds its own jobs)."""
    for command in COMMANDS:
        app.cli.add_command(command)
