"""The writing plumbing every workbook writer shares: untrusted text as text, formats made once, sheet protection,
print set-up and row heights, on xlsxwriter.

Every workbook the tool hands out is written through `StreamSheet` (texts, values, formulas, links; formats made
once per workbook by `StreamFormats`): the merged workbook, tens of thousands of cells, streamed in constant-memory
mode (`stream_workbook`); each agency workbook and each action list (`actions -o`), small, in memory
(`workbook_bytes`, which can also lock the workbook's structure, something xlsxwriter has no API for). Texts are
cleaned with text.clean_text, over-long ones refused, formula-looking ones kept as quoted text, and wrapped rows
sized with `line_count`/`row_height`. No openpyxl here: `generate`, `merge` and `actions` never load it.

Everything taken from outside (agency and area names, answers from returns) goes through `StreamSheet.text` (and
`StreamSheet.link`, which writes its text through `text`).
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import xlsxwriter
from xlsxwriter.exceptions import FileCreateError
from xlsxwriter.format import Format
from xlsxwriter.packager import Packager
from xlsxwriter.sharedstrings import SharedStrings
from xlsxwriter.utility import xl_cell_to_rowcol, xl_rowcol_to_cell_fast
from xlsxwriter.worksheet import CellBlankTuple, CellFormulaTuple, CellStringTuple
from xlsxwriter.worksheet import Worksheet as StreamWorksheet

from baseline.text import EXCEL_CELL_LIMIT, clean_text, is_too_long, looks_like_formula

LINE_HEIGHT = 15.0  # points per line of 11-point text
MAX_ROW_HEIGHT = 409.0  # Excel's limit
DEFAULT_WIDTH = 8.43  # a column's width when none was set
DATE_FORMAT = "dd/mm/yyyy"  # dates shown UK day-first, the same whatever the reader's locale

# --- the look every workbook shares --------------------------------------------------------------------------
BORDER_COLOUR = "BFBFBF"
HEADER_COLOURS = ("FFFFFF", "1F4E79")  # font, fill
SECTION_COLOURS = ("1F3864", "D9E1F2")  # font, fill


def refuse_too_long(text: str) -> None:
    if is_too_long(text):
        # Callers validate lengths first; reaching here is a programming error, never a silent cut.
        raise ValueError(f"text of {len(text)} characters exceeds Excel's cell limit of {EXCEL_CELL_LIMIT}")


def page_header(title: str) -> str:
    # "&" starts a code in page headers ("&P" is the page number); headers hold at most 255 characters.
    return clean_text(title).replace("&", "&&")[:250]


PAGE_FOOTER = "Page &P of &N"


# Texts up to this long are made safe once per workbook when a StreamSheet is given `known` (longer ones are rarely
# repeated, and a memo of them would only hold memory).
REMEMBERED_LENGTH = 100


def line_count(text: str, width: float | None) -> int:
    """Lines a wrapped text takes in a column `width` characters wide (a width unit is one "0"; words wrap early,
    so this errs on the tall side)."""
    per_line = max(1, int(width or DEFAULT_WIDTH))
    return sum(max(1, -(-len(paragraph) // per_line)) for paragraph in text.split("\n"))


def row_height(lines: int) -> float:
    """The height of a row showing `lines` lines of wrapped text.

    LibreOffice (and Google Sheets) do not grow rows to fit wrapped text on opening, and Excel does not reliably
    grow rows of a file it did not write, so without a height long text overlaps or is clipped, on screen and in
    print."""
    return min(MAX_ROW_HEIGHT, lines * LINE_HEIGHT + 2)


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


class _RememberingWorksheet(StreamWorksheet):
    """xlsxwriter's worksheet, remembering how it prepared each formula.

    Before storing a formula xlsxwriter runs ~30 regular expressions over it (prefixing Excel's newer functions);
    the agency workbooks repeat the same few hundred formulas (My summary's, per length of list), so preparing each
    once, not in every workbook, saves a fifth of their writing. The preparation is a pure function of the formula
    and the two options, the key kept.
    """

    _prepared: dict[tuple[str, bool, bool], str] = {}

    def _prepare_formula(self, formula, expand_future_functions=False):
        key = (formula, bool(expand_future_functions), bool(self.use_future_functions))
        prepared = self._prepared.get(key)
        if prepared is None:
            if len(self._prepared) > 10_000:  # bounded, whatever writes formulas
                self._prepared.clear()
            prepared = self._prepared[key] = super()._prepare_formula(formula, expand_future_functions)
        return prepared

    # Formulas known to be ordinary (neither a dynamic array nor an array formula: xlsxwriter checks each with a
    # regular expression), as prepared, by (formula, future functions on?).
    _ordinary: dict[tuple[str, bool], str] = {}

    def _write_formula(self, row, col, formula, cell_format=None, value=0):
        key = (formula, bool(self.use_future_functions))
        prepared = self._ordinary.get(key)
        if prepared is None:
            outcome = super()._write_formula(row, col, formula, cell_format, value)
            if outcome == 0 and type(self.table.get(row, {}).get(col)) is CellFormulaTuple:
                if len(self._ordinary) > 10_000:
                    self._ordinary.clear()
                self._ordinary[key] = self.table[row][col].formula
            return outcome
        # As xlsxwriter's _write_formula does for an ordinary formula.
        if self._check_dimensions(row, col):
            return -1
        if self.constant_memory and row > self.previous_row:
            self._write_single_row(row)
        self.table[row][col] = CellFormulaTuple(prepared, cell_format, value)
        return 0

    def _write_cell(self, row, col, cell):
        # The cells an agency workbook is mostly made of, a formatted blank (an answer cell), a shared string and
        # a formula with its number, written as xlsxwriter writes them (`<c r="B7" s="12"/>`, `<c r="B7" s="12" t="s"><v>3</v></c>`)
        # without its generic path, which escapes each attribute with a regular expression (a reference and a
        # number never need it). Anything else, and any cell without a format, goes the generic way.
        kind = type(cell)
        if kind is CellBlankTuple and cell.format is not None:
            self.fh.write(f'<c r="{xl_rowcol_to_cell_fast(row, col)}" s="{cell.format._get_xf_index()}"/>')
        elif kind is CellStringTuple and cell.format is not None and not self.constant_memory:
            self.fh.write(f'<c r="{xl_rowcol_to_cell_fast(row, col)}" s="{cell.format._get_xf_index()}" t="s">'
                          f'<v>{cell.string}</v></c>')
        elif kind is CellFormulaTuple and cell.format is not None and type(cell.value) in (int, float):
            # A formula with the number it gives (My summary's counts): xlsxwriter writes the number as it is.
            self.fh.write(f'<c r="{xl_rowcol_to_cell_fast(row, col)}" s="{cell.format._get_xf_index()}">'
                          f'<f>{self._escape_data(cell.formula)}</f><v>{cell.value}</v></c>')
        else:
            super()._write_cell(row, col, cell)


class _RememberingSharedStrings(SharedStrings):
    """xlsxwriter's shared strings part, each short string's <si> element made once per process: three regular
    expressions a string (control characters, whitespace, XML escapes) that the agency workbooks repeat for the same
    few hundred texts (headers, section names, instructions). The element is a pure function of the string."""

    _elements: dict[str, str] = {}

    def _write_si(self, string) -> None:
        element = self._elements.get(string)
        if element is None:
            out, self.fh = self.fh, io.StringIO()
            try:
                super()._write_si(string)
                element = self.fh.getvalue()
            finally:
                self.fh = out
            if len(string) <= REMEMBERED_LENGTH:
                if len(self._elements) > 10_000:  # bounded, whatever the texts
                    self._elements.clear()
                self._elements[string] = element
        self.fh.write(element)


class _MemoryPackager(Packager):
    def _write_shared_strings_file(self) -> None:
        # Packager's own, with the remembering writer (xlsxwriter names no class to override).
        sst = _RememberingSharedStrings()
        sst.string_table = self.workbook.str_table
        if not self.workbook.str_table.count:
            return
        sst._set_xml_writer(self._filename("xl/sharedStrings.xml"))
        sst._assemble_xml_file()


class MemoryWorkbook(xlsxwriter.Workbook):
    """A small workbook written in memory (BOOK_OPTIONS), formulas prepared once (_RememberingWorksheet), and with
    `lock_structure` its structure protected without a password: sheets cannot be added, deleted, renamed, moved,
    hidden or unhidden (it stops accidents, not people, XLSX_PITFALLS.md §3).

    xlsxwriter has no API for structure protection (its author declines to add one, libxlsxwriter issue 516). The
    element goes where the schema puts it, right after <workbookPr>, which xlsxwriter writes through this one method;
    tests/test_agency_writer.py proves the element is there, where Excel and openpyxl find it (LibreOffice drops it
    when it saves, as it did from openpyxl's files). Writing it here costs nothing, where rewriting workbook.xml in
    the saved zip re-compresses every part (2 ms a workbook, a fifth of the writing). The overrides use xlsxwriter
    internals (_write_workbook_pr, _get_packager, the worksheet's _prepare_formula, _write_formula, _write_cell and
    its cell tuples, the shared strings' _write_si): should a release rename them, the lock's test fails, and the
    memos and fast cell writers merely stop saving time. Each writes what xlsxwriter would (checked by comparing
    every part of old and new workbooks when they were made).
    """

    def __init__(self, target, *, lock_structure: bool = False):
        super().__init__(target, BOOK_OPTIONS)
        self.worksheet_class = _RememberingWorksheet
        self.lock_structure = lock_structure

    def _get_packager(self) -> Packager:
        return _MemoryPackager()  # xlsxwriter's hook for its packager

    def _write_workbook_pr(self) -> None:
        super()._write_workbook_pr()
        if self.lock_structure:
            self._xml_empty_tag("workbookProtection", [("lockStructure", 1)])


def workbook_bytes(write: Callable[[xlsxwriter.Workbook], None], *, lock_structure: bool = False) -> bytes:
    """The .xlsx file `write` makes of a MemoryWorkbook, as bytes."""
    buffer = io.BytesIO()
    wb = MemoryWorkbook(buffer, lock_structure=lock_structure)
    write(wb)
    wb.close()
    return buffer.getvalue()


class _FormatTable(dict):
    """Named style -> Format, each made on first use (a workbook that never needs a style never makes it)."""

    def __init__(self, wb: xlsxwriter.Workbook, styles: dict[str, dict], extra: dict):
        super().__init__()
        self._wb, self._styles, self._extra = wb, styles, extra

    # Formats as first made (before any workbook numbered them), by their properties: a workbook gets a copy of
    # one instead of making it again (xlsxwriter's Format runs a setter per property; generate makes the same ~25
    # formats for every agency workbook). The copy is what add_format would have returned: the same properties,
    # the workbook's index tables, appended to its formats.
    _made: dict[tuple, Format] = {}

    def __missing__(self, name: str):
        wb = self._wb
        properties = {**wb.default_format_properties, **self._styles[name], **self._extra}
        key = tuple(properties.items())
        try:
            model = self._made.get(key)
        except TypeError:  # a property whose value cannot be a key: made the usual way
            made = self[name] = wb.add_format(properties)
            return made
        if model is None:
            model = self._made[key] = Format(properties)
        made = self[name] = copy.copy(model)
        made.xf_format_indices, made.dxf_format_indices = wb.xf_format_indices, wb.dxf_format_indices
        wb.formats.append(made)
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
                 wrapped: frozenset[str] = frozenset(), known: dict | None = None):
        self.workbook = wb  # charts are made by the workbook
        # `known`: short texts already made safe (text -> safe text, quoted?), shared by a workbook's sheets: the
        # merged workbook repeats the same few thousand short texts (agencies, ids, choices, owners) a million times
        self._known = known
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
        """Give the current row a height that shows its wrapped text (see row_height for why)."""
        if self._row is not None and self._lines > 1 and self._row != self._fixed:
            self.ws.set_row(self._row - 1, row_height(self._lines))
            self._lines = 1

    def width(self, column: int, width: float) -> None:
        self.ws.set_column(column - 1, column - 1, width)
        self._widths[column] = width

    def blank(self, row: int, column: int, style: str) -> None:
        self._at(row)
        # xlsxwriter's undecorated writers (`_write_blank`, `_write_string`): its public ones first check whether
        # the row is given in A1 notation, and StreamSheet always gives numbers.
        self.ws._write_blank(row - 1, column - 1, None, self.formats.plain[style])

    def text(self, row: int, column: int, text: str | None, style: str, *, unique: bool = False) -> None:
        """Any text (from a return or not) as text, never a formula, a link or a number. xlsxwriter escapes
        "_xHHHH_" itself, so such text reads back as typed. `unique`: a text written once only (an Action ID, a
        digest), not worth remembering."""
        if text is None or text == "":
            self.blank(row, column, style)
            return
        self._at(row)
        text, quoted = self._safe(text, unique)
        cell_format = (self.formats.quoted if quoted else self.formats.plain)[style]
        if text.startswith("<r>") and text.endswith("</r>"):
            # xlsxwriter writes such a string unescaped (it takes it for its own rich text): split it into two
            # escaped runs of the same format instead, which reads back as the one text.
            self.ws.write_rich_string(row - 1, column - 1, cell_format, text[:1], cell_format, text[1:],
                                      cell_format)
        else:
            self.ws._write_string(row - 1, column - 1, text, cell_format)
        if style in self.wrapped:
            width = self._widths.get(column)
            if "\n" in text or len(text) > int(width or DEFAULT_WIDTH):  # one line otherwise
                self._lines = max(self._lines, line_count(text, width))

    def _safe(self, text, unique: bool) -> tuple[str, bool]:
        """The text as written (control characters removed, never too long) and whether it looks like a formula
        (then written with a quote prefix)."""
        known = self._known
        if known is not None and not unique:
            safe = known.get(text)
            if safe is not None:
                return safe
        cleaned = clean_text(str(text))
        refuse_too_long(cleaned)
        safe = (cleaned, looks_like_formula(cleaned))
        if known is not None and not unique and len(cleaned) <= REMEMBERED_LENGTH:
            known[text] = safe
        return safe

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
        self.ws._write_formula(row - 1, column - 1, formula, self.formats.plain[style], value)

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
    """A4, fitted to the page width, as many pages down as needed, the title on every page, page numbers; with
    `title_row`, that row repeated at the top of every page."""
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4)
    if title_row:
        ws.repeat_rows(title_row - 1)
    ws.set_header("&C" + page_header(title))
    ws.set_footer("&R" + PAGE_FOOTER)


def stream_protect(ws: StreamWorksheet) -> None:
    """Protect without a password; sorting, filtering and resizing stay allowed."""
    ws.protect("", {"sort": True, "autofilter": True, "format_cells": True, "format_columns": True,
                    "format_rows": True})

