"""The agency workbook (format 1): one self-explanatory, hard-to-break Excel file per agency.

Sheets (names and the Assessment columns come from `layout`, which the reader shares):
  Start here   who, what, by when, how to fill it in (start_sheet.py)
  Assessment   one row per recommendation that applies to the agency's sectors, section heading rows between
  My summary   live formulas: counts by status and section, % met (summary_sheet.py)
  Lists        hidden: the dropdown vocabularies (not inline lists, which LibreOffice truncates)
  _baseline    very hidden: metadata, also stamped as custom document properties and defined names

Written in memory with xlsxwriter (sheets.workbook_bytes: a few hundred cells, each sheet top to bottom through
sheets.StreamSheet, formats made once per workbook from styles.STYLES), its structure locked. Everything taken from
outside (agency and area names, prefilled answers) goes through `StreamSheet.text`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Mapping

import xlsxwriter

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
from baseline.xlsx.agency.styles import (
    BOLD,
    FIXED,
    FIXED_CLIP,
    FIXED_LINK,
    HEADER,
    INPUT,
    INPUT_DATE,
    PLAIN,
    SECTION,
    SECTION_CLIP,
    STYLES,
    WRAPPED,
)
from baseline.xlsx.agency.summary_sheet import write_summary
from baseline.xlsx.removed_sheet import REMOVED_CELL, REMOVED_SHEET, REMOVED_STYLES, stream_removed_sheet
from baseline.xlsx.sheets import StreamFormats, StreamSheet, stream_print_setup, stream_protect, workbook_bytes

__all__ = ["build_agency_workbook", "write_agency_workbook", "save_agency_workbook", "workbook_metadata", "listed_recommendations", "iso_utc",
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
                          migration: MigrationReport | None = None) -> bytes:
    """One agency's workbook: the bytes of its .xlsx file. BaselineError for an empty agency name, unknown sectors,
    or nothing to list.

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
    stamps = workbook_metadata(guideline, agency=agency, sectors=sectors, area=area, round=round,
                               generated_at=job.generated_at)
    if continues is not None:
        stamps.update(prefilled_from=continues.file, prefilled_from_merged_at=continues.merged_at,
                      prefilled_from_sha256=continues.sha256,
                      answers_digest=answers_digest(sent_answers(listed, prefill or {})))
    if migration is not None:
        stamps["migrated_from"] = migration.old
    # No password: structure protection stops accidents (deleting or renaming sheets), not people (XLSX_PITFALLS.md §3).
    return workbook_bytes(lambda wb: _write_workbook(wb, job, prefill or {}, stamps, migration), lock_structure=True)


# Short texts already made safe (StreamSheet's `known`), kept from one workbook to the next: every agency workbook
# repeats the guideline's ids, section names, headers and instructions. Bounded, whatever the answers prefilled.
_SAFE_TEXTS: dict[str, tuple[str, bool]] = {}
_SAFE_TEXTS_KEPT = 20_000


def _write_workbook(wb: xlsxwriter.Workbook, job: WorkbookJob, prefill: Mapping[str, Answer], stamps: dict[str, str],
                    migration: MigrationReport | None) -> None:
    formats = StreamFormats(wb, {**STYLES, **REMOVED_STYLES} if migration is not None else STYLES)
    if len(_SAFE_TEXTS) > _SAFE_TEXTS_KEPT:
        _SAFE_TEXTS.clear()

    def sheet(title: str, wrapped: frozenset[str] = WRAPPED) -> StreamSheet:
        return StreamSheet(wb, title, formats, wrapped, known=_SAFE_TEXTS)

    # Sheets are made in their final order, then written (Start here and My summary need the Assessment's rows).
    start, assessment, summary, lists = (sheet(layout.START_SHEET), sheet(layout.ASSESSMENT_SHEET),
                                         sheet(layout.SUMMARY_SHEET), sheet(layout.LISTS_SHEET))
    removed = sheet(REMOVED_SHEET, WRAPPED | {REMOVED_CELL}) if migration is not None else None
    meta = sheet(layout.META_SHEET)
    rows = _write_assessment(assessment, job, prefill)
    write_summary(summary, job, rows, prefill)
    _write_lists(lists)
    write_start(start, job)
    if removed is not None:
        stream_removed_sheet(removed, migration)
    _stamp_metadata(wb, meta, stamps)
    start.ws.activate()
    wb.set_properties({"title": clean_text(f"{job.guideline.guideline} baseline assessment: {job.agency}"),
                       "author": f"baseline {__version__}",
                       "created": job.generated_at.astimezone(dt.timezone.utc).replace(tzinfo=None, microsecond=0)})


def write_agency_workbook(path: Path | str, guideline: Guideline, *, force: bool = False, **keywords) -> Path:
    """Build an agency workbook and write it atomically to `path` (.xlsx); refuses to overwrite unless `force`."""
    _check_target(path)
    return save_agency_workbook(path, build_agency_workbook(guideline, **keywords), force=force)


def save_agency_workbook(path: Path | str, content: bytes, *, force: bool = False, sweep: bool = True) -> Path:
    """Write a built agency workbook (build_agency_workbook's bytes) atomically to `path` (.xlsx); refuses to
    overwrite unless `force`. `sweep=False`: the folder's stale temporary files were removed already
    (files.sweep_stale)."""
    path = _check_target(path)
    return atomic_write(path, lambda target: target.write_bytes(content), force=force, sweep=sweep)


def _check_target(path: Path | str) -> Path:
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise BaselineError(f"{path}: the workbook must be written to a .xlsx file.")
    return path

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


# (column number, style) of the answer cells, left to right.
_ANSWER_CELLS = tuple((index, INPUT_DATE if column.kind == "date" else INPUT)
                      for index, column in enumerate(layout.ASSESSMENT_COLUMNS, start=1) if column.is_input)


def _write_answer(sheet: StreamSheet, row: int, answer: Answer | None) -> None:
    """A recommendation's answer cells: unlocked, yellow, holding the prefilled answer if any."""
    if answer is None:  # nothing prefilled (most workbooks): blank answer cells
        for index, style in _ANSWER_CELLS:
            sheet.blank(row, index, style)
        return
    for index, column in enumerate(layout.ASSESSMENT_COLUMNS, start=1):
        if not column.is_input:
            continue
        value = getattr(answer, column.key, None) if answer is not None else None
        if column.kind == "date":
            if isinstance(value, dt.date):
                sheet.value(row, index, value, INPUT_DATE)
            else:  # a deadline given as text is kept as given: validation points it out on return
                sheet.text(row, index, answer.deadline_text if answer is not None else "", INPUT_DATE)
        elif hasattr(value, "value"):  # a Choice / ActionStatus / YesNo enum
            sheet.text(row, index, value.value, INPUT)
        else:
            sheet.text(row, index, value if isinstance(value, str) else "", INPUT)


def _write_assessment(sheet: StreamSheet, job: WorkbookJob, prefill: Mapping[str, Answer]) -> list[tuple[int, Recommendation]]:
    """The recommendation rows; returns (row, recommendation) for each, in sheet order."""
    columns = layout.ASSESSMENT_COLUMNS
    width = sheet.header(columns, HEADER, layout.HEADER_ROW)
    sheet.height(layout.HEADER_ROW, 32)

    listed_ids = {r.id for r in job.listed}
    link = recommendations_url(job.guideline)
    row = layout.FIRST_DATA_ROW
    rows: list[tuple[int, Recommendation]] = []
    fixed_styles = {"recommendation": FIXED_LINK, "section": FIXED_CLIP}
    for section in job.guideline.sections:
        recs = [r for r in section.recommendations if r.id in listed_ids]
        if not recs:
            continue
        # Section heading: Recommendation cell empty, so the reader (which matches rows by id) never takes it
        # for a recommendation, and My summary's counts skip it.
        heading = section.label
        if not section.complete:
            heading += " (this encoding may not list every recommendation of this section)"
        texts = {"section": section.label, "summary": heading}
        for index, column in enumerate(columns, start=1):
            sheet.text(row, index, texts.get(column.key, ""), SECTION_CLIP if column.key == "section" else SECTION)
        row += 1
        for rec in recs:
            summary = rec.summary or f"(summary not yet encoded: see NICE {rec.id})"
            if rec.id in job.new_recommendations:  # migrated: flag what this version adds (blank, to answer)
                summary = f"NEW in {job.guideline.ref}: please answer. {summary}"
            sheet.link(row, 1, link, rec.id, FIXED_LINK)
            values = {"section": section.label, "summary": summary}
            for index, column in enumerate(columns[1:], start=2):
                if not column.is_input:
                    sheet.text(row, index, values.get(column.key, ""), fixed_styles.get(column.key, FIXED))
            _write_answer(sheet, row, prefill.get(rec.id))
            rows.append((row, rec))
            row += 1
    last_row = row - 1

    sheet.fit_rows()
    _add_validations(sheet, last_row)
    sheet.ws.freeze_panes(layout.FIRST_DATA_ROW - 1, 1)
    sheet.ws.autofilter(layout.HEADER_ROW - 1, 0, last_row - 1, width - 1)
    stream_print_setup(sheet.ws, landscape=True, title=f"{job.guideline.guideline} baseline assessment: {job.agency}",
                       title_row=layout.HEADER_ROW)
    stream_protect(sheet.ws)
    return rows


def _validations() -> dict[str, dict]:
    """Assessment column key -> its data validation (xlsxwriter options): a dropdown from the Lists sheet, a date
    check, or a prompt only. The same for every workbook: made once."""
    earliest = dt.date.fromisoformat(layout.EARLIEST_DEADLINE)
    latest = dt.date.fromisoformat(layout.LATEST_DEADLINE)
    validations = {}
    for column in layout.INPUT_COLUMNS:
        common = {"ignore_blank": True, "input_title": column.header[:32], "input_message": column.prompt[:255]}
        if column.kind == "choice":
            choices = layout.VOCABULARIES[column.vocabulary]
            validations[column.key] = {
                "validate": "list", "source": "=" + layout.list_range(column.vocabulary), "error_type": "stop",
                "error_title": "Choose from the list",
                "error_message": f"Choose {', '.join(choices[:-1])} or {choices[-1]} from the list, or leave the "
                                 "cell blank.", **common}
        elif column.kind == "date":
            validations[column.key] = {
                "validate": "date", "criteria": "between", "minimum": earliest, "maximum": latest,
                "error_type": "stop", "error_title": "Not a date",
                "error_message": f"Type a date such as 31/03/2027 (between {earliest:%d/%m/%Y} and "
                                 f"{latest:%d/%m/%Y}).", **common}
        else:  # free text: a prompt only
            validations[column.key] = {"validate": "any", **common}
    return validations


_VALIDATIONS = _validations()


def _add_validations(sheet: StreamSheet, last_row: int) -> None:
    for column in layout.INPUT_COLUMNS:
        index = layout.ASSESSMENT_COLUMNS.index(column)
        # xlsxwriter keeps the options it is given: each workbook gets its own copy.
        sheet.ws.data_validation(layout.FIRST_DATA_ROW - 1, index, last_row - 1, index,
                                 dict(_VALIDATIONS[column.key]))


def _write_lists(sheet: StreamSheet) -> None:
    """One column per vocabulary: its title, then its choices (written row by row, top to bottom)."""
    vocabularies = list(layout.VOCABULARIES.items())
    for index, _ in enumerate(vocabularies, start=1):
        sheet.width(index, 20)
    for index, (vocabulary, _) in enumerate(vocabularies, start=1):
        sheet.text(1, index, _VOCABULARY_TITLES.get(vocabulary, vocabulary), BOLD)
    for offset in range(max(len(choices) for _, choices in vocabularies)):
        for index, (_, choices) in enumerate(vocabularies, start=1):
            if offset < len(choices):
                sheet.text(layout.LISTS_FIRST_ROW + offset, index, choices[offset], PLAIN)
    sheet.ws.hide()
    stream_protect(sheet.ws)


def _stamp_metadata(wb: xlsxwriter.Workbook, sheet: StreamSheet, values: dict[str, str]) -> None:
    sheet.width(1, 16)
    sheet.width(2, 40)
    sheet.text(1, 1, layout.META_HEADER[0], PLAIN)
    sheet.text(1, 2, layout.META_HEADER[1], PLAIN)
    for key, value in sorted(values.items(), key=lambda item: layout.meta_row(item[0])):
        row = layout.meta_row(key)
        sheet.text(row, 1, key, PLAIN)
        sheet.text(row, 2, value, PLAIN)
        name = layout.META_PREFIX + key
        wb.set_custom_property(name, clean_text(value), "text")
        wb.define_name(name, "=" + layout.meta_reference(key))
    sheet.ws.very_hidden()
    stream_protect(sheet.ws)
