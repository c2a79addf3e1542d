"""The agency workbook's `My summary` sheet: live COUNTIFS formulas (Excel and LibreOffice compute them alike),
counts by status and section, % met."""

from __future__ import annotations

import re

from openpyxl.styles import Alignment
from openpyxl.worksheet.worksheet import Worksheet

from baseline.assessment import STATUS_LABELS, Choice, Status
from baseline.guideline import Recommendation
from baseline.xlsx.agency import layout
from baseline.xlsx.agency.layout import WorkbookJob
from baseline.xlsx.sheets import (
    BOLD,
    BORDER,
    HEADER_FILL,
    HEADER_FONT,
    TITLE_FONT,
    WRAP_TOP,
    fit_row_heights,
    print_setup,
    protect,
    write_text,
)


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

def write_summary(ws: Worksheet, job: WorkbookJob, rows: list[tuple[int, Recommendation]]) -> None:
    last_row = rows[-1][0]
    sheet = layout.ASSESSMENT_SHEET
    ranges = {
        key: f"{sheet}!${layout.column_letter(key)}${layout.FIRST_DATA_ROW}:${layout.column_letter(key)}${last_row}"
        for key in ("recommendation", "section", "relevant", "meets")
    }
    write_text(ws["A1"], "My summary")
    ws["A1"].font = TITLE_FONT
    write_text(ws["A2"], job.agency)
    ws["A2"].font = BOLD
    write_text(ws["A3"], "These figures update by themselves as you fill in the Assessment sheet. Blank or "
                         "unrecognised answers count as Not assessed. % met = Met ÷ (all recommendations − Not applicable).")
    ws.merge_cells("A3:H3")
    ws["A3"].alignment = WRAP_TOP
    ws.row_dimensions[3].height = 32

    # Overall: rows 5 (header) .. 12; the status rows must follow the total row in _SUMMARY_STATUSES order.
    for cell, text in (("A5", "Status"), ("B5", "Recommendations")):
        write_text(ws[cell], text)
        ws[cell].font, ws[cell].fill = HEADER_FONT, HEADER_FILL
    total_row = 6
    write_text(ws[f"A{total_row}"], "All recommendations in this workbook")
    ws[f"A{total_row}"].font = BOLD
    ws[f"B{total_row}"] = f'=COUNTIFS({ranges["recommendation"]},"<>")'
    formulas = _status_formulas(ranges, "", total_row, "B")
    for offset, status in enumerate(_SUMMARY_STATUSES, start=1):
        write_text(ws[f"A{total_row + offset}"], STATUS_LABELS[status])
        ws[f"B{total_row + offset}"] = formulas[status]
    percent_row = total_row + len(_SUMMARY_STATUSES) + 1
    write_text(ws[f"A{percent_row}"], "% met")
    ws[f"A{percent_row}"].font = BOLD
    met_ref, na_ref = f"B{total_row + 1}", f"B{total_row + 5}"
    ws[f"B{percent_row}"] = f'=IF(B{total_row}-{na_ref}=0,"",{met_ref}/(B{total_row}-{na_ref}))'
    ws[f"B{percent_row}"].number_format = "0%"
    for r in range(5, percent_row + 1):
        for col in "AB":
            ws[f"{col}{r}"].border = BORDER

    # By section: one row per section listed.
    header_row = percent_row + 3
    write_text(ws[f"A{header_row - 1}"], "By section")
    ws[f"A{header_row - 1}"].font = BOLD
    headers = ["Section", "Recommendations", *(STATUS_LABELS[s] for s in _SUMMARY_STATUSES), "% met"]
    for index, text in enumerate(headers, start=1):
        cell = ws.cell(header_row, index)
        write_text(cell, text)
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    letters = "BCDEFGH"
    sections = list(dict.fromkeys(job.guideline.section_of(rec.id).id for _, rec in rows))
    for offset, section_id in enumerate(sections, start=1):
        r = header_row + offset
        label = next(s.label for s in job.guideline.sections if s.id == section_id)
        write_text(ws[f"A{r}"], label)
        extra = f',{ranges["section"]},{_criterion(label, f"$A{r}")}'
        ws[f"B{r}"] = f'=COUNTIFS({ranges["recommendation"]},"<>"{extra})'
        # Same formulas as the overall block, laid out across columns C..G instead of down rows.
        counts = _section_formulas(ranges, extra, r)
        for status, letter in zip(_SUMMARY_STATUSES, letters[1:6]):
            ws[f"{letter}{r}"] = counts[status]
        ws[f"H{r}"] = f'=IF(B{r}-G{r}=0,"",C{r}/(B{r}-G{r}))'
        ws[f"H{r}"].number_format = "0%"
        for index in range(1, len(headers) + 1):
            ws.cell(r, index).border = BORDER
            ws.cell(r, index).alignment = WRAP_TOP
    ws.column_dimensions["A"].width = 48
    for letter in letters:
        ws.column_dimensions[letter].width = 17 if letter == "B" else 15
    ws.row_dimensions[header_row].height = 32
    fit_row_heights(ws, header_row + 1, header_row + len(sections))
    print_setup(ws, landscape=False, title=f"{job.guideline.guideline} baseline assessment: {job.agency}")
    protect(ws)

def _section_formulas(ranges: dict[str, str], extra: str, row: int) -> dict[Status, str]:
    formulas = _status_formulas(ranges, extra, row, "B")
    # Across columns: not assessed = total (B) - met (C) - partially met (D) - not met (E) - not applicable (G).
    formulas[Status.NOT_ASSESSED] = f"=B{row}-SUM(C{row}:E{row})-G{row}"
    return formulas
