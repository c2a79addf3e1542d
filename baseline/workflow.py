"""The facilitator's jobs end to end: read many returns (one at a time), merge, summarise.

This is where the pure core meets the files: it calls the reader per file and never holds more than one workbook
open. The CLI calls these functions and only renders their results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from baseline.assessment import AgencyReturn
from baseline.issues import BaselineError, FileReport, ValidationReport, strict as make_strict
from baseline.merge import MultiAgencyAssessment, check_same_guideline, merge_returns, select_returns

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".ods")
Progress = Callable[[str], None]  # called with each path as it is read


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; a directory stands for the workbooks inside it (sorted; Excel lock files "~$…" skipped).

    A file named twice (directly and through its folder, say) is read once: it is one return, not two agencies.
    """
    out: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.iterdir()
                           if p.suffix.lower() in WORKBOOK_SUFFIXES and not p.name.startswith(("~$", ".~lock")))
        else:
            found = [path]
        for candidate in found:
            key = candidate.resolve()
            if key not in seen:
                seen.add(key)
                out.append(candidate)
    return out


@dataclass
class LoadedReturns:
    report: ValidationReport
    returns: list[AgencyReturn] = field(default_factory=list)  # only those read without error


def load_returns(paths: Iterable[str | Path], *, strict: bool = False, progress: Progress | None = None,
                 reader: Callable | None = None, agencies=None) -> LoadedReturns:
    """Read and validate each file in turn. One bad file never stops the others.

    `agencies` (nice_bat.AgencyMap) names the agencies of returns made with NICE's own tool.
    """
    if reader is None:  # a reader given by the caller brings its own agencies
        from functools import partial

        from baseline.xlsx.reader import read_return

        reader = partial(read_return, agencies=agencies)
    loaded = LoadedReturns(ValidationReport())
    for path in expand_paths(paths):
        if progress:
            progress(str(path))
        result = reader(path)
        if strict:
            result.report.issues = make_strict(result.report.issues)
        loaded.report.files.append(result.report)
        if result.agency_return is not None and result.report.valid:
            loaded.returns.append(result.agency_return)
    return loaded


@dataclass
class MergeOutcome:
    report: ValidationReport  # per file: its own issues plus merge-level ones (duplicate agency, other guideline)
    assessment: MultiAgencyAssessment | None  # None when anything blocks the merge

    @property
    def ok(self) -> bool:
        return self.assessment is not None


def merge_files(paths: Iterable[str | Path], *, latest: bool = False, strict: bool = False,
                progress: Progress | None = None, reader: Callable | None = None, agencies=None) -> MergeOutcome:
    """Validate every file, then merge them if (and only if) no error-level issue was found anywhere."""
    loaded = load_returns(paths, strict=strict, progress=progress, reader=reader, agencies=agencies)
    if not loaded.report.files:
        raise BaselineError("No workbooks to merge (no .xlsx, .xlsm or .ods files found).")
    chosen, duplicate_issues = select_returns(loaded.returns, latest=latest)
    guideline = _guideline_of(chosen)
    mismatch_issues = check_same_guideline(guideline, chosen) if guideline else []
    _attach(loaded.report, duplicate_issues + mismatch_issues)
    if not loaded.report.valid or guideline is None:
        return MergeOutcome(loaded.report, None)
    return MergeOutcome(loaded.report, merge_returns(guideline, chosen))


def _guideline_of(returns: list[AgencyReturn]):
    """The encoding of the first return: the others must match it (check_same_guideline)."""
    from baseline import catalogue

    for r in returns:
        guideline = catalogue.find_by_fingerprint(r.guideline, r.version, r.fingerprint)
        if guideline is not None:
            return guideline
    return None


def _attach(report: ValidationReport, issues: list) -> None:
    by_path = {f.path: f for f in report.files}
    for issue in issues:
        target = by_path.get(issue.file)
        if target is None:
            target = FileReport(path=issue.file or "")
            report.files.append(target)
            by_path[target.path] = target
        target.issues.append(issue)


def assessment_from_files(paths: Iterable[str | Path], *, latest: bool = False,
                          progress: Progress | None = None, agencies=None) -> MergeOutcome:
    """What `summary` reads: one merged workbook, or returns merged on the fly (nothing written)."""
    from baseline.xlsx.merged import is_merged_workbook, read_merged_workbook

    files = expand_paths(paths)
    merged = [p for p in files if p.is_file() and is_merged_workbook(p)]
    if merged:
        if len(files) > 1:
            raise BaselineError(
                f"{merged[0]} is a merged workbook: summarise it on its own, or give the agency returns instead."
            )
        return MergeOutcome(ValidationReport([FileReport(path=str(merged[0]))]), read_merged_workbook(merged[0]))
    return merge_files(files, latest=latest, progress=progress, agencies=agencies)
