"""The return tracker for people: a terminal table, a Markdown chase list to paste into an email, and JSON.

It uses the tables that fit the terminal of render/common.py. Text from returns and file names (agency names, Completed by, paths) is never markup: rich gets Text
objects, Markdown gets it escaped, and control characters (terminal escape sequences, line breaks) are flattened to
spaces in both.
"""

from __future__ import annotations

import datetime as dt

from rich.text import Text

from baseline.render.common import console, print_table_or_blocks, say, to_json
from baseline.text import markdown_text, one_line
from baseline.tracker import BLANK, DUPLICATE, INVALID, MISSING, STATES, VALID, AgencyRow, TrackerReport, saved_text

STATE_STYLES = {VALID: "green", INVALID: "bold red", BLANK: "yellow", DUPLICATE: "yellow", MISSING: "bold red"}


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def headline(report: TrackerReport) -> str:
    """"Northshire · round 2027 · NG225@2022-09-07 · return by 2027-01-31 · as of 2027-02-03"."""
    parts = [report.area] + ([f"round {report.round}"] if report.round else [])
    parts += [f"{report.guideline}@{report.version}", f"return by {report.return_by.isoformat()}",
              f"as of {report.as_of.isoformat()}"]
    return " · ".join(parts)


def count_sentence(report: TrackerReport) -> str:
    """"5 of 8 agencies have a valid return; 1 invalid, 1 blank, 1 missing; 3 overdue."."""
    counts = report.counts
    total = len(report.agencies)
    others = [f"{counts[state]} {state}" for state in STATES if state != VALID and counts[state]]
    overdue = sum(row.overdue for row in report.agencies)
    sentence = f"{counts[VALID]} of {total} agenc{'y has' if total == 1 else 'ies have'} a valid return"
    if others:
        sentence += "; " + ", ".join(others)
    if overdue:
        sentence += f"; {overdue} overdue"
    return sentence + "."


def state_text(row: AgencyRow) -> str:
    return f"{row.state}, overdue" if row.overdue else row.state


def _answered(row: AgencyRow) -> str:
    # An unreadable file lists no recommendations: "0 of 0" would say nothing.
    return f"{row.shown.answered} of {row.shown.total}" if row.shown and row.shown.total else ""


def _contact(row: AgencyRow) -> str:
    if row.contact is None:
        return ""
    phone = f", {row.contact.phone}" if row.contact.phone else ""
    return f"{row.contact.name}, {row.contact.email}{phone}"


# --- terminal -----------------------------------------------------------------------------------------------------


def print_tracker(report: TrackerReport) -> None:
    """`baseline status --format table`: the agencies, the files received, what is wrong, unexpected files. Tables
    fit the terminal without breaking a word (else one block per row), as every table of render/."""
    out = console()
    say(out, Text(f"Returns: {one_line(headline(report))}", style="bold"))
    say(out, Text(count_sentence(report)))
    out.print()
    print_table_or_blocks(
        out, "Agencies", ["Agency", "State", "Answered", "Errors", "Warnings"],
        [[Text(one_line(row.agency)), Text(state_text(row), style=STATE_STYLES[row.state]), _answered(row),
          str(row.shown.errors) if row.shown else "", str(row.shown.warnings) if row.shown else ""]
         for row in report.agencies],
        no_wrap=(1,), right=(2, 3, 4))
    received = [(row, f) for row in report.agencies for f in row.files]
    if received:
        print_table_or_blocks(
            out, f"Files received ({len(received)})", ["File", "Agency", "Last saved", "Completed by"],
            [[one_line(f.path), one_line(row.agency), saved_text(f.last_saved), one_line(f.completed_by)]
             for row, f in received],
            label_columns=2, no_wrap=(2,))
    for row in report.agencies:
        for problem in row.problems if row.state != MISSING else ():
            say(out, Text(f"{one_line(row.agency)}: ", style=STATE_STYLES[row.state]) + Text(one_line(problem)))
    if report.unexpected:
        out.print()
        print_table_or_blocks(
            out, f"Files that belong to no agency of the config ({len(report.unexpected)})", ["File", "Why"],
            [[one_line(item.path), one_line(item.reason)] for item in report.unexpected], prefer=(1,))


# --- Markdown chase list ------------------------------------------------------------------------------------------


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table whose cells are already escaped."""
    return ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|",
            *("| " + " | ".join(row) + " |" for row in rows)]


def tracker_markdown(report: TrackerReport) -> str:
    """A chase list to paste into an email: who has not returned (and whom to contact), what is wrong with each
    return that came back unusable, who is done, and the files that belong to no agency."""
    md = markdown_text
    round_part = f", round {md(report.round)}" if report.round else ""
    lines = [f"# Returns for {md(report.area)}{round_part}: {md(report.guideline)}@{md(report.version)}", "",
             f"Returns were due by {long_date(report.return_by)}. As of {long_date(report.as_of)}, "
             f"{count_sentence(report)}", ""]

    missing = [row for row in report.agencies if row.state == MISSING]
    if missing:
        lines += [f"## Not yet returned ({len(missing)})", ""]
        lines += _table(["Agency", "State", "Contact"],
                        [[md(row.agency), state_text(row), md(_contact(row)) or "(no contact in the config)"]
                         for row in missing])
        lines.append("")

    problems = [row for row in report.agencies if row.state in (INVALID, BLANK, DUPLICATE)]
    if problems:
        lines += [f"## Returned, but not usable yet ({len(problems)})", ""]
        for row in problems:
            contact = f"; contact: {md(_contact(row))}" if row.contact else ""
            lines.append(f"- **{md(row.agency)}** ({state_text(row)}{contact})")
            lines += [f"  - {md(problem)}" for problem in row.problems]
        lines.append("")

    valid = [row for row in report.agencies if row.state == VALID]
    to_check = [row for row in valid if row.problems]
    if to_check:
        lines += [f"## Returned, but please check ({len(to_check)})", ""]
        for row in to_check:
            lines.append(f"- **{md(row.agency)}**")
            lines += [f"  - {md(problem)}" for problem in row.problems]
        lines.append("")
    if valid:
        lines += [f"## Returned ({len(valid)})", ""]
        lines += _table(["Agency", "File", "Last saved", "Completed by", "Answered", "Warnings"],
                        [[md(row.agency), md(row.shown.path), saved_text(row.shown.last_saved),
                          md(row.shown.completed_by), _answered(row), str(row.shown.warnings)]
                         for row in valid if row.shown])
        lines.append("")

    if report.unexpected:
        lines += [f"## Files that belong to no agency of this assessment ({len(report.unexpected)})", ""]
        lines += [f"- **{md(item.path)}**: {md(item.reason)}" for item in report.unexpected]
        lines.append("")
    return "\n".join(lines)


# --- JSON ---------------------------------------------------------------------------------------------------------


def tracker_json(report: TrackerReport) -> str:
    """Exactly the library result (DESIGN.md "The return tracker")."""
    return to_json(report.to_dict())
