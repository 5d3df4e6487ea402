"""The command line starts without loading what only some pages need: `timebank --help` (and
every scheduled job) used to import fpdf, openpyxl, pygal and networkx and compute an
argon2 hash before doing anything. benchmarks/README.md has the timings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("fpdf", "fontTools", "uharfbuzz", "openpyxl", "pygal", "networkx")

_HELP_THEN_REPORT = f"""
import json, sys
from timebank.__main__ import cli
from timebank.services.auth import passwords
cli.main(["--help"], prog_name="timebank", standalone_mode=False)
print(json.dumps({{
    "loaded": sorted(m for m in {HEAVY!r} if m in sys.modules),
    "hashes": passwords._dummy_hash.cache_info().currsize,
}}))
"""


def test_help_loads_no_report_chart_or_graph_library_and_hashes_nothing(tmp_path):
    """`timebank --help` lists the commands (the app is created) without importing them."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TIMEBANK_DATABASE_URL": "sqlite://",
        "TIMEBANK_SECRET_KEY": "k" * 40,
    }
    result = subprocess.run(
        [sys.executable, "-c", _HELP_THEN_REPORT],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "db" in result.stdout and "verify-ledger" in result.stdout
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"loaded": [], "hashes": 0}
