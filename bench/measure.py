"""Run one command as a fresh process and measure what its user waits for: wall time, CPU time, peak memory.

os.wait4 gives the child's own rusage (peak RSS, user and system CPU), so no polling and no extra package. A
child that forks workers and waits for them reports the largest of them as its peak (Linux ru_maxrss semantics),
not their sum: note this when the CLI grows a process pool.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class Run:
    seconds: float
    cpu_seconds: float
    peak_mb: float
    returncode: int
    stdout: str = field(default="", repr=False)
    stderr: str = field(default="", repr=False)


@dataclass
class Measurement:
    """Best of N runs of one command (the least disturbed by the other work on a shared machine)."""

    label: str
    argv: list[str]
    runs: list[Run]
    expected_codes: tuple[int, ...] = (0,)

    @property
    def best(self) -> Run:
        return min(self.runs, key=lambda run: run.seconds)

    @property
    def ok(self) -> bool:
        return all(run.returncode in self.expected_codes for run in self.runs)

    @property
    def seconds(self) -> float:
        return self.best.seconds

    @property
    def peak_mb(self) -> float:
        return max(run.peak_mb for run in self.runs)

    def as_json(self) -> dict:
        best = self.best
        result = {
            "argv": self.argv, "ok": self.ok, "seconds": round(best.seconds, 4),
            "cpu_seconds": round(best.cpu_seconds, 4), "peak_mb": round(self.peak_mb, 1),
            "runs": [round(run.seconds, 4) for run in self.runs],
        }
        if not self.ok:
            failed = next(run for run in self.runs if run.returncode not in self.expected_codes)
            result["error"] = {"returncode": failed.returncode, "stderr": failed.stderr[-2000:]}
        return result


def run_once(argv: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> Run:
    """Run argv to completion; stdout and stderr go to temporary files (a pipe left unread could block the child)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env, cwd=cwd)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(seconds=seconds, cpu_seconds=usage.ru_utime + usage.ru_stime, peak_mb=usage.ru_maxrss / 1024,
                   returncode=process.returncode, stdout=out.read().decode(errors="replace"),
                   stderr=err.read().decode(errors="replace"))
