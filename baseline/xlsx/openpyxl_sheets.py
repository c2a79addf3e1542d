"""sheets.py's rules for openpyxl cells: the action lists (xlsx/action_list.py) are built with openpyxl, and tests
type into generated workbooks with it as a person would. Untrusted text goes through `write_text`."""

from __future__ import annotations

import re

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

from baseline.text import clean_text, looks_like_formula
from baseline.xlsx.sheets import (
    BORDER_COLOUR,
    HEADER_COLOURS,
    PAGE_FOOTER,
    line_count,
    page_header,
    refuse_too_long,
    row_height,
)

# OOXML escapes characters as _xHHHH_ and readers decode it; openpyxl writes such text literally, so "_x0041_"
# typed by a person would come back as "A". Escaping the underscore (_x005F_) keeps the text as typed.
_OOXML_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")

# --- sheets.py's look as openpyxl styles (openpyxl shares identical style objects, so constants cost nothing) ---
THIN = Side(style="thin", color=BORDER_COLOUR)
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
# Fonts name the workbook default (Calibri 11): a font without a name renders in LibreOffice's default serif.
FONT = {"name": "Calibri", "size": 11}
HEADER_FONT = Font(**FONT, bold=True, color=HEADER_COLOURS[0])
HEADER_FILL = PatternFill("solid", fgColor=HEADER_COLOURS[1])
TITLE_FONT = Font(name="Calibri", bold=True, size=14)
GREY = Font(**FONT, color="808080")
WARNING_FONT = Font(**FONT, bold=True, color="9C0006")
WRAP_TOP = Alignment(wrap_text=True, vertical="top")


def write_text(cell, text: str | None) -> None:
    """Put untrusted text into an openpyxl cell as plain text, never a formula.

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


def fit_row_heights(ws: Worksheet, first_row: int, last_row: int) -> None:
    """Give rows with wrapped text a height that shows it all.

    Rows already given a height are left alone (see sheets.row_height for why rows need one).
    """
    widths = {letter: dim.width for letter, dim in ws.column_dimensions.items() if dim.width}
    for row in range(first_row, last_row + 1):
        if ws.row_dimensions[row].height is not None:
            continue
        lines = 1
        for cell in ws[row]:
            if cell.data_type == "s" and isinstance(cell.value, str) and cell.alignment.wrap_text:
                lines = max(lines, line_count(cell.value, widths.get(cell.column_letter)))
        if lines > 1:
            ws.row_dimensions[row].height = row_height(lines)


def print_setup(ws: Worksheet, *, title: str, landscape: bool = True, title_row: int | None = None) -> None:
    """A4, fitted to the page width, as many pages down as needed, the title on every page, page numbers; with
    `title_row`, that row repeated at the top of every page."""
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    if title_row:
        ws.print_title_rows = f"{title_row}:{title_row}"
    ws.oddHeader.center.text = page_header(title)
    ws.oddFooter.right.text = PAGE_FOOTER
