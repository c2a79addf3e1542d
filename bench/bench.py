"""Benchmark (`make bench`): validate / merge / summary of N full NG225 returns against python-calamine merely
reading the same files (DESIGN.md target: within 2x). Speed is measured here, never in a timed test.

Usage: python bench/bench.py [--returns 200] [--dir .benchmarks/returns]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

from python_calamine import CalamineWorkbook

from baseline import catalogue
from baseline.assessment import ActionStatus, Answer, Choice, YesNo
from baseline.summary import summarise
from baseline.workflow import load_returns, merge_files
from baseline.xlsx.agency.writer import write_agency_workbook


def make_returns(directory: Path, count: int) -> list[Path]:
    """Full returns (every recommendation listed and answered), made once and reused."""
    guideline = catalogue.load("NG225")
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = directory / f"agency-{i:03d}.xlsx"
        paths.append(path)
        if path.exists():
            continue
        rng = random.Random(i)
        answers = {}
        for rec in guideline.recommendations:
            meets = rng.choice(list(Choice))
            answers[rec.id] = Answer(
                rec.id, relevant=rng.choice([Choice.YES, Choice.PARTIAL]), meets=meets,
                evidence=f"Evidence for {rec.id} from agency {i}. " * rng.randint(1, 5),
                action="" if meets is Choice.YES else f"Action on {rec.id}",
                owner="" if meets is Choice.YES else f"Owner {rng.randint(1, 20)}",
                deadline=dt.date(2027, 1, 1) + dt.timedelta(days=rng.randint(0, 365)),
                action_status=rng.choice(list(ActionStatus)), risk=rng.choice(list(YesNo)), completed_by=f"Person {i}",
            )
        write_agency_workbook(path, guideline, agency=f"Agency {i:03d}", sectors=["commissioning"], area="Benchmark",
                              all_recommendations=True, prefill=answers)
    return paths


def timed(label: str, fn) -> float:
    start = time.perf_counter()
    fn()
    seconds = time.perf_counter() - start
    print(f"{label:<40}{seconds:8.2f} s")
    return seconds


def calamine_read_all(paths: list[Path]) -> None:
    for path in paths:
        workbook = CalamineWorkbook.from_path(str(path))
        for name in workbook.sheet_names:
            workbook.get_sheet_by_name(name).to_python()
        workbook.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--returns", type=int, default=200)
    parser.add_argument("--dir", default=".benchmarks/returns")
    args = parser.parse_args()
    start = time.perf_counter()
    paths = make_returns(Path(args.dir), args.returns)
    print(f"{len(paths)} full NG225 returns ready in {time.perf_counter() - start:.1f} s ({args.dir})")

    base = timed("python-calamine reads every sheet", lambda: calamine_read_all(paths))
    validate = timed("validate (read + check every return)", lambda: load_returns(paths))
    outcome = {}
    merge = timed("merge (validate + merge, no write)", lambda: outcome.setdefault("m", merge_files(paths)))
    assert outcome["m"].ok, "benchmark returns should be valid"
    summary = timed("summary (over the merged assessment)", lambda: summarise(outcome["m"].assessment))
    print(f"ratio validate/calamine: {validate / base:.2f}x · merge/calamine: {merge / base:.2f}x "
          f"(target ≤ 2x) · summary adds {summary * 1000:.0f} ms")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (RSS) of this process: {peak:.0f} MB")
    for n in (20, len(paths)):
        rss = subprocess.run(
            [sys.executable, "-c",
             "import resource,sys; from baseline.workflow import merge_files; "
             "merge_files(sys.argv[1:]); print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)",
             *map(str, paths[:n])], capture_output=True, text=True, check=True).stdout.strip()
        print(f"peak memory merging {n:>3} returns: {rss} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
