"""Presentation: library results -> rich tables, JSON, CSV, Markdown. No business logic here.

`rich` is imported inside functions so that `baseline --help` stays fast.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Iterable, Sequence

from baseline.guideline import Guideline, GuidelineDiff, Recommendation

NOT_ENCODED = "(not yet encoded: see NICE)"


def console(stderr: bool = False):
    """A rich Console on the *current* stdout/stderr (CliRunner swaps them), long lines not wrapped mid-word."""
    import sys

    from rich.console import Console

    return Console(file=sys.stderr if stderr else sys.stdout, highlight=False, soft_wrap=True)


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
    from rich.table import Table

    out = console()
    out.print(f"[bold]{guideline.guideline}[/bold] {guideline.title}")
    out.print(f"version {guideline.version} · fingerprint {guideline.fingerprint} · {guideline.source}")
    style = "green" if listing["completeness"]["complete"] else "bold yellow"
    out.print(f"[{style}]{completeness_sentence(guideline)}[/{style}]")
    table = Table(show_lines=False)
    for name in ("ID", "Section", "Summary", "Sectors", "Verified"):
        table.add_column(name, overflow="fold")
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


def print_validation(report, only_problems: bool = False) -> None:
    """One line per valid file without issues; otherwise the line and a table of where to fix what.

    `only_problems` leaves out the files without any issue (merge and summary list only what blocks them).
    """
    from rich.table import Table
    from rich.text import Text

    out = console()
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
