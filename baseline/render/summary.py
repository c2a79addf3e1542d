"""`summary` for people: headline in both views, breakdowns, gaps with summaries and risks, owners; CSV and
Markdown."""

from __future__ import annotations

import datetime as dt
from itertools import compress, repeat
from operator import eq

from rich.console import Console
from rich.text import Text

from baseline.assessment import STATUS_ORDER, applicable_count
from baseline.render.common import (
    WIDE,
    blocks,
    console,
    markdown_table,
    print_table_or_blocks,
    say,
    table,
    to_csv,
)
from baseline.summary import met_percent
from baseline.text import counted, markdown_text

# --- summary -------------------------------------------------------------------------------------------------

STATUS_STYLES = {
    "met": "green",
    "partially_met": "yellow",
    "not_met": "bold red",
    "not_assessed": "magenta",
    "not_applicable": "dim",
}
STATUS_HEADERS = {s.value: s.label for s in STATUS_ORDER}
# What print_summary imports when it first prints a table (render.common.table): render.preload loads it as well, while
# the returns are read, instead of after them (3 ms).
_LOADED_WHEN_USED = ("rich.table",)
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
        return list(_OWNER_HEADER), _owner_table(summary, lambda written: written)
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
    rows = _owner_table(summary, lambda written: deadline_shown(written, summary.as_of))
    return list(_OWNER_HEADER), rows, ["bold red" if o.overdue else None for o in summary.owners]


_OWNER_HEADER = ["Agency", "Owner", "Actions", "Open", "Overdue", "Earliest open deadline"]


def _owner_table(summary, said) -> list[list]:
    """breakdown's owner rows, each earliest open deadline written (ISO) and then `said` (owner_rows: "overdue
    since"): each date once, and the rows made once (a national summary has thousands of owners)."""
    dates = {o.earliest_open_deadline for o in summary.owners}
    text = {date: said(date.isoformat() if date else "") for date in dates}
    return [[o.agency, o.owner, o.actions, o.open, o.overdue, text[o.earliest_open_deadline]] for o in summary.owners]


def gap_agencies(gap: dict) -> str:
    """The agencies behind a gap grouped by their own gap status (agencies that meet it or to which it does not
    apply are left out, to keep a board paper readable)."""
    groups = [f"{STATUS_HEADERS[status]}: {', '.join(names)}" for status, names in _gap_groups(gap).items() if names]
    return "; ".join(groups) or ("no agency was asked" if not gap["agencies"] else "")


def _gap_groups(gap: dict) -> dict[str, list[str]]:
    """The agencies of a gap with each gap status of their own (not met, partially met, not assessed), in agency
    order; each status picked out in C (a national summary's gaps name hundreds of agencies each)."""
    names, statuses = list(gap["agencies"]), list(gap["agencies"].values())
    return {status: list(compress(names, map(eq, statuses, repeat(status))))
            for status in ("not_met", "partially_met", "not_assessed")}


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
        shown.print(out)
        return
    say(out, Text(title, style="bold"))
    blocks(out, [(_gap_head(gap, row), [line for line in row[3:] if line]) for gap, row in zip(summary.gaps, rows)])
    out.print()


def _gap_head(gap: dict, row: list[str]) -> Text:
    """A gap's block's head: its recommendation, system status (in its colour) and risk flag."""
    head = Text(row[0] + " · ")
    head.append(row[1], style=STATUS_STYLES[gap["status"]])
    if row[2]:
        head.append(" · " + row[2], style="bold")
    return head


def gaps_csv_table(summary) -> tuple[list[str], list[list]]:
    header = ["Recommendation", "Summary", "System status", "Risk flagged", "Not met", "Partially met", "Not assessed"]
    rows = []
    for gap in summary.gaps:
        rows.append([gap["recommendation"], gap["summary"] or "", STATUS_HEADERS[gap["status"]],
                     "Yes" if gap["risk"] else "No", *map(", ".join, _gap_groups(gap).values())])
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
