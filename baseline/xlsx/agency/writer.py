"""The agency workbook (format 1): one self-explanatory, hard-to-break Excel file per agency.

Sheets (names and the Assessment columns come from `layout`, which the reader shares):
  Start here   who, what, by when, how to fill it in (start_sheet.py)
  Assessment   one row per recommendation that applies to the agency's sectors, section heading rows between
  My summary   live formulas: counts by status and section, % met (summary_sheet.py)
  Lists        hidden: the dropdown vocabularies (not inline lists, which LibreOffice truncates)
  _baseline    very hidden: metadata, also stamped as custom document properties and defined names

Everything taken from outside (agency and area names, prefilled answers) goes through `sheets.write_text`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Mapping

from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment
from openpyxl.utils.datetime import to_excel
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from baseline import __version__
from baseline.assessment import Answer
from baseline.files import atomic_write
from baseline.guideline import Guideline, Recommendation
from baseline.issues import BaselineError
from baseline.rounds import MigrationReport, answers_digest
from baseline.text import MAX_NAME_LENGTH, clean_text, is_too_long
from baseline.xlsx.agency import layout
from baseline.xlsx.agency.layout import Continues, WorkbookJob, iso_utc, listed_recommendations, recommendations_url
from baseline.xlsx.agency.start_sheet import write_start
from baseline.xlsx.agency.summary_sheet import write_summary
from baseline.xlsx.removed_sheet import REMOVED_SHEET, write_removed_sheet
from baseline.xlsx.sheets import (
    BOLD,
    BORDER,
    CLIP_TOP,
    DATE_FORMAT,
    HEADER_FILL,
    HEADER_FONT,
    INPUT_FILL,
    LINK_FONT,
    SECTION_FILL,
    SECTION_FONT,
    UNLOCKED,
    WRAP_TOP,
    StyleCache,
    fit_row_heights,
    print_setup,
    protect,
    write_text,
)

__all__ = ["build_agency_workbook", "write_agency_workbook", "workbook_metadata", "listed_recommendations", "iso_utc",
           "sent_answers", "Continues"]

_VOCABULARY_TITLES = {"yes_partial_no": "Yes / Partial / No", "action_status": "Action status", "yes_no": "Yes / No"}

def workbook_metadata(guideline: Guideline, *, agency: str, sectors: list[str], area: str,
                      generated_at: dt.datetime, round: str = "") -> dict[str, str]:
    """The values stamped three ways (sheet, custom properties, defined names), keyed by layout.META_KEYS."""
    values = {
        "tool_version": __version__,
        "format": str(layout.FORMAT),
        "guideline": guideline.guideline,
        "version": guideline.version,
        # Of the guideline's whole list, not the agency's filtered one: the reader finds the encoding by it.
        "fingerprint": guideline.fingerprint,
        "area": area,
        "round": round,
        "agency": agency,
        "sector": ",".join(sectors),
        "generated_at": iso_utc(generated_at),
    }
    assert tuple(values) == layout.META_KEYS
    return values

def build_agency_workbook(guideline: Guideline, *, agency: str, sectors: list[str], area: str = "", round: str = "",
                          return_by: dt.date | None = None, facilitator_name: str = "", facilitator_email: str = "",
                          all_recommendations: bool = False, generated_at: dt.datetime | None = None,
                          prefill: dict[str, Answer] | None = None, continues: Continues | None = None,
                          migration: MigrationReport | None = None) -> Workbook:
    """One agency's workbook, in memory. BaselineError for an empty agency name, unknown sectors, or nothing to list.

    `prefill` (answers keyed by recommendation id) fills the answer cells, e.g. to re-issue last round's answers; a
    recommendation with an answer is listed even if the agency's sectors no longer give it (nothing is lost).
    `continues` (generate --prefill): the merged workbook the answers come from, stamped with the digest of the
    answers as they will be read back, and named on Start here. `migration` (baseline migrate): the answers were
    moved from another version; new recommendations are flagged, removed answers go to a `Removed` sheet.
    """
    agency = " ".join(clean_text(agency or "").split())
    area = " ".join(clean_text(area or "").split())
    round = " ".join(clean_text(round or "").split())
    if not agency:
        raise BaselineError("The agency name is empty.")
    for what, name in (("agency", agency), ("area", area)):
        if len(name) > MAX_NAME_LENGTH:  # it heads every printed page, whose header holds 255 characters in all
            raise BaselineError(f"The {what} name is {len(name):,} characters long; keep it to {MAX_NAME_LENGTH} or "
                                "fewer (an abbreviation will do). Nothing was written.")
    sectors = list(dict.fromkeys(s.strip() for s in sectors if s and s.strip()))
    if not sectors:
        raise BaselineError(f"Give the agency's sector (one or more of: {', '.join(guideline.sectors)}).")
    unknown = [s for s in sectors if s not in guideline.sectors]
    if unknown:
        raise BaselineError(f"Unknown sector(s) {', '.join(map(repr, unknown))} for {guideline.guideline}; "
                            f"known: {', '.join(guideline.sectors)}.")
    listed = listed_recommendations(guideline, sectors, all_recommendations)
    if not listed:
        raise BaselineError(f"No {guideline.ref} recommendation applies to {', '.join(sectors)}; "
                            "use --all-recommendations to list them all.")
    _check_prefill(prefill or {}, guideline)
    listed = _with_answered(guideline, listed, prefill or {})
    job = WorkbookJob(guideline, agency, sectors, area, round, return_by, facilitator_name.strip(), facilitator_email.strip(),
                      all_recommendations, generated_at or dt.datetime.now(dt.timezone.utc), listed,
                      continues=continues, migrated_from=migration.old if migration else "",
                      new_recommendations=tuple(migration.added) if migration else (),
                      removed_answers=len(migration.removed) if migration else 0)

    wb = Workbook()
    start = wb.active
    start.title = layout.START_SHEET
    assessment = wb.create_sheet(layout.ASSESSMENT_SHEET)
    summary = wb.create_sheet(layout.SUMMARY_SHEET)
    lists = wb.create_sheet(layout.LISTS_SHEET)
    meta = wb.create_sheet(layout.META_SHEET)

    rows = _write_assessment(assessment, job, prefill or {})
    write_summary(summary, job, rows)
    _write_lists(lists)
    write_start(start, job)
    stamps = workbook_metadata(guideline, agency=agency, sectors=sectors, area=area, round=round,
                                generated_at=job.generated_at)
    if continues is not None:
        stamps.update(prefilled_from=continues.file, prefilled_from_merged_at=continues.merged_at,
                      prefilled_from_sha256=continues.sha256,
                      answers_digest=answers_digest(sent_answers(listed, prefill or {})))
    if migration is not None:
        stamps["migrated_from"] = migration.old
        write_removed_sheet(wb.create_sheet(REMOVED_SHEET, index=wb.index(meta)), migration)
    _stamp_metadata(wb, meta, stamps)

    wb.active = 0
    # No password: it stops accidents (deleting or renaming sheets), not people (XLSX_PITFALLS.md §3).
    wb.security = WorkbookProtection(lockStructure=True)
    wb.properties.title = clean_text(f"{guideline.guideline} baseline assessment: {agency}")
    wb.properties.creator = f"baseline {__version__}"
    wb.properties.created = job.generated_at.astimezone(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    return wb

def write_agency_workbook(path: Path | str, guideline: Guideline, *, force: bool = False, **keywords) -> Path:
    """Build an agency workbook and write it atomically to `path` (.xlsx); refuses to overwrite unless `force`."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise BaselineError(f"{path}: the workbook must be written to a .xlsx file.")
    workbook = build_agency_workbook(guideline, **keywords)
    return atomic_write(path, workbook.save, force=force)

def _check_prefill(prefill: Mapping[str, Answer], guideline: Guideline) -> None:
    known = {r.id for r in guideline.recommendations}
    stray = [rec_id for rec_id, answer in prefill.items() if rec_id not in known and not answer.is_blank]
    if stray:
        raise BaselineError(f"Answers to prefill for recommendations {guideline.ref} does not have: {', '.join(stray)}. "
                            "Nothing was written (were the answers given for another version? See `baseline migrate`).")
    for rec_id, answer in prefill.items():
        for column in layout.INPUT_COLUMNS:
            value = getattr(answer, column.key, None)
            if isinstance(value, str) and is_too_long(clean_text(value)):
                raise BaselineError(f"The answer to prefill for {rec_id} ({column.header}) is longer than Excel's "
                                    f"limit of {layout.EXCEL_CELL_LIMIT} characters.")

def _with_answered(guideline: Guideline, listed: list[Recommendation],
                   prefill: Mapping[str, Answer]) -> list[Recommendation]:
    """The listed recommendations plus any with a prefilled answer (the agency's sectors changed, or a migrated
    answer the new version no longer gives its sectors): an answer is never dropped by re-issuing it."""
    answered = {rec_id for rec_id, answer in prefill.items() if not answer.is_blank}
    if answered <= {r.id for r in listed}:
        return listed
    wanted = answered | {r.id for r in listed}
    return [r for r in guideline.recommendations if r.id in wanted]


def sent_answers(listed: list[Recommendation], prefill: Mapping[str, Answer]) -> dict[str, Answer]:
    """The answers a prefilled workbook will read back as, untouched: one per listed row (blank where nothing was
    prefilled), texts as written to the cells (cleaned, trimmed), a date deadline without any text beside it."""
    out = {}
    for rec in listed:
        answer = prefill.get(rec.id) or Answer(rec.id)
        texts = {key: clean_text(getattr(answer, key)).strip()
                 for key in ("evidence", "action", "owner", "deadline_text", "completed_by")}
        if answer.deadline is not None:
            texts["deadline_text"] = ""
        out[rec.id] = replace(answer, recommendation=rec.id, **texts)
    return out


def _prefill_row(ws: Worksheet, row: int, answer: Answer) -> None:
    for column in layout.INPUT_COLUMNS:
        cell = ws[f"{layout.column_letter(column.key)}{row}"]
        value = getattr(answer, column.key, None)
        if column.kind == "date":
            if isinstance(value, dt.date):
                cell.value = value
                cell.number_format = DATE_FORMAT
            elif answer.deadline_text:
                write_text(cell, answer.deadline_text)  # kept as given: validation points it out on return
        elif hasattr(value, "value"):  # a Choice / ActionStatus / YesNo enum
            write_text(cell, value.value)
        elif isinstance(value, str):
            write_text(cell, value)

def _write_assessment(ws: Worksheet, job: WorkbookJob, prefill: Mapping[str, Answer]) -> list[tuple[int, Recommendation]]:
    """The recommendation rows; returns (row, recommendation) for each, in sheet order."""
    columns = layout.ASSESSMENT_COLUMNS
    last_col = layout.column_letter(columns[-1].key)
    for index, column in enumerate(columns, start=1):
        cell = ws.cell(layout.HEADER_ROW, index)
        write_text(cell, column.header)
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[layout.column_letter(column.key)].width = column.width
    ws.row_dimensions[layout.HEADER_ROW].height = 32

    listed_ids = {r.id for r in job.listed}
    link = recommendations_url(job.guideline)
    styles = StyleCache()
    row = layout.FIRST_DATA_ROW
    rows: list[tuple[int, Recommendation]] = []
    for section in job.guideline.sections:
        recs = [r for r in section.recommendations if r.id in listed_ids]
        if not recs:
            continue
        # Section heading: Recommendation cell empty, so the reader (which matches rows by id) never takes it
        # for a recommendation, and My summary's counts skip it.
        heading = section.label
        if not section.complete:
            heading += " (this encoding may not list every recommendation of this section)"
        for index, column in enumerate(columns, start=1):
            clipped = column.key == "section"
            styles.apply(ws.cell(row, index), ("heading", clipped), font=SECTION_FONT, fill=SECTION_FILL,
                         border=BORDER, alignment=CLIP_TOP if clipped else WRAP_TOP)
        write_text(ws.cell(row, 2), section.label)
        write_text(ws.cell(row, 3), heading)
        row += 1
        for rec in recs:
            summary = rec.summary or f"(summary not yet encoded: see NICE {rec.id})"
            if rec.id in job.new_recommendations:  # migrated: flag what this version adds (blank, to answer)
                summary = f"NEW in {job.guideline.ref}: please answer. {summary}"
            values = {"recommendation": rec.id, "section": section.label, "summary": summary}
            for index, column in enumerate(columns, start=1):
                cell = ws.cell(row, index)
                if column.is_input:
                    styles.apply(cell, ("input", column.kind), border=BORDER, alignment=WRAP_TOP,
                                 protection=UNLOCKED, fill=INPUT_FILL,
                                 number_format=DATE_FORMAT if column.kind == "date" else "General")
                else:
                    # The link sits on the short id, not the Summary: LibreOffice does not wrap a hyperlinked cell.
                    link_font = {"font": LINK_FONT} if column.key == "recommendation" else {}
                    styles.apply(cell, ("fixed", column.key), border=BORDER,
                                 alignment=CLIP_TOP if column.key == "section" else WRAP_TOP, **link_font)
                    write_text(cell, values.get(column.key, ""))
            ws.cell(row, 1).hyperlink = link
            if rec.id in prefill:
                _prefill_row(ws, row, prefill[rec.id])
            rows.append((row, rec))
            row += 1
    last_row = row - 1

    fit_row_heights(ws, layout.FIRST_DATA_ROW, last_row)
    _add_validations(ws, last_row)
    ws.freeze_panes = f"B{layout.FIRST_DATA_ROW}"
    ws.auto_filter.ref = f"A{layout.HEADER_ROW}:{last_col}{last_row}"
    ws.print_title_rows = f"{layout.HEADER_ROW}:{layout.HEADER_ROW}"
    print_setup(ws, landscape=True, title=f"{job.guideline.guideline} baseline assessment: {job.agency}")
    protect(ws)
    return rows

def _add_validations(ws: Worksheet, last_row: int) -> None:
    earliest = dt.date.fromisoformat(layout.EARLIEST_DEADLINE)
    latest = dt.date.fromisoformat(layout.LATEST_DEADLINE)
    for column in layout.INPUT_COLUMNS:
        letter = layout.column_letter(column.key)
        common = dict(showInputMessage=True, promptTitle=column.header[:32], prompt=column.prompt[:255])
        if column.kind == "choice":
            choices = layout.VOCABULARIES[column.vocabulary]
            validation = DataValidation(
                type="list", formula1=layout.list_range(column.vocabulary), allow_blank=True,
                showErrorMessage=True, errorStyle="stop", errorTitle="Choose from the list",
                error=f"Choose {', '.join(choices[:-1])} or {choices[-1]} from the list, or leave the cell blank.",
                **common)
        elif column.kind == "date":
            validation = DataValidation(
                type="date", operator="between", formula1=str(int(to_excel(earliest))),
                formula2=str(int(to_excel(latest))), allow_blank=True, showErrorMessage=True, errorStyle="stop",
                errorTitle="Not a date",
                error=f"Type a date such as 31/03/2027 (between {earliest:%d/%m/%Y} and {latest:%d/%m/%Y}).",
                **common)
        else:  # free text: a prompt only
            validation = DataValidation(allow_blank=True, **common)
        validation.add(f"{letter}{layout.FIRST_DATA_ROW}:{letter}{last_row}")
        ws.add_data_validation(validation)

def _write_lists(ws: Worksheet) -> None:
    for vocabulary, choices in layout.VOCABULARIES.items():
        column = layout.list_column(vocabulary)
        write_text(ws[f"{column}1"], _VOCABULARY_TITLES.get(vocabulary, vocabulary))
        ws[f"{column}1"].font = BOLD
        for offset, choice in enumerate(choices):
            write_text(ws[f"{column}{layout.LISTS_FIRST_ROW + offset}"], choice)
        ws.column_dimensions[column].width = 20
    ws.sheet_state = "hidden"
    protect(ws)

def _stamp_metadata(wb: Workbook, ws: Worksheet, values: dict[str, str]) -> None:
    write_text(ws["A1"], layout.META_HEADER[0])
    write_text(ws["B1"], layout.META_HEADER[1])
    for key, value in values.items():
        row = layout.meta_row(key)
        write_text(ws[f"A{row}"], key)
        write_text(ws[f"B{row}"], value)
        name = layout.META_PREFIX + key
        wb.custom_doc_props.append(StringProperty(name=name, value=clean_text(value)))
        wb.defined_names[name] = DefinedName(name, attr_text=layout.meta_reference(key))
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 40
    ws.sheet_state = "veryHidden"
    protect(ws)
