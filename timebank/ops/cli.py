"""``flask backup PATH`` and ``flask restore PATH`` (docs/operations.md)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from timebank.ops import backup as backups
from timebank.ops import bp


def _summary(totals: dict) -> str:
    communities = totals["communities"]
    exchanges = sum(c["exchanges"] for c in communities.values())
    return f"{len(communities)} communities, {exchanges} exchanges, {totals['users']} users"


@bp.cli.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
def backup(path: Path) -> None:
    """Write a consistent backup (data and manifest.json) into the new folder PATH; safe
    while the site is in use."""
    try:
        manifest = backups.backup(path)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Backup written to {path}: {_summary(manifest['ledger_totals'])}, "
        f"schema {','.join(manifest['schema_revision'])}, sha256 {manifest['sha256'][:12]}."
    )


@bp.cli.command("restore")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
def restore(path: Path) -> None:
    """Restore the backup in PATH into the configured database, which must be empty; the
    ledger is then verified and compared with the manifest (a mismatch is refused and the
    database left empty)."""
    try:
        manifest, reports = backups.restore(path)
    except backups.BackupError as error:
        raise click.ClickException(f"Restore refused: {error}") from error
    for report in reports:
        click.echo(report.summary())
    click.echo(
        f"Restored the backup of {manifest['created_at']}: "
        f"{_summary(manifest['ledger_totals'])}; the ledger verifies."
    )
