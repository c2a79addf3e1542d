"""Returns as people really fill them (issue 10): nothing lost, nothing invented.

Every case (tests/cases/messy.py) is read through the CLI (`validate --format json`, `--strict`, and `summary` when
valid) and through the library (`read_return`); both must give the same issues, and the library the statuses,
cells and deadlines the person who filled the workbook in meant.
"""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from pathlib import Path

import pytest

from baseline import catalogue
from baseline.assessment import count_statuses
from baseline.config import AgencyMap
from baseline.files import expand_paths
from baseline.xlsx.returns import read_return
from tests.cases import messy
from tests.libreoffice import SOFFICE

CASES = messy.AGENCY_CASES + messy.NICE_CASES


def _param(case: messy.Case):
    marks = [pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")] if case.soffice \
        else []
    return pytest.param(case, id=case.name, marks=marks)


def _agencies(args: tuple[str, ...]) -> AgencyMap | None:
    """The library's form of the CLI's --as-agency NAME --sector S."""
    if not args:
        return None
    options = dict(zip(args[::2], args[1::2]))
    return AgencyMap.single(options["--as-agency"], [options["--sector"]])


def _validate(run, path: Path, *args: str):
    result = run("validate", path, "--format", "json", *args)
    return result, json.loads(result.stdout)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_case_reads_as_meant(case: messy.Case, run, tmp_path: Path):
    built = case.build(tmp_path)

    # The CLI: exit code, and every issue (code and cell), exactly.
    result, data = _validate(run, built.path, *built.args)
    assert result.exit_code == built.exit_code, result.output
    [file] = data["files"]
    found = Counter((i["code"], i["cell"]) for i in file["issues"])
    assert found == Counter(built.issues), file["issues"]
    assert file["valid"] is (built.exit_code == 0)
    for issue in file["issues"]:
        if issue["cell"]:
            assert issue["cell"] in issue["message"], issue  # the message names the cell it is about
    assert run("validate", built.path, "--strict", *built.args).exit_code == built.strict

    # The library: the same issues, and the statuses, cells and deadlines the person meant.
    read = read_return(built.path, _agencies(built.args))
    assert [i.to_dict() for i in read.report.issues] == file["issues"]
    if not built.statuses and built.exit_code:
        return
    assert read.agency_return is not None
    statuses = {rec_id: status.value for rec_id, status in read.agency_return.statuses.items()}
    for rec_id, status in built.statuses.items():
        assert statuses.pop(rec_id) == status, rec_id
    assert set(statuses.values()) <= {"not_assessed"}, statuses  # nothing else was invented
    for rec_id, evidence in built.evidence.items():
        assert read.agency_return.answers[rec_id].evidence == evidence
    for rec_id, deadline in built.deadlines.items():
        answer = read.agency_return.answers[rec_id]
        if isinstance(deadline, str):
            assert (answer.deadline, answer.deadline_text) == (None, deadline)
        else:
            assert answer.deadline == deadline and not answer.deadline_text

    # summary (a valid return): the CLI counts the statuses the library read.
    if built.exit_code == 0:
        summary = run("summary", built.path, "--format", "json", *built.args)
        assert summary.exit_code == 0, summary.output
        [by_agency] = json.loads(summary.stdout)["by_agency"]
        assert by_agency["counts"] == count_statuses(read.agency_return.statuses.values())


def test_read_as_says_what_was_read(run, tmp_path: Path):
    built = messy.variants(tmp_path)
    issues = {i["cell"]: i for i in json.loads(run("validate", built.path, "--format", "json").stdout)["files"][0]
              ["issues"]}
    relevant = issues[messy.ref_of(built.path, "1.1.1", "relevant")]
    assert "'Y'" in relevant["message"] and "Yes" in relevant["message"], relevant
    partially = issues[messy.ref_of(built.path, "1.1.3", "meets")]
    assert "'Partially'" in partially["message"] and "Partial" in partially["message"]
    not_applicable = issues[messy.ref_of(built.path, "1.1.4", "relevant")]
    assert "'n/a'" in not_applicable["message"] and "No" in not_applicable["message"]
    assert all(i["severity"] == "warning" for i in issues.values())


def test_dates_say_what_was_read(run, tmp_path: Path):
    built = messy.dates_accepted(tmp_path)
    messages = [i["message"] for i in json.loads(run("validate", built.path, "--format", "json").stdout)["files"][0]
                ["issues"]]
    assert any("'31st March 2027'" in m and "31/03/2027" in m for m in messages), messages
    assert any("'30 Sept 2027'" in m and "30/09/2027" in m for m in messages), messages


def test_bad_dates_say_what_to_write(run, tmp_path: Path):
    built = messy.dates_refused(tmp_path)
    messages = [i["message"] for i in json.loads(run("validate", built.path, "--format", "json").stdout)["files"][0]
                ["issues"]]
    assert len(messages) == 3
    assert all("31/03/2027" in m for m in messages), messages  # what to write instead
    assert any("'3/31/2027'" in m for m in messages) and any("1027" in m for m in messages)


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_folder_accounts_for_every_file(run, tmp_path: Path):
    folder = messy.messy_folder(tmp_path)
    result, data = _validate(run, folder.path)
    assert result.exit_code == 1  # two returns could not be read: never exit 0
    files = {Path(f["path"]).name: f for f in data["files"]}
    assert set(files) == set(folder.read) | set(folder.skipped)  # lock and hidden files are nobody's return
    for name, valid in folder.read.items():
        assert files[name]["valid"] is valid, files[name]
    for name, code in folder.errors.items():
        errors = [i for i in files[name]["issues"] if i["severity"] == "error"]
        assert [i["code"] for i in errors] == [code], errors
        assert "." in errors[0]["message"] and len(errors[0]["message"]) > 60  # a reason and what to do
    assert files["south-camhs.xls"]["agency"] == "South CAMHS"
    for name in folder.skipped:
        assert [(i["code"], i["severity"]) for i in files[name]["issues"]] == [("skipped-file", "warning")]
    # Text output names the files that were not read, and the skipped one.
    text = run("validate", folder.path).output
    for name in [*folder.errors, *folder.skipped]:
        assert name in text
    # A merge refuses: a workbook without two agencies' returns would be wrong.
    merged = tmp_path / "merged.xlsx"
    refused = run("merge", folder.path, "-o", merged)
    assert refused.exit_code == 1 and not merged.exists()
    # The library's view of the folder is the same.
    expanded = expand_paths([folder.path])
    assert sorted(p.name for p in expanded.files) == sorted(folder.read)
    assert sorted(Path(r.path).name for r in expanded.reports) == sorted(folder.skipped)


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_folder_with_only_readable_returns_merges(run, tmp_path: Path):
    folder = messy.messy_folder(tmp_path, with_problems=False)
    result, data = _validate(run, folder.path)
    assert result.exit_code == 0, result.output  # a skipped covering note is a warning
    assert {Path(f["path"]).name for f in data["files"]} == {"north-camhs.xlsx", "south-camhs.xls",
                                                             "covering-note.txt"}
    merged = tmp_path / "merged.xlsx"
    done = run("merge", folder.path, "-o", merged, "--as-of", "2027-03-01")
    assert done.exit_code == 0, done.output
    summary = json.loads(run("summary", merged, "--format", "json", "--as-of", "2027-03-01").stdout)
    assert sorted(a["agency"] for a in summary["by_agency"]) == ["North CAMHS", "South CAMHS"]


def test_hidden_and_lock_files_are_ignored_not_reported(tmp_path: Path):
    (tmp_path / "~$a.xlsx").write_bytes(b"x")
    (tmp_path / ".hidden.xlsx").write_bytes(b"x")
    (tmp_path / ".~lock.a.xlsx#").write_bytes(b"x")
    (tmp_path / "readme.md").write_text("notes", encoding="utf-8")
    expanded = expand_paths([tmp_path])
    assert expanded.files == []
    reports = [(Path(r.path).name, [i.code for i in r.issues]) for r in expanded.reports]
    # The note is listed as skipped; the folder itself, holding no return at all, is an error (nothing to read).
    assert reports == [("readme.md", ["skipped-file"]), (tmp_path.name, ["unreadable-file"])]


@pytest.mark.parametrize("suffix", [".xlsx", ".xlsm", ".ods", ".xls", ".xlsb", ".csv", ".numbers", ".XLSX"])
def test_every_spreadsheet_like_file_is_a_return(tmp_path: Path, suffix: str):
    (tmp_path / f"agency{suffix}").write_bytes(b"not really a spreadsheet")
    expanded = expand_paths([tmp_path])
    assert [p.name for p in expanded.files] == [f"agency{suffix}"]
    [report] = [read_return(p).report for p in expanded.files]
    assert report.issues and all(i.severity == "error" for i in report.issues)


def test_the_demo_late_return_shows_new_warnings_beside_its_errors(run, tmp_path: Path):
    """`make demo` step 4: the late return with mistakes (workbooks/examples/make_example_returns.py)."""
    script = Path(__file__).parent.parent / "workbooks" / "examples" / "make_example_returns.py"
    spec = importlib.util.spec_from_file_location("make_example_returns", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    path = tmp_path / "late.xlsx"
    module.write_problem_return(path, catalogue.load("NG225"), "Northshire Ambulance Service", ["ambulance"],
                                "Northshire")
    result, data = _validate(run, path)
    assert result.exit_code == 1
    found = {i["code"] for i in data["files"][0]["issues"]}
    assert {"invalid-choice", "read-as", "meets-missing", "note-below-table", "deadline-as-text"} <= found


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_an_xls_reaching_far_outside_the_table_is_refused_before_parsing(run, tmp_path: Path):
    """calamine would allocate the whole 65,536 x 256 extent of an .xls sheet (a gigabyte for a 6 KB file)."""
    wb = messy.new_workbook()
    messy.met(wb, "1.1.1")
    messy.assessment(wb)["IV65536"] = "x"
    source = messy.save(wb, tmp_path / "far.xlsx")
    path = messy.convert(source, tmp_path / "lo", "xls")
    result, data = _validate(run, path)
    assert result.exit_code == 1
    [issue] = data["files"][0]["issues"]
    assert issue["code"] == "unsafe-file" and "IV65536" in issue["message"]


def test_a_csv_far_larger_than_any_table_is_refused(run, tmp_path: Path):
    path = tmp_path / "huge.csv"
    path.write_text("Recommendation,Relevant to us?\n" + "," * 3_000_000 + "\n", encoding="utf-8")
    result, data = _validate(run, path, *messy.AS_AGENCY)
    assert result.exit_code == 1
    assert [i["code"] for i in data["files"][0]["issues"]] == ["unsafe-file"]


def test_a_workbook_renamed_to_csv_is_read_as_the_workbook(run, tmp_path: Path):
    wb = messy.new_workbook()
    messy.met(wb, "1.1.1")
    path = messy.save(wb, tmp_path / "renamed.csv")
    result, data = _validate(run, path)
    assert result.exit_code == 0, result.output
    assert data["files"][0]["agency"] == messy.AGENCY and data["files"][0]["issues"] == []
