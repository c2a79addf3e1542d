"""NICE's own baseline assessment tool (BAT): read its structure, import it as our recommendation YAML, verify an
encoding against it, and read a filled-in BAT as an agency return.

NICE's format (one workbook per guideline, generated from a template): an `Introduction` sheet whose first cell
is "Baseline assessment tool for <title> (<NGxxx>)" followed by "Published: <date>" and, after an update,
"Updated: <date>"; a `Data sheet` with the title in row 1, headers in row 2 and, from row 3, section headings
("1.1 Information and support"), sub-headings, explanatory rows and recommendation rows (text in one column, the
number in another, the year in a third, then the answer columns). NICE tells users to adapt the sheet, so
nothing here relies on positions: the header row is found by meaning, columns by header keywords, recommendation
numbers by their shape, and headings by their numeric prefix (fill colours only help).
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from baseline.guideline import Guideline, dump_guideline, id_key, parse_guideline
from baseline.issues import BaselineError
from baseline.xlsx.layout import normalise_header
from baseline.xlsx.safety import atomic_write, clean_text

SOURCE_FORMAT = "nice-bat"
DATA_SHEET = "Data sheet"
INTRODUCTION_SHEET = "Introduction"
TITLE_PREFIX = "baseline assessment tool for"

# NICE's fills (template styles). Users recolour, so they only break ties the numeric prefix leaves open.
SECTION_FILL = "00436C"  # section headings, and sub-sub-headings (which have no number)
SUBHEADING_FILL = "228096"
EXPLANATORY_FILL = "EAD054"

HEADER_SEARCH_ROWS = 20

RECOMMENDATION_ID = re.compile(r"^\d+\.\d+(?:\.\d+)+$")
_SECTION_HEADING = re.compile(r"^(?:section\s+)?(\d+\.\d+)\s*[:.\-\u2013\u2014]?\s+(\S.*)$", re.IGNORECASE | re.DOTALL)
_TITLE = re.compile(r"^\s*(?:baseline assessment tool for\s+)?(?P<title>.*?)\s*\((?P<id>[A-Za-z]{2,4}\s?\d{1,4})\)\s*$",
                    re.IGNORECASE | re.DOTALL)
_EXCEL_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
# Bullet characters seen in text pasted from Word and PDF; U+F0B7 is Word's Symbol-font bullet.
_BULLET = re.compile("[ \t]*[\u2022\u25aa\u25e6\u25cf\u2023\u2043\uf0b7][ \t]*")

# Column meanings, tried in this order against each header: the first whose pattern matches wins. Order matters:
# NICE's evidence header mentions "meet" and "not applicable", its action header "not met", and so on.
_COLUMN_MEANINGS: tuple[tuple[str, re.Pattern], ...] = tuple(
    (key, re.compile(pattern))
    for key, pattern in (
        ("year", r"\byear\b"),
        ("evidence", r"\bevidence\b|\bcurrent (activity|practice)\b"),
        ("risk", r"\brisks?\b"),
        ("cost", r"\bcosts?\b|\bsavings?\b"),
        ("capacity", r"\bcapacity\b"),
        ("deadline", r"\bdeadlines?\b|\bby when\b|\btarget date\b|\btimescales?\b|\bdue date\b"),
        ("completed_by", r"\bcompleted by\b"),
        ("owner", r"\bresponsib|\bleads?\b|\bowners?\b"),
        ("progress", r"\bprogress\b|\bstatus\b|\brag\b"),  # a column users add; recognised so it claims nothing else
        ("action", r"\bactions?\b"),
        ("relevant", r"\brelevan|\bapplicab"),
        ("meets", r"\bmeets?\b|\bmet\b|\bcomplian"),
        ("number", r"^guideline recommendation$|\brecommendation (number|no\b|ref|id\b)|^rec(ommendation)?\.? ?(no|number|ref|id)\b"),
        ("text", r"\brecommendations?\b"),
    )
)
ANSWER_KEYS = ("relevant", "evidence", "meets", "action", "risk", "cost", "capacity", "deadline", "owner", "completed_by")


# --- the structure of a BAT ------------------------------------------------------------------------------------


@dataclass
class BatRecommendation:
    id: str
    text: str | None
    year: str | None
    row: int


@dataclass
class BatSubsection:
    title: str
    row: int
    recommendations: list[str] = field(default_factory=list)


@dataclass
class BatSection:
    id: str
    title: str | None  # None when the tool has recommendations of this section but no heading row for it
    row: int | None
    subsections: list[BatSubsection] = field(default_factory=list)
    recommendations: list[BatRecommendation] = field(default_factory=list)


@dataclass
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
        from openpyxl.utils import get_column_letter

        return get_column_letter(self.columns[key]) if key in self.columns else None


# --- opening an untrusted workbook -----------------------------------------------------------------------------


def open_workbook(path: Path | str) -> tuple[Any, list[str]]:
    """Load a workbook (values, not formulas) after the shared safety checks (size, zip bombs, DTDs, encryption);
    returns it and openpyxl's warnings as text. Any refusal or failure is a BaselineError naming the file."""
    import io

    import openpyxl

    from baseline.xlsx.safety import FileRefused, check_untrusted

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


# --- cell values -----------------------------------------------------------------------------------------------


def normalise_text(value: Any) -> str:
    """NICE's cell text tidied: one line per paragraph, bullets as "• " lines, no stray whitespace or controls."""
    if value is None:
        return ""
    text = cell_text(value)
    text = _EXCEL_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    text = clean_text(text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " "))
    text = _BULLET.sub("\n• ", text)  # a bullet inside a line starts a new line (NICE flattens lists)
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line and line != "•")


def cell_text(value: Any) -> str:
    """Any cell value as text: whole numbers without ".0", dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def recommendation_id(value: Any) -> str | None:
    """"1.1.1", " 1.1.1 ", "1.1.1." -> "1.1.1"; anything else (headings, floats like 1.1) -> None."""
    if not isinstance(value, str):
        return None
    text = value.replace("\xa0", " ").strip().rstrip(".")
    return text if RECOMMENDATION_ID.match(text) else None


_MONTHS = {m.lower(): i for i, m in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
     "December"], start=1)}
_MONTHS.update({name[:3]: number for name, number in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_LONG_DATE = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?,?\s+(\d{4})\b")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_UK_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")


def parse_nice_date(value: Any) -> dt.date | None:
    """A date as NICE writes it ("7 September 2022"), or ISO, or day-first dd/mm/yyyy, or a real date cell."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    try:
        if m := _LONG_DATE.search(value):
            month = _MONTHS.get(m.group(2).lower())
            return dt.date(int(m.group(3)), month, int(m.group(1))) if month else None
        if m := _ISO_DATE.search(value):
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if m := _UK_DATE.search(value):
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:  # 31 February and the like
        return None
    return None


def _fill(cell) -> str | None:
    fill = getattr(cell, "fill", None)
    if fill is None or fill.fill_type != "solid":
        return None
    rgb = getattr(fill.fgColor, "rgb", None)
    return rgb[-6:].upper() if isinstance(rgb, str) and len(rgb) >= 6 else None


# --- reading the structure -------------------------------------------------------------------------------------


def column_meaning(header: Any) -> str | None:
    """What a header means ("relevant", "deadline", …), by keywords; None for a column we do not know."""
    text = normalise_header(header)
    if not text:
        return None
    for key, pattern in _COLUMN_MEANINGS:
        if pattern.search(text):
            return key
    return None


def parse_title(text: str) -> tuple[str | None, str | None]:
    """"Baseline assessment tool for self-harm: … (NG225)" -> ("NG225", "Self-harm: …")."""
    m = _TITLE.match(" ".join(text.split()))
    if not m:
        return None, None
    title = m.group("title").strip()
    # NICE lower-cases the first letter of the guideline title after "for"; restore it.
    return m.group("id").replace(" ", "").upper(), (title[:1].upper() + title[1:]) if title else None


def _find_sheet(workbook, wanted: str):
    for ws in workbook.worksheets:
        if normalise_header(ws.title) == normalise_header(wanted):
            return ws
    return None


FACT_ROWS, FACT_COLUMNS = 15, 6  # the title and date lines sit at the top left


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


def facts_from_grids(grids: Iterable[list[list[Any]]], notes: list[str]) -> tuple[str | None, str | None, str | None,
                                                                                  str | None]:
    """(guideline id, title, published, updated) from the top-left cells of sheets, Introduction first.

    NICE writes "Baseline assessment tool for <title> (<NGxxx>)", "Published: <date>" and "Updated: <date>"; a date
    in the next cell of a "Published:" label is accepted too.
    """
    guideline = title = published = updated = None
    for grid in grids:
        for row in grid[:FACT_ROWS]:
            values = list(row[:FACT_COLUMNS])
            for index, value in enumerate(values):
                if not isinstance(value, str) or not value.strip():
                    continue
                label = normalise_header(value)
                if guideline is None and TITLE_PREFIX in label:
                    guideline, title = parse_title(value)
                rest = values[index + 1:]
                if published is None and label.startswith("published"):
                    published = _first_date([value, *rest])
                elif updated is None and (label.startswith("updated") or label.startswith("last updated")):
                    updated = _first_date([value, *rest])
        if guideline and published:
            break
    if guideline is None:
        notes.append("no title of the form 'Baseline assessment tool for … (NGxxx)' was found")
    if published is None:
        notes.append("no 'Published: <date>' line was found on the Introduction sheet")
    return guideline, title, published, updated


def _first_date(values: list[Any]) -> str | None:
    for value in values:
        date = parse_nice_date(value)
        if date is not None:
            return date.isoformat()
    return None


@dataclass
class _Grid:
    """A sheet's values and fills as plain lists (openpyxl gives a merged range's value to its top-left cell only)."""

    values: list[list[Any]]  # [row-1][col-1]
    fills: list[list[str | None]]
    merged_from: dict[tuple[int, int], tuple[int, int]]  # (row, col) below a vertical merge -> its top-left cell

    def get(self, row: int, col: int | None, fill_down: bool = False) -> Any:
        """The value at (row, col), 1-based; with fill_down, a cell inside a range merged over several rows takes
        the range's value (NICE suggests merging one answer over several recommendations)."""
        if col is None:
            return None
        if fill_down and (row, col) in self.merged_from:
            row, col = self.merged_from[(row, col)]
        cells = self.values[row - 1] if 0 < row <= len(self.values) else []
        return cells[col - 1] if 0 < col <= len(cells) else None


def _grid(ws) -> _Grid:
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
    return _Grid(values, fills, merged_from)


def _hidden_columns(ws) -> set[int]:
    """1-based indices of hidden columns (a hidden range like E:F is stored once, under E)."""
    hidden: set[int] = set()
    for dimension in ws.column_dimensions.values():
        if dimension.hidden and dimension.min:
            hidden.update(range(dimension.min, (dimension.max or dimension.min) + 1))
    return hidden


def _find_header_row(grid: _Grid) -> tuple[int, dict[str, int], dict[int, str]] | None:
    """The row (1-based) among the first rows whose cells carry the most known column meanings (at least 3)."""
    best: tuple[int, dict[str, int], dict[int, str]] | None = None
    best_score = 2
    for index, row in enumerate(grid.values[:HEADER_SEARCH_ROWS], start=1):
        meanings: dict[str, int] = {}
        headers: dict[int, str] = {}
        for col, value in enumerate(row, start=1):
            if isinstance(value, str) and value.strip():
                headers[col] = value
                meaning = column_meaning(value)
                if meaning is not None:
                    meanings.setdefault(meaning, col)
        if len(set(meanings)) > best_score:
            best, best_score = (index, meanings, headers), len(set(meanings))
    return best


def _assign_columns(grid: _Grid, header_row: int, headers: dict[int, str], hidden: set[int],
                    notes: list[str]) -> dict[str, int]:
    """Meaning -> column. The number column is found by content (most cells shaped like 1.2.3); for the others the
    first visible column with that meaning wins and later ones are reported."""
    data = grid.values[header_row:]
    width = max((len(r) for r in data), default=0)
    counts = [sum(1 for r in data if c < len(r) and recommendation_id(r[c])) for c in range(width)]
    columns: dict[str, int] = {}
    if counts and max(counts) > 0:
        best = max(counts)
        by_header = [c + 1 for c in range(width) if counts[c] == best and column_meaning(headers.get(c + 1)) == "number"]
        columns["number"] = by_header[0] if by_header else counts.index(best) + 1
    candidates = sorted(headers, key=lambda col: (col in hidden, col))  # visible columns first
    for col in candidates:
        meaning = column_meaning(headers[col])
        if meaning is None or col == columns.get("number") or meaning == "number":
            continue
        if meaning in columns:
            notes.append(f"column {_letter(col)} ({_short(headers[col])}) also looks like '{meaning}'; "
                         f"column {_letter(columns[meaning])} is used")
            continue
        columns[meaning] = col
    if "text" not in columns and "number" in columns:
        # Headers renamed beyond recognition: the text is the column with the longest values on recommendation rows.
        used = set(columns.values())
        lengths = {c + 1: sum(len(cell_text(r[c])) for r in data if c < len(r) and recommendation_id(r[columns["number"] - 1]))
                   for c in range(width) if c + 1 not in used}
        if lengths and max(lengths.values()) > 0:
            columns["text"] = max(lengths, key=lambda c: (lengths[c], -c))
            notes.append(f"no recommendation-text header found; column {_letter(columns['text'])} holds the longest text")
    for col, header in headers.items():
        if col not in columns.values() and column_meaning(header) is None:
            notes.append(f"column {_letter(col)} ({_short(header)}) is not part of NICE's format: ignored")
    return columns


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)


def _short(text: Any, limit: int = 40) -> str:
    text = " ".join(str(text).split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _row_kind(text: str, fill: str | None) -> str:
    """section | subheading | explanatory, for a row with text but no recommendation number."""
    if _SECTION_HEADING.match(text):
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
        found = _find_header_row(grid)
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
    columns = _assign_columns(grid, header_row, headers, hidden, notes)
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
            m = _SECTION_HEADING.match(text)
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


# --- import: a BAT -> our recommendation YAML ------------------------------------------------------------------

KEEP_LOCAL = ("It holds NICE's full recommendation text (© NICE): keep it on your own machine; do not commit it "
              "to a public repository or share it publicly.")


@dataclass
class ImportResult:
    guideline: Guideline
    output: Path | None
    base: str | None  # the encoding summaries and sectors came from, e.g. "NG225@2022-09-07"
    reused_summaries: int
    base_only: list[str]  # ids of the base encoding that NICE's tool does not have
    notes: list[str]

    @property
    def sections(self) -> int:
        return len(self.guideline.sections)

    @property
    def recommendations(self) -> int:
        return len(self.guideline.recommendations)


def bat_to_guideline(bat: NiceBat, version: str | None = None, base: Guideline | None = None,
                     vocabulary: dict[str, str] | None = None, file: str = "<import>") -> Guideline:
    """Our recommendation model from NICE's tool: ids, headings and text from NICE; summaries, sectors, population
    and quality statements from `base` (our own encoding of the same guideline) where the ids match.

    Every id comes from NICE's tool, so every recommendation is `verified`, and every section and the guideline
    are `complete` (the tool lists them all).
    """
    problems = []
    if bat.duplicates:
        problems += [f"recommendation {i} appears twice (rows {first} and {row})" for i, row, first in bat.duplicates]
    if not bat.guideline:
        problems.append("the guideline number was not found: the Introduction sheet's first cell should read "
                        "'Baseline assessment tool for … (NGxxx)'")
    if not bat.sections:
        problems.append("no recommendations were found")
    untitled = [s.id for s in bat.sections if not s.title]
    if untitled:
        problems.append(f"no heading row was found for section(s) {', '.join(untitled)}")
    version = version or bat.version
    if not version:
        problems.append("no Published or Updated date was found on the Introduction sheet: give --version YYYY-MM-DD")
    if problems:
        raise BaselineError(f"{bat.path} cannot be imported:\n  " + "\n  ".join(problems))

    base_recs = {r.id: r for r in base.recommendations} if base is not None else {}
    base_sections = {s.id: s for s in base.sections} if base is not None else {}
    sectors = dict(base.sectors) if base is not None else dict(vocabulary or {})
    sections = []
    for section in bat.sections:
        recommendations = []
        for rec in section.recommendations:
            known = base_recs.get(rec.id)
            entry: dict[str, Any] = {"id": rec.id, "summary": known.summary if known else None, "text": rec.text}
            if known is not None:
                entry.update(sectors=known.sectors, population=known.population,
                             quality_statements=list(known.quality_statements))
            entry["year"] = rec.year or (known.year if known else None)
            entry["verified"] = True
            recommendations.append(entry)
        data: dict[str, Any] = {"id": section.id, "title": section.title, "complete": True}
        if section.id in base_sections:
            data["sectors"] = list(base_sections[section.id].sectors)
        if section.subsections:
            data["subsections"] = [{"title": s.title, "recommendations": s.recommendations} for s in section.subsections]
        data["recommendations"] = recommendations
        sections.append(data)
    data = {
        "schema": 1,
        "guideline": bat.guideline,
        "title": bat.title or (base.title if base is not None else bat.guideline),
        "version": version,
        "published": bat.published or version,
        "updated": bat.updated,
        "source": f"https://www.nice.org.uk/guidance/{bat.guideline.lower()}",
        "complete": True,
        "notes": f"Imported from NICE's baseline assessment tool ({Path(bat.path).name}) by `baseline recs import`. "
                 + KEEP_LOCAL,
        "sectors": sectors,
        "sections": sections,
    }
    return parse_guideline(data, file)


def _base_encoding(guideline_id: str | None) -> tuple[Guideline | None, dict[str, str]]:
    """Our newest encoding of the same guideline (for summaries and sectors), and a sector vocabulary to fall
    back on when there is none."""
    from baseline import catalogue

    base = None
    if guideline_id:
        try:
            base = catalogue.load(guideline_id)
        except BaselineError:
            base = None
    vocabulary: dict[str, str] = {}
    if base is None:
        for entry in catalogue.entries():
            try:
                vocabulary = dict(catalogue.load(str(entry.path)).sectors)
                break
            except BaselineError:
                continue
    return base, vocabulary


def import_bat(path: Path | str, output: Path | str | None, version: str | None = None, force: bool = False,
               base: Guideline | None | bool = True) -> ImportResult:
    """`recs import`: read NICE's tool, build our YAML, check it with the loader, write it atomically.

    `base=True` takes summaries and sectors from our newest encoding of the same guideline; pass a Guideline to
    choose one, or None for none. `output=None` builds and checks without writing.
    """
    if version is not None:
        try:
            version = dt.date.fromisoformat(version).isoformat()
        except ValueError:
            raise BaselineError(f"--version {version!r} is not a date in the form YYYY-MM-DD") from None
    bat = read_bat(path)
    vocabulary: dict[str, str] = {}
    if base is True:
        base, vocabulary = _base_encoding(bat.guideline)
    elif base is False:
        base = None
    target = Path(output) if output is not None else None
    guideline = bat_to_guideline(bat, version, base, vocabulary, str(target or path))
    notes = list(bat.notes)
    if base is not None and base.guideline != guideline.guideline:
        raise BaselineError(f"the base encoding is {base.guideline} but NICE's tool is for {guideline.guideline}")
    bat_ids = set(bat.ids)
    base_only = [r.id for r in base.recommendations if r.id not in bat_ids] if base is not None else []
    reused = sum(1 for r in guideline.recommendations if r.summary is not None)
    if target is not None:
        text = _yaml_header(guideline, Path(path).name) + dump_guideline(guideline)
        atomic_write(target, lambda tmp: tmp.write_text(text, encoding="utf-8"), force=force, inputs=(Path(path),))
    return ImportResult(guideline, target, base.ref if base is not None else None, reused, base_only, notes)


def _yaml_header(guideline: Guideline, source_name: str) -> str:
    return (
        f"# {guideline.guideline} {guideline.version}, imported by `baseline recs import` from NICE's baseline assessment\n"
        f"# tool ({source_name}) on {dt.date.today().isoformat()}.\n"
        "# It holds NICE's full recommendation text (© NICE): keep it on your own machine; do not commit it to a\n"
        "# public repository or share it publicly. Summaries and sectors come from baseline's own encoding.\n"
    )


# --- verify: an encoding against a BAT -------------------------------------------------------------------------


def _comparable(text: str | None) -> str:
    text = normalise_text(text or "").casefold()
    for fancy, plain in (("\u2018", "'"), ("\u2019", "'"), ("\u201c", '"'), ("\u201d", '"'), ("\u2013", "-"), ("\u2014", "-")):
        text = text.replace(fancy, plain)
    return " ".join(text.split()).rstrip(".:")


@dataclass
class VerifyResult:
    encoding: str  # "NG225@2022-09-07"
    against: str  # the BAT's path
    guideline: dict[str, str | None]  # {"encoding": "NG225", "nice": "NG225"}
    version: dict[str, str | None]  # {"encoding": …, "nice": updated or published}
    missing: list[str]  # in NICE's tool, not in the encoding
    extra: list[str]  # in the encoding, not in NICE's tool
    sections_missing: list[str]
    sections_extra: list[str]
    headings: list[dict]  # [{"section", "encoding", "nice"}] where the section heading differs
    text_differs: list[str]  # ids whose imported text no longer matches NICE's
    notes: list[str] = field(default_factory=list)

    @property
    def guideline_differs(self) -> bool:
        return bool(self.guideline["nice"]) and self.guideline["encoding"] != self.guideline["nice"]

    @property
    def version_differs(self) -> bool:
        return bool(self.version["nice"]) and self.version["encoding"] != self.version["nice"]

    @property
    def identical(self) -> bool:
        return not (self.guideline_differs or self.version_differs or self.missing or self.extra
                    or self.sections_missing or self.sections_extra or self.headings or self.text_differs)

    def to_dict(self) -> dict:
        return {
            "encoding": self.encoding,
            "against": self.against,
            "identical": self.identical,
            "guideline": self.guideline,
            "version": self.version,
            "recommendations": {"missing": self.missing, "extra": self.extra, "text_differs": self.text_differs},
            "sections": {"missing": self.sections_missing, "extra": self.sections_extra, "headings": self.headings},
            "notes": self.notes,
        }

    def lines(self) -> list[str]:
        """The result as plain text lines for the terminal."""
        out = [f"{self.encoding} against NICE's tool {self.against}"]
        if self.guideline_differs:
            out.append(f"Guideline differs: encoding {self.guideline['encoding']}, NICE's tool {self.guideline['nice']}")
        if self.version_differs:
            out.append(f"Version differs: encoding {self.version['encoding']}, NICE's tool {self.version['nice']} "
                       "(its Updated, else Published, date)")
        for label, ids in (
            ("Missing from the encoding (in NICE's tool)", self.missing),
            ("Extra in the encoding (not in NICE's tool)", self.extra),
            ("Sections missing from the encoding", self.sections_missing),
            ("Sections extra in the encoding", self.sections_extra),
            ("Text differs from NICE's", self.text_differs),
        ):
            if ids:
                out.append(f"{label} ({len(ids)}): {', '.join(ids)}")
        if self.headings:
            out.append(f"Section headings that differ ({len(self.headings)}):")
            for h in self.headings:
                mine = h["encoding"] if h["encoding"] is not None else "(none)"
                out.append(f"  {h['section']}: encoding {mine!r}; NICE {h['nice']!r}")
        if self.identical:
            out.append("No differences: the encoding lists exactly the recommendations and headings of NICE's tool.")
        return out


def verify_guideline(guideline: Guideline, bat: NiceBat) -> VerifyResult:
    """Which recommendation numbers are missing or extra, which section headings differ (pure: no I/O)."""
    ours = [r.id for r in guideline.recommendations]
    nice = bat.ids
    our_ids, nice_ids = set(ours), set(nice)
    our_sections = {s.id: s for s in guideline.sections}
    nice_sections = {s.id: s for s in bat.sections}
    headings = [
        {"section": sid, "encoding": our_sections[sid].title, "nice": section.title}
        for sid, section in nice_sections.items()
        if sid in our_sections and section.title and _comparable(our_sections[sid].title) != _comparable(section.title)
    ]
    nice_text = {r.id: r.text for r in bat.recommendations}
    text_differs = [r.id for r in guideline.recommendations
                    if r.text is not None and r.id in nice_text and _comparable(r.text) != _comparable(nice_text[r.id])]
    notes = [f"recommendation {i} appears twice in NICE's tool (rows {first} and {row})" for i, row, first in bat.duplicates]
    return VerifyResult(
        encoding=guideline.ref,
        against=bat.path,
        guideline={"encoding": guideline.guideline, "nice": bat.guideline},
        version={"encoding": guideline.version, "nice": bat.version},
        missing=[i for i in nice if i not in our_ids],
        extra=[i for i in ours if i not in nice_ids],
        sections_missing=[s for s in nice_sections if s not in our_sections],
        sections_extra=[s for s in our_sections if s not in nice_sections],
        headings=headings,
        text_differs=text_differs,
        notes=notes,
    )


def verify_file(encoding: str, bat_path: Path | str) -> VerifyResult:
    """`recs verify`: an encoding (reference or YAML path) against a NICE tool."""
    from baseline import catalogue

    bat = read_bat(bat_path)
    if bat.guideline is None:  # e.g. one of our own workbooks: comparing would report nonsense differences
        raise BaselineError(f"{bat_path} does not look like NICE's baseline assessment tool: no title naming the "
                            f"guideline (e.g. \"… (NG225)\") was found on its Introduction or Data sheet.")
    return verify_guideline(catalogue.load(encoding), bat)



# --- a filled-in BAT as an agency return -----------------------------------------------------------------------
#
# NICE's tool carries no agency stamp, so the agency (and its sectors) come from the facilitator: `--agency NAME`
# or a mapping file of file-name patterns. The guideline version is the tool's Updated (else Published) date, and
# its recommendation numbers are matched against the encoding of that version, never by position or text.


@dataclass(frozen=True)
class AgencyAssignment:
    agency: str
    sectors: tuple[str, ...] = ()


@dataclass
class AgencyMap:
    """File-name patterns -> agency and sectors, for returns made with NICE's own tool. First match wins."""

    entries: list[tuple[str, AgencyAssignment]] = field(default_factory=list)
    source: str | None = None  # the mapping file, for messages

    @classmethod
    def single(cls, agency: str, sectors: Iterable[str] = ()) -> "AgencyMap":
        """`--agency NAME`: every NICE-format file is that agency's."""
        return cls([("*", AgencyAssignment(" ".join(agency.split()), tuple(sectors)))])

    def extended(self, other: "AgencyMap | None") -> "AgencyMap":
        """This map, then `other` for files this one does not name."""
        return AgencyMap(self.entries + (other.entries if other else []), self.source or (other.source if other else None))

    def for_path(self, path: Path | str) -> AgencyAssignment | None:
        from fnmatch import fnmatchcase

        path = Path(path)
        name, full = path.name.casefold(), path.as_posix().casefold()
        for pattern, assignment in self.entries:
            folded = pattern.casefold()
            if fnmatchcase(name, folded) or fnmatchcase(full, folded) or fnmatchcase(full, "*/" + folded.lstrip("/")):
                return assignment
        return None


def load_agency_map(path: Path | str) -> AgencyMap:
    """Read a mapping file: `"pattern": {agency: NAME, sector: ID}` (or `sectors: [ID, …]`) per line.

    Patterns are file names or globs ("north-camhs*.xlsx"), matched case-insensitively against the file name and
    the path. Any problem is a BaselineError listing every one, with its YAML path.
    """
    from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

    from baseline.guideline import load_yaml, pydantic_problems
    from baseline.issues import Problem

    class _Entry(BaseModel):
        model_config = ConfigDict(extra="forbid")
        agency: str
        sector: str | None = None
        sectors: list[str] | None = None

        @field_validator("agency")
        @classmethod
        def _named(cls, value: str) -> str:
            if not value.strip():
                raise ValueError("must not be empty")
            return " ".join(value.split())

    file = str(path)
    data = load_yaml(Path(path))
    if not isinstance(data, dict) or not data:
        raise BaselineError(f"{file} is not an agency map", [Problem(file, "", 'expected lines like "north-camhs*.xlsx": '
                                                                               "{agency: North CAMHS, sector: mental_health}")])
    entries: list[tuple[str, AgencyAssignment]] = []
    problems: list[Problem] = []
    for pattern, value in data.items():
        try:
            entry = _Entry.model_validate(value)
        except ValidationError as exc:
            problems += [Problem(file, f"{pattern}.{p.path}" if p.path else str(pattern), p.message)
                         for p in pydantic_problems(file, exc)]
            continue
        if entry.sector is not None and entry.sectors is not None:
            problems.append(Problem(file, str(pattern), "give sector or sectors, not both"))
            continue
        sectors = tuple(entry.sectors or ([entry.sector] if entry.sector else []))
        entries.append((str(pattern), AgencyAssignment(entry.agency, sectors)))
    if problems:
        raise BaselineError(f"{file} is not a valid agency map", problems)
    return AgencyMap(entries, file)


def read_nice_return(path: Path | str, agency: str | None, sectors: Iterable[str] = ()):
    """Read one filled-in NICE tool as `agency`'s return (see read_nice_source). Never raises for bad input."""
    from baseline.xlsx.reader import read_return

    return read_return(path, agencies=AgencyMap.single(agency, sectors) if agency else None)


def _encoding_for(guideline_id: str, version: str) -> tuple[Guideline | None, list[str]]:
    """The encoding of exactly this guideline version, and the versions known (for the message when there is none)."""
    from baseline import catalogue

    known = [e.version for e in catalogue.entries() if e.guideline == guideline_id.upper()]
    if version not in known:
        return None, known
    return catalogue.load(f"{guideline_id}@{version}"), known


def _import_hint(path: str, guideline_id: str, version: str) -> str:
    return (f"Import NICE's tool once: `baseline recs import \"{path}\" -o DIR/{guideline_id.lower()}/{version}.yaml`, "
            f"then `export BASELINE_RECOMMENDATIONS=DIR` and validate again.")


class _ReturnSheet:
    """The Data sheet of a filled-in NICE tool, read into Answers with issues at the exact cell."""

    def __init__(self, rows: list[list[Any]], merged: list, formulas: dict[tuple[int, int], str], sheet: str,
                 file: str, add):
        merged_from: dict[tuple[int, int], tuple[int, int]] = {}
        for (r0, c0), (r1, _c1) in merged:  # calamine: 0-based, inclusive
            for r in range(r0 + 1, r1 + 1):
                merged_from[(r + 1, c0 + 1)] = (r0 + 1, c0 + 1)
        self.grid = _Grid(rows, [], merged_from)
        self.formulas = formulas
        self.sheet = sheet
        self.file = file
        self.add = add

    def issue(self, code: str, message: str, row: int | None = None, col: int | None = None,
              recommendation: str | None = None) -> None:
        from baseline.issues import make_issue
        from baseline.xlsx.reader import cell_ref

        cell = cell_ref(row - 1, col - 1) if row is not None and col is not None else None
        self.add(make_issue(code, message, file=self.file, sheet=self.sheet, cell=cell, recommendation=recommendation))

    def columns(self) -> tuple[int, dict[str, int], dict[int, str]] | None:
        found = _find_header_row(self.grid)
        if found is None:
            from baseline.issues import make_issue

            self.add(make_issue(
                "not-a-baseline-workbook",
                f"This looks like NICE's own baseline assessment tool (it has a '{self.sheet}' sheet), but that sheet "
                "has no header row baseline recognises (NICE's has 'Guideline recommendation', 'Is the recommendation "
                "relevant to your service or organisation?', 'Does your service or organisation meet the "
                "recommendation?' …), so no answer can be read. Put NICE's header row back, or fill in the workbook "
                "the facilitator sent your agency.", file=self.file, sheet=self.sheet))
            return None
        header_row, _, headers = found
        columns = _assign_columns(self.grid, header_row, headers, set(), [])
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

    def read(self, header_row: int, columns: dict[str, int], headers: dict[int, str]) -> dict[str, "Answer"]:
        from baseline.assessment import Answer

        answers: dict[str, Answer] = {}
        first_row: dict[str, int] = {}
        number_col = columns["number"]
        for r in range(header_row + 1, len(self.grid.values) + 1):
            number = recommendation_id(self.grid.get(r, number_col))
            if number is None:
                continue  # headings, explanations, blank rows and notes below the table
            if number in answers:
                self.issue("duplicate-recommendation",
                           f"Recommendation {number} appears twice: on row {first_row[number]} and again on row {r}. "
                           "Keep one row with your answers and delete the other; only the first was read.",
                           r, number_col, number)
                continue
            first_row[number] = r
            answers[number] = self._answer(number, r, columns, headers)
        return answers

    def _raw(self, r: int, col: int, number: str, header: str) -> tuple[Any, int]:
        """The cell's value (a merged range's value for each row it covers) and the row it really sits on."""
        from baseline.xlsx.reader import _quote, cell_text

        source_row = self.grid.merged_from.get((r, col), (r, col))[0]
        raw = self.grid.get(r, col, fill_down=True)
        formula = self.formulas.get((source_row - 1, col - 1))
        if formula is not None:
            shown = cell_text(raw)
            if source_row == r:  # report a merged formula once, on its own row
                self.issue("formula-in-input",
                           f"{self._where(r, col, number, header)} contains a formula ({_quote(formula, 40)}). Type the "
                           "answer in directly; baseline reads "
                           + (f"the value it shows, {_quote(shown, 40)}, as plain text." if shown
                              else "the formula itself as plain text."), r, col, number)
            raw = shown or formula
        return raw, source_row

    def _where(self, r: int, col: int, number: str, header: str) -> str:
        from baseline.xlsx.reader import cell_ref

        return f"Cell {cell_ref(r - 1, col - 1)} (recommendation {number}, '{_short_header(header)}')"

    def _answer(self, number: str, r: int, columns: dict[str, int], headers: dict[int, str]) -> "Answer":
        from baseline.assessment import Answer, Choice, YesNo
        from baseline.xlsx.layout import EXCEL_CELL_LIMIT
        from baseline.xlsx.reader import _quote, cell_ref, cell_text, normalise_choice, parse_date

        values: dict[str, Any] = {}
        cells: dict[str, str] = {}
        for key in ANSWER_KEYS:
            col = columns.get(key)
            if col is None or key in ("cost", "capacity"):  # no place for them in an Answer (see the README)
                continue
            raw, source_row = self._raw(r, col, number, headers.get(col, key))
            cells[key] = cell_ref(source_row - 1, col - 1)
            where = self._where(r, col, number, headers.get(col, key))
            if key in ("relevant", "meets", "risk"):
                text = cell_text(raw)
                if not text:
                    continue
                vocabulary = ("Yes", "Partial", "No") if key != "risk" else ("Yes", "No")
                chosen = {normalise_choice(v): v for v in vocabulary}.get(normalise_choice(text))
                if chosen is None:
                    self.issue("invalid-choice", f"{where} says {_quote(text)}; choose "
                               f"{', '.join(vocabulary[:-1])} or {vocabulary[-1]} from the list.", r, col, number)
                    continue
                values[key] = YesNo(chosen) if key == "risk" else Choice(chosen)
            elif key == "deadline":
                if raw is None or raw == "":
                    continue
                try:
                    values["deadline"] = parse_date(raw)  # real dates, ISO and UK day-first text
                except ValueError:
                    text = cell_text(raw)
                    values["deadline_text"] = text
                    self.issue("deadline-as-text",
                               f"{where} says {_quote(text)}, which is not a date: it is kept as text, so the action "
                               "cannot count as overdue. Put a date such as 31/03/2027 if there is one.",
                               r, col, number)
            else:
                text = cell_text(raw)
                if len(text) > EXCEL_CELL_LIMIT:
                    self.issue("text-too-long",
                               f"{where} holds {len(text):,} characters, more than the {EXCEL_CELL_LIMIT:,} a "
                               "spreadsheet cell can hold. Shorten it, or put the detail in a separate document and "
                               "refer to it.", r, col, number)
                values[key] = text
        answer = Answer(number, **values, cells=cells)
        self._consistency(answer, r, columns)
        return answer

    def _consistency(self, answer: "Answer", r: int, columns: dict[str, int]) -> None:
        """Warnings, as for baseline's own workbook: answers that do not hang together."""
        from baseline.assessment import Choice, Status
        from baseline.xlsx.reader import cell_ref

        number = answer.recommendation

        def ref(key: str) -> str:
            return cell_ref(r - 1, columns[key] - 1)

        if (answer.action or answer.status in (Status.NOT_MET, Status.PARTIALLY_MET)) and not answer.owner \
                and "owner" in columns:
            reason = "has an action needed" if answer.action else "is not fully met"
            self.issue("owner-missing", f"Recommendation {number} {reason} but no responsible lead: put the name or "
                       f"role of who owns the action in cell {ref('owner')}.", r, columns["owner"], number)
        if answer.is_open and answer.deadline is None and not answer.deadline_text and "deadline" in columns:
            self.issue("deadline-missing", f"Recommendation {number} has an open action but no deadline: put a date "
                       f"such as 31/03/2027 in cell {ref('deadline')}.", r, columns["deadline"], number)
        answered = [answer.meets, answer.evidence, answer.action, answer.owner, answer.deadline, answer.deadline_text,
                    answer.risk]
        if answer.relevant is None and any(v not in (None, "") for v in answered) and "relevant" in columns:
            self.issue("answer-without-relevance", f"Recommendation {number} has answers but its relevance (cell "
                       f"{ref('relevant')}) is blank, so it counts as not assessed: choose Yes, Partial or No.",
                       r, columns["relevant"], number)
        if answer.relevant is Choice.NO and answer.meets is not None and "meets" in columns:
            self.issue("answered-but-not-relevant", f"Recommendation {number} is marked not relevant (cell "
                       f"{ref('relevant')} says No) but whether it is met (cell {ref('meets')}) is answered: clear it, "
                       "or change the relevance.", r, columns["meets"], number)


def _short_header(header: str, limit: int = 50) -> str:
    text = " ".join(str(header).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def read_nice_source(source, report, agencies: AgencyMap | None):
    """A filled-in NICE tool (already opened and safety-checked by the reader) -> AgencyReturn | None.

    Every problem becomes an Issue in `report`; nothing is raised for bad input. The return is None when it cannot
    be attributed (no agency given, no encoding of its guideline version) or its Data sheet cannot be read.
    """
    from baseline.assessment import AgencyReturn
    from baseline.issues import make_issue
    from baseline.xlsx.reader import FileRefused, formula_cells

    file = report.path
    add = report.issues.append
    names = list(source.sheet_names)
    sheet = next((n for n in names if normalise_header(n) == normalise_header(DATA_SHEET)), None)
    if sheet is None:  # the reader only dispatches here when it has one; keep the guard for direct callers
        add(make_issue("missing-sheet", f"NICE's tool keeps its answers on a '{DATA_SHEET}' sheet; this file has none.",
                       file=file))
        return None
    rows = source.rows(sheet)
    try:
        if source.checked.kind == "ods":  # calamine reports no merged cells for .ods
            merged = ods_merged_ranges(source.checked.zip.read("content.xml"), sheet)
        else:
            merged = source.calamine.get_sheet_by_name(sheet).merged_cell_ranges or []
    except FileRefused:
        raise
    except Exception as exc:  # noqa: BLE001 - calamine and the XML parser raise their own types for damaged parts
        raise FileRefused("unreadable-file", f"The file is damaged: the merged cells of '{sheet}' cannot be read "
                                             f"({exc}). Save it again as .xlsx and resend it.") from None
    intro = [n for n in names if normalise_header(n) == normalise_header(INTRODUCTION_SHEET)]
    guideline_id, _title, published, updated = facts_from_grids(
        [source.rows(n) for n in intro] + [rows], [])
    version = updated or published
    report.guideline, report.version = guideline_id, version
    assignment = agencies.for_path(file) if agencies is not None else None
    report.agency = assignment.agency if assignment else None

    data = _ReturnSheet(rows, merged, formula_cells(source.checked, sheet), sheet, file, add)
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
        guideline, known = _encoding_for(guideline_id, version)
        if guideline is None:
            have = f"versions {', '.join(known)}" if known else "no encoding of it"
            add(make_issue("unknown-guideline-version",
                           f"This NICE tool is for {guideline_id} as published or last updated on {version}; this "
                           f"installation has {have}. {_import_hint(file, guideline_id, version)}",
                           file=file, sheet=intro[0] if intro else sheet))
    if assignment is None:
        how = (f"the agency map {agencies.source} has no pattern matching this file name" if agencies and agencies.source
               else "none was given")
        add(make_issue("agency-unknown",
                       f"NICE's own tool does not say which agency filled it in, and {how}. Give it with "
                       "`--agency NAME` (one file) or `--agency-map FILE.yaml` (file name patterns -> agency and "
                       "sector).", file=file))
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


def ods_merged_ranges(content: bytes, sheet: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Merged ranges of one sheet of an .ods (content.xml), as calamine gives them for .xlsx: 0-based, inclusive."""
    import io

    import defusedxml.ElementTree as DET
    from defusedxml.common import DefusedXmlException

    from baseline.xlsx.reader import FileRefused

    ns = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
    out: list[tuple[tuple[int, int], tuple[int, int]]] = []
    in_sheet, row, col, row_repeat = False, 0, 0, 1

    def number(element, name: str) -> int:
        value = element.get(ns + name)
        return int(value) if value and value.isdigit() else 1

    try:
        for event, element in DET.iterparse(io.BytesIO(content), events=("start", "end"), forbid_dtd=True):
            tag = element.tag.rsplit("}", 1)[-1]
            if event == "start":
                if tag == "table":
                    in_sheet, row = element.get(ns + "name") == sheet, 0
                elif in_sheet and tag == "table-row":
                    col, row_repeat = 0, number(element, "number-rows-repeated")
                elif in_sheet and tag in ("table-cell", "covered-table-cell"):
                    rows_spanned, cols_spanned = number(element, "number-rows-spanned"), number(element, "number-columns-spanned")
                    if tag == "table-cell" and (rows_spanned > 1 or cols_spanned > 1):
                        out.append(((row, col), (row + rows_spanned - 1, col + cols_spanned - 1)))
                    col += number(element, "number-columns-repeated")
            else:
                if in_sheet and tag == "table-row":
                    row += row_repeat
                elif in_sheet and tag == "table":
                    break
                if tag in ("table-row", "table"):
                    element.clear()
    except DefusedXmlException:
        raise FileRefused("unsafe-file", "The file contains XML declarations that spreadsheets never need; it was "
                                         "not read. Save it again from Excel or LibreOffice.") from None
    return out


def _check_ids(answers: dict, guideline: Guideline, assignment: AgencyAssignment | None, file: str, sheet: str,
               number_col: int, data: _ReturnSheet, add) -> None:
    """Numbers of the return against the encoding: unknown ones, and expected ones that are missing."""
    from baseline.issues import make_issue

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
