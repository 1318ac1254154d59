"""Imports run one way, down the layers (docs/architecture.md, "One-way data flow").

Entry points (blueprints/, sockets/, streams/, jobs/) call services; services call the
event machinery (realtime/) and the models; neither realtime/ nor services/ imports an
entry point, and the models import neither. Every import counts, at the top of a module
or inside a function, since a late import is a dependency all the same.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIPPED = {".git", ".venv", "node_modules", "static", "__pycache__"}
ENTRY_POINTS = ("blueprints", "sockets", "streams", "jobs")


def _project_files() -> Iterator[Path]:
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if not any(part in SKIPPED or part.startswith(".") for part in parts[:-1]):
            yield path


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _imports(path: Path, module: str) -> set[str]:
    """Every module `path` imports, anywhere in it; `from package import name` counts
    as importing `package.name` when that is a module of the project."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            found.add(source)
            for alias in node.names:
                if _is_module(f"{source}.{alias.name}"):
                    found.add(f"{source}.{alias.name}")
    return found


GRAPH: dict[str, set[str]] = {
    _module_name(path): _imports(path, _module_name(path)) for path in _project_files()
}


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _violations(layer: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{module} imports {imported}"
        for module, imported_modules in GRAPH.items()
        if _in(module, layer)
        for imported in imported_modules
        if any(_in(imported, package) for package in forbidden)
    )


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        ("realtime", ("services", *ENTRY_POINTS)),
        ("services", ENTRY_POINTS),
        ("models", ("services", "realtime", *ENTRY_POINTS)),
    ],
)
def test_a_layer_imports_nothing_above_it(layer, forbidden):
    assert any(_in(module, layer) for module in GRAPH), f"no modules found in {layer}/"
    assert _violations(layer, forbidden) == []


def test_neutral_modules_import_no_layer_above_them():
    for neutral in (
        "errors",
        "request_body",
        "request_identity",
        "route_limits",
        "budgets",
        "extensions",
        "config",
        "response_headers",
    ):
        assert neutral in GRAPH, f"{neutral}.py is missing"
        assert _violations(neutral, ("services", "realtime", "models", *ENTRY_POINTS)) == []


def test_only_the_application_wires_the_entry_points():
    """The entry points are imported by app.py (and tests, scripts), not by another
    layer, and not by one another: a blueprint does not reach into sockets/."""
    wiring = ("app", "wsgi", "tests", "scripts", "bench")
    importers = []
    for package in ENTRY_POINTS:
        assert any(_in(module, package) for module in GRAPH), f"no modules found in {package}/"
        importers += sorted(
            f"{module} imports {imported}"
            for module, imported_modules in GRAPH.items()
            if not any(_in(module, allowed) for allowed in (package, *wiring))
            for imported in imported_modules
            if _in(imported, package)
        )
    assert importers == []


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of `graph`, as the path that closes it, or None."""
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        path.append(node)
        for following in sorted(graph.get(node, ())):
            found = visit(following)
            if found:
                return found
        path.pop()
        done.add(node)
        return None

    for node in sorted(graph):
        found = visit(node)
        if found:
            return found
    return None


def test_services_import_one_another_without_a_cycle():
    services = {
        module: {imported for imported in imports if imported.startswith("services.")} - {module}
        for module, imports in GRAPH.items()
        if _in(module, "services") and module != "services"
    }
    assert len(services) > 10
    cycle = _cycle(services)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_cycles():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


# A query or a write: anything on the session but ending it (`remove`, `rollback`,
# which the entry points' frames do around each request and event).
ORM_USE = re.compile(r"db\.session\.(?!remove\(|rollback\()|\bselect\(|\.query\b")


def test_entry_points_run_no_queries():
    """Blueprints, socket handlers, stream routes and jobs ask services; the queries
    live there (docs/architecture.md, "One way for each recurring thing")."""
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _project_files()
        if path.relative_to(ROOT).parts[0] in ENTRY_POINTS
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ORM_USE.search(line)
    ]
    assert found == []


def test_the_query_finder_finds_queries():
    assert ORM_USE.search("rows = db.session.scalars(select(User))")
    assert ORM_USE.search("User.query.get(1)")
    assert not ORM_USE.search("db.session.remove()")
    assert not ORM_USE.search("db.session.rollback()")
