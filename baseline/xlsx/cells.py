"""Cells of any workbook kind: a value as the text a person sees (ONE cell_text), column letters and cell
references, and the one header search every reader uses (columns are found by header text, never by position).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import field
from typing import Any, Callable

from baseline.records import record
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
    if value.__class__ is str:  # the sheet names and headers every return repeats, worked out once
        return _normalised(value)
    return name_key(value if value is not None else "")


# Texts and numbers every workbook repeats are worked out once per process, and the last KEPT of them kept: a
# hostile sheet's many texts only cost working them out, as before.
KEPT = 1024
_normalised = functools.lru_cache(maxsize=KEPT)(name_key)


_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_PUNCTUATION = re.compile(r"[^\w\s]+")


def header_key(value: Any) -> str:
    """A header as people retype it, reduced to its words: "Meets it? (Yes/Partial/No)", "MEETS IT" and
    "Meets it:" all give "meets it". Bracketed hints, punctuation, case and spacing never matter."""
    text = _BRACKETED.sub(" ", normalise_header(value))
    return " ".join(_PUNCTUATION.sub(" ", text).split())


def header_matcher(wanted: dict[str, str]) -> Callable[[Any], str | None]:
    """header text -> column key, for the headers `wanted` (header text -> key): by header_key, else the longest
    wanted header a longer header starts with ("Meets it yes partial no" is "Meets it?")."""
    exact = {header_key(text): key for text, key in wanted.items()}
    by_length = sorted(exact.items(), key=lambda item: -len(item[0]))

    def work_out(value: Any) -> str | None:
        text = header_key(value)
        if not text:
            return None
        if text in exact:
            return exact[text]
        return next((key for known, key in by_length if text.startswith(known + " ")), None)

    kept = functools.lru_cache(maxsize=KEPT)(work_out)  # every return repeats the same dozen headers

    def meaning(value: Any) -> str | None:
        return kept(value) if value.__class__ is str else work_out(value)

    return meaning


_RECOMMENDATION_ID = re.compile(r"^\d+\.\d+(?:\.\d+)+$")


def recommendation_id(value: Any) -> str | None:
    """"1.1.1", " 1.1.1 ", "1.1.1." -> "1.1.1"; anything else (headings, notes, floats like 1.1) -> None."""
    if not isinstance(value, str):
        return None
    if _RECOMMENDATION_ID.fullmatch(value):  # written as generated: nothing to clean (every row of a return)
        return value
    text = value.replace("\xa0", " ").strip().rstrip(".").strip()
    return text if _RECOMMENDATION_ID.match(text) else None


def column_letter(index: int) -> str:
    """0-based column index -> letters (0 -> "A", 26 -> "AA")."""
    return _kept_letters(index) if index.__class__ is int else _letters(index)  # the columns every workbook uses


def _letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


_kept_letters = functools.lru_cache(maxsize=KEPT)(_letters)


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


# --- merged cells: one rule for every workbook kind -------------------------------------------------------------

Position = tuple[int, int]  # 0-based (row, col)
MergedRange = tuple[Position, Position]  # ((first row, first col), (last row, last col)), inclusive


def spread_merges(grid: list[list[Any]], ranges: list[MergedRange]) -> dict[Position, Position]:
    """Give a merged range's value to every cell it covers, in place, and return covered cell -> its range's
    top-left cell (the top-left itself is not listed).

    DESIGN.md "Reading a return": a value merged over several rows or columns applies to every cell it covers,
    and whatever the covered cells still hold is never read (LibreOffice keeps the old contents of cells hidden by
    a merge in the file). Ranges are clipped to the grid: cells outside it are blank to every reader anyway.
    """
    covered: dict[Position, Position] = {}
    height = len(grid)
    for (r0, c0), (r1, c1) in ranges:
        if r0 >= height or r0 < 0 or c0 < 0:
            continue
        value = grid[r0][c0] if c0 < len(grid[r0]) else ""
        for r in range(r0, min(r1, height - 1) + 1):
            row = grid[r]
            for c in range(c0, min(c1, len(row) - 1) + 1):
                if (r, c) != (r0, c0):
                    row[c] = value
                    covered[(r, c)] = (r0, c0)
    return covered


@record
class HeaderRow:
    """Where a sheet's header row is and which column holds each key, as find_header_row found them."""

    row: int  # 0-based
    columns: dict[str, int]  # key -> 0-based column; the first column with a meaning wins
    headers: dict[int, str]  # 0-based column -> header text as found (every non-blank text cell of the row)
    copies: dict[int, str] = field(default_factory=dict)  # 0-based column -> key it repeats (a copied column)


def find_header_row(grid: list[list[Any]], meaning: Callable[[str], str | None], *, search_rows: int,
                    accept: Callable[[dict[str, int]], bool], most: bool = False) -> HeaderRow | None:
    """The header row among the first `search_rows` rows: the first whose columns `accept` (people insert title rows
    above the header), or with `most`, the one whose cells carry the most meanings (ties: the first).

    `meaning` maps a header text to a column key (None: not a column we know). A key found twice keeps its first
    column; the later ones are listed in `copies` (a copied column: the reader reports it).
    """
    best: HeaderRow | None = None
    for index, row in enumerate(grid[:search_rows]):
        columns: dict[str, int] = {}
        headers: dict[int, str] = {}
        copies: dict[int, str] = {}
        for col, value in enumerate(row):
            if not isinstance(value, str) or not value.strip():
                continue
            headers[col] = value
            key = meaning(value)
            if key is not None and key not in columns:
                columns[key] = col
            elif key is not None:
                copies[col] = key
        if not accept(columns):
            continue
        found = HeaderRow(index, columns, headers, copies)
        if not most:
            return found
        if best is None or len(columns) > len(best.columns):
            best = found
    return best
