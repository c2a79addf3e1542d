"""The small workbook `baseline actions -o DIR` writes for one owner or one agency: their actions, ready to send.

Not read back (updates come back through the group's merged workbook), so it is plain: a title, a line saying what
it is and as of when, then one table with a frozen header and a filter, printable on A4. Written in memory with
xlsxwriter, as the agency workbook is (sheets.workbook_bytes, top to bottom through sheets.StreamSheet): `actions`
loads no openpyxl. Every text from a return or from the group goes through `StreamSheet.text` (text, never a
formula).
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import xlsxwriter

from baseline import __version__
from baseline.actions import ActionGroup, PlanRow
from baseline.files import atomic_write
from baseline.text import clean_text
from baseline.xlsx.agency.styles import GREY_COLOUR, WARNING_COLOUR
from baseline.xlsx.merged.layout import ACTIONS_COLUMNS, POPULATION_LABELS
from baseline.xlsx.sheets import (
    BORDER_COLOUR,
    DATE_FORMAT,
    HEADER_COLOURS,
    StreamFormats,
    StreamSheet,
    stream_print_setup,
    workbook_bytes,
)

SHEET = "Actions"
HEADER_ROW = 4
# The merged workbook's Actions columns, in its order (a recipient finds each action as the group's plan has it),
# then the agency's risk flag (which the Actions sheet shows as a note on the Action ID).
COLUMNS = tuple((c.header, c.width) for c in ACTIONS_COLUMNS) + (("Risk if not done?", 12),)
RISK_COLUMN = len(COLUMNS)
_AT = {c.key: index for index, c in enumerate(ACTIONS_COLUMNS, start=1)}

# Named styles (xlsxwriter formats, made once per workbook by StreamFormats), in the colours every workbook shares;
# fonts are the workbook default, Calibri 11, unless said.
TITLE, LINE, HEADER, CELL, DATE, WARNING = "title", "line", "header", "cell", "date", "warning"
_BORDER = {"border": 1, "border_color": "#" + BORDER_COLOUR}
_WRAP_TOP = {"text_wrap": True, "valign": "top"}
STYLES: dict[str, dict] = {
    TITLE: {"bold": True, "font_size": 14},
    LINE: {"font_color": "#" + GREY_COLOUR},
    HEADER: {"font_color": "#" + HEADER_COLOURS[0], "bg_color": "#" + HEADER_COLOURS[1], "pattern": 1,
             "bold": True, **_BORDER, "text_wrap": True, "valign": "vcenter"},
    CELL: {**_BORDER, **_WRAP_TOP},
    DATE: {**_BORDER, **_WRAP_TOP, "num_format": DATE_FORMAT},
    WARNING: {**_BORDER, **_WRAP_TOP, "bold": True, "font_color": "#" + WARNING_COLOUR},  # a "Yes" to act on
}
WRAPPED = frozenset({HEADER, CELL, WARNING})  # rows grow to show these texts whole (sheets.row_height says why)


def build_action_list_workbook(group: ActionGroup, *, heading: str, themes: Mapping[str, str]) -> bytes:
    """The bytes of the .xlsx file. `heading` names the area, round, guideline and as-of date; `themes` maps a
    section id to its label."""
    return workbook_bytes(lambda wb: _write(wb, group, heading, themes))


def write_action_list_workbook(path: Path, group: ActionGroup, *, heading: str, themes: Mapping[str, str],
                               force: bool = False) -> Path:
    content = build_action_list_workbook(group, heading=heading, themes=themes)
    return atomic_write(path, lambda target: target.write_bytes(content), force=force)


def _write(wb: xlsxwriter.Workbook, group: ActionGroup, heading: str, themes: Mapping[str, str]) -> None:
    sheet = StreamSheet(wb, SHEET, StreamFormats(wb, STYLES), WRAPPED)
    title = f"Actions for {group.name}"
    sheet.text(1, 1, title, TITLE)
    overdue = f", {group.overdue} overdue" if group.overdue else ""
    sheet.text(2, 1, f"{heading}. {len(group.rows)} action(s), {group.open} open{overdue}. "
                     "Send updates to the facilitator: the group's action plan is the merged workbook.", LINE)
    for column, (header, width) in enumerate(COLUMNS, start=1):
        sheet.width(column, width)
        sheet.text(HEADER_ROW, column, header, HEADER)
    row = HEADER_ROW
    for plan_row in group.rows:
        row += 1
        _write_row(sheet, row, plan_row, group, themes)
    sheet.fit_rows()
    sheet.ws.freeze_panes(HEADER_ROW, 0)
    sheet.ws.autofilter(HEADER_ROW - 1, 0, max(row, HEADER_ROW) - 1, len(COLUMNS) - 1)
    stream_print_setup(sheet.ws, title=f"{title}: {heading}", title_row=HEADER_ROW)
    wb.set_properties({"title": clean_text(title), "author": f"baseline {__version__}"})


def _write_row(sheet: StreamSheet, row: int, plan_row: PlanRow, group: ActionGroup,
               themes: Mapping[str, str]) -> None:
    overdue = plan_row.is_overdue(group.as_of)
    texts = {
        "action_id": plan_row.action_id, "theme": themes.get(plan_row.section, plan_row.section),
        "recommendation": plan_row.recommendation,
        "age_group": POPULATION_LABELS.get(plan_row.population, plan_row.population), "agency": plan_row.agency,
        "action": plan_row.action, "owner": plan_row.owner, "deadline": plan_row.deadline_text,
        "status": plan_row.status.value if plan_row.status else "", "overdue": "Yes" if overdue else "No",
        "links": plan_row.links_shown, "progress_notes": plan_row.progress_notes, "last_updated": "",
    }
    dates = {"deadline": plan_row.deadline, "last_updated": plan_row.last_updated}
    for key, column in _AT.items():  # left to right: a StreamSheet row is written in order
        if dates.get(key):
            sheet.value(row, column, dates[key], DATE)
        elif key == "overdue":  # colour is never alone: the cell says Yes
            sheet.text(row, column, texts[key], WARNING if overdue else CELL)
        else:  # a deadline kept as text ("end of Q4") stays the text it was
            sheet.text(row, column, texts[key], CELL)
    sheet.text(row, RISK_COLUMN, "Yes" if plan_row.risk else "", WARNING if plan_row.risk else CELL)
