"""`validate` (and the problems of `merge`/`summary`) for people: a table or blocks per file, or plain text for an
email."""

from __future__ import annotations

from rich.text import Text

from baseline.render.common import WIDE, block, console, say, table
from baseline.text import counted, one_line
from baseline.tracker import CONFIG_CODES

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
    quiet: list[Text] = []  # headings of files without issues, printed together: one print per line was most of
    # the time of a validate of many valid files after the reading (the same text either way: say wraps each line)
    for file_report in report.files:
        if only_problems and not file_report.issues:
            continue
        style = "green" if file_report.valid else "yellow" if file_report.skipped else "bold red"
        heading = Text(file_heading(file_report), style=style)
        if not file_report.issues:
            quiet.append(heading)
            continue
        if quiet:
            say(out, Text("\n").join(quiet))
            quiet.clear()
        say(out, heading)
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
    if quiet:
        say(out, Text("\n").join(quiet))
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
