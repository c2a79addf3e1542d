"""The import rules of ARCHITECTURE.md, read from the source with ast: no cycles among baseline's modules, the core
imports no I/O module, click only in cli.py, and function-level baseline imports only in cli.py (to keep --help
light)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "baseline"
CORE = {"baseline.guideline", "baseline.assessment", "baseline.checks", "baseline.merge", "baseline.summary",
        "baseline.issues", "baseline.text", "baseline.actions", "baseline.tracker", "baseline.rounds",
        "baseline.digest", "baseline.config", "baseline.records"}
IO_MODULES = ("baseline.xlsx", "baseline.files", "baseline.catalogue", "baseline.workflow",
              "baseline.render", "baseline.cli", "click", "rich", "openpyxl", "python_calamine")


def _modules() -> dict[str, ast.Module]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = ast.parse(path.read_text(encoding="utf-8"))
    return out


MODULES = _modules()


def _imports(tree: ast.Module, top_level_only: bool) -> set[str]:
    """Modules imported (from x import y counts as x.y when x.y is a module of ours, else x)."""
    nodes = tree.body if top_level_only else ast.walk(tree)
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            subs = {f"{node.module}.{alias.name}" for alias in node.names} & MODULES.keys()
            found |= subs or {node.module}
    return found


def _ours(names: set[str]) -> set[str]:
    return {n for n in names if n in MODULES and n != "baseline"}


def test_no_import_cycles():
    graph = {name: _ours(_imports(tree, top_level_only=False)) for name, tree in MODULES.items()}
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        assert name not in path, f"import cycle: {' -> '.join(path[path.index(name):] + [name])}"
        if name in done:
            return
        for target in sorted(graph.get(name, ())):
            visit(target, path + [name])
        done.add(name)

    for name in sorted(graph):
        visit(name, [])


def test_core_imports_no_io_module():
    for name in CORE & MODULES.keys():
        bad = [i for i in _imports(MODULES[name], top_level_only=False) if i.startswith(IO_MODULES)]
        assert not bad, f"{name} (core) imports {bad}"


def test_click_only_in_cli():
    users = [n for n, tree in MODULES.items() if any(i.split(".")[0] == "click" for i in _imports(tree, False))]
    assert users == ["baseline.cli"]


def test_no_function_level_baseline_imports_outside_cli():
    for name, tree in MODULES.items():
        if name == "baseline.cli":
            continue
        every, top = _imports(tree, top_level_only=False), _imports(tree, top_level_only=True)
        late = sorted(i for i in every - top if i.startswith("baseline"))
        assert not late, f"{name} imports {late} inside a function"


def test_the_rules_see_the_modules():
    """Guard against the test passing vacuously (a moved package, a broken glob)."""
    assert {"baseline.cli", "baseline.checks", "baseline.xlsx.returns", "baseline.xlsx.nice.reader"} <= MODULES.keys()
    assert "baseline.checks" in _ours(_imports(MODULES["baseline.xlsx.agency.reader"], True))
