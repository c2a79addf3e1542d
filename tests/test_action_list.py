"""xlsx/action_list.py: the workbook `actions -o` writes per owner or agency. Untrusted texts stay the texts they were
(never formulas), dates are dates, and the table keeps its look: header, widths, warnings, frozen header, filter,
row heights and print set-up; the texts, dates and filter also through LibreOffice."""

from __future__ import annotations

import datetime as dt
import zipfile

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from baseline.actions import ActionGroup, PlanRow
from baseline.assessment import ActionStatus
from baseline.issues import BaselineError
from baseline.xlsx.action_list import COLUMNS, HEADER_ROW, SHEET, write_action_list_workbook
from baseline.xlsx.merged.layout import ACTIONS_COLUMNS
from baseline.xlsx.sheets import DATE_FORMAT
from tests.libreoffice import convert, needs_soffice

AS_OF = dt.date(2027, 3, 1)
HEADING = "Northshire · NG225@2022-09-07 · actions as of 01/03/2027"
OWNER = '=HYPERLINK("http://evil.example","click")'  # typed by an agency: it must stay text
AGENCY = "@North CAMHS"
LONG = "Recruit a liaison nurse and agree the rota with the acute trust. " * 3  # 195 characters: 4 lines at 50
ROWS = [
    PlanRow("1.1.2-NC-ABC123", "1.1", "1.1.2", "all", AGENCY, action="=1+1", owner=OWNER,
            deadline=dt.date(2027, 1, 31), status=ActionStatus.IN_PROGRESS, risk=True,
            links=("1.5.1-NC-ABC123",), progress_notes="_x0041_ kept as typed", last_updated=dt.date(2027, 2, 2)),
    PlanRow("1.5.1-NC-ABC123", "1.5", "1.5.1", "under_18", AGENCY, action=LONG, owner=OWNER,
            deadline_text="-end of Q4", progress_notes="<r>not rich text</r>"),
    PlanRow("1.6.1-NC-ABC123", "1.6", "1.6.1", "all", AGENCY, action="+44 20 7946 0000", owner=OWNER,
            deadline=dt.date(2027, 2, 15), status=ActionStatus.COMPLETE),
]
GROUP = ActionGroup(AGENCY, OWNER, ROWS, AS_OF)
THEMES = {"1.1": "Safety and risk", "1.5": "Psychosocial assessment"}
COLUMN = {c.key: index for index, c in enumerate(ACTIONS_COLUMNS, start=1)}
RISK = len(COLUMNS)
FIRST = HEADER_ROW + 1


@pytest.fixture(scope="module")
def path(tmp_path_factory):
    target = tmp_path_factory.mktemp("action-list") / "list.xlsx"
    write_action_list_workbook(target, GROUP, heading=HEADING, themes=THEMES)
    return target


@pytest.fixture(scope="module")
def sheet(path):
    return openpyxl.load_workbook(path)[SHEET]


def _texts_as_typed(path) -> list[list]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(SHEET).to_python()
    return [[row[COLUMN["action"] - 1], row[COLUMN["owner"] - 1], row[COLUMN["progress_notes"] - 1],
             row[COLUMN["deadline"] - 1]] for row in rows[FIRST - 1:]]


EXPECTED_TEXTS = [["=1+1", OWNER, "_x0041_ kept as typed"], [LONG, OWNER, "<r>not rich text</r>"],
                  ["+44 20 7946 0000", OWNER, ""]]


def test_untrusted_texts_stay_text_and_read_back_exactly(path, sheet):
    assert [row[:3] for row in _texts_as_typed(path)] == EXPECTED_TEXTS
    with zipfile.ZipFile(path) as package:
        assert "<f>" not in package.read("xl/worksheets/sheet1.xml").decode()  # no formula anywhere
    owner = sheet.cell(FIRST, COLUMN["owner"])
    assert owner.data_type == "s" and owner.quotePrefix  # Excel keeps it text on edit too
    assert sheet.cell(FIRST + 1, COLUMN["deadline"]).quotePrefix  # "-end of Q4"
    assert not sheet.cell(FIRST, COLUMN["action_id"]).quotePrefix
    assert sheet.cell(FIRST, COLUMN["agency"]).value == AGENCY
    assert sheet.cell(1, 1).value == f"Actions for {OWNER} ({AGENCY})"
    assert sheet.cell(2, 1).value.startswith(f"{HEADING}. 3 action(s), 2 open, 1 overdue.")


def test_dates_are_dates_and_a_deadline_in_words_stays_words(sheet):
    deadline, updated = sheet.cell(FIRST, COLUMN["deadline"]), sheet.cell(FIRST, COLUMN["last_updated"])
    assert (deadline.value, updated.value) == (dt.datetime(2027, 1, 31), dt.datetime(2027, 2, 2))
    assert deadline.number_format == updated.number_format == DATE_FORMAT
    assert sheet.cell(FIRST + 1, COLUMN["deadline"]).value == "-end of Q4"
    assert sheet.cell(FIRST + 1, COLUMN["last_updated"]).value is None
    assert sheet.cell(FIRST + 1, COLUMN["last_updated"]).border.left.style == "thin"  # an empty cell of the table


def test_each_row_says_what_the_group_plan_says(sheet):
    row = {header: sheet.cell(FIRST, column).value for column, (header, _) in enumerate(COLUMNS, start=1)}
    assert row["Theme"] == "Safety and risk" and row["Recommendation"] == "1.1.2" and row["Age group"] == "All ages"
    assert row["Status"] == "In progress" and row["Links to other actions"] == "1.5.1-NC-ABC123"
    assert sheet.cell(FIRST + 1, COLUMN["theme"]).value == "Psychosocial assessment"
    assert sheet.cell(FIRST + 2, COLUMN["theme"]).value == "1.6"  # no label: the section id


def test_overdue_and_risk_say_yes_in_the_warning_font(sheet):
    overdue = [sheet.cell(r, COLUMN["overdue"]) for r in range(FIRST, FIRST + 3)]
    risk = [sheet.cell(r, RISK) for r in range(FIRST, FIRST + 3)]
    assert [c.value for c in overdue] == ["Yes", "No", "No"]  # the third is complete: never overdue
    assert [c.value for c in risk] == ["Yes", None, None]
    for cell in overdue + risk:
        warned = cell.value == "Yes"  # colour is never alone
        assert (cell.font.b, str(cell.font.color.rgb)[-6:] if warned else None) == \
            (warned, "9C0006" if warned else None), cell.coordinate


def test_the_table_look_frozen_header_filter_widths_and_row_heights(sheet):
    assert [c.value for c in sheet[HEADER_ROW]] == [header for header, _ in COLUMNS]
    header = sheet.cell(HEADER_ROW, 1)
    assert header.font.b and str(header.font.color.rgb)[-6:] == "FFFFFF"
    assert header.fill.fill_type == "solid" and str(header.fill.fgColor.rgb)[-6:] == "1F4E79"
    assert header.border.bottom.style == "thin" and header.alignment.wrap_text
    title, line = sheet.cell(1, 1), sheet.cell(2, 1)
    assert title.font.b and title.font.sz == 14
    assert str(line.font.color.rgb)[-6:] == "808080"
    assert sheet.freeze_panes == f"A{FIRST}"
    assert sheet.auto_filter.ref == f"A{HEADER_ROW}:N{FIRST + 2}"
    widths = [sheet.column_dimensions[openpyxl.utils.get_column_letter(i)].width for i in range(1, RISK + 1)]
    assert widths == pytest.approx([width for _, width in COLUMNS], abs=0.72)  # xlsxwriter adds the padding
    assert sheet.row_dimensions[FIRST + 1].height == pytest.approx(4 * 15 + 2, abs=1)  # the long action, wrapped
    assert sheet.row_dimensions[FIRST + 2].height == pytest.approx(2 * 15 + 2, abs=1)  # the owner, 41 in 22
    assert sheet.row_dimensions[2].height is None  # the line under the title runs on: it does not wrap
    assert sheet.row_dimensions[HEADER_ROW].height == pytest.approx(2 * 15 + 2, abs=1)  # "Risk if not done?"
    cell = sheet.cell(FIRST, COLUMN["action"])
    assert cell.alignment.wrap_text and cell.alignment.vertical == "top" and cell.border.left.style == "thin"


def test_printable_on_a4_with_the_header_row_on_every_page(sheet):
    assert sheet.page_setup.orientation == "landscape" and str(sheet.page_setup.paperSize) == "9"
    assert (sheet.page_setup.fitToWidth or 1, sheet.page_setup.fitToHeight) == (1, 0)  # 1 is the default
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    assert sheet.oddHeader.center.text == f"Actions for {OWNER} ({AGENCY}): {HEADING}"
    assert sheet.oddFooter.right.text == "Page &P of &N"


def test_refuses_to_overwrite_unless_forced(path):
    before = path.read_bytes()
    with pytest.raises(BaselineError, match="--force"):
        write_action_list_workbook(path, GROUP, heading=HEADING, themes=THEMES)
    assert path.read_bytes() == before


@needs_soffice
def test_libreoffice_keeps_the_texts_dates_and_filter(path, tmp_path):
    resaved = convert(path, tmp_path / "lo", "xlsx")
    assert [row[:3] for row in _texts_as_typed(resaved)] == EXPECTED_TEXTS
    sheet = openpyxl.load_workbook(resaved)[SHEET]
    assert sheet.cell(FIRST, COLUMN["owner"]).data_type == "s"  # still text, not a formula
    assert sheet.cell(FIRST, COLUMN["deadline"]).value == dt.datetime(2027, 1, 31)
    assert sheet.cell(FIRST, COLUMN["deadline"]).number_format.lower() == DATE_FORMAT
    # (not the frozen header: headless LibreOffice saves no view settings, from any writer's file)
    assert sheet.auto_filter.ref == f"A{HEADER_ROW}:N{FIRST + 2}"
    assert sheet.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
