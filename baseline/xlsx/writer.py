"""The agency workbook (format 1): one self-explanatory, hard-to-break Excel file per agency.

Sheets (names and the Assessment columns come from `layout`, which the reader shares):
  Start here   who, what, by when, how to fill it in, what the answers mean, how complete the encoding is
  Assessment   one row per recommendation that applies to the agency's sectors, section heading rows between
  My summary   live COUNTIFS formulas (Excel and LibreOffice compute them alike): counts by status and section, % met
  Lists        hidden: the dropdown vocabularies (not inline lists, which LibreOffice truncates)
  _baseline    very hidden: metadata, also stamped as custom document properties and defined names

Everything taken from outside (agency and area names, prefilled answers) goes through `safety.write_text`.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from copy import copy
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Mapping
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils.datetime import to_excel
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from baseline import __version__
from baseline.assessment import STATUS_LABELS, Answer, Choice, Status
from baseline.guideline import Guideline, Recommendation
from baseline.issues import BaselineError
from baseline.xlsx import layout
from baseline.xlsx.safety import atomic_write, clean_text, is_too_long, write_text

if TYPE_CHECKING:
    from baseline.config import Agency, AssessmentConfig

# --- styles (openpyxl shares identical style objects, so module-level constants cost nothing) -----------------
_THIN = Side(style="thin", color="BFBFBF")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
# Fonts name the workbook default (Calibri 11): a font without a name renders in LibreOffice's default serif.
_FONT = {"name": "Calibri", "size": 11}
_HEADER_FONT = Font(**_FONT, bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_SECTION_FONT = Font(**_FONT, bold=True, color="1F3864")
_SECTION_FILL = PatternFill("solid", fgColor="D9E1F2")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")  # pale yellow: "type here"
_TITLE_FONT = Font(name="Calibri", bold=True, size=14)
_BOLD = Font(**_FONT, bold=True)
_PLAIN = Font(**_FONT)
_GREY = Font(**_FONT, color="808080")
_WARNING_FONT = Font(**_FONT, bold=True, color="9C0006")
_LINK_FONT = Font(**_FONT, color="0563C1", underline="single")
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_CLIP_TOP = Alignment(wrap_text=False, vertical="top")  # long section names are cut at the cell edge, not wrapped
_UNLOCKED = Protection(locked=False)

_VOCABULARY_TITLES = {"yes_partial_no": "Yes / Partial / No", "action_status": "Action status", "yes_no": "Yes / No"}
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
MAX_STEM_LENGTH = 60


# --- public helpers ------------------------------------------------------------------------------------------


def safe_filename(agency: str, taken: set[str]) -> str:
    """A file name for an agency's workbook: "North CAMHS" -> "north-camhs.xlsx".

    ASCII letters, digits and hyphens only (no path separators, dots, spaces or Windows device names), at most
    60 characters before ".xlsx", and unique within `taken` compared case-insensitively (as on Windows and macOS
    file systems): "-2", "-3"... is added when needed. The name returned is added to `taken`.
    """
    text = re.sub(r"['\u2019]", "", agency).replace("&", " and ")  # "Children's" -> "childrens", not "children-s"
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(stem) > MAX_STEM_LENGTH:
        stem = stem[:MAX_STEM_LENGTH].rsplit("-", 1)[0] if "-" in stem[:MAX_STEM_LENGTH] else stem[:MAX_STEM_LENGTH]
    stem = stem or "agency"
    if stem in _WINDOWS_RESERVED:
        stem += "-agency"
    used = {name.casefold() for name in taken}
    name, counter = f"{stem}.xlsx", 1
    while name.casefold() in used:
        counter += 1
        name = f"{stem}-{counter}.xlsx"
    taken.add(name)
    return name


def listed_recommendations(guideline: Guideline, sectors: list[str], all_recommendations: bool = False) -> list[Recommendation]:
    """The recommendations an agency's workbook lists, in guideline order."""
    return guideline.recommendations if all_recommendations else guideline.recommendations_for(sectors)


def iso_utc(moment: dt.datetime) -> str:
    """ISO 8601 in UTC to the second, e.g. "2026-11-01T09:00:00Z" (a naive datetime is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def workbook_metadata(guideline: Guideline, *, agency: str, sectors: list[str], area: str,
                      generated_at: dt.datetime) -> dict[str, str]:
    """The values stamped three ways (sheet, custom properties, defined names), keyed by layout.META_KEYS."""
    values = {
        "tool_version": __version__,
        "format": str(layout.FORMAT),
        "guideline": guideline.guideline,
        "version": guideline.version,
        # Of the guideline's whole list, not the agency's filtered one: the reader finds the encoding by it.
        "fingerprint": guideline.fingerprint,
        "area": area,
        "agency": agency,
        "sector": ",".join(sectors),
        "generated_at": iso_utc(generated_at),
    }
    assert tuple(values) == layout.META_KEYS
    return values


def recommendations_url(guideline: Guideline) -> str:
    return guideline.source.rstrip("/") + "/chapter/Recommendations"


# --- the workbook --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Job:
    guideline: Guideline
    agency: str
    sectors: list[str]
    area: str
    return_by: dt.date | None
    facilitator_name: str
    facilitator_email: str
    all_recommendations: bool
    generated_at: dt.datetime
    listed: list[Recommendation]


def build_agency_workbook(guideline: Guideline, *, agency: str, sectors: list[str], area: str = "",
                          return_by: dt.date | None = None, facilitator_name: str = "", facilitator_email: str = "",
                          all_recommendations: bool = False, generated_at: dt.datetime | None = None,
                          prefill: dict[str, Answer] | None = None) -> Workbook:
    """One agency's workbook, in memory. BaselineError for an empty agency name, unknown sectors, or nothing to list.

    `prefill` (answers keyed by recommendation id) fills the answer cells, e.g. to re-issue last round's answers.
    """
    agency = " ".join(clean_text(agency or "").split())
    area = " ".join(clean_text(area or "").split())
    if not agency:
        raise BaselineError("The agency name is empty.")
    sectors = list(dict.fromkeys(s.strip() for s in sectors if s and s.strip()))
    if not sectors:
        raise BaselineError(f"Give the agency's sector (one or more of: {', '.join(guideline.sectors)}).")
    unknown = [s for s in sectors if s not in guideline.sectors]
    if unknown:
        raise BaselineError(f"Unknown sector(s) {', '.join(map(repr, unknown))} for {guideline.guideline}; "
                            f"known: {', '.join(guideline.sectors)}.")
    listed = listed_recommendations(guideline, sectors, all_recommendations)
    if not listed:
        raise BaselineError(f"No {guideline.ref} recommendation applies to {', '.join(sectors)}; "
                            "use --all-recommendations to list them all.")
    _check_prefill(prefill or {}, listed)
    job = _Job(guideline, agency, sectors, area, return_by, facilitator_name.strip(), facilitator_email.strip(),
               all_recommendations, generated_at or dt.datetime.now(dt.timezone.utc), listed)

    wb = Workbook()
    start = wb.active
    start.title = layout.START_SHEET
    assessment = wb.create_sheet(layout.ASSESSMENT_SHEET)
    summary = wb.create_sheet(layout.SUMMARY_SHEET)
    lists = wb.create_sheet(layout.LISTS_SHEET)
    meta = wb.create_sheet(layout.META_SHEET)

    rows = _write_assessment(assessment, job, prefill or {})
    _write_summary(summary, job, rows)
    _write_lists(lists)
    _write_start(start, job)
    _stamp_metadata(wb, meta, workbook_metadata(guideline, agency=agency, sectors=sectors, area=area,
                                                generated_at=job.generated_at))

    wb.active = 0
    # No password: it stops accidents (deleting or renaming sheets), not people (XLSX_PITFALLS.md §3).
    wb.security = WorkbookProtection(lockStructure=True)
    wb.properties.title = clean_text(f"{guideline.guideline} baseline assessment: {agency}")
    wb.properties.creator = f"baseline {__version__}"
    wb.properties.created = job.generated_at.astimezone(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    return wb


def write_agency_workbook(path: Path | str, guideline: Guideline, *, force: bool = False, **keywords) -> Path:
    """Build an agency workbook and write it atomically to `path` (.xlsx); refuses to overwrite unless `force`."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise BaselineError(f"{path}: the workbook must be written to a .xlsx file.")
    workbook = build_agency_workbook(guideline, **keywords)
    return atomic_write(path, workbook.save, force=force)


@dataclass(frozen=True)
class GeneratedWorkbook:
    path: Path
    agency: str
    sectors: list[str]
    recommendations: int


def plan_workbooks(config: AssessmentConfig, out_dir: Path | str) -> list[tuple[Path, Agency]]:
    """(target path, agency) for every agency of an AssessmentConfig, with safe and unique file names."""
    taken: set[str] = set()
    return [(Path(out_dir) / safe_filename(agency.name, taken), agency) for agency in config.agencies]


def generate_workbooks(config: AssessmentConfig, guideline: Guideline, out_dir: Path | str, *, force: bool = False,
                       all_recommendations: bool = False,
                       generated_at: dt.datetime | None = None) -> list[GeneratedWorkbook]:
    """One workbook per agency of an AssessmentConfig in `out_dir` (created if missing).

    Every target is checked before anything is written: if any exists and not `force`, nothing is written.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise BaselineError(f"{out_dir} is a file; give a folder for the workbooks (-o DIR).")
    plan = plan_workbooks(config, out_dir)
    existing = [path for path, _ in plan if path.exists()]
    if existing and not force:
        listing = "\n".join(f"  {path}" for path in existing)
        raise BaselineError(f"{len(existing)} workbook(s) already exist; nothing was written. "
                            f"Use --force to overwrite them:\n{listing}")
    directories = [path for path in existing if path.is_dir()]
    if directories:
        raise BaselineError(f"{directories[0]} is a folder; nothing was written.")
    generated_at = generated_at or dt.datetime.now(dt.timezone.utc)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path, agency in plan:
        sectors = agency.sector_ids
        write_agency_workbook(
            path, guideline, force=force, agency=agency.name, sectors=sectors, area=config.area,
            return_by=config.return_by, facilitator_name=config.facilitator.name,
            facilitator_email=config.facilitator.email, all_recommendations=all_recommendations,
            generated_at=generated_at,
        )
        written.append(GeneratedWorkbook(path, agency.name, sectors,
                                         len(listed_recommendations(guideline, sectors, all_recommendations))))
    return written


# --- prefill -------------------------------------------------------------------------------------------------


def _check_prefill(prefill: Mapping[str, Answer], listed: list[Recommendation]) -> None:
    listed_ids = {r.id for r in listed}
    stray = [rec_id for rec_id, answer in prefill.items() if rec_id not in listed_ids and not answer.is_blank]
    if stray:
        raise BaselineError(f"Answers to prefill for recommendations this workbook does not list: {', '.join(stray)}. "
                            "Nothing was written (were the answers given for another version or other sectors?).")
    for rec_id, answer in prefill.items():
        for column in layout.INPUT_COLUMNS:
            value = getattr(answer, column.key, None)
            if isinstance(value, str) and is_too_long(clean_text(value)):
                raise BaselineError(f"The answer to prefill for {rec_id} ({column.header}) is longer than Excel's "
                                    f"limit of {layout.EXCEL_CELL_LIMIT} characters.")


def _prefill_row(ws: Worksheet, row: int, answer: Answer) -> None:
    for column in layout.INPUT_COLUMNS:
        cell = ws[f"{layout.column_letter(column.key)}{row}"]
        value = getattr(answer, column.key, None)
        if column.kind == "date":
            if isinstance(value, dt.date):
                cell.value = value
                cell.number_format = layout.DATE_FORMAT
            elif answer.deadline_text:
                write_text(cell, answer.deadline_text)  # kept as given: validation points it out on return
        elif hasattr(value, "value"):  # a Choice / ActionStatus / YesNo enum
            write_text(cell, value.value)
        elif isinstance(value, str):
            write_text(cell, value)


# --- sheets --------------------------------------------------------------------------------------------------


class _StyleCache:
    """Style the first cell of each kind through openpyxl's API, then give the others a copy of its style.

    Setting font, fill, border... attribute by attribute on every cell took half of the writing time; copying the
    style array is how openpyxl itself copies cell styles. One cache per workbook (styles index workbook tables).
    """

    def __init__(self) -> None:
        self._styles: dict[object, object] = {}

    def apply(self, cell, kind: object, **attributes) -> None:
        style = self._styles.get(kind)
        if style is None:
            for name, value in attributes.items():
                setattr(cell, name, value)
            self._styles[kind] = copy(cell._style)
        else:
            cell._style = copy(style)


def _protect(ws: Worksheet) -> None:
    """Protect without a password; sorting, filtering and resizing stay allowed (False = not protected)."""
    ws.protection.sheet = True
    ws.protection.autoFilter = False
    ws.protection.sort = False
    ws.protection.formatCells = False
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def _line_count(text: str, width: float) -> int:
    """Lines a wrapped text takes in a column `width` characters wide (a generous estimate: words wrap early)."""
    per_line = max(1, int(width * 1.1))
    return sum(max(1, -(-len(paragraph) // per_line)) for paragraph in text.split("\n"))


def _fit_row_heights(ws: Worksheet, first_row: int, last_row: int, line_height: float = 15.0) -> None:
    """Give rows with wrapped text a height that shows it all.

    LibreOffice (and Google Sheets) do not grow rows to fit wrapped text on opening, so without this the text of a
    long summary overlaps on screen and in print. Rows already given a height are left alone.
    """
    widths = {letter: dim.width for letter, dim in ws.column_dimensions.items() if dim.width}
    for row in range(first_row, last_row + 1):
        if ws.row_dimensions[row].height is not None:
            continue
        lines = 1
        for cell in ws[row]:
            if cell.data_type == "s" and isinstance(cell.value, str) and cell.alignment.wrap_text:
                lines = max(lines, _line_count(cell.value, widths.get(cell.column_letter, 8.43)))
        if lines > 1:
            ws.row_dimensions[row].height = lines * line_height + 2


def _header_footer_text(text: str) -> str:
    return text.replace("&", "&&")  # "&" starts a code in Excel headers and footers


def _print_setup(ws: Worksheet, *, landscape: bool, title: str) -> None:
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as needed
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddHeader.center.text = _header_footer_text(title)
    ws.oddFooter.right.text = "Page &P of &N"


def _write_assessment(ws: Worksheet, job: _Job, prefill: Mapping[str, Answer]) -> list[tuple[int, Recommendation]]:
    """The recommendation rows; returns (row, recommendation) for each, in sheet order."""
    columns = layout.ASSESSMENT_COLUMNS
    last_col = layout.column_letter(columns[-1].key)
    for index, column in enumerate(columns, start=1):
        cell = ws.cell(layout.HEADER_ROW, index)
        write_text(cell, column.header)
        cell.font, cell.fill, cell.border = _HEADER_FONT, _HEADER_FILL, _BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[layout.column_letter(column.key)].width = column.width
    ws.row_dimensions[layout.HEADER_ROW].height = 32

    listed_ids = {r.id for r in job.listed}
    link = recommendations_url(job.guideline)
    styles = _StyleCache()
    row = layout.FIRST_DATA_ROW
    rows: list[tuple[int, Recommendation]] = []
    for section in job.guideline.sections:
        recs = [r for r in section.recommendations if r.id in listed_ids]
        if not recs:
            continue
        # Section heading: Recommendation cell empty, so the reader (which matches rows by id) never takes it
        # for a recommendation, and My summary's counts skip it.
        heading = section.label
        if not section.complete:
            heading += " (this encoding may not list every recommendation of this section)"
        for index, column in enumerate(columns, start=1):
            clipped = column.key == "section"
            styles.apply(ws.cell(row, index), ("heading", clipped), font=_SECTION_FONT, fill=_SECTION_FILL,
                         border=_BORDER, alignment=_CLIP_TOP if clipped else _WRAP_TOP)
        write_text(ws.cell(row, 2), section.label)
        write_text(ws.cell(row, 3), heading)
        row += 1
        for rec in recs:
            values = {
                "recommendation": rec.id,
                "section": section.label,
                "summary": rec.summary or f"(summary not yet encoded: see NICE {rec.id})",
            }
            for index, column in enumerate(columns, start=1):
                cell = ws.cell(row, index)
                if column.is_input:
                    styles.apply(cell, ("input", column.kind), border=_BORDER, alignment=_WRAP_TOP,
                                 protection=_UNLOCKED, fill=_INPUT_FILL,
                                 number_format=layout.DATE_FORMAT if column.kind == "date" else "General")
                else:
                    # The link sits on the short id, not the Summary: LibreOffice does not wrap a hyperlinked cell.
                    link_font = {"font": _LINK_FONT} if column.key == "recommendation" else {}
                    styles.apply(cell, ("fixed", column.key), border=_BORDER,
                                 alignment=_CLIP_TOP if column.key == "section" else _WRAP_TOP, **link_font)
                    write_text(cell, values.get(column.key, ""))
            ws.cell(row, 1).hyperlink = link
            if rec.id in prefill:
                _prefill_row(ws, row, prefill[rec.id])
            rows.append((row, rec))
            row += 1
    last_row = row - 1

    _fit_row_heights(ws, layout.FIRST_DATA_ROW, last_row)
    _add_validations(ws, last_row)
    ws.freeze_panes = f"B{layout.FIRST_DATA_ROW}"
    ws.auto_filter.ref = f"A{layout.HEADER_ROW}:{last_col}{last_row}"
    ws.print_title_rows = f"{layout.HEADER_ROW}:{layout.HEADER_ROW}"
    _print_setup(ws, landscape=True, title=f"{job.guideline.guideline} baseline assessment: {job.agency}")
    _protect(ws)
    return rows


def _add_validations(ws: Worksheet, last_row: int) -> None:
    earliest = dt.date.fromisoformat(layout.EARLIEST_DEADLINE)
    latest = dt.date.fromisoformat(layout.LATEST_DEADLINE)
    for column in layout.INPUT_COLUMNS:
        letter = layout.column_letter(column.key)
        common = dict(showInputMessage=True, promptTitle=column.header[:32], prompt=column.prompt[:255])
        if column.kind == "choice":
            choices = layout.VOCABULARIES[column.vocabulary]
            validation = DataValidation(
                type="list", formula1=layout.list_range(column.vocabulary), allow_blank=True,
                showErrorMessage=True, errorStyle="stop", errorTitle="Choose from the list",
                error=f"Choose {', '.join(choices[:-1])} or {choices[-1]} from the list, or leave the cell blank.",
                **common)
        elif column.kind == "date":
            validation = DataValidation(
                type="date", operator="between", formula1=str(int(to_excel(earliest))),
                formula2=str(int(to_excel(latest))), allow_blank=True, showErrorMessage=True, errorStyle="stop",
                errorTitle="Not a date",
                error=f"Type a date such as 31/03/2027 (between {earliest:%d/%m/%Y} and {latest:%d/%m/%Y}).",
                **common)
        else:  # free text: a prompt only
            validation = DataValidation(allow_blank=True, **common)
        validation.add(f"{letter}{layout.FIRST_DATA_ROW}:{letter}{last_row}")
        ws.add_data_validation(validation)


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


def _write_summary(ws: Worksheet, job: _Job, rows: list[tuple[int, Recommendation]]) -> None:
    last_row = rows[-1][0]
    sheet = layout.ASSESSMENT_SHEET
    ranges = {
        key: f"{sheet}!${layout.column_letter(key)}${layout.FIRST_DATA_ROW}:${layout.column_letter(key)}${last_row}"
        for key in ("recommendation", "section", "relevant", "meets")
    }
    write_text(ws["A1"], "My summary")
    ws["A1"].font = _TITLE_FONT
    write_text(ws["A2"], job.agency)
    ws["A2"].font = _BOLD
    write_text(ws["A3"], "These figures update by themselves as you fill in the Assessment sheet. Blank or "
                         "unrecognised answers count as Not assessed. % met = Met ÷ (all recommendations − Not applicable).")
    ws.merge_cells("A3:H3")
    ws["A3"].alignment = _WRAP_TOP
    ws.row_dimensions[3].height = 32

    # Overall: rows 5 (header) .. 12; the status rows must follow the total row in _SUMMARY_STATUSES order.
    for cell, text in (("A5", "Status"), ("B5", "Recommendations")):
        write_text(ws[cell], text)
        ws[cell].font, ws[cell].fill = _HEADER_FONT, _HEADER_FILL
    total_row = 6
    write_text(ws[f"A{total_row}"], "All recommendations in this workbook")
    ws[f"A{total_row}"].font = _BOLD
    ws[f"B{total_row}"] = f'=COUNTIFS({ranges["recommendation"]},"<>")'
    formulas = _status_formulas(ranges, "", total_row, "B")
    for offset, status in enumerate(_SUMMARY_STATUSES, start=1):
        write_text(ws[f"A{total_row + offset}"], STATUS_LABELS[status])
        ws[f"B{total_row + offset}"] = formulas[status]
    percent_row = total_row + len(_SUMMARY_STATUSES) + 1
    write_text(ws[f"A{percent_row}"], "% met")
    ws[f"A{percent_row}"].font = _BOLD
    met_ref, na_ref = f"B{total_row + 1}", f"B{total_row + 5}"
    ws[f"B{percent_row}"] = f'=IF(B{total_row}-{na_ref}=0,"",{met_ref}/(B{total_row}-{na_ref}))'
    ws[f"B{percent_row}"].number_format = "0%"
    for r in range(5, percent_row + 1):
        for col in "AB":
            ws[f"{col}{r}"].border = _BORDER

    # By section: one row per section listed.
    header_row = percent_row + 3
    write_text(ws[f"A{header_row - 1}"], "By section")
    ws[f"A{header_row - 1}"].font = _BOLD
    headers = ["Section", "Recommendations", *(STATUS_LABELS[s] for s in _SUMMARY_STATUSES), "% met"]
    for index, text in enumerate(headers, start=1):
        cell = ws.cell(header_row, index)
        write_text(cell, text)
        cell.font, cell.fill, cell.border = _HEADER_FONT, _HEADER_FILL, _BORDER
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
            ws.cell(r, index).border = _BORDER
            ws.cell(r, index).alignment = _WRAP_TOP
    ws.column_dimensions["A"].width = 48
    for letter in letters:
        ws.column_dimensions[letter].width = 17 if letter == "B" else 15
    ws.row_dimensions[header_row].height = 32
    _fit_row_heights(ws, header_row + 1, header_row + len(sections))
    _print_setup(ws, landscape=False, title=f"{job.guideline.guideline} baseline assessment: {job.agency}")
    _protect(ws)


def _section_formulas(ranges: dict[str, str], extra: str, row: int) -> dict[Status, str]:
    formulas = _status_formulas(ranges, extra, row, "B")
    # Across columns: not assessed = total (B) - met (C) - partially met (D) - not met (E) - not applicable (G).
    formulas[Status.NOT_ASSESSED] = f"=B{row}-SUM(C{row}:E{row})-G{row}"
    return formulas


def _write_lists(ws: Worksheet) -> None:
    for vocabulary, choices in layout.VOCABULARIES.items():
        column = layout.list_column(vocabulary)
        write_text(ws[f"{column}1"], _VOCABULARY_TITLES.get(vocabulary, vocabulary))
        ws[f"{column}1"].font = _BOLD
        for offset, choice in enumerate(choices):
            write_text(ws[f"{column}{layout.LISTS_FIRST_ROW + offset}"], choice)
        ws.column_dimensions[column].width = 20
    ws.sheet_state = "hidden"
    _protect(ws)


def _stamp_metadata(wb: Workbook, ws: Worksheet, values: dict[str, str]) -> None:
    write_text(ws["A1"], layout.META_HEADER[0])
    write_text(ws["B1"], layout.META_HEADER[1])
    for key, value in values.items():
        row = layout.meta_row(key)
        write_text(ws[f"A{row}"], key)
        write_text(ws[f"B{row}"], value)
        name = layout.META_PREFIX + key
        wb.custom_doc_props.append(StringProperty(name=name, value=clean_text(value)))
        wb.defined_names[name] = DefinedName(name, attr_text=layout.meta_reference(key))
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 40
    ws.sheet_state = "veryHidden"
    _protect(ws)


# --- Start here ----------------------------------------------------------------------------------------------


def _long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def encoding_note(guideline: Guideline) -> str:
    """Plain words on how complete the guideline encoding is, for people filling in the workbook."""
    c = guideline.completeness()
    if c["complete"]:
        return (f"This workbook is based on a complete list of the {c['recommendations']} recommendations of "
                f"{guideline.guideline}.")
    text = (f"Please note: this list of {guideline.guideline} recommendations is NOT complete. It holds the "
            f"{c['recommendations']} recommendation numbers known so far, in {c['sections']} sections")
    if c["complete_sections"]:
        text += f"; only section{'s' if len(c['complete_sections']) > 1 else ''} {', '.join(c['complete_sections'])} "
        text += f"{'are' if len(c['complete_sections']) > 1 else 'is'} known to be complete"
    text += "."
    if not c["sections_list_complete"]:
        text += " NICE may have further sections not listed here."
    missing = c["recommendations"] - c["with_summary"]
    if missing:
        text += (f" {missing} of the {c['recommendations']} have no summary yet: read them on the NICE website "
                 "(each recommendation number links to it).")
    text += (f" {c['verified']} of the {c['recommendations']} have been checked against a NICE source. "
             "If you find a recommendation that applies to you but is missing here, tell the facilitator.")
    return text


_HOW_TO = (
    "Go to the Assessment sheet. Each row is one NICE recommendation that applies to your service; the grey rows "
    "are section headings. Click a recommendation number to open NICE's recommendations page.",
    "Fill in the yellow cells only. Pick Relevant to us? and Meets it? from the dropdown in each cell.",
    "Say what you do now under Evidence / current activity (or why it is not relevant to you).",
    "If it is not fully met, say what needs to happen (Action needed), who owns it (Action owner) and by when "
    "(Deadline: a date such as 31/03/2027), then keep Action status up to date.",
    "Put your name and role under Completed by. My summary shows your progress as you go.",
    "Save the file (keep the .xlsx format and the file name) and send it back by the date above.",
)

_MEANINGS = (
    ("Relevant to us?", "Yes: it applies to your service. Partial: it applies to part of it (some teams, ages or "
                        "settings). No: it does not apply; say why under Evidence."),
    ("Meets it?", "Yes: you fully meet it today and can show it. Partial: you meet it in part or not consistently. "
                  "No: you do not meet it yet. Leave it blank if the recommendation is not relevant."),
    ("Evidence / current activity", "What you do now that shows it is met: a policy, pathway, audit, training "
                                    "record... Name documents rather than pasting them."),
    ("Action needed", "What needs to happen to meet it fully."),
    ("Action owner", "The person or role responsible for the action."),
    ("Deadline", "The date the action should be done by (a real date: the cell refuses anything else)."),
    ("Action status", "Not started, In progress or Complete."),
    ("Risk if not done?", "Yes if not meeting this recommendation is a risk to people who self-harm or to your "
                          "service; No otherwise."),
    ("Completed by", "Your name and role, so the facilitator knows whom to ask."),
)


def _write_start(ws: Worksheet, job: _Job) -> None:
    g = job.guideline
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 100
    row = 1

    def put(label: str, value, *, font: Font | None = None, link: str | None = None, value_font: Font | None = None):
        nonlocal row
        a, b = ws.cell(row, 1), ws.cell(row, 2)
        write_text(a, label)
        a.font, a.alignment = font or _BOLD, _WRAP_TOP
        if isinstance(value, dt.date):
            b.value = value
            b.number_format = "d mmmm yyyy"
            b.alignment = Alignment(horizontal="left", vertical="top")
        else:
            write_text(b, value)
            b.alignment = _WRAP_TOP
        if link:
            b.hyperlink = link
            b.font = _LINK_FONT
        elif value_font:
            b.font = value_font
        row += 1

    def gap() -> None:
        nonlocal row
        row += 1

    write_text(ws["A1"], f"NICE {g.guideline} baseline assessment")
    ws["A1"].font = _TITLE_FONT
    row = 2
    write_text(ws.cell(row, 1), g.title)
    ws.cell(row, 1).font = _BOLD
    row = 4
    sector_labels = "; ".join(g.sectors[s] for s in job.sectors)
    put("Agency", job.agency)
    put("Area", job.area or "(not given)")
    put("Sector", sector_labels)
    published = dt.date.fromisoformat(g.published)
    put("Guideline", f"NICE guideline {g.guideline}: {g.title}. Published {_long_date(published)}"
                     + (f", updated {_long_date(dt.date.fromisoformat(g.updated))}" if g.updated else "")
                     + f". Encoding version {g.version}.")
    put("On the NICE website", g.source, link=g.source)
    put("Please return by", job.return_by or "Ask the person who sent you this workbook.")
    contact = job.facilitator_name
    if job.facilitator_email:
        contact = f"{contact} <{job.facilitator_email}>" if contact else job.facilitator_email
    mailto = f"mailto:{quote(job.facilitator_email, safe='@.+-_')}" if "@" in job.facilitator_email else None
    put("Questions to", contact or "The person who sent you this workbook.", link=mailto)
    total = len(g.recommendations)
    if job.all_recommendations:
        scope = f"All {total} recommendations in this encoding of {g.guideline}."
    else:
        scope = (f"{len(job.listed)} of the {total} recommendations in this encoding: those that apply to "
                 f"{sector_labels}, or to everybody.")
    put("Recommendations listed", scope)
    gap()
    complete = g.completeness()["complete"]
    put("About this list", encoding_note(g), value_font=None if complete else _WARNING_FONT)
    gap()
    write_text(ws.cell(row, 1), "How to fill it in")
    ws.cell(row, 1).font = _TITLE_FONT
    row += 1
    for number, step in enumerate(_HOW_TO, start=1):
        put(f"Step {number}", step, font=_PLAIN)
    gap()
    write_text(ws.cell(row, 1), "What each answer means")
    ws.cell(row, 1).font = _TITLE_FONT
    row += 1
    for header, meaning in _MEANINGS:
        put(header, meaning)
    put("How answers are counted",
        "Met: relevant (Yes or Partial) and Meets it? Yes. Partially met: Meets it? Partial. Not met: Meets it? No. "
        "Not applicable: Relevant to us? No. Not assessed: not answered yet. My summary counts these for you.")
    gap()
    put("Please do not", "rename or delete sheets, change the column headings, or change the Recommendation "
                         "column: the facilitator's tool reads your answers by them. You can filter, resize "
                         "columns and rows (double-click the line under a row number to fit a long answer), and "
                         "add comments. The sheets are protected without a password only to "
                         "prevent accidents.")
    gap()
    put("Source and copyright",
        f"Based on NICE guideline {g.guideline} ({g.title}). © NICE. Summaries in this workbook are our own words, "
        "not NICE's text: read the full recommendations on the NICE website.")
    put("NICE's recommendations", recommendations_url(g), link=recommendations_url(g))
    put("Generated", f"{iso_utc(job.generated_at)} by baseline {__version__}", font=_GREY,
        value_font=_GREY)
    _fit_row_heights(ws, 4, row - 1)
    _print_setup(ws, landscape=False, title=f"{g.guideline} baseline assessment: {job.agency}")
    ws.print_area = f"A1:B{row - 1}"
    _protect(ws)
