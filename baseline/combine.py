"""Returns read and combined in memory: the half of the reading commands that merges (`merge` then writes the
result out: workflow.py) and rolls up (`summary`), over returns or over one merged workbook.

Apart from intake.py, which reads returns one by one, so that `validate` and `status` import neither the merge,
the summary, the action plan nor the merged workbook's reader. workflow.py re-exports every name here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import field
from pathlib import Path
from typing import Callable, Iterable

from baseline import catalogue, tracker
from baseline.actions import CarryReport, PlanRow, as_summary_actions
from baseline.assessment import GAP_STATUSES, AgencyReturn, Status
from baseline.config import AgencyMap
from baseline.files import ExpandedPaths, expand_paths
from baseline.guideline import Guideline
from baseline.intake import Assessment, Progress, Reader, check_against_config, check_agency_filter, load_returns
from baseline.issues import BaselineError, FileReport, ValidationReport
from baseline.memory import no_cycle_collection
from baseline.merge import (
    MultiAgencyAssessment,
    agency_key,
    check_same_guideline,
    merge_returns,
    restrict,
    select_returns,
    unused_keeps,
)
from baseline.records import record
from baseline.summary import Summary, summarise
from baseline.text import name_key
from baseline.xlsx.merged.reader import is_merged_workbook, read_if_merged


@record
class MergeOutcome:
    """What `baseline merge` produced: the report and, unless something blocks it, the merged assessment."""

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
                     leave_out: Iterable[tuple[Path, str]] = (),
                     meanwhile: Callable[[], object] | None = None,
                     expanded: ExpandedPaths | None = None) -> MergeOutcome:
    """Validate every file, then merge them if (and only if) no error-level issue was found anywhere.

    Two returns for one agency: `keep` (file paths or names) chooses, else `latest` takes the one saved last.
    One assessment is of one area: with `config`, its area (and `check_against_config`); without, the area most
    returns share; a return of another area is an error either way.
    `leave_out`: merged workbooks of this very merge ((path, "output" or "--update workbook")) among the returns.
    `expanded`: files.expand_paths(paths), where the caller has already made it."""
    keep = tuple(keep)
    leave_out = list(leave_out)
    assessment = Assessment.load(config)
    with no_cycle_collection():  # every return's answers are kept for the merge: collections would walk them all
        loaded = load_returns(paths, strict=strict, progress=progress, reader=reader,
                              agency_map=assessment.names(agency_map) if assessment else agency_map,
                              agencies=agencies, leave_out=[p for p, _ in leave_out], meanwhile=meanwhile,
                              expanded=expanded)
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
                          config: Path | str | Assessment | None = None,
                          meanwhile: Callable[[], object] | None = None) -> MergeOutcome:
    """What `summary` reads: one merged workbook, or returns merged on the fly (nothing written); either way seen
    through the --agency filter. A merged workbook's plan comes without links, orphan marks and digests as written
    (summary uses none of them)."""
    asked = Assessment.load(config)
    expanded = expand_paths(paths)  # (once: the returns are read from the same list)
    files = expanded.files
    workbook = read_if_merged(files[0], complete=False) if len(files) == 1 and files[0].is_file() else None
    if workbook is None:
        try:
            outcome = merge_returns_in(paths, latest=latest, keep=keep, progress=progress, agency_map=agency_map,
                                       agencies=agencies, config=asked, meanwhile=meanwhile, expanded=expanded)
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


@record
class SummaryOutcome:
    """What `baseline summary` produced: the report and, unless the files have errors, the summary."""

    report: ValidationReport
    summary: Summary | None  # None when the files have errors


def summarise_files(paths: Iterable[str | Path], *, as_of: dt.date | None = None, today: dt.date | None = None,
                    latest: bool = False, keep: Iterable[str] = (), agencies: Iterable[str] | None = None,
                    sections: Iterable[str] | None = None, statuses: Iterable[str] | None = None,
                    progress: Progress | None = None, agency_map: AgencyMap | None = None,
                    config: Path | str | None = None,
                    meanwhile: Callable[[], object] | None = None) -> SummaryOutcome:
    """`baseline summary`: compliance gaps and action owners over a merged workbook, or over returns merged on the
    fly. `agencies` and `sections` filter (a name that matches nothing is a BaselineError); `statuses` are the
    system statuses listed as gaps (default not_met, partially_met, not_assessed). Overdue counts against `as_of`,
    else a merged workbook's own as-of date (so the summary agrees with its Actions sheet), else `today`. With
    `config`, the agencies it asks that have no return are named (`missing_agencies`), and its area and round head
    the summary. `meanwhile`: see intake.load_returns (called only when returns are read)."""
    with no_cycle_collection():  # hundreds of thousands of answers, all kept to the end
        asked = Assessment.load(config)
        outcome = assessment_from_files(paths, latest=latest, keep=keep, progress=progress, agency_map=agency_map,
                                        agencies=agencies, config=asked, meanwhile=meanwhile)
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
        summary = summarise(assessment, as_of=day, gap_statuses=gap_statuses, actions=actions,
                            missing_agencies=missing, area=asked.config.area if asked else None,
                            round=(asked.config.round or "") if asked else None)
        report = outcome.report
        # The answers freed here, while the collector is still off: every object made since it went off is young,
        # and the first collection after it is back walks each one still alive (51 ms at 800 returns for the
        # answers alone), where the summary and the reports are all that is left.
        del outcome, assessment
    return SummaryOutcome(report, summary)
