"""read_return(path): open a returned workbook once, detect its kind, hand it to that kind's reader.

Hot path (DESIGN.md "Performance"): safety checks on the bytes (untrusted.check_untrusted) -> python-calamine for the
values -> properties, defined names and formula cells read straight from the zip (package.py). No openpyxl load.
`read_return` never raises for bad input: every failure is an Issue in the result's report. It keeps no file open.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from baseline.assessment import AgencyReturn
from baseline.issues import FileReport, make_issue
from baseline.xlsx.agency.layout import META_SHEET
from baseline.xlsx.agency.reader import read_agency_source
from baseline.xlsx.csv_rescue import AgencyResolver, read_csv_return
from baseline.xlsx.nice.layout import DATA_SHEET
from baseline.xlsx.nice.reader import read_nice_source
from baseline.xlsx.package import SourceWorkbook
from baseline.xlsx.untrusted import MAX_FILE_BYTES, OLE_MAGIC, FileRefused, check_untrusted


@dataclass
class ReadResult:
    report: FileReport  # issues for this file (path, agency, guideline, version filled when known)
    agency_return: AgencyReturn | None  # None when the file could not be read as a return at all


def read_return(path: str | Path, agencies: AgencyResolver | None = None) -> ReadResult:
    """Read one returned file. Never raises for bad input; every failure is an Issue.

    `agencies` names the agency of a return that carries none: NICE's own tool, or a CSV export of the Assessment
    sheet (config.AgencyMap from `--as-agency` or a mapping file; later the config's `files`).
    """
    report = FileReport(path=str(path))
    try:
        suffix = Path(path).suffix.lower()
        if suffix == ".csv":
            return ReadResult(report, read_csv_return(path, report, agencies))
        if suffix == ".numbers":
            raise FileRefused("unreadable-file", "This is an Apple Numbers file, which baseline cannot read. In "
                                                 "Numbers, choose File > Export To > Excel…, and send the .xlsx file.")
        with _checked(path) as checked:
            source = SourceWorkbook.open(checked)
            try:
                kind = detect_format(source)
                if kind == "baseline":
                    agency_return = read_agency_source(source, report)
                elif kind == "nice-bat":
                    agency_return = read_nice_source(source, report, agencies)
                else:
                    report.issues.append(make_issue("not-a-baseline-workbook", _not_baseline(checked.kind),
                                                    file=str(path)))
                    agency_return = None
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


def _not_baseline(kind: str) -> str:
    if kind == LEGACY_KIND:
        return (f"This Excel 97-2003 (.xls) file has lost the workbook's hidden '{META_SHEET}' sheet that says which "
                "assessment and agency it belongs to, so its answers cannot be matched. Open the workbook the "
                "facilitator sent (the .xlsx), copy your answers into it, and save it as an Excel Workbook (.xlsx).")
    return (f"This workbook was not made by baseline (it has no hidden '{META_SHEET}' sheet), so its answers cannot "
            "be matched to the assessment. Fill in the workbook the facilitator sent your agency, or ask for a new "
            "one.")


LEGACY_KIND = "xls"


@dataclass
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

    def close(self) -> None:
        self.data = b""

    def __enter__(self) -> "LegacyFile":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _checked(path: str | Path):
    """The checked file: check_untrusted's, or — for an unencrypted .xls, which it refuses as "not an .xlsx" — the
    legacy file's bytes, within the same size limit."""
    try:
        return check_untrusted(path)
    except FileRefused as refused:
        if refused.code != "unreadable-file":
            raise
        try:
            with Path(path).open("rb") as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
        except OSError:
            raise refused from None
        if not data.startswith(OLE_MAGIC) or len(data) > MAX_FILE_BYTES:
            raise
        return LegacyFile(Path(path), data, hashlib.sha256(data).hexdigest())


def detect_format(source: "SourceWorkbook") -> str | None:
    """"baseline" (our own workbook), "nice-bat" (NICE's baseline assessment tool) or None (anything else)."""
    if META_SHEET in source.sheet_names:
        return "baseline"
    if DATA_SHEET in source.sheet_names:
        return "nice-bat"
    return None
