"""What `make install`, `make serve` and CI install is the lock: pip's requirements files are
exported from uv.lock and pin every dependency pyproject.toml names (`make lock` refreshes
all three; `make lint` checks that uv.lock agrees with pyproject.toml)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUNTIME_EXTRAS = ("postgres", "redis", "server")
TOOL_EXTRAS = ("dev", "e2e")


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def _pins(filename: str) -> dict[str, set[str]]:
    pins: dict[str, set[str]] = {}
    for line in (ROOT / filename).read_text(encoding="utf-8").splitlines():
        match = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", line)
        if match:
            pins.setdefault(_name(match[1]), set()).add(match[2])
    return pins


def _locked() -> dict[str, set[str]]:
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    versions: dict[str, set[str]] = {}
    for package in lock["package"]:
        versions.setdefault(_name(package["name"]), set()).add(package["version"])
    return versions


def _declared(*extras: str) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = [*project["dependencies"]]
    for extra in extras:
        specs += project["optional-dependencies"][extra]
    return {_name(re.match(r"[A-Za-z0-9._-]+", spec)[0]) for spec in specs}


@pytest.mark.parametrize(
    ("filename", "extras"),
    [
        ("requirements.txt", RUNTIME_EXTRAS),
        ("requirements-dev.txt", RUNTIME_EXTRAS + TOOL_EXTRAS),
    ],
)
def test_requirements_pin_what_pyproject_names_at_the_locked_versions(filename, extras):
    """Every dependency is pinned, at the version uv.lock holds (else: `make lock`)."""
    pins, locked = _pins(filename), _locked()
    assert _declared(*extras) - pins.keys() == set(), f"{filename} lags pyproject: make lock"
    differing = {name: v for name, v in pins.items() if not v <= locked.get(name, set())}
    assert differing == {}, f"{filename} differs from uv.lock: make lock"
    assert "timebank" not in pins, "the project itself is installed from the source tree"


def test_requirements_carry_hashes():
    """pip checks each download against the lock's hashes."""
    for filename in ("requirements.txt", "requirements-dev.txt"):
        text = (ROOT / filename).read_text(encoding="utf-8")
        assert text.count("==") <= text.count("--hash=sha256:"), filename


def test_the_server_installs_no_test_or_browser_tools():
    """`make serve` installs requirements.txt: no pytest, linters or Playwright."""
    tools = _declared(*TOOL_EXTRAS) - _declared(*RUNTIME_EXTRAS)
    assert tools & _pins("requirements.txt").keys() == set()
