"""The merged multi-agency workbook, written from a MultiAgencyAssessment + Summary + the group's action plan.

Sheets, in order:
  Summary            headline counts, tables by section and by agency, a stacked bar chart (values, not formulas:
                     the same numbers as `baseline summary --format json`)      (report_sheets.py)
  By recommendation  one row per recommendation: system status, combined evidence and actions, a status per agency
  Actions            the group's action plan (PlanRows): Action ID, owner, deadline, status, progress notes; the
                     editable columns unlocked; read back, so the group's edits survive every later merge
  Gaps               recommendations not met / partially met / not assessed, who is behind, who owns actions
  All answers        long format, one row per agency x recommendation in its workbook: what the returns said
  Sources            one row per return: file, agency, sectors, format, completed by, SHA-256, stamps
  _baseline          hidden metadata: kind=merged, format, tool version, guideline, version, fingerprint, merged at

Every text that came from a return is written with sheets.write_text: text, never a formula.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Iterable

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, NamedStyle, PatternFill
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.datavalidation import DataValidation

from baseline import __version__
from baseline.actions import PlanRow, build_plan, plan_digest
from baseline.assessment import ActionStatus, Choice, Status, YesNo
from baseline.files import atomic_write, refuse_overwrite
from baseline.issues import BaselineError, Problem
from baseline.merge import MultiAgencyAssessment
from baseline.rounds import MigrationReport
from baseline.summary import Summary
from baseline.text import EXCEL_CELL_LIMIT, clean_text, or_list
from baseline.xlsx.agency.layout import EARLIEST_DEADLINE, LATEST_DEADLINE, META_SHEET
from baseline.xlsx.cells import column_letter
from baseline.xlsx.merged.layout import (
    ACTIONS_COLUMNS,
    ACTIONS_SHEET,
    ANSWER_TEXT_KEYS,
    ANSWERS_COLUMNS,
    ANSWERS_SHEET,
    BY_RECOMMENDATION_SHEET,
    DATE,
    EDITABLE,
    EDITABLE_DATE,
    GAPS_SHEET,
    HEADER,
    KIND,
    MERGED_FORMAT,
    META_ORDER,
    NOTE,
    NUMBER,
    PERCENT,
    PLAIN,
    PLAN_DIGESTS_HEADER,
    PLAN_DIGESTS_SHEET,
    POPULATION_LABELS,
    RISK,
    RISK_NOTE,
    SECTION,
    SOURCES_COLUMNS,
    SOURCES_SHEET,
    SUMMARY_SHEET,
    TEXT,
    TITLE,
    WRAPPED_STYLES,
    positions,
    status_style,
)
from baseline.xlsx.merged.report_sheets import (
    Context,
    date_text,
    fit_combined,
    write_by_recommendation,
    write_gaps,
    write_summary,
)
from baseline.xlsx.removed_sheet import REMOVED_SHEET, write_removed_sheet
from baseline.xlsx.sheets import (
    BORDER,
    DATE_FORMAT,
    HEADER_FILL,
    HEADER_FONT,
    SECTION_FILL,
    SECTION_FONT,
    TITLE_FONT,
    UNLOCKED,
    StyleCache,
    TableSheet,
    protect,
)

# Colour is never alone: every coloured cell also carries its label ("Not met", "Overdue: Yes").
_STATUS_COLOURS = {  # fill, font (Excel's Good / Neutral / Bad palette, plus greys)
    Status.MET: ("C6EFCE", "006100"),
    Status.PARTIALLY_MET: ("FFEB9C", "9C5700"),
    Status.NOT_MET: ("FFC7CE", "9C0006"),
    Status.NOT_ASSESSED: ("D9D9D9", "262626"),
    Status.NOT_APPLICABLE: ("F2F2F2", "595959"),
}


def _register_styles(wb: openpyxl.Workbook) -> None:
    """Named styles, so the tens of thousands of cells share a handful of style records; the look (header, section
    rows, title, borders) is the agency workbook's, from sheets.py."""
    top = Alignment(vertical="top")
    wrap = Alignment(vertical="top", wrap_text=True)
    styles = [
        NamedStyle(HEADER, font=HEADER_FONT, fill=HEADER_FILL, border=BORDER,
                   alignment=Alignment(vertical="center", wrap_text=True)),
        NamedStyle(TEXT, alignment=wrap),
        NamedStyle(PLAIN, alignment=top),
        NamedStyle(DATE, alignment=Alignment(vertical="top", horizontal="left"), number_format=DATE_FORMAT),
        NamedStyle(NUMBER, alignment=Alignment(vertical="top", horizontal="center"), number_format="0"),
        NamedStyle(PERCENT, alignment=top, number_format="0.0%"),
        NamedStyle(SECTION, font=SECTION_FONT, fill=SECTION_FILL, alignment=top),
        NamedStyle(TITLE, font=TITLE_FONT),
        NamedStyle(NOTE, font=Font(italic=True, color="9C5700"), alignment=top),
        NamedStyle(EDITABLE, alignment=wrap, protection=UNLOCKED),
        NamedStyle(EDITABLE_DATE, alignment=Alignment(vertical="top", horizontal="left"), number_format=DATE_FORMAT,
                   protection=UNLOCKED),
        NamedStyle(RISK, font=Font(bold=True, color="9C0006"), alignment=wrap),
    ]
    for status, (fill, font) in _STATUS_COLOURS.items():
        styles.append(NamedStyle(status_style(status), font=Font(color=font), fill=PatternFill("solid", fgColor=fill),
                                 alignment=wrap))
    for style in styles:
        wb.add_named_style(style)


def _oversized_texts(assessment: MultiAgencyAssessment, plan: list[PlanRow]) -> list[Problem]:
    """Individual texts are never cut: one over Excel's limit stops the write, naming where it came from."""
    problems = []
    for row in plan:  # Progress notes grow with every merge that notes something
        if len(clean_text(row.progress_notes)) > EXCEL_CELL_LIMIT:
            problems.append(Problem(ACTIONS_SHEET, f"action {row.action_id}, progress notes",
                                    f"{len(row.progress_notes):,} characters, over Excel's limit of "
                                    f"{EXCEL_CELL_LIMIT:,}: move the older notes elsewhere"))
    for result in assessment.results:
        for agency, answer in result.answers.items():
            for key in ANSWER_TEXT_KEYS:
                text = clean_text(getattr(answer, key))
                if len(text) > EXCEL_CELL_LIMIT:
                    problems.append(Problem(
                        _source_of(assessment, agency), f"recommendation {result.recommendation}, {key}",
                        f"{len(text):,} characters, over Excel's limit of {EXCEL_CELL_LIMIT:,} ({agency})",
                    ))
    return problems


def _source_of(assessment: MultiAgencyAssessment, agency: str) -> str:
    return next((a.source for a in assessment.agencies if a.agency == agency), agency)


def build_merged_workbook(assessment: MultiAgencyAssessment, summary: Summary,
                          plan: list[PlanRow] | None = None,
                          migration: MigrationReport | None = None) -> openpyxl.Workbook:
    """The merged workbook in memory. `plan` is the group's action plan (default: as the returns give it, i.e.
    `actions.build_plan`). `migration` (baseline migrate): the answers were moved from another version; a `Removed`
    sheet lists what the target version no longer has. Raises BaselineError if a single text is too long for Excel."""
    plan = build_plan(assessment) if plan is None else plan
    problems = _oversized_texts(assessment, plan)
    if problems:
        raise BaselineError("Some answers are too long for an Excel cell; nothing was written.", problems)
    guideline = assessment.guideline
    wb = openpyxl.Workbook()
    _register_styles(wb)
    wb.properties.title = f"{guideline.ref} multi-agency baseline assessment"
    wb.properties.creator = f"baseline {__version__}"
    context = Context(assessment, summary, plan)
    styles = StyleCache()
    wb.active.title = SUMMARY_SHEET
    write_summary(TableSheet(wb.active, styles, WRAPPED_STYLES), context)
    for title, write in ((BY_RECOMMENDATION_SHEET, write_by_recommendation), (ACTIONS_SHEET, _write_actions),
                         (GAPS_SHEET, write_gaps), (ANSWERS_SHEET, _write_answers), (SOURCES_SHEET, _write_sources),
                         (META_SHEET, _write_meta), (PLAN_DIGESTS_SHEET, _write_plan_digests)):
        write(TableSheet(wb.create_sheet(title), styles, WRAPPED_STYLES), context)
    if migration is not None:
        write_removed_sheet(wb.create_sheet(REMOVED_SHEET, index=wb.index(wb[META_SHEET])), migration)
    wb.active = 0
    return wb


def write_merged_workbook(path: Path | str, assessment: MultiAgencyAssessment, summary: Summary, *,
                          plan: list[PlanRow] | None = None, force: bool = False,
                          inputs: Iterable[Path | str] = (), migration: MigrationReport | None = None) -> Path:
    """Build, then write atomically; never over an input, never over an existing file without `force`."""
    path = Path(path)
    refuse_overwrite(path, force)  # before the work of building, not after
    wb = build_merged_workbook(assessment, summary, plan, migration)
    return atomic_write(path, wb.save, force=force, inputs=tuple(Path(p) for p in inputs))


def _choice_text(value: Choice | YesNo | ActionStatus | None) -> str:
    return value.value if value is not None else ""


def _write_answers(sheet: TableSheet, ctx: Context) -> None:
    width = sheet.header(ANSWERS_COLUMNS, HEADER)
    c = positions(ANSWERS_COLUMNS)
    row = 1
    for source in ctx.assessment.agencies:
        for result in ctx.assessment.results:
            answer = result.answers.get(source.agency)
            if answer is None:
                continue
            row += 1
            sheet.text(row, c["agency"], source.agency, TEXT)
            sheet.text(row, c["recommendation"], result.recommendation, PLAIN)
            sheet.text(row, c["section"], result.section, PLAIN)
            sheet.text(row, c["relevant"], _choice_text(answer.relevant), PLAIN)
            sheet.text(row, c["meets"], _choice_text(answer.meets), PLAIN)
            sheet.text(row, c["status"], answer.status.label, status_style(answer.status))
            sheet.text(row, c["evidence"], answer.evidence, TEXT)
            sheet.text(row, c["action"], answer.action, TEXT)
            sheet.text(row, c["owner"], answer.owner, TEXT)
            if answer.deadline:
                sheet.value(row, c["deadline"], answer.deadline, DATE)
            sheet.text(row, c["deadline_text"], answer.deadline_text, TEXT)
            sheet.text(row, c["action_status"], _choice_text(answer.action_status), PLAIN)
            sheet.text(row, c["risk"], _choice_text(answer.risk), PLAIN)
            sheet.text(row, c["completed_by"], answer.completed_by, TEXT)
    sheet.finish_table(f"{ctx.title}: all answers", width, row, freeze="C2")


_ACTION_STATUSES = tuple(s.value for s in ActionStatus)


def _write_actions(sheet: TableSheet, ctx: Context) -> None:
    """The group's action plan, one row per plan row under section heading rows. The columns the group may edit
    are unlocked, with the agency workbook's Status dropdown and a date check on Deadline (a warning only: "end of
    Q4" may stay as text); the rest of the sheet is protected without a password, and sorting and filtering stay
    allowed. A risk the agency flagged is marked on the Action ID (bold red, and a note saying so)."""
    width = sheet.header(ACTIONS_COLUMNS, HEADER)
    c = positions(ACTIONS_COLUMNS)
    as_of = ctx.summary.as_of
    row, current_section = 1, None
    for action in ctx.plan:
        if action.section != current_section:
            current_section = action.section
            row += 1
            sheet.text(row, c["action_id"], ctx.section_label(action.section), SECTION)
            for col in range(2, width + 1):
                sheet.style(sheet.ws.cell(row=row, column=col), SECTION)
        row += 1
        id_cell = sheet.text(row, c["action_id"], action.action_id, RISK if action.risk else PLAIN)
        if action.risk:
            id_cell.comment = Comment(RISK_NOTE, "baseline", width=220, height=60)
        sheet.text(row, c["theme"], ctx.section_label(action.section), TEXT)
        sheet.text(row, c["recommendation"], action.recommendation, PLAIN)
        sheet.text(row, c["age_group"], POPULATION_LABELS.get(action.population, action.population), TEXT)
        sheet.text(row, c["agency"], action.agency, TEXT)
        sheet.text(row, c["action"], action.action, EDITABLE)
        sheet.text(row, c["owner"], action.owner, EDITABLE)
        if action.deadline:
            sheet.value(row, c["deadline"], action.deadline, EDITABLE_DATE)
        else:
            sheet.text(row, c["deadline"], action.deadline_text, EDITABLE_DATE)
        sheet.text(row, c["status"], action.status.value if action.status else "", EDITABLE)
        overdue = action.is_overdue(as_of)
        sheet.text(row, c["overdue"], "Yes" if overdue else "No",
                   status_style(Status.NOT_MET if overdue else Status.MET))
        sheet.text(row, c["links"], action.links_shown, TEXT)
        sheet.text(row, c["progress_notes"], action.progress_notes, EDITABLE)
        if action.last_updated:
            sheet.value(row, c["last_updated"], action.last_updated, DATE)
    _add_action_validations(sheet.ws, c, max(row, 2))
    sheet.finish_table(f"{ctx.title}: action plan (overdue as of {date_text(as_of)})", width, row)
    protect(sheet.ws)


def _add_action_validations(ws, c: dict[str, int], last_row: int) -> None:
    status = DataValidation(
        type="list", formula1='"' + ",".join(_ACTION_STATUSES) + '"', allow_blank=True, showErrorMessage=True,
        errorStyle="stop", errorTitle="Choose from the list",
        error=f"Choose {or_list(_ACTION_STATUSES)} from the list, or leave the cell blank.")
    earliest, latest = dt.date.fromisoformat(EARLIEST_DEADLINE), dt.date.fromisoformat(LATEST_DEADLINE)
    deadline = DataValidation(
        type="date", operator="between", formula1=str(int(to_excel(earliest))), formula2=str(int(to_excel(latest))),
        allow_blank=True, showErrorMessage=True, errorStyle="warning", errorTitle="Not a date",
        error="Type a date such as 31/03/2027. Text such as \"end of Q4\" is kept as written, but is never overdue.")
    for validation, key in ((status, "status"), (deadline, "deadline")):
        letter = column_letter(c[key] - 1)
        validation.add(f"{letter}2:{letter}{last_row}")
        ws.add_data_validation(validation)


def _write_plan_digests(sheet: TableSheet, ctx: Context) -> None:
    for column, header in enumerate(PLAN_DIGESTS_HEADER, start=1):
        sheet.text(1, column, header, HEADER)
    for row, action in enumerate(ctx.plan, start=2):
        sheet.text(row, 1, action.action_id, PLAIN)
        sheet.text(row, 2, plan_digest(action), PLAIN)
    sheet.ws.sheet_state = "hidden"


def _write_sources(sheet: TableSheet, ctx: Context) -> None:
    width = sheet.header(SOURCES_COLUMNS, HEADER)
    row = 1
    for source in ctx.assessment.agencies:
        row += 1
        values = {
            "source": source.source, "agency": source.agency, "sectors": ", ".join(source.sectors),
            "source_format": source.source_format,
            "completed_by": fit_combined(source.completed_by),  # every name joined: may pass a cell's limit
            "sha256": source.sha256, "generated_at": source.generated_at,
            "merged_at": ctx.assessment.merged_at, "tool_version": __version__,
        }
        for col, column in enumerate(SOURCES_COLUMNS, start=1):
            sheet.text(row, col, values[column.key], TEXT if column.key != "sha256" else PLAIN)
    sheet.finish_table(f"{ctx.title}: sources", width, row)


def _write_meta(sheet: TableSheet, ctx: Context) -> None:
    guideline = ctx.guideline
    values = {
        "kind": KIND, "format": str(MERGED_FORMAT), "tool_version": __version__,
        "guideline": guideline.guideline, "version": guideline.version, "fingerprint": guideline.fingerprint,
        "area": ctx.assessment.area, "round": ctx.assessment.round, "merged_at": ctx.assessment.merged_at, "as_of": ctx.summary.as_of.isoformat(),
        "agencies": str(len(ctx.assessment.agencies)),
    }
    sheet.text(1, 1, "key", HEADER)
    sheet.text(1, 2, "value", HEADER)
    for row, key in enumerate(META_ORDER, start=2):
        sheet.text(row, 1, key, PLAIN)
        sheet.text(row, 2, values[key], PLAIN)
    sheet.width(1, 14)
    sheet.width(2, 30)
    sheet.ws.sheet_state = "hidden"
