"""`baseline validate`, as a library: check returned workbooks one at a time and collect one report per file.

One bad file never stops the others; no workbook is kept open between files (workflow.load_returns reads them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from baseline.issues import FileReport, ValidationReport, make_issue
from baseline.workflow import WORKBOOK_SUFFIXES, expand_paths, load_returns
from baseline.xlsx.reader import ReadResult, read_return

__all__ = ["ReadResult", "read_return", "validate_files"]


def validate_files(paths: Iterable[str | Path], *, strict: bool = False, agencies=None) -> ValidationReport:
    """Validate each file (a folder stands for the .xlsx/.xlsm/.ods workbooks inside it, sorted).

    A missing path is reported as an unreadable file, not raised, so the other files are still checked; so is a
    folder without workbooks. `strict` turns every warning into an error. `agencies` (nice_bat.AgencyMap) names the
    agencies of returns made with NICE's own tool.
    """
    report = ValidationReport()
    for raw in paths:
        path = Path(raw)
        if path.is_dir() and not expand_paths([path]):
            report.files.append(FileReport(path=str(path), issues=[make_issue(
                "unreadable-file",
                f"The folder contains no workbooks ({', '.join(WORKBOOK_SUFFIXES)} files).", file=str(path))]))
            continue
        report.files += load_returns([path], strict=strict, agencies=agencies).report.files
    return report
