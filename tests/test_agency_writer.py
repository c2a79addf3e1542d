"""The agency workbook: opened with openpyxl (and LibreOffice), checked sheet by sheet against the layout spec."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from baseline import __version__, catalogue
from baseline.assessment import STATUS_LABELS, ActionStatus, Answer, Choice, Status, YesNo
from baseline.files import safe_filename
from baseline.guideline import parse_guideline
from baseline.issues import BaselineError
from baseline.xlsx.agency import layout
from baseline.xlsx.agency.layout import Continues
from baseline.xlsx.agency.start_sheet import encoding_note
from baseline.xlsx.agency.writer import build_agency_workbook, iso_utc, workbook_metadata, write_agency_workbook
from baseline.xlsx.returns import read_return
from baseline.xlsx.sheets import DATE_FORMAT
from tests.libreoffice import convert, needs_soffice

GENERATED_AT = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.timezone.utc)
LIST_COLUMNS = {c.key: c for c in layout.ASSESSMENT_COLUMNS}


@pytest.fixture(scope="module")
def ng225():
    return catalogue.load("NG225")


def options(**overrides) -> dict:
    base = dict(agency="North Acute Trust ED", sectors=["emergency_care", "acute_care"], area="Northshire",
                round="2027", return_by=dt.date(2027, 1, 31), facilitator_name="A. Facilitator",
                facilitator_email="facilitator@example.org", generated_at=GENERATED_AT)
    base.update(overrides)
    return base


def generate(tmp_path: Path, guideline, name: str = "agency.xlsx", **overrides) -> Path:
    return write_agency_workbook(tmp_path / name, guideline, **options(**overrides))


def reopen(path: Path | io.BytesIO, **kwargs) -> openpyxl.Workbook:
    return openpyxl.load_workbook(path, **kwargs)  # pytest turns any openpyxl warning into a failure


def assessment_rows(ws) -> list[tuple]:
    return list(ws.iter_rows(min_row=layout.FIRST_DATA_ROW, values_only=True))


def recommendation_rows(ws) -> dict[str, int]:
    """Recommendation id -> row number."""
    return {ws.cell(r, 1).value: r for r in range(layout.FIRST_DATA_ROW, ws.max_row + 1) if ws.cell(r, 1).value}


@pytest.fixture(scope="module")
def workbook_path(tmp_path_factory, ng225) -> Path:
    return generate(tmp_path_factory.mktemp("wb"), ng225)


@pytest.fixture(scope="module")
def wb(workbook_path):
    return reopen(workbook_path)


# --- sheets and columns ----------------------------------------------------------------------------------------


def test_sheets_in_order_with_their_visibility(wb):
    assert wb.sheetnames == [layout.START_SHEET, layout.ASSESSMENT_SHEET, layout.SUMMARY_SHEET, layout.LISTS_SHEET,
                             layout.META_SHEET]
    assert [ws.sheet_state for ws in wb] == ["visible", "visible", "visible", "hidden", "veryHidden"]
    assert wb.active.title == layout.START_SHEET


def test_assessment_headers_are_the_layout(wb):
    ws = wb[layout.ASSESSMENT_SHEET]
    headers = [c.value for c in ws[layout.HEADER_ROW]]
    assert headers == [c.header for c in layout.ASSESSMENT_COLUMNS]
    for column in layout.ASSESSMENT_COLUMNS:
        # Stored as Excel stores it: the characters shown, plus the cell's padding (xlsxwriter: 0.71).
        stored = ws.column_dimensions[layout.column_letter(column.key)].width
        assert column.width < stored < column.width + 1
    assert ws[f"A{layout.HEADER_ROW}"].font.bold


def test_only_the_agencys_recommendations_in_guideline_order(wb, ng225):
    ids = list(recommendation_rows(wb[layout.ASSESSMENT_SHEET]))
    expected = [r.id for r in ng225.recommendations_for(["emergency_care", "acute_care"])]
    assert ids == expected
    assert "1.5.1" not in ids  # mental health services only
    assert "1.8.1" not in ids  # other sectors only
    assert "1.7.1" in ids and "1.1.1" in ids


def test_sector_filtering_differs_by_sector(tmp_path, ng225):
    school = reopen(generate(tmp_path, ng225, agency="Schools", sectors=["education"]))
    ids = list(recommendation_rows(school[layout.ASSESSMENT_SHEET]))
    assert ids == [r.id for r in ng225.recommendations_for(["education"])]
    assert "1.8.1" in ids and not any(i.startswith("1.7.") for i in ids)


def test_all_recommendations(tmp_path, ng225):
    wb = reopen(generate(tmp_path, ng225, sectors=["education"], all_recommendations=True))
    assert list(recommendation_rows(wb[layout.ASSESSMENT_SHEET])) == [r.id for r in ng225.recommendations]
    assert "All 51 recommendations" in _start_text(wb)


def test_section_heading_rows_have_an_empty_recommendation_cell(wb, ng225):
    ws = wb[layout.ASSESSMENT_SHEET]
    headings = [r for r in range(layout.FIRST_DATA_ROW, ws.max_row + 1) if ws.cell(r, 1).value is None]
    listed = {r.id for r in ng225.recommendations_for(["emergency_care", "acute_care"])}
    sections = [s for s in ng225.sections if any(r.id in listed for r in s.recommendations)]
    assert [ws.cell(r, 2).value for r in headings] == [s.label for s in sections]
    assert headings[0] == layout.FIRST_DATA_ROW
    first = headings[0]
    assert ws.cell(first, 3).value.startswith(sections[0].label)
    assert ws.cell(first, 1).fill.fgColor.rgb != ws.cell(first + 1, 1).fill.fgColor.rgb  # styled apart
    assert ws.cell(first, 3).font.bold
    incomplete = next(r for r, s in zip(headings, sections) if not s.complete)
    assert "may not list every recommendation" in ws.cell(incomplete, 3).value


def test_recommendation_cells(wb, ng225):
    ws = wb[layout.ASSESSMENT_SHEET]
    rows = recommendation_rows(ws)
    first, unknown = rows["1.1.1"], rows["1.1.2"]
    assert ws.cell(first, 2).value == "1.1 Information and support"
    assert ws.cell(first, 3).value == ng225.get("1.1.1").summary
    assert ws.cell(unknown, 3).value == "(summary not yet encoded: see NICE 1.1.2)"
    assert ws.cell(first, 1).hyperlink.target == "https://www.nice.org.uk/guidance/ng225/chapter/Recommendations"
    assert ws.cell(first, 3).alignment.wrap_text
    assert ws.row_dimensions[first].height > 15  # a long summary gets a taller row (LibreOffice won't grow it)


# --- validations, protection, view, print ---------------------------------------------------------------------


def _validations(ws) -> dict[str, object]:
    """First column letter of each validation's range -> the validation."""
    return {str(dv.sqref).split(":")[0].rstrip("0123456789"): dv for dv in ws.data_validations.dataValidation}


def test_dropdowns_come_from_the_hidden_lists_sheet(wb):
    ws = wb[layout.ASSESSMENT_SHEET]
    last = ws.max_row
    validations = _validations(ws)
    lists = wb[layout.LISTS_SHEET]
    for column in layout.INPUT_COLUMNS:
        if column.kind != "choice":
            continue
        letter = layout.column_letter(column.key)
        dv = validations[letter]
        assert (dv.type, dv.formula1) == ("list", layout.list_range(column.vocabulary))
        assert str(dv.sqref) == f"{letter}{layout.FIRST_DATA_ROW}:{letter}{last}"
        assert dv.showErrorMessage and (dv.errorStyle or "stop") == "stop" and dv.allowBlank  # "stop" is the default
        # The range really holds the vocabulary.
        ref = dv.formula1.split("!")[1].replace("$", "")
        assert tuple(c.value for row in lists[ref] for c in row) == layout.VOCABULARIES[column.vocabulary]


def test_deadline_has_date_validation_and_date_format(wb):
    ws = wb[layout.ASSESSMENT_SHEET]
    letter = layout.column_letter("deadline")
    dv = _validations(ws)[letter]
    assert (dv.type, dv.operator or "between") == ("date", "between")  # "between" is the default
    assert (dv.formula1, dv.formula2) == ("36526", "73050")  # 2000-01-01 and 2099-12-31 as Excel serials
    assert "31/03/2027" in dv.error
    row = next(iter(recommendation_rows(ws).values()))
    assert ws[f"{letter}{row}"].number_format == DATE_FORMAT


def test_every_answer_column_prompts(wb):
    ws = wb[layout.ASSESSMENT_SHEET]
    validations = _validations(ws)
    for column in layout.INPUT_COLUMNS:
        dv = validations[layout.column_letter(column.key)]
        assert dv.showInputMessage, column.header
        assert dv.prompt == column.prompt and dv.prompt
        assert dv.promptTitle == column.header
    assert len(validations) == len(layout.INPUT_COLUMNS)


def test_protection_without_password_answers_unlocked(wb):
    for ws in wb:
        assert ws.protection.sheet, ws.title
        assert not ws.protection.password, ws.title
    ws = wb[layout.ASSESSMENT_SHEET]
    p = ws.protection
    # False means "not protected", i.e. allowed.
    assert (p.autoFilter, p.sort, p.formatColumns, p.formatRows, p.formatCells) == (False,) * 5
    assert p.insertRows and p.deleteRows and p.deleteColumns  # structure stays as generated
    rows = recommendation_rows(ws)
    for row in rows.values():
        for index, column in enumerate(layout.ASSESSMENT_COLUMNS, start=1):
            assert ws.cell(row, index).protection.locked is (not column.is_input), (row, column.key)
    heading = layout.FIRST_DATA_ROW
    assert all(ws.cell(heading, i).protection.locked for i in range(1, len(layout.ASSESSMENT_COLUMNS) + 1))
    assert wb.security.lockStructure and not wb.security.workbookPassword


def test_frozen_header_autofilter_and_print_setup(wb):
    ws = wb[layout.ASSESSMENT_SHEET]
    last_col = layout.column_letter(layout.ASSESSMENT_COLUMNS[-1].key)
    assert ws.freeze_panes == "B2"
    assert ws.auto_filter.ref == f"A{layout.HEADER_ROW}:{last_col}{ws.max_row}"
    assert ws.print_title_rows == "$1:$1"
    assert ws.page_setup.orientation == "landscape"
    assert (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight) == (1, 0)  # 1 is the default
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.oddHeader.center.text == "NG225 baseline assessment: North Acute Trust ED"
    for name in (layout.START_SHEET, layout.SUMMARY_SHEET):
        assert wb[name].page_setup.orientation == "portrait"
        assert wb[name].sheet_properties.pageSetUpPr.fitToPage


# --- metadata --------------------------------------------------------------------------------------------------


def _metadata_three_ways(wb) -> tuple[dict, dict, dict]:
    sheet = {row[0]: row[1] for row in wb[layout.META_SHEET].iter_rows(min_row=layout.META_FIRST_ROW, values_only=True)}
    props = {p.name.removeprefix(layout.META_PREFIX): p.value for p in wb.custom_doc_props.props
             if p.name.startswith(layout.META_PREFIX)}
    names = {}
    for name, defined in wb.defined_names.items():
        if name.startswith(layout.META_PREFIX):
            (title, coordinate), = defined.destinations
            names[name.removeprefix(layout.META_PREFIX)] = wb[title][coordinate.replace("$", "")].value
    return sheet, props, names


def test_metadata_stamped_three_ways_and_agreeing(wb, ng225):
    sheet, props, names = _metadata_three_ways(wb)
    expected = {
        "tool_version": __version__,
        "format": str(layout.FORMAT),
        "guideline": "NG225",
        "version": "2022-09-07",
        "fingerprint": ng225.fingerprint,
        "area": "Northshire",
        "round": "2027",
        "agency": "North Acute Trust ED",
        "sector": "emergency_care,acute_care",
        "generated_at": "2026-11-01T09:00:00Z",
    }
    assert sheet == props == names == expected
    assert list(sheet) == list(layout.META_KEYS)
    assert [wb[layout.META_SHEET].cell(1, c).value for c in (1, 2)] == list(layout.META_HEADER)
    for key in layout.META_KEYS:
        assert wb.defined_names[layout.META_PREFIX + key].attr_text == layout.meta_reference(key)


def test_fingerprint_is_the_whole_guidelines_not_the_filtered_list(tmp_path, ng225):
    school = reopen(generate(tmp_path, ng225, agency="Schools", sectors=["education"]))
    sheet, _, _ = _metadata_three_ways(school)
    assert sheet["fingerprint"] == ng225.fingerprint
    assert catalogue.find_by_fingerprint("NG225", sheet["version"], sheet["fingerprint"]) == ng225


def test_workbook_metadata_helper(ng225):
    values = workbook_metadata(ng225, agency="A", sectors=["education"], area="",
                               generated_at=dt.datetime(2026, 11, 1, 10, 0, 0, 123456, tzinfo=dt.timezone(dt.timedelta(hours=1))))
    assert tuple(values) == layout.META_KEYS
    assert values["generated_at"] == "2026-11-01T09:00:00Z"
    assert iso_utc(dt.datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02T03:04:05Z"  # naive is taken as UTC


def test_generated_at_defaults_to_now_in_utc(tmp_path, ng225):
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    wb = reopen(generate(tmp_path, ng225, generated_at=None))
    stamped = dt.datetime.fromisoformat(_metadata_three_ways(wb)[0]["generated_at"].replace("Z", "+00:00"))
    assert before <= stamped <= dt.datetime.now(dt.timezone.utc)


# --- Start here -------------------------------------------------------------------------------------------------


def _start_text(wb) -> str:
    return "\n".join(str(v) for row in wb[layout.START_SHEET].iter_rows(values_only=True) for v in row if v is not None)


def _start_value(wb, label: str):
    ws = wb[layout.START_SHEET]
    return next(ws.cell(r, 2) for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == label)


def test_start_here_explains_itself(wb):
    text = _start_text(wb)
    assert _start_value(wb, "Agency").value == "North Acute Trust ED"
    assert _start_value(wb, "Area").value == "Northshire"
    assert _start_value(wb, "Round").value == "2027"
    assert _start_value(wb, "Sector").value == ("Emergency departments and urgent care; "
                                                 "Acute hospital wards and other physical healthcare")
    returned = _start_value(wb, "Please return by")
    assert returned.value == dt.datetime(2027, 1, 31) and returned.is_date
    contact = _start_value(wb, "Questions to")
    assert contact.value == "A. Facilitator <facilitator@example.org>"
    assert contact.hyperlink.target == "mailto:facilitator@example.org"
    assert _start_value(wb, "On the NICE website").hyperlink.target == "https://www.nice.org.uk/guidance/ng225"
    assert "Self-harm: assessment, management and preventing recurrence" in _start_value(wb, "Guideline").value
    assert "Published 7 September 2022" in _start_value(wb, "Guideline").value
    for header in ("Relevant to us?", "Meets it?", "Deadline", "Action status", "Risk if not done?"):
        assert _start_value(wb, header).value, header
    assert "Step 1" in text and "yellow cells" in text
    assert "© NICE" in text and "our own words" in text
    assert wb[layout.START_SHEET].print_area


def test_start_here_says_plainly_when_the_encoding_is_partial(wb, ng225):
    note = _start_value(wb, "About this list")
    assert note.value == encoding_note(ng225)
    assert note.value.startswith("Please note: this list of NG225 recommendations is NOT complete.")
    assert "51 recommendation numbers" in note.value and "further sections" in note.value
    assert note.font.bold


def test_start_here_for_a_complete_encoding(tmp_path, ng225_data):
    ng225_data["complete"] = True
    for section in ng225_data["sections"]:
        section["complete"] = True
    complete = parse_guideline(ng225_data)
    wb = reopen(generate(tmp_path, complete))
    assert _start_value(wb, "About this list").value == (
        "This workbook is based on a complete list of the 51 recommendations of NG225.")


def test_single_agency_without_config_details(tmp_path, ng225):
    wb = reopen(write_agency_workbook(tmp_path / "a.xlsx", ng225, agency="Solo", sectors=["education"]))
    assert _start_value(wb, "Area").value == "(not given)"
    assert _start_value(wb, "Please return by").value == "Ask the person who sent you this workbook."
    assert _start_value(wb, "Questions to").hyperlink is None
    assert _metadata_three_ways(wb)[0]["area"] in ("", None)
    assert _metadata_three_ways(wb)[0]["round"] in ("", None)
    assert next((r for r in range(1, 30) if wb[layout.START_SHEET].cell(r, 1).value == "Round"), None) is None


# --- My summary -------------------------------------------------------------------------------------------------


def test_my_summary_formulas_cover_exactly_the_data_rows(wb):
    ws = wb[layout.SUMMARY_SHEET]
    last = wb[layout.ASSESSMENT_SHEET].max_row
    labels = [ws.cell(r, 1).value for r in range(6, 13)]
    assert labels == ["All recommendations in this workbook", "Met", "Partially met", "Not met", "Not assessed",
                      "Not applicable", "% met"]
    formulas = [ws.cell(r, 2).value for r in range(6, 13)]
    assert all(isinstance(f, str) and f.startswith("=") for f in formulas)
    ranges = set(re.findall(r"Assessment!\$([A-Z])\$(\d+):\$\1\$(\d+)", " ".join(formulas)))
    assert {(first, end) for _, first, end in ranges} == {(str(layout.FIRST_DATA_ROW), str(last))}
    assert {col for col, _, _ in ranges} == {"A", layout.column_letter("relevant"), layout.column_letter("meets")}
    assert not re.search(r"\b(LET|FILTER|UNIQUE|XLOOKUP|LAMBDA)\(", " ".join(formulas))  # Excel-and-LibreOffice-only functions
    assert ws.cell(12, 2).number_format == "0%"


def test_my_summary_has_a_row_per_section(wb, ng225):
    ws = wb[layout.SUMMARY_SHEET]
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Section")
    listed = {r.id for r in ng225.recommendations_for(["emergency_care", "acute_care"])}
    labels = [s.label for s in ng225.sections if any(r.id in listed for r in s.recommendations)]
    assert [ws.cell(r, 1).value for r in range(header + 1, ws.max_row + 1)] == labels
    assert [ws.cell(header, c).value for c in range(1, 9)] == [
        "Section", "Recommendations", "Met", "Partially met", "Not met", "Not assessed", "Not applicable", "% met"]


def test_calamine_reads_the_generated_workbook(workbook_path, ng225):
    book = CalamineWorkbook.from_path(str(workbook_path))
    assert book.sheet_names[:3] == [layout.START_SHEET, layout.ASSESSMENT_SHEET, layout.SUMMARY_SHEET]
    rows = book.get_sheet_by_name(layout.ASSESSMENT_SHEET).to_python()
    assert rows[0] == [c.header for c in layout.ASSESSMENT_COLUMNS]
    assert [r[0] for r in rows[1:] if r[0]] == [r.id for r in ng225.recommendations_for(["emergency_care", "acute_care"])]


# --- untrusted text, prefill ------------------------------------------------------------------------------------


def test_formula_like_names_stay_text(tmp_path, ng225):
    evil = '=HYPERLINK("http://evil.example","click") & Co'
    wb = reopen(generate(tmp_path, ng225, agency=evil, area="+44 Northshire"))
    agency_cell = _start_value(wb, "Agency")
    assert (agency_cell.value, agency_cell.data_type) == (evil, "s")
    assert _start_value(wb, "Area").value == "+44 Northshire"
    meta = wb[layout.META_SHEET]
    assert (meta[f"B{layout.meta_row('agency')}"].value, meta[f"B{layout.meta_row('agency')}"].data_type) == (evil, "s")
    assert wb[layout.SUMMARY_SHEET]["A2"].data_type == "s"
    assert wb[layout.ASSESSMENT_SHEET].oddHeader.center.text.endswith("&& Co")  # "&" is a header code


def test_control_characters_are_removed(tmp_path, ng225):
    wb = reopen(generate(tmp_path, ng225, agency="North\x00 ED\x1f"))
    assert _start_value(wb, "Agency").value == "North ED"


@pytest.mark.parametrize("overrides, message", [
    (dict(agency="   "), "The agency name is empty."),
    (dict(sectors=[]), "Give the agency's sector"),
    (dict(sectors=["astrology"]), "Unknown sector(s) 'astrology' for NG225"),
])
def test_bad_arguments(ng225, overrides, message):
    with pytest.raises(BaselineError) as caught:
        build_agency_workbook(ng225, **options(**overrides))
    assert str(caught.value).startswith(message)


def test_prefill_fills_the_answer_cells(tmp_path, ng225):
    answers = {
        "1.1.1": Answer("1.1.1", relevant=Choice.YES, meets=Choice.PARTIAL, evidence="=SUM(A1:A9) audit",
                        action="Leaflet", owner="ED matron", deadline=dt.date(2027, 3, 31),
                        action_status=ActionStatus.IN_PROGRESS, risk=YesNo.YES, completed_by="J. Smith, ED lead"),
        "1.2.1": Answer("1.2.1", relevant=Choice.NO, deadline_text="end of Q3"),
        "1.5.1": Answer("1.5.1"),  # not listed for this agency, but blank: ignored
    }
    wb = reopen(generate(tmp_path, ng225, prefill=answers))
    ws = wb[layout.ASSESSMENT_SHEET]
    rows = recommendation_rows(ws)

    def value(rec_id, key):
        return ws[f"{layout.column_letter(key)}{rows[rec_id]}"]

    assert [value("1.1.1", c.key).value for c in layout.INPUT_COLUMNS] == [
        "Yes", "Partial", "=SUM(A1:A9) audit", "Leaflet", "ED matron", dt.datetime(2027, 3, 31), "In progress", "Yes",
        "J. Smith, ED lead"]
    assert value("1.1.1", "evidence").data_type == "s"
    assert value("1.1.1", "deadline").is_date
    assert value("1.2.1", "relevant").value == "No"
    assert value("1.2.1", "deadline").value == "end of Q3"
    assert value("1.1.2", "relevant").value is None


def test_a_prefilled_answer_the_sectors_do_not_give_is_listed_not_dropped(ng225):
    sectors = options()["sectors"]
    not_given = next(r.id for r in ng225.recommendations if r not in ng225.recommendations_for(sectors))
    wb = reopen(io.BytesIO(build_agency_workbook(ng225, **options(prefill={not_given: Answer(not_given, relevant=Choice.YES)}))))
    ids = [row[0].value for row in wb[layout.ASSESSMENT_SHEET].iter_rows(min_row=layout.FIRST_DATA_ROW) if row[0].value]
    assert ids == [r.id for r in ng225.recommendations if r in ng225.recommendations_for(sectors) or r.id == not_given]


def test_prefill_for_a_recommendation_the_encoding_lacks_is_refused(ng225):
    with pytest.raises(BaselineError, match="does not have: 9.9.9"):
        build_agency_workbook(ng225, **options(prefill={"9.9.9": Answer("9.9.9", relevant=Choice.YES)}))


def test_prefill_longer_than_a_cell_is_refused(ng225):
    too_long = Answer("1.1.1", evidence="x" * (layout.EXCEL_CELL_LIMIT + 1))
    with pytest.raises(BaselineError, match="longer than Excel's limit"):
        build_agency_workbook(ng225, **options(prefill={"1.1.1": too_long}))


# --- files: names, overwrite, atomicity -------------------------------------------------------------------------


@pytest.mark.parametrize("agency, expected", [
    ("North CAMHS", "north-camhs.xlsx"),
    ("Northshire Children's Social Care", "northshire-childrens-social-care.xlsx"),
    ("A & E (Northshire)", "a-and-e-northshire.xlsx"),
    ("../../etc/passwd", "etc-passwd.xlsx"),
    ("C:\\Windows\\System32", "c-windows-system32.xlsx"),
    ("Élan Café Santé", "elan-cafe-sante.xlsx"),
    ("CON", "con-agency.xlsx"),
    ("???", "agency.xlsx"),
    ("学校", "agency.xlsx"),
    (".hidden", "hidden.xlsx"),
])
def test_safe_filename(agency, expected):
    assert safe_filename(agency, set()) == expected


def test_safe_filename_is_unique_case_insensitively_and_records_the_name():
    taken = {"North-CAMHS.xlsx"}
    assert safe_filename("North CAMHS", taken) == "north-camhs-2.xlsx"
    assert safe_filename("north camhs", taken) == "north-camhs-3.xlsx"
    assert taken == {"North-CAMHS.xlsx", "north-camhs-2.xlsx", "north-camhs-3.xlsx"}


def test_safe_filename_cuts_long_names_at_a_word():
    name = safe_filename("Northshire Hospitals NHS Foundation Trust Emergency Department and Urgent Treatment Centre",
                         set())
    assert name == "northshire-hospitals-nhs-foundation-trust-emergency.xlsx"


@given(st.lists(st.text(max_size=80), min_size=1, max_size=8))
def test_safe_filename_always_safe_and_unique(agencies):
    taken: set[str] = set()
    names = [safe_filename(a, taken) for a in agencies]
    for name in names:
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]*\.xlsx", name), name
        assert len(name) <= 60 + len("-99.xlsx")
    assert len({n.casefold() for n in names}) == len(names)


def test_refuses_to_overwrite_without_force(tmp_path, ng225):
    path = generate(tmp_path, ng225)
    before = path.read_bytes()
    with pytest.raises(BaselineError, match="already exists; nothing was written. Use --force"):
        generate(tmp_path, ng225, agency="Someone else")
    assert path.read_bytes() == before
    generate(tmp_path, ng225, agency="Someone else", force=True)
    assert _metadata_three_ways(reopen(path))[0]["agency"] == "Someone else"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["agency.xlsx"]  # no temporary file left behind


def test_output_must_be_xlsx(tmp_path, ng225):
    with pytest.raises(BaselineError, match="must be written to a .xlsx file"):
        generate(tmp_path, ng225, name="agency.xls")
    assert not list(tmp_path.iterdir())


def test_nothing_is_left_behind_when_building_fails(tmp_path, ng225):
    with pytest.raises(BaselineError):
        generate(tmp_path, ng225, sectors=["astrology"])
    assert not list(tmp_path.iterdir())


# --- LibreOffice: live formulas and metadata survive a real spreadsheet application -----------------------------


ANSWERS = {  # (Relevant to us?, Meets it?) as a person might type them; COUNTIFS is case-insensitive
    "1.1.1": ("Yes", "Yes"),
    "1.1.2": ("Partial", "Yes"),
    "1.1.3": ("yes", "Partial"),
    "1.1.4": ("Yes", "No"),
    "1.2.1": ("No", None),
    "1.3.1": ("Partial", "Partial"),
    "1.6.1": ("Yes", None),
    "1.7.1": ("No", "Yes"),
    "1.7.2": (None, "Yes"),
    "1.7.3": ("Partial", "No"),
}


# The status each of ANSWERS means, by hand (DESIGN.md "Statuses"); every other listed recommendation: not assessed.
MEANT = {"1.1.1": "met", "1.1.2": "met", "1.1.3": "partially_met", "1.1.4": "not_met", "1.2.1": "not_applicable",
         "1.3.1": "partially_met", "1.6.1": "not_assessed", "1.7.1": "not_applicable", "1.7.2": "not_assessed",
         "1.7.3": "not_met"}


def _expected_counts(ids: list[str]) -> dict[str, int]:
    counts = dict.fromkeys(["met", "partially_met", "not_met", "not_assessed", "not_applicable"], 0)
    for rec_id in ids:
        counts[MEANT.get(rec_id, "not_assessed")] += 1
    return counts


@needs_soffice
def test_libreoffice_recalculates_my_summary_and_keeps_the_metadata(tmp_path, ng225):
    source = generate(tmp_path, ng225)
    filled = openpyxl.load_workbook(source)
    ws = filled[layout.ASSESSMENT_SHEET]
    rows = recommendation_rows(ws)
    for rec_id, (relevant, meets) in ANSWERS.items():
        ws[f"{layout.column_letter('relevant')}{rows[rec_id]}"] = relevant
        ws[f"{layout.column_letter('meets')}{rows[rec_id]}"] = meets
    filled_path = tmp_path / "filled.xlsx"
    filled.save(filled_path)

    resaved = convert(filled_path, tmp_path / "lo", "xlsx")
    values = reopen(resaved, data_only=True)
    summary = values[layout.SUMMARY_SHEET]
    ids = list(rows)
    expected = _expected_counts(ids)
    overall = {summary.cell(r, 1).value: summary.cell(r, 2).value for r in range(6, 13)}
    assert overall["All recommendations in this workbook"] == len(ids)
    assert {status: overall[STATUS_LABELS[Status(status)]] for status in expected} == expected
    assert (expected["met"], expected["not_applicable"]) == (2, 2)
    assert overall["% met"] == pytest.approx(2 / (len(ids) - 2))  # met of those that apply: not 2 / len(ids)

    header = next(r for r in range(1, summary.max_row + 1) if summary.cell(r, 1).value == "Section")
    percents_checked = []
    for r in range(header + 1, summary.max_row + 1):
        label = summary.cell(r, 1).value
        section = next(s for s in ng225.sections if s.label == label)
        section_ids = [i for i in ids if ng225.section_of(i).id == section.id]
        counts = _expected_counts(section_ids)
        got = [summary.cell(r, c).value for c in range(2, 8)]
        assert got == [len(section_ids), counts["met"], counts["partially_met"], counts["not_met"],
                       counts["not_assessed"], counts["not_applicable"]], label
        applicable = len(section_ids) - counts["not_applicable"]
        if applicable:
            assert summary.cell(r, 8).value == pytest.approx(counts["met"] / applicable), label
            percents_checked.append(section.id)
    assert "1.1" in percents_checked and "1.7" in percents_checked  # 1.7: a not-applicable row in its base

    # The re-saved file still carries all three metadata stamps, agreeing; validations and protection survive.
    structure = reopen(resaved)
    sheet, props, names = _metadata_three_ways(structure)
    assert sheet == props == names and sheet["agency"] == "North Acute Trust ED"
    assert structure[layout.META_SHEET].sheet_state in ("hidden", "veryHidden")  # LibreOffice: veryHidden -> hidden
    assert structure[layout.LISTS_SHEET].sheet_state == "hidden"
    again = structure[layout.ASSESSMENT_SHEET]
    kept = {(dv.type, dv.formula1) for dv in again.data_validations.dataValidation}
    assert ("list", layout.list_range("yes_partial_no")) in kept and ("date", "36526") in kept
    assert again.protection.sheet and again.protection.autoFilter is False


# --- what the move to xlsxwriter could lose silently -------------------------------------------------------------


def _part(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(name).decode("utf-8")


def test_the_structure_is_locked_where_the_schema_puts_it(workbook_path):
    """xlsxwriter has no API for it: sheets.MemoryWorkbook writes the element itself. Excel only honours it in
    schema order (after workbookPr, before bookViews); openpyxl reads it there (test_protection_... above)."""
    workbook = _part(workbook_path, "xl/workbook.xml")
    assert re.search(r'<workbookPr[^>]*/><workbookProtection lockStructure="1"/><bookViews>', workbook)
    assert "workbookPassword" not in workbook  # it stops accidents, not people


def test_the_sheets_as_the_xml_has_them(workbook_path):
    """Visibility, protection and the cells people type into, read from the parts themselves (no library between)."""
    workbook = _part(workbook_path, "xl/workbook.xml")
    states = dict(re.findall(r'<sheet name="([^"]+)" sheetId="\d+"(?: state="(\w+)")?', workbook))
    assert states == {layout.START_SHEET: "", layout.ASSESSMENT_SHEET: "", layout.SUMMARY_SHEET: "",
                      layout.LISTS_SHEET: "hidden", layout.META_SHEET: "veryHidden"}
    for number in range(1, 6):
        sheet = _part(workbook_path, f"xl/worksheets/sheet{number}.xml")
        protection = re.search(r"<sheetProtection [^>]*/>", sheet).group(0)
        assert 'sheet="1"' in protection and "password" not in protection.lower()
        for allowed in ("sort", "autoFilter", "formatCells", "formatColumns", "formatRows"):
            assert f'{allowed}="0"' in protection, (number, allowed)


def test_answer_cells_are_the_only_unlocked_cells(wb):
    ws = wb[layout.ASSESSMENT_SHEET]
    unlocked = {(cell.row, cell.column) for row in ws.iter_rows() for cell in row if not cell.protection.locked}
    rows = recommendation_rows(ws).values()
    inputs = [i for i, column in enumerate(layout.ASSESSMENT_COLUMNS, start=1) if column.is_input]
    assert unlocked == {(row, column) for row in rows for column in inputs}
    for name in (layout.START_SHEET, layout.SUMMARY_SHEET, layout.LISTS_SHEET, layout.META_SHEET):
        assert all(cell.protection.locked for row in wb[name].iter_rows() for cell in row), name


def test_every_validation_covers_exactly_its_answer_column(wb):
    ws = wb[layout.ASSESSMENT_SHEET]
    last = max(recommendation_rows(ws).values())
    ranges = sorted(str(dv.sqref) for dv in ws.data_validations.dataValidation)
    assert ranges == sorted(f"{letter}{layout.FIRST_DATA_ROW}:{letter}{last}"
                            for letter in (layout.column_letter(c.key) for c in layout.INPUT_COLUMNS))


def test_texts_that_look_like_formulas_or_markup_stay_text(tmp_path, ng225):
    """Names and answers from outside: a formula stays text (quote-prefixed, so Excel keeps it text on edit),
    xlsxwriter's own rich-text spelling stays literal, a link's text is text; all read back exactly."""
    agency, facilitator = "<r>North</r> =CAMHS", "=HYPERLINK(\"http://evil.example\")"
    answers = {"1.1.1": Answer("1.1.1", Choice.YES, Choice.NO, evidence="=SUM(A1:A9) audit",
                               action="<r><t>x</t></r>", owner="@lead", completed_by="-R. Shah")}
    path = generate(tmp_path, ng225, agency=agency, facilitator_name=facilitator, prefill=answers)
    wb = reopen(path)
    cell = _start_value(wb, "Questions to")
    assert (cell.value, cell.data_type, cell.quotePrefix) == (f"{facilitator} <facilitator@example.org>", "s", True)
    assert cell.hyperlink.target == "mailto:facilitator@example.org"
    assert _start_value(wb, "Agency").value == agency
    ws = wb[layout.ASSESSMENT_SHEET]
    row = recommendation_rows(ws)["1.1.1"]
    evidence = ws[f"{layout.column_letter('evidence')}{row}"]
    assert (evidence.value, evidence.data_type, evidence.quotePrefix) == ("=SUM(A1:A9) audit", "s", True)
    assert not any(c.data_type == "f" for name in wb.sheetnames if name != layout.SUMMARY_SHEET
                   for r in wb[name].iter_rows() for c in r)  # My summary holds the only formulas
    got = read_return(path).agency_return
    assert got.agency == agency
    assert (got.answers["1.1.1"].evidence, got.answers["1.1.1"].action, got.answers["1.1.1"].owner,
            got.answers["1.1.1"].completed_by) == ("=SUM(A1:A9) audit", "<r><t>x</t></r>", "@lead", "-R. Shah")


def _summary_values(path: Path) -> list[list]:
    """My summary's values as a reader that does not calculate sees them (the cached values)."""
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(layout.SUMMARY_SHEET).to_python()


def test_my_summary_holds_the_values_its_formulas_give_as_sent(tmp_path, ng225):
    answers = {rec_id: Answer(rec_id, Choice(relevant.capitalize()) if relevant else None,
                              Choice(meets) if meets else None) for rec_id, (relevant, meets) in ANSWERS.items()}
    path = generate(tmp_path, ng225, prefill=answers, continues=Continues("m.xlsx", "2027-02-01T09:00:00Z", "ab"))
    values = _summary_values(path)
    ids = list(recommendation_rows(reopen(path)[layout.ASSESSMENT_SHEET]))
    expected = _expected_counts(ids)
    overall = {row[0]: row[1] for row in values[5:12]}
    assert overall["All recommendations in this workbook"] == len(ids)
    assert {status: overall[STATUS_LABELS[Status(status)]] for status in expected} == expected
    assert overall["% met"] == pytest.approx(expected["met"] / (len(ids) - expected["not_applicable"]))
    blank = _summary_values(generate(tmp_path, ng225, name="blank.xlsx"))
    assert [row[1] for row in blank[5:12]] == [len(ids), 0, 0, 0, len(ids), 0, 0]


@needs_soffice
def test_libreoffice_shows_and_recalculates_the_values_as_sent(tmp_path, ng225):
    """LibreOffice shows the values written with the formulas (it does not recalculate a file from an "Excel"
    writer on opening): they must be the ones it computes itself, which it does once openpyxl has dropped them."""
    answers = {rec_id: Answer(rec_id, Choice(relevant.capitalize()) if relevant else None,
                              Choice(meets) if meets else None) for rec_id, (relevant, meets) in ANSWERS.items()}
    path = generate(tmp_path, ng225, prefill=answers)
    as_sent = _summary_values(path)
    shown = _summary_values(convert(path, tmp_path / "shown", "xlsx"))
    dropped = tmp_path / "dropped.xlsx"
    openpyxl.load_workbook(path).save(dropped)  # openpyxl keeps the formulas, not their values
    assert _summary_values(dropped)[5][1] in ("", None)
    computed = _summary_values(convert(dropped, tmp_path / "computed", "xlsx"))
    assert as_sent == shown == computed


@needs_soffice
def test_an_untouched_prefilled_return_is_told_apart_after_a_libreoffice_save(tmp_path, ng225):
    answers = {"1.1.1": Answer("1.1.1", Choice.YES, Choice.PARTIAL, evidence="=SUM(A1) is text  ",
                               action="<r>x</r>", owner="Lead\nwith a line break", deadline=dt.date(2027, 3, 31),
                               action_status=ActionStatus.IN_PROGRESS, risk=YesNo.YES),
               "1.2.1": Answer("1.2.1", Choice.NO, deadline_text="end of Q3")}
    path = generate(tmp_path, ng225, prefill=answers, continues=Continues("m.xlsx", "2027-02-01T09:00:00Z", "ab"))
    as_sent = read_return(path)
    assert [i.code for i in as_sent.report.issues] == ["deadline-as-text", "unchanged-return"]
    resaved = convert(path, tmp_path / "lo", "xlsx")
    read = read_return(resaved)
    assert [i.code for i in read.report.issues] == ["deadline-as-text", "unchanged-return"]
    assert read.agency_return.answers == as_sent.agency_return.answers
    assert read.agency_return.answers["1.1.1"].action == "<r>x</r>"
    structure = reopen(resaved)
    assert [ws.title for ws in structure] == [layout.START_SHEET, layout.ASSESSMENT_SHEET, layout.SUMMARY_SHEET,
                                             layout.LISTS_SHEET, layout.META_SHEET]
    assert structure[layout.META_SHEET].sheet_state in ("hidden", "veryHidden")  # LibreOffice: veryHidden -> hidden
    # A headless LibreOffice save drops the structure lock and the frozen panes of sheets not shown (as it did
    # with openpyxl's files).
