"""Returns filled in the way people really fill them (issue 10), built in code.

Each builder starts from a workbook the project generates (baseline's agency writer, or NICE's tool as
tests/nice_bat_builder.py lays it out), fills it in as agency staff do — merged answers, Y/N, dates in words,
notes under the table, renamed sheets and headers, copied rows and columns — and, where that is how the file
really comes about, saves it through LibreOffice (.xlsx re-save, .ods, .xls, .csv).

A builder returns a `Built`: the file, and what reading it must give — the status of each recommendation it
answered, every issue as (code, cell) exactly, and the exit codes of `validate` and `validate --strict`.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import openpyxl
from openpyxl.utils import get_column_letter

from baseline import catalogue
from tests import nice_bat_builder as nice
from tests.cases.builders import (
    AGENCY,
    assessment,
    column_of,
    new_workbook,
    put,
    rewrite_part,
    row_of,
    save,
    sheet_part,
)
from tests.libreoffice import SOFFICE, convert

SECTOR = "mental_health"  # the sector of builders.new_workbook()
AS_AGENCY = ("--as-agency", AGENCY, "--sector", SECTOR)  # how the facilitator names a file that carries no agency
MARCH_31 = dt.date(2027, 3, 31)


@dataclass
class Built:
    path: Path
    statuses: dict[str, str]  # recommendation -> the agency status it must be read as (others: not_assessed)
    issues: list[tuple[str, str | None]]  # every issue of the file, as (code, cell); order does not matter
    exit_code: int = 0  # `baseline validate FILE`
    strict_exit: int | None = None  # `baseline validate --strict FILE` (default: 1 when there are issues, else 0)
    args: tuple[str, ...] = ()  # extra arguments `validate` needs (naming the agency of a NICE tool or a CSV)
    deadlines: dict[str, Any] = field(default_factory=dict)  # recommendation -> Answer.deadline (or deadline_text)
    evidence: dict[str, str] = field(default_factory=dict)  # recommendation -> Answer.evidence, exactly

    @property
    def strict(self) -> int:
        if self.strict_exit is not None:
            return self.strict_exit
        return 1 if self.issues else 0


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path], Built]
    soffice: bool = False  # needs LibreOffice


# --- helpers -----------------------------------------------------------------------------------------------


def listed_ids(ws) -> list[str]:
    col = column_of(ws, "recommendation")
    header = row_of_header(ws)
    return [str(ws.cell(r, col).value).strip() for r in range(header + 1, ws.max_row + 1)
            if ws.cell(r, col).value and re.match(r"^\d+(\.\d+)+", str(ws.cell(r, col).value).strip())]


def row_of_header(ws) -> int:
    for row in range(1, 31):
        if any(str(c.value or "").strip().lower() == "recommendation" for c in ws[row]):
            return row
    raise KeyError("header")


def ref(ws, rec_id: str, key: str) -> str:
    return f"{get_column_letter(column_of(ws, key))}{row_of(ws, rec_id)}"


def ref_of(path: Path, rec_id: str, key: str) -> str:
    """The cell of `key` for a recommendation in a saved agency workbook."""
    return ref(assessment(openpyxl.load_workbook(path)), rec_id, key)


def met(wb, rec_id: str, **extra: Any) -> None:
    """A consistent 'met' answer (no warnings)."""
    put(wb, rec_id, relevant="Yes", meets="Yes", evidence="Audit 2026", **extra)


def short(wb, rec_id: str, meets: str = "No", deadline: Any = MARCH_31, **extra: Any) -> None:
    """A consistent 'not met' answer: action, owner and deadline given (no warnings)."""
    values = dict(relevant="Yes", meets=meets, action="Write a pathway", owner="Service lead", deadline=deadline)
    values.update(extra)
    put(wb, rec_id, **values)


def heading_rows(ws) -> list[int]:
    """Section heading rows of the Assessment table: no recommendation id, text elsewhere on the row."""
    col = column_of(ws, "recommendation")
    return [r for r in range(row_of_header(ws) + 1, ws.max_row + 1)
            if not ws.cell(r, col).value and any(c.value for c in ws[r])]


def last_row(ws) -> int:
    return max(row_of(ws, rec_id) for rec_id in listed_ids(ws))


def lo_csv(source: Path, out_dir: Path, sheet_number: int) -> Path:
    """Save one sheet of `source` as CSV the way LibreOffice does (UTF-8, comma, quoted text, 'as shown')."""
    out_dir.mkdir(parents=True, exist_ok=True)
    # Filter options: separator 44 (,), text delimiter 34 ("), UTF-8 (76), first line 1, ..., sheet number last.
    options = f"csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,{sheet_number}"
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                        "--convert-to", options, "--outdir", str(out_dir), str(source)],
                       check=True, capture_output=True, timeout=180)
    produced = sorted(out_dir.glob(source.stem + "*.csv"))
    if not produced:
        raise RuntimeError(f"LibreOffice did not produce a CSV of {source}")
    return produced[0]


def add_merge_keeping_contents(path: Path, sheet: str, ranges: list[str]) -> Path:
    """Merge cell ranges WITHOUT clearing what the covered cells hold, as LibreOffice does when asked to keep the
    contents of the hidden cells (openpyxl's merge_cells would clear them)."""
    merges = "".join(f'<mergeCell ref="{r}"/>' for r in ranges).encode()
    block = b'<mergeCells count="%d">%s</mergeCells>' % (len(ranges), merges)

    def change(data: bytes) -> bytes:
        # mergeCells follows sheetData, sheetProtection and autoFilter in the schema's order.
        for anchor in (rb"(<autoFilter[^>]*/>|</autoFilter>)", rb"(<sheetProtection[^>]*/>)", rb"(</sheetData>)"):
            if re.search(anchor, data):
                return re.sub(anchor, rb"\1" + block, data, count=1)
        raise AssertionError("no place for mergeCells")

    return rewrite_part(path, sheet_part(path, sheet), change)


def filled(tmp: Path, name: str, fill: Callable[[openpyxl.Workbook], None], **keywords) -> tuple[Path, Any]:
    wb = new_workbook(**keywords)
    fill(wb)
    return save(wb, tmp / name), assessment(wb)


# --- baseline's agency workbook ----------------------------------------------------------------------------


def merged_openpyxl(tmp: Path) -> Built:
    """One 'Meets it?' and one Evidence merged over a group of related recommendations (openpyxl's merge)."""
    wb = new_workbook()
    ws = assessment(wb)
    for rec_id in ("1.1.1", "1.1.2", "1.1.3"):
        put(wb, rec_id, relevant="Yes")
    put(wb, "1.1.1", meets="Yes", evidence="One leaflet covers all three")
    for key in ("meets", "evidence"):
        col = column_of(ws, key)
        ws.merge_cells(start_row=row_of(ws, "1.1.1"), start_column=col, end_row=row_of(ws, "1.1.3"), end_column=col)
    path = save(wb, tmp / "merged.xlsx")
    return Built(path, {"1.1.1": "met", "1.1.2": "met", "1.1.3": "met"}, [])


def merged_once(tmp: Path) -> Built:
    """A value merged over three rows is one cell to the person who typed it: one message, at that cell."""
    wb = new_workbook()
    ws = assessment(wb)
    for rec_id in ("1.1.1", "1.1.2", "1.1.3"):
        put(wb, rec_id, relevant="Yes")
    put(wb, "1.1.1", meets="Maybe")
    put(wb, "1.2.1", relevant="Y", meets="Yes")
    for first, last, key in (("1.1.1", "1.1.3", "meets"), ("1.2.1", "1.3.1", "relevant")):
        col = column_of(ws, key)
        ws.merge_cells(start_row=row_of(ws, first), start_column=col, end_row=row_of(ws, last), end_column=col)
    put(wb, "1.3.1", meets="Yes")
    # A header merged over the column beside it (its own notes column) is not a copied column.
    header, last_col = row_of_header(ws), ws.max_column
    ws.merge_cells(start_row=header, start_column=last_col, end_row=header, end_column=last_col + 1)
    path = save(wb, tmp / "merged-once.xlsx")
    return Built(path, {"1.1.1": "not_assessed", "1.1.2": "not_assessed", "1.1.3": "not_assessed", "1.2.1": "met",
                        "1.3.1": "met"},
                 [("invalid-choice", ref(ws, "1.1.1", "meets")), ("read-as", ref(ws, "1.2.1", "relevant"))],
                 exit_code=1)


def _hidden_under_merge(tmp: Path) -> Path:
    """Old answers left under a merge: 1.1.2 and 1.1.3 said No / not relevant before the cells were merged with
    1.1.1's Yes. LibreOffice keeps them in the file; nobody sees them."""
    wb = new_workbook()
    ws = assessment(wb)
    put(wb, "1.1.1", relevant="Yes", meets="Yes")
    put(wb, "1.1.2", relevant="No", meets="No")
    put(wb, "1.1.3", relevant="Partial", meets="No")
    path = save(wb, tmp / "hidden-source.xlsx")
    ranges = [f"{ref(ws, '1.1.1', key)}:{ref(ws, '1.1.3', key)}" for key in ("relevant", "meets")]
    return add_merge_keeping_contents(path, "Assessment", ranges)


HIDDEN_STATUSES = {"1.1.1": "met", "1.1.2": "met", "1.1.3": "met"}


def merged_hidden_xlsx(tmp: Path) -> Built:
    source = _hidden_under_merge(tmp)
    return Built(convert(source, tmp / "lo", "xlsx"), HIDDEN_STATUSES, [])


def merged_hidden_ods(tmp: Path) -> Built:
    source = _hidden_under_merge(tmp)
    return Built(convert(source, tmp / "lo", "ods"), HIDDEN_STATUSES, [])


def merged_hidden_xls(tmp: Path) -> Built:
    """Saved as Excel 97-2003 by LibreOffice: the hidden _baseline sheet (the stamps) survives, so it is read."""
    source = _hidden_under_merge(tmp)
    return Built(convert(source, tmp / "lo", "xls"), HIDDEN_STATUSES, [])


def xls_without_stamps(tmp: Path) -> Built:
    """An .xls whose stamps did not survive (the _baseline sheet deleted before saving): an error saying what to do."""
    wb = new_workbook()
    met(wb, "1.1.1")
    del wb["_baseline"]
    for prop in list(wb.custom_doc_props.props):
        wb.custom_doc_props.props.remove(prop)
    source = save(wb, tmp / "stampless.xlsx")
    return Built(convert(source, tmp / "lo", "xls"), {}, [("not-a-baseline-workbook", None)], exit_code=1)


def variants(tmp: Path) -> Built:
    """Y/N, Partially and n/a: clear in meaning, accepted, each reported with what it was read as."""
    wb = new_workbook()
    ws = assessment(wb)
    put(wb, "1.1.1", relevant="Y", meets="Y")
    short(wb, "1.1.2", meets="N", relevant="y")
    short(wb, "1.1.3", meets="Partially", risk="N")
    put(wb, "1.1.4", relevant="n/a")
    put(wb, "1.2.1", relevant="N/A", evidence="Not our service")
    put(wb, "1.3.1", relevant="yes", meets="YES")  # only case and spaces differ: nothing to report
    path = save(wb, tmp / "variants.xlsx")
    issues = [("read-as", ref(ws, "1.1.1", "relevant")), ("read-as", ref(ws, "1.1.1", "meets")),
              ("read-as", ref(ws, "1.1.2", "relevant")), ("read-as", ref(ws, "1.1.2", "meets")),
              ("read-as", ref(ws, "1.1.3", "meets")), ("read-as", ref(ws, "1.1.3", "risk")),
              ("read-as", ref(ws, "1.1.4", "relevant")), ("read-as", ref(ws, "1.2.1", "relevant"))]
    statuses = {"1.1.1": "met", "1.1.2": "not_met", "1.1.3": "partially_met", "1.1.4": "not_applicable",
                "1.2.1": "not_applicable", "1.3.1": "met"}
    return Built(path, statuses, issues)


ACCEPTED_DATES = {  # typed as text -> the date it means
    "31st March 2027": MARCH_31,
    "31-Mar-27": MARCH_31,  # Excel's own display form
    "30 Sept 2027": dt.date(2027, 9, 30),
    "Wednesday 31 March 2027": MARCH_31,
    "2027/03/31": MARCH_31,
}
PLAIN_DATES = {"31/03/2027": MARCH_31, "2027-03-31": MARCH_31}  # the forms the workbook asks for: no message
BAD_DATES = ("3/31/2027", "31/13/2027", "31/03/1027")  # ambiguous (US order) or impossible
TEXT_DEADLINES = ("March 2027", "end of Q4", "TBC")  # not a day: kept as text, with a warning


def _deadline_rows(ws, count: int) -> list[str]:
    return listed_ids(ws)[:count]


def dates_accepted(tmp: Path) -> Built:
    wb = new_workbook()
    ws = assessment(wb)
    typed = list(ACCEPTED_DATES.items()) + list(PLAIN_DATES.items()) + [(MARCH_31, MARCH_31)]
    ids = _deadline_rows(ws, len(typed))
    issues, deadlines = [], {}
    for rec_id, (text, day) in zip(ids, typed):
        short(wb, rec_id, deadline=text)
        deadlines[rec_id] = day
        if text in ACCEPTED_DATES:
            issues.append(("read-as", ref(ws, rec_id, "deadline")))
    path = save(wb, tmp / "dates.xlsx")
    return Built(path, {rec_id: "not_met" for rec_id in ids}, issues, deadlines=deadlines)


def dates_refused(tmp: Path) -> Built:
    wb = new_workbook()
    ws = assessment(wb)
    ids = _deadline_rows(ws, len(BAD_DATES))
    for rec_id, text in zip(ids, BAD_DATES):
        short(wb, rec_id, deadline=text)
    path = save(wb, tmp / "bad-dates.xlsx")
    issues = [("invalid-date", ref(ws, rec_id, "deadline")) for rec_id in ids]  # one message each: no 'missing'
    return Built(path, {rec_id: "not_met" for rec_id in ids}, issues, exit_code=1,
                 deadlines={rec_id: None for rec_id in ids})


def deadlines_as_text(tmp: Path) -> Built:
    wb = new_workbook()
    ws = assessment(wb)
    ids = _deadline_rows(ws, len(TEXT_DEADLINES))
    for rec_id, text in zip(ids, TEXT_DEADLINES):
        short(wb, rec_id, deadline=text)
    path = save(wb, tmp / "month-deadlines.xlsx")
    issues = [("deadline-as-text", ref(ws, rec_id, "deadline")) for rec_id in ids]
    return Built(path, {rec_id: "not_met" for rec_id in ids}, issues,
                 deadlines=dict(zip(ids, TEXT_DEADLINES)))


def invalid_relevant(tmp: Path) -> Built:
    """An invalid choice in 'Relevant to us?' is one message — not also 'this cell is blank'."""
    wb = new_workbook()
    ws = assessment(wb)
    put(wb, "1.1.1", relevant="Maybe", meets="Yes", evidence="Leaflets")
    met(wb, "1.1.2")
    path = save(wb, tmp / "maybe.xlsx")
    return Built(path, {"1.1.1": "not_assessed", "1.1.2": "met"}, [("invalid-choice", ref(ws, "1.1.1", "relevant"))],
                 exit_code=1)


def heading_row_answer(tmp: Path) -> Built:
    wb = new_workbook()
    ws = assessment(wb)
    met(wb, "1.1.1")
    heading = heading_rows(ws)[0]
    cell = f"{get_column_letter(column_of(ws, 'meets'))}{heading}"
    ws[cell] = "Yes"
    path = save(wb, tmp / "heading.xlsx")
    return Built(path, {"1.1.1": "met"}, [("answer-on-heading-row", cell)])


def notes_below(tmp: Path) -> Built:
    wb = new_workbook()
    ws = assessment(wb)
    met(wb, "1.1.1")
    end = last_row(ws)
    first = f"A{end + 2}"
    second = f"{get_column_letter(column_of(ws, 'evidence'))}{end + 3}"
    ws[first] = "Notes: reviewed at the March board"
    ws[second] = "Actions to be confirmed by the ICB"
    path = save(wb, tmp / "notes.xlsx")
    return Built(path, {"1.1.1": "met"}, [("note-below-table", first), ("note-below-table", second)])


def meets_missing(tmp: Path) -> Built:
    wb = new_workbook()
    ws = assessment(wb)
    put(wb, "1.1.1", relevant="Yes", evidence="Leaflets")
    put(wb, "1.1.2", relevant="Partial")
    met(wb, "1.1.3")
    path = save(wb, tmp / "meets-blank.xlsx")
    return Built(path, {"1.1.1": "not_assessed", "1.1.2": "not_assessed", "1.1.3": "met"},
                 [("meets-missing", ref(ws, "1.1.1", "meets")), ("meets-missing", ref(ws, "1.1.2", "meets"))])


def blank_return(tmp: Path) -> Built:
    wb = new_workbook()
    put(wb, "1.1.1", completed_by="A. Lead")  # who filled it in is not an answer
    path = save(wb, tmp / "blank.xlsx")
    return Built(path, {}, [("blank-return", None)], exit_code=0, strict_exit=1)


def renamed_sheet(tmp: Path) -> Built:
    wb = new_workbook()
    met(wb, "1.1.1")
    short(wb, "1.1.2")
    assessment(wb).title = "Our answers"
    path = save(wb, tmp / "renamed-sheet.xlsx")
    return Built(path, {"1.1.1": "met", "1.1.2": "not_met"}, [])


def header_suffixes(tmp: Path) -> Built:
    wb = new_workbook()
    ws = assessment(wb)
    met(wb, "1.1.1")
    short(wb, "1.1.2", meets="Partial")
    header = row_of_header(ws)
    for key, text in (("meets", "Meets it? (Yes/Partial/No)"), ("relevant", "RELEVANT TO US? (yes / partial / no)"),
                      ("deadline", "Deadline (dd/mm/yyyy)"), ("owner", "Action owner:")):
        ws.cell(header, column_of(ws, key)).value = text
    path = save(wb, tmp / "headers.xlsx")
    return Built(path, {"1.1.1": "met", "1.1.2": "partially_met"}, [], deadlines={"1.1.2": MARCH_31})


def untidy_ids(tmp: Path) -> Built:
    wb = new_workbook()
    ws = assessment(wb)
    met(wb, "1.1.1")
    short(wb, "1.1.2")
    put(wb, "1.1.3", relevant="No")
    col = column_of(ws, "recommendation")
    for rec_id, typed in (("1.1.1", "1.1.1 "), ("1.1.2", " 1.1.2"), ("1.1.3", "1.1.3.")):
        ws.cell(row_of(ws, rec_id), col).value = typed
    path = save(wb, tmp / "ids.xlsx")
    return Built(path, {"1.1.1": "met", "1.1.2": "not_met", "1.1.3": "not_applicable"}, [])


def duplicate_row(tmp: Path) -> Built:
    """A recommendation's row copied under the table and answered differently: the first is read."""
    wb = new_workbook()
    ws = assessment(wb)
    met(wb, "1.1.2")
    source, target = row_of(ws, "1.1.2"), last_row(ws) + 1
    for c in range(1, ws.max_column + 1):
        ws.cell(target, c).value = ws.cell(source, c).value
    ws.cell(target, column_of(ws, "meets")).value = "No"
    ws.cell(target, column_of(ws, "evidence")).value = "Second thoughts"
    path = save(wb, tmp / "copied-row.xlsx")
    cell = f"{get_column_letter(column_of(ws, 'recommendation'))}{target}"
    return Built(path, {"1.1.2": "met"}, [("duplicate-recommendation", cell)], exit_code=1)


def copied_column(tmp: Path) -> Built:
    """'Meets it?' copied into a new column and changed there: the first is read, the copy reported."""
    wb = new_workbook()
    ws = assessment(wb)
    met(wb, "1.1.1")
    meets_col = column_of(ws, "meets")
    target = ws.max_column + 1
    header = row_of_header(ws)
    for r in range(header, ws.max_row + 1):
        ws.cell(r, target).value = ws.cell(r, meets_col).value
    ws.cell(row_of(ws, "1.1.1"), target).value = "No"
    path = save(wb, tmp / "copied-column.xlsx")
    return Built(path, {"1.1.1": "met"}, [("duplicate-column", f"{get_column_letter(target)}{header}")])


def _csv_source(tmp: Path) -> Path:
    wb = new_workbook()
    met(wb, "1.1.1")
    short(wb, "1.1.2", meets="Partial")
    put(wb, "1.1.3", relevant="No", evidence="Adults only")
    return save(wb, tmp / "csv-source.xlsx")


CSV_STATUSES = {"1.1.1": "met", "1.1.2": "partially_met", "1.1.3": "not_applicable"}


def csv_named(tmp: Path) -> Built:
    """The Assessment sheet saved as CSV by LibreOffice, read because the facilitator names its agency."""
    path = lo_csv(_csv_source(tmp), tmp / "lo", sheet_number=2)
    return Built(path, CSV_STATUSES, [("missing-stamps", None)], args=AS_AGENCY, deadlines={"1.1.2": MARCH_31})


def csv_unnamed(tmp: Path) -> Built:
    """The same CSV with no agency given: an error that says how to get it read."""
    path = lo_csv(_csv_source(tmp), tmp / "lo", sheet_number=2)
    return Built(path, {}, [("agency-unknown", None)], exit_code=1)


def _excel_csv(tmp: Path, name: str, encoding: str, delimiter: str) -> Path:
    wb = openpyxl.load_workbook(_csv_source(tmp), data_only=True)
    ws = assessment(wb)
    ws.cell(row_of(ws, "1.1.3"), column_of(ws, "evidence")).value = "Adults only; see the café pathway"
    path = tmp / name
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\r\n")
        for row in ws.iter_rows(values_only=True):
            writer.writerow(["" if v is None else v.strftime("%d/%m/%Y") if isinstance(v, dt.datetime) else v
                             for v in row])
    return path


def csv_excel_utf8(tmp: Path) -> Built:
    """Excel's 'CSV UTF-8' of the Assessment sheet (byte-order mark, CRLF), written without LibreOffice."""
    path = _excel_csv(tmp, "assessment.csv", "utf-8-sig", ",")
    return Built(path, CSV_STATUSES, [("missing-stamps", None)], args=AS_AGENCY, deadlines={"1.1.2": MARCH_31},
                 evidence={"1.1.3": "Adults only; see the café pathway"})


def csv_excel_unicode_text(tmp: Path) -> Built:
    """Excel's 'Unicode Text': UTF-16 with a byte-order mark, tab-separated, saved under a .csv name."""
    path = _excel_csv(tmp, "assessment-unicode.csv", "utf-16", "\t")
    return Built(path, CSV_STATUSES, [("missing-stamps", None)], args=AS_AGENCY, deadlines={"1.1.2": MARCH_31},
                 evidence={"1.1.3": "Adults only; see the café pathway"})


def csv_excel_semicolon(tmp: Path) -> Built:
    """Excel's plain 'CSV' where the decimal mark is a comma: semicolons, Windows-1252."""
    path = _excel_csv(tmp, "assessment-fr.csv", "cp1252", ";")
    return Built(path, CSV_STATUSES, [("missing-stamps", None)], args=AS_AGENCY, deadlines={"1.1.2": MARCH_31},
                 evidence={"1.1.3": "Adults only; see the café pathway"})


AGENCY_CASES: tuple[Case, ...] = (
    Case("merged-openpyxl", merged_openpyxl),
    Case("merged-once", merged_once),
    Case("merged-hidden-xlsx", merged_hidden_xlsx, soffice=True),
    Case("merged-hidden-ods", merged_hidden_ods, soffice=True),
    Case("merged-hidden-xls", merged_hidden_xls, soffice=True),
    Case("xls-without-stamps", xls_without_stamps, soffice=True),
    Case("variants", variants),
    Case("dates-accepted", dates_accepted),
    Case("dates-refused", dates_refused),
    Case("deadlines-as-text", deadlines_as_text),
    Case("invalid-relevant", invalid_relevant),
    Case("heading-row-answer", heading_row_answer),
    Case("notes-below", notes_below),
    Case("meets-missing", meets_missing),
    Case("blank-return", blank_return),
    Case("renamed-sheet", renamed_sheet),
    Case("header-suffixes", header_suffixes),
    Case("untidy-ids", untidy_ids),
    Case("duplicate-row", duplicate_row),
    Case("copied-column", copied_column),
    Case("csv-named", csv_named, soffice=True),
    Case("csv-unnamed", csv_unnamed, soffice=True),
    Case("csv-excel-utf8", csv_excel_utf8),
    Case("csv-excel-semicolon", csv_excel_semicolon),
    Case("csv-excel-unicode-text", csv_excel_unicode_text),
)


# --- NICE's own tool ---------------------------------------------------------------------------------------


def nice_rows(answers: dict[str, dict[str, Any]] | None = None) -> list[nice.Row]:
    """NICE's Data sheet for every recommendation of the NG225 encoding (invented text), section by section."""
    answers = answers or {}
    guideline = catalogue.load("NG225")
    rows: list[nice.Row] = []
    for section in guideline.sections:
        rows.append(nice.section(f"{section.id} Invented heading"))
        for rec in section.recommendations:
            rows.append(nice.rec(rec.id, f"Invented text {rec.id}.", **answers.get(rec.id, {})))
    return rows


NICE_MET = dict(relevant="Yes", meets="Yes", evidence="Audit 2026")
NICE_SHORT = dict(relevant="Yes", meets="No", action="Write a pathway", owner="Service lead", deadline=MARCH_31)


def nice_short(**changes: Any) -> dict[str, Any]:
    return {**NICE_SHORT, **changes}


def _nice(tmp: Path, name: str, answers: dict[str, dict[str, Any]], **options: Any) -> Path:
    return nice.build_bat(tmp / name, nice_rows(answers), **options)


def _nice_ref(path: Path, number: str, key: str) -> str:
    return nice.cell_of(path, number, key)


def nice_merged(tmp: Path) -> Built:
    """NICE suggests merging one answer over several recommendations; headings merged across the row too."""
    answers = {"1.1.1": dict(relevant="Yes", meets="Yes", evidence="One leaflet"), "1.1.2": dict(relevant="Yes"),
               "1.1.3": dict(relevant="Yes")}
    path = _nice(tmp, "nice-merged.xlsx", answers, merge_answers=[("meets", "1.1.1", "1.1.3"),
                                                                  ("evidence", "1.1.1", "1.1.3")],
                 merge_headings=True)
    return Built(path, {"1.1.1": "met", "1.1.2": "met", "1.1.3": "met"}, [], args=AS_AGENCY)


def _nice_hidden(tmp: Path) -> Path:
    answers = {"1.1.1": dict(relevant="Yes", meets="Yes"), "1.1.2": dict(relevant="No", meets="No"),
               "1.1.3": dict(relevant="Partial", meets="No")}
    path = _nice(tmp, "nice-hidden.xlsx", answers)
    ranges = [f"{_nice_ref(path, '1.1.1', key)}:{_nice_ref(path, '1.1.3', key)}" for key in ("relevant", "meets")]
    return add_merge_keeping_contents(path, "Data sheet", ranges)


def nice_merged_hidden_xlsx(tmp: Path) -> Built:
    return Built(convert(_nice_hidden(tmp), tmp / "lo", "xlsx"), HIDDEN_STATUSES, [], args=AS_AGENCY)


def nice_merged_hidden_ods(tmp: Path) -> Built:
    return Built(convert(_nice_hidden(tmp), tmp / "lo", "ods"), HIDDEN_STATUSES, [], args=AS_AGENCY)


def nice_variants(tmp: Path) -> Built:
    answers = {"1.1.1": dict(relevant="Y", meets="Y"), "1.1.2": nice_short(meets="N", risk="N"),
               "1.1.3": nice_short(meets="Partially"), "1.1.4": dict(relevant="n/a")}
    path = _nice(tmp, "nice-variants.xlsx", answers)
    issues = [("read-as", _nice_ref(path, "1.1.1", "relevant")), ("read-as", _nice_ref(path, "1.1.1", "meets")),
              ("read-as", _nice_ref(path, "1.1.2", "meets")), ("read-as", _nice_ref(path, "1.1.2", "risk")),
              ("read-as", _nice_ref(path, "1.1.3", "meets")), ("read-as", _nice_ref(path, "1.1.4", "relevant"))]
    return Built(path, {"1.1.1": "met", "1.1.2": "not_met", "1.1.3": "partially_met", "1.1.4": "not_applicable"},
                 issues, args=AS_AGENCY)


def nice_dates(tmp: Path) -> Built:
    """Deadlines in NICE's free-text column, by the same rules as baseline's workbook."""
    typed = {"1.1.1": "31st March 2027", "1.1.2": "31-Mar-27", "1.1.3": "March 2027", "1.1.4": "3/31/2027",
             "1.2.1": "31/03/2027"}
    path = _nice(tmp, "nice-dates.xlsx", {rec_id: nice_short(deadline=text) for rec_id, text in typed.items()})
    at = {rec_id: _nice_ref(path, rec_id, "deadline") for rec_id in typed}
    issues = [("read-as", at["1.1.1"]), ("read-as", at["1.1.2"]), ("deadline-as-text", at["1.1.3"]),
              ("invalid-date", at["1.1.4"])]
    return Built(path, {rec_id: "not_met" for rec_id in typed}, issues, exit_code=1, args=AS_AGENCY,
                 deadlines={"1.1.1": MARCH_31, "1.1.2": MARCH_31, "1.1.3": "March 2027", "1.1.4": None,
                            "1.2.1": MARCH_31})


def nice_invalid_relevant(tmp: Path) -> Built:
    path = _nice(tmp, "nice-maybe.xlsx", {"1.1.1": dict(relevant="Maybe", meets="Yes"), "1.1.2": NICE_MET})
    return Built(path, {"1.1.1": "not_assessed", "1.1.2": "met"},
                 [("invalid-choice", _nice_ref(path, "1.1.1", "relevant"))], exit_code=1, args=AS_AGENCY)


def nice_heading_and_notes(tmp: Path) -> Built:
    path = _nice(tmp, "nice-heading.xlsx", {"1.1.1": NICE_MET})
    wb = openpyxl.load_workbook(path)
    ws = wb["Data sheet"]
    heading = next(r for r in range(3, ws.max_row + 1) if ws.cell(r, 1).value and not ws.cell(r, 2).value)
    heading_cell = f"F{heading}"  # Does your service meet...
    ws[heading_cell] = "Yes"
    end = ws.max_row
    ws[f"A{end + 2}"] = "Notes: discussed at the March board"
    wb.save(path)
    return Built(path, {"1.1.1": "met"}, [("answer-on-heading-row", heading_cell), ("note-below-table", f"A{end + 2}")],
                 args=AS_AGENCY)


def nice_meets_missing(tmp: Path) -> Built:
    path = _nice(tmp, "nice-meets-blank.xlsx", {"1.1.1": dict(relevant="Yes"), "1.1.2": NICE_MET})
    return Built(path, {"1.1.1": "not_assessed", "1.1.2": "met"},
                 [("meets-missing", _nice_ref(path, "1.1.1", "meets"))], args=AS_AGENCY)


def nice_blank(tmp: Path) -> Built:
    path = _nice(tmp, "nice-blank.xlsx", {})
    return Built(path, {}, [("blank-return", None)], exit_code=0, strict_exit=1, args=AS_AGENCY)


def nice_headers_and_ids(tmp: Path) -> Built:
    """Headers renamed with suffixes; numbers typed with spaces and a trailing dot."""
    path = _nice(tmp, "nice-headers.xlsx", {"1.1.1": NICE_MET, "1.1.2": nice_short(), "1.1.3": dict(relevant="No")},
                 rename={"deadline": "Deadline (date)", "owner": "Responsible lead:"})
    wb = openpyxl.load_workbook(path)
    ws = wb["Data sheet"]
    for r in range(3, ws.max_row + 1):
        value = ws.cell(r, 2).value
        if value in ("1.1.1", "1.1.2", "1.1.3"):
            ws.cell(r, 2).value = {"1.1.1": "1.1.1 ", "1.1.2": " 1.1.2", "1.1.3": "1.1.3."}[value]
    wb.save(path)
    return Built(path, {"1.1.1": "met", "1.1.2": "not_met", "1.1.3": "not_applicable"}, [], args=AS_AGENCY,
                 deadlines={"1.1.2": MARCH_31})


def nice_duplicate_row(tmp: Path) -> Built:
    path = _nice(tmp, "nice-copied-row.xlsx", {"1.1.2": NICE_MET})
    wb = openpyxl.load_workbook(path)
    ws = wb["Data sheet"]
    source = next(r for r in range(3, ws.max_row + 1) if ws.cell(r, 2).value == "1.1.2")
    target = ws.max_row + 1
    for c in range(1, ws.max_column + 1):
        ws.cell(target, c).value = ws.cell(source, c).value
    ws.cell(target, 6).value = "No"
    wb.save(path)
    return Built(path, {"1.1.2": "met"}, [("duplicate-recommendation", f"B{target}")], exit_code=1, args=AS_AGENCY)


def nice_copied_column(tmp: Path) -> Built:
    path = _nice(tmp, "nice-copied-column.xlsx", {"1.1.1": NICE_MET})
    wb = openpyxl.load_workbook(path)
    ws = wb["Data sheet"]
    target = ws.max_column + 1
    for r in range(2, ws.max_row + 1):
        ws.cell(r, target).value = ws.cell(r, 6).value
    source = next(r for r in range(3, ws.max_row + 1) if ws.cell(r, 2).value == "1.1.1")
    ws.cell(source, target).value = "No"
    wb.save(path)
    return Built(path, {"1.1.1": "met"}, [("duplicate-column", f"{get_column_letter(target)}2")], args=AS_AGENCY)


def nice_merged_hidden_xls(tmp: Path) -> Built:
    """NICE's tool saved as Excel 97-2003: its Data sheet is what identifies it, and it is read."""
    return Built(convert(_nice_hidden(tmp), tmp / "lo", "xls"), HIDDEN_STATUSES, [], args=AS_AGENCY)


NICE_CASES: tuple[Case, ...] = (
    Case("nice-merged", nice_merged),
    Case("nice-merged-hidden-xlsx", nice_merged_hidden_xlsx, soffice=True),
    Case("nice-merged-hidden-ods", nice_merged_hidden_ods, soffice=True),
    Case("nice-merged-hidden-xls", nice_merged_hidden_xls, soffice=True),
    Case("nice-variants", nice_variants),
    Case("nice-dates", nice_dates),
    Case("nice-invalid-relevant", nice_invalid_relevant),
    Case("nice-heading-and-notes", nice_heading_and_notes),
    Case("nice-meets-missing", nice_meets_missing),
    Case("nice-blank", nice_blank),
    Case("nice-headers-and-ids", nice_headers_and_ids),
    Case("nice-duplicate-row", nice_duplicate_row),
    Case("nice-copied-column", nice_copied_column),
)


# --- a folder of returns, as it sits on the facilitator's drive --------------------------------------------


@dataclass
class Folder:
    path: Path
    read: dict[str, bool]  # file name -> valid (every return, readable or not)
    skipped: list[str]  # file names reported as skipped-file
    ignored: list[str]  # lock and hidden files: not listed at all
    errors: dict[str, str]  # file name -> the error code it must carry


def messy_folder(tmp: Path, with_problems: bool = True) -> Folder:
    """.xlsx + .xls (LibreOffice) + .csv + .numbers + .txt + a lock file + a hidden file."""
    folder = tmp / "returns"
    folder.mkdir()
    wb = new_workbook()
    met(wb, "1.1.1")
    save(wb, folder / "north-camhs.xlsx")
    other = new_workbook(agency="South CAMHS")
    met(other, "1.1.1")
    short(other, "1.1.2")
    shutil.move(convert(save(other, tmp / "south-camhs.xlsx"), tmp / "lo", "xls"), folder / "south-camhs.xls")
    (folder / "covering-note.txt").write_text("Here are our answers.\n", encoding="utf-8")
    (folder / "~$north-camhs.xlsx").write_bytes(b"\x0bA. Lead" + b"\0" * 150)  # Excel's lock file while open
    (folder / ".north-camhs.xlsx.swp").write_bytes(b"\0" * 64)
    (folder / ".DS_Store").write_bytes(b"\0\0\0\1Bud1" + b"\0" * 64)
    read = {"north-camhs.xlsx": True, "south-camhs.xls": True}
    errors: dict[str, str] = {}
    if with_problems:
        shutil.move(lo_csv(_csv_source(tmp), tmp / "lo-csv", sheet_number=2), folder / "east-camhs.csv")
        (folder / "west-camhs.numbers").write_bytes(b"PK\x03\x04" + b"\0" * 200)  # Apple Numbers: a zip, not read
        read.update({"east-camhs.csv": False, "west-camhs.numbers": False})
        errors.update({"east-camhs.csv": "agency-unknown", "west-camhs.numbers": "unreadable-file"})
    return Folder(folder, read, ["covering-note.txt"], ["~$north-camhs.xlsx", ".north-camhs.xlsx.swp", ".DS_Store"],
                  errors)
