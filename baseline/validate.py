"""`baseline validate`, as a library: check returned workbooks one at a time and collect one report per file.

One bad file never stops the others; nothing is kept open or in memory between files (only the reports).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from baseline.issues import FileReport, ValidationReport, make_issue, strict as make_strict
from baseline.workflow import WORKBOOK_SUFFIXES, expand_paths
from baseline.xlsx.reader import ReadResult, read_return

__all__ = ["ReadResult", "read_return", "validate_files"]


def validate_files(paths: Iterable[str | Path], *, strict: bool = False, agencies=None) -> ValidationReport:
    """Validate each file (a folder stands for the .xlsx/.xlsm/.ods workbooks inside it, sorted).

    A missing path is reported as an unreadable file, not raised, so the other files are still checked.
    `strict` turns every warning into an error. `agencies` (nice_bat.AgencyMap) names the agencies of returns made
    with NICE's own tool.
    """
    report = ValidationReport()
    for raw in paths:
        path = Path(raw)
        targets = expand_paths([path])
        if path.is_dir() and not targets:
            report.files.append(FileReport(path=str(path), issues=[make_issue(
                "unreadable-file",
                f"The folder contains no workbooks ({', '.join(WORKBOOK_SUFFIXES)} files).", file=str(path))]))
            continue
        for target in targets:
            file_report = read_return(target, agencies=agencies).report
            if strict:
                file_report.issues = make_strict(file_report.issues)
            report.files.append(file_report)
    return report
