"""The agency workbook's `My summary` sheet: live COUNTIFS formulas (Excel and LibreOffice compute them alike),
counts by status and section, % met.

Each formula is written with the value it gives for the answers the workbook is sent with (blank, or prefilled):
LibreOffice shows a cached value of a file written by an "Excel" writer without recalculating it on opening, and
readers that do not calculate (python-calamine, file previews) show it too.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Mapping

from baseline.assessment import STATUS_LABELS, Answer, Choice, Status
from baseline.guideline import Recommendation
from baseline.xlsx.agency import layout
from baseline.xlsx.agency.layout import WorkbookJob
from baseline.xlsx.agency.styles import (
    BOLD,
    BOXED,
    BOXED_BOLD,
    BOXED_PERCENT,
    BOXED_WRAP,
    BOXED_WRAP_PERCENT,
    HEADER,
    NOTE,
    TITLE,
)
from baseline.xlsx.sheets import StreamSheet, stream_print_setup, stream_protect


def _criterion(label: str, cell_ref: str) -> str:
    """A COUNTIFS criterion matching `label` exactly: the label's cell, or an escaped literal if it has wildcards."""
    if not re.search(r"[~*?]", label) and len(label) <= 255:
        return cell_ref
    escaped = re.sub(r"([~*?])", r"~\1", label[:240])
    if len(label) > 240:
        escaped += "*"  # COUNTIFS criteria stop at 255 characters: match on the start
    return '"' + escaped.replace('"', '""') + '"'

def _status_formulas(ranges: dict[str, str], extra: str, row: int, count_col: str) -> dict[Status, str]:
    """COUNTIFS per status from (Relevant to us?, Meets it?) as in DESIGN.md "Statuses"; blank rows never counted.

    Not assessed is what is left, so an unrecognised answer counts as not assessed (the tool recomputes anyway).
    """
    base = f'{ranges["recommendation"]},"<>"{extra}'
    relevant, meets = ranges["relevant"], ranges["meets"]

    def met_as(choice: Choice) -> str:
        return " + ".join(
            f'COUNTIFS({base},{relevant},"{rel.value}",{meets},"{choice.value}")' for rel in (Choice.YES, Choice.PARTIAL)
        )

    total = f"{count_col}{row}"
    first = row + 1  # status rows follow the total in _SUMMARY_STATUS_ROWS order
    return {
        Status.MET: "=" + met_as(Choice.YES),
        Status.PARTIALLY_MET: "=" + met_as(Choice.PARTIAL),
        Status.NOT_MET: "=" + met_as(Choice.NO),
        Status.NOT_APPLICABLE: f'=COUNTIFS({base},{relevant},"{Choice.NO.value}")',
        Status.NOT_ASSESSED: f"={total}-SUM({count_col}{first}:{count_col}{first + 2})-{count_col}{first + 4}",
    }

# Order of the status rows/columns on My summary; _status_formulas relies on it (not assessed = total - the rest).
_SUMMARY_STATUSES = (Status.MET, Status.PARTIALLY_MET, Status.NOT_MET, Status.NOT_ASSESSED, Status.NOT_APPLICABLE)

def _percent_met(counts: Counter) -> float | str:
    """What the % met formula gives: Met ÷ (all − Not applicable), or "" when nothing applies."""
    applicable = counts.total() - counts[Status.NOT_APPLICABLE]
    return counts[Status.MET] / applicable if applicable else ""


def write_summary(sheet: StreamSheet, job: WorkbookJob, rows: list[tuple[int, Recommendation]],
                  prefill: Mapping[str, Answer]) -> None:
    last_row = rows[-1][0]
    assessment = layout.ASSESSMENT_SHEET
    ranges = {
        key: f"{assessment}!${layout.column_letter(key)}${layout.FIRST_DATA_ROW}:${layout.column_letter(key)}${last_row}"
        for key in ("recommendation", "section", "relevant", "meets")
    }
    # The status of each row as sent (what the formulas give until somebody types an answer).
    section_of = {r.id: s.id for s in job.guideline.sections for r in s.recommendations}
    statuses = {rec.id: prefill[rec.id].status if rec.id in prefill else Status.NOT_ASSESSED for _, rec in rows}
    overall = Counter(statuses.values())

    sheet.width(1, 48)
    letters = "BCDEFGH"
    for index, letter in enumerate(letters, start=2):
        sheet.width(index, 17 if letter == "B" else 15)
    sheet.text(1, 1, "My summary", TITLE)
    sheet.text(2, 1, job.agency, BOLD)
    sheet.ws.merge_range(2, 0, 2, 7, "", sheet.formats.plain[NOTE])
    sheet.text(3, 1, "These figures update by themselves as you fill in the Assessment sheet. Blank or "
                     "unrecognised answers count as Not assessed. % met = Met ÷ (all recommendations − Not applicable).",
               NOTE)
    sheet.height(3, 32)

    # Overall: rows 5 (header) .. 12; the status rows must follow the total row in _SUMMARY_STATUSES order.
    sheet.text(5, 1, "Status", HEADER)
    sheet.text(5, 2, "Recommendations", HEADER)
    total_row = 6
    sheet.text(total_row, 1, "All recommendations in this workbook", BOXED_BOLD)
    sheet.formula(total_row, 2, f'=COUNTIFS({ranges["recommendation"]},"<>")', BOXED, len(rows))
    formulas = _status_formulas(ranges, "", total_row, "B")
    for offset, status in enumerate(_SUMMARY_STATUSES, start=1):
        sheet.text(total_row + offset, 1, STATUS_LABELS[status], BOXED)
        sheet.formula(total_row + offset, 2, formulas[status], BOXED, overall[status])
    percent_row = total_row + len(_SUMMARY_STATUSES) + 1
    sheet.text(percent_row, 1, "% met", BOXED_BOLD)
    met_ref, na_ref = f"B{total_row + 1}", f"B{total_row + 5}"
    sheet.formula(percent_row, 2, f'=IF(B{total_row}-{na_ref}=0,"",{met_ref}/(B{total_row}-{na_ref}))',
                  BOXED_PERCENT, _percent_met(overall))

    # By section: one row per section listed.
    header_row = percent_row + 3
    sheet.text(header_row - 1, 1, "By section", BOLD)
    headers = ["Section", "Recommendations", *(STATUS_LABELS[s] for s in _SUMMARY_STATUSES), "% met"]
    for index, text in enumerate(headers, start=1):
        sheet.text(header_row, index, text, HEADER)
    sheet.height(header_row, 32)
    sections = list(dict.fromkeys(section_of[rec.id] for _, rec in rows))
    for offset, section_id in enumerate(sections, start=1):
        r = header_row + offset
        counts = Counter(status for rec_id, status in statuses.items() if section_of[rec_id] == section_id)
        label = next(s.label for s in job.guideline.sections if s.id == section_id)
        sheet.text(r, 1, label, BOXED_WRAP)
        extra = f',{ranges["section"]},{_criterion(label, f"$A{r}")}'
        sheet.formula(r, 2, f'=COUNTIFS({ranges["recommendation"]},"<>"{extra})', BOXED_WRAP, counts.total())
        # Same formulas as the overall block, laid out across columns C..G instead of down rows.
        section_formulas = _section_formulas(ranges, extra, r)
        for index, status in enumerate(_SUMMARY_STATUSES, start=3):
            sheet.formula(r, index, section_formulas[status], BOXED_WRAP, counts[status])
        sheet.formula(r, 8, f'=IF(B{r}-G{r}=0,"",C{r}/(B{r}-G{r}))', BOXED_WRAP_PERCENT, _percent_met(counts))
    sheet.fit_rows()
    stream_print_setup(sheet.ws, landscape=False, title=f"{job.guideline.guideline} baseline assessment: {job.agency}")
    stream_protect(sheet.ws)

def _section_formulas(ranges: dict[str, str], extra: str, row: int) -> dict[Status, str]:
    formulas = _status_formulas(ranges, extra, row, "B")
    # Across columns: not assessed = total (B) - met (C) - partially met (D) - not met (E) - not applicable (G).
    formulas[Status.NOT_ASSESSED] = f"=B{row}-SUM(C{row}:E{row})-G{row}"
    return formulas
