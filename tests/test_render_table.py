"""render.table lays out its rows itself (LaidOutTable: rich's Table took seconds over the thousands of rows of a
national summary): what it prints must be what rich's Table prints for the same cells and widths, byte for byte, in
colour (every segment's style) and without; the width rule (a table only when every word fits, else blocks) and the
escaping (no markup read, no control character shown) hold on the fast path too."""

from __future__ import annotations

import io
import random

import pytest
from rich import box
from rich._wrap import divide_line
from rich.cells import cell_len
from rich.table import Table
from rich.text import Text

from baseline.render import common
from baseline.render.common import LaidOutTable, fit_columns, print_table_or_blocks, table

WORDS = [
    "Bench", "Agency", "00003", "overdue", "since", "2027-01-01", "Owner", "11", "3", "0", "", "a", "%",
    "Safeguarding lead [interim]", "[bold]x[/]", "[/]", ":smile:", "Information and support",
    "a-very-long-word-that-never-fits-its-column-and-must-fold", "  leading", "trailing  ", "two  spaces",
    "St Mary’s", "Café", "e\u0301", "漢字の名前", "😀 emoji", "tab\there", "line\nbreak", "cr\rreturn",
    "evil\x1b[2J", "bell\x07", "nbsp\u00a0here", "zero\u200bwidth", "1.10", "=SUM(A1)",
]
ROW_STYLES = [None, None, None, "bold red", "on blue", "dim", "green on red"]


def old_table(header, rows, widths, *, title, no_wrap, right, styles) -> Table:
    """rich's Table as table() built it before LaidOutTable: the reference."""
    result = Table(title=title, title_justify="left", title_style="bold", box=box.SIMPLE_HEAD, show_edge=False,
                   pad_edge=False)
    for index, (name, column_width) in enumerate(zip(header, widths)):
        result.add_column(name, width=column_width, no_wrap=index in no_wrap, overflow="fold",
                          justify="right" if index in right else "left")
    for index, row in enumerate(rows):
        result.add_row(*row, style=styles[index] if index < len(styles) else None)
    return result


def inert_console(width: int, colour: bool):
    return common._InertConsole(file=io.StringIO(), width=width, force_terminal=colour,
                                color_system="truecolor" if colour else None, highlight=False, soft_wrap=True,
                                markup=False, emoji=False)


def printed(renderable, width: int, colour: bool) -> str:
    out = inert_console(width, colour)
    out.print(renderable, soft_wrap=False)
    return out.file.getvalue()


def random_case(rng: random.Random):
    columns = rng.randint(1, 7)
    header = [rng.choice(["Agency", "Owner", "Actions", "Open", "Earliest open deadline", "Id", "Name é"])
              for _ in range(columns)]
    rows = []
    for _ in range(rng.randint(0, 12)):
        row = []
        for _ in range(columns):
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 4)))
            row.append(Text(text, style=rng.choice(["green", "bold red", "magenta on white"]))
                       if rng.random() < 0.1 else (rng.randint(0, 500) if rng.random() < 0.1 else text))
        rows.append(row)
    styles = [rng.choice(ROW_STYLES) for _ in rows]
    no_wrap = {i for i in range(columns) if rng.random() < 0.2}
    right = {i for i in range(columns) if rng.random() < 0.3}
    return header, rows, styles, no_wrap, right


@pytest.mark.parametrize("seed", range(60))
def test_the_rows_are_what_richs_table_prints_in_colour_and_without(seed):
    rng = random.Random(seed)
    header, rows, styles, no_wrap, right = random_case(rng)
    width = rng.choice([12, 20, 40, 80, 120, 200])
    title = rng.choice([None, "By owner", "Gaps (12) and a title longer than a narrow table is wide"])
    shown = table(header, rows, width, title=title, no_wrap=no_wrap, right=right, styles=styles)
    cells = [[c if isinstance(c, Text) else Text(str(c)) for c in row] for row in rows]
    widths = fit_columns(header, [[c.plain for c in row] for row in cells], width, no_wrap=no_wrap)
    if widths is None:
        assert shown is None
        return
    reference = old_table(header, cells, widths, title=title, no_wrap=no_wrap, right=right, styles=styles)
    for colour in (True, False):
        assert printed(shown, width, colour) == printed(reference, width, colour)


def test_a_national_owner_table_matches_rich_row_for_row():
    """The shape that made it slow: thousands of rows whose agency names and deadlines wrap, overdue rows styled."""
    header = ["Agency", "Owner", "Actions", "Open", "Overdue", "Earliest open deadline"]
    rows = [[f"Bench Agency {i:05d}", f"Owner {i % 17}", str(i % 7), str(i % 5), str(i % 3),
             f"overdue since 2027-01-{i % 28 + 1:02d}" if i % 3 else ""] for i in range(400)]
    styles = ["bold red" if i % 3 else None for i in range(400)]
    shown = table(header, rows, 80, title="Action owners", right=(2, 3, 4), styles=styles)
    cells = [[Text(c) for c in row] for row in rows]
    widths = fit_columns(header, rows, 80)
    reference = old_table(header, cells, widths, title="Action owners", no_wrap=(), right={2, 3, 4}, styles=styles)
    plain = printed(shown, 80, False)
    assert plain == printed(reference, 80, False)
    assert printed(shown, 80, True) == printed(reference, 80, True)
    assert "Bench Agency 00399" not in plain and "00399" in plain  # the names wrap at 80: the fast path wraps too
    assert all(rows[i][1] in plain for i in range(17))


def test_rows_of_several_heights_laid_out_column_by_column_match_rich():
    """Without styles, LaidOutTable stacks each column's lines (a cell shorter than its row given blank lines):
    rows of one, two and three lines in every mix, the last row's included, among cells rich lays out."""
    rng = random.Random(5)
    header = ["Agency", "Owner", "Actions", "Note"]
    texts = ["North", "Bench Agency 00003", "a b c d e f g h i j k l", "", "3", "Café lead", "line\nbreak"]
    rows = [[rng.choice(texts) for _ in header] for _ in range(300)]
    rows[-1] = ["a b c d e f g h i j k l", "x", "3", ""]  # the last row taller than most of its cells
    shown = table(header, rows, 40)
    widths = fit_columns(header, rows, 40)
    reference = old_table(header, [[Text(c) for c in row] for row in rows], widths, title=None, no_wrap=(),
                          right=(), styles=[])
    assert printed(shown, 40, False) == printed(reference, 40, False)
    lines = shown._plain_lines(inert_console(40, False), inert_console(40, False).options)
    assert len(rows) < len(lines) < 3 * len(rows)  # rows of several lines among rows of one


def test_a_segment_of_printable_lines_is_left_as_it_is_and_any_other_made_printable():
    for text in ["", "\n", "plain\nlines\n", "Café\n漢字\n", *WORDS, "ok\nevil\x1b[2J\n", "a\r\nb", "x\u2028y"]:
        if common._printable_lines(text):
            assert common.printable(text) == text
        else:
            assert any(not line.isprintable() for line in text.split("\n"))

    class Raw:  # a renderable yielding one segment of several lines, as LaidOutTable does
        def __init__(self, text):
            self.text = text

        def __rich_console__(self, console, options):
            yield common.Segment(self.text)

    for text, shown in [("one\ntwo\x1b[2J\n", "one\ntwo[2J\n"), ("one\ntwo\n", "one\ntwo\n")]:
        out = inert_console(80, False)
        out.print(Raw(text), end="")
        assert out.file.getvalue() == shown


def test_plain_text_is_divided_where_richs_divide_line_divides_it():
    rng = random.Random(3)
    pieces = ["a", "North", "Bench Agency 00003", "x" * 11, " ", "  ", "; ", ", ", "Not met:", "-"]
    tried = folded = 0
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        width = rng.randint(1, 40)
        breaks = common._divide_plain(text, width)
        if breaks is None:  # a word longer than the line: rich folds it
            folded += 1
            assert max(len(m.group().rstrip()) for m in common._WORD.finditer(text)) > width
        else:
            tried += 1
            assert breaks == divide_line(text, width, fold=True), (text, width)
    assert tried > 1000 and folded > 100


def test_plain_cells_take_the_fast_path_and_others_richs():
    shown = table(["A", "B"], [["plain text", "Café"], [Text("styled", style="red"), "tab\there"]], 80)
    assert isinstance(shown, LaidOutTable)
    assert [[type(c) for c in row] for row in shown.rows] == [[str, Text], [Text, Text]]


def test_width_rule_a_table_only_when_every_word_fits(capsys):
    """One word longer than the room left for its column: blocks, not a table with a broken word."""
    header = ["Agency", "Owner"]
    fits = [["North", "Safeguarding lead"]]
    out = inert_console(30, False)
    print_table_or_blocks(out, "Owners", header, fits)
    assert "─" in out.file.getvalue() and "Safeguarding lead" in out.file.getvalue()
    too_long = [["North", "Safeguarding-lead-for-the-whole-trust-and-partners"]]
    assert table(header, too_long, 30) is None
    out = inert_console(30, False)
    print_table_or_blocks(out, "Owners", header, too_long)
    text = out.file.getvalue()
    assert "─" not in text and "Owner: Safeguarding-lead-for-the-whole-trust-and-partners" in text


def test_text_is_never_markup_and_no_control_character_reaches_the_terminal():
    rows = [["[bold]Lead[/]", "evil\x1b[2J name"], [":smile: [/]", "ok"]]
    for colour in (False, True):
        text = printed(table(["Owner", "Agency"], rows, 80), 80, colour)
        assert "[bold]Lead[/]" in text and ":smile: [/]" in text
        assert "evil[2J name" in text and "\x1b[2J" not in text


@pytest.mark.parametrize("colour", [False, True])
def test_a_long_sentence_is_printed_at_once_as_line_by_line(colour, monkeypatch):
    """say() prints all the lines of a wrapped sentence in one go (a gap naming hundreds of agencies is hundreds of
    lines at a terminal): the same bytes as printing each line, styles included."""
    monkeypatch.setenv("COLUMNS", "40")
    sentence = Text("Not met: ", style="bold red")
    sentence.append(", ".join(f"Bench Agency {i:05d}" for i in range(30)) + " [bold]x[/] evil\x1b[2J\n\nnext")
    sentence.append(" paragraph", style="green")
    for indent in (0, 4):
        out = inert_console(40, colour)
        common.say(out, sentence, indent)
        reference = inert_console(40, colour)
        for line in common.wrap_words(sentence, 40 - indent):
            reference.print(Text(" " * indent) + line if indent else line, soft_wrap=True)
        assert out.file.getvalue() == reference.file.getvalue()
        assert out.file.getvalue().count("\n") > 15 and "\x1b[2J" not in out.file.getvalue()


def test_a_line_that_fits_is_wrapped_as_splitting_and_dividing_it_would():
    """wrap_words takes a line that fits (no line break) as it is: the same Text (text, spans, style) as splitting it
    at line breaks and dividing it at no offset, its end stripped."""
    styled = Text("Not met: ", style="bold red")
    styled.append("North CAMHS, South ED   ", style="green")
    texts = [styled, Text(""), Text("   "), Text("plain words  "), Text("café · naïve ✓"), Text("evil\x1b[2J name"),
             Text(", ".join(f"Bench Agency {i:05d}" for i in range(300)), style="dim")]
    for text in texts:
        for width in (len(text.plain), len(text.plain) + 5, 10**9):
            expected = []
            for paragraph in text.split("\n"):
                for line in paragraph.divide([]):
                    line.rstrip()
                    expected.append(line)
            found = common.wrap_words(text, width)
            assert [(line.plain, line.spans, line.style) for line in found] == \
                [(line.plain, line.spans, line.style) for line in expected]
            assert all(line is not text for line in found)  # a copy: the caller's text is left as it was


def _terminal_columns(monkeypatch, columns: str | None) -> None:
    """COLUMNS as a terminal of that width sets it, or unset (None)."""
    if columns:
        monkeypatch.setenv("COLUMNS", columns)
    else:
        monkeypatch.delenv("COLUMNS", raising=False)


@pytest.mark.parametrize("colour", [False, True])
@pytest.mark.parametrize("columns", [None, "40", "160"])
def test_a_block_is_printed_at_once_as_say_prints_each_line(colour, columns, monkeypatch):
    """block() prints its head and lines in one go: the same bytes as say() printing each, styles included."""
    _terminal_columns(monkeypatch, columns)
    head = Text("1.2.3 · ")
    head.append("Not met", style="bold red")
    head.append(" · risk flagged", style="bold")
    lines = [", ".join(f"Bench Agency {i:05d}" for i in range(30)), "", Text("styled [x]", style="green"),
             "evil\x1b[2J name\nand a second paragraph"]
    for given in (lines, [], ["one"]):
        out = inert_console(40, colour)
        common.block(out, head, given)
        reference = inert_console(40, colour)
        common.say(reference, head)
        for line in given:
            common.say(reference, line, 4)
        assert out.file.getvalue() == reference.file.getvalue()
        assert "\x1b[2J" not in out.file.getvalue()


@pytest.mark.parametrize("colour", [False, True])
@pytest.mark.parametrize("columns", [None, "40", "160"])
def test_blocks_are_printed_at_once_as_block_prints_each(colour, columns, monkeypatch):
    """blocks() prints many blocks in one go: the same bytes as block() printing each, styles included (a block with
    neither head nor lines prints nothing either way)."""
    _terminal_columns(monkeypatch, columns)
    head = Text("1.2.3 · ")
    head.append("Not met", style="bold red")
    items = [(head, [", ".join(f"Bench Agency {i:05d}" for i in range(30)), Text("styled [x]", style="green")]),
             (Text("owner", style="bold red"), []), ("", []), ("plain head", ["evil\x1b[2J name\nand more", ""]),
             (Text("last", style="green"), ["one"])]
    for given in (items, items[:1], []):
        out = inert_console(40, colour)
        common.blocks(out, iter(given))
        reference = inert_console(40, colour)
        for item_head, lines in given:
            common.block(reference, item_head, lines)
        assert out.file.getvalue() == reference.file.getvalue()
        assert "\x1b[2J" not in out.file.getvalue()


def test_a_table_printed_uncropped_is_what_the_cropped_print_shows():
    """LaidOutTable.print leaves out rich's cropping of each line to the terminal: no line of a table() is wider than
    the width it was laid out for, wide characters, long titles and folded words included."""
    tables = 0
    for seed in range(150):
        rng = random.Random(1000 + seed)
        header, rows, styles, no_wrap, right = random_case(rng)
        width = rng.choice([12, 20, 40, 80])
        title = rng.choice([None, "Gaps (12) and a title longer than a narrow table is wide"])
        shown = table(header, rows, width, title=title, no_wrap=no_wrap, right=right, styles=styles)
        if shown is None:
            continue
        tables += 1
        for colour in (True, False):
            out = inert_console(width, colour)
            shown.print(out)
            assert out.file.getvalue() == printed(shown, width, colour) + "\n"
    assert tables >= 40  # the cases that fit their width, not only those that fall back to blocks


def test_cells_wide_is_richs_cell_len():
    texts = WORDS + ["".join(map(chr, range(32, 127))), "\x7f", "a\u00a0b", "Bench Agency 00001, " * 50]
    assert all(common._cells_wide(text) == cell_len(text) for text in texts)
    assert common._cells_wide("漢字") == 4 and common._cells_wide("tab\there") == cell_len("tab\there")
