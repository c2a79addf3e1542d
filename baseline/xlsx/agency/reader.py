"""A returned agency workbook (baseline's own, format 1) -> AgencyReturn + Issues, pointing at the exact cell.

Columns are found by header text and rows by recommendation id, so sorted, filtered, re-saved, re-ordered,
extra-column and extra-row workbooks read the same (DESIGN.md "Reading a return"). The answer rules themselves live
in checks.py; this module only finds the values and their cells.
"""

from __future__ import annotations

import functools
import re
from dataclasses import field
from typing import Any, Callable

from baseline import catalogue
from baseline.assessment import AgencyReturn, Answer
from baseline.checks import AnswerRules
from baseline.digest import unchanged_return
from baseline.issues import FileReport, Issue, make_issue
from baseline.records import record
from baseline.text import EXCEL_CELL_LIMIT, is_too_long, quote
from baseline.xlsx.agency import layout
from baseline.xlsx.agency.layout import ASSESSMENT_SHEET, META_SHEET
from baseline.xlsx.cells import (
    HeaderRow,
    MergedRange,
    cell_ref,
    cell_text,
    column_letter,
    find_header_row,
    grid_value,
    header_matcher,
    normalise_header,
    parse_cell_ref,
    recommendation_id,
    spread_merges,
)
from baseline.xlsx.package import SourceWorkbook, custom_properties, defined_names, formula_cells

HEADER_SEARCH_ROWS = 30  # the header row is row 1 as generated; people insert title rows above it
REQUIRED_META = ("format", "guideline", "version", "fingerprint", "agency")
RECOMMENDATION_ID = re.compile(r"^\d+(\.\d+)+$")
_SECTION_NUMBER = re.compile(r"^\s*\d+\.\d+\b")  # "1.1 Information and support": a section heading row


_STAMP_KEYS = frozenset(layout.STAMP_KEYS)
_cell_position = functools.lru_cache(maxsize=256)(parse_cell_ref)  # the same ten cells in every return


@record
class Metadata:
    """The stamps of a return's _baseline sheet, the cell each was read from, and the problems found."""

    values: dict[str, str]  # from the _baseline sheet, the one stamp every format keeps
    cells: dict[str, str]  # key -> cell of its value on the _baseline sheet ("B3")
    issues: list[Issue] = field(default_factory=list)


def read_metadata(source: SourceWorkbook, file: str) -> Metadata:
    """The three stamps (DESIGN.md "Agency workbook"): the _baseline sheet is mandatory; custom document
    properties and defined names, when present (an .ods or a re-save may lack them), must agree with it."""
    grid = source.rows(META_SHEET)
    values: dict[str, str] = {}
    cells: dict[str, str] = {}
    for r, row in enumerate(grid):
        if len(row) < 2:
            continue
        key = cell_text(row[0])
        if key in _STAMP_KEYS and key not in values:
            values[key] = cell_text(row[1])
            cells[key] = cell_ref(r, 1)
    metadata = Metadata(values, cells)
    if source.checked.kind != "xlsx":
        return metadata

    def disagree(key: str, where: str, other: str, cell: str | None = None, sheet: str | None = None) -> None:
        metadata.issues.append(make_issue(
            "metadata-mismatch",
            f"The workbook's hidden stamps disagree: the '{META_SHEET}' sheet says {key} is {quote(values.get(key, ''))} "
            f"but {where} says {quote(other)}. The workbook has been altered or pieced together from two workbooks; "
            "ask the facilitator for a new one and copy your answers into it.",
            file=file, sheet=sheet or META_SHEET, cell=cell or cells.get(key)))

    for key, value in custom_properties(source.checked).items():
        if key in _STAMP_KEYS and value != values.get(key, ""):
            disagree(key, f"the document property {layout.META_PREFIX}{key}", value)
    for key, (sheet, ref) in defined_names(source.checked).items():
        if key not in _STAMP_KEYS:
            continue
        target = grid_value(grid, *_cell_position(ref)) if sheet == META_SHEET and ref else None
        if target is None or cell_text(target) != values.get(key):
            shown = cell_text(target) if target is not None else f"{sheet}!{ref}"
            disagree(key, f"the defined name {layout.META_PREFIX}{key}", shown)
    return metadata


def read_agency_source(source: SourceWorkbook, report: FileReport) -> AgencyReturn | None:
    """A baseline agency workbook (already opened and safety-checked) -> AgencyReturn | None; every problem an Issue."""
    file = report.path
    add = report.issues.append
    metadata = read_metadata(source, file)
    meta = metadata.values
    report.agency = meta.get("agency") or None
    report.guideline = meta.get("guideline") or None
    report.version = meta.get("version") or None
    absent = [key for key in REQUIRED_META if not meta.get(key)]
    if absent:
        add(make_issue("not-a-baseline-workbook",
                       f"The hidden '{META_SHEET}' sheet that identifies the workbook is incomplete (no "
                       f"{', '.join(absent)}), so the return cannot be matched to the assessment. Ask the facilitator "
                       "for a new workbook and copy your answers into it.", file=file, sheet=META_SHEET))
        return None
    if meta["format"] != str(layout.FORMAT):
        add(make_issue("not-a-baseline-workbook",
                       f"This workbook is in baseline's format {meta['format']}; this version of baseline reads format "
                       f"{layout.FORMAT}. Use the baseline version that generated it, or ask for a new workbook.",
                       file=file, sheet=META_SHEET, cell=metadata.cells.get("format")))
        return None
    report.issues.extend(metadata.issues)

    guideline = catalogue.find_by_fingerprint(meta["guideline"], meta["version"], meta["fingerprint"])
    if guideline is None:
        same_version = any(e.guideline == meta["guideline"].upper() and e.version == meta["version"]
                           for e in catalogue.entries())
        if same_version:
            add(make_issue("fingerprint-mismatch",
                           f"The workbook was generated from a different list of {meta['guideline']} "
                           f"({meta['version']}) recommendations than this installation has (fingerprint "
                           f"{meta['fingerprint']}). The facilitator must validate it with the same recommendation "
                           "files that generated it, or re-issue the workbook.",
                           file=file, sheet=META_SHEET, cell=metadata.cells.get("fingerprint")))
        else:
            add(make_issue("unknown-guideline-version",
                           f"The workbook is for {meta['guideline']} version {meta['version']}, which this installation "
                           "does not know. The facilitator needs that guideline encoding (see `baseline recs list`).",
                           file=file, sheet=META_SHEET, cell=metadata.cells.get("version")))

    sheet_name = find_assessment_sheet(source)
    if sheet_name is None:
        add(make_issue("missing-sheet",
                       f"The '{ASSESSMENT_SHEET}' sheet is missing: no sheet of the workbook has its header row "
                       f"('{layout.COLUMNS_BY_KEY['recommendation'].header}', "
                       f"'{layout.COLUMNS_BY_KEY['relevant'].header}', '{layout.COLUMNS_BY_KEY['meets'].header}'…). "
                       "Put the sheet back, or copy your answers into a new workbook from the facilitator.", file=file))
        return None

    sectors = [s.strip() for s in meta.get("sector", "").split(",") if s.strip()]
    report.issues.extend(_stamp_issues(metadata, sectors, guideline, file))  # issue 11
    answers = read_assessment_table(source.rows(sheet_name), source.merged_ranges(sheet_name),
                                    formula_cells(source.checked, sheet_name), file=file, sheet=sheet_name,
                                    guideline=guideline, add=add)
    if answers is None:
        return None
    if guideline is not None:
        report_missing_recommendations(answers, guideline, sectors, file=file, sheet=sheet_name, add=add)
        order = _view(guideline).order
    else:
        order = {}
    if answers.keys() <= order.keys():
        ordered = sorted(answers, key=order.__getitem__)
    else:
        ordered = sorted(answers, key=lambda rid: (order.get(rid, len(order)), _id_key(rid)))
    agency_return = AgencyReturn(
        agency=meta["agency"], guideline=meta["guideline"], version=meta["version"], fingerprint=meta["fingerprint"],
        sectors=sectors, area=meta.get("area", ""), round=meta.get("round", ""), generated_at=meta.get("generated_at", ""),
        source=str(source.checked.path), source_format="baseline", sha256=source.checked.sha256,
        # Already in order (as generated, unless sorted by hand): kept as read.
        answers=answers if ordered == list(answers) else {rid: answers[rid] for rid in ordered},
    )
    untouched = unchanged_return(agency_return, meta.get("answers_digest", ""))  # a prefilled workbook sent back as is
    if untouched is not None:
        add(untouched)
    return agency_return


class _GuidelineView:
    """What reading needs from an encoding, computed once per encoding rather than once per file."""

    def __init__(self, guideline):
        self.guideline = guideline
        self.order = {r.id: i for i, r in enumerate(guideline.recommendations)}
        # The ids recommendation_id gives back unchanged (all of them, as every encoding writes ids): a cell holding
        # one of these exactly is that recommendation, without the pattern.
        self.plain_ids = frozenset(rid for rid in self.order if recommendation_id(rid) == rid)
        self._expected: dict[tuple[str, ...], tuple[str, ...]] = {}

    def expected(self, sectors: tuple[str, ...]) -> tuple[str, ...]:
        """The ids a workbook for these sectors lists (all of them when no sector is stamped)."""
        if sectors not in self._expected:
            recs = self.guideline.recommendations_for(list(sectors) or None)
            self._expected[sectors] = tuple(r.id for r in recs)
        return self._expected[sectors]


_VIEWS: dict[tuple[str, str, str], _GuidelineView] = {}


def _view(guideline) -> _GuidelineView:
    last = _LAST_VIEW[0]
    if last is not None and last.guideline is guideline:  # the same encoding as the file before (no Guideline is
        return last  # ever changed in place: a reloaded file is a new object), without hashing its ids again
    key = (guideline.guideline, guideline.version, guideline.fingerprint)
    view = _VIEWS.get(key)
    if view is None or view.guideline is not guideline:  # a reloaded file (summaries edited) gets a new view
        view = _VIEWS[key] = _GuidelineView(guideline)
    _LAST_VIEW[0] = view
    return view


_LAST_VIEW: list[_GuidelineView | None] = [None]


def _id_key(identifier: str) -> tuple[int, ...]:
    return tuple(int(p) for p in identifier.split(".")) if RECOMMENDATION_ID.match(identifier) else (10**9,)


_HEADER_MEANING = header_matcher({c.header: c.key for c in layout.ASSESSMENT_COLUMNS})
_LABELS = {c.key: c.header for c in layout.INPUT_COLUMNS}
_OTHER_SHEETS = {normalise_header(name) for name in (META_SHEET, layout.START_SHEET, layout.SUMMARY_SHEET,
                                                      layout.LISTS_SHEET)}


def find_assessment_sheet(source: SourceWorkbook) -> str | None:
    """The sheet holding the answers: 'Assessment' by name (any case), else — renamed ("Our answers") — the first
    other sheet whose rows include the Assessment header row (DESIGN.md: a renamed sheet is read)."""
    by_name = {normalise_header(name): name for name in source.sheet_names}
    if normalise_header(ASSESSMENT_SHEET) in by_name:
        return by_name[normalise_header(ASSESSMENT_SHEET)]
    for name in source.sheet_names:
        if normalise_header(name) not in _OTHER_SHEETS and find_columns(source.rows(name)) is not None:
            return name
    return None


def find_columns(grid: list[list[Any]]) -> HeaderRow | None:
    """The header row of an Assessment table, and its columns, found by header text (cells.header_matcher)."""
    return find_header_row(grid, _HEADER_MEANING, search_rows=HEADER_SEARCH_ROWS,
                           accept=lambda columns: "recommendation" in columns and len(columns) >= 2)


def report_missing_recommendations(answers: dict[str, Answer], guideline, sectors: list[str], *, file: str,
                                   sheet: str, add: Callable[[Issue], None]) -> None:
    for rec_id in _view(guideline).expected(tuple(sectors)):
        if rec_id not in answers:
            add(make_issue("missing-recommendation",
                           f"Recommendation {rec_id} is missing from the {sheet} sheet (its row was deleted or its "
                           "number changed). Put the row back: copy it from the original workbook, or ask the "
                           "facilitator for a new one.", file=file, sheet=sheet, recommendation=rec_id))


def read_assessment_table(grid: list[list[Any]], merged: list[MergedRange], formulas: dict[tuple[int, int], str], *,
                          file: str, sheet: str, guideline, add: Callable[[Issue], None]) -> dict[str, Answer] | None:
    """An Assessment table (from the workbook, or a CSV export of it) -> one Answer per recommendation row, every
    problem an Issue at its cell; None when it has no recognisable header row. `grid` is changed in place: merged
    values spread over the cells they cover (cells.spread_merges)."""
    return _AssessmentSheet(grid, merged, formulas, file, sheet, guideline).read(add)


class _AssessmentSheet:
    """Reads the Assessment grid: header row, columns by header text, one Answer per recommendation row."""

    def __init__(self, grid: list[list[Any]], merged: list[MergedRange], formulas: dict[tuple[int, int], str],
                 file: str, sheet: str, guideline):
        self.grid = grid
        self.merged_from = spread_merges(grid, merged) if merged else {}
        self.formulas = formulas
        self.file = file
        self.sheet = sheet
        self.guideline = guideline
        view = _view(guideline) if guideline is not None else None
        self.known_ids = view.order if view is not None else None
        self.plain_ids = view.plain_ids if view is not None else frozenset()

    def issue(self, code: str, message: str, row: int | None = None, col: int | None = None,
              recommendation: str | None = None) -> Issue:
        cell = cell_ref(row, col) if row is not None and col is not None else None
        return make_issue(code, message, file=self.file, sheet=self.sheet, cell=cell, recommendation=recommendation)

    def read(self, add: Callable[[Issue], None]) -> dict[str, Answer] | None:
        found = find_columns(self.grid)
        if found is None:
            needed = ", ".join(f"'{layout.COLUMNS_BY_KEY[k].header}'" for k in layout.REQUIRED_COLUMNS)
            add(self.issue("missing-column",
                           f"The {self.sheet} sheet has no header row with the columns {needed}: the headers were "
                           "changed or deleted. Put the original header texts back."))
            return None
        header_row, columns = found.row, found.columns
        for column in layout.ASSESSMENT_COLUMNS:
            if (column.is_input or column.key in layout.REQUIRED_COLUMNS) and column.key not in columns:
                add(self.issue("missing-column",
                               f"The column '{column.header}' is missing from the {self.sheet} sheet (deleted, or "
                               f"its header text changed). Put the header '{column.header}' back on row "
                               f"{header_row + 1} above that column."))
        if "recommendation" not in columns:
            return None

        rules = AnswerRules(file=self.file, sheet=self.sheet, labels=_LABELS, add=add, cell_ref=cell_ref,
                            merged_from=self.merged_from)
        for col, key in found.copies.items():
            if key in _LABELS and (header_row, col) not in self.merged_from:  # a merged header is no copy
                rules.duplicate_column(key, (header_row, columns[key]), (header_row, col))
        answers: dict[str, Answer] = {}
        first_row: dict[str, int] = {}
        unnumbered: list[int] = []  # rows with no recommendation number: headings, notes, blank rows
        last_numbered = header_row
        id_col = columns["recommendation"]
        inputs = [(column.key, columns[column.key], column_letter(columns[column.key]))
                  for column in layout.INPUT_COLUMNS if column.key in columns]
        plain_columns = {key: c for key, c, _ in inputs}
        row_refs = _row_refs(tuple((key, letter) for key, _, letter in inputs))
        plain_ids, known_ids, plain_answer = self.plain_ids, self.known_ids, rules.plain_answer
        # Rows with a merged or formula cell take the general path (_answer); every other row the plain one.
        special_rows = {r for r, _ in self.merged_from} | {r for r, _ in self.formulas}
        grid = self.grid
        for r in range(header_row + 1, len(grid)):
            row = grid[r]
            typed = row[id_col] if id_col < len(row) else ""
            if typed.__class__ is str:  # a blank cell (a heading row's) is no id: passed over first
                rec_id = typed if typed in plain_ids else recommendation_id(typed) if typed else None
            else:
                rec_id = None
            if rec_id is None:
                unnumbered.append(r)
                continue
            last_numbered = r
            if known_ids is not None and rec_id not in known_ids:
                add(self.issue("unknown-recommendation",
                               f"Cell {cell_ref(r, id_col)} says {quote(typed)}, which is not a recommendation of "
                               f"this assessment. Put back the recommendation number that was there, or delete "
                               "the row if you added it.", r, id_col))
                continue
            if rec_id in answers:
                add(self.issue("duplicate-recommendation",
                               f"Recommendation {rec_id} appears twice: on row {first_row[rec_id] + 1} and again in cell "
                               f"{cell_ref(r, id_col)}. Keep one row with your answers and delete the other; only the "
                               "first was read.", r, id_col, rec_id))
                continue
            first_row[rec_id] = r
            answer = None
            if r not in special_rows:
                answer = plain_answer(rec_id, r, row, plain_columns, row_refs(r))
            answers[rec_id] = answer if answer is not None else self._answer(rules, rec_id, r, row, inputs)
        self._stray(rules, unnumbered, last_numbered, inputs, columns.get("section"))
        rules.finish()
        return answers

    def _stray(self, rules: AnswerRules, rows: list[int], last_numbered: int,
               inputs: list[tuple[str, int, str]], section_col: int | None) -> None:
        """What people type outside the recommendation rows is reported, never silently dropped: in an answer
        column of a section heading row (wherever a sort put it) or of another row inside the table, or anywhere
        under the table. Values a merge spread there were not typed there (a heading merged across the row)."""
        covered = self.merged_from
        for r in rows:
            row = self.grid[r]
            width = len(row)
            # Inside the table (most such rows: the section headings) or a heading row below it.
            if r < last_numbered or (section_col is not None and section_col < width
                                     and row[section_col].__class__ is str
                                     and _SECTION_NUMBER.match(row[section_col]) is not None):
                for key, c, _ in inputs:
                    if c < width and row[c] != "" and (r, c) not in covered and cell_text(row[c]):
                        rules.answer_on_heading_row((r, c), row[c], key, cell_text)
                continue
            # A blank cell ("", the usual one) is passed over before anything else is asked of it.
            first = next((c for c, value in enumerate(row)
                          if value != "" and (r, c) not in covered and cell_text(value)), None)
            if first is not None:
                rules.note_below_table((r, first), row[first], cell_text)

    def _answer(self, rules: AnswerRules, rec_id: str, r: int, row: list[Any],
                inputs: list[tuple[str, int, str]]) -> Answer:
        # The hot loop of validate and merge (200 returns x 50 rows x 9 cells): keep it to lookups.
        width = len(row)
        formulas = self.formulas
        covered = self.merged_from
        number = str(r + 1)
        cells: dict[str, tuple[Any, tuple[int, int]]] = {}
        refs: dict[str, str] = {}
        for key, c, letter in inputs:
            raw = row[c] if c < width else ""
            if covered and (r, c) in covered:  # the merged range's value, held by its top-left cell
                cells[key] = (raw, (r, c))
                refs[key] = cell_ref(*covered[(r, c)])
                continue
            if formulas and (r, c) in formulas:
                raw = rules.formula(rec_id, key, (r, c), formulas[(r, c)], cell_text(raw))
            cells[key] = (raw, (r, c))
            refs[key] = letter + number
        return rules.answer(rec_id, cells, cell_text, refs)


# Answer.cells of a plain row, by the columns' (key, letter) and the row: the same in every return of one layout, so
# each is built once per process and copied (each Answer keeps its own dict). Bounded: a hostile sheet's rows and
# layouts only cost building them as before.
_ROW_REFS: dict[tuple[tuple[str, str], ...], dict[int, dict[str, str]]] = {}
_MAX_LAYOUTS, _MAX_ROWS_KEPT = 32, 1024


def _row_refs(layout_letters: tuple[tuple[str, str], ...]) -> Callable[[int], dict[str, str]]:
    """0-based row -> a new dict of each answer key's cell on that row ({"relevant": "D7", ...})."""
    built = _ROW_REFS.get(layout_letters)
    if built is None:
        if len(_ROW_REFS) >= _MAX_LAYOUTS:
            _ROW_REFS.clear()
        built = _ROW_REFS[layout_letters] = {}

    def refs(r: int) -> dict[str, str]:
        template = built.get(r)
        if template is None:
            number = str(r + 1)
            template = {key: letter + number for key, letter in layout_letters}
            if len(built) < _MAX_ROWS_KEPT:
                built[r] = template
            else:
                return template
        return template.copy()

    return refs


def _stamp_issues(metadata: Metadata, sectors: list[str], guideline, file: str) -> list[Issue]:
    """Stamps no generated workbook has (issue 11): text over a cell's limit (merge could not write it), a sector
    the guideline does not know (the recommendations listed for it would be guessed)."""
    issues = [make_issue("text-too-long",
                         f"The hidden stamp {key} is {len(value):,} characters long, more than a spreadsheet cell can "
                         f"hold ({EXCEL_CELL_LIMIT:,}). The workbook has been altered; ask the facilitator for a new one "
                         "and copy your answers into it.", file=file, sheet=META_SHEET, cell=metadata.cells.get(key))
              for key, value in metadata.values.items() if is_too_long(value)]
    unknown = [s for s in sectors if guideline is not None and s not in guideline.sectors]
    if unknown:
        issues.append(make_issue(
            "unknown-sector",
            f"The hidden stamps name sector {', '.join(map(quote, unknown))}, which {guideline.ref} does not have "
            f"(it has {', '.join(guideline.sectors)}). The workbook has been altered; ask the facilitator for a new "
            "one and copy your answers into it.", file=file, sheet=META_SHEET, cell=metadata.cells.get("sector")))
    return issues
