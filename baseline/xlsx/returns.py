"""read_return(path): open a returned workbook once, detect its kind, hand it to that kind's reader.

Hot path (DESIGN.md "Performance"): safety checks on the bytes (untrusted.check_untrusted) -> python-calamine for the
values -> properties, defined names and formula cells read straight from the zip (package.py). No openpyxl load.
`read_return` never raises for bad input: every failure is an Issue in the result's report. It keeps no file open.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from baseline.assessment import AgencyReturn
from baseline.config import AgencyMap
from baseline.issues import FileReport, make_issue
from baseline.xlsx.agency.layout import META_SHEET
from baseline.xlsx.agency.reader import read_agency_source
from baseline.xlsx.nice.layout import DATA_SHEET
from baseline.xlsx.nice.reader import read_nice_source
from baseline.xlsx.package import SourceWorkbook, last_saved
from baseline.xlsx.untrusted import FileRefused, check_untrusted


@dataclass
class ReadResult:
    report: FileReport  # issues for this file (path, agency, guideline, version filled when known)
    agency_return: AgencyReturn | None  # None when the file could not be read as a return at all


def read_return(path: str | Path, agencies: AgencyMap | None = None) -> ReadResult:
    """Read one returned workbook. Never raises for bad input; every failure is an Issue.

    `agencies` names the agency of a return made with NICE's own tool, which carries no agency stamp.
    """
    report = FileReport(path=str(path))
    try:
        with check_untrusted(path) as checked:
            source = SourceWorkbook.open(checked)
            try:
                kind = detect_format(source)
                if kind == "baseline":
                    agency_return = read_agency_source(source, report)
                elif kind == "nice-bat":
                    agency_return = read_nice_source(source, report, agencies)
                else:
                    report.issues.append(make_issue(
                        "not-a-baseline-workbook",
                        f"This workbook was not made by baseline (it has no hidden '{META_SHEET}' sheet), so its "
                        "answers cannot be matched to the assessment. Fill in the workbook the facilitator sent your "
                        "agency, or ask for a new one.",
                        file=str(path)))
                    agency_return = None
                if agency_return is not None:
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


def detect_format(source: "SourceWorkbook") -> str | None:
    """"baseline" (our own workbook), "nice-bat" (NICE's baseline assessment tool) or None (anything else)."""
    if META_SHEET in source.sheet_names:
        return "baseline"
    if DATA_SHEET in source.sheet_names:
        return "nice-bat"
    return None
