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
from contextlib import contextmanager, nullcontext
from typing import Any, Iterable, Sequence

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from baseline.text import csv_cell, markdown_text, printable

NOT_ENCODED = "(not yet encoded: see NICE)"


class _InertConsole(Console):
    """A Console for text from outside (agency and owner names, answers, file names): a string is never markup or
    an emoji code ("Safeguarding lead [interim]" shows as typed, "[/]" cannot crash it), and no control character
    in any text reaches the terminal (an escape sequence in a file name cannot recolour, retitle or clear it). Styles
    are given as Text objects."""

    def render(self, renderable, options=None):
        for segment in super().render(renderable, options):
            if segment.control is None and not segment.text.isprintable() and segment.text != "\n":
                segment = Segment(printable(segment.text), segment.style)
            yield segment


def console(stderr: bool = False):
    """A rich Console on the *current* stdout/stderr (CliRunner swaps them), long lines not wrapped mid-word."""
    return _InertConsole(file=sys.stderr if stderr else sys.stdout, highlight=False, soft_wrap=True, markup=False,
                         emoji=False)


def progress_reader():
    """A transient progress line on stderr while files are read; only on a terminal, so pipes and logs stay clean.
    A context manager giving a callable (path -> None), or None."""
    if not sys.stderr.isatty():
        return nullcontext(None)

    @contextmanager
    def bar():
        # redrawn as each file is read, not by a thread of its own: reading may fork processes (intake.pool_size)
        with Progress(SpinnerColumn(), TextColumn("{task.completed} read · {task.description}", markup=False),
                      console=console(stderr=True), transient=True, auto_refresh=False) as progress:
            task = progress.add_task("", total=None)
            yield lambda path: progress.update(task, description=path, advance=1, refresh=True)

    return bar()


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


def counted(n: int, word: str, plural: str | None = None) -> str:
    """"1 agency", "2 agencies", "0 files": a count with its noun in the right number (the one plural rule)."""
    if n == 1:
        return f"{n} {word}"
    if plural is None:
        plural = word[:-1] + "ies" if word.endswith("y") and word[-2:-1] not in "aeiou" else word + "s"
    return f"{n} {plural}"


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A GFM table; every cell is plain text (markdown_text: no line break, pipe, HTML or formatting gets through)."""
    lines = ["| " + " | ".join(map(markdown_text, header)) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(markdown_text("" if v is None else v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


# --- layout for people: tables that fit the terminal, or one block per item -----------------------------------

WIDE = 100  # below this many columns, lists of sentences (issues, gaps) read better as one block each
_BLOCK_INDENT = 4


def longest_word(text: str) -> int:
    return max((cell_len(word) for word in text.split()), default=0)


def longest_line(text: str) -> int:
    return max((cell_len(line) for line in text.splitlines()), default=0)


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
    no_wrap = set(no_wrap)
    least, most = [], []
    for index, texts in enumerate(zip(header, *rows)):
        most.append(max(longest_line(str(t)) for t in texts))
        least.append(most[-1] if index in no_wrap else max(longest_word(str(t)) for t in texts))
    room = width - table_chrome(len(header))
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
          styles: Sequence[str | None] = ()) -> Table | None:
    """A table that fits `width` and breaks no word (cells wrap at spaces), or None when it cannot: then the caller
    shows one block per row. Cells are shown as text, never as rich markup (they quote what people typed)."""
    cells = [[cell if isinstance(cell, Text) else Text(str(cell)) for cell in row] for row in rows]
    widths = fit_columns(header, [[cell.plain for cell in row] for row in cells], width, no_wrap=no_wrap,
                         prefer=prefer)
    if widths is None:
        return None
    no_wrap, right = set(no_wrap), set(right)
    result = Table(title=title, title_justify="left", title_style="bold", box=box.SIMPLE_HEAD, show_edge=False,
                   pad_edge=False)
    for index, (name, column_width) in enumerate(zip(header, widths)):
        result.add_column(name, width=column_width, no_wrap=index in no_wrap, overflow="fold",
                          justify="right" if index in right else "left")
    for index, row in enumerate(cells):
        result.add_row(*row, style=styles[index] if index < len(styles) else None)
    return result


def wrap_words(text: Text, width: int) -> list[Text]:
    """`text` wrapped at spaces to `width` cells. A word longer than a line (a long path) stays whole on a line of
    its own, never folded: it can still be copied, and the terminal wraps it as it must."""
    lines = []
    for paragraph in text.split("\n"):
        offsets, used = [], cell_len(paragraph.plain) - cell_len(paragraph.plain.lstrip())
        for word in re.finditer(r"\S+\s*", paragraph.plain):
            if used and used + cell_len(word.group().rstrip()) > width:
                offsets.append(word.start())
                used = 0
            used += cell_len(word.group())
        for line in paragraph.divide(offsets):
            line.rstrip()
            lines.append(line)
    return lines


def say(out: Console, text: Text | str, indent: int = 0) -> None:
    """Print a sentence wrapped at spaces to the terminal (see wrap_words), `indent` cells in. Sent to a file or a
    pipe with no COLUMNS to go by, it stays on one line, whole for grep and for pasting."""
    text = text if isinstance(text, Text) else Text(text)
    width = out.width if out.is_terminal or os.environ.get("COLUMNS") else sys.maxsize
    for line in wrap_words(text, max(width - indent, 20)):
        out.print(Text(" " * indent) + line if indent else line, soft_wrap=True)


def block(out: Console, head: Text | str, lines: Iterable[Text | str] = ()) -> None:
    """One item as a head line and its lines indented below it, each wrapped at spaces to the terminal."""
    say(out, head)
    for line in lines:
        say(out, line, _BLOCK_INDENT)


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
        out.print(shown, soft_wrap=False)
        out.print()
        return
    say(out, Text(title, style="bold"))
    for index, row in enumerate(rows):
        head = Text(" · ".join(str(v) for v in row[:label_columns] if str(v)),
                    style=styles[index] if index < len(styles) and styles[index] else "")
        block(out, head, [fields_line(header[label_columns:], row[label_columns:])])
    out.print()
