"""The next round and a new guideline version, end to end through the CLI: generate -> fill -> merge ->
generate --prefill -> change some answers -> merge -> compare; migrate a return and a merged workbook both ways.

The agencies' answers are typed into the workbooks with openpyxl (standing in for Excel); the expected numbers are
counted by hand below from those answers, not computed by the library. The second encoding version is built in the
test (tests/factories.py) and put on BASELINE_RECOMMENDATIONS only inside the tests that need it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import openpyxl
import pytest

from baseline import catalogue
from baseline.actions import action_id
from baseline.assessment import ActionStatus, Answer, Choice
from baseline.workflow import compare_files, read_round
from baseline.xlsx.agency import layout
from baseline.xlsx.agency.layout import Continues
from baseline.xlsx.agency.writer import write_agency_workbook
from baseline.xlsx.cells import normalise_header
from baseline.xlsx.merged.reader import read_merged_workbook
from baseline.xlsx.returns import read_return

from .factories import ADDED, NEXT_VERSION, REMOVED, install_encoding, next_version
from .libreoffice import convert, needs_soffice

CONFIG = """\
area: Northshire
guideline: NG225@2022-09-07
round: "2027"
return_by: 2027-01-31
facilitator: {name: A. Facilitator, email: facilitator@example.org}
agencies:
  - {name: North CAMHS, sector: mental_health}
  - {name: North Schools, sector: education}
"""
CAMHS, SCHOOLS = "north-camhs.xlsx", "north-schools.xlsx"

# Round 1, as the agencies type it (everything else left blank: not assessed).
ROUND_1 = {
    CAMHS: {
        "1.1.1": {"relevant": "Yes", "meets": "No", "action": "Train staff", "owner": "Clinical lead",
                  "deadline": dt.datetime(2027, 1, 31), "action_status": "In progress"},
        "1.1.2": {"relevant": "Yes", "meets": "Partial", "action": "Leaflets", "owner": "Comms lead",
                  "deadline": dt.datetime(2027, 12, 31), "action_status": "Not started"},
        "1.1.3": {"relevant": "Yes", "meets": "Yes", "evidence": "Pathway v3"},
        "1.1.4": {"relevant": "No", "evidence": "Not our service"},
    },
    SCHOOLS: {
        "1.1.1": {"relevant": "Yes", "meets": "Yes"},
        "1.1.2": {"relevant": "Yes", "meets": "Yes"},
        "1.1.3": {"relevant": "Yes", "meets": "Yes"},
        "1.1.4": {"relevant": "Yes", "meets": "No", "action": "Assemblies", "owner": "DSL",
                  "deadline": dt.datetime(2027, 2, 1), "action_status": "Not started"},
    },
}
# Round 2: CAMHS reviews its prefilled workbook and changes two rows; the schools send theirs back untouched.
ROUND_2_CHANGES = {
    CAMHS: {
        "1.1.1": {"meets": "Yes", "action_status": "Complete"},
        "1.1.3": {"meets": "No", "action": "Audit", "owner": "Clinical lead", "deadline": dt.datetime(2027, 6, 30),
                  "action_status": "In progress"},
    },
}


def fill(path: Path, answers: dict[str, dict]) -> None:
    """Type answers into an agency workbook, finding columns by header and rows by recommendation id."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[layout.ASSESSMENT_SHEET]
    header = {normalise_header(c.value): c.column for c in sheet[layout.HEADER_ROW] if c.value}
    col = {c.key: header[normalise_header(c.header)] for c in layout.ASSESSMENT_COLUMNS}
    rows = {sheet.cell(r, col["recommendation"]).value: r for r in range(layout.FIRST_DATA_ROW, sheet.max_row + 1)}
    for rec_id, values in answers.items():
        for key, value in values.items():
            sheet.cell(rows[rec_id], col[key]).value = value
    workbook.save(path)


def sheet_text(path: Path, sheet: str) -> str:
    workbook = openpyxl.load_workbook(path)
    return "\n".join(str(v) for row in workbook[sheet].iter_rows(values_only=True) for v in row if v is not None)


@pytest.fixture
def round_one(tmp_path, run):
    config = tmp_path / "assessment.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    result = run("generate", config, "-o", tmp_path / "round1")
    assert result.exit_code == 0, result.output
    for name, answers in ROUND_1.items():
        fill(tmp_path / "round1" / name, answers)
    merged = tmp_path / "merged-2027.xlsx"
    result = run("merge", tmp_path / "round1", "-o", merged, "--as-of", "2027-03-01")
    assert result.exit_code == 0, result.output
    return config, merged


def test_two_rounds_end_to_end(tmp_path, run, round_one):
    config, merged_1 = round_one
    result = run("generate", config, "-o", tmp_path / "round2", "--prefill", merged_1)
    assert result.exit_code == 0, result.output
    assert result.stdout.split() == [str(tmp_path / "round2" / CAMHS), str(tmp_path / "round2" / SCHOOLS)]
    assert "2 prefilled from" in result.stderr

    # Each agency's workbook holds its last answers (as the reader reads them), and says so.
    for name in (CAMHS, SCHOOLS):
        before = read_return(tmp_path / "round1" / name).agency_return.answers
        after = read_return(tmp_path / "round2" / name).agency_return.answers
        assert after == before
    camhs_2 = tmp_path / "round2" / CAMHS
    assert "Please review every row" in sheet_text(camhs_2, layout.START_SHEET)
    assert "merged-2027.xlsx" in sheet_text(camhs_2, layout.START_SHEET)

    # Untouched, each comes back with an unchanged-return warning (valid: exit 0).
    result = run("validate", tmp_path / "round2", "--format", "json")
    assert result.exit_code == 0
    codes = {Path(f["path"]).name: [i["code"] for i in f["issues"]] for f in json.loads(result.stdout)["files"]}
    assert codes == {CAMHS: ["unchanged-return"], SCHOOLS: ["unchanged-return"]}

    for name, changes in ROUND_2_CHANGES.items():
        fill(tmp_path / "round2" / name, changes)
    result = run("validate", tmp_path / "round2", "--format", "json")
    codes = {Path(f["path"]).name: [i["code"] for i in f["issues"]] for f in json.loads(result.stdout)["files"]}
    assert codes == {CAMHS: [], SCHOOLS: ["unchanged-return"]}
    merged_2 = tmp_path / "merged-2028.xlsx"
    result = run("merge", tmp_path / "round2", "-o", merged_2, "--as-of", "2027-09-01")
    assert result.exit_code == 0, result.output

    result = run("compare", merged_1, merged_2, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data == json.loads(json.dumps(compare_files(merged_1, merged_2).to_dict()))

    # Counted by hand from ROUND_1 and ROUND_2_CHANGES. System status = the worst over the agencies asked.
    # 1.1.1: CAMHS not met, schools met -> not met; then both met -> met.      improved
    # 1.1.3: both met -> met; then CAMHS not met -> not met.                     worse
    # 1.1.2 (partially met) and 1.1.4 (CAMHS n/a, schools not met) unchanged; every other recommendation is blank
    # (not assessed) in both rounds: 51 in all (CAMHS lists 50, the schools 34, together every one).
    changes = {r["recommendation"]: (r["old"], r["new"], r["change"]) for r in data["recommendations"]}
    assert len(changes) == 51
    assert changes["1.1.1"] == ("not_met", "met", "improved")
    assert changes["1.1.3"] == ("met", "not_met", "worse")
    assert changes["1.1.2"] == ("partially_met", "partially_met", "same")
    assert changes["1.1.4"] == ("not_met", "not_met", "same")
    assert sum(c == "same" for _, _, c in changes.values()) == 49
    section = next(s for s in data["sections"] if s["id"] == "1.1")
    one_one = {"met": 1, "partially_met": 1, "not_met": 2, "not_assessed": 0, "not_applicable": 0}
    assert section["old"] == section["new"] == one_one  # the same counts, from different recommendations
    agencies = {a["agency"]: (a["old"], a["new"]) for a in data["agencies"]}
    camhs = {"met": 1, "partially_met": 1, "not_met": 1, "not_assessed": 46, "not_applicable": 1}
    schools = {"met": 3, "partially_met": 0, "not_met": 1, "not_assessed": 30, "not_applicable": 0}
    assert agencies == {"North CAMHS": (camhs, camhs), "North Schools": (schools, schools)}
    # Actions: CAMHS 1.1.1 closed; CAMHS 1.1.3 new; CAMHS 1.1.2 and schools 1.1.4 still open, of which only the
    # schools' (due 01/02/2027) is overdue at both as-of dates (CAMHS 1.1.2 is due 31/12/2027).
    assert data["actions"] == {"closed": 1, "new": 1, "still_open": 2, "still_overdue": 1, "dropped": 0}
    assert data["old"]["as_of"] == "2027-03-01" and data["new"]["as_of"] == "2027-09-01"

    table = run("compare", merged_1, merged_2)
    assert table.exit_code == 0
    assert "1 improved" in table.stdout and "1 worse" in table.stdout and "49 same" in table.stdout
    assert "1 closed, 1 new, 2 still open" in table.stdout
    markdown = run("compare", merged_1, merged_2, "--format", "markdown")
    assert markdown.exit_code == 0
    assert "| 1.1.1 | 1.1 | Not met | Met | improved |" in markdown.stdout
    assert "| 1.1.3 | 1.1 | Met | Not met | worse |" in markdown.stdout


def test_compare_counts_actions_no_longer_in_the_plan_and_warns_when_agencies_differ(tmp_path, run, round_one):
    _, merged_1 = round_one
    merged_2 = tmp_path / "camhs-only.xlsx"
    result = run("merge", tmp_path / "round1" / CAMHS, "-o", merged_2, "--as-of", "2027-09-01")
    assert result.exit_code == 0, result.output
    data = json.loads(run("compare", merged_1, merged_2, "--format", "json").stdout)
    assert data == json.loads(json.dumps(compare_files(merged_1, merged_2).to_dict()))
    # The schools' open 1.1.4 action (Assemblies) is in the old plan only: counted, not lost.
    assert data["actions"] == {"closed": 0, "new": 0, "still_open": 2, "still_overdue": 1, "dropped": 1}
    table = run("compare", merged_1, merged_2, env={"COLUMNS": "200"})
    assert table.exit_code == 0
    assert ("Warning: the rounds cover different agencies (only in the old round: North Schools), so the totals are "
            "not like for like.") in table.stdout
    assert "1 open then and no longer in the plan" in table.stdout
    markdown = run("compare", merged_1, merged_2, "--format", "markdown").stdout
    assert "only in the old round: North Schools" in markdown
    same = run("compare", merged_1, merged_1, env={"COLUMNS": "200"})
    assert "Warning: the rounds cover different agencies" not in same.stdout


def test_compare_a_workbook_with_itself_says_so(tmp_path, run, round_one):
    _, merged = round_one
    copy = tmp_path / "copy.xlsx"
    shutil.copy(merged, copy)
    for other in (merged, copy):
        result = run("compare", merged, other)
        assert result.exit_code == 0
        assert f"Note: {merged} and {other} are the same workbook: nothing can have changed." in result.stderr


def test_prefill_leaves_completed_by_for_this_rounds_reviewer(tmp_path, run):
    config = tmp_path / "assessment.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    assert run("generate", config, "-o", tmp_path / "round1").exit_code == 0
    for name, answers in ROUND_1.items():
        fill(tmp_path / "round1" / name, {rec: {**values, "completed_by": "R. Shah"} for rec, values in answers.items()})
    merged = tmp_path / "merged.xlsx"
    assert run("merge", tmp_path / "round1", "-o", merged, "--as-of", "2027-03-01").exit_code == 0
    assert run("generate", config, "-o", tmp_path / "round2", "--prefill", merged).exit_code == 0
    before = read_return(tmp_path / "round1" / CAMHS).agency_return.answers
    after = read_return(tmp_path / "round2" / CAMHS).agency_return.answers
    assert before["1.1.1"].completed_by == "R. Shah"
    assert all(a.completed_by == "" for a in after.values())  # Start here asks the reviewer to sign there
    assert after["1.1.1"].action == before["1.1.1"].action  # the answers themselves are kept
    # Sent back untouched, it is still told apart (the digest is of the answers as sent, Completed by blank).
    result = run("validate", tmp_path / "round2" / CAMHS, "--format", "json")
    assert [i["code"] for i in json.loads(result.stdout)["files"][0]["issues"]] == ["unchanged-return"]


def test_prefill_stamps_agree_three_ways(tmp_path, run, round_one):
    config, merged_1 = round_one
    assert run("generate", config, "-o", tmp_path / "round2", "--prefill", merged_1).exit_code == 0
    path = tmp_path / "round2" / CAMHS
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[layout.META_SHEET]
    stamps = {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]}
    assert stamps["prefilled_from"] == "merged-2027.xlsx"
    assert stamps["prefilled_from_merged_at"] == read_merged_workbook(merged_1).merged_at
    assert stamps["prefilled_from_sha256"] == hashlib.sha256(merged_1.read_bytes()).hexdigest()
    properties = {p.name: p.value for p in workbook.custom_doc_props.props}
    for key in ("prefilled_from", "prefilled_from_merged_at", "prefilled_from_sha256", "answers_digest"):
        assert properties[layout.META_PREFIX + key] == stamps[key]
        name = workbook.defined_names[layout.META_PREFIX + key]
        assert name.attr_text == layout.meta_reference(key)
    assert read_return(path).report.issues[0].code == "unchanged-return"  # nothing disagrees


def test_the_digest_is_of_the_answers_as_read_back(tmp_path):
    ng225 = catalogue.load("NG225@2022-09-07")
    tricky = {
        "1.1.1": Answer("1.1.1", Choice.YES, Choice.NO, evidence="  spaces around  ", action="=SUM(A1) is text",
                        owner="Lead\nwith a line break", deadline=dt.date(2027, 3, 31),
                        action_status=ActionStatus.IN_PROGRESS, completed_by="bell\x07 removed"),
        "1.1.2": Answer("1.1.2", Choice.PARTIAL, deadline_text="end of Q3", action="-minus first"),
    }
    path = write_agency_workbook(tmp_path / "a.xlsx", ng225, agency="North CAMHS", sectors=["mental_health"],
                                 prefill=tricky, continues=Continues("merged.xlsx", "2027-02-01T09:00:00Z", "ab"))
    codes = [i.code for i in read_return(path).report.issues]
    assert "unchanged-return" in codes
    fill(path, {"1.1.2": {"evidence": "a new sentence"}})
    assert "unchanged-return" not in [i.code for i in read_return(path).report.issues]


def test_a_workbook_generated_without_prefill_is_never_unchanged(tmp_path, run):
    config = tmp_path / "assessment.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    run("generate", config, "-o", tmp_path / "blank")
    result = run("validate", tmp_path / "blank", "--format", "json")
    assert all(i["code"] != "unchanged-return" for f in json.loads(result.stdout)["files"] for i in f["issues"])


def test_prefill_goes_with_a_config(tmp_path, run, round_one):
    _, merged_1 = round_one
    result = run("generate", "--as-agency", "X", "--sector", "education", "-o", tmp_path / "x.xlsx",
                 "--prefill", merged_1)
    assert result.exit_code == 2
    assert "--prefill goes with CONFIG.yaml" in result.stderr


# --- a second guideline version -------------------------------------------------------------------------------


@pytest.fixture
def next_encoding(tmp_path, monkeypatch):
    """NG225@2099-01-01 (built in tests/factories.py) on BASELINE_RECOMMENDATIONS for this test only."""
    root = tmp_path / "encodings"
    install_encoding(root, next_version(catalogue.load("NG225@2022-09-07")))
    monkeypatch.setenv(catalogue.ENV_VAR, str(root))
    return f"NG225@{NEXT_VERSION}"


def test_migrate_a_return_there_and_back(tmp_path, run, round_one, next_encoding):
    original = tmp_path / "round1" / CAMHS
    forward, back = tmp_path / "camhs-next.xlsx", tmp_path / "camhs-back.xlsx"
    result = run("migrate", original, "--to", next_encoding, "-o", forward)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(forward)
    assert f"Removed: {REMOVED}, answered by North CAMHS (Not applicable)" in result.stderr
    assert f"New in {next_encoding}" in result.stderr and ADDED in result.stderr

    migrated = read_return(forward)
    assert migrated.report.valid, migrated.report.issues
    answers = migrated.agency_return.answers
    assert migrated.agency_return.version == NEXT_VERSION
    assert REMOVED not in answers and answers[ADDED].is_blank
    before = read_return(original).agency_return.answers
    shared = [rec for rec in before if rec != REMOVED]
    assert {rec: answers[rec] for rec in shared} == {rec: before[rec] for rec in shared}
    removed_sheet = sheet_text(forward, "Removed")
    assert REMOVED in removed_sheet and "Not our service" in removed_sheet
    assert f"NEW in {next_encoding}" in sheet_text(forward, layout.ASSESSMENT_SHEET)

    assert run("migrate", forward, "--to", "NG225@2022-09-07", "-o", back).exit_code == 0
    again = read_return(back).agency_return.answers
    assert {rec: again[rec] for rec in shared} == {rec: before[rec] for rec in shared}  # nothing shared lost


def test_migrate_a_merged_workbook_there_and_back_and_compare_points_at_migrate(tmp_path, run, round_one,
                                                                                next_encoding):
    _, merged_1 = round_one
    forward, back = tmp_path / "merged-next.xlsx", tmp_path / "merged-back.xlsx"
    result = run("migrate", merged_1, "--to", next_encoding, "-o", forward)
    assert result.exit_code == 0, result.output
    assert (f"Removed: {REMOVED}, answered by North CAMHS (Not applicable), North Schools (Not met)"
            in result.stderr)
    assert f"Removed: {REMOVED}, action {action_id('North Schools', REMOVED)}:" in result.stderr  # the schools' action

    def answers(path):
        assessment = read_merged_workbook(path)
        return assessment, {(a, r.recommendation): ans for r in assessment.results for a, ans in r.answers.items()}

    old, before = answers(merged_1)
    new, after = answers(forward)
    assert new.guideline.version == NEXT_VERSION
    shared = {key for key in before if key[1] != REMOVED}
    assert {k: after[k] for k in shared} == {k: before[k] for k in shared}
    assert after[("North CAMHS", ADDED)].is_blank
    assert not any(rec == REMOVED for _, rec in after)
    removed_sheet = sheet_text(forward, "Removed")
    assert "Assemblies" in removed_sheet and "Not our service" in removed_sheet

    assert run("migrate", forward, "--to", "NG225@2022-09-07", "-o", back).exit_code == 0
    _, again = answers(back)
    assert {k: again[k] for k in shared} == {k: before[k] for k in shared}

    result = run("compare", merged_1, forward)
    assert result.exit_code == 1
    assert f"baseline migrate {merged_1} --to {next_encoding} -o" in result.stderr
    assert run("compare", back, merged_1).exit_code == 0  # back on one version: comparable again


def test_prefill_from_another_version_says_how_to_migrate(tmp_path, run, round_one, next_encoding):
    config, merged_1 = round_one
    forward = tmp_path / "merged-next.xlsx"
    assert run("migrate", merged_1, "--to", next_encoding, "-o", forward).exit_code == 0
    result = run("generate", config, "-o", tmp_path / "round2", "--prefill", forward)
    assert result.exit_code == 1
    assert "baseline migrate" in result.stderr and "--to NG225@2022-09-07" in result.stderr
    assert not (tmp_path / "round2").exists()


def test_migrate_refuses_what_it_cannot_do(tmp_path, run, round_one, next_encoding):
    _, merged_1 = round_one
    same = run("migrate", merged_1, "--to", "NG225@2022-09-07", "-o", tmp_path / "same.xlsx")
    assert same.exit_code == 1 and "already of NG225@2022-09-07" in same.stderr
    unknown = run("migrate", merged_1, "--to", "NG225@1999-01-01", "-o", tmp_path / "x.xlsx")
    assert unknown.exit_code == 1 and "Unknown guideline" in unknown.stderr
    exists = tmp_path / "exists.xlsx"
    exists.write_bytes(b"keep me")
    refused = run("migrate", merged_1, "--to", next_encoding, "-o", exists)
    assert refused.exit_code == 1 and exists.read_bytes() == b"keep me"
    assert run("migrate", merged_1, "--to", next_encoding, "-o", tmp_path / "out.csv").exit_code == 2
    broken = tmp_path / "broken.xlsx"
    write_agency_workbook(broken, catalogue.load("NG225"), agency="X", sectors=["education"])
    fill(broken, {"1.1.1": {"meets": "Maybe"}})
    result = run("migrate", broken, "--to", next_encoding, "-o", tmp_path / "y.xlsx")
    assert result.exit_code == 1 and "errors are fixed" in result.stderr and "Maybe" in result.stderr


@needs_soffice
@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_a_prefilled_workbook_resaved_by_libreoffice_untouched_is_still_unchanged(tmp_path, run, round_one, kind):
    config, merged_1 = round_one
    assert run("generate", config, "-o", tmp_path / "round2", "--prefill", merged_1).exit_code == 0
    resaved = convert(tmp_path / "round2" / CAMHS, tmp_path / "resaved", kind)
    result = run("validate", resaved, "--format", "json")
    assert result.exit_code == 0, result.output
    assert [i["code"] for i in json.loads(result.stdout)["files"][0]["issues"]] == ["unchanged-return"]


# --- the group's plan (the Actions sheet) through the rounds ---------------------------------------------------


def edit_actions(path: Path, edits: dict[str, dict[str, object]]) -> None:
    """{action id: {header: value}} typed into the merged workbook's Actions sheet, as the group would."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Actions"]
    header_row, columns = next((row[0].row, {str(c.value).strip(): c.column for c in row if c.value is not None})
                               for row in sheet.iter_rows(min_row=1, max_row=10)
                               if any(c.value == "Action ID" for c in row))
    rows = {sheet.cell(r, columns["Action ID"]).value: r for r in range(header_row + 1, sheet.max_row + 1)}
    for action, changes in edits.items():
        for header, value in changes.items():
            sheet.cell(rows[action], columns[header]).value = value
    workbook.save(path)


LEAFLETS, ASSEMBLIES = action_id("North CAMHS", "1.1.2"), action_id("North Schools", REMOVED)
GROUP_EDITS = {
    LEAFLETS: {"Owner": "New comms lead", "Deadline": dt.datetime(2027, 6, 30), "Progress notes": "Draft agreed"},
    ASSEMBLIES: {"Status": "Complete", "Progress notes": "Done in March"},
}


def test_the_groups_plan_goes_into_prefill_compare_and_migrate(tmp_path, run, round_one, next_encoding):
    config, merged_1 = round_one
    edited = tmp_path / "merged-2027-edited.xlsx"
    shutil.copy(merged_1, edited)
    edit_actions(edited, GROUP_EDITS)

    # compare: the group closed the schools' action (the returns say nothing of it)
    result = run("compare", merged_1, edited, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["actions"] == {"closed": 1, "new": 0, "still_open": 2, "still_overdue": 1, "dropped": 0}

    # generate --prefill: the group's latest values, not what CAMHS's return said
    assert run("generate", config, "-o", tmp_path / "round2", "--prefill", edited).exit_code == 0
    leaflets = read_return(tmp_path / "round2" / CAMHS).agency_return.answers["1.1.2"]
    assert (leaflets.owner, leaflets.deadline, leaflets.action) == ("New comms lead", dt.date(2027, 6, 30), "Leaflets")
    schools = read_return(tmp_path / "round2" / SCHOOLS).agency_return.answers[REMOVED]
    assert schools.action_status is ActionStatus.COMPLETE

    # migrate there and back: the group's values and notes on shared recommendations survive; the removed
    # recommendation's action (with the group's note) is on the Removed sheet
    forward, back = tmp_path / "forward.xlsx", tmp_path / "back.xlsx"
    assert run("migrate", edited, "--to", next_encoding, "-o", forward).exit_code == 0
    assert "Done in March" in sheet_text(forward, "Removed")
    assert run("migrate", forward, "--to", "NG225@2022-09-07", "-o", back).exit_code == 0
    _, plan, _ = read_round(back)
    row = next(r for r in plan if r.action_id == LEAFLETS)
    assert (row.owner, row.deadline, row.progress_notes) == ("New comms lead", dt.date(2027, 6, 30), "Draft agreed")
