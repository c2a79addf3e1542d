"""Behaviours a user would notice, pinned through the CLI (issue 17): control characters in a return, writing
outputs safely, `recs verify` and `recs check` exit codes. Each return is built in code.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import xlsxwriter
import yaml
from xlsxwriter.exceptions import FileCreateError

from baseline import catalogue
from baseline.config import AgencyMap
from baseline.xlsx.merged.reader import read_merged, read_merged_workbook
from baseline.xlsx.returns import read_return
from tests import nice_bat_builder
from tests import test_living_plan as living_plan
from tests.cases import messy
from tests.cases.builders import NEGATIVE, cell_of, column_of, new_workbook, put, rewrite_part, save, sheet_part
from tests.libreoffice import convert, needs_soffice
from tests.nice_bat_builder import build_bat

AS_OF = "2027-03-01"


def a_return(folder: Path, agency: str, name: str, **answers) -> Path:
    wb = new_workbook(agency=agency)
    for rec_id, values in answers.items():
        put(wb, rec_id.replace("_", "."), **values)
    return save(wb, folder / name)


@pytest.fixture
def returns(tmp_path) -> Path:
    folder = tmp_path / "returns"
    folder.mkdir()
    a_return(folder, "North CAMHS", "north-camhs.xlsx",
             **{"1_1_1": dict(relevant="Yes", meets="Yes", evidence="Leaflet PARAGRAPH in use")})
    a_return(folder, "North ED", "north-ed.xlsx", **{"1_1_1": dict(relevant="Yes", meets="Partial",
                                                                   action="Train staff", owner="Matron",
                                                                   deadline="31/03/2027")})
    return folder


# --- control characters -------------------------------------------------------------------------------------


def test_a_word_vertical_tab_in_a_return_passes_validate_and_merge(run, returns, tmp_path):
    """Text pasted from Word carries a vertical tab (its manual line break), stored by Excel as _x000B_. openpyxl
    cannot write it: the reader reads it as the line break it stands for, so the two words stay apart and merge
    writes the merged workbook like any other."""
    camhs = returns / "north-camhs.xlsx"
    rewrite_part(camhs, sheet_part(camhs, "Assessment"), lambda data: data.replace(b"PARAGRAPH", b"one_x000B_two"))
    validated = run("validate", camhs, "--format", "json")
    assert validated.exit_code == 0, validated.output
    [file] = json.loads(validated.stdout)["files"]
    assert file["valid"] is True
    out = tmp_path / "merged.xlsx"
    merged = run("merge", returns, "-o", out, "--as-of", AS_OF)
    assert merged.exit_code == 0, merged.output
    answer = next(r for r in read_merged_workbook(out).results if r.recommendation == "1.1.1").answers["North CAMHS"]
    assert answer.evidence == "Leaflet one\ntwo in use"  # a line break instead of the vertical tab, nothing else


# --- safe writing ---------------------------------------------------------------------------------------------


class DiskFull(OSError):
    pass


@pytest.fixture
def failing_save(monkeypatch):
    """The merged workbook's writer (xlsxwriter) writes half a file, then the disk is full: xlsxwriter wraps the
    OSError in its FileCreateError, as it does for real."""

    def close(self):
        Path(self.filename).write_bytes(b"PK half a workbook")
        raise FileCreateError(DiskFull(28, "No space left on device"))

    monkeypatch.setattr(xlsxwriter.Workbook, "close", close)


def test_a_failed_write_leaves_no_temporary_file_and_the_old_file_whole(run, returns, tmp_path, failing_save):
    out = tmp_path / "merged.xlsx"
    out.write_bytes(b"last month's merged workbook")
    before = sorted(p.name for p in tmp_path.iterdir())
    result = run("merge", returns, "-o", out, "--force", "--as-of", AS_OF)
    assert result.exit_code == 1
    assert result.stderr == (f"Error: Could not write {out}: no space left on the disk. Nothing was written. "
                             "The existing file was left as it was.\n")
    assert out.read_bytes() == b"last month's merged workbook"  # --force never destroys it before the new is whole
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no .merged.xlsx.*.tmp left behind


@pytest.mark.parametrize("spelling", ["{folder}/north-camhs.xlsx", "{folder}/../returns/north-camhs.xlsx",
                                      "{folder}/./north-ed.xlsx", "{link}/north-camhs.xlsx"])
def test_merge_never_writes_onto_a_return_however_the_path_is_spelt(run, returns, tmp_path, spelling):
    link = tmp_path / "link"
    link.symlink_to(returns, target_is_directory=True)
    target = Path(spelling.format(folder=returns, link=link))
    before = {p.name: p.read_bytes() for p in returns.iterdir()}
    result = run("merge", returns, "-o", target, "--force")
    assert result.exit_code == 1
    assert "is one of the input files; choose another output name." in result.stderr
    assert {p.name: p.read_bytes() for p in returns.iterdir()} == before


def test_a_merged_workbook_written_into_the_returns_folder_is_not_read_as_a_return(run, returns):
    """-o into the returns folder writes a new file there; merging the folder again still merges the two returns
    (the merged workbook is not a return), and does not overwrite it without --force."""
    out = returns / "merged.xlsx"
    first = run("merge", returns, "-o", out, "--as-of", AS_OF)
    assert first.exit_code == 0, first.output
    assert [a.agency for a in read_merged_workbook(out).agencies] == ["North CAMHS", "North ED"]
    kept = out.read_bytes()
    again = run("merge", returns, "-o", out, "--as-of", AS_OF)
    assert again.exit_code == 1 and out.read_bytes() == kept


def test_report_never_writes_onto_the_merged_workbook_it_reads(run, returns, tmp_path):
    merged = tmp_path / "merged.xlsx"
    assert run("merge", returns, "-o", merged, "--as-of", AS_OF).exit_code == 0
    before = merged.read_bytes()
    result = run("report", merged, "-o", merged, "--force")
    assert result.exit_code in (1, 2)
    assert merged.read_bytes() == before


# --- recs verify and recs check: exit codes ----------------------------------------------------------------------


@pytest.fixture
def imported(run, tmp_path):
    """NICE's tool built in code, and our encoding imported from it (identical to it)."""
    source = build_bat(tmp_path / "bat.xlsx")
    out = tmp_path / "ng225.yaml"
    assert run("recs", "import", source, "-o", out).exit_code == 0
    return source, out


def _change(path: Path, change) -> Path:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    changed = path.with_name("changed.yaml")
    changed.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return changed


def _section(data: dict, section_id: str) -> dict:
    return next(s for s in data["sections"] if s["id"] == section_id)


@pytest.mark.parametrize("change, line", [
    (lambda d: _section(d, "1.2").update(title="A heading that drifted"), "Section headings that differ (1):"),
    (lambda d: _section(d, "1.5")["recommendations"][0].update(text="Invented text NICE has since changed."),
     "Text differs from NICE's (1): 1.5.1"),
    (lambda d: d.update(version="2021-01-01"), "Version differs: encoding 2021-01-01, NICE's tool 2022-09-07"),
], ids=["heading", "text", "version"])
def test_verify_exits_1_on_any_one_difference_alone(run, imported, change, line):
    source, encoding = imported
    assert run("recs", "verify", encoding, "--against", source).exit_code == 0
    changed = _change(encoding, change)
    result = run("recs", "verify", changed, "--against", source)
    assert result.exit_code == 1, result.output
    assert any(out_line.startswith(line) for out_line in result.stdout.splitlines()), result.stdout
    data = json.loads(run("recs", "verify", changed, "--against", source, "--format", "json").stdout)
    assert data["identical"] is False


def test_check_with_several_files_exits_1_when_any_has_a_problem(run, ng225_data, write_yaml):
    good = write_yaml(ng225_data, "good.yaml")
    also_good = write_yaml(ng225_data, "also-good.yaml")
    both = run("recs", "check", good, also_good)
    assert both.exit_code == 0
    assert both.stdout == f"{good}: OK\n{also_good}: OK\n"
    ng225_data["sections"][0]["recommendations"][1]["id"] = "1.1.1"
    bad = write_yaml(ng225_data, "bad.yaml")
    for order in ((good, bad), (bad, good)):  # the last file's verdict is not the exit code
        result = run("recs", "check", *order)
        assert result.exit_code == 1, order
        assert f"{good}: OK" in result.stdout
        assert f"{bad}: sections[0].recommendations[1].id: duplicate recommendation id '1.1.1'" in result.stdout
        assert "1 of 2 files has problems." in result.stderr


# --- NICE's own tool, as agencies change it ----------------------------------------------------------------------

MEETS_HEADER = dict(nice_bat_builder.NICE_COLUMNS)["meets"]


def _validate_nice(run, path: Path) -> tuple[dict, dict]:
    result = run("validate", path, "--format", "json", *messy.AS_AGENCY)
    [file] = json.loads(result.stdout)["files"]
    read = read_return(path, AgencyMap.single(messy.AGENCY, [messy.SECTOR]))
    return file, {rec: status.value for rec, status in read.agency_return.statuses.items() if status.value != "not_assessed"}


@pytest.mark.parametrize("saved_as", ["xlsx", pytest.param("ods", marks=needs_soffice)])
def test_a_hidden_copy_of_a_column_before_the_visible_one_is_not_read(run, tmp_path, saved_as):
    """An agency copies 'Meets it?', hides the copy (now left of the original) and answers in the visible one; the
    same after LibreOffice saves it as .ods (its hidden columns are table:visibility="collapse")."""
    answers = {"1.1.1": messy.NICE_MET, "1.1.2": dict(relevant="Yes", meets="Partial", action="Plan", owner="Lead",
                                                      deadline="31/03/2027")}
    path = nice_bat_builder.build_bat(tmp_path / "hidden-copy.xlsx", messy.nice_rows(answers),
                                      extra_columns=[(5, MEETS_HEADER, {"1.1.1": "No", "1.1.2": "No"})],
                                      hide=[f"extra:{MEETS_HEADER}"])
    if saved_as == "ods":
        path = convert(path, tmp_path / "lo", "ods")
    file, statuses = _validate_nice(run, path)
    assert statuses == {"1.1.1": "met", "1.1.2": "partially_met"}
    assert file["valid"] is True


@pytest.mark.parametrize("header", ["Applicable?", "Is this applicable to your service?", "Applicable to us (Y/N)"])
def test_an_applicable_header_is_read_as_relevant(run, tmp_path, header):
    answers = {"1.1.1": messy.NICE_MET, "1.1.2": dict(relevant="No"), "1.1.3": dict(relevant="Partial", meets="Yes",
                                                                                  evidence="Some")}
    path = nice_bat_builder.build_bat(tmp_path / "applicable.xlsx", messy.nice_rows(answers),
                                      rename={"relevant": header})
    file, statuses = _validate_nice(run, path)
    assert statuses == {"1.1.1": "met", "1.1.2": "not_applicable", "1.1.3": "met"}
    assert file["valid"] is True


# --- dates typed into the merged workbook ------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["05/04/2027", "5/4/2027", "2027-04-05"])
def test_a_deadline_typed_into_the_actions_sheet_is_read_day_first(run, tmp_path, typed):
    """The group types a UK date into the merged workbook's Actions sheet: 05/04/2027 is 5 April, not 4 May."""
    returns = living_plan.build_returns(tmp_path / "returns", catalogue.load("NG225"))
    merged = tmp_path / "merged.xlsx"
    assert run("merge", returns, "-o", merged, "--as-of", AS_OF).exit_code == 0
    living_plan.edit_actions(merged, {living_plan.TRAINING: {"Deadline": typed}})
    [row] = [r for r in read_merged(merged).plan if r.action_id == living_plan.TRAINING]
    assert (row.deadline, row.deadline_text) == (dt.date(2027, 4, 5), "")
    data = json.loads(run("actions", merged, "--as-of", AS_OF, "--format", "json").stdout)
    listed = [a for group in data["groups"] for a in group["items"] if a["action_id"] == living_plan.TRAINING]
    assert [a["deadline"] for a in listed] == ["2027-04-05"]


# --- reading a return whose columns were moved ---------------------------------------------------------------


def test_the_recommendation_column_moved_to_the_far_right_reads_the_same(run, tmp_path):
    wb = new_workbook()
    put(wb, "1.1.1", relevant="Yes", meets="Yes", evidence="Audit 2026")
    put(wb, "1.3.1", relevant="No", evidence="Not our service")
    put(wb, "1.5.1", relevant="Yes", meets="Partial", action="Recruit", owner="Lead", deadline="31/03/2027")
    reference = read_return(save(wb, tmp_path / "reference.xlsx"))
    ws = wb["Assessment"]
    column = column_of(ws, "recommendation")
    values = [ws.cell(r, column).value for r in range(1, ws.max_row + 1)]
    ws.delete_cols(column)
    far = ws.max_column + 2  # past an empty column
    for r, value in enumerate(values, start=1):
        if value is not None:
            ws.cell(r, far).value = value
    moved = read_return(save(wb, tmp_path / "moved.xlsx"))
    assert [i.code for i in moved.report.issues] == [i.code for i in reference.report.issues]
    assert moved.agency_return.answers == reference.agency_return.answers
    assert {rec: s.value for rec, s in moved.agency_return.statuses.items() if s.value != "not_assessed"} == {
        "1.1.1": "met", "1.3.1": "not_applicable", "1.5.1": "partially_met"}
    assert moved.agency_return.answers["1.5.1"].cells["meets"] == cell_of(ws, "1.5.1", "meets")


# --- what validate tells the agency, word for word ------------------------------------------------------------
# Each message names the cell, what it says and what to do: read and approved here, once, so that a change to any
# of them is a decision, not an accident. (case, code) -> (cell, message).

MESSAGES = {
    ("merged-once", "invalid-choice"): ("E3", "Cell E3 (recommendation 1.1.1, 'Meets it?') says 'Maybe'; choose Yes, "
                                              "Partial or No from the list."),
    ("merged-once", "read-as"): ("D8", "Cell D8 (recommendation 1.2.1, 'Relevant to us?') says 'Y', which was read as "
                                       "Yes. If that is what you meant there is nothing to do; to avoid this message, "
                                       "choose Yes from the list."),
    ("dates-refused", "invalid-date"): (
        "I3", "Cell I3 (recommendation 1.1.1, 'Deadline') says '3/31/2027', which is not a date: dates are read day "
              "first, and there is no month 31 (if you meant 31/3, write the day first); enter a date such as "
              "31/03/2027 (day first), or leave it blank."),
    ("deadlines-as-text", "deadline-as-text"): (
        "I3", "Cell I3 (recommendation 1.1.1, 'Deadline') says 'March 2027', which is not a date: it is kept as text, "
              "so the action cannot count as overdue. Put a date such as 31/03/2027 if there is one."),
    ("heading-row-answer", "answer-on-heading-row"): (
        "E2", "Cell E2 ('Meets it?') says 'Yes', but its row has no recommendation number (a section heading, or a row "
              "added to the table), so it counts for no recommendation. Move it to the row of the recommendation it is "
              "about, or delete it."),
    ("notes-below", "note-below-table"): (
        "A64", "Cell A64, below the table, says 'Notes: reviewed at the March board'. It is not read as an answer: if "
               "it is about a recommendation, put it in that recommendation's evidence cell; if it is a note for the "
               "facilitator, it can stay."),
    ("meets-missing", "meets-missing"): (
        "E3", "Recommendation 1.1.1 is marked relevant (cell D3 ('Relevant to us?') says Yes) but cell E3 ('Meets it?') "
              "is blank, so it counts as not assessed: choose Yes, Partial or No."),
    ("blank-return", "blank-return"): (
        None, "Nothing has been filled in: every answer cell is blank ('Relevant to us?' and 'Meets it?' included), so "
              "this return counts as not assessed. Fill in 'Relevant to us?' for each recommendation, and 'Meets it?' "
              "where it applies, then send it again."),
    ("duplicate-row", "duplicate-recommendation"): (
        "A63", "Recommendation 1.1.2 appears twice: on row 4 and again in cell A63. Keep one row with your answers and "
               "delete the other; only the first was read."),
    ("copied-column", "duplicate-column"): (
        "M1", "Column M (header cell M1) has the same header as column E ('Meets it?'): only column E is read. Put "
              "every answer in that column and delete the copy, or give the copy another header."),
}

NEGATIVE_MESSAGES = {
    "text-too-long": ("F14", "Cell F14 (recommendation 1.5.1, 'Evidence / current activity') holds 32,768 characters, "
                             "more than the 32,767 a spreadsheet cell can hold. Shorten it, or put the detail in a "
                             "separate document and refer to it."),
    "formula-in-input": ("F14", "Cell F14 (recommendation 1.5.1, 'Evidence / current activity') contains a formula "
                                "('=B3&C3'). Type the answer in directly; baseline reads the formula itself as plain "
                                "text."),
    "owner-missing": ("H14", "Recommendation 1.5.1 has an action needed but no action owner: put the name or role of "
                             "who owns the action in cell H14 ('Action owner')."),
    "deadline-missing": ("I14", "Recommendation 1.5.1 has an open action but no deadline: put a date such as "
                                "31/03/2027 in cell I14 ('Deadline')."),
    "answer-without-relevance": ("D14", "Recommendation 1.5.1 has answers but cell D14 ('Relevant to us?') is blank, "
                                        "so it counts as not assessed: choose Yes, Partial or No."),
    "answered-but-not-relevant": ("E14", "Recommendation 1.5.1 is marked not relevant (cell D14 ('Relevant to us?') "
                                         "says No) but cell E14 ('Meets it?') is answered: clear it, or change the "
                                         "relevance."),
    "unknown-recommendation": ("A8", "Cell A8 says '1.2.9', which is not a recommendation of this assessment. Put back "
                                     "the recommendation number that was there, or delete the row if you added it."),
    "missing-recommendation": (None, "Recommendation 1.3.1 is missing from the Assessment sheet (its row was deleted "
                                     "or its number changed). Put the row back: copy it from the original workbook, "
                                     "or ask the facilitator for a new one."),
    "missing-column": (None, "The column 'Action owner' is missing from the Assessment sheet (deleted, or its header "
                             "text changed). Put the header 'Action owner' back on row 1 above that column."),
}


def _issue(path: Path, code: str, cell: str | None):
    [issue] = [i for i in read_return(path).report.issues if i.code == code and i.cell == cell]
    return issue


@pytest.mark.parametrize("case_code", list(MESSAGES), ids=lambda key: f"{key[0]}:{key[1]}")
def test_validate_messages_word_for_word(run, tmp_path, case_code):
    name, code = case_code
    [case] = [c for c in messy.AGENCY_CASES if c.name == name]
    cell, message = MESSAGES[case_code]
    assert _issue(case.build(tmp_path).path, code, cell).message == message


@pytest.mark.parametrize("code", list(NEGATIVE_MESSAGES))
def test_validate_messages_of_the_negative_cases_word_for_word(tmp_path, code):
    [case] = [c for c in NEGATIVE if c.code == code]
    path, _, _ = case.build(tmp_path)
    cell, message = NEGATIVE_MESSAGES[code]
    assert _issue(path, code, cell).message == message
