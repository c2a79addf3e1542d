"""A filled-in NICE baseline assessment tool read as an agency return.

NICE's tool carries no agency stamp, so the agency (and its sectors) come from the facilitator: `--as-agency NAME`
or the assessment config's `files` patterns (config.AgencyMap.from_config). The guideline version is the tool's Updated (else
Published) date, and its recommendation numbers are matched against the encoding of that version, never by
position or text. The answer rules live in checks.py; this module only finds the values and their cells.
"""

from __future__ import annotations

from typing import Any

from baseline import catalogue
from baseline.assessment import AgencyReturn, Answer
from baseline.checks import AnswerRules
from baseline.config import AgencyAssignment, AgencyMap
from baseline.guideline import Guideline
from baseline.issues import FileReport, make_issue
from baseline.xlsx.cells import MergedRange, cell_ref, cell_text, normalise_header, recommendation_id, spread_merges
from baseline.xlsx.nice.layout import (
    ANSWER_KEYS,
    DATA_SHEET,
    INTRODUCTION_SHEET,
    SECTION_HEADING,
    SOURCE_FORMAT,
    Grid,
    assign_columns,
    column_meaning,
    facts_from_grids,
    find_nice_header,
)
from baseline.xlsx.package import SourceWorkbook, formula_cells, hidden_column_ranges


def _import_hint(path: str, guideline_id: str, version: str) -> str:
    return (f"Import NICE's tool once: `baseline recs import \"{path}\" -o DIR/{guideline_id.lower()}/{version}.yaml`, "
            f"then `export BASELINE_RECOMMENDATIONS=DIR` and validate again.")


class _ReturnSheet:
    """The Data sheet of a filled-in NICE tool, read into Answers with issues at the exact cell."""

    def __init__(self, rows: list[list[Any]], merged: list[MergedRange], formulas: dict[tuple[int, int], str],
                 sheet: str, file: str, add, hidden: list[tuple[int, int]] = ()):
        # NICE suggests merging one answer over several recommendations: the one rule for merged cells
        # (cells.spread_merges) gives the value to every row it covers, and never reads what is hidden under it.
        self.merged_from = spread_merges(rows, merged) if merged else {}  # 0-based
        self.grid = Grid(rows, [], {})
        self.formulas = formulas
        self.hidden = list(hidden)  # 1-based inclusive ranges of hidden columns: a hidden copy is never read first
        self.sheet = sheet
        self.file = file
        self.add = add

    def issue(self, code: str, message: str, row: int | None = None, col: int | None = None,
              recommendation: str | None = None) -> None:
        cell = cell_ref(row - 1, col - 1) if row is not None and col is not None else None
        self.add(make_issue(code, message, file=self.file, sheet=self.sheet, cell=cell, recommendation=recommendation))

    def columns(self) -> tuple[int, dict[str, int], dict[int, str]] | None:
        found = find_nice_header(self.grid)
        if found is None:
            self.add(make_issue(
                "not-a-baseline-workbook",
                f"This looks like NICE's own baseline assessment tool (it has a '{self.sheet}' sheet), but that sheet "
                "has no header row baseline recognises (NICE's has 'Guideline recommendation', 'Is the recommendation "
                "relevant to your service or organisation?', 'Does your service or organisation meet the "
                "recommendation?' …), so no answer can be read. Put NICE's header row back, or fill in the workbook "
                "the facilitator sent your agency.", file=self.file, sheet=self.sheet))
            return None
        header_row, _, headers = found
        hidden = {col for col in headers if any(low <= col <= high for low, high in self.hidden)}
        columns = assign_columns(self.grid, header_row, headers, hidden, [])
        for key, wanted in (("number", "'Guideline recommendation' (the recommendation numbers, like 1.1.1)"),
                            ("relevant", "'Is the recommendation relevant to your service or organisation?'"),
                            ("meets", "'Does your service or organisation meet the recommendation?'")):
            if key not in columns:
                self.issue("missing-column",
                           f"The column {wanted} is missing from the '{self.sheet}' sheet, or its header was changed "
                           f"beyond recognition. Put it back on row {header_row}.")
        if "number" not in columns:
            return None
        return header_row, columns, headers

    def read(self, header_row: int, columns: dict[str, int], headers: dict[int, str]) -> dict[str, Answer]:
        answers: dict[str, Answer] = {}
        first_row: dict[str, int] = {}
        number_col = columns["number"]
        # Cost and capacity have no place in an Answer (see the README).
        inputs = [(key, columns[key]) for key in ANSWER_KEYS if key in columns and key not in ("cost", "capacity")]
        labels = {key: headers.get(col, key) for key, col in inputs}
        rules = AnswerRules(file=self.file, sheet=self.sheet, labels=labels, add=self.add, cell_ref=cell_ref,
                            merged_from=self.merged_from)
        for col, header in sorted(headers.items()):  # a copied answer column: the first is read, the copy reported
            key = column_meaning(header)
            if key in labels and columns[key] != col and (header_row - 1, col - 1) not in self.merged_from:
                rules.duplicate_column(key, (header_row - 1, columns[key] - 1), (header_row - 1, col - 1))
        unnumbered: list[int] = []
        last_numbered = header_row
        for r in range(header_row + 1, len(self.grid.values) + 1):
            number = recommendation_id(self.grid.get(r, number_col))
            if number is None:
                unnumbered.append(r)  # headings, explanations, blank rows and notes below the table
                continue
            last_numbered = r
            if number in answers:
                self.issue("duplicate-recommendation",
                           f"Recommendation {number} appears twice: on row {first_row[number]} and again in cell "
                           f"{cell_ref(r - 1, number_col - 1)}. Keep one row with your answers and delete the other; "
                           "only the first was read.", r, number_col, number)
                continue
            first_row[number] = r
            answers[number] = self._answer(rules, number, r, inputs)
        answer_columns = [(key, columns[key]) for key in ANSWER_KEYS if key in columns]
        self._stray(rules, unnumbered, last_numbered, answer_columns, columns.get("text"))
        rules.finish()
        return answers

    def _stray(self, rules: AnswerRules, rows: list[int], last_numbered: int,
               answer_columns: list[tuple[str, int]], text_col: int | None) -> None:
        """Answers typed on heading rows (wherever a sort put them), and notes under the table, are reported
        (never silently dropped); a heading merged across the row is not typed in the answer columns."""
        covered = self.merged_from
        for r in rows:
            values = self.grid.values[r - 1]
            heading = SECTION_HEADING.match(cell_text(self.grid.get(r, text_col))) is not None
            if heading or r < last_numbered:
                for key, col in answer_columns:
                    value = self.grid.get(r, col)
                    if (r - 1, col - 1) not in covered and cell_text(value):
                        rules.answer_on_heading_row((r - 1, col - 1), value, key if key in rules.labels else None,
                                                    cell_text)
                continue
            first = next((c for c, value in enumerate(values) if (r - 1, c) not in covered and cell_text(value)), None)
            if first is not None:
                rules.note_below_table((r - 1, first), values[first], cell_text)

    def _answer(self, rules: AnswerRules, number: str, r: int, inputs: list[tuple[str, int]]) -> Answer:
        """The values of one recommendation row (a merged value is already spread over the rows it covers; the
        Answer points at the cell that holds it)."""
        cells: dict[str, tuple[Any, tuple[int, int]]] = {}
        refs: dict[str, str] = {}
        covered = self.merged_from
        for key, col in inputs:
            at = (r - 1, col - 1)
            raw = self.grid.get(r, col)
            source = covered.get(at, at)
            formula = self.formulas.get(source)
            if formula is not None:
                if source == at:  # a merged formula is reported once, on its own row
                    raw = rules.formula(number, key, at, formula, cell_text(raw))
                else:
                    raw = cell_text(raw) or formula
            cells[key] = (raw, at)
            refs[key] = cell_ref(*source)
        return rules.answer(number, cells, cell_text, refs)


def read_nice_source(source: SourceWorkbook, report: FileReport, agencies: AgencyMap | None) -> AgencyReturn | None:
    """A filled-in NICE tool (already opened and safety-checked by the reader) -> AgencyReturn | None.

    Every problem becomes an Issue in `report`; nothing is raised for bad input. The return is None when it cannot
    be attributed (no agency given, no encoding of its guideline version) or its Data sheet cannot be read.
    """
    file = report.path
    add = report.issues.append
    names = list(source.sheet_names)
    sheet = next((n for n in names if normalise_header(n) == normalise_header(DATA_SHEET)), None)
    if sheet is None:  # the reader only dispatches here when it has one; keep the guard for direct callers
        add(make_issue("missing-sheet", f"NICE's tool keeps its answers on a '{DATA_SHEET}' sheet; this file has none.",
                       file=file))
        return None
    rows = source.rows(sheet)
    merged = source.merged_ranges(sheet)
    intro = [n for n in names if normalise_header(n) == normalise_header(INTRODUCTION_SHEET)]
    guideline_id, _title, published, updated = facts_from_grids(
        [source.rows(n) for n in intro] + [rows], [])
    version = updated or published
    report.guideline, report.version = guideline_id, version
    assignment = agencies.for_path(file) if agencies is not None else None
    report.agency = assignment.agency if assignment else None

    data = _ReturnSheet(rows, merged, formula_cells(source.checked, sheet), sheet, file, add,
                        hidden_column_ranges(source.checked, sheet))
    found = data.columns()
    if found is None:
        return None  # no header row or no number column: nothing can be matched, and the issue says why
    answers = data.read(*found)

    guideline = None
    if not guideline_id:
        add(make_issue("unknown-guideline-version",
                       "This looks like NICE's own baseline assessment tool, but its title (first cell of the "
                       "Introduction sheet: 'Baseline assessment tool for … (NGxxx)') is missing or changed, so the "
                       "guideline cannot be told. Put the title back, or use the workbook the facilitator sent.",
                       file=file, sheet=intro[0] if intro else sheet, cell="A1"))
    elif not version:
        add(make_issue("unknown-guideline-version",
                       f"This NICE tool for {guideline_id} has no 'Published: <date>' (or 'Updated: <date>') line on "
                       "its Introduction sheet, so the guideline version cannot be told. Put the line back as NICE "
                       "issued it.", file=file, sheet=intro[0] if intro else sheet))
    else:
        guideline, known = catalogue.find_version(guideline_id, version)
        if guideline is None:
            have = f"versions {', '.join(known)}" if known else "no encoding of it"
            add(make_issue("unknown-guideline-version",
                           f"This NICE tool is for {guideline_id} as published or last updated on {version}; this "
                           f"installation has {have}. {_import_hint(file, guideline_id, version)}",
                           file=file, sheet=intro[0] if intro else sheet))
    if assignment is None:
        how = (f"no files pattern in {agencies.source} matches this file name" if agencies and agencies.source
               else "none was given")
        add(make_issue("agency-unknown",
                       f"NICE's own tool does not say which agency filled it in, and {how}. Give the agency a files "
                       "pattern in the assessment config (files: [\"council*.xlsx\"], with --config CONFIG.yaml), or "
                       "name it with `--as-agency NAME` (one file).", file=file))
    elif guideline is not None:
        unknown = [s for s in assignment.sectors if s not in guideline.sectors]
        if unknown:
            add(make_issue("agency-unknown",
                           f"The sector(s) {', '.join(map(repr, unknown))} given for {assignment.agency} are not in "
                           f"{guideline.ref}'s list: {', '.join(guideline.sectors)}.", file=file))

    if guideline is None:
        return None
    _check_ids(answers, guideline, assignment, file, sheet, found[1]["number"], data, add)
    if assignment is None:
        return None
    order = {r.id: i for i, r in enumerate(guideline.recommendations)}
    known_answers = {rid: answers[rid] for rid in sorted((a for a in answers if a in order), key=order.__getitem__)}
    return AgencyReturn(
        agency=assignment.agency, guideline=guideline.guideline, version=guideline.version,
        fingerprint=guideline.fingerprint, sectors=list(assignment.sectors), area="", generated_at="",
        source=str(source.checked.path), source_format=SOURCE_FORMAT, sha256=source.checked.sha256,
        answers=known_answers,
    )


def _check_ids(answers: dict, guideline: Guideline, assignment: AgencyAssignment | None, file: str, sheet: str,
               number_col: int, data: _ReturnSheet, add) -> None:
    """Numbers of the return against the encoding: unknown ones, and expected ones that are missing."""
    known = {r.id for r in guideline.recommendations}
    unknown = [rid for rid in answers if rid not in known]
    if unknown and not guideline.encoding_complete:
        # Our encoding is partial and NICE's tool has them all: one issue saying exactly that, not one per row.
        shown = ", ".join(unknown[:12]) + (f" and {len(unknown) - 12} more" if len(unknown) > 12 else "")
        add(make_issue("unknown-recommendation",
                       f"NICE's tool lists {len(unknown)} recommendation(s) that the {guideline.ref} encoding in use "
                       f"does not have, because that encoding is partial: {shown}. Their answers cannot be merged "
                       f"until it is complete. {_import_hint(file, guideline.guideline, guideline.version)}",
                       file=file, sheet=sheet))
    else:
        for rid in unknown:
            data.issue("unknown-recommendation",
                       f"Recommendation number {rid} is not a recommendation of {guideline.ref}. Put back the number "
                       "NICE's tool had there, or delete the row if you added it.",
                       _row_of(data, rid, number_col), number_col, rid)
    expected = guideline.recommendations_for(list(assignment.sectors) if assignment and assignment.sectors else None)
    for rec in expected:
        if rec.id not in answers:
            add(make_issue("missing-recommendation",
                           f"Recommendation {rec.id} of {guideline.ref} is not in this NICE tool (its row was deleted "
                           "or its number changed). Put the row back from NICE's original tool. If NICE's tool never "
                           f"had it, the encoding is wrong: check it with `baseline recs verify {guideline.ref} "
                           "--against NICE_BAT.xlsx`.",
                           file=file, sheet=sheet, recommendation=rec.id))


def _row_of(data: _ReturnSheet, rid: str, number_col: int) -> int | None:
    for r in range(1, len(data.grid.values) + 1):
        if recommendation_id(data.grid.get(r, number_col)) == rid:
            return r
    return None
