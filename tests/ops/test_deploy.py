"""The systemd units and the compose file run commands that exist, with the settings the
issue asks for (restart on failure, a graceful stop, hardening)."""

from __future__ import annotations

import configparser
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from timebank.__main__ import cli

ROOT = Path(__file__).resolve().parents[2]
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
LONG_RUNNING = ["timebank-web.service", "timebank-worker.service", "timebank-scheduler.service"]


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text())
    return parser


def _command_words(words: list[str]) -> tuple[str, ...]:
    """The command's name (and subcommand's), before its first argument or option."""
    names = []
    for word in words:
        if not word.isidentifier():
            break
        names.append(word)
    return tuple(names)


def _timebank_commands() -> list[tuple[str, ...]]:
    """Every ``timebank …`` command line in the units and compose.yaml."""
    found = []
    for path in UNITS:
        exec_start = _unit(path)["Service"]["ExecStart"]
        words = shlex.split(exec_start.replace("%%", "%"))
        if words[0] == "/bin/sh":
            words = shlex.split(words[-1].removeprefix("exec "))
        if words[0].endswith("/timebank"):
            found.append(_command_words(words[1:]))
    compose = (ROOT / "compose.yaml").read_text()
    for listed in re.findall(r'command: \["timebank", (.*)\]', compose):
        found.append(tuple(json_word.strip('" ') for json_word in listed.split(",")))
    return found


def _command_exists(words: tuple[str, ...], monkeypatch, tmp_path) -> bool:
    monkeypatch.setenv("TIMEBANK_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    result = CliRunner().invoke(cli, [*words, "--help"], prog_name="timebank")
    return result.exit_code == 0 and "Usage: timebank" in result.output


def test_every_timebank_command_in_the_units_and_compose_exists(monkeypatch, tmp_path):
    commands = _timebank_commands()
    assert {("backup",), ("jobs", "worker"), ("jobs", "scheduler")} <= set(commands)
    assert _command_exists(("db", "upgrade"), monkeypatch, tmp_path)
    missing = [c for c in commands if not _command_exists(c, monkeypatch, tmp_path)]
    assert missing == []


def test_the_web_unit_and_compose_run_the_same_gunicorn():
    web = _unit(ROOT / "deploy" / "systemd" / "timebank-web.service")["Service"]["ExecStart"]
    assert web.endswith("gunicorn -c /srv/timebank/gunicorn.conf.py timebank:create_app()")
    compose = (ROOT / "compose.yaml").read_text()
    assert (
        'command: ["gunicorn", "-c", "/srv/timebank/gunicorn.conf.py", "timebank:create_app()"]'
        in compose
    )
    assert "COPY deploy/gunicorn.conf.py ./gunicorn.conf.py" in (ROOT / "Dockerfile").read_text()
    from timebank import create_app

    assert callable(create_app)


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_long_running_units_restart_stop_gracefully_and_are_hardened(name):
    service = _unit(ROOT / "deploy" / "systemd" / name)["Service"]
    assert service["Restart"] == "on-failure"
    assert service["KillSignal"] == "SIGTERM" and int(service["TimeoutStopSec"]) >= 20
    assert service["NoNewPrivileges"] == "yes" and service["ProtectSystem"] == "strict"
    assert service["User"] == "timebank" and service["CapabilityBoundingSet"] == ""
    assert service["EnvironmentFile"] == "/srv/timebank/.env"


def test_gunicorn_drains_for_less_time_than_systemd_waits():
    config = (ROOT / "deploy" / "gunicorn.conf.py").read_text()
    drain = int(re.search(r'"TIMEBANK_GRACEFUL_TIMEOUT", (\d+)', config).group(1))
    web = _unit(ROOT / "deploy" / "systemd" / "timebank-web.service")["Service"]
    assert drain < int(web["TimeoutStopSec"])
    nginx = (ROOT / "deploy" / "nginx" / "timebank.conf").read_text()
    assert "server 127.0.0.1:8000" in nginx and '"127.0.0.1:8000"' in config
