"""cli.py's exit: the objects start-up made are frozen out of the collector's sight once the command is done
(gc.freeze at exit: the interpreter's last walks for reference cycles were a tenth of a one-file validate); as the
`baseline` command itself (cli.main), the process ends without the interpreter's teardown; and the command's output
and exit code are whole all the same."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest

from baseline import intake
from tests.hostile import answered, generate_return

# An exit handler registered before baseline.cli is imported runs after cli's own (they run last in, first out).
_CODE = ("import atexit, gc, sys\n"
         "atexit.register(lambda: print('frozen at exit:', gc.get_freeze_count() > 0))\n"
         "from baseline.cli import cli\n"
         "cli(sys.argv[1:])\n")


def _python(code: str, *args: str, cache) -> subprocess.CompletedProcess:
    """`code` run in a fresh Python with ARGS, its stderr buffered as usual (whatever PYTHONUNBUFFERED says here)."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    env["XDG_CACHE_HOME"] = str(cache)
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env)


def _run(*args: str, cache) -> subprocess.CompletedProcess:
    return _python(_CODE, *args, cache=cache)


def test_the_objects_are_frozen_at_exit_and_the_output_is_whole(tmp_path):
    workbook = answered(generate_return(tmp_path, "return.xlsx"))
    done = _run("validate", str(workbook), "--format", "json", cache=tmp_path / "cache")
    *data, last = done.stdout.splitlines()
    assert done.returncode == 0 and last == "frozen at exit: True"
    assert json.loads("\n".join(data)) == intake.validate_files([workbook]).to_dict()
    assert done.stderr == "1 of 1 file valid.\n"


def test_an_invalid_return_still_exits_1_with_its_whole_report(tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    done = _run("validate", str(broken), "--format", "text", cache=tmp_path / "cache")
    assert done.returncode == 1 and done.stdout.splitlines()[-1] == "frozen at exit: True"
    assert done.stdout.startswith(str(broken)) and done.stderr == "0 of 1 file valid.\n"


# cli.main, as the console script runs it: exit handlers still run (one registered before it), what they write is
# flushed (no newline, so a line-buffered stderr still holds it), the output is whole and the exit code kept.
_MAIN = ("import atexit, sys\n"
         "atexit.register(lambda: sys.stderr.write('exit handlers ran'))\n"
         "from baseline.cli import main\n"
         "sys.argv[0] = 'baseline'\n"
         "main()\n")


def _main(*args: str, cache) -> subprocess.CompletedProcess:
    return _python(_MAIN, *args, cache=cache)


def test_as_the_baseline_command_the_output_and_exit_code_are_whole(tmp_path):
    workbook = answered(generate_return(tmp_path, "return.xlsx"))
    done = _main("validate", str(workbook), "--format", "json", cache=tmp_path / "cache")
    assert done.returncode == 0
    assert json.loads(done.stdout) == intake.validate_files([workbook]).to_dict()
    assert done.stderr == "1 of 1 file valid.\nexit handlers ran"


def test_as_the_baseline_command_exit_codes_1_and_2_are_kept(tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    done = _main("validate", str(broken), cache=tmp_path / "cache")
    assert done.returncode == 1 and done.stdout.startswith(f"✗ {broken}: 1 error")
    assert done.stderr == "0 of 1 file valid.\nexit handlers ran"
    done = _main("no-such-command", cache=tmp_path / "cache")
    assert done.returncode == 2 and "No such command 'no-such-command'" in done.stderr
    assert done.stderr.endswith("exit handlers ran")


class _Ended(Exception):
    pass


@pytest.fixture
def ending(monkeypatch) -> list:
    """cli._exit_now's os._exit and exit handlers, recorded instead of run: [("handlers",), ("exit", code)]."""
    import atexit

    from baseline import cli

    seen: list = []

    def exit_(code):
        seen.append(("exit", code))
        raise _Ended

    monkeypatch.setattr(cli.os, "_exit", exit_)
    monkeypatch.setattr(atexit, "_run_exitfuncs", lambda: seen.append(("handlers",)))
    return seen


@pytest.mark.parametrize("code, status", [(0, 0), (None, 0), (1, 1), (2, 2), (3, 3)])
def test_the_process_ends_with_the_commands_code_once_exit_handlers_have_run(ending, code, status):
    from baseline.cli import _exit_now

    with pytest.raises(_Ended):
        _exit_now(SystemExit(code))
    assert ending == [("handlers",), ("exit", status)]


def test_a_message_as_exit_code_another_thread_or_output_that_cannot_be_flushed_end_as_usual(ending, monkeypatch):
    import threading

    from baseline.cli import _exit_now

    _exit_now(SystemExit("a message the interpreter prints"))
    gate = threading.Event()
    worker = threading.Thread(target=gate.wait)
    worker.start()
    try:
        _exit_now(SystemExit(0))
    finally:
        gate.set()
        worker.join()

    class ClosedPipe(io.StringIO):
        def flush(self):
            raise BrokenPipeError

    assert ending == []  # returned each time, for the usual exit
    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    _exit_now(SystemExit(0))
    assert ending == [("handlers",)]  # run, then the flush failed: the usual exit follows (running none again)


def test_python_m_baseline_and_the_console_script_run_main():
    from pathlib import Path

    import tomllib

    from baseline import __main__

    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert project["project"]["scripts"]["baseline"] == "baseline.cli:main"
    assert __main__.main.__module__ == "baseline.cli" and __main__.main.__name__ == "main"
