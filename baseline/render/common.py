"""What every renderer shares: the consoles (markup never interpreted), JSON, CSV that survives a spreadsheet,
Markdown tables, counts in words, and the layout for people: tables only when every word fits its column
(fit_columns), else one block per item; sentences wrapped at spaces (wrap_words), never mid-word."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
from itertools import chain
from operator import add, itemgetter, sub
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from rich import box
from rich._wrap import divide_line
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from baseline.text import csv_cell, markdown_text, printable

if TYPE_CHECKING:
    from rich.table import Table

NOT_ENCODED = "(not yet encoded: see NICE)"


class _InertConsole(Console):
    """A Console for text from outside (agency and owner names, answers, file names): a string is never markup or
    an emoji code ("Safeguarding lead [interim]" shows as typed, "[/]" cannot crash it), and no control character
    in any text reaches the terminal (an escape sequence in a file name cannot recolour, retitle or clear it). Styles
    are given as Text objects."""

    def render(self, renderable, options=None):
        for segment in super().render(renderable, options):
            text = segment.text
            if segment.control is None and not text.isprintable() and not _printable_lines(text):
                segment = Segment(printable(text), segment.style)
            yield segment


def _printable_lines(text: str) -> bool:
    """Printable characters and line breaks only, which text.printable leaves as they are: tested in C, line by line
    (a table of thousands of plain rows reaches the console as segments of many lines: LaidOutTable)."""
    return all(map(str.isprintable, text.split("\n")))


def console(stderr: bool = False):
    """A rich Console on the *current* stdout/stderr (CliRunner swaps them), long lines not wrapped mid-word."""
    return _InertConsole(file=sys.stderr if stderr else sys.stdout, highlight=False, soft_wrap=True, markup=False,
                         emoji=False)


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)


CSV_BOM = "\ufeff"  # Excel on Windows reads a CSV as UTF-8 only when it starts with this mark
_NUMBER_LIKE = re.compile(r"[0-9][0-9.]*")


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], *, keep_text: Iterable[str] = ()) -> str:
    """CSV that survives a spreadsheet: UTF-8 with a BOM, text a spreadsheet would run as a formula made inert
    (csv_cell), and the columns named in `keep_text` (ids such as section 1.10) kept as text (spreadsheet_text)."""
    keep = {header.index(name) for name in keep_text}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([spreadsheet_text(v) if i in keep else csv_cell(v) for i, v in enumerate(row)])
    return CSV_BOM + buffer.getvalue()


def spreadsheet_text(value: Any) -> Any:
    """An id a spreadsheet would read as a number or a date (1.10 -> 1.1; 1.1.10 -> a date in some locales) as
    ="1.10": a formula holding only that text, which computes nothing and reads no cell, so Excel, LibreOffice
    and Google Sheets all show 1.10 as text. Anything else is an ordinary cell."""
    if isinstance(value, str) and _NUMBER_LIKE.fullmatch(value):
        return f'="{value}"'
    return csv_cell(value)


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A GFM table; every cell is plain text (markdown_text: no line break, pipe, HTML or formatting gets through)."""
    lines = ["| " + " | ".join(map(markdown_text, header)) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(markdown_text("" if v is None else v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


# --- layout for people: tables that fit the terminal, or one block per item -----------------------------------

WIDE = 100  # below this many columns, lists of sentences (issues, gaps) read better as one block each
_BLOCK_INDENT = 4
_PLAIN_CHUNK = 64  # lines of a table without styles given to rich at once


def longest_word(text: str) -> int:
    if _is_plain(text):  # one cell per character: len is its width (most cells; thousands in a national summary)
        return max(map(len, text.split()), default=0)
    return max((cell_len(word) for word in text.split()), default=0)


def longest_line(text: str) -> int:
    if _is_plain(text):
        return len(text)
    return max((cell_len(line) for line in text.splitlines()), default=0)


def _cells_wide(text: str) -> int:
    """The cells `text` takes at a terminal (rich's cell_len), at the cost of len where each character takes one
    (a gap's list of hundreds of agencies is measured several times over)."""
    return len(text) if _is_plain(text) else cell_len(text)


def _is_plain(text: str) -> bool:
    """Printable ASCII on one line: each character one cell wide, nothing a terminal would act on, no tab."""
    return text.isascii() and text.isprintable()


def table_chrome(columns: int) -> int:
    """Cells a table() takes besides its columns' text: one padding cell each side of a column and a separator
    between columns (none at the outer edges)."""
    return 3 * columns - 3


def fit_columns(header: Sequence[str], rows: Sequence[Sequence[str]], width: int, *,
                no_wrap: Iterable[int] = (), prefer: Iterable[int] = ()) -> list[int] | None:
    """Widths for a table `width` cells wide in which no word is broken: each column at least as wide as its
    longest word (its longest cell, for `no_wrap` columns such as ids), the room left shared out (share_room),
    first among the `prefer` columns (the one people read, such as a summary), then among the others. None when
    even the longest words do not fit side by side."""
    return _fit_columns(list(zip(header, *rows)), len(header), width, no_wrap=no_wrap, prefer=prefer)


def _fit_columns(columns: Sequence[Sequence[str]], headers: int, width: int, *, no_wrap: Iterable[int],
                 prefer: Iterable[int]) -> list[int] | None:
    """fit_columns of the columns, each its header then its cells (`headers`: how many the header names)."""
    no_wrap = set(no_wrap)
    least, most = [], []
    for index, column in enumerate(columns):
        texts = set(map(str, column))  # each text measured once (counts, owners and dates repeat down a column)
        most.append(max(map(longest_line, texts)))
        least.append(most[-1] if index in no_wrap else max(map(longest_word, texts)))
    room = width - table_chrome(headers)
    if sum(least) > room:
        return None
    if sum(most) <= room:
        return most
    widths = list(least)
    prefer = [i for i in prefer if i < len(widths)]
    for group in (prefer, [i for i in range(len(widths)) if i not in prefer]):
        share_room(widths, most, group, room - sum(widths))
    return widths


def share_room(widths: list[int], most: Sequence[int], columns: Sequence[int], spare: int) -> None:
    """Max-min fair shares of `spare` cells among `columns`: one that needs little more gets all of it (a status, a
    date: never wrapped for want of a few cells); the long ones share what is left by how much more they need."""
    wants = {i: most[i] - widths[i] for i in columns if most[i] > widths[i]}
    pending = sorted(wants, key=wants.get)
    while pending and wants[pending[0]] <= spare // len(pending):
        index = pending.pop(0)
        widths[index] += wants[index]
        spare -= wants[index]
    if not pending:
        return
    wanted = sum(wants[i] for i in pending)
    given = {i: spare * wants[i] // wanted for i in pending}
    for index in sorted(pending, key=lambda i: given[i] - wants[i])[: spare - sum(given.values())]:
        given[index] += 1  # what the rounding left, to the columns that still want most
    for index in pending:
        widths[index] += given[index]


def table(header: Sequence[str], rows: Sequence[Sequence[Any]], width: int, *, title: str | None = None,
          no_wrap: Iterable[int] = (), right: Iterable[int] = (), prefer: Iterable[int] = (),
          styles: Sequence[str | None] = ()) -> "LaidOutTable | None":
    """A table that fits `width` and breaks no word (cells wrap at spaces), or None when it cannot: then the caller
    shows one block per row. Cells are shown as text, never as rich markup (they quote what people typed)."""
    cells, measured = _cells(header, rows)
    widths = _fit_columns(measured, len(header), width, no_wrap=no_wrap, prefer=prefer)
    if widths is None:
        return None
    no_wrap, right = set(no_wrap), set(right)
    from rich.table import Table  # here: 3 ms of start-up (fractions, decimal) that a clean validate never uses

    head = Table(title=title, title_justify="left", title_style="bold", box=box.SIMPLE_HEAD, show_edge=False,
                 pad_edge=False)
    for index, (name, column_width) in enumerate(zip(header, widths)):
        head.add_column(name, width=column_width, no_wrap=index in no_wrap, overflow="fold",
                        justify="right" if index in right else "left")
    return LaidOutTable(head, cells, [styles[i] if i < len(styles) else None for i in range(len(cells))])


def _cells(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> tuple[list[Sequence[str | Text]],
                                                                          list[Sequence[str]]]:
    """The rows' cells as table() lays them out (a Text as given, anything else as _cell_text of its str), and the
    columns fit_columns measures (each its header, then the text of each cell; only each different text once where
    every row has as many cells: fit_columns measures each once). Column by column when every row has as many cells:
    each value made once per column (counts, dates and names repeat down the thousands of rows of a national owner
    table)."""
    lengths = set(map(len, rows))
    if len(lengths) != 1 or 0 in lengths:  # (no rows or no cells, or rows of several lengths: cell by cell)
        cells = [[cell if isinstance(cell, Text) else _cell_text(str(cell)) for cell in row] for row in rows]
        return cells, list(zip(header, *[[cell if cell.__class__ is str else cell.plain for cell in row]
                                         for row in cells]))
    made_columns, measured = [], []
    for name, column in zip(header, zip(*rows)):
        kinds = set(map(type, column))
        if any(issubclass(kind, Text) for kind in kinds):
            made = [cell if isinstance(cell, Text) else _cell_text(str(cell)) for cell in column]
            made_columns.append(made)
            measured.append([name, *(cell if cell.__class__ is str else cell.plain for cell in made)])
            continue
        # (values of one kind whose equal values read the same, str or int, are looked up as they are)
        values = column if kinds == {str} or kinds == {int} else tuple(map(str, column))
        made_of = {value: _cell_text(str(value)) for value in set(values)}
        text_of = {value: cell if cell.__class__ is str else cell.plain for value, cell in made_of.items()}
        made_columns.append(list(map(made_of.__getitem__, values)))
        measured.append([name, *text_of.values()])
    return list(zip(*made_columns)), measured


def _cell_text(text: str) -> str | Text:
    """A cell as table() lays it out: plain text stays a str (laid out by LaidOutTable itself), anything else
    becomes a Text as rich's Table would make it (control characters such as a carriage return removed)."""
    return text if _is_plain(text) else Text(text)


class LaidOutTable:
    """A table() as rich's Table shows it, its rows laid out here. Rich lays out each cell through several layers
    of renderables (Padding, Text, lines cropped and padded again), which took seconds for the thousands of rows of a
    national summary's owner table; here a cell of plain text (_is_plain) is wrapped by rich's own line breaker
    (divide_line) and padded, in the segments and styles rich's Table gives; any other cell (a styled Text, wide or
    combining characters, a tab, a line break) is laid out by rich, as before. The title, header and the rule below
    it are rich's own (a Table without rows). Where no style is ever written (not a terminal, NO_COLOR) the rows are
    laid out column by column and given to rich as text, many lines to a segment. tests/test_render_table.py holds
    both to rich's Table, in colour and without."""

    def __init__(self, head: Table, rows: list[list[str | Text]], styles: list[str | None]):
        self.head = head
        self.rows = rows
        self.styles = styles

    def print(self, out: Console) -> None:
        """The table on `out` (which it was laid out for: table(..., out.width)), and a blank line. Its lines are not
        cropped to the terminal: none is wider than the width the table was laid out for (fit_columns), so cropping
        changes nothing but measures every line (thousands in a national summary's owner table).
        tests/test_render_table.py holds it to the cropped print."""
        out.print(self, soft_wrap=False, crop=False)
        out.print()

    def __rich_console__(self, console: Console, options: ConsoleOptions):
        yield from console.render(self.head, options)
        new_line = Segment.line()
        if console.color_system is None:  # no style reaches the output: only the text counts
            lines = self._plain_lines(console, options)
            for start in range(0, len(lines), _PLAIN_CHUNK):  # a segment of many lines: less to pass through rich
                yield Segment("\n".join(lines[start:start + _PLAIN_CHUNK]) + "\n")
            return
        for cells, divider in self._rows(console, options):
            for line_no in range(max(len(cell) for cell in cells)):
                for column_index, cell in enumerate(cells):
                    if column_index:
                        yield divider
                    yield from cell[line_no]
                yield new_line

    def _frame(self, console: Console, options: ConsoleOptions) -> tuple:
        """What every row is laid out in, as Table._render works it out: the columns, their padding (left out at the
        outer edges: pad_edge=False), their widths with it, the box's characters and the options a cell gets."""
        head = self.head
        columns = head.columns
        last_column = len(columns) - 1
        pads = [(0 if i == 0 else 1, 0 if i == last_column else 1) for i in range(len(columns))]
        full = [column.width + left + right for column, (left, right) in zip(columns, pads)]
        drawn = head.box.substitute(options, safe=head.safe_box if head.safe_box is not None else console.safe_box)
        return columns, pads, full, drawn, options.update(highlight=head.highlight, height=None)

    def _rows(self, console: Console, options: ConsoleOptions):
        """Per row: its cells' lines as lists of segments, as many for each cell (a cell shorter than its row gets
        blank lines, as Table._render's align_top), and the divider between cells."""
        columns, pads, full, drawn, cell_options = self._frame(console, options)
        border = console.get_style(self.head.style or "") + console.get_style(self.head.border_style or "")
        null = Style.null()
        laid_out: dict[tuple, list] = {}  # the same text in the same column and row style is laid out once
        row_looks: dict[tuple, tuple[Style, Segment]] = {}  # (style, last row?) -> row style, divider
        for index, (row, style) in enumerate(zip(self.rows, self.styles)):
            look = (style, index == len(self.rows) - 1)
            if look not in row_looks:
                row_style = null + console.get_style(style) if style is not None else null
                vertical = drawn.foot_vertical if look[1] else drawn.mid_vertical
                row_looks[look] = (row_style, Segment(vertical, border) if vertical.strip()
                                   else Segment(vertical, row_style.background_style + border))
            row_style, divider = row_looks[look]
            cells = []
            for column_index, (column, cell, width, pad) in enumerate(zip(columns, row, full, pads)):
                key = (column_index, cell, style) if cell.__class__ is str else None
                lines = laid_out.get(key) if key else None
                if lines is None:
                    lines = self._cell(console, cell_options, column, cell, width, pad, row_style, False)
                    if key:
                        laid_out[key] = lines
                cells.append(lines)
            height = max(len(lines) for lines in cells)
            if height > 1:
                cells = [lines + [[Segment(" " * width, row_style)]] * (height - len(lines))
                         for lines, width in zip(cells, full)]
            yield cells, divider

    def _plain_lines(self, console: Console, options: ConsoleOptions) -> list[str]:
        """The rows' lines as text, where no style is ever written, worked out column by column (each row has a cell
        per column, as table() makes them): each text laid out once per column (whatever the row's style), each
        row's first lines joined by the divider's text; a row of more lines gets them cell by cell, a cell shorter
        than its row given blank lines (as _rows). A national summary's owner table has thousands of rows."""
        columns, pads, full, drawn, cell_options = self._frame(console, options)
        null = Style.null()
        row_styles: dict[str | None, Style] = {}  # for the cells rich lays out, as _rows gives them
        by_column = []  # per column, each row's lines in it
        tallest = 1  # the most lines of any cell
        for column, width, pad, cells in zip(columns, full, pads, zip(*self.rows)):
            laid_out: dict[str, list[str]] = {}
            if set(map(type, cells)) == {str}:
                for text in set(cells):
                    laid_out[text] = self._cell(console, cell_options, column, text, width, pad, null, True)
                by_column.append(list(map(laid_out.__getitem__, cells)))
                tallest = max(tallest, max(map(len, laid_out.values()), default=1))  # (each text counted once)
                continue
            column_lines = []
            for cell, style in zip(cells, self.styles):
                if cell.__class__ is str:
                    lines = laid_out.get(cell)
                    if lines is None:
                        lines = laid_out[cell] = self._cell(console, cell_options, column, cell, width, pad, null,
                                                            True)
                else:
                    if style not in row_styles:
                        row_styles[style] = null + console.get_style(style) if style is not None else null
                    lines = self._cell(console, cell_options, column, cell, width, pad, row_styles[style], True)
                column_lines.append(lines)
            by_column.append(column_lines)
            tallest = max(tallest, max(map(len, column_lines), default=1))
        if not by_column:
            return []
        if tallest == 1:  # every row of one line: each row's cells joined
            heights = [1]
            out = list(map(drawn.mid_vertical.join, zip(*[map(itemgetter(0), lines) for lines in by_column])))
        else:  # each column's lines one after another (a cell shorter than its row given blank lines), then joined
            heights = list(map(max, zip(*[map(len, lines) for lines in by_column])))
            stacked = []  # line by line across the columns, as if every row were of one line
            for lines, width in zip(by_column, full):
                if list(map(len, lines)) != heights:  # each cell and the blank lines it lacks, made as they are read
                    blanks = [[" " * width] * missing for missing in range(max(heights) + 1)]
                    lines = map(add, lines, map(blanks.__getitem__, map(sub, heights, map(len, lines))))
                stacked.append(chain.from_iterable(lines))
            out = list(map(drawn.mid_vertical.join, zip(*stacked)))
        if drawn.foot_vertical != drawn.mid_vertical:  # the last row's lines between the foot's dividers
            last = [lines[-1] + [" " * width] * (heights[-1] - len(lines[-1])) for lines, width in zip(by_column, full)]
            out[len(out) - heights[-1]:] = map(drawn.foot_vertical.join, zip(*last))
        return out

    @staticmethod
    def _cell(console: Console, options: ConsoleOptions, column, cell: str | Text, width: int,
              pad: tuple[int, int], row_style: Style, plain: bool) -> list:
        """The lines of one cell, each `width` cells wide, padding included, as Table._render gets them from
        console.render_lines(Padding(cell)): the padding and the text as separate segments (or the line's text,
        when `plain`)."""
        left, right = pad
        if cell.__class__ is not str:
            lines = console.render_lines(
                Padding(cell, (0, right, 0, left)),
                options.update(width=width, justify=column.justify, no_wrap=column.no_wrap, overflow=column.overflow,
                               height=None, highlight=column.highlight),
                style=row_style)
            return ["".join([segment.text for segment in line]) for line in lines] if plain else lines
        texts = _wrap_plain(cell, width - left - right, column.justify, column.no_wrap)
        if plain:
            return [f"{' ' * left}{text}{' ' * right}" for text in texts]
        styled = row_style if row_style else None
        edge = row_style if row_style else Style.null()
        before = [Segment(" " * left, edge)] if left else []
        after = [Segment(" " * right, edge)] if right else []
        return [[*before, Segment(text, styled), *after] for text in texts]


def _wrap_plain(text: str, width: int, justify: str, no_wrap: bool) -> list[str]:
    """Plain text (_is_plain) wrapped and justified in `width` cells exactly as rich's Text.wrap does it with fold
    overflow: broken where rich's divide_line breaks it, each line cropped to the width and padded after it (left)
    or stripped and padded before it (right)."""
    if no_wrap or len(text) <= width:  # (divide_line breaks no line that fits)
        pieces = [text]
    else:
        breaks = _divide_plain(text, width)
        offsets = [0, *(divide_line(text, width, fold=True) if breaks is None else breaks), len(text)]
        pieces = [text[start:end] for start, end in zip(offsets, offsets[1:])]
    lines = []
    for piece in pieces:  # (rich's rstrip_end, the spaces past the width, changes nothing the cropping keeps)
        if justify == "right":
            piece = piece.rstrip()[:width]
            lines.append(" " * (width - len(piece)) + piece)
        else:
            piece = piece[:width]
            lines.append(piece + " " * (width - len(piece)))
    return lines


_WORD = re.compile(r"\s*\S+\s*")  # rich's own word: a run of non-spaces and the spaces around it (rich._wrap.words)


def _divide_plain(text: str, width: int) -> list[int] | None:
    """rich's divide_line(text, width) for plain text (_is_plain: each character one cell) whose every word fits a
    line, at a third of the cost (a gap's list of hundreds of agencies is thousands of words); None for a text with
    a longer word, which divide_line folds. tests/test_render_table.py holds the two to each other."""
    breaks = []
    used = 0
    for word in _WORD.finditer(text):
        start, end = word.span()
        length = len(word.group().rstrip())  # (the first word's spaces before it included, as rich counts them)
        if width - used >= length:
            used += end - start
        elif length > width:
            return None
        elif used and start:
            breaks.append(start)
            used = end - start
    return breaks


def wrap_words(text: Text, width: int) -> list[Text]:
    """`text` wrapped at spaces to `width` cells. A word longer than a line (a long path) stays whole on a line of
    its own, never folded: it can still be copied, and the terminal wraps it as it must."""
    whole = text.plain
    if "\n" not in whole and _cells_wide(whole) <= width:  # one line that fits (on a file or a pipe every line fits:
        line = text.copy()  # width is sys.maxsize), as split and divide would give it, without their copies of it
        line.rstrip()
        return [line]
    lines = []
    for paragraph in text.split("\n"):
        plain = paragraph.plain
        offsets, used = [], _cells_wide(plain) - _cells_wide(plain.lstrip())
        # a paragraph that fits is never broken (a file or a pipe: width is sys.maxsize, so every one fits)
        words = re.finditer(r"\S+\s*", plain) if _cells_wide(plain) > width else ()
        for word in words:
            if used and used + _cells_wide(word.group().rstrip()) > width:
                offsets.append(word.start())
                used = 0
            used += _cells_wide(word.group())
        for line in paragraph.divide(offsets):
            line.rstrip()
            lines.append(line)
    return lines


def say(out: Console, text: Text | str, indent: int = 0) -> None:
    """Print a sentence wrapped at spaces to the terminal (see wrap_words), `indent` cells in. Sent to a file or a
    pipe with no COLUMNS to go by, it stays on one line, whole for grep and for pasting."""
    lines = _said(out, text, indent)
    if lines:  # one print for all the lines: a gap naming hundreds of agencies is many lines at a terminal
        out.print(Text("\n").join(lines), soft_wrap=True)


def _said(out: Console, text: Text | str, indent: int) -> list[Text]:
    """The lines say() prints."""
    text = text if isinstance(text, Text) else Text(text)
    width = out.width if out.is_terminal or os.environ.get("COLUMNS") else sys.maxsize
    return [Text(" " * indent) + line if indent else line for line in wrap_words(text, max(width - indent, 20))]


def block(out: Console, head: Text | str, lines: Iterable[Text | str] = ()) -> None:
    """One item as a head line and its lines indented below it, each wrapped at spaces to the terminal (as say()
    prints them), in one print: a national summary's gaps and owners are thousands of blocks."""
    blocks(out, [(head, lines)])


def blocks(out: Console, items: Iterable[tuple[Text | str, Iterable[Text | str]]]) -> None:
    """block(out, head, lines) of each (head, lines), all in one print (a print costs rich a tenth of a millisecond:
    a summary's gaps are 51 blocks, its owners as blocks thousands)."""
    said = []
    for head, lines in items:
        said += _said(out, head, 0)
        for line in lines:
            said += _said(out, line, _BLOCK_INDENT)
    if said:
        out.print(Text("\n").join(said), soft_wrap=True)


def fields_line(header: Sequence[str], row: Sequence[Any]) -> str:
    """"Met: 3 · Partially met: 1 · …": the cells of a table row as one line of a block (empty cells left out)."""
    return " · ".join(f"{name}: {value}" for name, value in zip(header, row) if str(value))


def print_table_or_blocks(out: Console, title: str, header: Sequence[str], rows: Sequence[Sequence[Any]], *,
                          label_columns: int = 1, no_wrap: Iterable[int] = (), right: Iterable[int] = (),
                          prefer: Iterable[int] = (), styles: Sequence[str | None] = ()) -> None:
    """A table when it fits the terminal without breaking a word; otherwise one block per row: the first
    `label_columns` cells as its head, the others as "Header: value" pairs."""
    shown = table(header, rows, out.width, title=title, no_wrap=no_wrap, right=right, prefer=prefer, styles=styles)
    if shown is not None:
        shown.print(out)
        return
    say(out, Text(title, style="bold"))
    blocks(out, ((Text(" · ".join(str(v) for v in row[:label_columns] if str(v)),
                       style=styles[index] if index < len(styles) and styles[index] else ""),
                  [fields_line(header[label_columns:], row[label_columns:])]) for index, row in enumerate(rows)))
    out.print()
