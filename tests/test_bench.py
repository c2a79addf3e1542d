"""The benchmark harness (`make bench`) still runs end to end and writes the JSON the lead reads: a smoke test at
3 returns and 1 run (a few seconds). Never a timed test: no number is compared with a limit here.
Deselect with `-m "not bench"`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench.py"
SIZE_STEPS = {"read_returns", "validate", "summary_returns", "merge", "merge_again", "read_merged", "write_merged",
              "summary_merged"}
FIXED_STEPS = {"help", "validate_one", "read_one", "generate", "write_generated"}


def sheets(path: Path) -> list[tuple[str, list[list]]]:
    workbook = CalamineWorkbook.from_path(str(path))
    try:
        return [(name, workbook.get_sheet_by_name(name).to_python()) for name in workbook.sheet_names]
    finally:
        workbook.close()


@pytest.mark.bench
def test_bench_runs_every_command_and_writes_the_json_report(tmp_path: Path):
    results_path, cache = tmp_path / "results.json", tmp_path / "cache"
    cli = Path(sys.executable).parent / "baseline"
    finished = subprocess.run(
        [sys.executable, str(BENCH), "--sizes", "3", "--repeat", "1", "--agencies", "2", "--json", str(results_path),
         "--cache", str(cache), "--cli", str(cli)],
        capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    results = json.loads(results_path.read_text())

    size = results["sizes"]["3"]
    assert set(size["measurements"]) == SIZE_STEPS
    assert set(results["fixed"]["measurements"]) == FIXED_STEPS
    for measurement in [*size["measurements"].values(), *results["fixed"]["measurements"].values()]:
        assert measurement["ok"], measurement
        assert measurement["seconds"] > 0 and measurement["peak_mb"] > 0 and len(measurement["runs"]) == 1
    assert all(value > 0 for value in size["ratios"].values())
    assert all(value > 0 for value in results["fixed"]["ratios"].values())
    names = {target["target"] for target in results["targets"]}
    assert {"merge peak memory", "merge again peak memory", "one-file validate ÷ its read floor",
            "--help seconds"} <= names
    assert all(isinstance(target["pass"], bool) for target in results["targets"])
    assert "Targets (issue 16)" in finished.stdout

    # The returns are full (every recommendation answered), and the write floor wrote the merged workbook's cells.
    key = next(cache.iterdir())
    for path in (key / "returns-3").glob("*.xlsx"):
        header, *rows = dict(sheets(path))["Assessment"]
        meets = header.index("Meets it?")
        listed = [row for row in rows if row[0]]
        assert listed and all(row[meets] in {"Yes", "Partial", "No"} for row in listed)
    out = key / "out"
    assert sheets(out / "floor-merged-3" / "merged-3.xlsx") == [
        (name, [[value for value in row] for row in rows]) for name, rows in sheets(out / "merged-3.xlsx")]
    assert len(list((out / "generated-2").glob("*.xlsx"))) == 2
