"""The living action plan end to end, as a task-and-finish group uses it (issue 13).

A merged workbook is built through the CLI; its `Actions` sheet is edited as the group would (close an action,
write a progress note, re-date, re-own) with openpyxl and with LibreOffice (edited, then re-saved by LibreOffice so
the file read back is one LibreOffice wrote). Then `summary`, `merge --update` with a late return, a conflicting
change in a return, a removed action and the refusal of `--force` alone: no edit is lost in any of them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import zipfile

import openpyxl
import pytest

from baseline import catalogue
from baseline.actions import action_id, as_summary_actions
from baseline.assessment import ActionStatus, Answer, Choice, YesNo
from baseline.summary import summarise
from baseline.xlsx.agency.writer import write_agency_workbook
from baseline.xlsx.merged.reader import read_merged
from tests.libreoffice import convert, needs_soffice

Y, P, N = Choice.YES, Choice.PARTIAL, Choice.NO
AS_OF = "2027-03-01"
CAMHS, SCHOOLS, AMBULANCE = "North CAMHS", "North Schools", "Northshire Ambulance Service"
LEAFLET = action_id(CAMHS, "1.1.2")  # closed by the group, with a progress note
NURSE = action_id(CAMHS, "1.5.1")  # re-owned by the group
TRAINING = action_id(SCHOOLS, "1.1.1")  # re-dated by the group (typed day-first: 31/03/2027 is 31 March)
CLOSING_NOTE = "Leaflet reprinted and in every clinic; signed off at the March meeting."
NEW_OWNER = "Liaison Team Manager"


@pytest.fixture(scope="module")
def ng225():
    return catalogue.load("NG225")


def make_return(folder, guideline, agency, sectors, answers, saved=dt.datetime(2026, 11, 1, 9)):
    path = folder / (agency.lower().replace(" ", "-") + ".xlsx")
    if path.exists():
        path.unlink()  # a resend replaces the agency's file
    write_agency_workbook(path, guideline, agency=agency, sectors=sectors, area="Northshire", prefill=answers,
                          generated_at=saved.replace(tzinfo=dt.timezone.utc))
    return path


CAMHS_ANSWERS = {
    "1.1.1": Answer("1.1.1", Y, Y, evidence="Leaflet v2 in use", completed_by="R. Shah"),
    "1.1.2": Answer("1.1.2", Y, P, action="Update the leaflet", owner="CAMHS Lead", deadline=dt.date(2027, 1, 31),
                    action_status=ActionStatus.IN_PROGRESS, risk=YesNo.YES),
    "1.5.1": Answer("1.5.1", Y, N, action="Recruit liaison nurse", owner="CAMHS Lead", deadline=dt.date(2027, 6, 30)),
}
SCHOOLS_ANSWERS = {
    "1.1.1": Answer("1.1.1", Y, P, action="Train staff", owner="Head of Inclusion", deadline=dt.date(2027, 2, 1),
                    action_status=ActionStatus.NOT_STARTED),
    "1.8.1": Answer("1.8.1", N),
}


def build_returns(folder, ng225):
    folder.mkdir(parents=True, exist_ok=True)
    make_return(folder, ng225, CAMHS, ["mental_health"], CAMHS_ANSWERS)
    make_return(folder, ng225, SCHOOLS, ["education"], SCHOOLS_ANSWERS)
    return folder


def merge_cli(runner, *args):
    from baseline.cli import cli

    return runner.invoke(cli, ["merge", *map(str, args)], catch_exceptions=False)


# --- editing the Actions sheet as a group would ----------------------------------------------------------------


def actions_table(sheet):
    """(header row number, {header: column}) of the Actions sheet, found by its Action ID header."""
    for row in sheet.iter_rows(min_row=1, max_row=10):
        headers = {str(c.value).strip(): c.column for c in row if c.value is not None}
        if "Action ID" in headers:
            return row[0].row, headers
    raise AssertionError("no Action ID header in the Actions sheet")


def edit_actions(path, edits, via="openpyxl", work=None):
    """Apply {action id: {header: value}} to the Actions sheet; with via="libreoffice" the edited file is then
    re-saved by LibreOffice, so the workbook left at `path` is one LibreOffice wrote."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Actions"]
    header_row, columns = actions_table(sheet)
    rows = {sheet.cell(r, columns["Action ID"]).value: r for r in range(header_row + 1, sheet.max_row + 1)}
    for action, changes in edits.items():
        for header, value in changes.items():
            sheet.cell(rows[action], columns[header]).value = value
    workbook.save(path)
    if via == "libreoffice":
        work.mkdir(parents=True, exist_ok=True)
        source = work / "edited-by-openpyxl.xlsx"
        shutil.move(path, source)
        shutil.move(convert(source, work / "lo"), path)
        with zipfile.ZipFile(path) as package:  # the file read back is one LibreOffice wrote
            assert b"LibreOffice" in package.read("docProps/app.xml")


GROUP_EDITS = {
    LEAFLET: {"Status": "Complete", "Progress notes": CLOSING_NOTE},
    NURSE: {"Owner": NEW_OWNER},
    TRAINING: {"Deadline": "31/03/2027"},
}


@pytest.fixture(scope="module", params=["openpyxl", pytest.param("libreoffice", marks=needs_soffice)])
def edited(request, tmp_path_factory, ng225):
    """A merged workbook after a month of the group's work, edited with openpyxl or re-saved by LibreOffice."""
    from click.testing import CliRunner

    base = tmp_path_factory.mktemp(f"plan-{request.param}")
    returns = build_returns(base / "returns", ng225)
    merged = base / "merged.xlsx"
    result = merge_cli(CliRunner(), returns, "-o", merged, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    edit_actions(merged, GROUP_EDITS, via=request.param, work=base / "lo")
    return base, merged


@pytest.fixture
def work(edited, tmp_path):
    """A fresh copy of the edited merged workbook and of its returns for one test."""
    base, merged = edited
    shutil.copytree(base / "returns", tmp_path / "returns")
    shutil.copy(merged, tmp_path / "merged.xlsx")
    return tmp_path / "returns", tmp_path / "merged.xlsx"


def plan_json(run, merged, *extra):
    result = run("actions", merged, "--as-of", AS_OF, "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    return {item["action_id"]: item for group in json.loads(result.stdout)["groups"] for item in group["items"]}


def assert_group_edits_kept(items):
    assert items[LEAFLET]["status"] == "Complete"
    assert CLOSING_NOTE in items[LEAFLET]["progress_notes"]
    assert items[NURSE]["owner"] == NEW_OWNER
    assert items[TRAINING]["deadline"] == "2027-03-31"


# --- the edited plan is what every command reads ---------------------------------------------------------------


def test_the_edits_are_read_back(run, work):
    _, merged = work
    items = plan_json(run, merged)
    assert_group_edits_kept(items)
    assert items[NURSE]["deadline"] == "2027-06-30"  # untouched fields as the returns said
    assert items[LEAFLET]["risk"] is True and items[NURSE]["risk"] is False


def test_summary_uses_the_actions_sheet(run, work):
    _, merged = work
    result = run("summary", merged, "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    # Before the group's work two actions were overdue (1.1.2 by 31/01, 1.1.1 by 01/02): one closed, one re-dated.
    assert sum(o["overdue"] for o in data["owners"]) == 0
    owners = {o["owner"] for o in data["owners"]}
    assert NEW_OWNER in owners and "Head of Inclusion" in owners
    assert sum(o["open"] for o in data["owners"]) == 2
    read = read_merged(merged)
    day = dt.date(2027, 3, 1)
    library = summarise(read.assessment, as_of=day, actions=as_summary_actions(read.plan, day)).to_dict()
    assert data == json.loads(json.dumps(library))
    # The same workbook a month later: the re-dated training is overdue from 1 April, not from 3 March (US order).
    later = json.loads(run("summary", merged, "--as-of", "01/04/2027", "--format", "json").stdout)
    assert sum(o["overdue"] for o in later["owners"]) == 1


def test_all_answers_keeps_what_the_returns_said(work):
    _, merged = work
    read = read_merged(merged)
    said = {(a, r.recommendation): ans for r in read.assessment.results for a, ans in r.answers.items()}
    assert said[(CAMHS, "1.1.2")].action_status is ActionStatus.IN_PROGRESS
    assert said[(CAMHS, "1.5.1")].owner == "CAMHS Lead"
    assert said[(SCHOOLS, "1.1.1")].deadline == dt.date(2027, 2, 1)


# --- merge --update --------------------------------------------------------------------------------------------


def test_late_return_keeps_every_edit(run, work, ng225, tmp_path):
    returns, merged = work
    make_return(returns, ng225, AMBULANCE, ["ambulance"], {
        "1.7.1": Answer("1.7.1", Y, N, action="Crew training on assessment", owner="Clinical Lead",
                        deadline=dt.date(2027, 9, 30), risk=YesNo.YES),
    }, saved=dt.datetime(2027, 2, 20, 9))
    new = tmp_path / "merged-march.xlsx"
    result = run("merge", returns, "-o", new, "--update", merged, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{new}\n"
    assert re.search(r"carried \d+ group edit", result.stderr)
    assert "0 overridden" in result.stderr
    items = plan_json(run, new)
    assert_group_edits_kept(items)
    late = items[action_id(AMBULANCE, "1.7.1")]
    assert late["owner"] == "Clinical Lead" and late["risk"] is True
    old_ids = set(plan_json(run, merged))
    assert old_ids < set(items)  # a late return renumbers nothing
    # Updating again from the same returns changes nothing the group would see.
    again = tmp_path / "merged-again.xlsx"
    assert run("merge", returns, "-o", again, "--update", new, "--as-of", AS_OF).exit_code == 0
    assert plan_json(run, again) == items


def test_conflicting_return_wins_and_the_group_edit_is_reported_and_kept(run, work, ng225, tmp_path):
    returns, merged = work
    resent = dict(CAMHS_ANSWERS, **{"1.5.1": Answer("1.5.1", Y, N, action="Recruit liaison nurse",
                                                    owner="Consultant Nurse", deadline=dt.date(2027, 6, 30))})
    make_return(returns, ng225, CAMHS, ["mental_health"], resent, saved=dt.datetime(2027, 2, 25, 9))
    new = tmp_path / "merged-new.xlsx"
    result = run("merge", returns, "-o", new, "--update", merged, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert "1 overridden" in result.stderr
    assert NURSE in result.stderr and NEW_OWNER in result.stderr and "Consultant Nurse" in result.stderr
    items = plan_json(run, new)
    assert items[NURSE]["owner"] == "Consultant Nurse"
    assert NEW_OWNER in items[NURSE]["progress_notes"]  # the overridden edit is kept in the notes
    assert items[LEAFLET]["status"] == "Complete" and CLOSING_NOTE in items[LEAFLET]["progress_notes"]
    assert items[TRAINING]["deadline"] == "2027-03-31"


def test_an_action_removed_from_its_return_is_kept_and_marked(run, work, ng225, tmp_path):
    returns, merged = work
    cleared = dict(SCHOOLS_ANSWERS, **{"1.1.1": Answer("1.1.1", Y, P)})
    make_return(returns, ng225, SCHOOLS, ["education"], cleared, saved=dt.datetime(2027, 2, 25, 9))
    new = tmp_path / "merged-new.xlsx"
    result = run("merge", returns, "-o", new, "--update", merged, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert "1 kept" in result.stderr and TRAINING in result.stderr
    items = plan_json(run, new)
    assert items[TRAINING]["deadline"] == "2027-03-31" and items[TRAINING]["action"] == "Train staff"
    assert "no longer has this action" in items[TRAINING]["progress_notes"]
    assert items[TRAINING]["orphaned"] == "cleared"
    assert_group_edits_kept(items)


def test_update_in_place(run, work, ng225):
    returns, merged = work
    make_return(returns, ng225, AMBULANCE, ["ambulance"], {
        "1.7.1": Answer("1.7.1", Y, N, action="Crew training", owner="Clinical Lead", deadline=dt.date(2027, 9, 30)),
    })
    result = run("merge", returns, "-o", merged, "--update", merged, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    items = plan_json(run, merged)
    assert_group_edits_kept(items)
    assert action_id(AMBULANCE, "1.7.1") in items


def test_failed_update_leaves_the_old_workbook_intact(run, work, ng225):
    returns, merged = work
    before = merged.read_bytes()
    broken = returns / "north-schools.xlsx"
    workbook = openpyxl.load_workbook(broken)
    sheet = workbook["Assessment"]
    header = next(r for r in sheet.iter_rows(max_row=10) if any(c.value == "Meets it?" for c in r))
    meets = next(c.column for c in header if c.value == "Meets it?")
    row = next(c.row for c in sheet["A"] if c.value == "1.1.1")
    sheet.cell(row, meets).value = "Perhaps"
    workbook.save(broken)
    result = run("merge", returns, "-o", merged, "--update", merged, "--as-of", AS_OF)
    assert result.exit_code == 1
    assert merged.read_bytes() == before
    assert not [p for p in merged.parent.iterdir() if p.name.startswith(".") or p.suffix == ".tmp"]


# --- refusals --------------------------------------------------------------------------------------------------


def test_force_alone_refuses_to_replace_an_edited_plan(run, work):
    returns, merged = work
    before = merged.read_bytes()
    result = run("merge", returns, "-o", merged, "--force", "--as-of", AS_OF)
    assert result.exit_code == 1
    assert "--update" in result.stderr and "edit" in result.stderr
    assert merged.read_bytes() == before
    without = run("merge", returns, "-o", merged, "--as-of", AS_OF)
    assert without.exit_code == 1 and merged.read_bytes() == before


def test_force_replaces_a_plan_without_edits(run, ng225, tmp_path):
    returns = build_returns(tmp_path / "returns", ng225)
    merged = tmp_path / "merged.xlsx"
    assert run("merge", returns, "-o", merged, "--as-of", AS_OF).exit_code == 0
    result = run("merge", returns, "-o", merged, "--force", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output


def test_update_refuses_to_overwrite_another_edited_plan(run, work, tmp_path):
    """-o names a different merged workbook holding the group's edits: replacing it would lose them."""
    returns, merged = work
    other = tmp_path / "other.xlsx"
    shutil.copy(merged, other)
    before = other.read_bytes()
    result = run("merge", returns, "-o", other, "--update", merged, "--force", "--as-of", AS_OF)
    assert result.exit_code == 1
    assert "--update" in result.stderr
    assert other.read_bytes() == before


def test_update_needs_a_merged_workbook(run, work):
    returns, merged = work
    a_return = returns / "north-camhs.xlsx"
    result = run("merge", returns, "-o", merged.parent / "new.xlsx", "--update", a_return, "--as-of", AS_OF)
    assert result.exit_code == 1
    assert "not a merged baseline workbook" in result.stderr


# --- the plan reader's tolerance -------------------------------------------------------------------------------


def test_plan_read_from_a_sorted_sheet_with_other_header_case(work):
    """Someone sorts the Actions sheet by owner (heading rows and all) and retypes two headers in capitals."""
    _, merged = work
    expected = read_merged(merged).plan
    workbook = openpyxl.load_workbook(merged)
    sheet = workbook["Actions"]
    header_row, columns = actions_table(sheet)
    sheet.cell(header_row, columns["Status"]).value = "STATUS"
    sheet.cell(header_row, columns["Progress notes"]).value = "progress  notes"
    body = [[c.value for c in row] for row in sheet.iter_rows(min_row=header_row + 1)]
    body.sort(key=lambda values: (str(values[columns["Owner"] - 1] or ""), str(values[0] or "")), reverse=True)
    for r, values in enumerate(body, start=header_row + 1):
        for c, value in enumerate(values, start=1):
            sheet.cell(r, c).value = value
    workbook.save(merged)
    read = read_merged(merged).plan
    assert sorted(read, key=lambda r: r.action_id) == sorted(expected, key=lambda r: r.action_id)


def test_an_impossible_date_typed_by_the_group_is_refused_with_its_cell(run, work):
    _, merged = work
    edit_actions(merged, {TRAINING: {"Deadline": "31/13/2027"}})
    result = run("actions", merged, "--as-of", AS_OF)
    assert result.exit_code == 1
    assert "Actions" in result.stderr and "31/13/2027" in result.stderr



def test_a_status_not_in_the_list_and_a_copied_row_are_refused_with_their_cells(run, work):
    _, merged = work
    edit_actions(merged, {NURSE: {"Status": "Done-ish"}})
    result = run("actions", merged, "--as-of", AS_OF)
    assert result.exit_code == 1 and "Done-ish" in result.stderr and "Actions!" in result.stderr
    edit_actions(merged, {NURSE: {"Status": "complete "}})  # case and spaces never matter
    assert plan_json(run, merged)[NURSE]["status"] == "Complete"
    workbook = openpyxl.load_workbook(merged)
    sheet = workbook["Actions"]
    header_row, columns = actions_table(sheet)
    source = next(r for r in range(header_row + 1, sheet.max_row + 1)
                  if sheet.cell(r, columns["Action ID"]).value == NURSE)
    for column in range(1, sheet.max_column + 1):
        sheet.cell(sheet.max_row + 1 if column == 1 else sheet.max_row, column).value = sheet.cell(source, column).value
    workbook.save(merged)
    result = run("actions", merged, "--as-of", AS_OF)
    assert result.exit_code == 1 and "also on row" in result.stderr


def test_the_first_merged_workbooks_actions_header_is_still_read(work):
    """Merged workbooks made before the living plan head the notes column "Notes / progress"."""
    _, merged = work
    workbook = openpyxl.load_workbook(merged)
    sheet = workbook["Actions"]
    header_row, columns = actions_table(sheet)
    sheet.cell(header_row, columns["Progress notes"]).value = "Notes / progress"
    workbook.save(merged)
    plan = {row.action_id: row for row in read_merged(merged).plan}
    assert plan[LEAFLET].progress_notes == CLOSING_NOTE


def test_a_row_deleted_from_the_plan_comes_back_from_its_return(run, work, tmp_path):
    _, merged = work
    workbook = openpyxl.load_workbook(merged)
    sheet = workbook["Actions"]
    header_row, columns = actions_table(sheet)
    row = next(r for r in range(header_row + 1, sheet.max_row + 1)
               if sheet.cell(r, columns["Action ID"]).value == NURSE)
    sheet.delete_rows(row)
    workbook.save(merged)
    assert NURSE not in plan_json(run, merged)
    new = tmp_path / "new.xlsx"
    result = run("merge", work[0], "-o", new, "--update", merged, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert "1 restored" in result.stderr
    items = plan_json(run, new)
    assert items[NURSE]["owner"] == "CAMHS Lead" and "missing from the previous plan" in items[NURSE]["progress_notes"]


def test_last_updated_dates_each_change_by_the_merge_that_saw_it(work, tmp_path):
    """The first merge dates every action; a later merge dates the actions the group (or a return) changed since."""
    from baseline.workflow import merge_files

    returns, _ = work
    first, second = dt.date(2027, 3, 1), dt.date(2027, 4, 1)
    merged = tmp_path / "dated.xlsx"
    assert merge_files([returns], merged, as_of=first, today=first).ok
    edit_actions(merged, {LEAFLET: {"Status": "Complete"}})
    assert merge_files([returns], merged, as_of=second, today=second, update=merged).ok
    dates = {row.action_id: row.last_updated for row in read_merged(merged).plan}
    assert dates == {LEAFLET: second, NURSE: first, TRAINING: first}


def test_summary_filters_and_report_use_the_plan(run, work, tmp_path):
    _, merged = work
    camhs = json.loads(run("summary", merged, "--as-of", AS_OF, "--format", "json", "--agency", CAMHS).stdout)
    assert {o["owner"] for o in camhs["owners"]} == {"CAMHS Lead", NEW_OWNER}
    assert sum(o["overdue"] for o in camhs["owners"]) == 0 and sum(o["open"] for o in camhs["owners"]) == 1
    from baseline.workflow import report_file

    outcome = report_file(merged, tmp_path / "report.html", lambda summary, guideline, progress=None: "<p>report</p>",
                          as_of=dt.date(2027, 3, 1))
    assert sum(o.overdue for o in outcome.summary.owners) == 0  # the closed and re-dated actions
    assert NEW_OWNER in {o.owner for o in outcome.summary.owners}
