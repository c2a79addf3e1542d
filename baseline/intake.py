"""Reading returns and merged workbooks: the half of workflow.py that writes no workbook (validate, summary, and the
reading and merging in memory that `merge` then writes out).

Kept apart from workflow.py so that `baseline validate` and `baseline summary` never import the workbook writers
(openpyxl, and numpy which openpyxl loads when it is installed): a quarter of a one-file validate was those imports.
workflow.py re-exports every name here, so `workflow.validate_files` stays the one entry point of each command.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable, Iterable, Iterator

from baseline import catalogue
from baseline.assessment import GAP_STATUSES, AgencyReturn, Status
from baseline.config import AgencyMap, AssessmentConfig, parse_agency_map, parse_config
from baseline.files import expand_paths, load_yaml
from baseline.guideline import Guideline
from baseline.issues import BaselineError, FileReport, ValidationReport
from baseline.issues import strict as make_strict
from baseline.merge import MultiAgencyAssessment, check_same_guideline, merge_returns, restrict, select_returns
from baseline.summary import Summary, summarise
from baseline.text import name_key
from baseline.xlsx.merged.reader import is_merged_workbook, read_merged_workbook
from baseline.xlsx.returns import ReadResult, read_return

Progress = Callable[[str], None]  # called with each path as it is read
Reader = Callable[[Path], ReadResult]


# --- the facilitator's YAML ----------------------------------------------------------------------------------


def load_config(path: Path | str) -> tuple[AssessmentConfig, Guideline]:
    """Read an assessment config file; BaselineError (every problem with its YAML path) if it is not valid."""
    return parse_config(load_yaml(Path(path)), str(path), catalogue.load)


def load_agency_map(path: Path | str) -> AgencyMap:
    """Read an agency map file (`--agency-map`); BaselineError listing every problem if it is not valid."""
    return parse_agency_map(load_yaml(Path(path)), str(path))


# --- reading returns -----------------------------------------------------------------------------------------


@dataclass
class LoadedReturns:
    report: ValidationReport
    returns: list[AgencyReturn] = field(default_factory=list)  # only those read without error
    files_read: int = 0  # files opened (0: the paths held no workbook at all)


def load_returns(paths: Iterable[str | Path], *, strict: bool = False, progress: Progress | None = None,
                 reader: Reader | None = None, agency_map: AgencyMap | None = None,
                 agencies: Iterable[str] | None = None, keep_answers: bool = True,
                 workers: int | None = None) -> LoadedReturns:
    """Read and validate each file in turn (a folder stands for the workbooks in it). One bad file never stops the
    others.

    `agency_map` names the agencies of returns that carry none (NICE's own tool). `agencies` is the --agency
    filter: a return of another agency is left out (a file whose agency cannot be told stays in: it may be one of
    them); naming an agency no file has is a BaselineError, so a typo never looks like "all is well".
    `keep_answers=False` keeps only the reports (validate), so memory does not grow with the answers read.
    `workers`: processes reading files side by side (None: pool_size decides; 1: in this process). The result is
    the same either way, in the order of the files.
    """
    wanted = {name_key(a): a for a in agencies or ()}
    expanded = expand_paths(paths)
    loaded = LoadedReturns(ValidationReport())
    seen: dict[str, str] = {}
    if reader is None:
        reader = partial(read_kept, agency_map=agency_map, keep_answers=keep_answers)
        workers = pool_size(len(expanded.files)) if workers is None else workers
    else:
        workers = 1  # a reader passed in need not survive pickling to another process
    for path, result in _read_each(expanded.files, reader, progress, workers):
        loaded.files_read += 1
        agency = result.report.agency
        if agency:
            seen.setdefault(name_key(agency), agency)
            if wanted and name_key(agency) not in wanted:
                continue
        if strict:
            result.report.issues = make_strict(result.report.issues)
        loaded.report.files.append(result.report)
        if keep_answers and result.agency_return is not None and result.report.valid:
            loaded.returns.append(result.agency_return)
    loaded.report.files += expanded.reports  # then what was not read: skipped files, folders without workbooks
    check_agency_filter(wanted.values(), seen.values())
    return loaded


# --- reading on every core ---------------------------------------------------------------------------------------

POOL_MIN_FILES = 40  # below this, starting the processes (an import of baseline each) costs more than it saves


def pool_size(files: int) -> int:
    """How many processes read `files` files: one per core this process may use, from POOL_MIN_FILES files on. 1 (no
    pool) on one core, for fewer files, where processes cannot be forked (not Linux), and while another thread
    runs: a forked child gets only this thread, and a lock another thread held at the fork would stay held."""
    if files < POOL_MIN_FILES or not sys.platform.startswith("linux") or threading.active_count() > 1:
        return 1
    return max(1, min(len(os.sched_getaffinity(0)), files))


def read_kept(path: Path, *, agency_map: AgencyMap | None, keep_answers: bool) -> ReadResult:
    """read_return, in this process or a pool's; without the answers when only the report is wanted (less to send
    back between processes, less to keep)."""
    result = read_return(path, agencies=agency_map)
    return result if keep_answers else ReadResult(result.report, None)


def _read_each(files: list[Path], reader: Reader, progress: Progress | None,
               workers: int) -> Iterator[tuple[Path, ReadResult]]:
    """(path, result) for each file, in order. With workers > 1 a pool of forked processes reads them (a fork
    starts in milliseconds with everything imported, and sees this process's folder and environment: a fresh
    interpreter would take longer to start than the 200 files it would read). A pool that cannot start or breaks
    (a worker killed) leaves the files it has not answered to this process, so every file is still read, once.
    read_return never raises, so a worker's result is what this process would have got."""
    done = 0
    if workers > 1:
        try:
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
                for result in pool.map(reader, files, chunksize=max(1, min(8, len(files) // (workers * 4)))):
                    if progress:
                        progress(str(files[done]))
                    yield files[done], result
                    done += 1
        except (BrokenProcessPool, OSError):
            pass  # read what is left here
    for path in files[done:]:
        if progress:
            progress(str(path))
        yield path, reader(path)


def check_agency_filter(wanted: Iterable[str], found: Iterable[str]) -> None:
    """--agency names an agency that none of the files has: say so, with the agencies there are."""
    found = list(found)
    keys = {name_key(a) for a in found}
    unknown = [a for a in wanted if name_key(a) not in keys]
    if unknown:
        raise BaselineError(f"No agency named {', '.join(map(repr, unknown))} in these files. "
                            f"Agencies: {', '.join(sorted(found, key=name_key)) or 'none'}.")


def validate_files(paths: Iterable[str | Path], *, strict: bool = False, agency_map: AgencyMap | None = None,
                   agencies: Iterable[str] | None = None) -> ValidationReport:
    """`baseline validate`: one report per file, every file accounted for (a missing path or a folder without
    workbooks is reported, not raised, so the other files are still checked). `strict` turns every warning into an
    error."""
    return load_returns(paths, strict=strict, agency_map=agency_map, agencies=agencies, keep_answers=False).report


# --- merge and summary ---------------------------------------------------------------------------------------


@dataclass
class MergeOutcome:
    report: ValidationReport  # per file: its own issues plus merge-level ones (duplicate agency, other guideline)
    assessment: MultiAgencyAssessment | None  # None when anything blocks the merge

    @property
    def ok(self) -> bool:
        return self.assessment is not None


def merge_returns_in(paths: Iterable[str | Path], *, latest: bool = False, strict: bool = False,
                     progress: Progress | None = None, reader: Reader | None = None,
                     agency_map: AgencyMap | None = None, agencies: Iterable[str] | None = None) -> MergeOutcome:
    """Validate every file, then merge them if (and only if) no error-level issue was found anywhere."""
    loaded = load_returns(paths, strict=strict, progress=progress, reader=reader, agency_map=agency_map,
                          agencies=agencies)
    if not loaded.files_read:
        raise BaselineError("No workbooks to merge (no .xlsx, .xlsm or .ods files found).")
    chosen, duplicate_issues = select_returns(loaded.returns, latest=latest)
    guideline = _guideline_of(chosen)
    mismatch_issues = check_same_guideline(guideline, chosen) if guideline else []
    _attach(loaded.report, duplicate_issues + mismatch_issues)
    if not loaded.report.valid or guideline is None:
        return MergeOutcome(loaded.report, None)
    return MergeOutcome(loaded.report, merge_returns(guideline, chosen))


def _guideline_of(returns: list[AgencyReturn]) -> Guideline | None:
    """The encoding of the first return: the others must match it (check_same_guideline)."""
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


def assessment_from_files(paths: Iterable[str | Path], *, latest: bool = False, progress: Progress | None = None,
                          agency_map: AgencyMap | None = None, agencies: Iterable[str] | None = None) -> MergeOutcome:
    """What `summary` reads: one merged workbook, or returns merged on the fly (nothing written); either way seen
    through the --agency filter."""
    files = expand_paths(paths).files
    if len(files) == 1 and files[0].is_file() and is_merged_workbook(files[0]):
        assessment = read_merged_workbook(files[0])
        if agencies:
            check_agency_filter(agencies, assessment.agency_names)
            assessment = restrict(assessment, agencies=agencies)
        return MergeOutcome(ValidationReport([FileReport(path=str(files[0]))]), assessment)
    # Several files: a merged workbook among them never reads as a return, so only the files that did not are
    # asked whether they are one (every return is opened once, not twice).
    try:
        outcome = merge_returns_in(paths, latest=latest, progress=progress, agency_map=agency_map, agencies=agencies)
    except BaselineError:
        _refuse_merged_among(files)  # the clearer message first
        raise
    _refuse_merged_among([Path(f.path) for f in outcome.report.files if not f.valid])
    if agencies and outcome.ok:  # as for a merged workbook: only what these agencies were asked about
        outcome.assessment = restrict(outcome.assessment, agencies=agencies)
    return outcome


def _refuse_merged_among(files: list[Path]) -> None:
    merged = next((p for p in files if p.is_file() and is_merged_workbook(p)), None)
    if merged is not None:
        raise BaselineError(
            f"{merged} is a merged workbook: summarise it on its own, or give the agency returns instead.")


@dataclass
class SummaryOutcome:
    report: ValidationReport
    summary: Summary | None  # None when the files have errors


def summarise_files(paths: Iterable[str | Path], *, as_of: dt.date | None = None, today: dt.date | None = None,
                    latest: bool = False,
                    agencies: Iterable[str] | None = None, sections: Iterable[str] | None = None,
                    statuses: Iterable[str] | None = None, progress: Progress | None = None,
                    agency_map: AgencyMap | None = None) -> SummaryOutcome:
    """`baseline summary`: compliance gaps and action owners over a merged workbook, or over returns merged on the
    fly. `agencies` and `sections` filter (a name that matches nothing is a BaselineError); `statuses` are the
    system statuses listed as gaps (default not_met, partially_met, not_assessed). Overdue counts against `as_of`,
    else a merged workbook's own as-of date (so the summary agrees with its Actions sheet), else `today`."""
    outcome = assessment_from_files(paths, latest=latest, progress=progress, agency_map=agency_map,
                                    agencies=agencies)
    if not outcome.ok:
        return SummaryOutcome(outcome.report, None)
    assessment = outcome.assessment
    sections = [s.strip() for s in sections or ()]
    if sections:
        section_ids = [s.id for s in assessment.guideline.sections]
        unknown = [s for s in sections if s not in section_ids]
        if unknown:
            raise BaselineError(f"No section {', '.join(map(repr, unknown))} in {assessment.guideline.ref}. "
                                f"Sections: {', '.join(section_ids)}.")
        assessment = restrict(assessment, sections=sections)
    gap_statuses = tuple(Status(s) for s in statuses or ()) or GAP_STATUSES
    day = as_of or assessment.as_of or today
    return SummaryOutcome(outcome.report, summarise(assessment, as_of=day, gap_statuses=gap_statuses))
