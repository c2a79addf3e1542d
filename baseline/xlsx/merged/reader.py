"""A merged workbook read back losslessly: the assessment it was written from.

Reading needs only `_baseline`, `Sources` and `All answers` (found by header text, like the agency reader), so
people may sort, filter, add columns or re-save in LibreOffice; the other sheets are for people.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from baseline import __version__, catalogue
from baseline.assessment import Answer
from baseline.checks import ANSWER_FIELDS, VOCABULARIES, parse_choice, parse_date
from baseline.guideline import Guideline
from baseline.issues import BaselineError, Problem
from baseline.merge import AgencySource, MultiAgencyAssessment, RecommendationResult
from baseline.xlsx.agency.layout import META_SHEET
from baseline.xlsx.cells import cell_text, column_letter, find_header_row, normalise_header
from baseline.xlsx.merged.layout import (
    ANSWER_TEXT_KEYS,
    ANSWERS_COLUMNS,
    ANSWERS_REQUIRED,
    ANSWERS_SHEET,
    HEADER_SEARCH_ROWS,
    KIND,
    MERGED_FORMAT,
    META_ORDER,
    SOURCES_COLUMNS,
    SOURCES_REQUIRED,
    SOURCES_SHEET,
    MergedColumn,
)
from baseline.xlsx.untrusted import FileRefused, check_untrusted


def _open(path: Path):
    """Safety checks on the bytes (a merged workbook can come from anyone), then python-calamine on those bytes."""
    try:
        with check_untrusted(path) as checked:
            data = checked.data
    except FileRefused as refused:
        raise BaselineError(f"{path}: {refused.message}") from None
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises several types for damaged files; all mean "cannot read it"
        raise BaselineError(f"{path} cannot be read as a workbook: {str(exc).strip() or type(exc).__name__}") from None


def _rows(workbook, sheet: str) -> list[list[Any]]:
    """A sheet's values from A1 on (empty leading rows and columns kept, so indexes are cell positions)."""
    return workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def _read_meta(workbook, path: Path) -> dict[str, str]:
    if META_SHEET not in workbook.sheet_names:
        raise BaselineError(f"{path} is not a merged baseline workbook (it has no {META_SHEET} sheet). "
                            f"Make one with `baseline merge`.")
    meta = {}
    for row in _rows(workbook, META_SHEET):
        if len(row) >= 2 and cell_text(row[0]).strip():
            meta[cell_text(row[0]).strip()] = cell_text(row[1]).strip()
    kind = meta.get("kind", "")
    if kind != KIND:
        if meta.get("agency"):
            raise BaselineError(f"{path} is an agency workbook ({meta['agency']}), not a merged baseline workbook.")
        raise BaselineError(f"{path} is not a merged baseline workbook (its {META_SHEET} sheet does not say "
                            f"kind={KIND}).")
    try:
        version = int(meta.get("format", ""))
    except ValueError:
        raise BaselineError(f"{path}: its {META_SHEET} sheet has no readable format number.") from None
    if version > MERGED_FORMAT:
        raise BaselineError(f"{path} was made by a newer baseline (merged format {version}, tool "
                            f"{meta.get('tool_version', '?')}); this is baseline {__version__}. Upgrade to read it.")
    missing = [key for key in ("guideline", "version", "fingerprint") if not meta.get(key)]
    if missing:
        raise BaselineError(f"{path}: its {META_SHEET} sheet lacks {', '.join(missing)}.")
    return meta


def _resolve_guideline(meta: dict[str, str], path: Path) -> Guideline:
    guideline = catalogue.find_by_fingerprint(meta["guideline"], meta["version"], meta["fingerprint"])
    if guideline is None:
        raise BaselineError(
            f"{path} was merged from {meta['guideline']}@{meta['version']} (fingerprint {meta['fingerprint']}), "
            f"which this installation does not have. Put that encoding (recommendations/"
            f"{meta['guideline'].lower()}/{meta['version']}.yaml with the same recommendations) in a directory "
            f"named by $BASELINE_RECOMMENDATIONS."
        )
    return guideline


@dataclass
class _Table:
    sheet: str
    header_row: int  # 1-based
    positions: dict[str, int]  # column key -> 0-based index
    rows: list[list[Any]]  # the rows below the header

    def get(self, row: list[Any], key: str) -> Any:
        index = self.positions.get(key)
        return row[index] if index is not None and index < len(row) else None

    def cell(self, offset: int, key: str) -> str:
        """"E7"-style reference of a value, for messages."""
        return f"{column_letter(self.positions[key])}{self.header_row + 1 + offset}"


def _find_table(workbook, sheet: str, columns: tuple[MergedColumn, ...], required: tuple[str, ...],
                path: Path) -> _Table:
    if sheet not in workbook.sheet_names:
        raise BaselineError(f"{path} is marked as a merged workbook but has no {sheet!r} sheet.")
    rows = _rows(workbook, sheet)
    wanted = {normalise_header(c.header): c.key for c in columns}
    found = find_header_row(rows, lambda text: wanted.get(normalise_header(text)), search_rows=HEADER_SEARCH_ROWS,
                            accept=lambda positions: all(key in positions for key in required))
    if found is None:
        headers = ", ".join(c.header for c in columns if c.key in required)
        raise BaselineError(f"{path}: the {sheet!r} sheet has no header row with the columns {headers}.")
    return _Table(sheet, found.row + 1, found.columns, rows[found.row + 1:])


def _read_sources(workbook, path: Path) -> list[AgencySource]:
    table = _find_table(workbook, SOURCES_SHEET, SOURCES_COLUMNS, SOURCES_REQUIRED, path)
    sources, problems, seen = [], [], set()
    for offset, row in enumerate(table.rows):
        agency = cell_text(table.get(row, "agency"))
        if not agency.strip():
            continue
        if agency in seen:
            problems.append(Problem(str(path), f"{table.sheet}!{table.cell(offset, 'agency')}",
                                    f"agency {agency!r} is listed twice"))
            continue
        seen.add(agency)
        sectors = tuple(s.strip() for s in cell_text(table.get(row, "sectors")).split(",") if s.strip())
        sources.append(AgencySource(
            agency=agency, sectors=sectors, source=cell_text(table.get(row, "source")),
            sha256=cell_text(table.get(row, "sha256")), generated_at=cell_text(table.get(row, "generated_at")),
            completed_by=cell_text(table.get(row, "completed_by")),
            source_format=cell_text(table.get(row, "source_format")) or "baseline",
        ))
    if problems:
        raise BaselineError(f"{path}: the {SOURCES_SHEET!r} sheet cannot be read back.", problems)
    return sources


_CHOICE_KEYS = tuple(key for key, f in ANSWER_FIELDS.items() if f.kind == "choice")


def _read_answers(workbook, path: Path, guideline: Guideline,
                  agencies: list[AgencySource]) -> tuple[dict[tuple[str, str], Answer], list[Problem]]:
    table = _find_table(workbook, ANSWERS_SHEET, ANSWERS_COLUMNS, ANSWERS_REQUIRED, path)
    known_agencies = {a.agency for a in agencies}
    known_recommendations = {r.id for r in guideline.recommendations}
    answers: dict[tuple[str, str], Answer] = {}
    problems: list[Problem] = []

    def problem(offset: int, key: str, message: str) -> None:
        problems.append(Problem(str(path), f"{table.sheet}!{table.cell(offset, key)}", message))

    for offset, row in enumerate(table.rows):
        agency = cell_text(table.get(row, "agency"))
        rec_id = cell_text(table.get(row, "recommendation")).strip()
        if not agency.strip() and not rec_id:
            continue  # a blank line someone left
        if agency not in known_agencies:
            problem(offset, "agency", f"agency {agency!r} is not on the {SOURCES_SHEET} sheet")
            continue
        if rec_id not in known_recommendations:
            problem(offset, "recommendation", f"{rec_id!r} is not a recommendation of {guideline.ref}")
            continue
        if (agency, rec_id) in answers:
            problem(offset, "recommendation", f"{agency} answers {rec_id} twice")
            continue
        values: dict[str, Any] = {}
        for key in _CHOICE_KEYS:
            text = cell_text(table.get(row, key))
            values[key] = parse_choice(ANSWER_FIELDS[key].vocabulary, text) if text else None
            if text and values[key] is None:
                problem(offset, key, f"{text!r} is not one of {', '.join(VOCABULARIES[ANSWER_FIELDS[key].vocabulary])}")
        try:
            values["deadline"] = parse_date(table.get(row, "deadline"))
        except ValueError:
            problem(offset, "deadline", f"{cell_text(table.get(row, 'deadline'))!r} is not a date (use the Deadline "
                                        "(as written) column for free text)")
        for key in ANSWER_TEXT_KEYS:  # kept exactly as written, spaces included: nothing lost on the way back
            values[key] = cell_text(table.get(row, key), strip=False)
        answers[(agency, rec_id)] = Answer(recommendation=rec_id, **values)
    return answers, problems


def read_merged_workbook(path: Path | str) -> MultiAgencyAssessment:
    """The assessment a merged workbook was written from: every agency's answers, sources and stamps.

    Raises BaselineError (with every problem found) when the file is not a merged workbook, its guideline encoding
    is not installed, or its All answers sheet was edited into something that cannot be read.
    """
    path = Path(path)
    workbook = _open(path)
    try:
        meta = _read_meta(workbook, path)
        guideline = _resolve_guideline(meta, path)
        agencies = _read_sources(workbook, path)
        answers, problems = _read_answers(workbook, path, guideline, agencies)
    finally:
        workbook.close()
    if problems:
        raise BaselineError(f"{path}: the {ANSWERS_SHEET!r} sheet cannot be read back.", problems)
    results = []
    for section in guideline.sections:
        for rec in section.recommendations:
            result = RecommendationResult(rec.id, section.id)
            for source in agencies:  # in the Sources order, which is the merge's agency order
                answer = answers.get((source.agency, rec.id))
                if answer is not None:
                    result.answers[source.agency] = answer
            results.append(result)
    return MultiAgencyAssessment(guideline, agencies, results, meta.get("merged_at", ""),
                                 area=meta.get("area", ""), round=meta.get("round", ""), as_of=_as_of(meta, path))


def _as_of(meta: dict[str, str], path: Path):
    """The date the workbook was merged for; None in a workbook from before it was stamped."""
    try:
        return parse_date(meta.get("as_of") or None)
    except ValueError:
        raise BaselineError(f"{path}: its {META_SHEET} sheet has an as_of that is not a date "
                            f"({meta['as_of']!r}).") from None


def read_merged_meta(path: Path | str) -> dict[str, str]:
    """A merged workbook's stamps (guideline, version, merged_at, as_of…) without reading its sheets."""
    path = Path(path)
    workbook = _open(path)
    try:
        return _read_meta(workbook, path)
    finally:
        workbook.close()


def is_merged_workbook(path: Path | str) -> bool:
    """Cheap: does the file's hidden metadata sheet say kind=merged? Never raises."""
    path = Path(path)
    try:
        workbook = _open(path)
    except BaselineError:
        return False
    try:
        if META_SHEET not in workbook.sheet_names:
            return False
        rows = workbook.get_sheet_by_name(META_SHEET).to_python(skip_empty_area=False, nrows=len(META_ORDER) + 5)
        return any(len(row) >= 2 and cell_text(row[0]).strip() == "kind" and cell_text(row[1]).strip() == KIND
                   for row in rows)
    except Exception:  # a damaged sheet is simply "not a merged workbook" here; the reader explains the details
        return False
    finally:
        workbook.close()
