"""Presentation: library results -> terminal text, plain text, JSON, CSV, Markdown. No business logic here.

Terminal output reads well at any width: tables only when every word fits its column (fit_columns), else one block
per item; sentences wrapped at spaces (wrap_words), never mid-word. CSV survives a spreadsheet (to_csv). The CLI
imports this module inside its commands, so `baseline --help` never loads rich.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import sys
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, Iterable, Sequence

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from baseline.assessment import STATUS_ORDER, applicable_count
from baseline.guideline import KEEP_LOCAL, Guideline, GuidelineDiff, Recommendation
from baseline.summary import met_percent
from baseline.text import csv_cell, markdown_text, one_line, printable
from baseline.tracker import CONFIG_CODES

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


# --- recs ----------------------------------------------------------------------------------------------------


def recommendation_dict(guideline: Guideline, rec: Recommendation) -> dict:
    section = guideline.section_of(rec.id)
    return {
        "id": rec.id,
        "section": section.id,
        "section_title": section.title,
        "section_complete": section.complete,
        "summary": rec.summary,
        "has_text": rec.text is not None,
        "sectors": guideline.sectors_of(rec),
        "population": rec.population,
        "year": rec.year,
        "quality_statements": rec.quality_statements,
        "verified": rec.verified,
    }


def guideline_listing(guideline: Guideline, sector: str | None = None) -> dict:
    """The data behind `recs list` (its JSON output is exactly this)."""
    recs = guideline.recommendations_for([sector] if sector else None)
    return {
        "guideline": guideline.guideline,
        "title": guideline.title,
        "version": guideline.version,
        "published": guideline.published,
        "updated": guideline.updated,
        "source": guideline.source,
        "fingerprint": guideline.fingerprint,
        "sector": sector,
        "completeness": guideline.completeness(),
        "sections": [
            {"id": s.id, "title": s.title, "complete": s.complete, "sectors": s.sectors, "recommendations": len(s.recommendations)}
            for s in guideline.sections
        ],
        "recommendations": [recommendation_dict(guideline, r) for r in recs],
    }


def print_listing(listing: dict, guideline: Guideline) -> None:
    """`recs list`: a table that fits the terminal without breaking a word (else one block per recommendation)."""
    out = console()
    head = Text(guideline.guideline, style="bold")
    head.append(f" {guideline.title}", style="")
    say(out, head)
    say(out, Text(f"version {guideline.version} · fingerprint {guideline.fingerprint} · {guideline.source}"))
    say(out, Text(guideline.completeness_sentence(),
                  style="green" if listing["completeness"]["complete"] else "bold yellow"))
    rows = [[rec["id"], f"{rec['section']}{'' if rec['section_complete'] else '*'}", rec["summary"] or NOT_ENCODED,
             ", ".join(rec["sectors"]), "yes" if rec["verified"] else "no"] for rec in listing["recommendations"]]
    print_table_or_blocks(out, "Recommendations", ["ID", "Section", "Summary", "Sectors", "Verified"], rows,
                          label_columns=1, no_wrap=(0, 1, 4), prefer=(2,))
    shown = len(listing["recommendations"])
    sector_note = f" for sector {listing['sector']}" if listing["sector"] else ""
    say(out, Text(f"{shown} recommendations{sector_note}. * section not known to be complete."))


def listing_csv(listing: dict) -> str:
    header = ["id", "section", "section_title", "section_complete", "summary", "sectors", "population", "year", "verified"]
    rows = [
        [r["id"], r["section"], r["section_title"] or "", r["section_complete"], r["summary"] or "", " ".join(r["sectors"]),
         r["population"], r["year"] or "", r["verified"]]
        for r in listing["recommendations"]
    ]
    return to_csv(header, rows, keep_text=("id", "section"))


def print_recommendation(guideline: Guideline, rec: Recommendation) -> None:
    out = console()
    data = recommendation_dict(guideline, rec)
    out.print(Text(rec.id, style="bold") + Text(f"  {guideline.ref}"))
    rows = [
        ("Section", guideline.section_of(rec.id).label + ("" if data["section_complete"] else " (section not known complete)")),
        ("Summary", rec.summary or NOT_ENCODED),
        ("Sectors", ", ".join(data["sectors"])),
        ("Population", rec.population),
        ("Year", rec.year or "unknown"),
        ("Quality statements", ", ".join(rec.quality_statements) or "none recorded"),
        ("Verified", "yes: number and content checked against a NICE source" if rec.verified else "no"),
        ("Source", guideline.source),
    ]
    for label, value in rows:
        out.print(f"{label + ':':<20}{value}", markup=False)
    if rec.text:
        out.print("\nFull text (imported locally from NICE's tool):", markup=False)
        out.print(rec.text, markup=False)


def print_diff(diff: GuidelineDiff) -> None:
    out = console()
    out.print(f"{diff.old} → {diff.new}", markup=False)
    if diff.empty:
        out.print("No differences.")
        return
    for label, items in (
        ("Sections added", diff.sections_added),
        ("Sections removed", diff.sections_removed),
        ("Recommendations added", diff.added),
        ("Recommendations removed", diff.removed),
    ):
        if items:
            out.print(f"{label} ({len(items)}): {', '.join(items)}", markup=False)
    for label, changes in (("Sections changed", diff.sections_changed), ("Recommendations changed", diff.changed)):
        if changes:
            out.print(f"{label} ({len(changes)}):", markup=False)
            for change in changes:
                for name, (old, new) in change["fields"].items():
                    out.print(f"  {change['id']} {name}: {_short(old)} → {_short(new)}", markup=False)


def _short(value: Any, limit: int = 60) -> str:
    text = "—" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


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


# --- summary -------------------------------------------------------------------------------------------------

STATUS_STYLES = {
    "met": "green",
    "partially_met": "yellow",
    "not_met": "bold red",
    "not_assessed": "magenta",
    "not_applicable": "dim",
}
STATUS_HEADERS = {s.value: s.label for s in STATUS_ORDER}
NO_SUMMARY = "(summary not yet encoded: see NICE)"
RISK_FLAGGED = "risk flagged"


def percent_met(counts: dict[str, int]) -> str:
    """"% met" as people read it: summary.met_percent (met / applicable), whole percent; "–" when none apply."""
    value = met_percent(counts)
    return "–" if value is None else f"{value:.0f}%"


def count_row(counts: dict[str, int]) -> list[str]:
    """Counts in status order, then % met of the recommendations that apply."""
    return [str(counts[s]) for s in STATUS_HEADERS] + [percent_met(counts)]


def breakdown(summary, by: str) -> tuple[list[str], list[list]]:
    """The table behind `--by section|agency|owner`, as header + rows of plain values (shared by all formats)."""
    if by == "owner":
        header = ["Agency", "Owner", "Actions", "Open", "Overdue", "Earliest open deadline"]
        rows = [[o.agency, o.owner, o.actions, o.open, o.overdue,
                 o.earliest_open_deadline.isoformat() if o.earliest_open_deadline else ""] for o in summary.owners]
        return header, rows
    counts_header = list(STATUS_HEADERS.values()) + ["% met"]
    if by == "agency":
        return ["Agency", *counts_header], [[a["agency"], *count_row(a["counts"])] for a in summary.by_agency]
    return (["Section", "Title", *counts_header],
            [[s["id"], s["title"] or "(heading not yet encoded)", *count_row(s["counts"])] for s in summary.sections])


def deadline_shown(deadline: str, as_of: dt.date) -> str:
    """An earliest open deadline as people read it: "overdue since 2027-01-31" once it has passed."""
    return f"overdue since {deadline}" if deadline and deadline < as_of.isoformat() else deadline


def owner_rows(summary) -> tuple[list[str], list[list], list[str | None]]:
    """The owner table for people: (agency, owner) pairs, the earliest open deadline said "overdue since" when past,
    overdue owners styled."""
    header, rows = breakdown(summary, "owner")
    shown = [[*row[:-1], deadline_shown(row[-1], summary.as_of)] for row in rows]
    return header, shown, ["bold red" if o.overdue else None for o in summary.owners]


def gap_agencies(gap: dict) -> str:
    """The agencies behind a gap grouped by their own gap status (agencies that meet it or to which it does not
    apply are left out, to keep a board paper readable)."""
    groups = []
    for status in ("not_met", "partially_met", "not_assessed"):
        names = [agency for agency, s in gap["agencies"].items() if s == status]
        if names:
            groups.append(f"{STATUS_HEADERS[status]}: {', '.join(names)}")
    return "; ".join(groups) or ("no agency was asked" if not gap["agencies"] else "")


GAP_HEADER = ["Recommendation", "System status", "Risk", "Summary", "Agencies with a gap"]


def gap_rows(summary) -> list[list[str]]:
    """Per gap: the recommendation, its system status, whether an agency flagged a risk if not done, our summary,
    and the agencies behind it."""
    return [[gap["recommendation"], STATUS_HEADERS[gap["status"]], RISK_FLAGGED if gap["risk"] else "",
             gap["summary"] or NO_SUMMARY, gap_agencies(gap)] for gap in summary.gaps]


def summary_heading(summary) -> str:
    """Area · round · guideline@version · as-of date: what every summary names first."""
    parts = [summary.area, f"round {summary.round}" if summary.round else None,
             f"{summary.guideline}@{summary.version}", f"as of {summary.as_of.isoformat()}"]
    return " · ".join(part for part in parts if part)


def returned_sentence(expected: int, missing: list[str]) -> str:
    """The summary headline's part about who returned: "7 of 8 agencies returned; missing: North CAMHS." (from
    `tracker.missing_agencies`), so that a missing agency is never hidden by other agencies' answers."""
    returned = expected - len(missing)
    sentence = f"{returned} of {expected} agenc{'y' if expected == 1 else 'ies'} returned"
    return sentence + (f"; missing: {', '.join(missing)}." if missing else ".")


def agencies_sentence(summary) -> str:
    """"4 agencies: A, B, C, D." or, when the config names agencies with no return, "4 of 7 agencies returned;
    missing: E, F, G. Returned: A, B, C, D."."""
    count = len(summary.agencies)
    names = ", ".join(summary.agencies)
    if summary.missing_agencies:
        missing = summary.missing_agencies
        return returned_sentence(count + len(missing), missing) + f" Returned: {names}."
    return f"{count} agenc{'y' if count == 1 else 'ies'}: {names}."


def view_sentences(summary) -> list[str]:
    """The headline in both views (DESIGN.md "Statuses"): the worst-of system view, and the agencies' own answers,
    which still says something when seven agencies make every worst-of status a gap."""
    return [
        _view("System view", summary.totals, "recommendations",
              "each recommendation counted by the worst answer of the agencies it applies to"),
        _view("Agency answers", summary.agency_answers, "agency answers",
              "each agency's own answer to each recommendation it was asked"),
    ]


def _view(label: str, counts: dict[str, int], unit: str, meaning: str) -> str:
    return (f"{label}: {counts['met']} of {applicable_count(counts)} {unit} met ({percent_met(counts)}); "
            f"{counts['partially_met']} partially met, {counts['not_met']} not met, "
            f"{counts['not_assessed']} not assessed; {counts['not_applicable']} not applicable ({meaning}).")


def honesty_notes(summary) -> list[str]:
    notes = []
    if not summary.encoding_complete:
        notes.append("The guideline encoding is partial: recommendations missing from it are not assessed here.")
    if summary.uncovered:
        notes.append(f"No returned workbook listed {len(summary.uncovered)} recommendation(s) "
                     f"({', '.join(summary.uncovered)}): counted as not assessed.")
    return notes


def print_summary(summary, by: str = "section") -> None:
    """The summary at any terminal width: tables when they fit without breaking a word, blocks otherwise; the gap
    list as one block per gap below WIDE columns."""
    out = console()
    say(out, Text(summary_heading(summary), style="bold"))
    say(out, Text(f"{summary.guideline} {summary.title}"))
    say(out, Text(agencies_sentence(summary)))
    for sentence in view_sentences(summary):
        say(out, Text(sentence))
    for note in honesty_notes(summary):
        say(out, Text("Note: " + note, style="yellow"))
    out.print()

    if by == "owner":
        header, rows, styles = owner_rows(summary)
        print_table_or_blocks(out, "By owner", header, rows, label_columns=2, right=(2, 3, 4), styles=styles)
    else:
        header, rows = breakdown(summary, by)
        print_table_or_blocks(out, f"By {by}", header, rows, label_columns=2 if by == "section" else 1,
                              no_wrap=(0,) if by == "section" else (), right=range(len(header) - 6, len(header)))

    print_gaps(out, summary)

    if by != "owner":
        header, rows, styles = owner_rows(summary)
        print_table_or_blocks(out, "Action owners", header, rows, label_columns=2, right=(2, 3, 4), styles=styles)
    overdue = sum(o.overdue for o in summary.owners)
    if overdue:
        say(out, Text(f"{counted(overdue, 'overdue action')} as of {summary.as_of.isoformat()}.", style="bold red"))


def print_gaps(out: Console, summary) -> None:
    title = f"Gaps ({len(summary.gaps)})"
    rows = gap_rows(summary)
    styled = [[row[0], Text(row[1], style=STATUS_STYLES[gap["status"]]), *row[2:]] for gap, row in zip(summary.gaps, rows)]
    shown = table(GAP_HEADER, styled, out.width, title=title, no_wrap=(0,)) if out.width >= WIDE else None
    if shown is not None:
        out.print(shown, soft_wrap=False)
        out.print()
        return
    say(out, Text(title, style="bold"))
    for gap, row in zip(summary.gaps, rows):
        head = Text(row[0] + " · ")
        head.append(row[1], style=STATUS_STYLES[gap["status"]])
        if row[2]:
            head.append(" · " + row[2], style="bold")
        block(out, head, [line for line in row[3:] if line])
    out.print()


def gaps_csv_table(summary) -> tuple[list[str], list[list]]:
    header = ["Recommendation", "Summary", "System status", "Risk flagged", "Not met", "Partially met", "Not assessed"]
    rows = []
    for gap in summary.gaps:
        by_status = {status: ", ".join(a for a, s in gap["agencies"].items() if s == status)
                     for status in ("not_met", "partially_met", "not_assessed")}
        rows.append([gap["recommendation"], gap["summary"] or "", STATUS_HEADERS[gap["status"]],
                     "Yes" if gap["risk"] else "No", *by_status.values()])
    return header, rows


def actions_csv_table(summary) -> tuple[list[str], list[list]]:
    header = ["Recommendation", "Section", "Agency", "Specific action", "Owner", "Deadline", "Status", "Overdue"]
    rows = [[a.recommendation, a.section, a.agency, a.action, a.owner,
             a.deadline.isoformat() if a.deadline else a.deadline_text, a.status.value if a.status else "",
             "Yes" if a.is_open and a.overdue else "No"] for a in summary.actions]
    return header, rows


def summary_csv(summary, table_name: str = "section") -> str:
    """`summary --format csv --table section|agency|owner|gaps|actions`, ids kept text."""
    if table_name == "gaps":
        header, rows = gaps_csv_table(summary)
        return to_csv(header, rows, keep_text=("Recommendation",))
    if table_name == "actions":
        header, rows = actions_csv_table(summary)
        return to_csv(header, rows, keep_text=("Recommendation", "Section"))
    header, rows = breakdown(summary, table_name)
    return to_csv(header, rows, keep_text=("Section",) if table_name == "section" else ())


def summary_markdown(summary) -> str:
    md = markdown_text  # area, agency and guideline names come from returns and encodings: never Markdown
    parts = [f"# {md(summary.guideline)} baseline assessment summary", "", md(summary_heading(summary)), "",
             md(agencies_sentence(summary)), ""]
    parts += [f"- {md(sentence)}" for sentence in view_sentences(summary)] + [""]
    parts += [f"> {md(note)}" for note in honesty_notes(summary)]
    for by, title in (("section", "By section"), ("agency", "By agency")):
        header, rows = breakdown(summary, by)
        parts += ["", f"## {title}", "", markdown_table(header, rows)]
    parts += ["", f"## Gaps ({len(summary.gaps)})", "", markdown_table(GAP_HEADER, gap_rows(summary))]
    header, rows, _ = owner_rows(summary)
    parts += ["", "## Action owners", "", markdown_table(header, rows), ""]
    return "\n".join(parts)


# --- validate ------------------------------------------------------------------------------------------------


def file_heading(file_report) -> str:
    """"✓ returns/camhs.xlsx — North CAMHS: valid (2 warnings)" or "✗ … : 3 errors, 1 warning"."""
    who = f" — {file_report.agency}" if file_report.agency else ""
    if file_report.skipped:
        return f"– {file_report.path}: skipped, not read"
    errors, warnings = len(file_report.errors), len(file_report.warnings)
    warned = f"{warnings} warning{'' if warnings == 1 else 's'}"
    if file_report.valid:
        return f"✓ {file_report.path}{who}: valid" + (f" ({warned})" if warnings else "")
    return f"✗ {file_report.path}{who}: {errors} error{'' if errors == 1 else 's'}, {warned}"


def validation_count(report) -> str:
    """"1 of 2 files valid, 3 skipped": returns only; files that are not returns are counted apart."""
    returns, skipped = report.returns, len(report.skipped)
    valid = sum(f.valid for f in returns)
    return f"{valid} of {counted(len(returns), 'file')} valid" + (f", {skipped} skipped" if skipped else "")


def issue_place(issue) -> str:
    """"Assessment!E3, recommendation 1.1.1": where an issue is, as far as it is known ("" for the whole file)."""
    return ", ".join(part for part in (issue.position, issue.recommendation and f"recommendation {issue.recommendation}")
                     if part)


ISSUE_HEADER = ["Cell", "Recommendation", "Code", "Message"]


def print_validation(report, only_problems: bool = False, stderr: bool = False) -> None:
    """One line per valid file without issues; otherwise the line and where to fix what: a table from WIDE columns
    on, one block per issue below (or when a table would break a word).

    `only_problems` leaves out the files without any issue, and `stderr` prints there: merge and summary list
    only what blocks them, as messages, keeping stdout for their data.
    """
    out = console(stderr=stderr)
    for file_report in report.files:
        if only_problems and not file_report.issues:
            continue
        style = "green" if file_report.valid else "yellow" if file_report.skipped else "bold red"
        say(out, Text(file_heading(file_report), style=style))
        if not file_report.issues:
            continue
        rows = [[issue.position or "—", issue.recommendation or "—", _code(issue, "\n"), issue.message]
                for issue in file_report.issues]
        shown = table(ISSUE_HEADER, rows, out.width, no_wrap=(0, 1, 2)) if out.width >= WIDE else None
        if shown is not None:
            out.print(shown, soft_wrap=False)
            continue
        for issue in file_report.issues:
            head = Text("  " + (issue_place(issue) + " · " if issue_place(issue) else ""))
            head.append(issue.code + " (")
            head.append_text(_severity(issue))
            head.append(")")
            block(out, head, [Text(issue.message)])
    for issue in report.issues:  # about the set of files, not one of them (an agency with no return)
        say(out, Text(f"{issue.severity.capitalize()} ({issue.code}): ", style="yellow") + Text(issue.message))


def _code(issue, between: str) -> Text:
    code = Text(issue.code + between)
    code.append_text(_severity(issue))
    return code


def _severity(issue) -> Text:
    return Text(issue.severity, style="red" if issue.severity == "error" else "yellow")


def validation_text(report) -> str:
    """`validate --format text`: a plain list per file that a facilitator pastes into an email to the agency. No
    table, no colour, no wrapping (the email wraps it): one line per issue, errors before warnings."""
    parts = []
    for file_report in report.files:
        who = f" ({file_report.agency})" if file_report.agency else ""
        errors, warnings = file_report.errors, file_report.warnings
        if file_report.skipped:
            parts.append(f"{file_report.path}: skipped, not read. {' '.join(one_line(i.message) for i in warnings)}")
            continue
        if file_report.valid and not warnings:
            parts.append(f"{file_report.path}{who}: valid, nothing to change.")
            continue
        counts = [f"{len(errors)} error{'' if len(errors) == 1 else 's'} to correct" if errors else "",
                  f"{len(warnings)} warning{'' if len(warnings) == 1 else 's'} to check" if warnings else ""]
        lines = [f"{file_report.path}{who}: {'valid' if file_report.valid else 'not valid yet'}; "
                 f"{', '.join(c for c in counts if c)}."]
        for title, issues in (("To correct (the return cannot be used until these are fixed):", errors),
                              ("To check (accepted as shown, but please confirm):", warnings)):
            if issues:
                lines += ["", title]
                lines += [f"- {issue_place(issue) + ': ' if issue_place(issue) else ''}{one_line(issue.message)}"
                          for issue in issues]
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def print_config_notes(report) -> None:
    """After a summary that went ahead: what --config found worth a look (a workbook filled in by the wrong
    agency, agencies with no return), on stderr, so that warnings that matter are not left to `validate`."""
    out = console(stderr=True)
    for file_report in report.files:
        for issue in file_report.issues:
            if issue.code in CONFIG_CODES:
                say(out, Text(f"Warning ({issue.code}): {file_report.path}: ", style="yellow") + Text(issue.message))
    for issue in report.issues:
        if issue.code in CONFIG_CODES:
            say(out, Text(f"Warning ({issue.code}): ", style="yellow") + Text(issue.message))


def import_lines(result, output: str) -> list[str]:
    """What `recs import` tells the facilitator (stderr): notes, counts, warnings, where it wrote and how to use it."""
    g = result.guideline
    lines = [f"Note: {note}" for note in result.notes]
    reused = (f"{result.reused_summaries} summaries reused from {result.base}" if result.base
              else "no encoding of this guideline to take summaries and sectors from (every section applies to all "
                   "sectors)")
    lines.append(f"Imported {g.guideline} version {g.version}: {result.sections} sections, {result.recommendations} "
                 f"recommendations; {reused}; {result.recommendations - result.reused_summaries} without a summary.")
    if result.base_only:
        lines.append(f"Warning: {result.base} lists {len(result.base_only)} recommendation(s) that NICE's tool does "
                     f"not have, left out: {', '.join(result.base_only)}.")
    lines.append(f"Wrote {output}. {KEEP_LOCAL}")
    target = Path(output)
    if target.parent.name.upper() == g.guideline and target.stem == g.version:
        lines.append(f"To use it: export BASELINE_RECOMMENDATIONS={target.parent.parent.resolve()}")
    else:
        lines.append(f"To use it: move it to DIR/{g.guideline.lower()}/{g.version}.yaml and export "
                     "BASELINE_RECOMMENDATIONS=DIR")
    return lines


# --- compare and migrate -------------------------------------------------------------------------------------

CHANGE_LABELS = {"improved": "improved", "worse": "worse", "same": "same", "scope": "scope changed", "new": "new",
                 "removed": "removed"}
CHANGE_STYLES = {"improved": "green", "worse": "bold red", "scope": "yellow", "new": "cyan", "removed": "magenta"}
_COMPARED_STATUSES = ("met", "partially_met", "not_met", "not_assessed", "not_applicable")


def round_label(info) -> str:
    """One side of a comparison: its round label (else its merge date) and its as-of date."""
    name = f"round {info.round}" if info.round else f"merged {info.merged_at[:10] or 'at an unknown date'}"
    return name + (f" (as of {info.as_of.isoformat()})" if info.as_of else "")


def compare_headline(comparison) -> str:
    area = comparison.new.area or comparison.old.area
    return (f"{area + ' · ' if area else ''}{comparison.guideline} · "
            f"{round_label(comparison.old)} → {round_label(comparison.new)}")


def change_sentence(comparison) -> str:
    counts = comparison.change_counts
    parts = [f"{counts[change]} {label}" for change, label in CHANGE_LABELS.items() if counts[change]]
    return f"{len(comparison.recommendations)} recommendations: {', '.join(parts) or 'none'}."


def actions_sentence(comparison) -> str:
    a = comparison.actions
    return (f"Actions: {len(a.closed)} closed, {len(a.new)} new, {len(a.still_open)} still open "
            f"({len(a.still_overdue)} overdue then and still overdue now), {len(a.dropped)} open then and no longer "
            "in the plan.")


def agencies_warning(comparison) -> str:
    """"" when both rounds cover the same agencies; otherwise a sentence saying the totals compare different sets."""
    gone, joined = comparison.agencies_only_old, comparison.agencies_only_new
    if not gone and not joined:
        return ""
    parts = ([f"only in the old round: {', '.join(gone)}"] if gone else []) + (
        [f"only in the new round: {', '.join(joined)}"] if joined else [])
    return f"Warning: the rounds cover different agencies ({'; '.join(parts)}), so the totals are not like for like."


def _then_now(old, new) -> str:
    return f"{'–' if old is None else old} → {'–' if new is None else new}"


def _counts_then_now(old: dict | None, new: dict | None) -> list[str]:
    cells = [_then_now(old[s] if old else None, new[s] if new else None) for s in _COMPARED_STATUSES]
    return cells + [_then_now(percent_met(old) if old else None, percent_met(new) if new else None)]


def compare_tables(comparison) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) of every table of a comparison, shared by the terminal and Markdown formats."""
    changed = [r for r in comparison.recommendations if r.change != "same"]
    counts_header = [STATUS_HEADERS[s] for s in _COMPARED_STATUSES] + ["% met"]
    return [
        (f"Recommendations that changed ({len(changed)})", ["Recommendation", "Section", "Then", "Now", "Change"],
         [[r.recommendation, r.section, STATUS_HEADERS[r.old.value] if r.old else "–",
           STATUS_HEADERS[r.new.value] if r.new else "–", CHANGE_LABELS[r.change]] for r in changed]),
        ("By section (system status, then → now)", ["Section", "Title", *counts_header],
         [[s["id"], s["title"] or "(heading not yet encoded)", *_counts_then_now(s["old"], s["new"])]
          for s in comparison.sections]),
        ("By agency (its own answers, then → now)", ["Agency", *counts_header],
         [[a["agency"], *_counts_then_now(a["old"], a["new"])] for a in comparison.agencies]),
    ]


def print_compare(comparison) -> None:
    """The comparison at any terminal width: tables when they fit without breaking a word, blocks otherwise."""
    out = console()
    say(out, Text(compare_headline(comparison), style="bold"))
    if agencies_warning(comparison):
        say(out, Text(agencies_warning(comparison), style="bold yellow"))
    say(out, Text(change_sentence(comparison)))
    out.print()
    for title, header, rows in compare_tables(comparison):
        if not rows:
            say(out, Text(f"{title}: none.", style="bold"))
            out.print()
            continue
        rows = [[str(v).replace(" → ", "→") for v in row] for row in rows]  # "33→35": one word, never split
        if header[-1] == "Change":
            change_of = {label: change for change, label in CHANGE_LABELS.items()}
            print_table_or_blocks(out, title, header, rows, no_wrap=(0, 1),
                                  styles=[CHANGE_STYLES.get(change_of[row[-1]]) for row in rows])
        else:
            labels = 2 if header[1] == "Title" else 1
            print_table_or_blocks(out, title, header, rows, label_columns=labels, no_wrap=(0,) if labels == 2 else (),
                                  right=range(labels, len(header)))
    say(out, Text(actions_sentence(comparison)))


def compare_markdown(comparison) -> str:
    parts = ["# Progress since the last round", "", compare_headline(comparison), "",
             *([agencies_warning(comparison), ""] if agencies_warning(comparison) else []),
             change_sentence(comparison), "", actions_sentence(comparison)]
    for title, header, rows in compare_tables(comparison):
        parts += ["", f"## {title}", "", markdown_table(header, rows) if rows else "None."]
    return "\n".join(parts) + "\n"


def migration_lines(outcome) -> list[str]:
    """What `baseline migrate` tells the facilitator (stderr): kept, new (blank), removed and where they went."""
    report = outcome.report
    lines = [f"Wrote {outcome.path}: answers moved from {report.old} to {report.new}, {report.kept} kept."]
    if report.added:
        lines.append(f"New in {report.new} (blank, flagged NEW, to be answered): {', '.join(report.added)}.")
    if report.blank:
        lines.append(f"{len(report.blank)} blank answer(s) added for recommendations the agencies are now asked "
                     "about.")
    # One line per removed recommendation (a merged workbook of 200 agencies would otherwise print 200 lines).
    answers: dict[str, list[str]] = {}
    for removed in report.removed:
        answers.setdefault(removed.recommendation, []).append(f"{removed.agency} ({removed.answer.status.label})")
    actions: dict[str, list[str]] = {}
    for action in report.removed_actions:
        actions.setdefault(action.recommendation, []).append(action.action_id)
    for recommendation, names in answers.items():
        lines.append(f"Removed: {recommendation}, answered by {_some(names)}: on the Removed sheet.")
    for recommendation, ids in actions.items():
        lines.append(f"Removed: {recommendation}, action{'s' if len(ids) > 1 else ''} {_some(ids)}: on the Removed "
                     "sheet.")
    for change in report.sections_renamed:
        lines.append(f"Section {change['id']} is now titled {change['new_title']!r}.")
    for move in report.moved:
        lines.append(f"Recommendation {move['recommendation']} moved from section {move['old_section']} to "
                     f"{move['new_section']}.")
    return lines


def _some(items: list[str], shown: int = 5) -> str:
    """The first few items, then how many more."""
    more = len(items) - shown
    return ", ".join(items[:shown]) + (f" and {more} more" if more > 0 else "")
