"""One function per file-level command, named after it: which files are read, once each, in what order.

This is where the pure core meets the files: it calls the readers per file and never holds more than one workbook
open. The CLI (and `make bench`) call these functions and only render their results. Every command reaches the
files by the same route: files.expand_paths, then xlsx.returns.read_return for each file. The commands that write
no workbook live in intake.py (re-exported here), so that validate and summary never import a writer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from baseline.actions import PlanRow, build_plan
from baseline.config import Agency, AgencyMap, AssessmentConfig
from baseline.files import atomic_write, refuse_overwrite, safe_filename
from baseline.guideline import Guideline
from baseline.intake import (  # the commands that write nothing live there, so that they import no writer
    LoadedReturns,
    MergeOutcome,
    Progress,
    Reader,
    SummaryOutcome,
    assessment_from_files,
    check_agency_filter,
    load_agency_map,
    load_config,
    load_returns,
    merge_returns_in,
    summarise_files,
    validate_files,
)
from baseline.issues import BaselineError
from baseline.merge import MultiAgencyAssessment
from baseline.rounds import Comparison, RoundInfo, compare
from baseline.summary import Summary, summarise
from baseline.text import name_key
from baseline.xlsx.agency.writer import listed_recommendations, write_agency_workbook
from baseline.xlsx.merged.reader import read_merged_meta, read_merged_workbook
from baseline.xlsx.merged.writer import write_merged_workbook
from baseline.xlsx.nice.encoding import ImportResult, VerifyResult, import_bat, verify_file


def merge_files(paths: Iterable[str | Path], output: Path | str | None = None, *, as_of: dt.date | None = None,
                force: bool = False, latest: bool = False, strict: bool = False, progress: Progress | None = None,
                reader: Reader | None = None, agency_map: AgencyMap | None = None,
                agencies: Iterable[str] | None = None) -> MergeOutcome:
    """`baseline merge`: validate every return, merge them, and (with `output`) write the merged workbook. Nothing
    is written when any file has an error. The output is checked before the returns are read, not after."""
    target = Path(output) if output is not None else None
    if target is not None:
        if target.suffix.lower() != ".xlsx":
            raise BaselineError(f"{target}: the merged workbook must be an .xlsx file.")
        refuse_overwrite(target, force)
    outcome = merge_returns_in(paths, latest=latest, strict=strict, progress=progress, reader=reader,
                               agency_map=agency_map, agencies=agencies)
    if target is not None and outcome.ok:
        summary = summarise(outcome.assessment, as_of=as_of)
        inputs = tuple(Path(f.path) for f in outcome.report.files)
        write_merged_workbook(target, outcome.assessment, summary, force=force, inputs=inputs)
    return outcome


# --- report --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportOutcome:
    path: Path
    summary: Summary
    progress: Comparison | None = None  # with a last round to compare with


def read_round(path: Path | str) -> tuple[MultiAgencyAssessment, list[PlanRow], RoundInfo]:
    """A merged workbook as one round of the assessment: what the agencies answered, the action plan, and which
    merge it is. The plan is the one the returns give (actions.build_plan) until the Actions sheet is read back."""
    path = Path(path)
    assessment = read_merged_workbook(path)
    meta = read_merged_meta(path)
    info = RoundInfo(area=meta.get("area", ""), round=meta.get("round", ""), merged_at=assessment.merged_at,
                     as_of=assessment.as_of)
    return assessment, build_plan(assessment), info


def report_file(merged: Path | str, output: Path | str, render: Callable[..., str], *,
                compare_with: Path | str | None = None, as_of: dt.date | None = None, today: dt.date | None = None,
                force: bool = False) -> ReportOutcome:
    """`baseline report`: a merged workbook -> one HTML board report at `output`, written atomically. Overdue
    counts against `as_of`, else the workbook's own as-of date (the report agrees with its Actions sheet), else
    `today`. With `compare_with` (the last round's merged workbook, same guideline version) the report shows the
    progress since (rounds.compare). `render` is report.html.render_report, passed in so that the commands that
    never draw a chart never load matplotlib."""
    source, target = Path(merged), Path(output)
    if target.suffix.lower() not in (".html", ".htm"):
        raise BaselineError(f"{target}: the report must be an .html file.")
    refuse_overwrite(target, force)
    assessment, plan, info = read_round(source)
    summary = summarise(assessment, as_of=as_of or assessment.as_of or today)
    progress = None
    if compare_with is not None:
        old, old_plan, old_info = read_round(compare_with)
        progress = compare(old, assessment, old_plan, plan, old_meta=old_info, new_meta=info,
                           old_name=Path(compare_with).name, new_name=source.name)
    html = render(summary, assessment.guideline, progress=progress)
    inputs = (source,) if compare_with is None else (source, Path(compare_with))
    atomic_write(target, lambda tmp: tmp.write_text(html, encoding="utf-8"), force=force, inputs=inputs)
    return ReportOutcome(target, summary, progress)


# --- generate ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GeneratedWorkbook:
    path: Path
    agency: str
    sectors: list[str]
    recommendations: int

def plan_workbooks(config: AssessmentConfig, out_dir: Path | str) -> list[tuple[Path, Agency]]:
    """(target path, agency) for every agency of an AssessmentConfig, with safe and unique file names."""
    taken: set[str] = set()
    return [(Path(out_dir) / safe_filename(agency.name, taken), agency) for agency in config.agencies]


def generate_workbooks(config: AssessmentConfig, guideline: Guideline, out_dir: Path | str, *, force: bool = False,
                       all_recommendations: bool = False, generated_at: dt.datetime | None = None,
                       agencies: Iterable[str] | None = None) -> list[GeneratedWorkbook]:
    """`baseline generate CONFIG -o DIR`: one workbook per agency of an AssessmentConfig in `out_dir` (created if
    missing); with `agencies` (the --agency filter), only theirs, under the same file names as in a full run.

    Every target is checked before anything is written: if any exists and not `force`, nothing is written.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise BaselineError(f"{out_dir} is a file; give a folder for the workbooks (-o DIR).")
    plan = plan_workbooks(config, out_dir)
    if agencies:
        check_agency_filter(agencies, [agency.name for agency in config.agencies])
        wanted = {name_key(a) for a in agencies}
        plan = [(path, agency) for path, agency in plan if name_key(agency.name) in wanted]
    existing = [path for path, _ in plan if path.exists()]
    if existing and not force:
        listing = "\n".join(f"  {path}" for path in existing)
        raise BaselineError(f"{len(existing)} workbook(s) already exist; nothing was written. "
                            f"Use --force to overwrite them:\n{listing}")
    directories = [path for path in existing if path.is_dir()]
    if directories:
        raise BaselineError(f"{directories[0]} is a folder; nothing was written.")
    generated_at = generated_at or dt.datetime.now(dt.timezone.utc)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path, agency in plan:
        sectors = agency.sector_ids
        write_agency_workbook(
            path, guideline, force=force, agency=agency.name, sectors=sectors, area=config.area,
            return_by=config.return_by, facilitator_name=config.facilitator.name,
            facilitator_email=config.facilitator.email, all_recommendations=all_recommendations,
            generated_at=generated_at,
        )
        written.append(GeneratedWorkbook(path, agency.name, sectors,
                                         len(listed_recommendations(guideline, sectors, all_recommendations))))
    return written



def generate_workbook(path: Path | str, guideline: Guideline, *, agency: str, sectors: list[str], area: str = "",
                      return_by: dt.date | None = None, all_recommendations: bool = False,
                      force: bool = False) -> GeneratedWorkbook:
    """`generate --as-agency NAME --sector S -o FILE.xlsx`: one workbook, without a config."""
    path = Path(path)
    if path.is_dir():
        raise BaselineError(f"{path} is a folder; with --as-agency, give a file name ending in .xlsx (-o FILE.xlsx).")
    write_agency_workbook(path, guideline, force=force, agency=agency, sectors=list(sectors), area=area,
                          return_by=return_by, all_recommendations=all_recommendations)
    count = len(listed_recommendations(guideline, list(sectors), all_recommendations))
    return GeneratedWorkbook(path, " ".join(agency.split()), list(sectors), count)


# --- NICE's own tool -----------------------------------------------------------------------------------------


def import_nice_tool(bat: Path | str, output: Path | str, *, version: str | None = None,
                     force: bool = False) -> ImportResult:
    """`recs import`: NICE's tool -> a complete recommendation YAML at `output` (its folder created if missing,
    e.g. ~/baseline-recs/ng225/ as the README suggests)."""
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    return import_bat(bat, output, version=version, force=force)


def verify_encoding(encoding: str, bat: Path | str) -> VerifyResult:
    """`recs verify`: an encoding (reference or YAML path) against NICE's tool."""
    return verify_file(encoding, bat)


__all__ = ["LoadedReturns", "MergeOutcome", "SummaryOutcome", "ReportOutcome", "GeneratedWorkbook", "report_file", "load_returns", "validate_files",
           "merge_files", "merge_returns_in", "assessment_from_files", "summarise_files", "generate_workbooks",
           "generate_workbook", "import_nice_tool", "verify_encoding", "load_config", "load_agency_map",
           "check_agency_filter", "read_round", "Progress", "Reader"]
