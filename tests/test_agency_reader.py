"""Reading returned workbooks: rows by id, columns by header text, values normalised, issues at the exact cell."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from baseline.assessment import ActionStatus, Answer, Choice, YesNo
from baseline.checks import parse_date
from baseline.xlsx.agency import layout
from baseline.xlsx.cells import cell_ref, cell_text, parse_cell_ref
from baseline.xlsx.package import SourceWorkbook
from baseline.xlsx.returns import detect_format, read_return
from baseline.xlsx.untrusted import check_untrusted
from tests.cases import builders
from tests.cases.builders import assessment, cell_of, column_of, new_workbook, put, row_of, save
from tests.cases.openpyxl_cells import write_text
from tests.libreoffice import convert, needs_soffice


def codes(result) -> list[str]:
    return [i.code for i in result.report.issues]


def listed_ids(sectors=builders.SECTORS) -> list[str]:
    return [r.id for r in builders.guideline().recommendations_for(sectors)]


FULL_ANSWER = dict(relevant=Choice.PARTIAL, meets=Choice.NO, evidence="Audit 2026\nsecond line", action="Write a pathway",
                   owner="Service lead", deadline=dt.date(2027, 3, 31), action_status=ActionStatus.IN_PROGRESS,
                   risk=YesNo.YES, completed_by="A. Lead, nurse consultant")


# --- a generated workbook reads back ---------------------------------------------------------------------------


def test_a_blank_generated_workbook_reads_as_a_return(tmp_path):
    path = save(new_workbook(), tmp_path / "blank.xlsx")
    result = read_return(path)
    assert codes(result) == ["blank-return"]  # a warning: nothing answered yet
    assert result.report.valid
    assert (result.report.agency, result.report.guideline, result.report.version) == ("North CAMHS", "NG225", "2022-09-07")
    ret = result.agency_return
    guideline = builders.guideline()
    assert (ret.agency, ret.guideline, ret.version, ret.fingerprint) == ("North CAMHS", "NG225", guideline.version,
                                                                        guideline.fingerprint)
    assert ret.sectors == ["mental_health"] and ret.area == "Northshire"
    assert ret.generated_at == "2026-11-01T09:00:00Z"
    assert ret.source == str(path) and ret.source_format == "baseline"
    assert ret.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert list(ret.answers) == listed_ids()
    assert all(answer.is_blank for answer in ret.answers.values())


def test_answers_and_their_cells_read_back(tmp_path):
    wb = new_workbook(prefill={"1.5.1": Answer("1.5.1", **FULL_ANSWER)})
    ws = assessment(wb)
    path = save(wb, tmp_path / "filled.xlsx")
    answer = read_return(path).agency_return.answers["1.5.1"]
    assert answer == Answer("1.5.1", **FULL_ANSWER)
    assert dict(answer.cells) == {c.key: cell_of(ws, "1.5.1", c.key) for c in layout.INPUT_COLUMNS}


def test_a_workbook_renamed_xlsm_reads_the_same(tmp_path):
    path = save(new_workbook(prefill={"1.5.1": Answer("1.5.1", **FULL_ANSWER)}), tmp_path / "macro.xlsm")
    result = read_return(path)
    assert result.report.issues == []
    assert result.agency_return.answers["1.5.1"] == Answer("1.5.1", **FULL_ANSWER)


def test_a_multi_sector_workbook_lists_what_applies_to_any_of_its_sectors(tmp_path):
    sectors = ["education", "social_care"]
    path = save(new_workbook(sectors=sectors), tmp_path / "schools.xlsx")
    result = read_return(path)
    assert result.report.valid
    assert result.agency_return.sectors == sectors
    assert list(result.agency_return.answers) == listed_ids(sectors)


def test_a_workbook_listing_every_recommendation_is_complete_too(tmp_path):
    path = save(new_workbook(sectors=["education"], all_recommendations=True), tmp_path / "all.xlsx")
    result = read_return(path)
    assert codes(result) == ["blank-return"]
    assert list(result.agency_return.answers) == [r.id for r in builders.guideline().recommendations]


def test_filtered_out_recommendations_are_not_missing_and_extra_ones_are_fine(tmp_path):
    wb = new_workbook(sectors=["education"])
    ws = assessment(wb)
    assert "1.5.1" not in listed_ids(["education"])  # mental health only
    last = ws.max_row + 1
    write_text(ws.cell(last, column_of(ws, "recommendation")), "1.5.1")
    write_text(ws.cell(last, column_of(ws, "relevant")), "No")
    result = read_return(save(wb, tmp_path / "extra.xlsx"))
    assert result.report.issues == []
    assert result.agency_return.answers["1.5.1"].relevant is Choice.NO
    assert list(result.agency_return.answers)[-1] != "1.5.1"  # guideline order, not sheet order


# --- what people do to a workbook ------------------------------------------------------------------------------


def _filled_workbook() -> openpyxl.Workbook:
    wb = new_workbook()
    put(wb, "1.1.1", **FULL_ANSWER)
    put(wb, "1.5.1", relevant="Yes", meets="Yes", evidence="Liaison team audit", completed_by="B")
    put(wb, "1.3.1", relevant="No", evidence="Not our service")
    return wb


def _expected(tmp_path) -> dict[str, Answer]:
    return read_return(save(_filled_workbook(), tmp_path / "reference.xlsx")).agency_return.answers


def _rewrite_rows(ws, order) -> None:
    """Rewrite the data rows in a new order, values only (as a sort does)."""
    first, last = layout.FIRST_DATA_ROW, ws.max_row
    rows = [[ws.cell(r, c).value for c in range(1, ws.max_column + 1)] for r in range(first, last + 1)]
    for offset, values in enumerate(order(rows)):
        for c, value in enumerate(values, start=1):
            cell = ws.cell(first + offset, c)
            if isinstance(value, str):
                write_text(cell, value)
            else:
                cell.value = value


def test_sorted_rows_read_the_same(tmp_path):
    expected = _expected(tmp_path)
    wb = _filled_workbook()
    ws = assessment(wb)
    id_col = column_of(ws, "recommendation") - 1
    # Sort by Meets it? descending, as someone looking for their gaps would; heading rows go wherever.
    _rewrite_rows(ws, lambda rows: sorted(rows, key=lambda v: (str(v[4] or ""), str(v[id_col] or "")), reverse=True))
    assert row_of(ws, "1.5.1") != row_of(assessment(_filled_workbook()), "1.5.1")
    result = read_return(save(wb, tmp_path / "sorted.xlsx"))
    assert result.report.issues == []
    assert result.agency_return.answers == expected
    assert list(result.agency_return.answers) == listed_ids()  # guideline order again
    assert result.agency_return.answers["1.5.1"].cells["meets"] == cell_of(ws, "1.5.1", "meets")


def test_moved_and_extra_columns_read_the_same(tmp_path):
    expected = _expected(tmp_path)
    wb = _filled_workbook()
    ws = assessment(wb)
    meets = column_of(ws, "meets")
    values = [ws.cell(r, meets).value for r in range(1, ws.max_row + 1)]
    ws.delete_cols(meets)
    new = ws.max_column + 2  # past a gap, at the far right
    for r, value in enumerate(values, start=1):
        if value is not None:
            write_text(ws.cell(r, new), value)
    ws.insert_cols(2, 2)
    write_text(ws.cell(layout.HEADER_ROW, 2), "Team")
    write_text(ws.cell(layout.HEADER_ROW, 3), "RAG")
    result = read_return(save(wb, tmp_path / "columns.xlsx"))
    assert result.report.issues == []
    assert result.agency_return.answers == expected
    assert result.agency_return.answers["1.1.1"].cells["meets"] == cell_of(ws, "1.1.1", "meets")


def test_title_rows_notes_and_filtered_rows_read_the_same(tmp_path):
    expected = _expected(tmp_path)
    wb = _filled_workbook()
    ws = assessment(wb)
    ws.insert_rows(1, 3)
    write_text(ws.cell(1, 1), "North CAMHS self-assessment — DRAFT")
    ws.insert_rows(row_of(ws, "1.3.1"), 2)
    write_text(ws.cell(row_of(ws, "1.3.1") - 1, 3), "Comment from the board: see minutes")
    ws.row_dimensions[row_of(ws, "1.5.1")].hidden = True  # a filter hides it
    note = ws.max_row + 3
    write_text(ws.cell(note, 1), "Total")  # a note under the table: reported, never silently dropped
    headers = [c.value for c in ws[4]]
    assert headers[0] == "Recommendation"
    result = read_return(save(wb, tmp_path / "rows.xlsx"))
    assert [(i.code, i.cell) for i in result.report.issues] == [("note-below-table", f"A{note}")]
    assert result.agency_return.answers == expected
    assert result.agency_return.answers["1.1.1"].cells["relevant"] == cell_of(ws, "1.1.1", "relevant")


def test_header_text_is_matched_whatever_its_case_and_spacing(tmp_path):
    wb = _filled_workbook()
    ws = assessment(wb)
    write_text(ws.cell(layout.HEADER_ROW, column_of(ws, "meets")), "  MEETS\n it? ")
    write_text(ws.cell(layout.HEADER_ROW, column_of(ws, "owner")), "action  owner")
    result = read_return(save(wb, tmp_path / "headers.xlsx"))
    assert result.report.issues == []
    assert result.agency_return.answers == _expected(tmp_path)


# --- values ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key, typed, expected", [
    ("relevant", "yes ", Choice.YES),
    ("relevant", "PARTIAL", Choice.PARTIAL),
    ("meets", "  no", Choice.NO),
    ("action_status", "in   PROGRESS", ActionStatus.IN_PROGRESS),
    ("action_status", "not started", ActionStatus.NOT_STARTED),
    ("risk", " No ", YesNo.NO),
])
def test_choices_are_normalised(tmp_path, key, typed, expected):
    wb = new_workbook()
    put(wb, "1.5.1", **{key: typed})
    result = read_return(save(wb, tmp_path / "c.xlsx"))
    assert getattr(result.agency_return.answers["1.5.1"], key) is expected
    assert "invalid-choice" not in codes(result)


@pytest.mark.parametrize("key, typed, allowed", [
    ("relevant", "Maybe", "Yes, Partial or No"),
    ("meets", "Mostly", "Yes, Partial or No"),
    ("action_status", "Waiting", "Not started, In progress or Complete"),
    ("risk", "Partial", "Yes or No"),
    ("risk", True, "Yes or No"),
    ("meets", 1, "Yes, Partial or No"),
])
def test_other_choices_are_invalid_at_their_cell(tmp_path, key, typed, allowed):
    wb = new_workbook()
    put(wb, "1.5.1", **{"relevant": "Yes", key: typed})
    result = read_return(save(wb, tmp_path / "c.xlsx"))
    [issue] = [i for i in result.report.issues if i.code == "invalid-choice"]
    assert (issue.sheet, issue.cell, issue.recommendation) == ("Assessment", cell_of(assessment(wb), "1.5.1", key), "1.5.1")
    assert allowed in issue.message and layout.COLUMNS_BY_KEY[key].header in issue.message
    assert issue.severity == "error"
    assert getattr(result.agency_return.answers["1.5.1"], key) is None


@pytest.mark.parametrize("typed, read_as", [
    (dt.date(2027, 3, 31), False), (dt.datetime(2027, 3, 31, 0, 0), False), (dt.datetime(2027, 3, 31, 14, 30), False),
    ("2027-03-31", False), ("31/03/2027", False), ("31-03-2027", False), ("31/3/2027", False),
    (" 31 / 03 / 2027 ", False), ("31 March 2027", False),
    # Other forms are read, and the reading reported (a two-digit year, an abbreviated month, a time).
    ("31.03.27", True), ("31 Mar 2027", True), ("2027-03-31T00:00:00", True),
])
def test_dates_are_accepted_as_dates_iso_or_uk_text(tmp_path, typed, read_as):
    wb = new_workbook()
    put(wb, "1.5.1", relevant="Yes", meets="No", action="Audit", owner="Lead", deadline=typed)
    result = read_return(save(wb, tmp_path / "d.xlsx"))
    assert codes(result) == (["read-as"] if read_as else [])
    assert result.agency_return.answers["1.5.1"].deadline == dt.date(2027, 3, 31)


def test_a_serial_number_in_a_date_formatted_cell_is_the_date_it_shows(tmp_path):
    wb = new_workbook()
    put(wb, "1.5.1", deadline=46477)  # Excel stores dates as serials; the Deadline cells are date-formatted
    result = read_return(save(wb, tmp_path / "d.xlsx"))
    assert result.agency_return.answers["1.5.1"].deadline == dt.date(2027, 3, 31)


def test_a_number_in_a_deadline_cell_without_date_format_is_invalid(tmp_path):
    wb = new_workbook()
    put(wb, "1.5.1", deadline=46477)
    ws = assessment(wb)
    ws[cell_of(ws, "1.5.1", "deadline")].number_format = "General"  # pasted from elsewhere: shows 46477
    result = read_return(save(wb, tmp_path / "d.xlsx"))
    assert codes(result) == ["invalid-date", "answer-without-relevance"]
    assert "'46477'" in result.report.issues[0].message


@pytest.mark.parametrize("typed", ["31/02/2027", "2027-13-01", "31/03", True, "3/31/2027", "31/13/2027", "01/01/1999",
                                   "31/03/2101"])
def test_an_impossible_or_ambiguous_date_is_invalid_at_that_cell(tmp_path, typed):
    wb = new_workbook()
    put(wb, "1.5.1", relevant="Yes", meets="No", action="Audit", owner="Lead", deadline=typed)
    result = read_return(save(wb, tmp_path / "d.xlsx"))
    assert codes(result) == ["invalid-date"]  # and no "deadline missing" on top
    issue = result.report.issues[0]
    assert issue.cell == cell_of(assessment(wb), "1.5.1", "deadline")
    assert "31/03/2027" in issue.message
    assert result.agency_return.answers["1.5.1"].deadline is None


@pytest.mark.parametrize("typed", ["TBC", "March", "Q1 2027", "end of Q4", "March 2027"])
def test_a_deadline_in_words_is_kept_as_text_with_a_warning(tmp_path, typed):
    """Unified with NICE's tool (DESIGN.md: the same in every format): a month or quarter is a deadline, not an
    error; it is kept as text and cannot count as overdue. No "deadline missing" on top."""
    wb = new_workbook()
    put(wb, "1.5.1", relevant="Yes", meets="No", action="Audit", owner="Lead", deadline=typed)
    result = read_return(save(wb, tmp_path / "d.xlsx"))
    assert codes(result) == ["deadline-as-text"]
    assert result.report.issues[0].cell == cell_of(assessment(wb), "1.5.1", "deadline")
    answer = result.agency_return.answers["1.5.1"]
    assert answer.deadline is None and answer.deadline_text == typed


@pytest.mark.parametrize("typed, expected", [
    ("31st March 2027", dt.date(2027, 3, 31)), ("31-Mar-27", dt.date(2027, 3, 31)),
    ("30 Sept 2027", dt.date(2027, 9, 30)), ("Wednesday 31 March 2027", dt.date(2027, 3, 31)),
    ("2027/03/31", dt.date(2027, 3, 31)), ("31.03.27", dt.date(2027, 3, 31)), ("2027-03-31 00:00:00", dt.date(2027, 3, 31)),
])
def test_the_one_date_parser_reads_the_variants_people_write(typed, expected):
    assert parse_date(typed) == expected


def test_day_first_is_always_assumed():
    assert parse_date("03/04/2027") == dt.date(2027, 4, 3)
    assert parse_date("") is None and parse_date(None) is None and parse_date("   ") is None
    with pytest.raises(ValueError):
        parse_date("04/31/2027")  # US order is not guessed


@pytest.mark.parametrize("typed, expected", [(2, "2"), (2.5, "2.5"), (0, "0"), (1e20, "1e+20"), (True, "TRUE"),
                                             (dt.date(2026, 1, 2), "2026-01-02"), ("  padded  ", "padded"),
                                             ("+44 1234 567890", "+44 1234 567890"), ("=1+1", "=1+1")])
def test_numbers_and_dates_in_text_cells_are_text(tmp_path, typed, expected):
    wb = new_workbook()
    put(wb, "1.5.1", relevant="Yes", meets="Yes", evidence=typed)
    result = read_return(save(wb, tmp_path / "t.xlsx"))
    assert result.agency_return.answers["1.5.1"].evidence == expected
    assert result.report.issues == []


def test_cell_helpers():
    assert cell_ref(22, 4) == "E23" and cell_ref(0, 26) == "AA1" and cell_ref(9, 701) == "ZZ10"
    assert parse_cell_ref("E23") == (22, 4) and parse_cell_ref("$AA$1") == (0, 26)
    assert cell_text(None) == "" and cell_text(3.0) == "3" and cell_text("a\x07b") == "ab"


# --- formulas --------------------------------------------------------------------------------------------------


def test_a_formula_with_a_shown_value_is_read_as_that_value(tmp_path):
    wb = new_workbook()
    put(wb, "1.5.1", relevant="Yes", meets="Yes", evidence="FORMULA-HERE")
    cell = cell_of(assessment(wb), "1.5.1", "evidence")
    path = save(wb, tmp_path / "f.xlsx")
    # What Excel saves: the formula and its cached value.
    builders.rewrite_part(path, builders.sheet_part(path, "Assessment"), lambda data: data.replace(
        b't="inlineStr"><is><t>FORMULA-HERE</t></is>', b't="str"><f>UPPER("policy v2")</f><v>POLICY V2</v>'))
    result = read_return(path)
    [issue] = result.report.issues
    assert (issue.code, issue.cell, issue.severity) == ("formula-in-input", cell, "warning")
    assert "POLICY V2" in issue.message and 'UPPER(' in issue.message
    assert result.agency_return.answers["1.5.1"].evidence == "POLICY V2"


def test_a_formula_in_a_choice_cell_is_read_by_its_value(tmp_path):
    wb = new_workbook()
    put(wb, "1.5.1", relevant="Yes", meets="CHOICE-HERE")
    path = save(wb, tmp_path / "f.xlsx")
    builders.rewrite_part(path, builders.sheet_part(path, "Assessment"), lambda data: data.replace(
        b't="inlineStr"><is><t>CHOICE-HERE</t></is>', b't="str"><f>IF(1=1,"Yes","No")</f><v>Yes</v>'))
    result = read_return(path)
    assert codes(result) == ["formula-in-input"]
    assert result.agency_return.answers["1.5.1"].meets is Choice.YES


def test_formulas_outside_answer_cells_are_not_reported(tmp_path):
    wb = new_workbook()
    ws = assessment(wb)
    ws.cell(row_of(ws, "1.5.1"), ws.max_column + 2).value = "=COUNTA(D:D)"  # someone's own tally column
    result = read_return(save(wb, tmp_path / "f.xlsx"))
    assert codes(result) == ["blank-return"]


# --- the workbook's identity -----------------------------------------------------------------------------------


def test_a_defined_name_pointing_elsewhere_is_a_mismatch(tmp_path):
    wb = new_workbook()
    name = layout.META_PREFIX + "agency"
    wb.defined_names[name].attr_text = f"'{layout.META_SHEET}'!$B${layout.meta_row('area')}"
    result = read_return(save(wb, tmp_path / "m.xlsx"))
    [issue] = [i for i in result.report.issues if i.code != "blank-return"]
    assert issue.code == "metadata-mismatch" and name in issue.message and "Northshire" in issue.message


def test_an_edited_hidden_sheet_disagrees_with_the_document_property(tmp_path):
    wb = new_workbook()
    builders.set_meta(wb, "agency", "South CAMHS", prop=False)
    result = read_return(save(wb, tmp_path / "m.xlsx"))
    # The defined name points at the edited cell, so only the property disagrees.
    [issue] = [i for i in result.report.issues if i.code != "blank-return"]
    assert (issue.code, issue.sheet, issue.cell) == ("metadata-mismatch", "_baseline", f"B{layout.meta_row('agency')}")
    assert "'South CAMHS'" in issue.message and "'North CAMHS'" in issue.message


def test_stamps_may_be_missing_but_the_hidden_sheet_is_enough(tmp_path):
    wb = new_workbook()
    wb.custom_doc_props.props.clear()
    for key in layout.META_KEYS:
        del wb.defined_names[layout.META_PREFIX + key]
    result = read_return(save(wb, tmp_path / "bare.xlsx"))
    assert codes(result) == ["blank-return"]
    assert result.agency_return.agency == "North CAMHS"


def test_an_incomplete_hidden_sheet_is_not_a_baseline_workbook(tmp_path):
    wb = new_workbook()
    builders.set_meta(wb, "fingerprint", "")
    result = read_return(save(wb, tmp_path / "m.xlsx"))
    assert codes(result) == ["not-a-baseline-workbook"]
    assert "fingerprint" in result.report.issues[0].message
    assert result.agency_return is None


def test_a_newer_format_is_refused_with_a_clear_reason(tmp_path):
    wb = new_workbook()
    builders.set_meta(wb, "format", "2")
    result = read_return(save(wb, tmp_path / "m.xlsx"))
    [issue] = result.report.issues
    assert issue.code == "not-a-baseline-workbook" and "format 2" in issue.message
    assert issue.cell == f"B{layout.meta_row('format')}"


@pytest.mark.parametrize("sheets, expected", [
    (["Start here", "Assessment", "_baseline"], "baseline"),
    (["Introduction", "Data sheet"], "nice-bat"),
    (["Sheet1"], None),
])
def test_the_format_is_detected_by_its_sheets(tmp_path, sheets, expected):
    wb = openpyxl.Workbook()
    wb.active.title = sheets[0]
    for name in sheets[1:]:
        wb.create_sheet(name)
    with check_untrusted(save(wb, tmp_path / "w.xlsx")) as checked:
        source = SourceWorkbook.open(checked)
        assert detect_format(source) == expected
        source.close()


def test_an_unknown_guideline_still_reports_cell_problems(tmp_path):
    wb = new_workbook()
    builders.set_meta(wb, "version", "2031-01-01")
    put(wb, "1.5.1", meets="Perhaps")
    result = read_return(save(wb, tmp_path / "m.xlsx"))
    assert codes(result) == ["unknown-guideline-version", "invalid-choice"]
    assert result.report.version == "2031-01-01"


def test_without_the_recommendation_column_nothing_can_be_matched(tmp_path):
    wb = new_workbook()
    ws = assessment(wb)
    ws.delete_cols(column_of(ws, "recommendation"))
    result = read_return(save(wb, tmp_path / "m.xlsx"))
    assert codes(result) == ["missing-column"]
    assert "'Recommendation'" in result.report.issues[0].message
    assert result.agency_return is None


def test_a_missing_answer_column_is_an_error_but_the_rest_is_read(tmp_path):
    wb = _filled_workbook()
    ws = assessment(wb)
    ws.delete_cols(column_of(ws, "risk"))
    result = read_return(save(wb, tmp_path / "m.xlsx"))
    assert codes(result) == ["missing-column"]
    assert "Risk if not done?" in result.report.issues[0].message
    assert result.agency_return.answers["1.1.1"].owner == "Service lead"
    assert "risk" not in result.agency_return.answers["1.1.1"].cells


# --- warnings ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("values, expected", [
    (dict(relevant="Yes", meets="No"), ["owner-missing"]),
    (dict(relevant="Yes", meets="Partial", owner="Lead", action="Fix", deadline=dt.date(2027, 1, 1)), []),
    (dict(relevant="Yes", meets="Yes", action="Keep auditing", owner="Lead", action_status="Complete"), []),
    (dict(relevant="Yes", meets="No", action="Fix", owner="Lead"), ["deadline-missing"]),
    (dict(relevant="No", evidence="Adults only"), []),
    (dict(relevant="No", meets="No"), ["answered-but-not-relevant"]),
    (dict(evidence="Something"), ["answer-without-relevance"]),
    (dict(completed_by="A. Lead"), ["blank-return"]),  # who filled it in is not an answer
])
def test_consistency_warnings(tmp_path, values, expected):
    wb = new_workbook()
    put(wb, "1.5.1", **values)
    result = read_return(save(wb, tmp_path / "w.xlsx"))
    assert codes(result) == expected
    assert all(i.severity == "warning" for i in result.report.issues)
    assert result.report.valid


def test_deadline_missing_but_given_as_an_owner_only_action(tmp_path):
    wb = new_workbook()
    put(wb, "1.5.1", relevant="Yes", meets="Partial", owner="Lead")
    result = read_return(save(wb, tmp_path / "w.xlsx"))
    assert codes(result) == ["deadline-missing"]  # an owner makes it an action (DESIGN.md), and it is open


# --- resources ----------------------------------------------------------------------------------------------------


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to count open files")
def test_no_file_is_left_open(tmp_path):
    paths = [save(_filled_workbook(), tmp_path / f"r{i}.xlsx") for i in range(3)]
    read_return(paths[0])  # warm up imports and caches
    before = len(os.listdir("/proc/self/fd"))
    for path in paths * 3:
        read_return(path)
    assert len(os.listdir("/proc/self/fd")) == before


# --- property: whatever is written reads back ---------------------------------------------------------------------

_TEXT = st.text(st.characters(exclude_categories=("Cs", "Cc"), include_characters="\n"), max_size=40).map(str.strip)
_FORMULA_LIKE = st.sampled_from(["=1+1", "+44 20 7946 0000", "-5", "@SUM(A1)", "=HYPERLINK(\"x\")", "2", "0.10", "TRUE",
                                 "31/03/2027", "Yes", "ÄÖÜ ✓ 日本"])


@st.composite
def answers(draw, rec_id: str):
    text = st.one_of(_TEXT, _FORMULA_LIKE)
    return Answer(
        rec_id,
        relevant=draw(st.none() | st.sampled_from(Choice)),
        meets=draw(st.none() | st.sampled_from(Choice)),
        evidence=draw(text), action=draw(text), owner=draw(text),
        deadline=draw(st.none() | st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31))),
        action_status=draw(st.none() | st.sampled_from(ActionStatus)),
        risk=draw(st.none() | st.sampled_from(YesNo)),
        completed_by=draw(text),
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
@example(data=None)
def test_random_answers_read_back_identically(tmp_path_factory, data):
    ids = ["1.1.1", "1.5.1", "1.12.1"] if "1.12.1" in listed_ids() else ["1.1.1", "1.5.1"]
    if data is None:  # an explicit example: every cell full of formula-looking text
        written = {rec_id: Answer(rec_id, evidence="=1+1", action="+1", owner="-1", completed_by="@me")
                   for rec_id in ids}
    else:
        written = {rec_id: data.draw(answers(rec_id), label=rec_id) for rec_id in ids}
    path = save(new_workbook(prefill=written), tmp_path_factory.mktemp("prop") / "p.xlsx")
    result = read_return(path)
    assert result.agency_return is not None
    for rec_id, answer in written.items():
        assert result.agency_return.answers[rec_id] == answer
    assert not [i for i in result.report.issues if i.severity == "error"]


# --- LibreOffice ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def libreoffice_copies(tmp_path_factory):
    """A filled workbook with a formula in an answer cell, and LibreOffice's .xlsx and .ods saves of it."""
    tmp = tmp_path_factory.mktemp("lo")
    wb = _filled_workbook()
    ws = assessment(wb)
    put(wb, "1.2.1", relevant="yes ", meets="PARTIAL", evidence="=literal text, not a formula", action="+44 text",
        owner="Ö. Lead", deadline="31/12/2027", action_status="complete", risk="no")
    ws[cell_of(ws, "1.4.1", "completed_by")] = "=1+1"  # a real formula
    ws.cell(row_of(ws, "1.4.1"), ws.max_column + 1).value = True  # LibreOffice saves it as the formula TRUE()
    source = save(wb, tmp / "filled.xlsx")
    return source, convert(source, tmp / "xlsx", "xlsx"), convert(source, tmp / "ods", "ods")


@needs_soffice
@pytest.mark.parametrize("index", [1, 2], ids=["xlsx", "ods"])
def test_a_libreoffice_resave_reads_the_same(libreoffice_copies, index):
    source, copy = libreoffice_copies[0], libreoffice_copies[index]
    original = read_return(source)
    resaved = read_return(copy)
    assert resaved.report.valid, resaved.report.issues
    formula_row = "1.4.1"  # openpyxl saved no value for its formula; LibreOffice computed one
    assert ({k: v for k, v in resaved.agency_return.answers.items() if k != formula_row}
            == {k: v for k, v in original.agency_return.answers.items() if k != formula_row})
    assert resaved.agency_return.agency == original.agency_return.agency
    assert resaved.agency_return.answers["1.2.1"].deadline == dt.date(2027, 12, 31)
    # The one real formula is reported at its cell in both; LibreOffice's TRUE() is not.
    formula_cells = [(i.code, i.cell) for i in resaved.report.issues]
    assert formula_cells == [(i.code, i.cell) for i in original.report.issues]
    assert ("formula-in-input", cell_of(assessment(_filled_workbook()), "1.4.1", "completed_by")) in formula_cells
    assert resaved.agency_return.answers["1.4.1"].completed_by == "2"  # LibreOffice computed and cached it
