"""The real application for the browser tests: a fresh SQLite file made with the real
commands (``flask db upgrade``, ``flask demo`` and whatever else a journey needs), then
``flask run`` in a subprocess on a free local port, ready once ``/healthz`` answers.

``flask db upgrade`` and ``flask demo`` run once per test process (and settings): each
server starts from a copy of that file, on a RAM disk when there is one.

The server always runs on SQLite, even when ``TIMEBANK_TEST_DATABASE_URL`` selects
PostgreSQL for the rest of the suite: these tests are about what a person sees and can do
in a browser; both database engines are covered by the other tests. The catalogues the
server reads are compiled by the suite's session fixture (``tests/conftest.py``)."""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVER_START_TIMEOUT = 30.0
RAM_DISK = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


@dataclass(frozen=True)
class Served:
    url: str
    env: dict[str, str]
    folder: Path

    def flask(self, *args: str) -> str:
        return run_flask(self.env, *args)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_flask(env: dict[str, str], *args: str) -> str:
    command = [sys.executable, "-m", "flask", "--app", "timebank", *args]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def _wait_until_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The server exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.05)  # polling for start-up, not waiting on the page
    raise RuntimeError(f"The server did not answer /healthz in time:\n{log.read_text()}")


_demo_databases: dict[tuple[tuple[str, str], ...], Path] = {}


def _demo_database(environment: dict[str, str]) -> Path:
    """A database made by ``flask db upgrade`` and ``flask demo`` with these settings, made
    once per process (about 6 s of CPU each time) and removed when the process ends."""
    key = tuple(sorted((k, v) for k, v in environment.items() if k.startswith("TIMEBANK_")))
    if key not in _demo_databases:
        folder = tempfile.mkdtemp(prefix="timebank-e2e-demo-", dir=RAM_DISK)
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        template = Path(folder) / "demo.sqlite3"
        env = {**environment, "TIMEBANK_DATABASE_URL": f"sqlite:///{template}"}
        run_flask(env, "db", "upgrade")
        run_flask(env, "demo")
        _demo_databases[key] = template
    return _demo_databases[key]


def _copy_database(source: Path, target: Path) -> None:
    """SQLite's online backup: the whole database, including what is still in its WAL."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


@contextmanager
def serve(prepare: Callable[[Served], None] | None = None, **env: str) -> Iterator[Served]:
    """Migrate a fresh database, load the demo, run ``prepare`` (more commands, seed data)
    and serve the application until the block ends. ``env`` adds ``TIMEBANK_*`` settings."""
    with tempfile.TemporaryDirectory(prefix="timebank-e2e-", dir=RAM_DISK) as tmp:
        folder = Path(tmp)
        environment = {
            k: v for k, v in os.environ.items() if not k.startswith(("TIMEBANK_", "FLASK_"))
        }
        environment.update(
            TIMEBANK_SECRET_KEY="e2e-secret-key-" + "x" * 40,
            PYTHONPATH=str(ROOT),
            PYTHONUNBUFFERED="1",
            **env,
        )
        database = folder / "timebank.sqlite3"
        _copy_database(_demo_database(environment), database)
        environment["TIMEBANK_DATABASE_URL"] = f"sqlite:///{database}"
        port = free_port()
        served = Served(f"http://127.0.0.1:{port}", environment, folder)
        if prepare is not None:
            prepare(served)
        log = folder / "server.log"
        with log.open("w") as log_file:
            process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "timebank", "run"]
                + ["--host", "127.0.0.1", "--port", str(port), "--no-reload", "--no-debugger"],
                cwd=ROOT,
                env=environment,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
            try:
                _wait_until_healthy(served.url, process, log)
                yield served
            finally:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
