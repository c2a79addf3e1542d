"""cli.py's exit: the objects start-up made are frozen out of the collector's sight once the command is done
(gc.freeze at exit: the interpreter's last walks for reference cycles were a tenth of a one-file validate), and the
command's output and exit code are whole all the same."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from baseline import intake
from tests.hostile import answered, generate_return

# An exit handler registered before baseline.cli is imported runs after cli's own (they run last in, first out).
_CODE = ("import atexit, gc, sys\n"
         "atexit.register(lambda: print('frozen at exit:', gc.get_freeze_count() > 0))\n"
         "from baseline.cli import cli\n"
         "cli(sys.argv[1:])\n")


def _run(*args: str, cache) -> subprocess.CompletedProcess:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    return subprocess.run([sys.executable, "-c", _CODE, *args], capture_output=True, text=True, env=env)


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
