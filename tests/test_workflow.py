"""workflow.py: every file-level command reaches the files by one route (expand_paths + read_return), so the same
files and the same --agency filter give the same agencies in validate, merge and summary."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from baseline import catalogue, workflow
from baseline.assessment import Answer, Choice
from baseline.issues import BaselineError
from baseline.xlsx.agency.writer import write_agency_workbook
from baseline.xlsx.merged.reader import read_merged_workbook

AGENCIES = {"North CAMHS": ["mental_health"], "North Schools": ["education"], "North ED": ["emergency_care"]}


@pytest.fixture
def returns(tmp_path):
    guideline = catalogue.load("NG225")
    folder = tmp_path / "returns"
    folder.mkdir()
    for agency, sectors in AGENCIES.items():
        write_agency_workbook(folder / f"{agency.lower().replace(' ', '-')}.xlsx", guideline, agency=agency,
                              sectors=sectors, area="Northshire",
                              prefill={"1.1.1": Answer("1.1.1", Choice.YES, Choice.YES)},
                              generated_at=dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc))
    return folder


def seen_by_each_command(run, tmp_path, files, *filters) -> tuple[list, list, list]:
    validated = json.loads(run("validate", *files, *filters, "--format", "json").stdout)
    out = tmp_path / f"merged-{len(list(tmp_path.iterdir()))}.xlsx"
    assert run("merge", *files, *filters, "-o", out).exit_code == 0
    merged = [a.agency for a in read_merged_workbook(out).agencies]
    summarised = json.loads(run("summary", *files, *filters, "--format", "json").stdout)["agencies"]
    return sorted(f["agency"] for f in validated["files"]), sorted(merged), sorted(summarised)


@pytest.mark.parametrize("filters, expected", [
    ((), ["North CAMHS", "North ED", "North Schools"]),
    (("--agency", "north camhs", "--agency", "NORTH  SCHOOLS"), ["North CAMHS", "North Schools"]),
])
def test_validate_merge_and_summary_see_the_same_agencies(run, tmp_path, returns, filters, expected):
    files = [returns, returns / "north-ed.xlsx"]  # a file named twice (through its folder too) is one return
    assert seen_by_each_command(run, tmp_path, files, *filters) == (expected, expected, expected)


def test_validate_reads_a_file_named_twice_once_as_merge_does(returns):
    path = returns / "north-camhs.xlsx"
    assert [f.path for f in workflow.validate_files([path, path, returns]).files] == [
        str(path), str(returns / "north-ed.xlsx"), str(returns / "north-schools.xlsx")]


@pytest.mark.parametrize("command", ["validate", "merge", "summary"])
def test_an_agency_no_file_has_is_an_error_in_every_command(run, tmp_path, returns, command):
    extra = ["-o", tmp_path / "m.xlsx"] if command == "merge" else []
    result = run(command, returns, "--agency", "Nobody", *extra)
    assert result.exit_code == 1
    assert "No agency named 'Nobody' in these files. Agencies: North CAMHS, North ED, North Schools." in result.stderr
    assert not (tmp_path / "m.xlsx").exists()


def test_summary_over_a_merged_workbook_takes_the_same_filter(run, tmp_path, returns):
    out = tmp_path / "all.xlsx"
    assert run("merge", returns, "-o", out).exit_code == 0
    only = json.loads(run("summary", out, "--agency", "North ED", "--format", "json").stdout)
    assert only["agencies"] == ["North ED"]
    with pytest.raises(BaselineError, match="No agency named 'Nobody'"):
        workflow.summarise_files([out], agencies=["Nobody"])


def test_generate_takes_the_agency_filter_with_the_file_names_of_a_full_run(run, tmp_path, write_yaml):
    config = write_yaml({
        "area": "Northshire", "guideline": "NG225", "return_by": "2027-01-31", "facilitator": {"name": "F", "email": "f@example.org"},
        "agencies": [{"name": name, "sectors": sectors} for name, sectors in AGENCIES.items()],
    }, "assessment.yaml")
    result = run("generate", config, "-o", tmp_path / "out", "--agency", "north ed")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{tmp_path / 'out' / 'north-ed.xlsx'}\n"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["north-ed.xlsx"]
    unknown = run("generate", config, "-o", tmp_path / "out2", "--agency", "Nobody")
    assert unknown.exit_code == 1 and "No agency named 'Nobody'" in unknown.stderr
