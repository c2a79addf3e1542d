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

Streamed with xlsxwriter in constant-memory mode (sheets.StreamSheet): every sheet is written top to bottom, once.
Every text that came from a return is written with StreamSheet.text: text, never a formula.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Iterable

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
from baseline.xlsx.removed_sheet import REMOVED_CELL, REMOVED_SHEET, REMOVED_STYLES, stream_removed_sheet
from baseline.xlsx.sheets import (
    BORDER_COLOUR,
    DATE_FORMAT,
    HEADER_COLOURS,
    SECTION_COLOURS,
    StreamFormats,
    StreamSheet,
    stream_protect,
    stream_workbook,
)

# Colour is never alone: every coloured cell also carries its label ("Not met", "Overdue: Yes").
_STATUS_COLOURS = {  # fill, font (Excel's Good / Neutral / Bad palette, plus greys)
    Status.MET: ("C6EFCE", "006100"),
    Status.PARTIALLY_MET: ("FFEB9C", "9C5700"),
    Status.NOT_MET: ("FFC7CE", "9C0006"),
    Status.NOT_ASSESSED: ("D9D9D9", "262626"),
    Status.NOT_APPLICABLE: ("F2F2F2", "595959"),
}


_TOP = {"valign": "top"}
_WRAP = {"valign": "top", "text_wrap": True}
_DATE = {"valign": "top", "align": "left", "num_format": DATE_FORMAT}


def _solid(font: str, fill: str) -> dict:
    return {"font_color": "#" + font, "bg_color": "#" + fill, "pattern": 1}


# The named styles' look (xlsxwriter formats, made once per workbook); header, section rows, title and borders
# are the agency workbook's, from sheets.py. Fonts are the workbook default, Calibri 11, unless said.
_STYLES = {
    HEADER: {**_solid(*HEADER_COLOURS), "bold": True, "border": 1, "border_color": "#" + BORDER_COLOUR,
             "valign": "vcenter", "text_wrap": True},
    TEXT: _WRAP,
    PLAIN: _TOP,
    DATE: _DATE,
    NUMBER: {"valign": "top", "align": "center", "num_format": "0"},
    PERCENT: {**_TOP, "num_format": "0.0%"},
    SECTION: {**_solid(*SECTION_COLOURS), "bold": True, **_TOP},
    TITLE: {"bold": True, "font_size": 14},
    NOTE: {"italic": True, "font_color": "#9C5700", **_TOP},
    EDITABLE: {**_WRAP, "locked": False},
    EDITABLE_DATE: {**_DATE, "locked": False},
    RISK: {"bold": True, "font_color": "#9C0006", **_WRAP},
    **{status_style(status): {**_solid(font, fill), **_WRAP} for status, (fill, font) in _STATUS_COLOURS.items()},
    **REMOVED_STYLES,
}


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


def _stream_workbook(target: Path, assessment: MultiAgencyAssessment, summary: Summary, plan: list[PlanRow],
                     migration: MigrationReport | None) -> None:
    """Stream the merged workbook into `target` (write_merged_workbook's temporary file; texts already checked)."""
    guideline = assessment.guideline
    with stream_workbook(target) as wb:
        wb.set_properties({"title": f"{guideline.ref} multi-agency baseline assessment",
                           "author": f"baseline {__version__}"})
        formats = StreamFormats(wb, _STYLES)
        context = Context(assessment, summary, plan)
        known: dict = {}

        def sheet(title: str, wrapped: frozenset[str] = WRAPPED_STYLES) -> StreamSheet:
            return StreamSheet(wb, title, formats, wrapped, known)

        # Sheets stream in their final order: each is written once, top to bottom.
        for title, write in ((SUMMARY_SHEET, write_summary), (BY_RECOMMENDATION_SHEET, write_by_recommendation),
                             (ACTIONS_SHEET, _write_actions), (GAPS_SHEET, write_gaps),
                             (ANSWERS_SHEET, _write_answers), (SOURCES_SHEET, _write_sources)):
            write(sheet(title), context)
        if migration is not None:
            stream_removed_sheet(sheet(REMOVED_SHEET, WRAPPED_STYLES | {REMOVED_CELL}), migration)
        _write_meta(sheet(META_SHEET), context)
        _write_plan_digests(sheet(PLAN_DIGESTS_SHEET), context)


def write_merged_workbook(path: Path | str, assessment: MultiAgencyAssessment, summary: Summary, *,
                          plan: list[PlanRow] | None = None, force: bool = False,
                          inputs: Iterable[Path | str] = (), migration: MigrationReport | None = None) -> Path:
    """Write the merged workbook atomically; never over an input, never over an existing file without `force`.

    `plan` is the group's action plan (default: as the returns give it, i.e. `actions.build_plan`). `migration`
    (baseline migrate): the answers were moved from another version; a `Removed` sheet lists what the target version
    no longer has. Raises BaselineError, writing nothing, if a single text is too long for Excel."""
    path = Path(path)
    refuse_overwrite(path, force)  # before the work of building, not after
    plan = build_plan(assessment) if plan is None else plan
    problems = _oversized_texts(assessment, plan)
    if problems:  # before the temporary file: nothing is written at all
        raise BaselineError("Some answers are too long for an Excel cell; nothing was written.", problems)
    return atomic_write(path, lambda target: _stream_workbook(target, assessment, summary, plan, migration),
                        force=force, inputs=tuple(Path(p) for p in inputs))


def _choice_text(value: Choice | YesNo | ActionStatus | None) -> str:
    return value.value if value is not None else ""


def _write_answers(sheet: StreamSheet, ctx: Context) -> None:
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


def _write_actions(sheet: StreamSheet, ctx: Context) -> None:
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
                sheet.blank(row, col, SECTION)
        row += 1
        sheet.text(row, c["action_id"], action.action_id, RISK if action.risk else PLAIN, unique=True)
        if action.risk:
            sheet.comment(row, c["action_id"], RISK_NOTE)
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
    _add_action_validations(sheet, c, max(row, 2))
    sheet.finish_table(f"{ctx.title}: action plan (overdue as of {date_text(as_of)})", width, row)
    stream_protect(sheet.ws)


def _add_action_validations(sheet: StreamSheet, c: dict[str, int], last_row: int) -> None:
    status = {
        "validate": "list", "source": list(_ACTION_STATUSES), "ignore_blank": True, "error_type": "stop",
        "error_title": "Choose from the list",
        "error_message": f"Choose {or_list(_ACTION_STATUSES)} from the list, or leave the cell blank."}
    deadline = {
        "validate": "date", "criteria": "between", "minimum": dt.date.fromisoformat(EARLIEST_DEADLINE),
        "maximum": dt.date.fromisoformat(LATEST_DEADLINE), "ignore_blank": True, "error_type": "warning",
        "error_title": "Not a date",
        "error_message": "Type a date such as 31/03/2027. Text such as \"end of Q4\" is kept as written, but is "
                         "never overdue."}
    for validation, key in ((status, "status"), (deadline, "deadline")):
        sheet.ws.data_validation(1, c[key] - 1, last_row - 1, c[key] - 1, validation)


def _write_plan_digests(sheet: StreamSheet, ctx: Context) -> None:
    for column, header in enumerate(PLAN_DIGESTS_HEADER, start=1):
        sheet.text(1, column, header, HEADER)
    for row, action in enumerate(ctx.plan, start=2):
        sheet.text(row, 1, action.action_id, PLAIN, unique=True)
        sheet.text(row, 2, plan_digest(action), PLAIN, unique=True)
    sheet.ws.hide()


def _write_sources(sheet: StreamSheet, ctx: Context) -> None:
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


def _write_meta(sheet: StreamSheet, ctx: Context) -> None:
    guideline = ctx.guideline
    values = {
        "kind": KIND, "format": str(MERGED_FORMAT), "tool_version": __version__,
        "guideline": guideline.guideline, "version": guideline.version, "fingerprint": guideline.fingerprint,
        "area": ctx.assessment.area, "round": ctx.assessment.round, "merged_at": ctx.assessment.merged_at, "as_of": ctx.summary.as_of.isoformat(),
        "agencies": str(len(ctx.assessment.agencies)),
    }
    sheet.width(1, 14)
    sheet.width(2, 30)
    sheet.text(1, 1, "key", HEADER)
    sheet.text(1, 2, "value", HEADER)
    for row, key in enumerate(META_ORDER, start=2):
        sheet.text(row, 1, key, PLAIN)
        sheet.text(row, 2, values[key], PLAIN)
    sheet.ws.hide()
