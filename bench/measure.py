"""Measurements of commands run as fresh processes: wall time, CPU time, peak memory, best of N runs.

The commands are started by launcher.py, a bare Python process of its own: Linux starts a child's peak-memory
figure from its parent's, so the parent must stay small whatever the harness holds. A child that forks workers
and waits for them reports the largest of them as its peak (Linux ru_maxrss), not their sum: mind this when the
CLI grows a process pool.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

LAUNCHER = Path(__file__).resolve().parent / "launcher.py"


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


class Launcher:
    """The process that starts each measured command (see the module's doc)."""

    def __init__(self) -> None:
        # The commands run as users run them: reading (and, for whatever is not compiled yet, writing) bytecode,
        # whatever PYTHONDONTWRITEBYTECODE the harness's own environment holds.
        environment = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
        self.process = subprocess.Popen([sys.executable, str(LAUNCHER)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, env=environment)

    def run(self, argv: list[str]) -> Run:
        self.process.stdin.write(json.dumps([str(part) for part in argv]) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("bench: the launcher process stopped")
        return Run(**json.loads(line))

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()
