"""Returned workbooks built in code: a generated workbook (the real writer), filled and broken with openpyxl or by
rewriting parts of the zip. One builder per issue code the reader emits (NEGATIVE), and returns that must pass
(POSITIVE). Tests never depend on committed binary fixtures.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import openpyxl

from baseline import catalogue
from baseline.assessment import Answer
from baseline.xlsx.agency import layout
from baseline.xlsx.agency.writer import build_agency_workbook
from baseline.xlsx.cells import normalise_header
from tests.cases.openpyxl_cells import write_text

AGENCY = "North CAMHS"
SECTORS = ["mental_health"]
GENERATED_AT = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.timezone.utc)


def guideline():
    return catalogue.load("NG225")


def new_workbook(prefill: dict[str, Answer] | None = None, **keywords) -> openpyxl.Workbook:
    options = dict(agency=AGENCY, sectors=SECTORS, area="Northshire", generated_at=GENERATED_AT)
    options.update(keywords)
    # The real writer's file, opened as a spreadsheet program would before a person types into it.
    return openpyxl.load_workbook(io.BytesIO(build_agency_workbook(guideline(), prefill=prefill, **options)))


def assessment(wb: openpyxl.Workbook):
    return wb[layout.ASSESSMENT_SHEET]


def header_row(ws) -> int:
    """The header row (1 as generated; lower when a test inserted title rows above it)."""
    wanted = normalise_header(layout.COLUMNS_BY_KEY["recommendation"].header)
    for row in range(1, 31):
        if any(normalise_header(cell.value) == wanted for cell in ws[row]):
            return row
    raise KeyError("header row")


def column_of(ws, key: str) -> int:
    """1-based column of an Assessment column, found by its header text (as the reader does)."""
    wanted = normalise_header(layout.COLUMNS_BY_KEY[key].header)
    for cell in ws[header_row(ws)]:
        if normalise_header(cell.value) == wanted:
            return cell.column
    raise KeyError(key)


def row_of(ws, rec_id: str) -> int:
    col = column_of(ws, "recommendation")
    for row in range(header_row(ws) + 1, ws.max_row + 1):
        if ws.cell(row, col).value == rec_id:
            return row
    raise KeyError(rec_id)


def cell_of(ws, rec_id: str, key: str) -> str:
    return f"{openpyxl.utils.get_column_letter(column_of(ws, key))}{row_of(ws, rec_id)}"


def put(wb: openpyxl.Workbook, rec_id: str, **values: Any) -> None:
    """Type values into a recommendation's row as a person would: text as text, dates as dates."""
    ws = assessment(wb)
    row = row_of(ws, rec_id)
    for key, value in values.items():
        cell = ws.cell(row, column_of(ws, key))
        if isinstance(value, (dt.date, int, float, bool)) or value is None:
            cell.value = value
        else:
            write_text(cell, getattr(value, "value", value))


def save(wb: openpyxl.Workbook, path: Path) -> Path:
    wb.save(path)
    return path


def rewrite_part(path: Path, part: str, change: Callable[[bytes], bytes]) -> Path:
    """Rewrite one part of a saved workbook's zip (what openpyxl cannot produce: DTDs, huge text...)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info.filename, change(data) if info.filename == part else data)
    path.write_bytes(buffer.getvalue())
    return path


def sheet_part(path: Path, sheet: str) -> str:
    """The zip part of a sheet in an openpyxl-written workbook."""
    with zipfile.ZipFile(path) as archive:
        workbook = archive.read("xl/workbook.xml").decode()
        rels = archive.read("xl/_rels/workbook.xml.rels").decode()
    rel_id = re.search(rf'<sheet[^>]*name="{re.escape(sheet)}"[^>]*r:id="(\w+)"', workbook).group(1)
    target = re.search(rf'<Relationship[^>]*Id="{rel_id}"[^>]*Target="([^"]+)"|'
                       rf'<Relationship[^>]*Target="([^"]+)"[^>]*Id="{rel_id}"', rels)
    found = target.group(1) or target.group(2)
    return found.lstrip("/") if found.startswith("/") else "xl/" + found


def set_meta(wb: openpyxl.Workbook, key: str, value: str, *, sheet: bool = True, prop: bool = True) -> None:
    """Change one metadata stamp (the _baseline sheet and/or the custom property)."""
    if sheet:
        wb[layout.META_SHEET][f"B{layout.meta_row(key)}"].value = value
    if prop:
        for item in wb.custom_doc_props.props:
            if item.name == layout.META_PREFIX + key:
                item.value = value


# --- one case per issue code ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    code: str  # the issue code the file must produce
    build: Callable[[Path], tuple[Path, str | None, str | None]]  # tmp dir -> (file, cell, recommendation)
    exit_code: int = 1  # warnings alone still pass


def build_unreadable(tmp: Path):
    path = tmp / "notes.xlsx"
    path.write_text("Dear facilitator, here are our answers...", encoding="utf-8")
    return path, None, None


def build_unsafe(tmp: Path):
    path = save(new_workbook(), tmp / "entities.xlsx")
    bomb = (b'<?xml version="1.0"?>\n<!DOCTYPE lol [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>\n')
    rewrite_part(path, "xl/workbook.xml", lambda data: bomb + re.sub(rb"^<\?xml[^>]*\?>\s*", b"", data))
    return path, None, None


def build_encrypted(tmp: Path):
    # The start of an OLE compound file holding an encrypted OOXML package: magic + directory entry names.
    path = tmp / "protected.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "EncryptionInfo".encode("utf-16-le")
                     + b"\0" * 64 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 512)
    return path, None, None


def build_not_baseline(tmp: Path):
    wb = openpyxl.Workbook()
    wb.active.title = "Assessment"
    wb.active.append(["Recommendation", "Relevant to us?", "Meets it?"])
    wb.active.append(["1.1.1", "Yes", "Yes"])
    return save(wb, tmp / "homemade.xlsx"), None, None


def build_metadata_mismatch(tmp: Path):
    wb = new_workbook()
    set_meta(wb, "agency", "South CAMHS", sheet=False)  # the document property says another agency
    return save(wb, tmp / "pieced.xlsx"), f"B{layout.meta_row('agency')}", None


def build_unknown_version(tmp: Path):
    wb = new_workbook()
    set_meta(wb, "version", "2031-01-01")
    return save(wb, tmp / "future.xlsx"), f"B{layout.meta_row('version')}", None


def build_fingerprint_mismatch(tmp: Path):
    wb = new_workbook()
    set_meta(wb, "fingerprint", "0123456789ab")
    return save(wb, tmp / "other-list.xlsx"), f"B{layout.meta_row('fingerprint')}", None


def build_missing_sheet(tmp: Path):
    wb = new_workbook()
    del wb[layout.ASSESSMENT_SHEET]  # deleted (a renamed sheet is found by its header row and read)
    return save(wb, tmp / "renamed.xlsx"), None, None


def build_missing_column(tmp: Path):
    wb = new_workbook()
    ws = assessment(wb)
    ws.cell(layout.HEADER_ROW, column_of(ws, "owner")).value = "Who"
    return save(wb, tmp / "renamed-column.xlsx"), None, None


def build_missing_recommendation(tmp: Path):
    wb = new_workbook()
    ws = assessment(wb)
    ws.delete_rows(row_of(ws, "1.3.1"))
    return save(wb, tmp / "deleted-row.xlsx"), None, "1.3.1"


def build_unknown_recommendation(tmp: Path):
    wb = new_workbook()
    ws = assessment(wb)
    ws.cell(row_of(ws, "1.2.1"), column_of(ws, "recommendation")).value = "1.2.9"
    # 1.2.1 is now missing too; the case checks the unknown id's cell.
    return save(wb, tmp / "typo.xlsx"), cell_of(ws, "1.2.9", "recommendation"), None


def build_duplicate_recommendation(tmp: Path):
    """1.1.2's row copied under the table, answered (differently) in both: a real copy, not a bare id."""
    wb = new_workbook()
    put(wb, "1.1.2", relevant="Yes", meets="Yes", evidence="Audit 2026")
    ws = assessment(wb)
    source, last = row_of(ws, "1.1.2"), ws.max_row + 1
    for column in range(1, ws.max_column + 1):
        ws.cell(last, column).value = ws.cell(source, column).value
    ws.cell(last, column_of(ws, "meets")).value = "No"
    return save(wb, tmp / "copied-row.xlsx"), f"A{last}", "1.1.2"


def build_invalid_choice(tmp: Path):
    wb = new_workbook()
    put(wb, "1.5.1", relevant="Yes", meets="Perhaps", owner="Lead", action="Audit", deadline=dt.date(2027, 3, 31))
    return save(wb, tmp / "perhaps.xlsx"), cell_of(assessment(wb), "1.5.1", "meets"), "1.5.1"


def build_invalid_date(tmp: Path):
    wb = new_workbook()
    put(wb, "1.5.1", relevant="Yes", meets="No", action="Audit", owner="Lead", deadline="31/02/2027")
    return save(wb, tmp / "when.xlsx"), cell_of(assessment(wb), "1.5.1", "deadline"), "1.5.1"


MARKER = "LONG-TEXT-MARKER"


def build_text_too_long(tmp: Path):
    wb = new_workbook()
    put(wb, "1.5.1", relevant="Yes", meets="Yes", evidence=MARKER)
    cell = cell_of(assessment(wb), "1.5.1", "evidence")
    path = save(wb, tmp / "essay.xlsx")
    # openpyxl would cut the text; LibreOffice's own format has no limit: write it into the XML directly.
    rewrite_part(path, sheet_part(path, layout.ASSESSMENT_SHEET),
                 lambda data: data.replace(MARKER.encode(), b"x" * (layout.EXCEL_CELL_LIMIT + 1)))
    return path, cell, "1.5.1"


def build_formula(tmp: Path):
    wb = new_workbook()
    put(wb, "1.5.1", relevant="Yes", meets="Yes")
    ws = assessment(wb)
    ws[cell_of(ws, "1.5.1", "evidence")] = "=B3&C3"  # a real formula, as typed in Excel
    return save(wb, tmp / "formula.xlsx"), cell_of(ws, "1.5.1", "evidence"), "1.5.1"


def build_owner_missing(tmp: Path):
    wb = new_workbook()
    put(wb, "1.5.1", relevant="Yes", meets="Partial", action="Train staff", deadline=dt.date(2027, 3, 31))
    return save(wb, tmp / "no-owner.xlsx"), cell_of(assessment(wb), "1.5.1", "owner"), "1.5.1"


def build_deadline_missing(tmp: Path):
    wb = new_workbook()
    put(wb, "1.5.1", relevant="Yes", meets="No", action="Write a pathway", owner="Service lead",
        action_status="In progress")
    return save(wb, tmp / "no-deadline.xlsx"), cell_of(assessment(wb), "1.5.1", "deadline"), "1.5.1"


def build_answer_without_relevance(tmp: Path):
    wb = new_workbook()
    put(wb, "1.5.1", meets="Yes", evidence="We do this")
    return save(wb, tmp / "no-relevance.xlsx"), cell_of(assessment(wb), "1.5.1", "relevant"), "1.5.1"


def build_answered_not_relevant(tmp: Path):
    wb = new_workbook()
    put(wb, "1.5.1", relevant="No", meets="Yes")
    return save(wb, tmp / "not-relevant.xlsx"), cell_of(assessment(wb), "1.5.1", "meets"), "1.5.1"


NEGATIVE: tuple[Case, ...] = (
    Case("unreadable-file", build_unreadable),
    Case("unsafe-file", build_unsafe),
    Case("encrypted-file", build_encrypted),
    Case("not-a-baseline-workbook", build_not_baseline),
    Case("metadata-mismatch", build_metadata_mismatch),
    Case("unknown-guideline-version", build_unknown_version),
    Case("fingerprint-mismatch", build_fingerprint_mismatch),
    Case("missing-sheet", build_missing_sheet),
    Case("missing-column", build_missing_column),
    Case("missing-recommendation", build_missing_recommendation),
    Case("unknown-recommendation", build_unknown_recommendation),
    Case("duplicate-recommendation", build_duplicate_recommendation),
    Case("invalid-choice", build_invalid_choice),
    Case("invalid-date", build_invalid_date),
    Case("text-too-long", build_text_too_long),
    Case("formula-in-input", build_formula, exit_code=0),
    Case("owner-missing", build_owner_missing, exit_code=0),
    Case("deadline-missing", build_deadline_missing, exit_code=0),
    Case("answer-without-relevance", build_answer_without_relevance, exit_code=0),
    Case("answered-but-not-relevant", build_answered_not_relevant, exit_code=0),
)


# --- returns that must pass ----------------------------------------------------------------------------------


def build_blank(tmp: Path) -> Path:
    return save(new_workbook(), tmp / "blank.xlsx")


def build_complete(tmp: Path) -> Path:
    """Every listed recommendation answered consistently (no warnings)."""
    wb = new_workbook()
    ws = assessment(wb)
    col = column_of(ws, "recommendation")
    ids = [ws.cell(r, col).value for r in range(layout.FIRST_DATA_ROW, ws.max_row + 1) if ws.cell(r, col).value]
    for i, rec_id in enumerate(ids):
        if i % 3 == 0:
            put(wb, rec_id, relevant="Yes", meets="Yes", evidence="Audit 2026", completed_by="A. Lead")
        elif i % 3 == 1:
            put(wb, rec_id, relevant="Partial", meets="No", evidence="None yet", action="Write a policy",
                owner="Clinical lead", deadline=dt.date(2027, 3, 31), action_status="Not started", risk="Yes",
                completed_by="A. Lead")
        else:
            put(wb, rec_id, relevant="No", evidence="We do not see adults", completed_by="A. Lead")
    return save(wb, tmp / "complete.xlsx")


def build_sloppy_but_valid(tmp: Path) -> Path:
    """What people do: odd case and spaces, dates typed as text, sorted rows, an extra column and a note row."""
    wb = new_workbook()
    put(wb, "1.1.1", relevant="yes ", meets="  PARTIAL", action="Review leaflets", owner="Comms",
        deadline="31/03/2027", action_status="in   progress")
    put(wb, "1.5.1", relevant="YES", meets="yes", deadline="2027-06-30")
    ws = assessment(wb)
    ws.insert_cols(4)
    write_text(ws.cell(layout.HEADER_ROW, 4), "Our notes")
    last = ws.max_row + 2
    write_text(ws.cell(last, 3), "Note: reviewed at the March board")
    return save(wb, tmp / "sloppy.xlsx")


POSITIVE: dict[str, Callable[[Path], Path]] = {
    "blank": build_blank,
    "complete": build_complete,
    "sloppy": build_sloppy_but_valid,
}
