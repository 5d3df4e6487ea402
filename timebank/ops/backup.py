"""Backups that restore (docs/operations.md).

A backup is a folder: the data (SQLite: ``database.sqlite3``, a copy made with SQLite's
online backup API; PostgreSQL: ``database.dump``, ``pg_dump --format=custom``) and
``manifest.json`` (when, the engine, the schema revision, the ledger's totals and the
data's SHA-256). The totals are read from the same snapshot the data holds (the copy
itself; on PostgreSQL the exported snapshot ``pg_dump`` uses), so a backup taken while
members post exchanges is consistent.

A restore goes into an empty database only. It checks the checksum, loads the data, then
reads the totals back and verifies the ledger; if either disagrees, it empties the
database again and refuses."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import Connection, Engine

from timebank.extensions import db
from timebank.models import Account, Community, Entry, Exchange, User
from timebank.ops.checks import current_revisions

MANIFEST = "manifest.json"
DATA = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
FORMAT = 1


class BackupError(Exception):
    """A backup that cannot be made or restored (the message says why)."""


def ledger_totals(connection: Connection) -> dict[str, Any]:
    """Per community: accounts, exchanges, entries, the minutes moved and the sum of
    balances; and the number of accounts of people. Equal totals, equal ledgers."""
    communities: dict[str, dict[str, int]] = {}
    for community_id, slug in connection.execute(
        select(Community.id, Community.slug).order_by(Community.id)
    ):
        accounts, balances = connection.execute(
            select(func.count(), func.coalesce(func.sum(Account.balance), 0)).where(
                Account.community_id == community_id
            )
        ).one()
        exchanges, last_exchange = connection.execute(
            select(func.count(), func.coalesce(func.max(Exchange.id), 0)).where(
                Exchange.community_id == community_id
            )
        ).one()
        entries, moved = connection.execute(
            select(func.count(), func.coalesce(func.sum(func.abs(Entry.delta)), 0))
            .join(Account, Entry.account_id == Account.id)
            .where(Account.community_id == community_id)
        ).one()
        communities[slug] = {
            "accounts": int(accounts),
            "balance_sum": int(balances),
            "exchanges": int(exchanges),
            "last_exchange_id": int(last_exchange),
            "entries": int(entries),
            "minutes_moved": int(moved),
        }
    users = connection.execute(select(func.count()).select_from(User)).scalar_one()
    return {"users": int(users), "communities": communities}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _engine_name(engine: Engine) -> str:
    name = engine.dialect.name
    if name not in DATA:
        raise BackupError(f"backups of {name} databases are not supported")
    return name


def _libpq(engine: Engine) -> tuple[str, dict[str, str]]:
    """A URL pg_dump and pg_restore understand, and the password in the environment
    (not on their command line, where other users of the machine could read it)."""
    url = engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str] | None = None) -> None:
    # The command is pg_dump or pg_restore with the configured database's own URL.
    result = subprocess.run(  # noqa: S603
        command, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:500]}")


def _write_manifest(folder: Path, engine: str, revision: list[str], totals: dict) -> dict:
    data = folder / DATA[engine]
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "engine": engine,
        "schema_revision": revision,
        "ledger_totals": totals,
        "file": data.name,
        "sha256": _sha256(data),
        "bytes": data.stat().st_size,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def backup(folder: Path) -> dict:
    """Write a backup of the app's database into ``folder`` (new or empty)."""
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty")
    folder.mkdir(parents=True, exist_ok=True)
    engine = _engine_name(db.engine)
    if engine == "sqlite":
        target = folder / DATA[engine]
        source = sqlite3.connect(str(db.engine.url.database))
        copy = sqlite3.connect(str(target))
        try:
            source.backup(copy)  # one step: a consistent snapshot, writers keep going
        finally:
            copy.close()
            source.close()
        snapshot = create_engine(f"sqlite:///{target}")
        try:
            with snapshot.connect() as connection:
                revision, totals = sorted(current_revisions(connection)), ledger_totals(connection)
        finally:
            snapshot.dispose()
        return _write_manifest(folder, engine, revision, totals)
    url, env = _libpq(db.engine)
    snapshot_reader = db.engine.connect().execution_options(isolation_level="REPEATABLE READ")
    with snapshot_reader as conn, conn.begin():
        name = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        revision, totals = sorted(current_revisions(conn)), ledger_totals(conn)
        dump = [shutil.which("pg_dump") or "pg_dump", "--format=custom", f"--snapshot={name}"]
        _run([*dump, "--file", str(folder / DATA[engine]), url], env)
    return _write_manifest(folder, engine, revision, totals)


def read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"no readable {MANIFEST} in {folder}") from exc
    data = folder / str(manifest.get("file", ""))
    if manifest.get("format") != FORMAT or not data.is_file():
        raise BackupError(f"{folder} is not a backup this version can restore")
    if _sha256(data) != manifest.get("sha256"):
        raise BackupError(f"{data.name} does not match the checksum in the manifest")
    return manifest


def _empty(engine: Engine) -> bool:
    return not inspect(engine).get_table_names()


def _wipe(engine: Engine, name: str) -> None:
    """Back to an empty database after a refused restore."""
    db.session.remove()
    if name == "sqlite":
        engine.dispose()
        path = Path(str(engine.url.database))
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        return
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def restore(folder: Path) -> tuple[dict, list]:
    """Restore the backup in ``folder`` into the app's empty database; the manifest and
    the ledger reports. Raises ``BackupError`` (leaving the database empty) on any
    disagreement."""
    from timebank.services.ledger.verification import verify_all

    manifest = read_manifest(folder)
    engine = db.engine
    name = _engine_name(engine)
    if manifest["engine"] != name:
        raise BackupError(f"this is a {manifest['engine']} backup; the database is {name}")
    db.session.remove()
    if not _empty(engine):
        raise BackupError("the database is not empty: restore only into a new database")
    data = folder / manifest["file"]
    db.session.remove()
    if name == "sqlite":
        engine.dispose()
        target = Path(str(engine.url.database))
        for leftover in (Path(f"{target}-wal"), Path(f"{target}-shm")):
            leftover.unlink(missing_ok=True)
        with (
            data.open("rb") as source,
            tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as partial,
        ):
            shutil.copyfileobj(source, partial)
        os.replace(partial.name, target)
    else:
        url, env = _libpq(engine)
        restore_cmd = [shutil.which("pg_restore") or "pg_restore", "--no-owner"]
        try:
            _run(
                [*restore_cmd, "--exit-on-error", "--single-transaction", "-d", url, str(data)], env
            )
        except BackupError:
            _wipe(engine, name)
            raise
    try:
        with engine.connect() as connection:
            revision, totals = sorted(current_revisions(connection)), ledger_totals(connection)
        if revision != manifest["schema_revision"]:
            raise BackupError("the restored schema revision differs from the manifest's")
        if totals != manifest["ledger_totals"]:
            raise BackupError("the restored ledger totals differ from the manifest's")
        reports = verify_all()
        db.session.rollback()
        if not all(report.ok for report in reports):
            raise BackupError(
                "the restored ledger does not verify: "
                + "; ".join(problem for report in reports for problem in report.problems)[:500]
            )
    except Exception:
        _wipe(engine, name)
        raise
    return manifest, reports
