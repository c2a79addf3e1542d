"""NICE's own baseline assessment tool (BAT): what its format looks like, shared by the structure reader
(import, verify) and the return reader.

NICE's format (one workbook per guideline, generated from a template): an `Introduction` sheet whose first cell
is "Baseline assessment tool for <title> (<NGxxx>)" followed by "Published: <date>" and, after an update,
"Updated: <date>"; a `Data sheet` with the title in row 1, headers in row 2 and, from row 3, section headings
("1.1 Information and support"), sub-headings, explanatory rows and recommendation rows (text in one column, the
number in another, the year in a third, then the answer columns). NICE tells users to adapt the sheet, so
nothing here relies on positions: the header row is found by meaning, columns by header keywords, recommendation
numbers by their shape, and headings by their numeric prefix (fill colours only help).
Rows and columns are 1-based here, as NICE's users see them.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from baseline.checks import find_date
from baseline.records import record
from baseline.text import clean_text, quote, squash
from baseline.xlsx.cells import cell_text, column_letter, find_header_row, normalise_header, recommendation_id

SOURCE_FORMAT = "nice-bat"


DATA_SHEET = "Data sheet"


INTRODUCTION_SHEET = "Introduction"


TITLE_PREFIX = "baseline assessment tool for"


# NICE's fills (template styles). Users recolour, so they only break ties the numeric prefix leaves open.
SECTION_FILL = "00436C"  # section headings, and sub-sub-headings (which have no number)


SUBHEADING_FILL = "228096"


EXPLANATORY_FILL = "EAD054"


HEADER_SEARCH_ROWS = 20


SECTION_HEADING = re.compile(r"^(?:section\s+)?(\d+\.\d+)\s*[:.\-\u2013\u2014]?\s+(\S.*)$", re.IGNORECASE | re.DOTALL)


_TITLE = re.compile(r"^\s*(?:baseline assessment tool for\s+)?(?P<title>.*?)\s*\((?P<id>[A-Za-z]{2,4}\s?\d{1,4})\)\s*$",
                    re.IGNORECASE | re.DOTALL)


_EXCEL_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


# Bullet characters seen in text pasted from Word and PDF; U+F0B7 is Word's Symbol-font bullet.
_BULLET = re.compile("[ \t]*[\u2022\u25aa\u25e6\u25cf\u2023\u2043\uf0b7][ \t]*")


# Column meanings, tried in this order against each header: the first whose pattern matches wins. Order matters:
# NICE's evidence header mentions "meet" and "not applicable", its action header "not met", and so on. Compiled on
# first use (re's own cache), as only a return from NICE's tool needs them, not every command's start-up.
_COLUMN_MEANINGS: tuple[tuple[str, str], ...] = (
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


ANSWER_KEYS = ("relevant", "evidence", "meets", "action", "risk", "cost", "capacity", "deadline", "owner", "completed_by")


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


def column_meaning(header: Any) -> str | None:
    """What a header means ("relevant", "deadline", …), by keywords; None for a column we do not know."""
    text = normalise_header(header)
    if not text:
        return None
    for key, pattern in _COLUMN_MEANINGS:
        if re.search(pattern, text):
            return key
    return None


def parse_title(text: str) -> tuple[str | None, str | None]:
    """"Baseline assessment tool for self-harm: … (NG225)" -> ("NG225", "Self-harm: …")."""
    m = _TITLE.match(squash(text))
    if not m:
        return None, None
    title = m.group("title").strip()
    # NICE lower-cases the first letter of the guideline title after "for"; restore it.
    return m.group("id").replace(" ", "").upper(), (title[:1].upper() + title[1:]) if title else None


FACT_ROWS, FACT_COLUMNS = 15, 6  # the title and date lines sit at the top left


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
        date = find_date(value)
        if date is not None:
            return date.isoformat()
    return None


@record
class Grid:
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


def find_nice_header(grid: Grid) -> tuple[int, dict[str, int], dict[int, str]] | None:
    """The row among the first rows whose cells carry the most known column meanings (at least 3), with its
    meanings (key -> column) and header texts (column -> text), all 1-based."""
    found = find_header_row(grid.values, column_meaning, search_rows=HEADER_SEARCH_ROWS,
                            accept=lambda columns: len(columns) >= 3, most=True)
    if found is None:
        return None
    return (found.row + 1, {key: col + 1 for key, col in found.columns.items()},
            {col + 1: text for col, text in found.headers.items()})


def assign_columns(grid: Grid, header_row: int, headers: dict[int, str], hidden: set[int],
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
            notes.append(f"column {letter(col)} ({quote(headers[col])}) also looks like '{meaning}'; "
                         f"column {letter(columns[meaning])} is used")
            continue
        columns[meaning] = col
    if "text" not in columns and "number" in columns:
        # Headers renamed beyond recognition: the text is the column with the longest values on recommendation rows.
        used = set(columns.values())
        lengths = {c + 1: sum(len(cell_text(r[c])) for r in data if c < len(r) and recommendation_id(r[columns["number"] - 1]))
                   for c in range(width) if c + 1 not in used}
        if lengths and max(lengths.values()) > 0:
            columns["text"] = max(lengths, key=lambda c: (lengths[c], -c))
            notes.append(f"no recommendation-text header found; column {letter(columns['text'])} holds the longest text")
    for col, header in headers.items():
        if col not in columns.values() and column_meaning(header) is None:
            notes.append(f"column {letter(col)} ({quote(header)}) is not part of NICE's format: ignored")
    return columns


def letter(col: int) -> str:
    """1-based column number -> letters."""
    return column_letter(col - 1)
