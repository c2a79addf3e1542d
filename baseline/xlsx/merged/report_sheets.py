"""The merged workbook's sheets for people (never read back): Summary (with its chart), By recommendation and Gaps.
(The Actions sheet is the group's plan, read back: writer.py writes it.)"""

from __future__ import annotations

import datetime as dt

from openpyxl.chart import BarChart, Reference

from baseline.actions import PlanRow
from baseline.assessment import STATUS_ORDER, Answer, Status, YesNo
from baseline.guideline import Guideline
from baseline.merge import MultiAgencyAssessment, RecommendationResult
from baseline.summary import Action, Summary
from baseline.text import EXCEL_CELL_LIMIT, clean_text
from baseline.xlsx.merged.layout import (
    AGENCIES_TABLE,
    AGENCY_STATUS_WIDTH,
    BY_RECOMMENDATION_COLUMNS,
    GAPS_COLUMNS,
    HEADER,
    HEADLINE_TABLE,
    NOTE,
    NUMBER,
    PERCENT,
    PLAIN,
    RISK,
    SECTIONS_TABLE,
    TEXT,
    TITLE,
    TRUNCATION_MARKER,
    positions,
    status_style,
)
from baseline.xlsx.sheets import TableSheet, print_setup

_CHART_COLOURS = {
    Status.MET: "70AD47",
    Status.PARTIALLY_MET: "FFC000",
    Status.NOT_MET: "C00000",
    Status.NOT_ASSESSED: "7F7F7F",
    Status.NOT_APPLICABLE: "D9D9D9",
}


def fit_combined(text: str) -> str:
    """A cell combining several returns' texts, cut with a visible marker if over Excel's limit.

    Only combined cells may be cut: every individual text is whole on the All answers sheet. Cut at a line break
    when there is one, so no agency's entry is left half-shown.
    """
    text = clean_text(text)
    if len(text) <= EXCEL_CELL_LIMIT:
        return text
    room = EXCEL_CELL_LIMIT - len(TRUNCATION_MARKER) - 1
    cut = text[:room]
    line_break = cut.rfind("\n")
    if line_break > 0:
        cut = cut[:line_break]
    return f"{cut}\n{TRUNCATION_MARKER}"


def date_text(day: dt.date | None, fallback: str = "") -> str:
    return day.strftime("%d/%m/%Y") if day else fallback.strip()


class Context:
    """What several sheets need, computed once."""

    def __init__(self, assessment: MultiAgencyAssessment, summary: Summary, plan: list[PlanRow]):
        self.assessment = assessment
        self.summary = summary
        self.plan = plan  # the group's action plan, in plan order (actions.build_plan / carry_forward)
        self.guideline: Guideline = assessment.guideline
        self.recommendations = {r.id: r for r in self.guideline.recommendations}
        self.sections = {s.id: s for s in self.guideline.sections}
        self.results = {r.recommendation: r for r in assessment.results}
        # Every sheet title and print header says whose system and which round it describes.
        where = [self.assessment.area] if self.assessment.area else []
        where += [f"round {self.assessment.round}"] if self.assessment.round else []
        self.title = " · ".join(where + [f"{self.guideline.guideline} {self.guideline.title}"])

    def summary_text(self, rec_id: str) -> str:
        rec = self.recommendations.get(rec_id)
        return (rec.summary or "") if rec else ""

    def section_label(self, section_id: str) -> str:
        section = self.sections.get(section_id)
        return section.label if section else section_id


def write_summary(sheet: TableSheet, ctx: Context) -> None:
    summary, guideline = ctx.summary, ctx.guideline
    for column, width in enumerate((16, 50, 15, 14, 11, 14, 15, 9, 9), start=1):
        sheet.width(column, width)
    sheet.text(1, 1, f"{ctx.title}: multi-agency baseline assessment", TITLE)
    merged = ctx.assessment.merged_at.replace("T", " ") if ctx.assessment.merged_at else "unknown"
    sheet.text(2, 1, f"Guideline {guideline.ref} · merged {merged} · actions overdue as of "
                     f"{date_text(summary.as_of)} · {len(summary.agencies)} agencies", PLAIN)
    row = 3
    for note in _summary_notes(ctx):
        sheet.text(row, 1, note, NOTE)
        row += 1

    # Headline: recommendations by their system status.
    row += 1
    sheet.text(row, 1, HEADLINE_TABLE, TITLE)
    row += 1
    for col, header in enumerate(("Status", "Recommendations", "% of applicable"), start=1):
        sheet.text(row, col, header, HEADER)
    for status in STATUS_ORDER:
        row += 1
        count = summary.totals[status.value]
        sheet.text(row, 1, status.label, status_style(status))
        sheet.value(row, 2, count, NUMBER)
        if status is not Status.NOT_APPLICABLE and summary.assessed:
            sheet.value(row, 3, count / summary.assessed, PERCENT)
    row += 1
    sheet.text(row, 1, "Total", HEADER)
    sheet.value(row, 2, sum(summary.totals.values()), NUMBER)

    # By section, then the chart beside it.
    row += 2
    sheet.text(row, 1, SECTIONS_TABLE, TITLE)
    row += 1
    section_header = row
    _count_header(sheet, row, ("Section", "Title"))
    for section in summary.sections:
        row += 1
        sheet.text(row, 1, section["id"], PLAIN)
        sheet.text(row, 2, section["title"] or "(heading not yet encoded)", TEXT)
        _count_cells(sheet, row, 3, section["counts"])
    sections_end = row
    if summary.sections:
        _add_chart(sheet.ws, section_header, sections_end)

    # By agency: each agency's own statuses over the recommendations in its workbook.
    row += 2
    sheet.text(row, 1, AGENCIES_TABLE, TITLE)
    row += 1
    _count_header(sheet, row, ("Agency", "Sectors"))
    sectors = {a.agency: a.sectors for a in ctx.assessment.agencies}
    for entry in summary.by_agency:
        row += 1
        sheet.text(row, 1, entry["agency"], TEXT)
        sheet.text(row, 2, ", ".join(sectors.get(entry["agency"], ())), TEXT)
        _count_cells(sheet, row, 3, entry["counts"])
    sheet.fit_rows()
    print_setup(sheet.ws, title=f"{ctx.title}: summary")


def _summary_notes(ctx: Context) -> list[str]:
    notes = []
    guideline, summary = ctx.guideline, ctx.summary
    if not summary.encoding_complete:
        c = guideline.completeness()
        note = (f"Partial encoding of {guideline.guideline}: these numbers cover only the {c['recommendations']} "
                f"recommendations this installation knows")
        if c["incomplete_sections"]:
            note += f"; sections not known complete: {', '.join(c['incomplete_sections'])}"
        if not c["sections_list_complete"]:
            note += "; further sections may exist"
        notes.append(note + ".")
    if summary.uncovered:
        notes.append(f"{len(summary.uncovered)} recommendation(s) were in no returned workbook, so no agency was "
                     f"asked about them; they count as not assessed: {', '.join(summary.uncovered)}.")
    if not ctx.assessment.agencies:
        notes.append("No agency returns were merged.")
    return notes


def _count_header(sheet: TableSheet, row: int, first: tuple[str, str]) -> None:
    for col, header in enumerate(first, start=1):
        sheet.text(row, col, header, HEADER)
    for col, status in enumerate(STATUS_ORDER, start=len(first) + 1):
        sheet.text(row, col, status.label, status_style(status))  # the header carries the colour key
    sheet.text(row, len(first) + len(STATUS_ORDER) + 1, "Total", HEADER)
    sheet.text(row, len(first) + len(STATUS_ORDER) + 2, "% met", HEADER)


def _count_cells(sheet: TableSheet, row: int, first_col: int, counts: dict[str, int]) -> None:
    for offset, status in enumerate(STATUS_ORDER):
        sheet.value(row, first_col + offset, counts[status.value], NUMBER)
    total = sum(counts.values())
    applicable = total - counts[Status.NOT_APPLICABLE.value]
    sheet.value(row, first_col + len(STATUS_ORDER), total, NUMBER)
    if applicable:
        sheet.value(row, first_col + len(STATUS_ORDER) + 1, counts[Status.MET.value] / applicable, PERCENT)


def _add_chart(ws, header_row: int, last_row: int) -> None:
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = "Recommendations by system status and section"
    chart.y_axis.title = "Recommendations"
    chart.x_axis.title = "Section"
    chart.y_axis.majorGridlines = None
    # openpyxl 3.1 writes axes that Excel hides unless told otherwise; ask for them explicitly.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    data = Reference(ws, min_col=3, max_col=2 + len(STATUS_ORDER), min_row=header_row, max_row=last_row)
    categories = Reference(ws, min_col=1, min_row=header_row + 1, max_row=last_row)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(categories)
    for series, status in zip(chart.series, STATUS_ORDER):
        series.graphicalProperties.solidFill = _CHART_COLOURS[status]
        series.graphicalProperties.line.solidFill = _CHART_COLOURS[status]
    chart.width, chart.height = 22, 11
    ws.add_chart(chart, f"K{header_row}")


def _combined_evidence(result: RecommendationResult) -> str:
    return "\n".join(f"{agency}: {a.evidence}" for agency, a in result.answers.items() if a.evidence.strip())


def _action_line(agency: str, answer: Answer) -> str:
    details = [d for d in (answer.owner.strip(), date_text(answer.deadline, answer.deadline_text)) if d]
    action = answer.action.strip() or "(no action described)"
    return f"{agency}: {action}" + (f" ({', '.join(details)})" if details else "")


def _combined_actions(result: RecommendationResult) -> str:
    return "\n".join(_action_line(agency, a) for agency, a in result.answers.items() if a.is_action)


def write_by_recommendation(sheet: TableSheet, ctx: Context) -> None:
    width = sheet.header(BY_RECOMMENDATION_COLUMNS, HEADER)
    c = positions(BY_RECOMMENDATION_COLUMNS)
    agencies = ctx.assessment.agency_names
    for offset, agency in enumerate(agencies, start=1):
        sheet.width(width + offset, AGENCY_STATUS_WIDTH)
        sheet.text(1, width + offset, agency, HEADER)
    agency_column = {agency: width + offset for offset, agency in enumerate(agencies, start=1)}
    row = 1
    for result in ctx.assessment.results:
        row += 1
        sheet.text(row, c["recommendation"], result.recommendation, PLAIN)
        sheet.text(row, c["section"], result.section, PLAIN)
        sheet.text(row, c["summary"], ctx.summary_text(result.recommendation), TEXT)
        status = result.status
        label = status.label + (" (no agency asked)" if result.uncovered else "")
        sheet.text(row, c["status"], label, status_style(status))
        sheet.text(row, c["evidence"], fit_combined(_combined_evidence(result)), TEXT)
        sheet.text(row, c["actions"], fit_combined(_combined_actions(result)), TEXT)
        for agency, agency_status in result.statuses.items():
            sheet.text(row, agency_column[agency], agency_status.label, status_style(agency_status))
    sheet.finish_table(f"{ctx.title}: by recommendation", width + len(agencies), row, freeze="B2")


def write_gaps(sheet: TableSheet, ctx: Context) -> None:
    width = sheet.header(GAPS_COLUMNS, HEADER)
    c = positions(GAPS_COLUMNS)
    actions_by_rec: dict[str, list[Action]] = {}
    for action in ctx.summary.actions:
        actions_by_rec.setdefault(action.recommendation, []).append(action)
    row = 1
    for gap in ctx.summary.gaps:
        row += 1
        rec_id = gap["recommendation"]
        result = ctx.results.get(rec_id)
        status = Status(gap["status"])
        sheet.text(row, c["recommendation"], rec_id, PLAIN)
        sheet.text(row, c["section"], result.section if result else "", PLAIN)
        sheet.text(row, c["summary"], ctx.summary_text(rec_id), TEXT)
        sheet.text(row, c["status"], status.label, status_style(status))
        flagged = [agency for agency, answer in result.answers.items() if answer.risk is YesNo.YES] if result else []
        sheet.text(row, c["risk"], fit_combined(", ".join(flagged)), RISK if flagged else TEXT)
        for wanted in (Status.NOT_MET, Status.PARTIALLY_MET, Status.NOT_ASSESSED):
            names = [agency for agency, s in gap["agencies"].items() if s == wanted.value]
            sheet.text(row, c[wanted.value], fit_combined(", ".join(names)), TEXT)
        actions = actions_by_rec.get(rec_id, [])
        owners = list(dict.fromkeys(f"{a.agency}: {a.owner or '(no owner)'}" for a in actions))
        sheet.text(row, c["owners"], fit_combined("\n".join(owners)), TEXT)
        sheet.value(row, c["open_actions"], sum(a.is_open for a in actions), NUMBER)
        note = ""
        if result is not None and result.uncovered:
            note = "In no returned workbook: no agency was asked about it."
        elif not actions:
            note = "No action recorded."
        sheet.text(row, c["note"], note, TEXT)
    sheet.finish_table(f"{ctx.title}: gaps", width, row, freeze="B2")
