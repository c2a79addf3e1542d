"""`baseline validate`: one case per issue code (code, cell, exit code), JSON equal to the library result, tables,
folders, --strict, and no traceback whatever the input."""

from __future__ import annotations

import json
import random
import zipfile

import pytest

from baseline.issues import ISSUE_CODES
from baseline.workflow import validate_files
from tests.cases import builders
from tests.cases.builders import NEGATIVE, POSITIVE

# The codes DESIGN.md requires at least; the cases must cover each (and may cover more).
REQUIRED_CODES = {
    "unreadable-file", "unsafe-file", "not-a-baseline-workbook", "unknown-guideline-version", "fingerprint-mismatch",
    "missing-recommendation", "unknown-recommendation", "duplicate-recommendation", "invalid-choice", "invalid-date",
    "formula-in-input", "text-too-long", "owner-missing", "deadline-missing", "answer-without-relevance",
    "answered-but-not-relevant",
}


def test_every_required_code_has_a_case_and_cases_use_registered_codes():
    covered = {case.code for case in NEGATIVE}
    assert REQUIRED_CODES <= covered
    assert covered <= set(ISSUE_CODES)
    for case in NEGATIVE:
        assert case.exit_code == (1 if ISSUE_CODES[case.code] == "error" else 0), case.code


@pytest.mark.parametrize("case", NEGATIVE, ids=[c.code for c in NEGATIVE])
def test_each_issue_code_at_its_cell(run, tmp_path, case):
    path, cell, recommendation = case.build(tmp_path)
    result = run("validate", "--format", "json", path)
    assert result.exit_code == case.exit_code, result.output
    data = json.loads(result.stdout)
    assert data == validate_files([path]).to_dict()
    [file] = data["files"]
    assert file["path"] == str(path)
    assert file["valid"] is (case.exit_code == 0)
    hits = [i for i in file["issues"] if i["code"] == case.code]
    assert hits, file["issues"]
    assert {"cell": cell, "recommendation": recommendation} in [
        {"cell": i["cell"], "recommendation": i["recommendation"]} for i in hits]
    assert all(i["severity"] == ISSUE_CODES[case.code] for i in hits)
    assert all(i["message"] for i in file["issues"])


@pytest.mark.parametrize("case", [c for c in NEGATIVE if c.exit_code == 0], ids=lambda c: c.code)
def test_strict_turns_warnings_into_errors(run, tmp_path, case):
    path, cell, _ = case.build(tmp_path)
    result = run("validate", "--strict", "--format", "json", path)
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data == validate_files([path], strict=True).to_dict()
    assert data["files"][0]["valid"] is False
    assert {i["severity"] for i in data["files"][0]["issues"]} == {"error"}


# Good returns are valid; the blank one and the sloppy one (a note under the table) carry a warning, so only the
# complete one also passes --strict.
WARNED = {"blank": ["blank-return"], "complete": [], "sloppy": ["note-below-table"]}


@pytest.mark.parametrize("name", POSITIVE)
def test_good_returns_pass(run, tmp_path, name):
    path = POSITIVE[name](tmp_path)
    result = run("validate", "--format", "json", path)
    assert result.exit_code == 0, result.output
    [file] = json.loads(result.stdout)["files"]
    assert file["valid"] is True
    assert [i["code"] for i in file["issues"]] == WARNED[name]
    strict = run("validate", "--strict", path)
    if WARNED[name]:
        assert strict.exit_code == 1
        return
    assert strict.exit_code == 0, strict.output
    assert strict.stdout == f"✓ {path} — North CAMHS: valid\n"
    assert strict.stderr == "1 of 1 file valid.\n"


def test_table_output_points_at_cells_and_counts_files(run, tmp_path):
    good = POSITIVE["complete"](tmp_path)
    (tmp_path / "bad").mkdir()
    bad, cell, _ = builders.build_invalid_choice(tmp_path / "bad")
    (tmp_path / "warn").mkdir()
    warned, warn_cell, _ = builders.build_owner_missing(tmp_path / "warn")
    missing = tmp_path / "never-sent.xlsx"
    result = run("validate", good, bad, warned, missing)
    assert result.exit_code == 1
    out = result.stdout
    assert f"✓ {good} — North CAMHS: valid\n" in out
    assert f"✗ {bad} — North CAMHS: 1 error, 0 warnings" in out
    assert f"✓ {warned} — North CAMHS: valid (1 warning)" in out
    assert f"✗ {missing}: 1 error, 0 warnings" in out
    assert f"Assessment!{cell}" in out and f"Assessment!{warn_cell}" in out
    assert "invalid-choice" in out and "owner-missing" in out and "unreadable-file" in out
    assert "'Perhaps'" in out
    assert out.index(str(good)) < out.index(str(bad)) < out.index(str(warned)) < out.index(str(missing))
    assert result.stderr == "2 of 4 files valid.\n"


def test_messages_are_shown_verbatim_not_as_markup(run, tmp_path):
    wb = builders.new_workbook()
    builders.put(wb, "1.5.1", relevant="[bold]Yes[/bold]")
    path = builders.save(wb, tmp_path / "markup.xlsx")
    result = run("validate", path, env={"COLUMNS": "300"})  # wide enough for the message to stay on one line
    assert "says '[bold]Yes[/bold]'; choose Yes, Partial or No from the list." in result.stdout


def test_a_folder_stands_for_the_workbooks_inside_it(run, tmp_path):
    folder = tmp_path / "returns"
    folder.mkdir()
    b = builders.save(builders.new_workbook(agency="B agency"), folder / "b.xlsx")
    a = builders.save(builders.new_workbook(agency="A agency"), folder / "a.xlsx")
    (folder / "~$a.xlsx").write_bytes(b"lock file of an open workbook")
    (folder / "notes.txt").write_text("not a workbook")
    result = run("validate", "--format", "json", folder)
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [f["path"] for f in data["files"]] == [str(a), str(b), str(folder / "notes.txt")]
    assert [i["code"] for i in data["files"][2]["issues"]] == ["skipped-file"]  # listed, not silently dropped
    assert data == validate_files([folder]).to_dict()


def test_files_that_are_not_returns_are_skipped_not_valid(run, tmp_path):
    folder = tmp_path / "returns"
    folder.mkdir()
    good = builders.save(builders.new_workbook(agency="A agency"), folder / "a.xlsx")
    (folder / "letter.docx").write_bytes(b"PK not a return")
    (folder / "notes.txt").write_text("not a workbook")
    (folder / "old").mkdir()
    data = json.loads(run("validate", "--format", "json", folder).stdout)
    assert data == validate_files([folder]).to_dict()
    by_name = {f["path"].rsplit("/", 1)[-1]: f for f in data["files"]}
    assert by_name["a.xlsx"]["valid"] is True and by_name["a.xlsx"]["skipped"] is False
    for name in ("letter.docx", "notes.txt", "old"):
        assert by_name[name]["skipped"] is True and by_name[name]["valid"] is False, name
    nested = by_name["old"]["issues"][0]["message"]
    assert "a folder inside" in nested and "folders inside them are not" in nested and "save it as" not in nested
    assert "save it as .xlsx" in by_name["letter.docx"]["issues"][0]["message"]

    result = run("validate", folder, env={"COLUMNS": "200"})
    assert result.exit_code == 0  # a skipped file is a warning: nothing unread is a return
    assert f"✓ {good} — A agency: valid" in result.stdout
    assert f"– {folder / 'letter.docx'}: skipped, not read" in result.stdout
    assert f"{folder / 'letter.docx'}: valid" not in result.stdout
    assert result.stderr == "1 of 1 file valid, 3 skipped.\n"
    text = run("validate", "--format", "text", folder).stdout
    assert f"{folder / 'old'}: skipped, not read. Not read: a folder inside" in text


def test_an_empty_folder_is_reported_not_ignored(run, tmp_path):
    result = run("validate", "--format", "json", tmp_path)
    assert result.exit_code == 1
    [file] = json.loads(result.stdout)["files"]
    assert file["path"] == str(tmp_path)
    assert [i["code"] for i in file["issues"]] == ["unreadable-file"]


def test_one_bad_file_never_stops_the_others(run, tmp_path):
    paths = []
    for case in NEGATIVE:
        folder = tmp_path / case.code
        folder.mkdir()
        paths.append(case.build(folder)[0])
    good = POSITIVE["blank"](tmp_path)
    result = run("validate", "--format", "json", *paths, good)
    data = json.loads(result.stdout)
    assert [f["path"] for f in data["files"]] == [str(p) for p in [*paths, good]]
    assert data["files"][-1]["valid"] is True
    assert result.exit_code == 1
    assert result.stderr == f"{1 + sum(c.exit_code == 0 for c in NEGATIVE)} of {len(paths) + 1} files valid.\n"


def test_usage_errors_exit_2(run):
    assert run("validate").exit_code == 2
    assert run("validate", "--format", "xml", "x.xlsx").exit_code == 2


def _mangled(original: bytes, rng: random.Random) -> tuple[str, bytes]:
    """(how it was damaged, the damaged bytes)."""
    data = bytearray(original)
    kind = rng.choice(["cut", "flip", "zero", "shuffle"])
    if kind == "cut":
        return kind, bytes(data[: rng.randrange(1, len(data))])
    if kind == "flip":
        for _ in range(rng.randint(1, 50)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        return kind, bytes(data)
    if kind == "zero":
        start = rng.randrange(len(data))
        data[start: start + rng.randint(1, 4096)] = bytes(min(4096, len(data) - start))
        return kind, bytes(data)
    blocks = [bytes(data[i: i + 512]) for i in range(0, len(data), 512)]
    rng.shuffle(blocks)
    return kind, b"".join(blocks)


def test_no_input_makes_validate_print_a_traceback(run, tmp_path):
    """Damaged copies of a real return (cut, bit-flipped, zeroed, shuffled) and damaged parts inside a valid zip:
    always a report and exit 0/1, never an exception (the run fixture lets exceptions through)."""
    original = POSITIVE["complete"](tmp_path).read_bytes()
    rng = random.Random(225)
    paths, cut = [], []
    for i in range(40):
        path = tmp_path / f"mangled-{i}.xlsx"
        kind, data = _mangled(original, rng)
        path.write_bytes(data)
        paths.append(path)
        if kind == "cut":  # a zip cut short loses its central directory: never readable
            cut.append(str(path))
    # Valid zips with damaged XML in each part in turn.
    with zipfile.ZipFile(tmp_path / "complete.xlsx") as archive:
        names = [n for n in archive.namelist() if n.endswith((".xml", ".rels"))]
    for name in names:
        path = tmp_path / f"part-{len(paths)}.xlsx"
        path.write_bytes(original)
        builders.rewrite_part(path, name, lambda data: data[: len(data) // 2])
        paths.append(path)
    result = run("validate", "--format", "json", *paths)
    assert result.exit_code in (0, 1)
    data = json.loads(result.stdout)
    assert [file["path"] for file in data["files"]] == [str(path) for path in paths]  # each file, once, in order
    assert cut  # the seed above damages some files by cutting them
    for file in data["files"]:
        assert all(i["code"] in ISSUE_CODES and i["message"].strip() for i in file["issues"])
        assert all(i["severity"] == ISSUE_CODES[i["code"]] for i in file["issues"])
        # valid exactly when no issue is an error
        assert file["valid"] is not any(i["severity"] == "error" for i in file["issues"])
        if file["path"] in cut:
            assert not file["valid"], file
    assert result.exit_code == (0 if all(file["valid"] for file in data["files"]) else 1)
    assert "Traceback" not in result.output


def test_readme_lists_every_issue_code_with_its_severity():
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("#### Issue codes"):]
    for code, severity in ISSUE_CODES.items():
        assert f"| `{code}` | {severity} |" in table, code


def _csv_with_deadlines(tmp_path, deadlines: dict[str, str]):
    """The Assessment sheet exported as CSV (as Excel in a US locale writes it): text dates as typed."""
    import csv

    wb = builders.new_workbook()
    for rec_id, deadline in deadlines.items():
        builders.put(wb, rec_id, relevant="Yes", meets="No", action="Train staff", owner="Lead", deadline=deadline)
    ws = builders.assessment(wb)
    cells = {rec_id: builders.cell_of(ws, rec_id, "deadline") for rec_id in deadlines}
    path = tmp_path / "camhs.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        for row in ws.iter_rows(values_only=True):
            writer.writerow(["" if v is None else v for v in row])
    return path, cells


def test_a_csv_with_a_month_first_date_makes_its_either_way_dates_errors(run, tmp_path):
    path, cells = _csv_with_deadlines(tmp_path, {"1.1.1": "03/05/2027", "1.1.2": "03/14/2027"})
    result = run("validate", "--format", "json", path, "--as-agency", builders.AGENCY, "--sector", "mental_health")
    assert result.exit_code == 1
    [file] = json.loads(result.stdout)["files"]
    errors = {i["cell"]: i["message"] for i in file["issues"] if i["code"] == "invalid-date"}
    assert set(errors) == {cells["1.1.1"], cells["1.1.2"]}  # 03/05/2027 is not silently 3 May
    assert "could be 3 May 2027 or 5 March 2027" in errors[cells["1.1.1"]]
    assert "'03/14/2027', written month first" in errors[cells["1.1.1"]]


def test_either_way_dates_are_read_day_first_when_nothing_says_otherwise(run, tmp_path):
    path, _ = _csv_with_deadlines(tmp_path, {"1.1.1": "03/05/2027", "1.1.2": "31/03/2027"})
    result = run("validate", "--format", "json", path, "--as-agency", builders.AGENCY, "--sector", "mental_health")
    assert result.exit_code == 0, result.output
    [file] = json.loads(result.stdout)["files"]
    assert not [i for i in file["issues"] if i["code"] == "invalid-date"]


def test_the_same_rule_holds_for_text_dates_in_a_workbook(run, tmp_path):
    wb = builders.new_workbook()
    for rec_id, deadline in {"1.1.1": "03/05/2027", "1.1.2": "03/14/2027"}.items():
        builders.put(wb, rec_id, relevant="Yes", meets="No", action="Train staff", owner="Lead", deadline=deadline)
    cell = builders.cell_of(builders.assessment(wb), "1.1.1", "deadline")
    path = builders.save(wb, tmp_path / "camhs.xlsx")
    [file] = json.loads(run("validate", "--format", "json", path).stdout)["files"]
    assert cell in {i["cell"] for i in file["issues"] if i["code"] == "invalid-date"}
