"""Streamed CSV exports against the engine's own CSV tool (issue 15: "exports stream at
≥ 0.5 of the engine's own CSV tool"):

    python -m benchmarks exports --url URL [--kind members|exchanges] [--runs 3]

On a database from ``benchmarks generate``: the export (``services.reports.exports.
csv_stream``, the code the export routes stream) of the first community over the generated
year, written to /dev/null, against the **same SQL** (captured as the export ran, with its
parameters inlined) run by ``sqlite3 -csv`` or ``psql -c "\\copy (…) TO '/dev/null' CSV"``.
Best of ``--runs`` for each, the tool's time less its start (an empty query); prints one
JSON line with rows/s, the ratio (export rows/s ÷ tool rows/s) and the load average."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import time
from datetime import date

from benchmarks.generate import make_app
from benchmarks.population import END, START


def _literal(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _inline(pg: bool, connection, sql: str, params) -> str:
    """The statement with its parameters written in, for the command-line tool."""
    if pg:
        import psycopg

        with psycopg.ClientCursor(connection) as cursor:
            return cursor.mogrify(sql, params)
    parts = sql.split("?")
    values = list(params or ())
    return parts[0] + "".join(_literal(v) + part for v, part in zip(values, parts[1:], strict=True))


def export(url: str, kind: str) -> dict:
    """Stream the export once; returns rows, seconds, CPU and the SQL it ran."""
    import psycopg
    from sqlalchemy import event, select

    from timebank.extensions import db
    from timebank.models import Community
    from timebank.services.metrics import periods
    from timebank.services.reports import exports

    app = make_app(url)
    captured: list[tuple] = []
    with app.test_request_context():
        community = db.session.scalars(select(Community).order_by(Community.id)).first()
        if community is None:
            raise SystemExit("no community: run `python -m benchmarks generate` first")
        period = periods.custom(START + date.resolution, END)
        db.session.commit()

        def capture(conn, cursor, statement, parameters, context, executemany):
            captured.append((cursor.connection, statement, parameters))

        event.listen(db.engine, "before_cursor_execute", capture)
        # On PostgreSQL the export streams on the driver's cursor (services.reports.
        # streaming), past SQLAlchemy's events: capture it there too.
        stream = psycopg.Cursor.stream

        def capturing(cursor, query, params=None, **kwargs):
            captured.append((cursor.connection, query, params))
            return stream(cursor, query, params, **kwargs)

        psycopg.Cursor.stream = capturing  # type: ignore[method-assign]
        started, cpu = time.perf_counter(), time.process_time()
        rows = 0
        with open(os.devnull, "w", encoding="utf-8") as sink:
            for chunk in exports.csv_stream(kind, community.id, period):
                sink.write(chunk)
                rows += chunk.count("\r\n")
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        event.remove(db.engine, "before_cursor_execute", capture)
        psycopg.Cursor.stream = stream  # type: ignore[method-assign]
        connection, statement, parameters = captured[-1]
        pg = db.engine.dialect.name == "postgresql"
        sql = _inline(pg, connection, statement, parameters)
        db.session.remove()
        db.engine.dispose()
    return {"rows": rows - 1, "seconds": elapsed, "cpu_s": cpu, "sql": sql, "pg": pg}


def tool(url: str, sql: str, pg: bool) -> dict:
    """The engine's own CSV tool on the same SQL, to /dev/null."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if pg:
        plain = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        one_line = " ".join(sql.split())
        command = [shutil.which("psql") or "psql", plain, "-q", "-c",
                   f"\\copy ({one_line}) TO '/dev/null' WITH (FORMAT csv, HEADER)"]  # fmt: skip
    else:
        command = [shutil.which("sqlite3") or "sqlite3", "-csv", "-header", str(parsed.database),
                   sql]  # fmt: skip
    started = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        process = subprocess.Popen(command, stdout=sink)
        _pid, status, usage = os.wait4(process.pid, 0)
    if status:
        raise SystemExit(f"{command[0]} exited with status {status}")
    return {"seconds": time.perf_counter() - started, "cpu_s": usage.ru_utime + usage.ru_stime}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks exports",
                                     description=__doc__.splitlines()[0])  # fmt: skip
    parser.add_argument("--url", required=True, help="a database from `benchmarks generate`")
    parser.add_argument("--kind", choices=("members", "exchanges"), default="members")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    ours = [export(args.url, args.kind) for _ in range(args.runs)]
    floor = [tool(args.url, ours[0]["sql"], ours[0]["pg"]) for _ in range(args.runs)]
    # The tool's own start (connecting, for psql) is not part of the floor.
    start = min(tool(args.url, "SELECT 1 WHERE 1 = 0", ours[0]["pg"])["seconds"] for _ in range(3))
    best = min(r["seconds"] for r in ours)
    fastest = max(min(r["seconds"] for r in floor) - start, 1e-3)
    rows = ours[0]["rows"]
    result = {
        "engine": "postgresql" if ours[0]["pg"] else "sqlite",
        "kind": args.kind,
        "rows": rows,
        "export_s": round(best, 3),
        "export_cpu_s": round(min(r["cpu_s"] for r in ours), 3),
        "tool_s": round(fastest, 3),
        "tool_cpu_s": round(min(r["cpu_s"] for r in floor), 3),
        "tool_start_s": round(start, 3),
        "export_rows_per_s": round(rows / best),
        "tool_rows_per_s": round(rows / fastest),
        "ratio": round(fastest / best, 2),
        "load_average": os.getloadavg(),
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
