"""The small workbook `baseline actions -o DIR` writes for one owner or one agency: their actions, ready to send.

Not read back (updates come back through the group's merged workbook), so it is plain: a title, a line saying what
it is and as of when, then one table with a frozen header and a filter, printable on A4. Every text from a return
or from the group goes through `write_text` (text, never a formula).
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import openpyxl
from openpyxl.styles import Alignment

from baseline.actions import ActionGroup
from baseline.files import atomic_write
from baseline.xlsx.cells import column_letter
from baseline.xlsx.merged.layout import ACTIONS_COLUMNS, POPULATION_LABELS
from baseline.xlsx.openpyxl_sheets import (
    BORDER,
    GREY,
    HEADER_FILL,
    HEADER_FONT,
    TITLE_FONT,
    WARNING_FONT,
    WRAP_TOP,
    fit_row_heights,
    print_setup,
    write_text,
)
from baseline.xlsx.sheets import DATE_FORMAT

SHEET = "Actions"
HEADER_ROW = 4
# The merged workbook's Actions columns, in its order (a recipient finds each action as the group's plan has it),
# then the agency's risk flag (which the Actions sheet shows as a note on the Action ID).
COLUMNS = tuple((c.header, c.width) for c in ACTIONS_COLUMNS) + (("Risk if not done?", 12),)
_AT = {c.key: index for index, c in enumerate(ACTIONS_COLUMNS, start=1)}


def build_action_list_workbook(group: ActionGroup, *, heading: str, themes: Mapping[str, str]) -> openpyxl.Workbook:
    """`heading` names the area, round, guideline and as-of date; `themes` maps a section id to its label."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    title = f"Actions for {group.name}"
    write_text(ws.cell(1, 1), title)
    ws.cell(1, 1).font = TITLE_FONT
    overdue = f", {group.overdue} overdue" if group.overdue else ""
    write_text(ws.cell(2, 1), f"{heading}. {len(group.rows)} action(s), {group.open} open{overdue}. "
                              "Send updates to the facilitator: the group's action plan is the merged workbook.")
    ws.cell(2, 1).font = GREY
    for column, (header, width) in enumerate(COLUMNS, start=1):
        cell = ws.cell(HEADER_ROW, column)
        write_text(cell, header)
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, BORDER
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        ws.column_dimensions[column_letter(column - 1)].width = width
    row = HEADER_ROW
    for plan_row in group.rows:
        row += 1
        overdue_now = plan_row.is_overdue(group.as_of)
        values = {
            "action_id": plan_row.action_id, "theme": themes.get(plan_row.section, plan_row.section),
            "recommendation": plan_row.recommendation,
            "age_group": POPULATION_LABELS.get(plan_row.population, plan_row.population), "agency": plan_row.agency,
            "action": plan_row.action, "owner": plan_row.owner, "deadline": None,
            "status": plan_row.status.value if plan_row.status else "", "overdue": "Yes" if overdue_now else "No",
            "links": plan_row.links_shown, "progress_notes": plan_row.progress_notes, "last_updated": None,
        }
        for key, value in values.items():
            cell = ws.cell(row, _AT[key])
            cell.alignment, cell.border = WRAP_TOP, BORDER
            write_text(cell, value)
        risk = ws.cell(row, len(COLUMNS))
        risk.alignment, risk.border = WRAP_TOP, BORDER
        write_text(risk, "Yes" if plan_row.risk else "")
        deadline = ws.cell(row, _AT["deadline"])
        if plan_row.deadline:
            deadline.value, deadline.number_format = plan_row.deadline, DATE_FORMAT
        else:
            write_text(deadline, plan_row.deadline_text)
        if plan_row.last_updated:
            updated = ws.cell(row, _AT["last_updated"])
            updated.value, updated.number_format = plan_row.last_updated, DATE_FORMAT
        for column in (_AT["overdue"], len(COLUMNS)):  # colour is never alone: the cell says Yes
            if ws.cell(row, column).value == "Yes":
                ws.cell(row, column).font = WARNING_FONT
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.auto_filter.ref = f"A{HEADER_ROW}:{column_letter(len(COLUMNS) - 1)}{max(row, HEADER_ROW)}"
    fit_row_heights(ws, HEADER_ROW + 1, row)
    print_setup(ws, title=f"{title}: {heading}", title_row=HEADER_ROW)
    return wb


def write_action_list_workbook(path: Path, group: ActionGroup, *, heading: str, themes: Mapping[str, str],
                               force: bool = False) -> Path:
    workbook = build_action_list_workbook(group, heading=heading, themes=themes)
    return atomic_write(path, workbook.save, force=force)
