"""The structure of a NICE baseline assessment tool: sections, sub-headings, recommendation numbers, text and
years, read with openpyxl (fills help tell headings apart). Used by `recs import` and `recs verify`.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import field
from pathlib import Path
from typing import Any

import openpyxl

from baseline.guideline import id_key
from baseline.issues import BaselineError
from baseline.records import record
from baseline.xlsx.cells import cell_text, normalise_header, recommendation_id
from baseline.xlsx.nice.layout import (
    DATA_SHEET,
    EXPLANATORY_FILL,
    FACT_COLUMNS,
    FACT_ROWS,
    INTRODUCTION_SHEET,
    SECTION_FILL,
    SECTION_HEADING,
    SUBHEADING_FILL,
    Grid,
    assign_columns,
    facts_from_grids,
    find_nice_header,
    letter,
    normalise_text,
)
from baseline.xlsx.untrusted import FileRefused, check_untrusted


@record
class BatRecommendation:
    """A recommendation as NICE's baseline assessment tool lists it, and its row."""

    id: str
    text: str | None
    year: str | None
    row: int


@record
class BatSubsection:
    """A subsection heading in NICE's tool, its row and the recommendations under it."""

    title: str
    row: int
    recommendations: list[str] = field(default_factory=list)


@record
class BatSection:
    """A section of NICE's tool: its heading (when it has one), subsections and recommendations."""

    id: str
    title: str | None  # None when the tool has recommendations of this section but no heading row for it
    row: int | None
    subsections: list[BatSubsection] = field(default_factory=list)
    recommendations: list[BatRecommendation] = field(default_factory=list)


@record
class NiceBat:
    """What a NICE baseline assessment tool says about its guideline: ids, headings, text, dates."""

    path: str
    guideline: str | None  # "NG225", from the title
    title: str | None  # "Self-harm: assessment, …" (NICE lower-cases its first letter in the tool; restored)
    published: str | None  # ISO dates from the Introduction sheet
    updated: str | None
    sheet: str
    header_row: int
    columns: dict[str, int]  # meaning -> 1-based column index
    headers: dict[int, str]  # column index -> header text as found
    hidden_columns: list[int]
    sections: list[BatSection]
    explanatory_rows: list[int]
    duplicates: list[tuple[str, int, int]]  # (id, row, row of its first occurrence)
    notes: list[str]  # what the reader noticed and worked round, for the user

    @property
    def version(self) -> str | None:
        """The NICE date this tool reflects: its update date, else its publication date."""
        return self.updated or self.published

    @property
    def recommendations(self) -> list[BatRecommendation]:
        return [r for s in self.sections for r in s.recommendations]

    @property
    def ids(self) -> list[str]:
        return [r.id for r in self.recommendations]

    def column_letter(self, key: str) -> str | None:
        return letter(self.columns[key]) if key in self.columns else None


def open_workbook(path: Path | str) -> tuple[Any, list[str]]:
    """Load a workbook (values, not formulas) after the shared safety checks (size, zip bombs, DTDs, encryption);
    returns it and openpyxl's warnings as text. Any refusal or failure is a BaselineError naming the file."""
    path = Path(path)
    try:
        checked = check_untrusted(path)
    except FileRefused as refused:
        raise BaselineError(f"Cannot read {path}: {refused.message}") from None
    with checked:
        if checked.kind != "xlsx":
            raise BaselineError(f"{path} is a LibreOffice spreadsheet (.ods); NICE's tool is read as .xlsx: save it "
                                "as an Excel workbook and try again.")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                workbook = openpyxl.load_workbook(io.BytesIO(checked.data), data_only=True)
            except Exception as exc:  # openpyxl raises many types for a damaged file; none may escape as a traceback
                raise BaselineError(f"{path} could not be read as an Excel workbook: {exc}") from None
    return workbook, [f"openpyxl: {w.message}" for w in caught]


def _fill(cell) -> str | None:
    fill = getattr(cell, "fill", None)
    if fill is None or fill.fill_type != "solid":
        return None
    rgb = getattr(fill.fgColor, "rgb", None)
    return rgb[-6:].upper() if isinstance(rgb, str) and len(rgb) >= 6 else None


def _find_sheet(workbook, wanted: str):
    for ws in workbook.worksheets:
        if normalise_header(ws.title) == normalise_header(wanted):
            return ws
    return None


def _introduction_facts(workbook, notes: list[str]) -> tuple[str | None, str | None, str | None, str | None]:
    """(guideline id, title, published, updated) from an openpyxl workbook."""
    candidates = [ws for ws in (_find_sheet(workbook, INTRODUCTION_SHEET), _find_sheet(workbook, DATA_SHEET)) if ws]
    candidates += [ws for ws in workbook.worksheets if ws not in candidates]
    return facts_from_grids(
        ([[c.value for c in row] for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, FACT_ROWS),
                                                          max_col=min(ws.max_column, FACT_COLUMNS))]
         for ws in candidates),
        notes,
    )


def _grid(ws) -> Grid:
    values: list[list[Any]] = []
    fills: list[list[str | None]] = []
    for row in ws.iter_rows():
        values.append([c.value for c in row])
        fills.append([_fill(c) for c in row])
    merged_from: dict[tuple[int, int], tuple[int, int]] = {}
    for merged in ws.merged_cells.ranges:
        # Down the first column only: across columns the value belongs to the top-left cell's own column.
        for r in range(merged.min_row + 1, merged.max_row + 1):
            merged_from[(r, merged.min_col)] = (merged.min_row, merged.min_col)
    return Grid(values, fills, merged_from)


def _hidden_columns(ws) -> set[int]:
    """1-based indices of hidden columns (a hidden range like E:F is stored once, under E)."""
    hidden: set[int] = set()
    for dimension in ws.column_dimensions.values():
        if dimension.hidden and dimension.min:
            hidden.update(range(dimension.min, (dimension.max or dimension.min) + 1))
    return hidden


def _row_kind(text: str, fill: str | None) -> str:
    """section | subheading | explanatory, for a row with text but no recommendation number."""
    if SECTION_HEADING.match(text):
        return "section"
    if fill == SECTION_FILL:  # NICE styles sub-sub-headings like section headings, but without a number
        return "subsubheading"
    if fill == SUBHEADING_FILL:
        return "subheading"
    if fill == EXPLANATORY_FILL:
        return "explanatory"
    # Recoloured or unstyled: headings are short single lines without a full stop; explanations are sentences.
    return "subheading" if len(text) <= 120 and "\n" not in text and not text.rstrip().endswith((".", ":")) else "explanatory"


def _locate_data_sheet(workbook):
    """The sheet holding the recommendations: `Data sheet` if it has a header row, else the first one that does."""
    preferred = _find_sheet(workbook, DATA_SHEET)
    ordered = ([preferred] if preferred is not None else []) + [ws for ws in workbook.worksheets if ws is not preferred]
    for ws in ordered:
        if ws.sheet_state != "visible" and ws is not preferred:
            continue
        grid = _grid(ws)
        found = find_nice_header(grid)
        if found is not None:
            return ws, grid, found
    return None


def read_bat(path: Path | str) -> NiceBat:
    """Read the structure of a NICE baseline assessment tool. A file that is not one raises BaselineError."""
    path = Path(path)
    workbook, notes = open_workbook(path)
    try:
        return _read_structure(workbook, path, notes)
    finally:
        workbook.close()


def _read_structure(workbook, path: Path, notes: list[str]) -> NiceBat:
    located = _locate_data_sheet(workbook)
    if located is None:
        raise BaselineError(
            f"{path} does not look like a NICE baseline assessment tool: no sheet has a header row with columns such "
            "as 'Guideline recommendation', 'Is the recommendation relevant…' and 'Deadline'."
        )
    ws, grid, (header_row, _, headers) = located
    hidden = _hidden_columns(ws) & set(headers)
    columns = assign_columns(grid, header_row, headers, hidden, notes)
    if "number" not in columns:
        raise BaselineError(f"{path}: sheet {ws.title!r} has no column of recommendation numbers (like 1.1.1) "
                            f"below its header row {header_row}.")
    guideline, title, published, updated = _introduction_facts(workbook, notes)

    number_col, text_col, year_col = columns["number"], columns.get("text"), columns.get("year")
    sections: dict[str, BatSection] = {}
    current: BatSection | None = None
    subsection: BatSubsection | None = None
    explanatory: list[int] = []
    seen: dict[str, int] = {}
    duplicates: list[tuple[str, int, int]] = []
    previous_id: str | None = None
    out_of_order = False
    # The last dark-blue heading without a number, with the sub-headings after it: a section heading that lost its
    # number if the next recommendation starts a new section, else a sub-sub-heading.
    unnumbered: tuple[int, str, list[BatSubsection]] | None = None

    def value(row: list[Any], col: int | None) -> Any:
        return row[col - 1] if col is not None and 0 < col <= len(row) else None

    for row_number, row in enumerate(grid.values[header_row:], start=header_row + 1):
        number = recommendation_id(value(row, number_col))
        if number is not None:
            if number in seen:
                duplicates.append((number, row_number, seen[number]))
                continue
            seen[number] = row_number
            if previous_id is not None and id_key(number) < id_key(previous_id):
                out_of_order = True
            previous_id = number
            section_id = ".".join(number.split(".")[:2])
            section = sections.get(section_id)
            if section is None and unnumbered is not None:
                # A section heading without its number (styled as one): it names the section that starts here.
                heading_row, heading, since = unnumbered
                section = sections[section_id] = BatSection(section_id, heading, heading_row)
                for moved in since:  # sub-headings between that heading and here belong to the new section
                    if current is not None and moved in current.subsections:
                        current.subsections.remove(moved)
                    section.subsections.append(moved)
                current, subsection = section, (since[-1] if since else None)
                notes.append(f"section {section_id} has no numbered heading; row {heading_row} above its first "
                             "recommendation is used")
            elif section is None:
                section = sections[section_id] = BatSection(section_id, None, None)
                current, subsection = section, None
                notes.append(f"recommendation {number} (row {row_number}) has no section heading row for {section_id}")
            unnumbered = None
            text = normalise_text(value(row, text_col)) or None
            if text is None:
                notes.append(f"recommendation {number} (row {row_number}) has no text")
            section.recommendations.append(BatRecommendation(number, text, _year(value(row, year_col)), row_number))
            if subsection is not None and current is section:
                subsection.recommendations.append(number)
            continue
        text_value = value(row, text_col)
        if not (isinstance(text_value, str) and text_value.strip()):
            # A heading merged across the row, or a sheet whose text column moved: first text in the row.
            text_value = next((v for v in row if isinstance(v, str) and v.strip()), None)
        if text_value is None:
            continue
        text = normalise_text(text_value)
        fill = next((f for v, f in zip(row, grid.fills[row_number - 1]) if v is text_value), None)
        kind = _row_kind(text, fill)
        if kind == "section":
            m = SECTION_HEADING.match(text)
            section_id, heading = m.group(1), " ".join(m.group(2).split())
            existing = sections.get(section_id)
            if existing is None:
                current = sections[section_id] = BatSection(section_id, heading, row_number)
            else:
                if existing.title is None:
                    existing.title, existing.row = heading, row_number
                else:
                    notes.append(f"section heading {section_id} appears again at row {row_number}: the first is kept")
                current = existing
            subsection, unnumbered = None, None
        elif kind in ("subheading", "subsubheading"):
            heading = text.replace("\n", " ")
            plain = heading
            if kind == "subsubheading" and subsection is not None:
                parent = subsection.title.split(" \u2014 ")[0]
                heading = f"{parent} \u2014 {heading}"  # keep the sub-heading it sits under
            subsection = BatSubsection(heading, row_number)
            if current is not None:
                current.subsections.append(subsection)
            if kind == "subsubheading" and unnumbered is None:
                unnumbered = (row_number, plain, [])
            elif unnumbered is not None:
                unnumbered[2].append(subsection)
        else:
            explanatory.append(row_number)
    if out_of_order:
        notes.append("the rows are not in recommendation order (was the sheet sorted?); sub-headings may be misplaced")

    ordered = sorted(sections.values(), key=lambda s: id_key(s.id))
    for section in ordered:
        section.recommendations.sort(key=lambda r: id_key(r.id))
        section.subsections = [s for s in section.subsections if s.recommendations]
    return NiceBat(
        path=str(path), guideline=guideline, title=title, published=published, updated=updated, sheet=ws.title,
        header_row=header_row, columns=columns, headers=headers, hidden_columns=sorted(hidden), sections=ordered,
        explanatory_rows=explanatory, duplicates=duplicates, notes=notes,
    )


def _year(value: Any) -> str | None:
    text = " ".join(cell_text(value).split())
    return text or None
