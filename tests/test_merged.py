"""The merged multi-agency workbook: what people see (sheets, statuses, action plan) and the lossless read-back."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from baseline import __version__, catalogue
from baseline.actions import action_id, build_plan
from baseline.assessment import ActionStatus, Answer, Choice, Status, YesNo
from baseline.guideline import parse_guideline
from baseline.issues import BaselineError
from baseline.merge import merge_returns
from baseline.summary import summarise
from baseline.xlsx.agency.layout import EXCEL_CELL_LIMIT, META_SHEET
from baseline.xlsx.agency.writer import write_agency_workbook
from baseline.xlsx.merged import layout as mw
from baseline.xlsx.merged.reader import is_merged_workbook, read_merged, read_merged_workbook
from baseline.xlsx.merged.report_sheets import fit_combined
from baseline.xlsx.merged.writer import write_merged_workbook

from .factories import make_return
from .libreoffice import convert, needs_soffice

Y, P, N = Choice.YES, Choice.PARTIAL, Choice.NO
AS_OF = dt.date(2027, 3, 1)
MERGED_AT = dt.datetime(2027, 2, 14, 10, 30, tzinfo=dt.timezone.utc)
FORMULAS = ['=HYPERLINK("http://example.org/x","click")', "+1", "@SUM(A1)", "-2", "=1+1"]


@pytest.fixture(scope="module")
def ng225():
    return catalogue.load("NG225")


def sample_returns(ng225):
    camhs = make_return(ng225, "North CAMHS", {
        "1.1.1": Answer("1.1.1", Y, P, evidence=FORMULAS[0], action="+1 leaflet reprint", owner="@SUM(A1)",
                        deadline=dt.date(2027, 1, 31), completed_by="A. Lee"),
        "1.1.2": Answer("1.1.2", Y, N, evidence="-2", action="Train staff", owner="Ann Lee",
                        deadline_text="end of Q3", action_status=ActionStatus.IN_PROGRESS, risk=YesNo.YES,
                        completed_by="A. Lee"),
        "1.1.3": Answer("1.1.3", Y, Y, evidence="Audit 2026\nRe-audit due", action="Train staff", owner="Ann Lee",
                        deadline=dt.date(2026, 12, 1), action_status=ActionStatus.COMPLETE, risk=YesNo.NO),
        "1.5.1": Answer("1.5.1", Y, P, evidence="Half the team", action="Recruit", owner="Service lead",
                        deadline=dt.date(2027, 9, 30), action_status=ActionStatus.NOT_STARTED),
    }, sectors=["mental_health"], source="returns/camhs.xlsx", generated_at="2026-11-01T09:00:00+00:00")
    ed = make_return(ng225, "City ED", {
        "1.1.1": Answer("1.1.1", Y, Y, evidence="Leaflet given at triage"),
        "1.1.2": Answer("1.1.2", N, evidence="Not our role"),
        "1.1.3": Answer("1.1.3", Y, P, action="Audit", owner="", deadline=dt.date(2027, 2, 1)),
        "1.1.4": Answer("1.1.4", Y, completed_by="+1"),  # relevant, not yet answered
    }, sectors=["emergency_care"], source="returns/ed.xlsx", generated_at="2026-11-02T09:00:00+00:00")
    # An agency name that looks like a formula: it becomes a column header and a row label.
    odd = make_return(ng225, "=cmd|' /C calc'!A0", {
        "1.1.1": Answer("1.1.1", N, evidence="=1+1"),
    }, sectors=["primary_care"], source="returns/odd.xlsx", generated_at="")
    odd.source_format = "nice-bat"
    odd.sha256 = "ab" * 32
    return [camhs, ed, odd]


@pytest.fixture(scope="module")
def sample(ng225):
    return merge_returns(ng225, sample_returns(ng225), merged_at=MERGED_AT)


@pytest.fixture(scope="module")
def sample_summary(sample):
    return summarise(sample, as_of=AS_OF)


@pytest.fixture(scope="module")
def sample_path(sample, sample_summary, tmp_path_factory):
    return write_merged_workbook(tmp_path_factory.mktemp("merged") / "merged.xlsx", sample, sample_summary)


@pytest.fixture(scope="module")
def book(sample_path):
    return openpyxl.load_workbook(sample_path)


def rows_of(ws, header_row: int = 1) -> list[dict]:
    """A table sheet as dicts keyed by header text (rows below the header)."""
    headers = [c.value for c in ws[header_row]]
    return [dict(zip(headers, (c.value for c in row))) for row in ws.iter_rows(min_row=header_row + 1)]


# --- read back -----------------------------------------------------------------------------------------------


def test_read_back_gives_the_same_assessment(sample, sample_path):
    back = read_merged_workbook(sample_path)
    assert back == sample
    assert back.agency_names == sample.agency_names
    for original, read in zip(sample.results, back.results):
        assert list(read.answers) == list(original.answers)  # agency order kept too


def test_summary_of_the_merged_workbook_equals_summary_of_the_returns(sample, sample_path):
    back = read_merged_workbook(sample_path)
    assert summarise(back, as_of=AS_OF).to_dict() == summarise(sample, as_of=AS_OF).to_dict()


def test_returns_can_be_recovered_for_prefill(sample, sample_path):
    back = read_merged_workbook(sample_path)
    assert [r.answers for r in back.returns()] == [r.answers for r in sample.returns()]
    assert [(r.agency, r.sectors, r.source, r.sha256, r.generated_at, r.source_format) for r in back.returns()] == \
           [(r.agency, r.sectors, r.source, r.sha256, r.generated_at, r.source_format) for r in sample.returns()]


def test_is_merged_workbook(sample_path, tmp_path, ng225):
    assert is_merged_workbook(sample_path)
    agency = write_agency_workbook(tmp_path / "agency.xlsx", ng225, agency="North CAMHS", sectors=["mental_health"])
    assert not is_merged_workbook(agency)
    assert not is_merged_workbook(tmp_path / "missing.xlsx")
    text = tmp_path / "notes.xlsx"
    text.write_text("not a workbook")
    assert not is_merged_workbook(text)


def test_an_agency_workbook_is_not_read_as_merged(tmp_path, ng225):
    agency = write_agency_workbook(tmp_path / "agency.xlsx", ng225, agency="North CAMHS", sectors=["mental_health"])
    with pytest.raises(BaselineError, match=r"agency workbook \(North CAMHS\), not a merged baseline workbook"):
        read_merged_workbook(agency)


def test_a_workbook_without_metadata_is_refused_clearly(tmp_path):
    path = tmp_path / "plain.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(BaselineError, match=r"not a merged baseline workbook \(it has no _baseline sheet\)"):
        read_merged_workbook(path)
    with pytest.raises(BaselineError, match="no such file"):
        read_merged_workbook(tmp_path / "missing.xlsx")


def test_unknown_encoding_says_which_is_needed(sample_path, tmp_path):
    wb = openpyxl.load_workbook(sample_path)
    meta = wb[META_SHEET]
    for row in meta.iter_rows(min_row=2):
        if row[0].value == "fingerprint":
            row[1].value = "0123456789ab"
    path = tmp_path / "other.xlsx"
    wb.save(path)
    with pytest.raises(BaselineError) as info:
        read_merged_workbook(path)
    message = str(info.value)
    assert "NG225@2022-09-07 (fingerprint 0123456789ab)" in message
    assert "recommendations/ng225/2022-09-07.yaml" in message and "BASELINE_RECOMMENDATIONS" in message


def test_a_newer_format_is_refused(sample_path, tmp_path):
    wb = openpyxl.load_workbook(sample_path)
    for row in wb[META_SHEET].iter_rows(min_row=2):
        if row[0].value == "format":
            row[1].value = "99"
    wb.save(tmp_path / "future.xlsx")
    with pytest.raises(BaselineError, match="newer baseline"):
        read_merged_workbook(tmp_path / "future.xlsx")


def test_edited_answers_are_reported_at_their_cells(sample_path, tmp_path):
    wb = openpyxl.load_workbook(sample_path)
    ws = wb[mw.ANSWERS_SHEET]
    ws["D2"] = "Maybe"          # Relevant?
    ws["J3"] = "next spring"    # Deadline
    ws["B4"] = "9.9.9"          # Recommendation
    ws["A5"] = "Unknown agency"
    wb.save(tmp_path / "edited.xlsx")
    with pytest.raises(BaselineError) as info:
        read_merged_workbook(tmp_path / "edited.xlsx")
    where = {p.path: p.message for p in info.value.problems}
    assert set(where) == {"All answers!D2", "All answers!J3", "All answers!B4", "All answers!A5"}
    assert "'Maybe' is not one of Yes, Partial, No" in where["All answers!D2"]
    assert "'next spring' is not a date" in where["All answers!J3"]
    assert "not a recommendation of NG225@2022-09-07" in where["All answers!B4"]
    assert "not on the Sources sheet" in where["All answers!A5"]


def test_columns_are_found_by_header_not_position(sample, sample_path, tmp_path):
    """People add columns, a title row and re-order: reading still works, choices in any case."""
    wb = openpyxl.load_workbook(sample_path)
    ws = wb[mw.ANSWERS_SHEET]
    ws.insert_cols(1)
    ws["A1"] = "My notes"
    ws.insert_rows(1)
    ws["A1"] = "All answers (copy for the board)"
    for row in ws.iter_rows(min_row=3):
        relevant = row[4]  # the Relevant? column, now E
        if relevant.value:
            relevant.value = f" {relevant.value.upper()} "
    sources = wb[mw.SOURCES_SHEET]
    sources.move_range("A1:A10", cols=20)  # File moved to the far right
    wb.save(tmp_path / "edited.xlsx")
    assert read_merged_workbook(tmp_path / "edited.xlsx") == sample


# --- the sheets people read ----------------------------------------------------------------------------------


def test_sheets_order_and_hidden_metadata(book):
    assert book.sheetnames == ["Summary", "By recommendation", "Actions", "Gaps", "All answers", "Sources", "_baseline",
                               "_plan"]
    assert book["_baseline"].sheet_state == book["_plan"].sheet_state == "hidden"
    meta = {r[0]: r[1] for r in book["_baseline"].iter_rows(min_row=2, values_only=True)}
    assert meta["kind"] == "merged" and meta["format"] == "1" and meta["tool_version"] == __version__
    assert (meta["guideline"], meta["version"]) == ("NG225", "2022-09-07")
    assert meta["merged_at"] == "2027-02-14T10:30:00+00:00" and meta["as_of"] == "2027-03-01"


@pytest.mark.parametrize("sheet, freeze", [("By recommendation", "B2"), ("Actions", "A2"), ("Gaps", "B2"),
                                           ("All answers", "C2"), ("Sources", "A2")])
def test_table_sheets_have_filters_frozen_headers_and_print_setup(book, sheet, freeze):
    ws = book[sheet]
    assert ws.freeze_panes == freeze
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}"
    assert ws.page_setup.orientation == "landscape"
    # fitToWidth may be left out: 1 is its default in OOXML (ECMA-376 CT_PageSetup), and xlsxwriter omits defaults.
    assert (ws.page_setup.fitToWidth or 1) == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$1:$1"
    assert all(c.font.bold for c in ws[1] if c.value)


def test_formula_looking_text_stays_text(book):
    ws = book[mw.ANSWERS_SHEET]
    texts = {c.value: c for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    for text in [*FORMULAS, "=cmd|' /C calc'!A0"]:
        assert texts[text].data_type == "s", text
    header = {c.value: c for c in book[mw.BY_RECOMMENDATION_SHEET][1]}
    assert header["=cmd|' /C calc'!A0"].data_type == "s"
    for ws in book.worksheets:
        assert not [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"], ws.title


def test_status_cells_carry_a_label_and_a_colour(book):
    ws = book[mw.BY_RECOMMENDATION_SHEET]
    rows = {row[0].value: row for row in ws.iter_rows(min_row=2)}
    header = [c.value for c in ws[1]]
    system = rows["1.1.1"][header.index("System status")]
    assert system.value == "Partially met"  # CAMHS partially met, ED met, the third agency: not relevant
    fills = {}
    for row in ws.iter_rows(min_row=2):
        for cell in row[3:4] + row[6:]:
            if cell.value:
                label = cell.value.removesuffix(" (no agency asked)")
                assert label in {s.label for s in Status}
                fills.setdefault(label, set()).add(cell.fill.fgColor.rgb)
    assert all(len(colours) == 1 for colours in fills.values())  # one colour per label...
    assert len({next(iter(c)) for c in fills.values()}) == len(fills)  # ...and a different one for each


def test_by_recommendation_combines_evidence_and_actions_by_agency(book):
    ws = book[mw.BY_RECOMMENDATION_SHEET]
    rows = {r["Recommendation"]: r for r in rows_of(ws)}
    assert rows["1.1.1"]["Evidence"] == ("=cmd|' /C calc'!A0: =1+1\nCity ED: Leaflet given at triage\n"
                                         f"North CAMHS: {FORMULAS[0]}")
    assert rows["1.1.1"]["Actions"] == "North CAMHS: +1 leaflet reprint (@SUM(A1), 31/01/2027)"
    assert rows["1.1.3"]["Actions"] == ("City ED: Audit (01/02/2027)\n"
                                        "North CAMHS: Train staff (Ann Lee, 01/12/2026)")
    assert rows["1.1.2"]["Actions"] == "North CAMHS: Train staff (Ann Lee, end of Q3)"
    assert rows["1.1.1"]["North CAMHS"] == "Partially met" and rows["1.1.1"]["City ED"] == "Met"
    assert rows["1.5.1"]["City ED"] is None  # the ED was not asked about 1.5.1
    assert rows["1.8.1"]["System status"] == "Not assessed (no agency asked)"


def test_actions_sheet_is_an_action_plan(book, sample, sample_summary):
    ws = book[mw.ACTIONS_SHEET]
    header = [c.value for c in ws[1]]
    assert header == ["Action ID", "Theme", "Recommendation", "Age group", "Agency", "Specific action", "Owner",
                      "Deadline", "Status", "Overdue", "Links to other actions", "Progress notes", "Last updated"]
    rows = rows_of(ws)
    headings = [r["Action ID"] for r in rows if r["Recommendation"] is None]
    assert headings == ["1.1 Information and support",
                        "1.5 Psychosocial assessment and care by mental health professionals"]
    plan = [r for r in rows if r["Recommendation"] is not None]
    assert len(plan) == len(sample_summary.actions) == 5
    assert [r["Action ID"] for r in plan] == [p.action_id for p in build_plan(sample)]
    by_pair = {(r["Agency"], r["Recommendation"]): r for r in plan}
    leaflet, training = by_pair[("North CAMHS", "1.1.1")], by_pair[("North CAMHS", "1.1.2")]
    audit, training_again = by_pair[("City ED", "1.1.3")], by_pair[("North CAMHS", "1.1.3")]
    assert leaflet["Action ID"] == action_id("North CAMHS", "1.1.1")
    assert leaflet["Owner"] == "@SUM(A1)" and leaflet["Theme"] == "1.1 Information and support"
    assert leaflet["Deadline"] == dt.datetime(2027, 1, 31)
    assert leaflet["Overdue"] == "Yes" and leaflet["Age group"] == "All ages"
    assert training["Deadline"] == "end of Q3" and training["Status"] == "In progress"
    # 1.1.3 holds two actions; CAMHS's "Train staff" appears on 1.1.2 and 1.1.3.
    assert audit["Specific action"] == "Audit"
    assert audit["Links to other actions"] == training_again["Action ID"]
    assert training_again["Links to other actions"] == f"{training['Action ID']}, {audit['Action ID']}"
    assert training["Links to other actions"] == training_again["Action ID"]
    assert training_again["Overdue"] == "No" and training_again["Status"] == "Complete"
    assert by_pair[("North CAMHS", "1.5.1")]["Links to other actions"] is None
    assert all(r["Progress notes"] is None and r["Last updated"] is None for r in plan)  # nothing to note yet
    columns = {name: i for i, name in enumerate(header)}
    data_rows = [row for row in ws.iter_rows(min_row=2) if row[columns["Recommendation"]].value]
    date_cells = [row[columns["Deadline"]] for row in data_rows if isinstance(row[columns["Deadline"]].value, dt.datetime)]
    assert date_cells and all(c.number_format == "dd/mm/yyyy" for c in date_cells)
    # The group edits Specific action, Owner, Deadline, Status and Progress notes; the rest is protected.
    for name in header:
        unlocked = {row[columns[name]].protection.locked is False for row in data_rows}
        assert unlocked == {name in ("Specific action", "Owner", "Deadline", "Status", "Progress notes")}, name
    assert ws.protection.sheet and not ws.protection.sort and not ws.protection.autoFilter
    validations = {str(v.sqref).split(":")[0][0]: v for v in ws.data_validations.dataValidation}
    status = validations[chr(ord("A") + columns["Status"])]
    assert status.type == "list" and status.formula1 == '"Not started,In progress,Complete"'
    deadline = validations[chr(ord("A") + columns["Deadline"])]
    assert deadline.type == "date" and deadline.errorStyle == "warning"  # "end of Q3" may stay as text
    overdue = {row[columns["Overdue"]].value: row[columns["Overdue"]].fill.fgColor.rgb for row in data_rows}
    assert overdue["Yes"] != overdue["No"]
    # The risk CAMHS flagged on 1.1.2 is marked on its Action ID (the columns are contract): bold, with a note.
    risk_ids = {row[0].value for row in data_rows if row[0].comment is not None}
    assert risk_ids == {training["Action ID"]}
    assert next(row[0] for row in data_rows if row[0].value in risk_ids).font.b


def test_age_group_comes_from_the_population(ng225_data, tmp_path):
    for section in ng225_data["sections"]:
        for rec in section["recommendations"]:
            if rec["id"] == "1.1.2":
                rec["population"] = "children_young_people"
            if rec["id"] == "1.1.3":
                rec["population"] = "adults"
    guideline = parse_guideline(ng225_data)
    answers = {i: Answer(i, Y, N, action="Do it") for i in ("1.1.1", "1.1.2", "1.1.3")}
    assessment = merge_returns(guideline, [make_return(guideline, "A", answers)])
    path = write_merged_workbook(tmp_path / "merged.xlsx", assessment, summarise(assessment, as_of=AS_OF))
    ws = openpyxl.load_workbook(path)[mw.ACTIONS_SHEET]
    ages = {r["Recommendation"]: r["Age group"] for r in rows_of(ws) if r["Recommendation"]}
    assert ages == {"1.1.1": "All ages", "1.1.2": "Children and young people", "1.1.3": "Adults"}


def test_gaps_sheet(book, sample_summary):
    rows = rows_of(book[mw.GAPS_SHEET])
    assert [r["Recommendation"] for r in rows] == [g["recommendation"] for g in sample_summary.gaps]
    by_id = {r["Recommendation"]: r for r in rows}
    assert by_id["1.1.1"]["System status"] == "Partially met"
    assert by_id["1.1.1"]["Partially met"] == "North CAMHS" and by_id["1.1.1"]["Not met"] is None
    assert by_id["1.1.1"]["Action owners"] == "North CAMHS: @SUM(A1)" and by_id["1.1.1"]["Open actions"] == 1
    assert by_id["1.1.3"]["Action owners"] == "City ED: (no owner)\nNorth CAMHS: Ann Lee"
    assert by_id["1.1.3"]["Open actions"] == 1  # CAMHS's is complete
    assert by_id["1.1.4"]["Not assessed"] == "=cmd|' /C calc'!A0, City ED, North CAMHS"
    assert by_id["1.8.1"]["Note"] == "In no returned workbook: no agency was asked about it."
    assert by_id["1.1.2"]["Risk flagged by"] == "North CAMHS"  # "Risk if not done?" Yes
    assert by_id["1.1.1"]["Risk flagged by"] is None and by_id["1.1.3"]["Risk flagged by"] is None  # blank, No


def test_sources_sheet(book, sample):
    rows = rows_of(book[mw.SOURCES_SHEET])
    assert [r["Agency"] for r in rows] == sample.agency_names
    odd = rows[0]
    assert odd == {"File": "returns/odd.xlsx", "Agency": "=cmd|' /C calc'!A0", "Sectors": "primary_care",
                   "Format": "nice-bat", "Completed by": None, "SHA-256": "ab" * 32, "Generated at": None,
                   "Merged at": "2027-02-14T10:30:00+00:00", "Tool version": __version__}
    camhs = next(r for r in rows if r["Agency"] == "North CAMHS")
    assert camhs["Completed by"] == "A. Lee" and camhs["Generated at"] == "2026-11-01T09:00:00+00:00"


def summary_table(ws, title: str) -> list[dict]:
    """A table on the Summary sheet: the rows under the header that follows the heading `title` in column A."""
    rows = list(ws.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[0] == title) + 1
    header = rows[start]
    table = []
    for row in rows[start + 1:]:
        if row[0] is None or row[0] == "Total":
            break
        table.append(dict(zip(header, row)))
    return table


def counts_of(row: dict) -> dict[str, int]:
    return {s.value: row[s.label] for s in Status}


def test_summary_numbers_equal_the_summary_json(book, sample_summary):
    data = sample_summary.to_dict()
    ws = book[mw.SUMMARY_SHEET]
    headline = {r["Status"]: r["Recommendations"] for r in summary_table(ws, mw.HEADLINE_TABLE)}
    assert {s.value: headline[s.label] for s in Status} == data["totals"]
    sections = summary_table(ws, mw.SECTIONS_TABLE)
    assert [{"id": r["Section"], "counts": counts_of(r)} for r in sections] == \
           [{"id": s["id"], "counts": s["counts"]} for s in data["sections"]]
    agencies = summary_table(ws, mw.AGENCIES_TABLE)
    assert [{"agency": r["Agency"], "counts": counts_of(r)} for r in agencies] == data["by_agency"]
    for row in sections:
        applicable = row["Total"] - row["Not applicable"]
        assert row["% met"] == (pytest.approx(row["Met"] / applicable) if applicable else None)
    percent = {r["Status"]: r["% of applicable"] for r in summary_table(ws, mw.HEADLINE_TABLE)}
    assert round(100 * percent["Met"], 1) == sample_summary.percent_met


def test_summary_numbers_worked_out_by_hand(book, ng225):
    """The sample's statuses by hand (not through summarise): 1.1.1 and 1.1.3 partially met and 1.1.2 not met
    (worst of the agencies it applies to), 1.5.1 partially met (CAMHS only), every other recommendation not
    assessed (1.8.1 listed by no workbook)."""
    listed = {sector: len(ng225.recommendations_for([sector]))
              for sector in ("mental_health", "emergency_care", "primary_care")}
    ws = book[mw.SUMMARY_SHEET]
    headline = {r["Status"]: r["Recommendations"] for r in summary_table(ws, mw.HEADLINE_TABLE)}
    assert headline == {"Met": 0, "Partially met": 3, "Not met": 1, "Not assessed": 47, "Not applicable": 0}
    sections = {r["Section"]: counts_of(r) for r in summary_table(ws, mw.SECTIONS_TABLE)}
    assert sections["1.1"] == {"met": 0, "partially_met": 2, "not_met": 1, "not_assessed": 1, "not_applicable": 0}
    assert sections["1.5"] == {"met": 0, "partially_met": 1, "not_met": 0, "not_assessed": 0, "not_applicable": 0}
    agencies = {r["Agency"]: r for r in summary_table(ws, mw.AGENCIES_TABLE)}
    camhs, ed, odd = agencies["North CAMHS"], agencies["City ED"], agencies["=cmd|' /C calc'!A0"]
    assert counts_of(camhs) == {"met": 1, "partially_met": 2, "not_met": 1,
                                "not_assessed": listed["mental_health"] - 4, "not_applicable": 0}
    assert counts_of(ed) == {"met": 1, "partially_met": 1, "not_met": 0,
                             "not_assessed": listed["emergency_care"] - 3, "not_applicable": 1}
    assert counts_of(odd) == {"met": 0, "partially_met": 0, "not_met": 0,
                              "not_assessed": listed["primary_care"] - 1, "not_applicable": 1}
    assert camhs["% met"] == pytest.approx(1 / listed["mental_health"])
    assert ed["% met"] == pytest.approx(1 / (listed["emergency_care"] - 1))  # the not-applicable left out
    assert odd["% met"] == pytest.approx(0)


def test_summary_sheet_notes_and_chart(book):
    ws = book[mw.SUMMARY_SHEET]
    texts = [row[0] for row in ws.iter_rows(max_row=6, values_only=True) if row[0]]
    assert texts[0].startswith("NG225 Self-harm")
    assert "merged 2027-02-14 10:30:00+00:00" in texts[1] and "as of 01/03/2027" in texts[1]
    assert any(t.startswith("Partial encoding of NG225") for t in texts)
    assert any("were in no returned workbook" in t and "1.8.1" in t for t in texts)
    assert len(ws._charts) == 1
    chart = ws._charts[0]
    assert chart.grouping == "stacked" and len(chart.series) == len(Status)


# --- safety and limits ---------------------------------------------------------------------------------------


def test_refuses_to_overwrite_without_force(sample, sample_summary, tmp_path):
    target = tmp_path / "merged.xlsx"
    target.write_bytes(b"keep me")
    with pytest.raises(BaselineError, match="already exists; nothing was written. Use --force"):
        write_merged_workbook(target, sample, sample_summary)
    assert target.read_bytes() == b"keep me"
    write_merged_workbook(target, sample, sample_summary, force=True)
    assert read_merged_workbook(target) == sample
    assert [p.name for p in tmp_path.iterdir()] == ["merged.xlsx"]  # no temporary file left behind


def test_never_writes_onto_an_input(sample, sample_summary, tmp_path):
    source = tmp_path / "camhs.xlsx"
    source.write_bytes(b"a return")
    with pytest.raises(BaselineError, match="one of the input files"):
        write_merged_workbook(source, sample, sample_summary, force=True, inputs=[source])
    assert source.read_bytes() == b"a return"


def test_an_individual_text_over_the_cell_limit_stops_the_write(ng225, tmp_path):
    long = make_return(ng225, "A", {"1.1.1": Answer("1.1.1", Y, Y, evidence="x" * (EXCEL_CELL_LIMIT + 1))},
                       source="a.xlsx")
    assessment = merge_returns(ng225, [long])
    with pytest.raises(BaselineError) as info:
        write_merged_workbook(tmp_path / "m.xlsx", assessment, summarise(assessment, as_of=AS_OF))
    assert info.value.problems[0].file == "a.xlsx"
    assert "recommendation 1.1.1, evidence" in str(info.value) and "32,768 characters" in str(info.value)
    assert not list(tmp_path.iterdir())


def test_fit_combined_cuts_only_with_a_visible_marker():
    assert fit_combined("short") == "short"
    lines = "\n".join(f"Agency {i}: " + "y" * 1000 for i in range(40))
    cut = fit_combined(lines)
    assert len(cut) <= EXCEL_CELL_LIMIT and cut.endswith("\n" + mw.TRUNCATION_MARKER)
    assert lines.startswith(cut.removesuffix("\n" + mw.TRUNCATION_MARKER))
    assert cut.removesuffix("\n" + mw.TRUNCATION_MARKER).endswith("y")  # whole entries only
    assert len(fit_combined("z" * 40_000)) == EXCEL_CELL_LIMIT


def test_long_combined_evidence_is_cut_but_all_answers_keeps_every_text(ng225, tmp_path):
    evidence = {f"Agency {i:02d}": f"{i:02d}" + "e" * 3000 for i in range(12)}  # 12 x 3,000 > 32,767 combined
    returns = [make_return(ng225, name, {"1.1.1": Answer("1.1.1", Y, Y, evidence=text)}, source=f"{name}.xlsx")
               for name, text in evidence.items()]
    assessment = merge_returns(ng225, returns)
    path = write_merged_workbook(tmp_path / "m.xlsx", assessment, summarise(assessment, as_of=AS_OF))
    wb = openpyxl.load_workbook(path)
    combined = {r["Recommendation"]: r["Evidence"] for r in rows_of(wb[mw.BY_RECOMMENDATION_SHEET])}["1.1.1"]
    assert combined.endswith(mw.TRUNCATION_MARKER) and len(combined) <= EXCEL_CELL_LIMIT
    assert {r["Evidence"] for r in rows_of(wb[mw.ANSWERS_SHEET]) if r["Evidence"]} == set(evidence.values())
    assert read_merged_workbook(path) == assessment


# --- property: a merge never loses a non-empty answer --------------------------------------------------------

# Texts as they can come out of a workbook: no control characters other than tab and line feed (a carriage
# return is XML-normalised to a line feed), no surrogates or non-characters.
_plain = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cn"), blacklist_characters="\r")
                 | st.sampled_from("\n\t"), max_size=30)
_text = st.one_of(st.just(""), _plain.filter(str.strip),
                  st.builds(lambda prefix, rest: prefix + rest, st.sampled_from("=+-@"), _plain))
_answer_values = st.fixed_dictionaries({
    "relevant": st.sampled_from([None, *Choice]), "meets": st.sampled_from([None, *Choice]),
    "evidence": _text, "action": _text, "owner": _text, "completed_by": _text,
    "deadline": st.one_of(st.none(), st.dates(dt.date(2020, 1, 1), dt.date(2035, 12, 31))),
    "action_status": st.sampled_from([None, *ActionStatus]), "risk": st.sampled_from([None, *YesNo]),
})
AGENCIES = ("North CAMHS", "=SUM(1,2)", "City ED")
REC_IDS = ("1.1.1", "1.1.2", "1.5.1", "1.7.3")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.dictionaries(st.sampled_from(REC_IDS), _answer_values, max_size=len(REC_IDS)),
                min_size=1, max_size=len(AGENCIES)))
def test_merge_never_loses_a_non_empty_answer(ng225, per_agency):
    returns = [make_return(ng225, AGENCIES[i], {rec: Answer(rec, **values) for rec, values in answers.items()},
                           sectors=["mental_health"])
               for i, answers in enumerate(per_agency)]
    assessment = merge_returns(ng225, returns, merged_at=MERGED_AT)
    with tempfile.TemporaryDirectory() as folder:
        path = write_merged_workbook(Path(folder) / "m.xlsx", assessment, summarise(assessment, as_of=AS_OF))
        workbook = CalamineWorkbook.from_path(str(path))
        answers_sheet = workbook.get_sheet_by_name(mw.ANSWERS_SHEET).to_python()
        by_rec = workbook.get_sheet_by_name(mw.BY_RECOMMENDATION_SHEET).to_python()
        workbook.close()
        back = read_merged_workbook(path)
    all_answer_texts = {value for row in answers_sheet for value in row if isinstance(value, str)}
    combined = {row[0]: (row[4], row[5]) for row in by_rec[1:]}
    for r in returns:
        for rec_id, answer in r.answers.items():
            for text in (answer.evidence, answer.action, answer.owner):
                if text.strip():
                    assert text in all_answer_texts
            if answer.evidence.strip():
                assert f"{r.agency}: {answer.evidence}" in combined[rec_id][0]
            if answer.action.strip():
                assert f"{r.agency}: {answer.action.strip()}" in combined[rec_id][1]
            if answer.owner.strip():
                assert answer.owner.strip() in combined[rec_id][1]
    assert back == assessment


# --- LibreOffice ---------------------------------------------------------------------------------------------


@needs_soffice
def test_formula_looking_text_survives_a_libreoffice_round_trip(sample, sample_path, tmp_path):
    resaved = convert(sample_path, tmp_path / "lo", "xlsx")
    wb = openpyxl.load_workbook(resaved)
    cells = {c.value: c for row in wb[mw.ANSWERS_SHEET].iter_rows() for c in row if isinstance(c.value, str)}
    for text in [*FORMULAS, "=cmd|' /C calc'!A0"]:
        assert cells[text].data_type == "s", text  # still the text, not a formula nor its result
    values = openpyxl.load_workbook(resaved, data_only=True)
    texts = {c.value for row in values[mw.ANSWERS_SHEET].iter_rows() for c in row}
    assert set(FORMULAS) <= texts and 2 not in texts and -2 not in texts
    assert read_merged_workbook(resaved) == sample


@needs_soffice
def test_actions_protection_unlocked_cells_and_dropdown_survive_libreoffice(sample_path, tmp_path):
    """The group edits the plan in whatever spreadsheet it has: after LibreOffice saves the workbook, the Actions
    sheet is still protected (sorting and filtering allowed), its editable columns still unlocked, the Status
    dropdown and the Deadline date check still there, the risk note still on its Action ID."""
    resaved = convert(sample_path, tmp_path / "lo", "xlsx")
    for path in (sample_path, resaved):
        ws = openpyxl.load_workbook(path)[mw.ACTIONS_SHEET]
        header = [c.value for c in ws[1]]
        columns = {name: i for i, name in enumerate(header)}
        data_rows = [row for row in ws.iter_rows(min_row=2) if row[columns["Recommendation"]].value]
        assert data_rows, path
        for name in header:
            unlocked = {row[columns[name]].protection.locked is False for row in data_rows}
            assert unlocked == {name in ("Specific action", "Owner", "Deadline", "Status", "Progress notes")}, \
                (path, name)
        assert ws.protection.sheet and not ws.protection.sort and not ws.protection.autoFilter, path
        validations = {str(v.sqref).split(":")[0]: v for v in ws.data_validations.dataValidation}
        status_letter = chr(ord("A") + columns["Status"])
        deadline_letter = chr(ord("A") + columns["Deadline"])
        status, deadline = validations[f"{status_letter}2"], validations[f"{deadline_letter}2"]
        assert status.type == "list" and status.formula1 == '"Not started,In progress,Complete"', path
        assert str(status.sqref) == f"{status_letter}2:{status_letter}{ws.max_row}", path
        assert deadline.type == "date" and deadline.errorStyle == "warning", path
        assert sum(row[0].comment is not None for row in data_rows) == 1, path
    assert read_merged(resaved).plan == read_merged(sample_path).plan
