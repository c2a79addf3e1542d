"""The writing plumbing every writer shares: untrusted text as text, style records shared between cells, sheet
protection, print set-up and row heights.

Two back-ends, one set of rules. Both workbooks the tool hands out are written with xlsxwriter through `StreamSheet`
(texts, values, formulas, links; formats made once per workbook by `StreamFormats`): the merged workbook, tens of
thousands of cells, streamed in constant-memory mode (`stream_workbook`); each agency workbook, small, in memory
(`workbook_bytes`, which can also lock the workbook's structure, something xlsxwriter has no API for). The openpyxl
helpers (`write_text`, `StyleCache`, `protect`, `print_setup`, `fit_row_heights`) serve the action lists and the
tests that type into a workbook as a person would. Both clean texts with text.clean_text, refuse over-long ones,
keep formula-looking text as quoted text, size wrapped rows with `line_count`/`row_height` and share the colours
below.

Everything taken from outside (agency and area names, answers from returns) goes through `write_text` or
`StreamSheet.text` (and `StreamSheet.link`, which writes its text through `text`).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from copy import copy
from pathlib import Path

import xlsxwriter
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.worksheet import Worksheet
from xlsxwriter.exceptions import FileCreateError
from xlsxwriter.utility import xl_cell_to_rowcol
from xlsxwriter.worksheet import Worksheet as StreamWorksheet

from baseline.text import EXCEL_CELL_LIMIT, clean_text, is_too_long, looks_like_formula

# OOXML escapes characters as _xHHHH_ and readers decode it; openpyxl writes such text literally, so "_x0041_"
# typed by a person would come back as "A". Escaping the underscore (_x005F_) keeps the text as typed.
_OOXML_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
LINE_HEIGHT = 15.0  # points per line of 11-point text
MAX_ROW_HEIGHT = 409.0  # Excel's limit
DEFAULT_WIDTH = 8.43  # a column's width when none was set
DATE_FORMAT = "dd/mm/yyyy"  # dates shown UK day-first, the same whatever the reader's locale

# --- the look both workbooks share (openpyxl shares identical style objects, so constants cost nothing) ---------
BORDER_COLOUR = "BFBFBF"
HEADER_COLOURS = ("FFFFFF", "1F4E79")  # font, fill
SECTION_COLOURS = ("1F3864", "D9E1F2")  # font, fill
THIN = Side(style="thin", color=BORDER_COLOUR)
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
# Fonts name the workbook default (Calibri 11): a font without a name renders in LibreOffice's default serif.
FONT = {"name": "Calibri", "size": 11}
HEADER_FONT = Font(**FONT, bold=True, color=HEADER_COLOURS[0])
HEADER_FILL = PatternFill("solid", fgColor=HEADER_COLOURS[1])
SECTION_FONT = Font(**FONT, bold=True, color=SECTION_COLOURS[0])
SECTION_FILL = PatternFill("solid", fgColor=SECTION_COLOURS[1])
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
    _refuse_too_long(text)
    cell.value = _OOXML_ESCAPE.sub(r"_x005F_\1", text)
    cell.data_type = "s"
    if looks_like_formula(text):
        cell.quotePrefix = True


def _refuse_too_long(text: str) -> None:
    if is_too_long(text):
        # Callers validate lengths first; reaching here is a programming error, never a silent cut.
        raise ValueError(f"text of {len(text)} characters exceeds Excel's cell limit of {EXCEL_CELL_LIMIT}")


def _page_header(title: str) -> str:
    # "&" starts a code in page headers ("&P" is the page number); headers hold at most 255 characters.
    return clean_text(title).replace("&", "&&")[:250]


PAGE_FOOTER = "Page &P of &N"


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
    ws.oddHeader.center.text = _page_header(title)
    ws.oddFooter.right.text = PAGE_FOOTER


# --- the streaming back-end (xlsxwriter, constant-memory mode): the merged workbook ----------------------------

# Never turn a string into a formula, a link or a number: a text from a return stays the text it was.
STREAM_OPTIONS = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                  "strings_to_numbers": False}


@contextmanager
def stream_workbook(path: Path) -> Iterator[xlsxwriter.Workbook]:
    """A streaming workbook (rows go to disk as they are written, so memory stays flat in the number of rows),
    saved to `path` at the end of the block. A failure to save raises the OSError behind it (atomic_write reports
    those); after an error in the block the workbook is still closed, freeing its temporary row files."""
    wb = xlsxwriter.Workbook(str(path), STREAM_OPTIONS)
    try:
        yield wb
        wb.close()
    except FileCreateError as exc:
        _drop_row_files(wb)
        raise exc.args[0] from None  # xlsxwriter wraps the OSError
    except BaseException:
        _drop_row_files(wb)
        raise


def _drop_row_files(wb: xlsxwriter.Workbook) -> None:
    """Close and delete the temporary row files of a workbook that will not be saved (xlsxwriter only does so when
    it saves one; its attributes row_data_fh/row_data_filename are the constant-memory mode's files)."""
    for ws in wb.worksheets():
        handle, name = getattr(ws, "row_data_fh", None), getattr(ws, "row_data_filename", None)
        if handle is not None and not handle.closed:
            handle.close()
        if name:
            with suppress(FileNotFoundError):
                os.unlink(name)


# The same for a small workbook written in memory (no temporary file per sheet: for a workbook of a few hundred
# cells, creating and removing those costs more than the writing).
BOOK_OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                "strings_to_numbers": False}


class StructureLockedWorkbook(xlsxwriter.Workbook):
    """An xlsxwriter workbook whose structure is protected without a password (sheets cannot be added, deleted,
    renamed, moved, hidden or unhidden: it stops accidents, not people, XLSX_PITFALLS.md §3).

    xlsxwriter has no API for it (its author declines to add one). The element goes where the schema puts it,
    right after <workbookPr>, which xlsxwriter writes through this one method; tests/test_sheets.py proves the
    element is in the file and that LibreOffice honours and keeps it. Writing it here costs nothing, where
    rewriting workbook.xml in the saved zip costs a re-compression of every part (2 ms a workbook).
    """

    def _write_workbook_pr(self) -> None:
        super()._write_workbook_pr()
        self._xml_empty_tag("workbookProtection", [("lockStructure", 1)])


def workbook_bytes(write: Callable[[xlsxwriter.Workbook], None], *, lock_structure: bool = False) -> bytes:
    """The .xlsx file `write` makes of an in-memory workbook (BOOK_OPTIONS), as bytes; with `lock_structure`, its
    structure protected (StructureLockedWorkbook)."""
    buffer = io.BytesIO()
    wb = (StructureLockedWorkbook if lock_structure else xlsxwriter.Workbook)(buffer, BOOK_OPTIONS)
    write(wb)
    wb.close()
    return buffer.getvalue()


class _FormatTable(dict):
    """Named style -> Format, each made on first use (a workbook that never needs a style never makes it)."""

    def __init__(self, wb: xlsxwriter.Workbook, styles: dict[str, dict], extra: dict):
        super().__init__()
        self._wb, self._styles, self._extra = wb, styles, extra

    def __missing__(self, name: str):
        made = self[name] = self._wb.add_format({**self._styles[name], **self._extra})
        return made


class StreamFormats:
    """Named style -> xlsxwriter Format, created once per workbook, plus its quote-prefixed twin for text that
    looks like a formula (so Excel does not re-interpret it on edit, XLSX_PITFALLS.md §5); each is made on first
    use (most styles never need the twin)."""

    def __init__(self, wb: xlsxwriter.Workbook, styles: dict[str, dict]):
        self.plain = _FormatTable(wb, styles, {})
        self.quoted = _FormatTable(wb, styles, {"quote_prefix": True})


class StreamSheet:
    """One worksheet written cell by cell through xlsxwriter (streamed in constant-memory mode, or in memory): texts
    never formulas, named styles as formats made once (StreamFormats), rows tall enough for their wrapped text.

    Rows must be written in ascending order (in constant-memory mode each row is flushed to disk when the next one
    starts), so a row's height is set just before its successor is begun, from the wrapped texts written into it.
    """

    def __init__(self, wb: xlsxwriter.Workbook, title: str, formats: StreamFormats,
                 wrapped: frozenset[str] = frozenset()):
        self.workbook = wb  # charts are made by the workbook
        self.ws: StreamWorksheet = wb.add_worksheet(title)
        self.formats = formats
        self.wrapped = wrapped  # the named styles that wrap text
        self._widths: dict[int, float] = {}  # set before the texts they size
        self._row: int | None = None
        self._lines = 1
        self._fixed: int | None = None  # the row given a height of its own (`height`)

    def _at(self, row: int) -> None:
        if row != self._row:
            if self._row is not None and row < self._row:
                raise ValueError(f"row {row} written after row {self._row}: a streamed sheet goes top to bottom")
            self.fit_rows()
            self._row, self._lines = row, 1

    def fit_rows(self) -> None:
        """Give the current row a height that shows its wrapped text (see fit_row_heights for why)."""
        if self._row is not None and self._lines > 1 and self._row != self._fixed:
            self.ws.set_row(self._row - 1, row_height(self._lines))
            self._lines = 1

    def width(self, column: int, width: float) -> None:
        self.ws.set_column(column - 1, column - 1, width)
        self._widths[column] = width

    def blank(self, row: int, column: int, style: str) -> None:
        self._at(row)
        self.ws.write_blank(row - 1, column - 1, None, self.formats.plain[style])

    def text(self, row: int, column: int, text: str | None, style: str) -> None:
        """Any text (from a return or not) as text, never a formula, a link or a number. xlsxwriter escapes
        "_xHHHH_" itself, so such text reads back as typed."""
        if text is None or text == "":
            self.blank(row, column, style)
            return
        self._at(row)
        text = clean_text(str(text))
        _refuse_too_long(text)
        quoted = looks_like_formula(text)
        cell_format = (self.formats.quoted if quoted else self.formats.plain)[style]
        if text.startswith("<r>") and text.endswith("</r>"):
            # xlsxwriter writes such a string unescaped (it takes it for its own rich text): split it into two
            # escaped runs of the same format instead, which reads back as the one text.
            self.ws.write_rich_string(row - 1, column - 1, cell_format, text[:1], cell_format, text[1:],
                                      cell_format)
        else:
            self.ws.write_string(row - 1, column - 1, text, cell_format)
        if style in self.wrapped:
            self._lines = max(self._lines, line_count(text, self._widths.get(column)))

    def value(self, row: int, column: int, value, style: str) -> None:
        """Numbers and dates the tool computed (never text from a return)."""
        self._at(row)
        if isinstance(value, dt.date):
            self.ws.write_datetime(row - 1, column - 1, value, self.formats.plain[style])
        else:
            self.ws.write_number(row - 1, column - 1, value, self.formats.plain[style])

    def formula(self, row: int, column: int, formula: str, style: str, value: float | str = 0) -> None:
        """A formula the tool wrote (never text from a return), with the value it gives as the file is written:
        the value a reader that does not calculate (python-calamine, a preview) shows."""
        self._at(row)
        self.ws.write_formula(row - 1, column - 1, formula, self.formats.plain[style], value)

    def link(self, row: int, column: int, url: str, text: str, style: str) -> None:
        """A hyperlink to `url` (a link the tool made, never one from a return) showing `text`, which is written as
        any text is (`text`): the link is laid first with its own address as its text, then the cell's text over
        it, so the text never passes through xlsxwriter's link writer (which would take "<r>…</r>" for rich
        text)."""
        self._at(row)
        self.ws.write_url(row - 1, column - 1, url, self.formats.plain[style], string=url)
        self.text(row, column, text, style)

    def height(self, row: int, points: float) -> None:
        """Give a row a fixed height (a header row, a merged note); its texts are not measured again."""
        self._at(row)
        self.ws.set_row(row - 1, points)
        self._lines = 1
        self._fixed = row

    def comment(self, row: int, column: int, note: str) -> None:
        self.ws.write_comment(row - 1, column - 1, note, {"author": "baseline", "width": 220, "height": 60})

    def header(self, columns, style: str, row: int = 1) -> int:
        """A table's header row from column specs (.header, .width); returns the number of columns."""
        count = 0
        for count, column in enumerate(columns, start=1):
            self.width(count, column.width)
            self.text(row, count, column.header, style)
        return count

    def finish_table(self, title: str, width: int, last_row: int, freeze: str = "A2") -> None:
        """Frozen header, a filter over the whole table, the last row fitted, print set-up (header row on every
        page)."""
        self.fit_rows()
        self.ws.freeze_panes(*xl_cell_to_rowcol(freeze))
        self.ws.autofilter(0, 0, max(last_row, 1) - 1, max(width, 1) - 1)
        stream_print_setup(self.ws, title=title, title_row=1)


def stream_print_setup(ws: StreamWorksheet, *, title: str, landscape: bool = True,
                       title_row: int | None = None) -> None:
    """print_setup's page for a streamed sheet."""
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4)
    if title_row:
        ws.repeat_rows(title_row - 1)
    ws.set_header("&C" + _page_header(title))
    ws.set_footer("&R" + PAGE_FOOTER)


def stream_protect(ws: StreamWorksheet) -> None:
    """protect() for a streamed sheet: no password; sorting, filtering and resizing stay allowed."""
    ws.protect("", {"sort": True, "autofilter": True, "format_cells": True, "format_columns": True,
                    "format_rows": True})

