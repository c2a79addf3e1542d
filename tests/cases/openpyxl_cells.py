"""Typing into an openpyxl cell as a person would in Excel: the tests fill and edit generated workbooks with it.

baseline writes every workbook with xlsxwriter (xlsx/sheets.py); this keeps the same rules for text a test puts
into a cell with openpyxl: cleaned, never too long, never a formula (a quote prefix on formula-looking text), and
"_xHHHH_" kept as typed.
"""

from __future__ import annotations

import re

from baseline.text import clean_text, looks_like_formula
from baseline.xlsx.sheets import refuse_too_long

# OOXML escapes characters as _xHHHH_ and readers decode it; openpyxl writes such text literally, so "_x0041_"
# typed by a person would come back as "A". Escaping the underscore (_x005F_) keeps the text as typed.
_OOXML_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def write_text(cell, text: str | None) -> None:
    """Put text into an openpyxl cell as plain text, never a formula.

    openpyxl turns a str starting with "=" into a formula; forcing data_type "s" keeps it text through openpyxl and
    LibreOffice round-trips, and quotePrefix tells Excel not to re-interpret it on edit (XLSX_PITFALLS.md §5).
    """
    if text is None or text == "":
        cell.value = None
        return
    text = clean_text(str(text))
    refuse_too_long(text)
    cell.value = _OOXML_ESCAPE.sub(r"_x005F_\1", text)
    cell.data_type = "s"
    if looks_like_formula(text):
        cell.quotePrefix = True
