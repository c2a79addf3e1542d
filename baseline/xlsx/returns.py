"""read_return(path): open a returned workbook once, detect its kind, hand it to that kind's reader.

Hot path (DESIGN.md "Performance"): safety checks on the bytes (untrusted.check_untrusted) -> python-calamine for the
values -> properties, defined names and formula cells read straight from the zip (package.py). No openpyxl load.
`read_return` never raises for bad input: every failure is an Issue in the result's report. It keeps no file open.
"""

from __future__ import annotations

import hashlib
import io
import struct
from pathlib import Path

from baseline.assessment import AgencyReturn
from baseline.issues import FileReport, make_issue
from baseline.records import record
from baseline.xlsx.agency.layout import ASSESSMENT_SHEET, META_SHEET
from baseline.xlsx.agency.reader import read_agency_source
from baseline.xlsx.cells import cell_ref, normalise_header
from baseline.xlsx.csv_rescue import AgencyResolver, read_csv_return
from baseline.xlsx.merged.layout import ANSWERS_SHEET
from baseline.xlsx.merged.layout import KIND as MERGED_KIND
from baseline.xlsx.nice.layout import DATA_SHEET
from baseline.xlsx.nice.reader import read_nice_source
from baseline.xlsx.package import SourceWorkbook, last_saved
from baseline.xlsx.untrusted import (
    MAX_FILE_BYTES,
    OLE_MAGIC,
    ZIP_MAGICS,
    FileRefused,
    check_untrusted,
    damaged,
    read_untrusted,
    require_regular_file,
)


@record
class ReadResult:
    """One returned file read: its report, and the return itself when it could be read."""

    report: FileReport  # issues for this file (path, agency, guideline, version filled when known)
    agency_return: AgencyReturn | None  # None when the file could not be read as a return at all


def read_return(path: str | Path, agencies: AgencyResolver | None = None, *, saved_time: bool = True) -> ReadResult:
    """Read one returned file. Never raises for bad input; every failure is an Issue.

    `agencies` names the agency of a return that carries none: NICE's own tool, or a CSV export of the Assessment
    sheet (config.AgencyMap from `--as-agency` or the assessment config's `files` patterns). `saved_time=False`:
    the file's last-saved time is not read (AgencyReturn.last_saved stays None), for a caller that never asks it.
    """
    report = FileReport(path=str(path))
    try:
        named = Path(path)
        suffix = named.suffix.lower()
        if suffix in (".csv", ".numbers"):  # any other file is opened once, by _checked, as a regular file only
            require_regular_file(path)  # issue 11: a named pipe would block every open below for ever
        if suffix == ".csv" and not _is_workbook(path):  # a workbook renamed to .csv is read as the workbook
            return ReadResult(report, read_csv_return(path, report, agencies))
        if suffix == ".numbers":
            raise FileRefused("unreadable-file", "This is an Apple Numbers file, which baseline cannot read. In "
                                                 "Numbers, choose File > Export To > Excel…, and send the .xlsx file.")
        with _checked(named) as checked:
            # Before any parser, as check_untrusted would have: the sheets a return's reader reads (or every one).
            checked.measure(sheets_read(checked.sheet_names()))
            source = SourceWorkbook.open(checked)
            try:
                kind = detect_format(source)
                if kind == "baseline":
                    agency_return = read_agency_source(source, report)
                elif kind == "nice-bat":
                    agency_return = read_nice_source(source, report, agencies)
                elif kind == "merged":
                    report.issues.append(make_issue("not-a-baseline-workbook", MERGED_NOT_A_RETURN, file=str(path)))
                    agency_return = None
                else:
                    report.issues.append(make_issue("not-a-baseline-workbook", _not_baseline(checked.kind),
                                                    file=str(path)))
                    agency_return = None
                if agency_return is not None and saved_time:
                    agency_return.last_saved = last_saved(checked)
            finally:
                source.close()
    except FileRefused as refused:
        report.issues.append(make_issue(refused.code, refused.message, file=str(path)))
        return ReadResult(report, None)
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - incl. pyo3's PanicException: a parser choking on a damaged file
        # The last line of "never crash on a return": whatever a parser raised, this file is reported, the
        # others are still read. The type is named so a bug here can still be found.
        report.issues.append(make_issue(
            "unreadable-file", f"The file could not be read ({type(exc).__name__}: {str(exc)[:200] or 'no detail'}). "
                               "Open it in Excel or LibreOffice, save it again as .xlsx and send it again.",
            file=str(path)))
        return ReadResult(report, None)
    return ReadResult(report, agency_return)


def _is_workbook(path: str | Path) -> bool:
    try:
        with Path(path).open("rb") as handle:
            head = handle.read(8)
    except OSError:
        return False  # the CSV reader reports it
    return head.startswith((OLE_MAGIC, *ZIP_MAGICS))


MERGED_NOT_A_RETURN = (
    "This is a merged workbook (made by `baseline merge`), not an agency's return. Keep merged workbooks out of the "
    "returns folder (or give the returns one by one); to carry its action plan into a new merge, give it with "
    "--update.")


def _not_baseline(kind: str) -> str:
    if kind == LEGACY_KIND:
        return (f"This Excel 97-2003 (.xls) file has lost the workbook's hidden '{META_SHEET}' sheet that says which "
                "assessment and agency it belongs to, so its answers cannot be matched. Open the workbook the "
                "facilitator sent (the .xlsx), copy your answers into it, and save it as an Excel Workbook (.xlsx).")
    return (f"This workbook was not made by baseline (it has no hidden '{META_SHEET}' sheet), so its answers cannot "
            "be matched to the assessment. Fill in the workbook the facilitator sent your agency, or ask for a new "
            "one.")


LEGACY_KIND = "xls"


@record
class LegacyFile:
    """An Excel 97-2003 (.xls) file, which untrusted.check_untrusted does not open (it is no zip): calamine reads
    its cells and merged ranges. It has no zip parts, so no properties, defined names or formulas are read from it;
    it is read as a return only when its `_baseline` sheet (the stamps) survived the save (DESIGN.md "Folders")."""

    path: Path
    data: bytes
    sha256: str
    kind: str = LEGACY_KIND

    def read_part(self, name: str, limit: int | None = None) -> None:
        return None

    def read_xml(self, name: str) -> None:
        return None

    def measure(self, sheets: object = None) -> None:
        """Its extents were measured when it was read (check_legacy_extents)."""

    def sheet_names(self) -> None:
        return None

    def close(self) -> None:
        self.data = b""

    def __enter__(self) -> "LegacyFile":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _checked(path: str | Path):
    """The checked file: check_untrusted's (its sheets measured later: see sheets_read), or — for an unencrypted
    .xls, which it refuses as "not an .xlsx" — the legacy file's bytes, within the same size limit."""
    data = read_untrusted(path)  # a regular file only (issue 11), within the size limit
    try:
        return check_untrusted(path, measure_later=True, data=data)
    except FileRefused as refused:
        if refused.code != "unreadable-file" or not data.startswith(OLE_MAGIC):
            raise
        check_legacy_extents(data)
        return LegacyFile(path if isinstance(path, Path) else Path(path), data, hashlib.sha256(data).hexdigest())


# An .xls sheet is at most 65,536 x 256 cells, but calamine allocates the whole extent of a sheet's cells up front: a
# 6 KB file with one cell at IV65536 costs a gigabyte. The cell records are read first (through olefile), and a
# sheet reaching beyond these bounds is refused, as untrusted.py refuses an .xlsx or .ods one.
MAX_LEGACY_ROWS = 150_000
MAX_LEGACY_CELLS = 2_000_000
_BOF = 0x0809
_CELL_RECORDS = {0x0006, 0x00FD, 0x00D6, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E}  # formula, label(sst), blank, ...
_MULTI_CELL_RECORDS = {0x00BD, 0x00BE}  # MULRK, MULBLANK: row, first column, ..., last column


def check_legacy_extents(data: bytes) -> None:
    """Refuse an .xls whose cells reach past MAX_LEGACY_ROWS rows or MAX_LEGACY_CELLS cells on any sheet."""
    import olefile  # only for an .xls, rare among returns: kept off every other file's start-up

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            name = next((n for n in ("Workbook", "Book") if ole.exists(n)), None)
            if name is None:
                raise FileRefused("unreadable-file", "This Office file holds no workbook. Open it in Excel or "
                                                     "LibreOffice, save it as an Excel Workbook (.xlsx) and send it "
                                                     "again.")
            stream = ole.openstream(name).read(MAX_FILE_BYTES)
    except FileRefused:
        raise
    except Exception as exc:  # noqa: BLE001 - olefile raises its own types (and struct/IO errors) for damage
        raise FileRefused("unreadable-file", damaged(exc)) from None
    rows = columns = sheet = 0
    position, end = 0, len(stream)
    while position + 4 <= end:
        kind, length = struct.unpack_from("<HH", stream, position)
        payload = stream[position + 4: position + 4 + length]
        position += 4 + length
        if kind == _BOF:
            rows = columns = 0
            sheet += 1
            continue
        if kind in _CELL_RECORDS and len(payload) >= 4:
            row, first = struct.unpack_from("<HH", payload)
            last = first
        elif kind in _MULTI_CELL_RECORDS and len(payload) >= 6:
            row, first = struct.unpack_from("<HH", payload)
            (last,) = struct.unpack_from("<H", payload, len(payload) - 2)
        else:
            continue
        rows, columns = max(rows, row + 1), max(columns, first + 1, last + 1)
        if rows > MAX_LEGACY_ROWS or rows * columns > MAX_LEGACY_CELLS:
            raise FileRefused("unsafe-file", (
                f"Sheet {max(sheet - 1, 1)} of this .xls file has something in cell {cell_ref(rows - 1, columns - 1)}, "
                "far outside any assessment table, so the file was not read. On that sheet press Ctrl+End to find "
                "it, delete those rows and columns, save the file as an Excel Workbook (.xlsx) and send it again."))


def sheets_read(names: list[str] | None) -> set[str] | None:
    """The sheets that reading a workbook with these sheets (xl/workbook.xml's names) parses, when it is a return of
    ours: the stamps and the Assessment sheet (any case); None (every sheet) for any other workbook (a merged one,
    NICE's tool, one we did not make), and for a return whose Assessment sheet was renamed, which the reader looks
    for among the other sheets. Only those sheets are measured before reading; any other sheet a parser reads all
    the same is measured just before it is read (SourceWorkbook); a sheet no parser reads is never measured."""
    if names is None or META_SHEET not in names or ANSWERS_SHEET in names:
        return None
    assessment = {name for name in names if normalise_header(name) == _ASSESSMENT_KEY}
    return {META_SHEET, *assessment} if assessment else None


_ASSESSMENT_KEY = normalise_header(ASSESSMENT_SHEET)


def detect_format(source: "SourceWorkbook") -> str | None:
    """"baseline" (our own agency workbook), "merged" (a merged workbook: not a return), "nice-bat" (NICE's baseline
    assessment tool) or None (anything else)."""
    if META_SHEET in source.sheet_names:
        if ANSWERS_SHEET in source.sheet_names and _says_merged(source.rows(META_SHEET)):
            return "merged"
        return "baseline"
    if DATA_SHEET in source.sheet_names:
        return "nice-bat"
    return None


def _says_merged(meta_rows: list[list]) -> bool:
    """The stamps sheet says kind=merged (only a merged workbook has an All answers sheet as well, so an agency
    workbook never pays for this look)."""
    return any(len(row) >= 2 and str(row[0]).strip() == "kind" and str(row[1]).strip() == MERGED_KIND
               for row in meta_rows)
