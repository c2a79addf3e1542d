"""The writing plumbing both writers (agency and merged workbooks) share: untrusted text as text, style records
shared between cells, sheet protection, print set-up and row heights.

Everything taken from outside (agency and area names, answers from returns) goes through `write_text`.
"""

from __future__ import annotations

import re
from copy import copy

from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.worksheet import Worksheet

from baseline.text import EXCEL_CELL_LIMIT, clean_text, is_too_long, looks_like_formula
from baseline.xlsx.cells import column_letter

# OOXML escapes characters as _xHHHH_ and readers decode it; openpyxl writes such text literally, so "_x0041_"
# typed by a person would come back as "A". Escaping the underscore (_x005F_) keeps the text as typed.
_OOXML_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
LINE_HEIGHT = 15.0  # points per line of 11-point text
MAX_ROW_HEIGHT = 409.0  # Excel's limit
DEFAULT_WIDTH = 8.43  # a column's width when none was set
DATE_FORMAT = "dd/mm/yyyy"  # dates shown UK day-first, the same whatever the reader's locale

# --- the look both workbooks share (openpyxl shares identical style objects, so constants cost nothing) ---------
THIN = Side(style="thin", color="BFBFBF")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
# Fonts name the workbook default (Calibri 11): a font without a name renders in LibreOffice's default serif.
FONT = {"name": "Calibri", "size": 11}
HEADER_FONT = Font(**FONT, bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
SECTION_FONT = Font(**FONT, bold=True, color="1F3864")
SECTION_FILL = PatternFill("solid", fgColor="D9E1F2")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")  # pale yellow: "type here"
TITLE_FONT = Font(name="Calibri", bold=True, size=14)
BOLD = Font(**FONT, bold=True)
PLAIN = Font(**FONT)
GREY = Font(**FONT, color="808080")
WARNING_FONT = Font(**FONT, bold=True, color="9C0006")
LINK_FONT = Font(**FONT, color="0563C1", underline="single")
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
CLIP_TOP = Alignment(wrap_text=False, vertical="top")  # long section names are cut at the cell edge, not wrapped
UNLOCKED = Protection(locked=False)


def write_text(cell, text: str | None) -> None:
    """Put untrusted text into an openpyxl cell as plain text, never a formula.

    openpyxl turns a str starting with "=" into a formula; forcing data_type "s" keeps it text through openpyxl and
    LibreOffice round-trips, and quotePrefix tells Excel not to re-interpret it on edit (XLSX_PITFALLS.md §5).
    """
    if text is None or text == "":
        cell.value = None
        return
    text = clean_text(str(text))
    if is_too_long(text):
        # Callers validate lengths first; reaching here is a programming error, never a silent cut.
        raise ValueError(f"text of {len(text)} characters exceeds Excel's cell limit of {EXCEL_CELL_LIMIT}")
    cell.value = _OOXML_ESCAPE.sub(r"_x005F_\1", text)
    cell.data_type = "s"
    if looks_like_formula(text):
        cell.quotePrefix = True


class StyleCache:
    """Style the first cell of each kind through openpyxl's API, then give the others a copy of its style.

    Setting font, fill, border... (or a named style, which searches a list of names) on every cell took half of
    the writing time; copying the style array is how openpyxl itself copies cell styles. One cache per workbook
    (styles index workbook tables).
    """

    def __init__(self) -> None:
        self._styles: dict[object, object] = {}

    def apply(self, cell, kind: object, **attributes) -> None:
        style = self._styles.get(kind)
        if style is None:
            for name, value in attributes.items():
                setattr(cell, name, value)
            self._styles[kind] = copy(cell._style)
        else:
            cell._style = copy(style)


def protect(ws: Worksheet) -> None:
    """Protect without a password; sorting, filtering and resizing stay allowed (False = not protected)."""
    ws.protection.sheet = True
    ws.protection.autoFilter = False
    ws.protection.sort = False
    ws.protection.formatCells = False
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def line_count(text: str, width: float | None) -> int:
    """Lines a wrapped text takes in a column `width` characters wide (a width unit is one "0"; words wrap early,
    so this errs on the tall side)."""
    per_line = max(1, int(width or DEFAULT_WIDTH))
    return sum(max(1, -(-len(paragraph) // per_line)) for paragraph in text.split("\n"))


def row_height(lines: int) -> float:
    return min(MAX_ROW_HEIGHT, lines * LINE_HEIGHT + 2)


def fit_row_heights(ws: Worksheet, first_row: int, last_row: int) -> None:
    """Give rows with wrapped text a height that shows it all.

    LibreOffice (and Google Sheets) do not grow rows to fit wrapped text on opening, and Excel does not reliably
    grow rows of a file it did not write, so without this long text overlaps or is clipped, on screen and in
    print. Rows already given a height are left alone.
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
    # "&" starts a code in page headers ("&P" is the page number); headers hold at most 255 characters.
    ws.oddHeader.center.text = clean_text(title).replace("&", "&&")[:250]
    ws.oddFooter.right.text = "Page &P of &N"


class TableSheet:
    """One worksheet of tables being written cell by cell: texts never formulas, named styles shared through a
    StyleCache, rows tall enough for their wrapped text (estimated as cells are written, see fit_row_heights)."""

    def __init__(self, ws: Worksheet, styles: StyleCache, wrapped: frozenset[str] = frozenset()):
        self.ws = ws
        self.styles = styles  # shared by every sheet of one workbook
        self.wrapped = wrapped  # the named styles that wrap text
        self._widths: dict[int, float] = {}
        self._lines: dict[int, int] = {}

    def width(self, column: int, width: float) -> None:
        self.ws.column_dimensions[column_letter(column - 1)].width = width
        self._widths[column] = width

    def style(self, cell, style: str) -> None:
        self.styles.apply(cell, style, style=style)

    def text(self, row: int, column: int, text: str | None, style: str):
        """Any text (from a return or not) as text, never a formula. Style first: a named style resets
        quotePrefix, which write_text sets."""
        cell = self.ws.cell(row=row, column=column)
        self.style(cell, style)
        write_text(cell, text)
        if cell.value and style in self.wrapped:
            lines = line_count(cell.value, self._widths.get(column))
            if lines > self._lines.get(row, 1):
                self._lines[row] = lines
        return cell

    def value(self, row: int, column: int, value, style: str):
        """Numbers and dates the tool computed (never text from a return)."""
        cell = self.ws.cell(row=row, column=column)
        self.style(cell, style)
        cell.value = value
        return cell

    def header(self, columns, style: str, row: int = 1) -> int:
        """A table's header row from column specs (.header, .width); returns the number of columns."""
        count = 0
        for count, column in enumerate(columns, start=1):
            self.width(count, column.width)
            self.text(row, count, column.header, style)
        return count

    def fit_rows(self) -> None:
        for row, lines in self._lines.items():
            self.ws.row_dimensions[row].height = row_height(lines)

    def finish_table(self, title: str, width: int, last_row: int, freeze: str = "A2") -> None:
        """Frozen header, a filter over the whole table, rows fitted, print set-up (header row on every page)."""
        self.ws.freeze_panes = freeze
        self.ws.auto_filter.ref = f"A1:{column_letter(max(width, 1) - 1)}{max(last_row, 1)}"
        self.fit_rows()
        print_setup(self.ws, title=title, title_row=1)
