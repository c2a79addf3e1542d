"""The board report as one self-contained HTML file: a Jinja2 template (autoescaped), inline SVG charts, an A4
print stylesheet. No scripts, no fonts, images or styles fetched from anywhere: it reads the same offline, attached
to an email or printed into a board pack.

Everything a return said reaches the page through the template's autoescaping, never marked safe; only the charts
(built here from counts and the encoding's section ids) are inserted as markup.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Mapping

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from baseline import __version__
from baseline.assessment import GAP_STATUSES, STATUS_ORDER, Status, applicable_count, system_status
from baseline.guideline import Guideline
from baseline.records import record
from baseline.report.charts import stacked_bars
from baseline.rounds import CHANGES, Comparison, RoundInfo
from baseline.summary import Summary, met_percent

# Only a link to NICE's own guidance pages is made a link; any other source in an encoding is shown as text.
NICE_GUIDANCE = "https://www.nice.org.uk/"
STATUS_SYMBOLS = {
    Status.MET: "✓",
    Status.PARTIALLY_MET: "◐",
    Status.NOT_MET: "✗",
    Status.NOT_ASSESSED: "?",
    Status.NOT_APPLICABLE: "–",
}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def long_date(day: dt.date) -> str:
    """1 March 2027: the way a UK board paper writes a date (fixed names, whatever the machine's locale)."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


@record(frozen=True)
class StatusView:
    """A status as the page shows it: its word and symbol always beside its colour."""

    value: str
    label: str
    symbol: str


STATUS_VIEWS = {s.value: StatusView(s.value, s.label, STATUS_SYMBOLS[s]) for s in STATUS_ORDER}


def render_report(summary: Summary, guideline: Guideline, *, progress: Comparison | None = None) -> str:
    """The report's HTML; with `progress` (rounds.compare of the last round's merged workbook with this one), a
    section on what changed since."""
    context = report_context(summary, guideline)
    context["progress"] = _progress(progress, summary) if progress is not None else None
    return _environment().get_template("report.html.j2").render(**context)


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(loader=PackageLoader("baseline.report", "templates"), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def report_context(summary: Summary, guideline: Guideline) -> dict:
    """Everything the template shows, as plain values (the template only lays them out)."""
    link = guideline.source if guideline.source.startswith(NICE_GUIDANCE) else None
    return {
        "title": f"{summary.area + ': ' if summary.area else ''}{guideline.guideline} baseline assessment",
        "area": summary.area,
        "round": summary.round,
        "guideline": guideline,
        "guideline_link": link,
        "as_of": long_date(summary.as_of),
        "as_of_iso": summary.as_of.isoformat(),
        "agencies": summary.agencies,
        "missing_agencies": summary.missing_agencies,
        "tool_version": __version__,
        "statuses": list(STATUS_VIEWS.values()),
        "caveats": _caveats(summary, guideline),
        "system": _headline(summary.totals),
        "answers": _headline(summary.agency_answers),
        "headline_chart": Markup(_headline_chart(summary)),
        "sections": _sections(summary),
        "sections_chart": Markup(_sections_chart(summary)) if summary.sections else None,
        "grid": _grid(summary),
        "gaps": _gaps(summary),
        "risk_count": sum(g["risk"] for g in summary.gaps),
        "owners": [_owner(o, summary.as_of) for o in summary.owners if o.open],
        "overdue": _overdue_by_agency(summary),
    }


def _headline(counts: Mapping[str, int]) -> dict:
    return {
        "counts": [(STATUS_VIEWS[s], n) for s, n in counts.items()],
        "met": counts[Status.MET.value],
        "applicable": applicable_count(dict(counts)),
        "percent": _percent_text(counts),
        "total": sum(counts.values()),
    }


def _percent_text(counts: Mapping[str, int]) -> str:
    value = met_percent(counts)
    return "–" if value is None else f"{value:.0f}%"


def _caveats(summary: Summary, guideline: Guideline) -> list[str]:
    notes = []
    if not guideline.encoding_complete:
        notes.append(guideline.completeness_sentence() + " Recommendations missing from the encoding are not in "
                     "this report.")
    if summary.uncovered:
        notes.append(f"No returned workbook listed {len(summary.uncovered)} recommendation(s), so no agency was "
                     f"asked about them; they count as not assessed: {', '.join(summary.uncovered)}.")
    if summary.missing_agencies:
        notes.append(f"{len(summary.missing_agencies)} agency(ies) asked have not returned: "
                     f"{', '.join(summary.missing_agencies)}. Their answers are not in these numbers.")
    return notes


def _headline_chart(summary: Summary) -> str:
    system, answers = summary.totals, summary.agency_answers
    return stacked_bars(
        [("System (worst of)", system), ("Agency answers", answers)], proportions=True, chart_id="headline",
        title="Headline in two views",
        description=(f"System view: {_counts_sentence(system)} recommendations. "
                     f"Agency answers: {_counts_sentence(answers)} answers. The table beside it gives the numbers."),
    )


def _sections_chart(summary: Summary) -> str:
    return stacked_bars(
        [(s["id"], s["counts"]) for s in summary.sections], chart_id="sections",
        title="Recommendations by system status, per section",
        description="; ".join(f"section {s['id']}: {_counts_sentence(s['counts'])}" for s in summary.sections)
        + ". The table below gives the same numbers.",
    )


def _counts_sentence(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{n} {STATUS_VIEWS[s].label.lower()}" for s, n in counts.items())


def _sections(summary: Summary) -> list[dict]:
    return [{"id": s["id"], "title": s["title"], "counts": [(STATUS_VIEWS[k], n) for k, n in s["counts"].items()],
             "percent": _percent_text(s["counts"])} for s in summary.sections]


def _worst(counts: Mapping[str, int]) -> StatusView:
    """An agency's own statuses in a section rolled up by the one roll-up rule (assessment.system_status)."""
    statuses = [Status(s) for s, n in counts.items() for _ in range(n)]
    return STATUS_VIEWS[system_status(statuses).value]


def _grid(summary: Summary) -> dict:
    """Section x agency (a column per agency, which fits an A4 page better than a column per section): each cell
    the agency's worst own status in the section and how many of its answers there that apply are met; None where
    the agency's workbook lists nothing of the section. The last row is each agency over all its answers."""
    def cell(counts: Mapping[str, int] | None) -> dict | None:
        if counts is None:
            return None
        return {"status": _worst(counts), "met": counts["met"], "applicable": applicable_count(dict(counts)),
                "percent": _percent_text(counts)}

    rows = [{"id": s["id"], "title": s["title"],
             "cells": [cell(entry["sections"].get(s["id"])) for entry in summary.agency_sections]}
            for s in summary.sections]
    return {"agencies": [entry["agency"] for entry in summary.agency_sections], "rows": rows,
            "totals": [cell(by["counts"]) for by in summary.by_agency]}


def _gaps(summary: Summary) -> list[dict]:
    rows = []
    for gap in summary.gaps:
        groups = []
        for status in GAP_STATUSES:
            names = [agency for agency, s in gap["agencies"].items() if s == status.value]
            if names:
                groups.append((STATUS_VIEWS[status.value], names))
        rows.append({"recommendation": gap["recommendation"], "summary": gap["summary"],
                     "status": STATUS_VIEWS[gap["status"]], "groups": groups, "risk": gap["risk"],
                     "uncovered": gap["recommendation"] in summary.uncovered})
    return rows


def _owner(load, as_of: dt.date) -> dict:
    deadline = load.earliest_open_deadline
    return {"agency": load.agency, "owner": load.owner, "actions": load.actions, "open": load.open,
            "overdue": load.overdue, "deadline": long_date(deadline) if deadline else None,
            "overdue_since": deadline is not None and deadline < as_of}


def _overdue_by_agency(summary: Summary) -> list[dict]:
    """Overdue actions, per agency (in agency order), each agency's by owner then deadline."""
    groups: dict[str, list] = {agency: [] for agency in summary.agencies}
    for action in summary.overdue_actions:
        groups.setdefault(action.agency, []).append(action)
    out = []
    for agency, actions in groups.items():
        if not actions:
            continue
        actions.sort(key=lambda a: (a.owner.casefold(), a.deadline or summary.as_of))  # stable: guideline order
        out.append({"agency": agency, "actions": [
            {"owner": a.owner or "(no owner)", "recommendation": a.recommendation, "action": a.action,
             "deadline": long_date(a.deadline) if a.deadline else a.deadline_text,
             "days": (summary.as_of - a.deadline).days if a.deadline else None}
            for a in actions]})
    return out


CHANGE_WORDS = {"improved": "improved", "worse": "got worse", "same": "stayed the same", "new": "new this round",
                "removed": "no longer assessed", "scope": "moved in or out of scope"}


def _round_name(info: RoundInfo) -> str:
    """"round 2026", else "the assessment as of 1 March 2026" (its as-of date: what the board knows it by), else
    "the merge of 1 March 2026": how the page names a round."""
    if info.round:
        return f"round {info.round}"
    if info.as_of:
        return f"the assessment as of {long_date(info.as_of)}"
    merged = info.merged_at[:10]
    try:
        return f"the merge of {long_date(dt.date.fromisoformat(merged))}"
    except ValueError:
        return "the last round"


def _progress(comparison: Comparison, summary: Summary) -> dict:
    """Progress since the last round, as the page shows it: change counts, each section then and now, the
    recommendations that improved or got worse, and what happened to the actions."""
    titles = {s["id"]: s["title"] for s in summary.sections}

    def share(counts: Mapping[str, int] | None) -> dict | None:
        if counts is None:
            return None
        return {"met": counts["met"], "applicable": applicable_count(dict(counts)), "percent": _percent_text(counts)}

    def moved(change: str) -> list[dict]:
        return [{"recommendation": r.recommendation, "old": STATUS_VIEWS[r.old.value], "new": STATUS_VIEWS[r.new.value]}
                for r in comparison.recommendations if r.change == change]

    counts = comparison.change_counts
    return {
        "since": _round_name(comparison.old),
        # said once: a round named by its as-of date does not repeat it
        "old_as_of": long_date(comparison.old.as_of) if comparison.old.as_of and comparison.old.round else None,
        "changes": [(CHANGE_WORDS[c], counts[c]) for c in CHANGES if counts[c]],
        "sections": [{"id": s["id"], "title": titles.get(s["id"]), "old": share(s["old"]), "new": share(s["new"])}
                     for s in comparison.sections],
        "improved": moved("improved"),
        "worse": moved("worse"),
        "actions": comparison.actions.to_dict(),
    }
