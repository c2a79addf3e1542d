"""`recs list/show/diff/import` for people: the encoding listing, one recommendation, a diff, the import lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text

from baseline.guideline import KEEP_LOCAL, Guideline, GuidelineDiff, Recommendation
from baseline.render.common import NOT_ENCODED, console, print_table_or_blocks, say, to_csv

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
