"""cli.py's error handling: a BaselineError is one line and exit 1; anything else is a bug, one line and exit 3,
with the traceback only when BASELINE_DEBUG=1; an interruption is one line."""

from __future__ import annotations

from click.testing import CliRunner

from baseline import intake
from baseline.cli import EXIT_INTERNAL, cli


def crash(*args, **kwargs):
    raise RuntimeError("something\nunexpected \x1b[2J happened")


def test_an_unexpected_exception_is_one_line_and_exit_3(monkeypatch, tmp_path):
    monkeypatch.setattr(intake, "validate_files", crash)
    result = CliRunner().invoke(cli, ["validate", str(tmp_path)], env={"BASELINE_DEBUG": None})
    assert result.exit_code == EXIT_INTERNAL == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr and "\x1b" not in result.stderr
    assert lines[0].startswith("Internal error in baseline") and "RuntimeError: something unexpected" in lines[0]
    assert "report it" in lines[0] and "BASELINE_DEBUG=1" in lines[0]


def test_baseline_debug_shows_the_traceback(monkeypatch, tmp_path):
    monkeypatch.setattr(intake, "validate_files", crash)
    result = CliRunner().invoke(cli, ["validate", str(tmp_path)], env={"BASELINE_DEBUG": "1"})
    assert result.exit_code == 3
    assert "Traceback (most recent call last)" in result.stderr and "RuntimeError" in result.stderr


def test_ctrl_c_is_one_line(monkeypatch, tmp_path):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(intake, "validate_files", interrupted)
    result = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert result.exit_code == 130 and result.stderr.startswith("Interrupted:")
    assert len(result.stderr.strip().splitlines()) == 1
