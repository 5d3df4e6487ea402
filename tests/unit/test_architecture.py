"""The shape of the code (docs/architecture.md): the domain layer has no import cycles and
never reads the request; route modules never commit or send mail themselves."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "timebank"
SERVICES = PACKAGE / "services"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(path): path for path in sorted(SERVICES.rglob("*.py"))}
TREES = {name: ast.parse(path.read_text(encoding="utf-8")) for name, path in MODULES.items()}


def _imported(node: ast.Import | ast.ImportFrom) -> list[str]:
    """The modules an import statement loads: ``from a import b`` is ``a.b`` when that is
    a module, else ``a``."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    return [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]


def _imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]


def _service_graph() -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(MODULES)
    for name, tree in TREES.items():
        for node in _imports(tree):
            for target in _imported(node):
                # Importing ``a.b.c`` runs ``a.b``'s __init__ too.
                while target and target not in MODULES:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph.add_edge(name, target)
    return graph


def test_services_have_no_import_cycle():
    """No module under timebank/services imports, directly or through others, itself."""
    cycles = list(nx.simple_cycles(_service_graph()))
    assert cycles == [], "import cycles: " + "; ".join(" → ".join(c) for c in cycles)


def test_service_areas_depend_one_way():
    """The areas form a stack: no two areas import each other, however indirectly."""
    areas = nx.DiGraph()
    for a, b in _service_graph().edges:
        area_a, area_b = a.split(".")[2], b.split(".")[2]
        if area_a != area_b:
            areas.add_edge(area_a, area_b)
    assert list(nx.simple_cycles(areas)) == []


_IMPORT_EACH_ALONE = """
import importlib, sys
failed = []
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m == "timebank" or m.startswith("timebank.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as exc:
        failed.append(f"{name}: {exc!r}")
print("\\n".join(failed))
sys.exit(1 if failed else 0)
"""


@pytest.mark.slow(seconds=20)  # started first (tests/conftest.py)
def test_each_service_module_imports_on_its_own():
    """Every module imports first, with nothing of the project loaded before it (as in a
    fresh interpreter), so no import order hides a cycle."""
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_EACH_ALONE, *sorted(MODULES)],
        capture_output=True,
        text=True,
        cwd=PACKAGE.parent,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_services_import_the_project_at_module_level_only():
    """No import of ``timebank`` inside a function: the way cycles used to hide."""
    hidden = []
    for name, tree in TREES.items():
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in _imports(function):
                if any(target.startswith("timebank") for target in _imported(node)):
                    hidden.append(f"{name}:{node.lineno}")
    assert hidden == []


REQUEST_STATE = {"request", "session", "current_user", "g"}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_services_never_read_the_request(name):
    """Services take an explicit actor: they import neither the request, the session,
    ``g`` nor the logged-in user."""
    for node in _imports(TREES[name]):
        if isinstance(node, ast.ImportFrom) and node.module in ("flask", "flask_login"):
            names = {alias.name for alias in node.names}
            assert not names & REQUEST_STATE, f"{name}:{node.lineno} imports {names}"
        if isinstance(node, ast.Import):
            assert "flask_login" not in {a.name for a in node.names}


def test_service_packages_hold_only_a_docstring():
    """A package's __init__ names what it implements; the code lives in its modules."""
    for path in SERVICES.rglob("__init__.py"):
        body = ast.parse(path.read_text(encoding="utf-8")).body
        assert len(body) == 1, path
        assert isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant), path


def _route_modules() -> list[Path]:
    return [
        path
        for path in sorted(PACKAGE.rglob("*.py"))
        if "services" not in path.parts and "models" not in path.parts
        if "route" in path.read_text(encoding="utf-8")
        and ("bp.route" in path.read_text(encoding="utf-8") or "bp.get" in path.read_text())
    ]


def _calls(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            found.add(ast.unparse(node.func))
    return found


def test_route_modules_leave_commit_and_mail_to_the_web_helper():
    """Routes never commit or send mail: ``web.run`` commits once and delivers the mail
    after the commit, so a new route cannot forget it."""
    assert _route_modules(), "no route module found"
    for path in _route_modules():
        calls = _calls(ast.parse(path.read_text(encoding="utf-8")))
        assert "db.session.commit" not in calls, path
        assert not {c for c in calls if c.endswith("deliver_pending")}, path


def test_one_place_delivers_mail_after_the_commit():
    """Outside the mail module, only the transaction helper sends pending mail."""
    callers = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "mail.py":
            continue
        if "deliver_pending" in _calls(ast.parse(path.read_text(encoding="utf-8"))) or any(
            c.endswith(".deliver_pending") for c in _calls(ast.parse(path.read_text()))
        ):
            callers.append(path.relative_to(PACKAGE).as_posix())
    assert callers == ["database.py"]


_BLUEPRINT_MODULES = ("forms", "routes", "helpers", "labels", "cli")


def _crosses(area: str, target: str) -> bool:
    """``target`` is another blueprint's routes, forms or helpers."""
    parts = target.split(".")
    return (
        len(parts) >= 3
        and parts[0] == "timebank"
        and parts[1] not in (area, "services", "models")
        and parts[2].startswith(_BLUEPRINT_MODULES)
    )


def test_no_blueprint_imports_another_blueprints_pages_or_forms():
    """What two areas share lives in timebank/web.py or timebank/forms.py."""
    crossing = []
    for path in _route_modules() + sorted(PACKAGE.glob("*/forms.py")):
        area = path.relative_to(PACKAGE).parts[0]
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not node.module:
                continue
            targets = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            crossing += [f"{path.relative_to(PACKAGE)}: {t}" for t in targets if _crosses(area, t)]
    assert crossing == []


def test_route_modules_query_through_services():
    """A page's data comes from a service function: no ``select()`` or session query in
    a route module (loading one row by id with ``db.session.get`` is allowed)."""
    queries = []
    for path in _route_modules():
        for call in _calls(ast.parse(path.read_text(encoding="utf-8"))):
            if call in ("select", "db.paginate") or call.startswith(
                ("db.session.execute", "db.session.scalar")
            ):
                queries.append(f"{path.relative_to(PACKAGE)}: {call}")
    assert queries == []
