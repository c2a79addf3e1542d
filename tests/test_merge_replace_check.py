"""The check before `merge` replaces a merged workbook (issue 16), and the reading `merge --update` does.

Both read the old merged workbook light (read_plan_if_merged / read_merged_plan: the plan and what the returns said
about each action, never every answer held). On workbooks edited in each way a group edits them (openpyxl, and
re-saved by LibreOffice), they must read what read_merged reads and count the group's edits as the check always did
(`returned_values` of read_merged's assessment, `group_edits` of each plan row), and refuse with the same message.
"""

from __future__ import annotations

import datetime as dt
import platform
import shutil
import sys
from dataclasses import replace

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from baseline import catalogue, memory, workflow
from baseline.actions import group_edits, returned_values
from baseline.issues import BaselineError
from baseline.workflow import _edited_actions, merge_files
from baseline.xlsx.merged import reader
from baseline.xlsx.merged.layout import PLAN_DIGESTS_SHEET
from baseline.xlsx.merged.reader import read_merged, read_merged_plan, read_plan_if_merged
from tests.libreoffice import needs_soffice
from tests.test_living_plan import (
    AMBULANCE,
    CAMHS,
    LEAFLET,
    NURSE,
    SCHOOLS,
    TRAINING,
    actions_table,
    build_returns,
    edit_actions,
)

AS_OF = dt.date(2027, 3, 1)


@pytest.fixture(scope="module")
def ng225():
    return catalogue.load("NG225")


@pytest.fixture(scope="module")
def merged_once(tmp_path_factory, ng225):
    """Two returns and the merged workbook made from them, before any edit."""
    base = tmp_path_factory.mktemp("replace-check")
    returns = build_returns(base / "returns", ng225)
    merged = base / "merged.xlsx"
    assert merge_files([returns], merged, as_of=AS_OF).ok
    return returns, merged


@pytest.fixture
def work(merged_once, tmp_path):
    returns, merged = merged_once
    shutil.copytree(returns, tmp_path / "returns")
    shutil.copy(merged, tmp_path / "merged.xlsx")
    return tmp_path / "returns", tmp_path / "merged.xlsx"


def edited_as_the_check_always_counted(path) -> int:
    """The check as it was: the whole merged workbook read (every answer and plan row), then group_edits per row."""
    merged = read_merged(path)
    returned = returned_values(merged.assessment)
    return sum(bool(group_edits(row, returned.get(row.key))) for row in merged.plan)


def light_count(path) -> int:
    """The light readers read what read_merged reads; the check's count, from the light read."""
    full = read_merged(path)
    light = read_plan_if_merged(path, complete=False)
    complete = read_merged_plan(path)
    returned = returned_values(full.assessment)
    assert light.returned == returned and complete.returned == returned
    assert list(light.returned) == list(returned)  # the same order too (a later agency of the same key wins alike)
    assert light.plan == [replace(row, links=(), more_links=0, orphaned=None) for row in full.plan]
    assert complete.plan == full.plan  # links and orphan marks as read_merged gives them
    assert complete.written == full.written and light.written == {}
    assert [str(w) for w in light.warnings] == [str(w) for w in complete.warnings] == [str(w) for w in full.warnings]
    assert complete.guideline == full.assessment.guideline
    count = _edited_actions(light.plan, light.returned)
    assert count == edited_as_the_check_always_counted(path)
    return count


def edit_cells(path, edits):
    """{(agency, recommendation): {header: value}} on the Actions sheet, rows found by Agency + Recommendation."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Actions"]
    header_row, columns = actions_table(sheet)
    rows = {(sheet.cell(r, columns["Agency"]).value, sheet.cell(r, columns["Recommendation"]).value): r
            for r in range(header_row + 1, sheet.max_row + 1)}
    for pair, changes in edits.items():
        for header, value in changes.items():
            sheet.cell(rows[pair], columns[header]).value = value
    workbook.save(path)


def add_row(path, values):
    """A row the group typed below the plan: {header: value}."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Actions"]
    _, columns = actions_table(sheet)
    row = sheet.max_row + 1
    for header, value in values.items():
        sheet.cell(row, columns[header]).value = value
    workbook.save(path)


def delete_row(path, action):
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Actions"]
    header_row, columns = actions_table(sheet)
    sheet.delete_rows(next(r for r in range(header_row + 1, sheet.max_row + 1)
                           if sheet.cell(r, columns["Action ID"]).value == action))
    workbook.save(path)


def without_plan_digests(path):
    """A merged workbook of the versions before the hidden _plan sheet."""
    workbook = openpyxl.load_workbook(path)
    del workbook[PLAN_DIGESTS_SHEET]
    workbook.save(path)


def old_notes_header(path):
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Actions"]
    header_row, columns = actions_table(sheet)
    sheet.cell(header_row, columns["Progress notes"]).value = "Notes / progress"
    workbook.save(path)


# (what the group did, how many actions it edited)
EDITS = {
    "nothing": (lambda p: None, 0),
    "closed with a note": (lambda p: edit_actions(p, {LEAFLET: {"Status": "Complete", "Progress notes": "Done."}}),
                           1),
    "status cleared": (lambda p: edit_actions(p, {LEAFLET: {"Status": None}}), 1),
    "status retyped in another case": (lambda p: edit_actions(p, {LEAFLET: {"Status": " in progress "}}), 0),
    "re-owned": (lambda p: edit_actions(p, {NURSE: {"Owner": "Liaison Team Manager"}}), 1),
    "owner respaced only": (lambda p: edit_actions(p, {NURSE: {"Owner": "  CAMHS   Lead "}}), 0),
    "deadline typed as text": (lambda p: edit_actions(p, {TRAINING: {"Deadline": "31/03/2027"}}), 1),
    "deadline typed as a date": (lambda p: edit_actions(p, {TRAINING: {"Deadline": dt.datetime(2027, 3, 31)}}), 1),
    "the same deadline retyped as text": (lambda p: edit_actions(p, {TRAINING: {"Deadline": "01/02/2027"}}), 0),
    "deadline in words": (lambda p: edit_actions(p, {TRAINING: {"Deadline": "end of Q4"}}), 1),
    "notes only": (lambda p: edit_actions(p, {NURSE: {"Progress notes": "Interviews in April."}}), 1),
    "a formula typed as an action": (lambda p: edit_actions(p, {NURSE: {"Specific action": "=- revise leaflet"}}),
                                     1),
    "a row added for an answer without an action": (
        lambda p: add_row(p, {"Agency": CAMHS, "Recommendation": "1.1.1", "Specific action": "Audit the leaflet"}), 1),
    "a row added for an agency not merged": (
        lambda p: add_row(p, {"Agency": AMBULANCE, "Recommendation": "1.7.1", "Owner": "Clinical Lead"}), 1),
    "a row deleted": (lambda p: delete_row(p, NURSE), 0),
    "a row deleted, another edited": (lambda p: (delete_row(p, NURSE),
                                                 edit_actions(p, {TRAINING: {"Status": "Complete"}})), 1),
    "without the plan digests of older versions": (
        lambda p: (without_plan_digests(p), edit_actions(p, {LEAFLET: {"Owner": "Clinic Manager"}})), 1),
    "the first workbooks' notes header": (
        lambda p: (old_notes_header(p), edit_cells(p, {(CAMHS, "1.1.2"): {"Notes / progress": "Reprinted."}})), 1),
    "every kind at once": (lambda p: edit_actions(p, {
        LEAFLET: {"Status": "Complete", "Progress notes": "Done."}, NURSE: {"Owner": "Liaison Team Manager"},
        TRAINING: {"Deadline": "31/03/2027"}}), 3),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_the_light_check_counts_what_read_merged_counts(work, edit):
    _, merged = work
    change, expected = EDITS[edit]
    change(merged)
    assert light_count(merged) == expected
    if "formula" in edit:  # read with its warning, by both readers alike (light_count)
        assert read_plan_if_merged(merged, complete=False).warnings


@needs_soffice
def test_the_light_check_on_a_workbook_libreoffice_saved(work, tmp_path):
    _, merged = work
    edit_actions(merged, {LEAFLET: {"Status": "Complete", "Progress notes": "Done."},
                          NURSE: {"Owner": "Liaison Team Manager"}, TRAINING: {"Deadline": "31/03/2027"}},
                 via="libreoffice", work=tmp_path / "lo")
    edit_cells(merged, {(SCHOOLS, "1.1.1"): {"Deadline": "end of Q4"}})  # then edited again with openpyxl
    assert light_count(merged) == 3


def raised(read, path) -> tuple[str, list[str]]:
    with pytest.raises(BaselineError) as error:
        read(path)
    return str(error.value), [str(p) for p in error.value.problems]


@pytest.mark.parametrize("damage", ["a status not in the list", "a copied row", "an answer not in the list",
                                    "an impossible date"])
def test_the_light_readers_refuse_what_read_merged_refuses_with_the_same_message(work, damage):
    _, merged = work
    if damage == "a status not in the list":
        edit_actions(merged, {NURSE: {"Status": "Done-ish"}})
    elif damage == "a copied row":
        add_row(merged, {"Agency": CAMHS, "Recommendation": "1.5.1", "Owner": "Someone else"})
    elif damage == "an impossible date":
        edit_actions(merged, {TRAINING: {"Deadline": "31/13/2027"}})
    else:
        workbook = openpyxl.load_workbook(merged)
        sheet = workbook["All answers"]
        header = next(row for row in sheet.iter_rows(max_row=10) if any(c.value == "Meets it?" for c in row))
        meets = next(c.column for c in header if c.value == "Meets it?")
        sheet.cell(header[0].row + 1, meets).value = "Perhaps"
        workbook.save(merged)
    expected = raised(read_merged, merged)
    assert raised(lambda p: read_plan_if_merged(p, complete=False), merged) == expected
    assert raised(read_merged_plan, merged) == expected


def test_a_file_that_is_not_a_merged_workbook_is_not_read_as_one(work):
    returns, _ = work
    a_return = next(returns.glob("*.xlsx"))
    assert read_plan_if_merged(a_return, complete=False) is None
    with pytest.raises(BaselineError, match="agency workbook"):
        read_merged_plan(a_return)


def one_line(text: str) -> str:
    return " ".join(text.split())


def test_merge_still_refuses_to_replace_an_edited_plan_with_the_same_message(run, work):
    returns, merged = work
    edit_actions(merged, {LEAFLET: {"Status": "Complete"}, NURSE: {"Owner": "Liaison Team Manager"}})
    before = merged.read_bytes()
    message = (f"Error: {merged} holds the group's work on its action plan (2 action(s) edited): replacing it would "
               f"lose that work{{}}. Nothing was written. Use --update {merged} to carry the edits into the new "
               f"merge (the output may be {merged} itself), or write to another file.")
    forced = run("merge", returns, "-o", merged, "--force", "--as-of", AS_OF.isoformat())
    assert forced.exit_code == 1
    assert one_line(message.format(", --force or not")) in one_line(forced.stderr)
    plain = run("merge", returns, "-o", merged, "--as-of", AS_OF.isoformat())
    assert plain.exit_code == 1
    assert one_line(message.format("")) in one_line(plain.stderr)
    assert merged.read_bytes() == before


def test_merge_replaces_a_plan_without_edits_and_updates_in_place(run, work):
    returns, merged = work
    assert run("merge", returns, "-o", merged, "--force", "--as-of", AS_OF.isoformat()).exit_code == 0
    edit_actions(merged, {TRAINING: {"Deadline": "31/03/2027"}})
    result = run("merge", returns, "-o", merged, "--update", merged, "--as-of", AS_OF.isoformat())
    assert result.exit_code == 0, result.output
    assert {row.action_id: row.deadline for row in read_merged(merged).plan}[TRAINING] == dt.date(2027, 3, 31)


def test_merge_opens_each_merged_workbook_once_to_tell_what_it_is(work, monkeypatch):
    """The check's answer leaves the output out of the returns; the --update workbook is asked once, not twice."""
    returns, merged = work
    in_returns = returns / "merged.xlsx"
    shutil.copy(merged, in_returns)
    asked = []
    monkeypatch.setattr(workflow, "is_merged_workbook", lambda path: asked.append(path) or True)
    outcome = merge_files([returns], in_returns, as_of=AS_OF, force=True)
    assert outcome.ok and asked == []
    assert [note for note in outcome.notes if "left out of the returns read" in note] == [
        f"{in_returns} is this merge's output, a merged workbook, not a return: left out of the returns read."]
    outcome = merge_files([returns], in_returns, as_of=AS_OF, update=in_returns)
    assert outcome.ok and asked == [in_returns]
    assert [note for note in outcome.notes if "left out of the returns read" in note] == [
        f"{in_returns} is this merge's --update workbook and output, a merged workbook, not a return: left out of "
        "the returns read."]


@pytest.mark.parametrize("empty_rows, empty_columns", [(0, 0), (2, 0), (0, 3), (4, 2)])
def test_rows_are_read_from_a1_as_calamine_gives_the_whole_grid(tmp_path, empty_rows, empty_columns):
    """The merged reader's rows, made one at a time, are to_python(skip_empty_area=False)'s: A1-based positions."""
    path = tmp_path / "grid.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Grid"
    for r, values in enumerate([["Agency", "Recommendation"], [], ["North CAMHS", 1.5, None, "x"]]):
        for c, value in enumerate(values):
            if value is not None:
                sheet.cell(1 + empty_rows + r, 1 + empty_columns + c).value = value
    workbook.create_sheet("Empty")
    workbook.save(path)
    grid = CalamineWorkbook.from_path(str(path))
    assert list(reader._rows(grid, "Grid")) == grid.get_sheet_by_name("Grid").to_python(skip_empty_area=False)
    assert list(reader._rows(grid, "Grid"))[empty_rows][empty_columns] == "Agency"
    assert list(reader._rows(grid, "Empty")) == []


def test_large_blocks_go_back_to_the_system_where_the_c_library_allows():
    on_glibc = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    assert memory.give_back_large_blocks() is on_glibc
    assert memory.give_back_large_blocks() is on_glibc  # again: harmless


def test_with_force_the_edits_are_looked_for_beside_the_reading_and_refused_before_the_returns_errors(
        run, work, monkeypatch):
    """--force over a merged workbook outside the returns: its plan is read in another process while the returns are
    read (cores.in_background); the refusal still comes first, before any return's error, and nothing is written."""
    returns, merged = work
    started = []
    real = workflow.in_background
    monkeypatch.setattr(workflow, "in_background", lambda function, *args: started.append(args) or real(function, *args))
    edit_actions(merged, {LEAFLET: {"Status": "Complete"}})
    (returns / "zz-damaged.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    before = merged.read_bytes()
    forced = run("merge", returns, "-o", merged, "--force", "--as-of", AS_OF.isoformat())
    assert forced.exit_code == 1
    assert one_line(f"Error: {merged} holds the group's work on its action plan (1 action(s) edited)") in one_line(
        forced.stderr)
    assert "zz-damaged" not in forced.output + forced.stderr  # the returns' own errors come after
    assert merged.read_bytes() == before and started == [(merged,)]
    started.clear()
    assert run("merge", returns, "-o", merged, "--as-of", AS_OF.isoformat()).exit_code == 1  # no --force: checked
    assert started == []  # here, first, as before
