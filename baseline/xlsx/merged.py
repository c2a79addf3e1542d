"""The merged multi-agency workbook: written from a MultiAgencyAssessment + Summary, and read back losslessly.

Sheets, in order:
  Summary            headline counts, tables by section and by agency, a stacked bar chart (values, not formulas:
                     the same numbers as `baseline summary --format json`)
  By recommendation  one row per recommendation: system status, combined evidence and actions, a status per agency
  Actions            the multi-agency action plan: grouped by section, numbered, owner, deadline, status, overdue,
                     age group, links to other actions, an empty Notes / progress column for the group
  Gaps               recommendations not met / partially met / not assessed, who is behind, who owns actions
  All answers        long format, one row per agency x recommendation in its workbook: what the reader reads back
  Sources            one row per return: file, agency, sectors, format, completed by, SHA-256, stamps
  _baseline          hidden metadata: kind=merged, format, tool version, guideline, version, fingerprint, merged at

Reading needs only `_baseline`, `Sources` and `All answers` (found by header text, like the agency reader), so
people may sort, filter, add columns or re-save in LibreOffice; the other sheets are for people.
Every text that came from a return is written with safety.write_text: text, never a formula.
"""

from __future__ import annotations

import datetime as dt
import io
from copy import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import openpyxl
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter

from baseline import __version__
from baseline.assessment import STATUS_ORDER, ActionStatus, Answer, Choice, Status, YesNo
from baseline.guideline import Guideline
from baseline.issues import BaselineError, Problem
from baseline.merge import AgencySource, MultiAgencyAssessment, RecommendationResult
from baseline.summary import Action, Summary
from baseline.xlsx.layout import EXCEL_CELL_LIMIT, META_SHEET, normalise_header
from baseline.xlsx.safety import FileRefused, atomic_write, check_untrusted, clean_text, refuse_overwrite, write_text

KIND = "merged"
MERGED_FORMAT = 1  # bump when the reader must tell old merged workbooks from new ones

SUMMARY_SHEET = "Summary"
BY_RECOMMENDATION_SHEET = "By recommendation"
ACTIONS_SHEET = "Actions"
GAPS_SHEET = "Gaps"
ANSWERS_SHEET = "All answers"
SOURCES_SHEET = "Sources"

# Headings of the Summary sheet's tables (each heading sits in column A, the table header on the next row).
HEADLINE_TABLE = "Headline"
SECTIONS_TABLE = "By section"
AGENCIES_TABLE = "By agency"

TRUNCATION_MARKER = "[… truncated: see All answers sheet]"
HEADER_SEARCH_ROWS = 10  # the reader looks for a table's header row this far down (someone may add a title row)

POPULATION_LABELS = {"all": "All ages", "children_young_people": "Children and young people", "adults": "Adults"}
MAX_LINKS = 20  # "Links to other actions" lists at most this many numbers, then says how many more


@dataclass(frozen=True)
class MergedColumn:
    key: str
    header: str  # the reader matches it case- and whitespace-insensitively (layout.normalise_header)
    width: float


def _columns(*specs: tuple[str, str, float]) -> tuple[MergedColumn, ...]:
    return tuple(MergedColumn(*spec) for spec in specs)


def _positions(columns: tuple[MergedColumn, ...]) -> dict[str, int]:
    """Column number (1-based) of each key: writers place values by key, so the spec alone sets the order."""
    return {column.key: number for number, column in enumerate(columns, start=1)}


# Read back: header texts are a contract, like layout.ASSESSMENT_COLUMNS.
ANSWERS_COLUMNS = _columns(
    ("agency", "Agency", 24),
    ("recommendation", "Recommendation", 17),
    ("section", "Section", 10),
    ("relevant", "Relevant?", 11),
    ("meets", "Meets it?", 11),
    ("status", "Agency status", 15),
    ("evidence", "Evidence", 50),
    ("action", "Action", 40),
    ("owner", "Owner", 22),
    ("deadline", "Deadline", 12),
    # A deadline someone wrote that is not a date ("end of Q3"): kept apart so Deadline holds only real dates.
    ("deadline_text", "Deadline (as written)", 16),
    ("action_status", "Action status", 14),
    ("risk", "Risk", 8),
    ("completed_by", "Completed by", 22),
)
ANSWERS_REQUIRED = ("agency", "recommendation", "relevant", "meets")
ANSWER_TEXT_KEYS = ("evidence", "action", "owner", "deadline_text", "completed_by")

SOURCES_COLUMNS = _columns(
    ("source", "File", 40),
    ("agency", "Agency", 28),
    ("sectors", "Sectors", 24),
    ("source_format", "Format", 11),
    ("completed_by", "Completed by", 28),
    ("sha256", "SHA-256", 66),
    ("generated_at", "Generated at", 26),
    ("merged_at", "Merged at", 26),
    ("tool_version", "Tool version", 12),
)
SOURCES_REQUIRED = ("agency", "source", "sectors")

# For people only (never read back).
BY_RECOMMENDATION_COLUMNS = _columns(
    ("recommendation", "Recommendation", 17),
    ("section", "Section", 10),
    ("summary", "Summary", 50),
    ("status", "System status", 15),
    ("evidence", "Evidence", 60),
    ("actions", "Actions", 50),
)  # then one status column per agency, headed by the agency's name
AGENCY_STATUS_WIDTH = 16

ACTIONS_COLUMNS = _columns(
    ("number", "No.", 9),
    ("theme", "Theme", 26),
    ("recommendation", "Recommendation", 17),
    ("age_group", "Age group", 14),
    ("agency", "Agency", 22),
    ("action", "Specific action", 50),
    ("owner", "Owner", 22),
    ("deadline", "Deadline", 13),
    ("status", "Status", 13),
    ("overdue", "Overdue", 10),
    ("links", "Links to other actions", 18),
    ("notes", "Notes / progress", 40),
)

GAPS_COLUMNS = _columns(
    ("recommendation", "Recommendation", 17),
    ("section", "Section", 10),
    ("summary", "Summary", 45),
    ("status", "System status", 15),
    ("not_met", "Not met", 28),
    ("partially_met", "Partially met", 28),
    ("not_assessed", "Not assessed", 28),
    ("owners", "Action owners", 36),
    ("open_actions", "Open actions", 12),
    ("note", "Note", 36),
)

META_ORDER = ("kind", "format", "tool_version", "guideline", "version", "fingerprint", "merged_at", "as_of", "agencies")

# --- styles --------------------------------------------------------------------------------------------------

# Colour is never alone: every coloured cell also carries its label ("Not met", "Overdue: Yes").
_STATUS_COLOURS = {  # fill, font (Excel's Good / Neutral / Bad palette, plus greys)
    Status.MET: ("C6EFCE", "006100"),
    Status.PARTIALLY_MET: ("FFEB9C", "9C5700"),
    Status.NOT_MET: ("FFC7CE", "9C0006"),
    Status.NOT_ASSESSED: ("D9D9D9", "262626"),
    Status.NOT_APPLICABLE: ("F2F2F2", "595959"),
}
_CHART_COLOURS = {
    Status.MET: "70AD47",
    Status.PARTIALLY_MET: "FFC000",
    Status.NOT_MET: "C00000",
    Status.NOT_ASSESSED: "7F7F7F",
    Status.NOT_APPLICABLE: "D9D9D9",
}
# Action statuses and "overdue" reuse the status colours.
_ACTION_STATUS_LOOK = {
    ActionStatus.COMPLETE: Status.MET,
    ActionStatus.IN_PROGRESS: Status.PARTIALLY_MET,
    ActionStatus.NOT_STARTED: Status.NOT_ASSESSED,
}

HEADER = "Baseline header"
TEXT = "Baseline text"
PLAIN = "Baseline plain"
DATE = "Baseline date"
NUMBER = "Baseline number"
PERCENT = "Baseline percent"
SECTION = "Baseline section"
TITLE = "Baseline title"
NOTE = "Baseline note"
EDITABLE = "Baseline editable"
DATE_FORMAT = "dd/mm/yyyy"


def _status_style(status: Status) -> str:
    return f"Baseline {status.label.lower()}"


def _register_styles(wb: openpyxl.Workbook) -> None:
    """Named styles, so the tens of thousands of cells share a handful of style records."""
    top = Alignment(vertical="top")
    wrap = Alignment(vertical="top", wrap_text=True)
    thin = Side(style="thin", color="8EA9DB")
    styles = [
        NamedStyle(HEADER, font=Font(bold=True), fill=PatternFill("solid", fgColor="D9E1F2"),
                   alignment=Alignment(vertical="center", wrap_text=True), border=Border(bottom=thin)),
        NamedStyle(TEXT, alignment=wrap),
        NamedStyle(PLAIN, alignment=top),
        NamedStyle(DATE, alignment=Alignment(vertical="top", horizontal="left"), number_format=DATE_FORMAT),
        NamedStyle(NUMBER, alignment=Alignment(vertical="top", horizontal="center"), number_format="0"),
        NamedStyle(PERCENT, alignment=top, number_format="0.0%"),
        NamedStyle(SECTION, font=Font(bold=True, color="FFFFFF"), fill=PatternFill("solid", fgColor="1F4E78"),
                   alignment=top),
        NamedStyle(TITLE, font=Font(bold=True, size=14)),
        NamedStyle(NOTE, font=Font(italic=True, color="9C5700"), alignment=Alignment(vertical="top")),
        NamedStyle(EDITABLE, alignment=wrap, protection=Protection(locked=False)),
    ]
    for status, (fill, font) in _STATUS_COLOURS.items():
        styles.append(NamedStyle(_status_style(status), font=Font(color=font), fill=PatternFill("solid", fgColor=fill),
                                 alignment=Alignment(vertical="top", wrap_text=True)))
    for style in styles:
        wb.add_named_style(style)


# --- texts ---------------------------------------------------------------------------------------------------


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


def _date_text(day: dt.date | None, fallback: str = "") -> str:
    return day.strftime("%d/%m/%Y") if day else fallback.strip()


def _oversized_texts(assessment: MultiAgencyAssessment) -> list[Problem]:
    """Individual texts are never cut: one over Excel's limit stops the write, naming where it came from."""
    problems = []
    for result in assessment.results:
        for agency, answer in result.answers.items():
            for key in ANSWER_TEXT_KEYS:
                text = clean_text(getattr(answer, key))
                if len(text) > EXCEL_CELL_LIMIT:
                    problems.append(Problem(
                        _source_of(assessment, agency), f"recommendation {result.recommendation}, {key}",
                        f"{len(text):,} characters, over Excel's limit of {EXCEL_CELL_LIMIT:,} ({agency})",
                    ))
    return problems


def _source_of(assessment: MultiAgencyAssessment, agency: str) -> str:
    return next((a.source for a in assessment.agencies if a.agency == agency), agency)


# --- sheet helpers -------------------------------------------------------------------------------------------

_WRAPPED = {TEXT, EDITABLE, HEADER, *(_status_style(s) for s in Status)}


class _Sheet:
    """One worksheet being written: texts never formulas, shared named styles, rows tall enough for wrapped text.

    Row heights are set from an estimate because neither Excel nor LibreOffice reliably grows rows of a file it
    did not write itself; without them long evidence overlaps the next row (LibreOffice) or is clipped (Excel).
    """

    LINE_HEIGHT = 15.0  # points per line of 11-point text
    MAX_ROW_HEIGHT = 409.0  # Excel's limit
    DEFAULT_WIDTH = 8.43

    def __init__(self, ws, style_arrays: dict[str, Any]):
        self.ws = ws
        self._style_arrays = style_arrays  # shared by every sheet of one workbook
        self._widths: dict[int, float] = {}
        self._lines: dict[int, int] = {}

    def width(self, column: int, width: float) -> None:
        self.ws.column_dimensions[get_column_letter(column)].width = width
        self._widths[column] = width

    def style(self, cell, style: str) -> None:
        """`cell.style = name` searches a list of names on every call, a large share of the time for 200
        agencies; copy the style array it produced instead, as openpyxl's own worksheet copy does."""
        array = self._style_arrays.get(style)
        if array is None:
            cell.style = style
            self._style_arrays[style] = copy(cell._style)
        else:
            cell._style = copy(array)

    def text(self, row: int, column: int, text: str | None, style: str = TEXT):
        """Any text (from a return or not) as text, never a formula. Style first: a named style resets
        quotePrefix, which write_text sets."""
        cell = self.ws.cell(row=row, column=column)
        self.style(cell, style)
        write_text(cell, text)
        if cell.value and style in _WRAPPED:
            self._note_lines(row, column, cell.value)
        return cell

    def value(self, row: int, column: int, value: Any, style: str):
        """Numbers and dates the tool computed (never text from a return)."""
        cell = self.ws.cell(row=row, column=column)
        self.style(cell, style)
        cell.value = value
        return cell

    def _note_lines(self, row: int, column: int, text: str) -> None:
        per_line = max(1, int(self._widths.get(column, self.DEFAULT_WIDTH)))  # a width unit is one "0"
        lines = sum(-(-len(part) // per_line) or 1 for part in text.split("\n"))
        if lines > self._lines.get(row, 1):
            self._lines[row] = lines

    def header(self, columns: Iterable[MergedColumn], row: int = 1) -> int:
        count = 0
        for count, column in enumerate(columns, start=1):
            self.width(count, column.width)
            self.text(row, count, column.header, HEADER)
        return count

    def fit_rows(self) -> None:
        for row, lines in self._lines.items():
            self.ws.row_dimensions[row].height = min(self.MAX_ROW_HEIGHT, self.LINE_HEIGHT * lines)

    def print_setup(self, title: str, header_row: int | None = 1) -> None:
        """Landscape A4, fitted to the page width, header row repeated on every page, title and page numbers."""
        ws = self.ws
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        if header_row:
            ws.print_title_rows = f"{header_row}:{header_row}"
        # "&" starts a code in page headers ("&P" is the page number); headers hold at most 255 characters.
        ws.oddHeader.center.text = clean_text(title).replace("&", "&&")[:250]
        ws.oddFooter.center.text = "Page &P of &N"

    def finish_table(self, title: str, width: int, last_row: int, freeze: str = "A2") -> None:
        """Frozen header, a filter over the whole table, rows fitted, print set-up."""
        self.ws.freeze_panes = freeze
        self.ws.auto_filter.ref = f"A1:{get_column_letter(max(width, 1))}{max(last_row, 1)}"
        self.fit_rows()
        self.print_setup(title)


# --- writing -------------------------------------------------------------------------------------------------


def build_merged_workbook(assessment: MultiAgencyAssessment, summary: Summary) -> openpyxl.Workbook:
    """The merged workbook in memory. Raises BaselineError if a single text is too long for Excel."""
    problems = _oversized_texts(assessment)
    if problems:
        raise BaselineError("Some answers are too long for an Excel cell; nothing was written.", problems)
    guideline = assessment.guideline
    wb = openpyxl.Workbook()
    _register_styles(wb)
    wb.properties.title = f"{guideline.ref} multi-agency baseline assessment"
    wb.properties.creator = f"baseline {__version__}"
    context = _Context(assessment, summary)
    style_arrays: dict[str, Any] = {}
    wb.active.title = SUMMARY_SHEET
    _write_summary(_Sheet(wb.active, style_arrays), context)
    for title, write in ((BY_RECOMMENDATION_SHEET, _write_by_recommendation), (ACTIONS_SHEET, _write_actions),
                         (GAPS_SHEET, _write_gaps), (ANSWERS_SHEET, _write_answers), (SOURCES_SHEET, _write_sources),
                         (META_SHEET, _write_meta)):
        write(_Sheet(wb.create_sheet(title), style_arrays), context)
    wb.active = 0
    return wb


def write_merged_workbook(path: Path | str, assessment: MultiAgencyAssessment, summary: Summary, *,
                          force: bool = False, inputs: Iterable[Path | str] = ()) -> Path:
    """Build, then write atomically; never over an input, never over an existing file without `force`."""
    path = Path(path)
    refuse_overwrite(path, force)  # before the work of building, not after
    wb = build_merged_workbook(assessment, summary)
    return atomic_write(path, wb.save, force=force, inputs=tuple(Path(p) for p in inputs))


class _Context:
    """What several sheets need, computed once."""

    def __init__(self, assessment: MultiAgencyAssessment, summary: Summary):
        self.assessment = assessment
        self.summary = summary
        self.guideline: Guideline = assessment.guideline
        self.recommendations = {r.id: r for r in self.guideline.recommendations}
        self.sections = {s.id: s for s in self.guideline.sections}
        self.results = {r.recommendation: r for r in assessment.results}
        self.title = f"{self.guideline.guideline} {self.guideline.title}"

    def summary_text(self, rec_id: str) -> str:
        rec = self.recommendations.get(rec_id)
        return (rec.summary or "") if rec else ""

    def section_label(self, section_id: str) -> str:
        section = self.sections.get(section_id)
        return section.label if section else section_id


def _write_summary(sheet: _Sheet, ctx: _Context) -> None:
    summary, guideline = ctx.summary, ctx.guideline
    for column, width in enumerate((16, 50, 15, 14, 11, 14, 15, 9, 9), start=1):
        sheet.width(column, width)
    sheet.text(1, 1, f"{ctx.title}: multi-agency baseline assessment", TITLE)
    merged = ctx.assessment.merged_at.replace("T", " ") if ctx.assessment.merged_at else "unknown"
    sheet.text(2, 1, f"Guideline {guideline.ref} · merged {merged} · actions overdue as of "
                     f"{_date_text(summary.as_of)} · {len(summary.agencies)} agencies", PLAIN)
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
        sheet.text(row, 1, status.label, _status_style(status))
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
    sheet.print_setup(f"{ctx.title}: summary", header_row=None)


def _summary_notes(ctx: _Context) -> list[str]:
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


def _count_header(sheet: _Sheet, row: int, first: tuple[str, str]) -> None:
    for col, header in enumerate(first, start=1):
        sheet.text(row, col, header, HEADER)
    for col, status in enumerate(STATUS_ORDER, start=len(first) + 1):
        sheet.text(row, col, status.label, _status_style(status))  # the header carries the colour key
    sheet.text(row, len(first) + len(STATUS_ORDER) + 1, "Total", HEADER)
    sheet.text(row, len(first) + len(STATUS_ORDER) + 2, "% met", HEADER)


def _count_cells(sheet: _Sheet, row: int, first_col: int, counts: dict[str, int]) -> None:
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
    details = [d for d in (answer.owner.strip(), _date_text(answer.deadline, answer.deadline_text)) if d]
    action = answer.action.strip() or "(no action described)"
    return f"{agency}: {action}" + (f" ({', '.join(details)})" if details else "")


def _combined_actions(result: RecommendationResult) -> str:
    return "\n".join(_action_line(agency, a) for agency, a in result.answers.items() if a.is_action)


def _write_by_recommendation(sheet: _Sheet, ctx: _Context) -> None:
    width = sheet.header(BY_RECOMMENDATION_COLUMNS)
    c = _positions(BY_RECOMMENDATION_COLUMNS)
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
        sheet.text(row, c["status"], label, _status_style(status))
        sheet.text(row, c["evidence"], fit_combined(_combined_evidence(result)), TEXT)
        sheet.text(row, c["actions"], fit_combined(_combined_actions(result)), TEXT)
        for agency, agency_status in result.statuses.items():
            sheet.text(row, agency_column[agency], agency_status.label, _status_style(agency_status))
    sheet.finish_table(f"{ctx.title}: by recommendation", width + len(agencies), row, freeze="B2")


def _action_numbers(actions: list[Action]) -> list[str]:
    """"1.1-01", "1.1-02", ... numbered within each section, in the plan's order."""
    numbers, per_section = [], {}
    for action in actions:
        per_section[action.section] = per_section.get(action.section, 0) + 1
        numbers.append(f"{action.section}-{per_section[action.section]:02d}")
    return numbers


def _action_links(actions: list[Action], numbers: list[str]) -> list[str]:
    """Other actions on the same recommendation, and the same agency's identical action elsewhere."""
    by_recommendation: dict[str, list[int]] = {}
    by_text: dict[tuple[str, str], list[int]] = {}
    for i, action in enumerate(actions):
        by_recommendation.setdefault(action.recommendation, []).append(i)
        text = " ".join(action.action.split()).casefold()
        if text:
            by_text.setdefault((action.agency, text), []).append(i)
    links = []
    for i, action in enumerate(actions):
        related = set(by_recommendation[action.recommendation])
        text = " ".join(action.action.split()).casefold()
        if text:
            related.update(by_text[(action.agency, text)])
        related.discard(i)
        ordered = [numbers[j] for j in sorted(related)]
        shown = ", ".join(ordered[:MAX_LINKS])
        if len(ordered) > MAX_LINKS:
            shown += f" and {len(ordered) - MAX_LINKS} more"
        links.append(shown)
    return links


def _write_actions(sheet: _Sheet, ctx: _Context) -> None:
    """The action plan: section heading rows, then that section's actions, numbered within the section."""
    width = sheet.header(ACTIONS_COLUMNS)
    c = _positions(ACTIONS_COLUMNS)
    actions = ctx.summary.actions
    numbers = _action_numbers(actions)
    links = _action_links(actions, numbers)
    row, current_section = 1, None
    for action, number, link in zip(actions, numbers, links):
        if action.section != current_section:
            current_section = action.section
            row += 1
            sheet.text(row, c["number"], ctx.section_label(action.section), SECTION)
            for col in range(2, width + 1):
                sheet.style(sheet.ws.cell(row=row, column=col), SECTION)
        row += 1
        sheet.text(row, c["number"], number, PLAIN)
        sheet.text(row, c["theme"], ctx.section_label(action.section), TEXT)
        sheet.text(row, c["recommendation"], action.recommendation, PLAIN)
        sheet.text(row, c["age_group"], POPULATION_LABELS.get(action.population, action.population), TEXT)
        sheet.text(row, c["agency"], action.agency, TEXT)
        sheet.text(row, c["action"], action.action, TEXT)
        sheet.text(row, c["owner"], action.owner, TEXT)
        if action.deadline:
            sheet.value(row, c["deadline"], action.deadline, DATE)
        else:
            sheet.text(row, c["deadline"], action.deadline_text, TEXT)
        if action.status:
            sheet.text(row, c["status"], action.status.value, _status_style(_ACTION_STATUS_LOOK[action.status]))
        else:
            sheet.text(row, c["status"], "", TEXT)
        look = Status.NOT_MET if action.overdue else Status.MET
        sheet.text(row, c["overdue"], "Yes" if action.overdue else "No", _status_style(look))
        sheet.text(row, c["links"], link, TEXT)
        sheet.text(row, c["notes"], "", EDITABLE)  # for the group to keep working in the plan
    sheet.finish_table(f"{ctx.title}: action plan (overdue as of {_date_text(ctx.summary.as_of)})", width, row)


def _write_gaps(sheet: _Sheet, ctx: _Context) -> None:
    width = sheet.header(GAPS_COLUMNS)
    c = _positions(GAPS_COLUMNS)
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
        sheet.text(row, c["status"], status.label, _status_style(status))
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


def _choice_text(value: Choice | YesNo | ActionStatus | None) -> str:
    return value.value if value is not None else ""


def _write_answers(sheet: _Sheet, ctx: _Context) -> None:
    width = sheet.header(ANSWERS_COLUMNS)
    c = _positions(ANSWERS_COLUMNS)
    row = 1
    for source in ctx.assessment.agencies:
        for result in ctx.assessment.results:
            answer = result.answers.get(source.agency)
            if answer is None:
                continue
            row += 1
            sheet.text(row, c["agency"], source.agency, TEXT)
            sheet.text(row, c["recommendation"], result.recommendation, PLAIN)
            sheet.text(row, c["section"], result.section, PLAIN)
            sheet.text(row, c["relevant"], _choice_text(answer.relevant), PLAIN)
            sheet.text(row, c["meets"], _choice_text(answer.meets), PLAIN)
            sheet.text(row, c["status"], answer.status.label, _status_style(answer.status))
            sheet.text(row, c["evidence"], answer.evidence, TEXT)
            sheet.text(row, c["action"], answer.action, TEXT)
            sheet.text(row, c["owner"], answer.owner, TEXT)
            if answer.deadline:
                sheet.value(row, c["deadline"], answer.deadline, DATE)
            sheet.text(row, c["deadline_text"], answer.deadline_text, TEXT)
            sheet.text(row, c["action_status"], _choice_text(answer.action_status), PLAIN)
            sheet.text(row, c["risk"], _choice_text(answer.risk), PLAIN)
            sheet.text(row, c["completed_by"], answer.completed_by, TEXT)
    sheet.finish_table(f"{ctx.title}: all answers", width, row, freeze="C2")


def _write_sources(sheet: _Sheet, ctx: _Context) -> None:
    width = sheet.header(SOURCES_COLUMNS)
    row = 1
    for source in ctx.assessment.agencies:
        row += 1
        values = {
            "source": source.source, "agency": source.agency, "sectors": ", ".join(source.sectors),
            "source_format": source.source_format,
            "completed_by": source.completed_by, "sha256": source.sha256, "generated_at": source.generated_at,
            "merged_at": ctx.assessment.merged_at, "tool_version": __version__,
        }
        for col, column in enumerate(SOURCES_COLUMNS, start=1):
            sheet.text(row, col, values[column.key], TEXT if column.key != "sha256" else PLAIN)
    sheet.finish_table(f"{ctx.title}: sources", width, row)


def _write_meta(sheet: _Sheet, ctx: _Context) -> None:
    guideline = ctx.guideline
    values = {
        "kind": KIND, "format": str(MERGED_FORMAT), "tool_version": __version__,
        "guideline": guideline.guideline, "version": guideline.version, "fingerprint": guideline.fingerprint,
        "merged_at": ctx.assessment.merged_at, "as_of": ctx.summary.as_of.isoformat(),
        "agencies": str(len(ctx.assessment.agencies)),
    }
    sheet.text(1, 1, "key", HEADER)
    sheet.text(1, 2, "value", HEADER)
    for row, key in enumerate(META_ORDER, start=2):
        sheet.text(row, 1, key, PLAIN)
        sheet.text(row, 2, values[key], PLAIN)
    sheet.width(1, 14)
    sheet.width(2, 30)
    sheet.ws.sheet_state = "hidden"


# --- reading -------------------------------------------------------------------------------------------------


def _open(path: Path):
    """Safety checks on the bytes (a merged workbook can come from anyone), then python-calamine on those bytes."""
    from python_calamine import CalamineWorkbook

    try:
        with check_untrusted(path) as checked:
            data = checked.data
    except FileRefused as refused:
        raise BaselineError(f"{path}: {refused.message}") from None
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises several types for damaged files; all mean "cannot read it"
        raise BaselineError(f"{path} cannot be read as a workbook: {str(exc).strip() or type(exc).__name__}") from None


def _rows(workbook, sheet: str) -> list[list[Any]]:
    """A sheet's values from A1 on (empty leading rows and columns kept, so indexes are cell positions)."""
    return workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def _text(value: Any) -> str:
    """A cell value as text. Numbers someone typed into a text column come back as "12", not "12.0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value)


def _read_meta(workbook, path: Path) -> dict[str, str]:
    if META_SHEET not in workbook.sheet_names:
        raise BaselineError(f"{path} is not a merged baseline workbook (it has no {META_SHEET} sheet). "
                            f"Make one with `baseline merge`.")
    meta = {}
    for row in _rows(workbook, META_SHEET):
        if len(row) >= 2 and _text(row[0]).strip():
            meta[_text(row[0]).strip()] = _text(row[1]).strip()
    kind = meta.get("kind", "")
    if kind != KIND:
        if meta.get("agency"):
            raise BaselineError(f"{path} is an agency workbook ({meta['agency']}), not a merged baseline workbook.")
        raise BaselineError(f"{path} is not a merged baseline workbook (its {META_SHEET} sheet does not say "
                            f"kind={KIND}).")
    try:
        version = int(meta.get("format", ""))
    except ValueError:
        raise BaselineError(f"{path}: its {META_SHEET} sheet has no readable format number.") from None
    if version > MERGED_FORMAT:
        raise BaselineError(f"{path} was made by a newer baseline (merged format {version}, tool "
                            f"{meta.get('tool_version', '?')}); this is baseline {__version__}. Upgrade to read it.")
    missing = [key for key in ("guideline", "version", "fingerprint") if not meta.get(key)]
    if missing:
        raise BaselineError(f"{path}: its {META_SHEET} sheet lacks {', '.join(missing)}.")
    return meta


def _resolve_guideline(meta: dict[str, str], path: Path) -> Guideline:
    from baseline import catalogue

    guideline = catalogue.find_by_fingerprint(meta["guideline"], meta["version"], meta["fingerprint"])
    if guideline is None:
        raise BaselineError(
            f"{path} was merged from {meta['guideline']}@{meta['version']} (fingerprint {meta['fingerprint']}), "
            f"which this installation does not have. Put that encoding (recommendations/"
            f"{meta['guideline'].lower()}/{meta['version']}.yaml with the same recommendations) in a directory "
            f"named by $BASELINE_RECOMMENDATIONS."
        )
    return guideline


@dataclass
class _Table:
    sheet: str
    header_row: int  # 1-based
    positions: dict[str, int]  # column key -> 0-based index
    rows: list[list[Any]]  # the rows below the header

    def get(self, row: list[Any], key: str) -> Any:
        index = self.positions.get(key)
        return row[index] if index is not None and index < len(row) else None

    def cell(self, offset: int, key: str) -> str:
        """"E7"-style reference of a value, for messages."""
        return f"{get_column_letter(self.positions[key] + 1)}{self.header_row + 1 + offset}"


def _find_table(workbook, sheet: str, columns: tuple[MergedColumn, ...], required: tuple[str, ...],
                path: Path) -> _Table:
    if sheet not in workbook.sheet_names:
        raise BaselineError(f"{path} is marked as a merged workbook but has no {sheet!r} sheet.")
    rows = _rows(workbook, sheet)
    wanted = {normalise_header(c.header): c.key for c in columns}
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        positions: dict[str, int] = {}
        for col, value in enumerate(row):
            key = wanted.get(normalise_header(value))
            if key is not None and key not in positions:
                positions[key] = col
        if all(key in positions for key in required):
            return _Table(sheet, index + 1, positions, rows[index + 1:])
    headers = ", ".join(c.header for c in columns if c.key in required)
    raise BaselineError(f"{path}: the {sheet!r} sheet has no header row with the columns {headers}.")


def _read_sources(workbook, path: Path) -> list[AgencySource]:
    table = _find_table(workbook, SOURCES_SHEET, SOURCES_COLUMNS, SOURCES_REQUIRED, path)
    sources, problems, seen = [], [], set()
    for offset, row in enumerate(table.rows):
        agency = _text(table.get(row, "agency"))
        if not agency.strip():
            continue
        if agency in seen:
            problems.append(Problem(str(path), f"{table.sheet}!{table.cell(offset, 'agency')}",
                                    f"agency {agency!r} is listed twice"))
            continue
        seen.add(agency)
        sectors = tuple(s.strip() for s in _text(table.get(row, "sectors")).split(",") if s.strip())
        sources.append(AgencySource(
            agency=agency, sectors=sectors, source=_text(table.get(row, "source")),
            sha256=_text(table.get(row, "sha256")), generated_at=_text(table.get(row, "generated_at")),
            completed_by=_text(table.get(row, "completed_by")),
            source_format=_text(table.get(row, "source_format")) or "baseline",
        ))
    if problems:
        raise BaselineError(f"{path}: the {SOURCES_SHEET!r} sheet cannot be read back.", problems)
    return sources


_CHOICES: dict[str, dict[str, Any]] = {
    "relevant": {c.value.casefold(): c for c in Choice},
    "meets": {c.value.casefold(): c for c in Choice},
    "action_status": {s.value.casefold(): s for s in ActionStatus},
    "risk": {y.value.casefold(): y for y in YesNo},
}


def _parse_choice(key: str, value: Any) -> tuple[Any, str | None]:
    text = " ".join(_text(value).split())
    if not text:
        return None, None
    vocabulary = _CHOICES[key]
    choice = vocabulary.get(text.casefold())
    if choice is None:
        allowed = ", ".join(v.value for v in vocabulary.values())
        return None, f"{text!r} is not one of {allowed}"
    return choice, None


def _parse_date(value: Any) -> tuple[dt.date | None, str | None]:
    if value is None or value == "":
        return None, None
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    text = _text(value).strip()
    for parse in (dt.date.fromisoformat, lambda t: dt.datetime.strptime(t, "%d/%m/%Y").date()):
        try:
            return parse(text), None
        except ValueError:
            pass
    return None, f"{text!r} is not a date (use the Deadline (as written) column for free text)"


def _read_answers(workbook, path: Path, guideline: Guideline,
                  agencies: list[AgencySource]) -> tuple[dict[tuple[str, str], Answer], list[Problem]]:
    table = _find_table(workbook, ANSWERS_SHEET, ANSWERS_COLUMNS, ANSWERS_REQUIRED, path)
    known_agencies = {a.agency for a in agencies}
    known_recommendations = {r.id for r in guideline.recommendations}
    answers: dict[tuple[str, str], Answer] = {}
    problems: list[Problem] = []

    def problem(offset: int, key: str, message: str) -> None:
        problems.append(Problem(str(path), f"{table.sheet}!{table.cell(offset, key)}", message))

    for offset, row in enumerate(table.rows):
        agency = _text(table.get(row, "agency"))
        rec_id = _text(table.get(row, "recommendation")).strip()
        if not agency.strip() and not rec_id:
            continue  # a blank line someone left
        if agency not in known_agencies:
            problem(offset, "agency", f"agency {agency!r} is not on the {SOURCES_SHEET} sheet")
            continue
        if rec_id not in known_recommendations:
            problem(offset, "recommendation", f"{rec_id!r} is not a recommendation of {guideline.ref}")
            continue
        if (agency, rec_id) in answers:
            problem(offset, "recommendation", f"{agency} answers {rec_id} twice")
            continue
        values: dict[str, Any] = {}
        for key in _CHOICES:
            values[key], error = _parse_choice(key, table.get(row, key))
            if error:
                problem(offset, key, error)
        values["deadline"], error = _parse_date(table.get(row, "deadline"))
        if error:
            problem(offset, "deadline", error)
        for key in ANSWER_TEXT_KEYS:
            values[key] = _text(table.get(row, key))
        answers[(agency, rec_id)] = Answer(recommendation=rec_id, **values)
    return answers, problems


def read_merged_workbook(path: Path | str) -> MultiAgencyAssessment:
    """The assessment a merged workbook was written from: every agency's answers, sources and stamps.

    Raises BaselineError (with every problem found) when the file is not a merged workbook, its guideline encoding
    is not installed, or its All answers sheet was edited into something that cannot be read.
    """
    path = Path(path)
    workbook = _open(path)
    try:
        meta = _read_meta(workbook, path)
        guideline = _resolve_guideline(meta, path)
        agencies = _read_sources(workbook, path)
        answers, problems = _read_answers(workbook, path, guideline, agencies)
    finally:
        workbook.close()
    if problems:
        raise BaselineError(f"{path}: the {ANSWERS_SHEET!r} sheet cannot be read back.", problems)
    results = []
    for section in guideline.sections:
        for rec in section.recommendations:
            result = RecommendationResult(rec.id, section.id)
            for source in agencies:  # in the Sources order, which is the merge's agency order
                answer = answers.get((source.agency, rec.id))
                if answer is not None:
                    result.answers[source.agency] = answer
            results.append(result)
    return MultiAgencyAssessment(guideline, agencies, results, meta.get("merged_at", ""))


def is_merged_workbook(path: Path | str) -> bool:
    """Cheap: does the file's hidden metadata sheet say kind=merged? Never raises."""
    path = Path(path)
    try:
        workbook = _open(path)
    except BaselineError:
        return False
    try:
        if META_SHEET not in workbook.sheet_names:
            return False
        rows = workbook.get_sheet_by_name(META_SHEET).to_python(skip_empty_area=False, nrows=len(META_ORDER) + 5)
        return any(len(row) >= 2 and _text(row[0]).strip() == "kind" and _text(row[1]).strip() == KIND
                   for row in rows)
    except Exception:  # a damaged sheet is simply "not a merged workbook" here; the reader explains the details
        return False
    finally:
        workbook.close()
