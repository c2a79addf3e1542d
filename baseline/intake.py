"""Reading returns and merged workbooks: the half of workflow.py that writes no workbook (validate, status,
summary, and the reading and merging in memory that `merge` then writes out).

Kept apart from workflow.py so that `baseline validate` and `baseline summary` never import the workbook writers
(openpyxl, and numpy which openpyxl loads when it is installed): a quarter of a one-file validate was those imports.
workflow.py re-exports every name here, so `workflow.validate_files` stays the one entry point of each command.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from operator import attrgetter
from pathlib import Path
from typing import Callable, Iterable, Iterator

from baseline import catalogue, tracker
from baseline.actions import CarryReport, PlanRow, as_summary_actions
from baseline.assessment import ANSWER_ROW, GAP_STATUSES, AgencyReturn, Answer, Status, answer_from_row
from baseline.config import AgencyMap, AssessmentConfig
from baseline.cores import map_in_order
from baseline.files import expand_paths
from baseline.guideline import Guideline
from baseline.issues import ERROR, BaselineError, FileReport, ValidationReport, capped
from baseline.issues import strict as make_strict
from baseline.merge import (
    MultiAgencyAssessment,
    agency_key,
    check_same_guideline,
    merge_returns,
    restrict,
    select_returns,
    unused_keeps,
)
from baseline.summary import Summary, summarise
from baseline.text import name_key
from baseline.tracker import ReceivedFile, TrackerReport
from baseline.xlsx.merged.reader import is_merged_workbook, read_if_merged
from baseline.xlsx.returns import ReadResult, read_return

Progress = Callable[[str], None]  # called with each path as it is read
Reader = Callable[[Path], ReadResult]


# --- the facilitator's YAML ----------------------------------------------------------------------------------


def load_config(path: Path | str) -> tuple[AssessmentConfig, Guideline]:
    """Read an assessment config file; BaselineError (every problem with its YAML path) if it is not valid."""
    return catalogue.load_config(path)


@dataclass(frozen=True)
class Assessment:
    """An assessment config, read: who is asked about which guideline (`--config`, `status`)."""

    config: AssessmentConfig
    guideline: Guideline
    path: str

    @classmethod
    def load(cls, config: "Path | str | Assessment | None") -> "Assessment | None":
        """The config file read (once: an Assessment passed on stays as it is); None without one."""
        if config is None or isinstance(config, Assessment):
            return config
        return cls(*load_config(config), str(config))

    def names(self, agency_map: AgencyMap | None) -> AgencyMap:
        """The config's `files` patterns name the agency of returns that carry none; --as-agency comes after."""
        return AgencyMap.from_config(self.config, self.path).extended(agency_map)

    def asked(self, agencies: Iterable[str] | None) -> AssessmentConfig:
        """The config as far as the --agency filter goes: who is missing is said of those agencies only."""
        if not agencies:
            return self.config
        wanted = {name_key(a) for a in agencies}
        return replace(self.config, agencies=[a for a in self.config.agencies if name_key(a.name) in wanted])


# --- reading returns -----------------------------------------------------------------------------------------


@dataclass
class LoadedReturns:
    report: ValidationReport
    returns: list[AgencyReturn] = field(default_factory=list)  # only those read without error
    files_read: int = 0  # files opened (0: the paths held no workbook at all)
    received: list[ReceivedFile] = field(default_factory=list)  # every file accounted for, as the tracker sees it
    left_out: list[Path] = field(default_factory=list)  # given (or in a folder given) but not read: see leave_out


def load_returns(paths: Iterable[str | Path], *, strict: bool = False, progress: Progress | None = None,
                 reader: Reader | None = None, agency_map: AgencyMap | None = None,
                 agencies: Iterable[str] | None = None, keep_answers: bool = True,
                 workers: int | None = None, leave_out: Iterable[Path] = ()) -> LoadedReturns:
    """Read and validate each file in turn (a folder stands for the workbooks in it). One bad file never stops the
    others.

    `agency_map` names the agencies of returns that carry none (NICE's own tool). `agencies` is the --agency
    filter: a return of another agency is left out (a file whose agency cannot be told stays in: it may be one of
    them); naming an agency no file has is a BaselineError, so a typo never looks like "all is well".
    `keep_answers=False` keeps only the reports and what the tracker needs (validate), so memory does not grow with
    the answers read. `workers`: processes reading files side by side (None: pool_size decides; 1: in this
    process). The result is the same either way, in the order of the files.
    `leave_out`: files never read as returns (the merge's own output and --update workbook), listed in `left_out`.
    """
    wanted = {name_key(a): a for a in agencies or ()}
    expanded = expand_paths(paths)
    loaded = LoadedReturns(ValidationReport())
    seen: dict[str, str] = {}
    excluded = {p.resolve() for p in leave_out if p.exists()}
    files = [p for p in expanded.files if not (excluded and p.resolve() in excluded)]
    if len(files) < len(expanded.files):  # a set: comparing paths pair by pair grew with the square of the files
        kept = set(files)
        loaded.left_out = [p for p in expanded.files if p not in kept]
    if reader is None:
        reader = partial(read_kept, agency_map=agency_map, keep_answers=keep_answers)
        workers = pool_size(len(files)) if workers is None else workers
    else:
        workers = 1  # a reader passed in need not survive pickling to another process
    for path, (result, received) in _read_each(files, reader, progress, workers):
        result.report.issues = capped(result.report.issues)
        loaded.files_read += 1
        agency = result.report.agency
        if agency:
            seen.setdefault(name_key(agency), agency)
            if wanted and name_key(agency) not in wanted:
                continue
        if strict:
            result.report.issues = make_strict(result.report.issues)
        loaded.report.files.append(result.report)
        loaded.received.append(received)
        if keep_answers and result.agency_return is not None and result.report.valid:
            loaded.returns.append(result.agency_return)
    loaded.report.files += expanded.reports  # then what was not read: skipped files, folders without workbooks
    loaded.received += [ReceivedFile.from_report(r, reason=_first_message(r), skipped=True) for r in expanded.reports]
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


def read_kept(path: Path, *, agency_map: AgencyMap | None, keep_answers: bool) -> tuple[ReadResult, ReceivedFile]:
    """read_return and what the tracker needs of it, in this process or a pool's; without the answers when only
    the report is wanted (less to send back between processes, less to keep). The answers kept travel back from a
    pool's process as rows of values (SentAnswers)."""
    result = read_return(path, agencies=agency_map)
    received = received_file(result)
    if not keep_answers:
        return ReadResult(result.report, None), received
    if result.agency_return is not None:
        result.agency_return.answers = SentAnswers(result.agency_return.answers)
    return result, received


class SentAnswers(dict):
    """A return's answers (recommendation id -> Answer) that pickle as rows of plain values, without the cells each
    was read from (nothing after reading uses those: merge_returns drops them). Slotted, frozen answers unpickle one
    attribute at a time: as rows, the answers of 200 returns come back from a pool in half the time, and the merge
    has no cells to drop. Unpickled, they are a plain dict again, each answer rebuilt slot by slot
    (assessment.answer_from_row)."""

    def __reduce__(self):
        return _answers_from_rows, (list(self), list(map(attrgetter(*ANSWER_ROW), self.values())))


def _answers_from_rows(rec_ids: list[str], rows: list[tuple]) -> dict[str, Answer]:
    return dict(zip(rec_ids, map(answer_from_row, rows)))  # (tests/test_sent_answers.py: the round trip)


def _read_each(files: list[Path], reader: Callable, progress: Progress | None,
               workers: int) -> Iterator[tuple[Path, tuple[ReadResult, ReceivedFile]]]:
    """(path, (result, received)) for each file, in order, read on `workers` processes (cores.map_in_order: a pool
    that cannot start or breaks leaves the rest to this process, so every file is still read, once). read_return
    never raises, so a worker's result is what this process would have got."""
    for path, answer in zip(files, map_in_order(reader, files, workers)):
        if progress:
            progress(str(path))
        yield path, _with_received(answer)


def _with_received(answer) -> tuple[ReadResult, ReceivedFile]:
    """A reader passed in (tests, bench) gives a ReadResult alone; read_kept gives both."""
    return answer if isinstance(answer, tuple) else (answer, received_file(answer))


def received_file(result: ReadResult) -> ReceivedFile:
    """What the tracker needs of one file read: its report's figures, the area, how much is answered, the file's
    own last-saved time and who completed it (never the generated-at stamp: the same in every copy)."""
    found = result.agency_return
    if found is None:
        return ReceivedFile.from_report(result.report, reason=_first_message(result.report))
    answers = found.answers.values()
    return ReceivedFile.from_report(
        result.report, area=found.area, blank=all(a.is_blank for a in answers),
        answered=sum(a.relevant is not None for a in answers), total=len(found.answers),
        last_saved=found.last_saved, completed_by=found.completed_by)


def _first_message(report: FileReport) -> str | None:
    """Why a file could not be read (or was not): its first error, else its first issue."""
    issue = next((i for i in report.issues if i.severity == ERROR), None) or next(iter(report.issues), None)
    return issue.message if issue else None


def check_against_config(loaded: LoadedReturns, assessment: Assessment, agencies: Iterable[str] | None = None, *,
                         strict: bool = False) -> None:
    """What --config adds: each file's other-area, unexpected-agency and agency-mismatch issues (errors with
    `strict`, like the file's own warnings), and a missing-agency warning per agency asked (within the --agency
    filter) that sent nothing."""
    by_path = {f.path: f for f in loaded.report.files}
    for received in loaded.received:
        if not received.skipped:
            issues = tracker.file_config_issues(assessment.config, received)
            by_path[received.path].issues += make_strict(issues) if strict else issues
    returned = tracker.agencies_returned(assessment.config, assessment.guideline, loaded.received)
    loaded.report.issues += tracker.missing_agency_issues(assessment.asked(agencies), returned)


def check_agency_filter(wanted: Iterable[str], found: Iterable[str], where: str = "these files") -> None:
    """--agency names an agency that none of the files (or the config: `where`) has: say so, with the agencies
    there are."""
    found = list(found)
    keys = {name_key(a) for a in found}
    unknown = [a for a in wanted if name_key(a) not in keys]
    if unknown:
        raise BaselineError(f"No agency named {', '.join(map(repr, unknown))} in {where}. "
                            f"Agencies: {', '.join(sorted(found, key=name_key)) or 'none'}.")


def validate_files(paths: Iterable[str | Path], *, strict: bool = False, agency_map: AgencyMap | None = None,
                   agencies: Iterable[str] | None = None, config: Path | str | None = None) -> ValidationReport:
    """`baseline validate`: one report per file, every file accounted for (a missing path or a folder without
    workbooks is reported, not raised, so the other files are still checked). `strict` turns every warning into an
    error. With `config` (an assessment config file): its `files` name the agencies of returns that carry none, and
    returns of another area, of an agency not in it or filled in by the wrong agency, and agencies with no return,
    are issues too."""
    assessment = Assessment.load(config)
    names = assessment.names(agency_map) if assessment else agency_map
    loaded = load_returns(paths, strict=strict, agency_map=names, agencies=agencies, keep_answers=False)
    if assessment:
        check_against_config(loaded, assessment, agencies, strict=strict)
    return loaded.report


def track_returns(config: Path | str, paths: Iterable[str | Path], *, as_of: dt.date,
                  progress: Progress | None = None, agency_map: AgencyMap | None = None) -> TrackerReport:
    """`baseline status`: each agency of the config with the state of what it sent (valid, invalid, blank,
    duplicate, missing), and the files that belong to none of them. Each file is read once."""
    assessment = Assessment.load(config)
    loaded = load_returns(paths, progress=progress, agency_map=assessment.names(agency_map))
    return tracker.track_returns(assessment.config, assessment.guideline, loaded.received, as_of)


# --- merge and summary ---------------------------------------------------------------------------------------


@dataclass
class MergeOutcome:
    report: ValidationReport  # per file: its own issues plus merge-level ones (duplicate agency, other guideline)
    assessment: MultiAgencyAssessment | None  # None when anything blocks the merge
    plan: list[PlanRow] | None = None  # the group's action plan (None: the returns' own actions)
    carry: CarryReport | None = None  # what `merge --update` carried forward, overrode and kept
    notes: list[str] = field(default_factory=list)  # warnings about PREV's plan as read (a formula in a cell)

    @property
    def ok(self) -> bool:
        return self.assessment is not None


def merge_returns_in(paths: Iterable[str | Path], *, latest: bool = False, keep: Iterable[str] = (),
                     strict: bool = False, progress: Progress | None = None, reader: Reader | None = None,
                     agency_map: AgencyMap | None = None, agencies: Iterable[str] | None = None,
                     config: Path | str | Assessment | None = None,
                     leave_out: Iterable[tuple[Path, str]] = ()) -> MergeOutcome:
    """Validate every file, then merge them if (and only if) no error-level issue was found anywhere.

    Two returns for one agency: `keep` (file paths or names) chooses, else `latest` takes the one saved last.
    One assessment is of one area: with `config`, its area (and `check_against_config`); without, the area most
    returns share; a return of another area is an error either way.
    `leave_out`: merged workbooks of this very merge ((path, "output" or "--update workbook")) among the returns."""
    keep = tuple(keep)
    leave_out = list(leave_out)
    assessment = Assessment.load(config)
    with fewer_collections():  # every return's answers are kept for the merge: GC passes would walk them all
        loaded = load_returns(paths, strict=strict, progress=progress, reader=reader,
                              agency_map=assessment.names(agency_map) if assessment else agency_map,
                              agencies=agencies, leave_out=[p for p, _ in leave_out])
    roles: dict[Path, str] = {}
    for p, role in leave_out:  # the same file as both: "--update workbook and output"
        if p.exists():
            roles[p.resolve()] = f"{roles[p.resolve()]} and {role}" if p.resolve() in roles else role
    notes = [f"{path} is this merge's {roles[path.resolve()]}, a merged workbook, not a return: left out of the "
             "returns read." for path in loaded.left_out]
    if not loaded.files_read:
        raise BaselineError("No workbooks to merge (no .xlsx, .xlsm or .ods files found).")
    unknown = unused_keeps([f.path for f in loaded.received if not f.skipped], keep)
    if unknown:
        raise BaselineError(f"--keep {', '.join(map(repr, unknown))} names none of the returns given. "
                            f"Give the file's name or its path as listed by `baseline status`.")
    if assessment:
        check_against_config(loaded, assessment, agencies, strict=strict)
    else:
        _attach(loaded.report, tracker.area_issues(loaded.received))
    chosen, duplicate_issues = select_returns(loaded.returns, latest=latest, keep=keep)
    guideline = assessment.guideline if assessment else _guideline_of(chosen)
    mismatch_issues = check_same_guideline(guideline, chosen) if guideline else []
    _attach(loaded.report, duplicate_issues + mismatch_issues)
    if not loaded.report.valid or guideline is None:
        return MergeOutcome(loaded.report, None, notes=notes)
    area, round = (assessment.config.area, assessment.config.round or "") if assessment else (None, None)
    return MergeOutcome(loaded.report, merge_returns(guideline, chosen, area=area, round=round), notes=notes)


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


def assessment_from_files(paths: Iterable[str | Path], *, latest: bool = False, keep: Iterable[str] = (),
                          progress: Progress | None = None, agency_map: AgencyMap | None = None,
                          agencies: Iterable[str] | None = None,
                          config: Path | str | Assessment | None = None) -> MergeOutcome:
    """What `summary` reads: one merged workbook, or returns merged on the fly (nothing written); either way seen
    through the --agency filter. A merged workbook's plan comes without links, orphan marks and digests as written
    (summary uses none of them)."""
    asked = Assessment.load(config)
    files = expand_paths(paths).files
    workbook = read_if_merged(files[0], complete=False) if len(files) == 1 and files[0].is_file() else None
    if workbook is None:
        try:
            outcome = merge_returns_in(paths, latest=latest, keep=keep, progress=progress, agency_map=agency_map,
                                       agencies=agencies, config=asked)
        except BaselineError:
            _refuse_merged(files)  # a merged workbook among them is the problem to name
            raise
        if not outcome.ok:
            failed = {f.path for f in outcome.report.files if not f.valid}
            _refuse_merged([p for p in files if str(p) in failed])
        if agencies and outcome.ok:  # as for a merged workbook: only what these agencies were asked about
            outcome.assessment = restrict(outcome.assessment, agencies=agencies)
        return outcome
    path = files[0]
    assessment, plan = workbook.assessment, workbook.plan
    if asked and assessment.area and name_key(assessment.area) != name_key(asked.config.area):
        raise BaselineError(f"{path} is the merged assessment of {assessment.area}, but {asked.path} is the "
                            f"assessment of {asked.config.area}: give the config of {assessment.area}.")
    if agencies:
        check_agency_filter(agencies, assessment.agency_names)
        assessment = restrict(assessment, agencies=agencies)
        plan = _plan_within(plan, assessment)
    return MergeOutcome(ValidationReport([FileReport(path=str(path))]), assessment, plan)


def _refuse_merged(files: list[Path]) -> None:
    """A merged workbook among several files: summarise it on its own. Asked only of files that could not be read
    as returns (a merged workbook never can), so that each return is opened once."""
    merged = next((p for p in files if p.is_file() and is_merged_workbook(p)), None)
    if merged is not None:
        raise BaselineError(
            f"{merged} is a merged workbook: summarise it on its own, or give the agency returns instead.")


def _plan_within(plan: list[PlanRow], assessment: MultiAgencyAssessment) -> list[PlanRow]:
    """The plan seen through the same --agency / --section filter as a restricted assessment."""
    agencies = {agency_key(a) for a in assessment.agency_names}
    sections = {r.section for r in assessment.results}
    kept = {name: agency_key(name) in agencies for name in {row.agency for row in plan}}  # once per agency
    return [row for row in plan if kept[row.agency] and row.section in sections]


# The cyclic garbage collector runs every GC_YOUNG allocations not freed (700 by default) and now and then walks every
# object alive. Reading a national merge makes hundreds of thousands of objects that live to the end and hold no
# cycles: at the default, those walks were a fifth of `summary`'s time at 800 returns. Cycles are still collected.
GC_YOUNG = 50_000


@contextmanager
def fewer_collections():
    """The cyclic garbage collector run less often while whole folders of answers are read and rolled up (a forked
    reading process inherits it too); the thresholds as they were afterwards."""
    before = gc.get_threshold()
    gc.set_threshold(max(GC_YOUNG, before[0]), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


@dataclass
class SummaryOutcome:
    report: ValidationReport
    summary: Summary | None  # None when the files have errors


def summarise_files(paths: Iterable[str | Path], *, as_of: dt.date | None = None, today: dt.date | None = None,
                    latest: bool = False, keep: Iterable[str] = (), agencies: Iterable[str] | None = None,
                    sections: Iterable[str] | None = None, statuses: Iterable[str] | None = None,
                    progress: Progress | None = None, agency_map: AgencyMap | None = None,
                    config: Path | str | None = None) -> SummaryOutcome:
    """`baseline summary`: compliance gaps and action owners over a merged workbook, or over returns merged on the
    fly. `agencies` and `sections` filter (a name that matches nothing is a BaselineError); `statuses` are the
    system statuses listed as gaps (default not_met, partially_met, not_assessed). Overdue counts against `as_of`,
    else a merged workbook's own as-of date (so the summary agrees with its Actions sheet), else `today`. With
    `config`, the agencies it asks that have no return are named (`missing_agencies`), and its area and round head
    the summary."""
    with fewer_collections():  # hundreds of thousands of answers and cells, all kept to the end
        asked = Assessment.load(config)
        outcome = assessment_from_files(paths, latest=latest, keep=keep, progress=progress, agency_map=agency_map,
                                        agencies=agencies, config=asked)
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
        day = as_of or assessment.as_of or today or dt.date.today()
        actions = None  # returns merged on the fly: their own actions
        if outcome.plan is not None:  # a merged workbook: the group's plan, seen through the same filters
            actions = as_summary_actions(_plan_within(outcome.plan, assessment), day)
        missing = tracker.missing_agencies(asked.asked(agencies), assessment.agency_names) if asked else []
        return SummaryOutcome(outcome.report, summarise(
            assessment, as_of=day, gap_statuses=gap_statuses, actions=actions, missing_agencies=missing,
            area=asked.config.area if asked else None, round=(asked.config.round or "") if asked else None))
