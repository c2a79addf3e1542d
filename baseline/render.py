"""Presentation: library results -> rich tables, JSON, CSV, Markdown. No business logic here.

`rich` is imported inside functions so that `baseline --help` stays fast.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, Iterable, Sequence

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.table import Table
from rich.text import Text

from baseline.assessment import applicable_count
from baseline.guideline import KEEP_LOCAL, Guideline, GuidelineDiff, Recommendation
from baseline.tracker import CONFIG_CODES

NOT_ENCODED = "(not yet encoded: see NICE)"


def console(stderr: bool = False):
    """A rich Console on the *current* stdout/stderr (CliRunner swaps them), long lines not wrapped mid-word."""
    return Console(file=sys.stderr if stderr else sys.stdout, highlight=False, soft_wrap=True)


def progress_reader():
    """A transient progress line on stderr while files are read; only on a terminal, so pipes and logs stay clean.
    A context manager giving a callable (path -> None), or None."""
    if not sys.stderr.isatty():
        return nullcontext(None)

    @contextmanager
    def bar():
        with Progress(SpinnerColumn(), TextColumn("{task.completed} read · {task.description}"),
                      console=console(stderr=True), transient=True) as progress:
            task = progress.add_task("", total=None)
            yield lambda path: progress.update(task, description=path, advance=1)

    return bar()


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV with spreadsheet-formula neutralisation: a leading = + - @ (or tab/CR) gets a ' (OWASP)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_safe(v) for v in row])
    return buffer.getvalue()


def csv_safe(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    def cell(v: Any) -> str:
        return str("" if v is None else v).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
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


def completeness_sentence(guideline: Guideline) -> str:
    """One honest sentence about how much of the guideline this encoding holds."""
    c = guideline.completeness()
    if c["complete"]:
        return f"Complete encoding: {c['recommendations']} recommendations, {c['verified']} verified against NICE."
    parts = [
        f"PARTIAL ENCODING: {c['recommendations']} recommendations known in {c['sections']} sections",
        f"{c['verified']} verified against a NICE source",
        f"{c['with_summary']} with a summary",
    ]
    text = "; ".join(parts) + "."
    if c["incomplete_sections"]:
        text += f" Sections not known complete: {', '.join(c['incomplete_sections'])}."
    if not c["sections_list_complete"]:
        text += " Further sections may exist."
    return text


def print_listing(listing: dict, guideline: Guideline) -> None:
    out = console()
    out.print(f"[bold]{guideline.guideline}[/bold] {guideline.title}")
    out.print(f"version {guideline.version} · fingerprint {guideline.fingerprint} · {guideline.source}")
    style = "green" if listing["completeness"]["complete"] else "bold yellow"
    out.print(f"[{style}]{completeness_sentence(guideline)}[/{style}]")
    table = Table(show_lines=False, expand=True)
    table.add_column("ID", no_wrap=True)
    table.add_column("Section", no_wrap=True)
    table.add_column("Summary", ratio=3, overflow="fold")  # the summary gets the room; sectors wrap
    table.add_column("Sectors", ratio=1, overflow="fold")
    table.add_column("Verified", no_wrap=True)
    for rec in listing["recommendations"]:
        section = f"{rec['section']}{'' if rec['section_complete'] else '*'}"
        table.add_row(
            rec["id"], section, rec["summary"] or NOT_ENCODED, ", ".join(rec["sectors"]), "yes" if rec["verified"] else "no"
        )
    out.print(table)
    shown = len(listing["recommendations"])
    sector_note = f" for sector {listing['sector']}" if listing["sector"] else ""
    out.print(f"{shown} recommendations{sector_note}. * section not known to be complete.")


def listing_csv(listing: dict) -> str:
    header = ["id", "section", "section_title", "section_complete", "summary", "sectors", "population", "year", "verified"]
    rows = [
        [r["id"], r["section"], r["section_title"] or "", r["section_complete"], r["summary"] or "", " ".join(r["sectors"]),
         r["population"], r["year"] or "", r["verified"]]
        for r in listing["recommendations"]
    ]
    return to_csv(header, rows)


def print_recommendation(guideline: Guideline, rec: Recommendation) -> None:
    out = console()
    data = recommendation_dict(guideline, rec)
    out.print(f"[bold]{rec.id}[/bold]  {guideline.ref}")
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


# --- summary -------------------------------------------------------------------------------------------------

STATUS_STYLES = {
    "met": "green",
    "partially_met": "yellow",
    "not_met": "bold red",
    "not_assessed": "magenta",
    "not_applicable": "dim",
}
STATUS_HEADERS = {
    "met": "Met",
    "partially_met": "Partially met",
    "not_met": "Not met",
    "not_assessed": "Not assessed",
    "not_applicable": "Not applicable",
}


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "–"


def count_row(counts: dict[str, int]) -> list[str]:
    """Counts in status order, then % met of the recommendations that apply."""
    return [str(counts[s]) for s in STATUS_HEADERS] + [percent(counts["met"], applicable_count(counts))]


def breakdown(summary, by: str) -> tuple[list[str], list[list]]:
    """The table behind `--by section|agency|owner`, as header + rows of plain values (shared by all formats)."""
    if by == "owner":
        return OWNER_HEADER, [owner_row(o, summary.as_of) for o in summary.owners]
    counts_header = list(STATUS_HEADERS.values()) + ["% met"]
    if by == "agency":
        return ["Agency", *counts_header], [[a["agency"], *count_row(a["counts"])] for a in summary.by_agency]
    return (["Section", "Title", *counts_header],
            [[s["id"], s["title"] or "(heading not yet encoded)", *count_row(s["counts"])] for s in summary.sections])


# Owners are (agency, owner) pairs: the same job title in two agencies is two owners.
OWNER_HEADER = ["Agency", "Owner", "Actions", "Open", "Overdue", "Earliest open deadline"]


def open_deadline_text(deadline: dt.date | None, as_of: dt.date) -> str:
    """"2027-06-30", or "overdue since 2027-01-31" when the earliest open deadline has passed."""
    if deadline is None:
        return ""
    return f"overdue since {deadline.isoformat()}" if deadline < as_of else deadline.isoformat()


def owner_row(owner, as_of: dt.date) -> list:
    return [owner.agency, owner.owner, owner.actions, owner.open, owner.overdue,
            open_deadline_text(owner.earliest_open_deadline, as_of)]


def gap_rows(summary) -> list[list[str]]:
    """Per gap: the recommendation, its system status, and the agencies behind it grouped by their own gap status
    (agencies that meet it or to which it does not apply are left out, to keep a board paper readable)."""
    rows = []
    for gap in summary.gaps:
        groups = []
        for status in ("not_met", "partially_met", "not_assessed"):
            names = [agency for agency, s in gap["agencies"].items() if s == status]
            if names:
                groups.append(f"{STATUS_HEADERS[status]}: {', '.join(names)}")
        rows.append([gap["recommendation"], STATUS_HEADERS[gap["status"]],
                     "; ".join(groups) or ("no agency was asked" if not gap["agencies"] else "")])
    return rows


def returned_sentence(expected: int, missing: list[str]) -> str:
    """The summary headline's part about who returned: "7 of 8 agencies returned; missing: North CAMHS." (from
    `tracker.missing_agencies`), so that a missing agency is never hidden by other agencies' answers."""
    returned = expected - len(missing)
    sentence = f"{returned} of {expected} agenc{'y' if expected == 1 else 'ies'} returned"
    return sentence + (f"; missing: {', '.join(missing)}." if missing else ".")


def where(summary) -> str:
    """"Northshire · round 2027 · " (what the summary describes), or "" when the assessment names no area."""
    parts = [summary.area] if summary.area else []
    parts += [f"round {summary.round}"] if summary.round else []
    return "".join(f"{part} · " for part in parts)


def headline(summary) -> str:
    applicable = summary.assessed
    t = summary.totals
    returned = (" " + returned_sentence(len(summary.agencies) + len(summary.missing_agencies),
                                        summary.missing_agencies)) if summary.missing_agencies else ""
    return (f"{where(summary)}{summary.guideline}@{summary.version} · {len(summary.agencies)} agencies · as of "
            f"{summary.as_of.isoformat()} · "
            f"{applicable} recommendations apply: {t['met']} met ({percent(t['met'], applicable)}), "
            f"{t['partially_met']} partially met, {t['not_met']} not met, {t['not_assessed']} not assessed; "
            f"{t['not_applicable']} not applicable.{returned}")


def honesty_notes(summary) -> list[str]:
    notes = []
    if not summary.encoding_complete:
        notes.append("The guideline encoding is partial: recommendations missing from it are not assessed here.")
    if summary.uncovered:
        notes.append(f"No returned workbook listed {len(summary.uncovered)} recommendation(s) "
                     f"({', '.join(summary.uncovered)}): counted as not assessed.")
    return notes


def print_summary(summary, by: str = "section") -> None:
    out = console()
    out.print(Text(f"{where(summary)}{summary.guideline} {summary.title}", style="bold"))
    out.print(headline(summary), markup=False)
    for note in honesty_notes(summary):
        out.print(f"[yellow]Note:[/yellow] {note}")

    header, rows = breakdown(summary, by)
    table = Table(title=f"By {by}", title_justify="left")
    for name in header:
        table.add_column(name, overflow="fold", justify="left" if name in ("Section", "Title", "Agency", "Owner", "Earliest open deadline") else "right")
    for row in rows:
        style = "bold red" if by == "owner" and row[OWNER_HEADER.index("Overdue")] else None
        table.add_row(*[str(v) for v in row], style=style)
    out.print(table)

    gaps = Table(title=f"Gaps ({len(summary.gaps)})", title_justify="left")
    for name in ("Recommendation", "System status", "Agencies with a gap"):
        gaps.add_column(name, overflow="fold")
    for gap, row in zip(summary.gaps, gap_rows(summary)):
        gaps.add_row(row[0], f"[{STATUS_STYLES[gap['status']]}]{row[1]}[/]", row[2])
    out.print(gaps)

    if by != "owner":
        owners = Table(title="Action owners", title_justify="left")
        for name in OWNER_HEADER:
            owners.add_column(name, overflow="fold")
        for o in summary.owners:
            # Text, not markup: names come from the returns
            owners.add_row(*(Text(str(v)) for v in owner_row(o, summary.as_of)), style="bold red" if o.overdue else None)
        out.print(owners)
    overdue = sum(o.overdue for o in summary.owners)
    if overdue:
        out.print(f"[bold red]{overdue} overdue action(s)[/bold red] as of {summary.as_of.isoformat()}.")


def summary_csv(summary, by: str = "section") -> str:
    header, rows = breakdown(summary, by)
    return to_csv(header, rows)


def summary_markdown(summary) -> str:
    parts = [f"# {where(summary)}{summary.guideline} baseline assessment summary", "", headline(summary), ""]
    parts += [f"> {note}" for note in honesty_notes(summary)]
    for by, title in (("section", "By section"), ("agency", "By agency")):
        header, rows = breakdown(summary, by)
        parts += ["", f"## {title}", "", markdown_table(header, rows)]
    parts += ["", f"## Gaps ({len(summary.gaps)})", "",
              markdown_table(["Recommendation", "System status", "Agencies with a gap"], gap_rows(summary))]
    header, rows = breakdown(summary, "owner")
    parts += ["", "## Action owners", "", markdown_table(header, rows), ""]
    return "\n".join(parts)


# --- validate ------------------------------------------------------------------------------------------------


def file_heading(file_report) -> str:
    """"✓ returns/camhs.xlsx — North CAMHS: valid (2 warnings)" or "✗ … : 3 errors, 1 warning"."""
    who = f" — {file_report.agency}" if file_report.agency else ""
    errors, warnings = len(file_report.errors), len(file_report.warnings)
    warned = f"{warnings} warning{'' if warnings == 1 else 's'}"
    if file_report.valid:
        return f"✓ {file_report.path}{who}: valid" + (f" ({warned})" if warnings else "")
    return f"✗ {file_report.path}{who}: {errors} error{'' if errors == 1 else 's'}, {warned}"


def validation_count(report) -> str:
    valid = sum(f.valid for f in report.files)
    total = len(report.files)
    return f"{valid} of {total} file{'' if total == 1 else 's'} valid"


def print_validation(report, only_problems: bool = False, stderr: bool = False) -> None:
    """One line per valid file without issues; otherwise the line and a table of where to fix what.

    `only_problems` leaves out the files without any issue, and `stderr` prints there: merge and summary list
    only what blocks them, as messages, keeping stdout for their data.
    """
    out = console(stderr=stderr)
    for file_report in report.files:
        if only_problems and not file_report.issues:
            continue
        style = "green" if file_report.valid else "bold red"
        out.print(Text(file_heading(file_report), style=style))
        if not file_report.issues:
            continue
        table = Table(show_lines=False)
        table.add_column("Cell", no_wrap=True)
        table.add_column("Recommendation", no_wrap=True)
        table.add_column("Code", no_wrap=True)
        table.add_column("Message", overflow="fold", ratio=1)
        for issue in file_report.issues:
            # Text objects, not markup: messages quote what senders typed, "[" included.
            code = Text(issue.code + "\n")
            code.append(issue.severity, style="red" if issue.severity == "error" else "yellow")
            table.add_row(Text(issue.position or "—"), Text(issue.recommendation or "—"), code, Text(issue.message))
        out.print(table)
    for issue in report.issues:  # about the set of files, not one of them (an agency with no return)
        out.print(Text(f"{issue.severity.capitalize()} ({issue.code}): ", style="yellow") + Text(issue.message))


def print_config_notes(report) -> None:
    """After a merge or summary that went ahead: what --config found worth a look (a workbook filled in by the
    wrong agency, agencies with no return), on stderr, so that warnings that matter are not left to `validate`."""
    out = console(stderr=True)
    for file_report in report.files:
        for issue in file_report.issues:
            if issue.code in CONFIG_CODES:
                out.print(Text(f"Warning ({issue.code}): {file_report.path}: ", style="yellow") + Text(issue.message))
    for issue in report.issues:
        if issue.code in CONFIG_CODES:
            out.print(Text(f"Warning ({issue.code}): ", style="yellow") + Text(issue.message))


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
