"""Cells of any workbook kind: a value as the text a person sees (ONE cell_text), column letters and cell
references, and the one header search every reader uses (columns are found by header text, never by position).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Callable

from baseline.text import clean_text, name_key

_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def cell_text(value: Any, *, strip: bool = True) -> str:
    """Any cell value as the text a person sees in the cell, trimmed (unless `strip` is False: a text read back
    exactly as written).

    Numbers typed into text cells are text ("2", not "2.0"); TRUE/FALSE as the spreadsheet shows them; a date (or a
    date-time at midnight, as calamine gives a date cell) as ISO "2027-03-31", another time as "2027-03-31 09:30:00";
    control characters a spreadsheet cannot hold are removed.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        # isprintable() is a fast C scan: only text with line breaks or control characters needs the regex.
        text = value if value.isprintable() else clean_text(value)
        return text.strip() if strip else text
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return clean_text(str(value)).strip()


def normalise_header(value: Any) -> str:
    """Header matching ignores case, surrounding and repeated whitespace, and line breaks."""
    return name_key(value if value is not None else "")


def column_letter(index: int) -> str:
    """0-based column index -> letters (0 -> "A", 26 -> "AA")."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def cell_ref(row: int, col: int) -> str:
    """0-based (row, col) -> "E23"."""
    return f"{column_letter(col)}{row + 1}"


def is_cell_ref(ref: str) -> bool:
    return _CELL_REF.match(ref) is not None


def parse_cell_ref(ref: str) -> tuple[int, int]:
    """"E23" (or "$E$23") -> (22, 4), 0-based."""
    match = _CELL_REF.match(ref)
    if match is None:
        raise ValueError(f"not a cell reference: {ref!r}")
    col = 0
    for letter in match.group(1).upper():
        col = col * 26 + ord(letter) - ord("A") + 1
    return int(match.group(2)) - 1, col - 1


def grid_value(grid: list[list[Any]], row: int, col: int) -> Any:
    """The value at 0-based (row, col) of a grid of rows, "" outside it."""
    if 0 <= row < len(grid) and 0 <= col < len(grid[row]):
        return grid[row][col]
    return ""


@dataclass
class HeaderRow:
    row: int  # 0-based
    columns: dict[str, int]  # key -> 0-based column; the first column with a meaning wins
    headers: dict[int, str]  # 0-based column -> header text as found (every non-blank text cell of the row)


def find_header_row(grid: list[list[Any]], meaning: Callable[[str], str | None], *, search_rows: int,
                    accept: Callable[[dict[str, int]], bool], most: bool = False) -> HeaderRow | None:
    """The header row among the first `search_rows` rows: the first whose columns `accept` (people insert title rows
    above the header), or with `most`, the one whose cells carry the most meanings (ties: the first).

    `meaning` maps a header text to a column key (None: not a column we know). A key found twice keeps its first
    column (a copied column is ignored).
    """
    best: HeaderRow | None = None
    for index, row in enumerate(grid[:search_rows]):
        columns: dict[str, int] = {}
        headers: dict[int, str] = {}
        for col, value in enumerate(row):
            if not isinstance(value, str) or not value.strip():
                continue
            headers[col] = value
            key = meaning(value)
            if key is not None and key not in columns:
                columns[key] = col
        if not accept(columns):
            continue
        found = HeaderRow(index, columns, headers)
        if not most:
            return found
        if best is None or len(columns) > len(best.columns):
            best = found
    return best
