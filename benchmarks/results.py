"""What the benchmarks that keep a table in README.md share: the engine's name as the
tables spell it, and writing a table between its markers."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent / "README.md"


def engine_name(url: str) -> str:
    """``PostgreSQL`` or ``SQLite``, from a database URL."""
    return "PostgreSQL" if url.startswith("postgresql") else "SQLite"


def write_readme(marker: str, table: str) -> None:
    """Put ``table`` between ``<!-- {marker}:start -->`` and ``<!-- {marker}:end -->`` in
    README.md, in place of what was there; at the end when the markers are not there yet."""
    start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    block = f"{start}\n{table}\n{end}"
    body = README.read_text()
    if start in body:
        body = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _m: block, body, flags=re.S)
    else:
        body = body.rstrip("\n") + "\n\n" + block + "\n"
    README.write_text(body)
