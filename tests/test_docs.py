"""Every command has help text, and the README documents every command (as sqlite-utils does)."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from baseline.cli import cli
from baseline.issues import ISSUE_CODES

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = ""):
    for name, command in group.commands.items():
        full = f"{prefix}{name}"
        yield full, command
        if isinstance(command, click.Group):
            yield from _commands(command, full + " ")


COMMANDS = list(_commands(cli))


@pytest.mark.parametrize("name, command", COMMANDS, ids=[n for n, _ in COMMANDS])
def test_command_has_help_and_is_documented(run, name, command):
    assert command.help, f"{name} has no help text"
    result = run(*name.split(), "--help")
    assert result.exit_code == 0
    assert f"baseline {name}" in README, f"README does not document `baseline {name}`"


def test_help_imports_nothing_heavy():
    import subprocess
    import sys

    code = (
        "import sys; from baseline.cli import cli\n"
        "try:\n    cli(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('openpyxl', 'python_calamine', 'pydantic', 'rich', 'yaml') if m in sys.modules]\n"
        "print('HEAVY:' + ','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "HEAVY:"


def test_every_issue_code_is_documented_with_its_severity():
    for code, severity in ISSUE_CODES.items():
        assert f"| `{code}` | {severity} |" in README, f"README's issue table lacks `{code}` ({severity})"
