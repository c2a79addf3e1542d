"""render/__init__.py's table of which module owns each `render.NAME` (imported on first use, issue 16): every name
in it resolves to its owner's own object, every public name of the render modules is in it, and every `render.NAME`
cli.py uses is in it, so the table cannot go stale without a test failing."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from baseline import render

RENDER = Path(render.__file__).parent
CLI = RENDER.parent / "cli.py"


def _public_names(path: Path) -> set[str]:
    """The public names a module defines at its top level (functions, classes, constants)."""
    names = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {n for n in names if not n.startswith("_")}


@pytest.mark.parametrize("name", sorted(render._OWNER))
def test_every_name_in_the_table_is_its_owners_object(name):
    owner = importlib.import_module(render._OWNER[name])
    assert getattr(render, name) is getattr(owner, name)


def test_every_public_name_of_each_render_module_is_in_the_table():
    modules = sorted(p for p in RENDER.glob("*.py") if p.name != "__init__.py")
    assert {p.stem for p in modules} >= {"common", "validation", "summary", "progress"}  # the glob sees them
    for path in modules:
        module = f"baseline.render.{path.stem}"
        listed = set(render._NAMES.get(module, ()))
        assert _public_names(path) == listed, f"render/__init__.py's table is out of date for {module}"


def test_every_render_name_cli_uses_is_in_the_table():
    used = {node.attr for node in ast.walk(ast.parse(CLI.read_text(encoding="utf-8")))
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "render"}
    assert {"print_validation", "progress_reader", "print_summary"} <= used  # the walk sees cli's uses
    assert used <= render._OWNER.keys() | {"preload", "progress_reader"}  # the package's own


def test_preload_imports_the_module_behind_a_name_and_nothing_else(tmp_path):
    code = ("import sys\nfrom baseline import render\nrender.preload('print_validation')\n"
            "print('baseline.render.validation' in sys.modules, 'baseline.render.summary' in sys.modules, "
            "'print_validation' in vars(render))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert done.stdout.split() == ["True", "False", "True"]
    with pytest.raises(AttributeError, match="no attribute 'print_nothing'"):
        render.preload("print_nothing")


def test_an_unknown_name_is_an_attribute_error_and_the_names_are_listed():
    with pytest.raises(AttributeError, match="no attribute 'print_nothing'"):
        render.print_nothing  # noqa: B018 - the lookup is the test
    assert not hasattr(render, "_OWNERS")
    assert set(render.__all__) == render._OWNER.keys() and set(render.__all__) <= set(dir(render))
    from baseline.render import counted, print_tracker  # from-imports go through the same table

    assert counted(2, "file") == "2 files" and print_tracker is render.print_tracker
