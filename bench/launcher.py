"""Runs the measured commands for the harness, one at a time: a JSON argv in on stdin, a JSON result out on stdout.

    python bench/launcher.py    (started once by bench.py, before the harness grows)

Why a process of its own: Linux starts a child's peak-memory figure (ru_maxrss) from its parent's, so the parent of
every measured command must stay as small as a bare Python. os.wait4 gives each child's own peak RSS, user and system
CPU; wall time is taken around the child's whole life.
"""

import json
import os
import resource
import subprocess
import sys
import tempfile
import time

TAIL = 4000  # characters of stdout and stderr sent back (the floors print one line; errors end with the cause)


def run(argv: list[str]) -> dict:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(max(0, out.seek(0, os.SEEK_END) - TAIL))
        err.seek(max(0, err.seek(0, os.SEEK_END) - TAIL))
        return {"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024,
                "returncode": process.returncode, "stdout": out.read().decode(errors="replace"),
                "stderr": err.read().decode(errors="replace")}


def own_peak() -> dict:
    """An empty argv asks for the launcher's own peak: no measured figure can be below it."""
    return {"seconds": 0.0, "cpu_seconds": 0.0, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "returncode": 0, "stdout": "", "stderr": ""}


def main() -> int:
    for line in sys.stdin:
        argv = json.loads(line)
        print(json.dumps(run(argv) if argv else own_peak()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
