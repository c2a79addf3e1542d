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


# --- option names: README and messages name options that exist ------------------------------------------------

import ast  # noqa: E402
import re  # noqa: E402

PACKAGE = Path(__file__).parent.parent / "baseline"
_OPTION = re.compile(r"(?<![\w-])--[a-z][a-z-]*[a-z]")
_MENTION = re.compile(r"`baseline ([a-z]+(?: [a-z]+)?)([^`]*)`")
BY_NAME = dict(COMMANDS)


def _options(command: click.Command) -> set[str]:
    names = {"--help"}
    for param in command.params:
        names |= {n for n in param.opts + param.secondary_opts if n.startswith("--")}
    return names


ALL_OPTIONS = set().union(*(_options(c) for _, c in COMMANDS), {"--version"})


def _section(name: str) -> str:
    """The README's reference section of one command: from its heading to the next heading."""
    start = README.index(f"### `baseline {name}")
    end = README.find("\n### ", start + 1)
    return README[start:end if end > 0 else len(README)]


@pytest.mark.parametrize("name, command", COMMANDS, ids=[n for n, _ in COMMANDS])
def test_readme_section_lists_exactly_the_options_of_help(name, command):
    if isinstance(command, click.Group):
        return
    section = _section(name)
    heading = section.splitlines()[0]
    shown = set(re.findall(r"(?<![\w-])--?[a-z][a-z-]*", heading))
    missing = [p.opts for p in command.params if isinstance(p, click.Option) and not set(p.opts) & shown]
    assert not missing, f"README heading of {name} misses {missing}"
    assert set(_OPTION.findall(section)) <= ALL_OPTIONS, f"README section of {name} names unknown options"
    assert set(_OPTION.findall(heading)) <= _options(command), f"README heading of {name} names options it lacks"


def _command(words: str) -> tuple[str, click.Command] | None:
    parts = words.split()
    for n in (2, 1):
        if " ".join(parts[:n]) in BY_NAME:
            return " ".join(parts[:n]), BY_NAME[" ".join(parts[:n])]
    return None


def _source_strings() -> list[tuple[str, str]]:
    out = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                out.append((path.name, node.value))
    return out


def test_messages_and_readme_name_commands_and_options_that_exist():
    reference = README[README.index("## CLI reference"):]  # the rest may quote other tools' options (soffice)
    texts = [("README.md", reference)] + _source_strings()
    checked = 0
    for where, text in texts:
        for words, rest in _MENTION.findall(text):
            found = _command(words)
            if words.split()[0] in ("generate", "validate", "merge", "summary", "recs") or found:
                assert found is not None, f"{where} names `baseline {words}`, which is not a command"
                name, command = found
                unknown = set(_OPTION.findall(rest)) - _options(command)
                assert not unknown, f"{where}: `baseline {name}{rest}` names {unknown}, not options of {name}"
                checked += 1
        unknown = set(_OPTION.findall(text)) - ALL_OPTIONS
        assert not unknown, f"{where} names {unknown}, which no command has"
    assert checked > 10  # the test saw the README's examples and the messages' hints


def test_every_issue_code_is_documented_with_its_severity():
    for code, severity in ISSUE_CODES.items():
        assert f"| `{code}` | {severity} |" in README, f"README's issue table lacks `{code}` ({severity})"


def test_readme_examples_on_the_example_config_name_its_agencies():
    """`generate workbooks/examples/assessment.yaml … --agency NAME` must name an agency that config has."""
    import re

    import yaml

    config = Path(__file__).parent.parent / "workbooks" / "examples" / "assessment.yaml"
    agencies = {a["name"] for a in yaml.safe_load(config.read_text(encoding="utf-8"))["agencies"]}
    named = [m.group(1) for line in README.splitlines() if "examples/assessment.yaml" in line
             for m in re.finditer(r'--agency "([^"]+)"', line)]
    assert named, "the README shows --agency on the example config"
    assert set(named) <= agencies, set(named) - agencies
