"""`baseline generate`: the workbooks handed to the agencies, blank or prefilled with last round's answers.

Apart from workflow.py (which re-exports it), so that generate loads no writer but the agency workbook's and no
openpyxl (issue 16: start-up is a third of its time). The workbooks are built on every core (cores.map_in_order)
and written here, one by one, in the config's order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import partial
from pathlib import Path
from typing import Callable, Iterable

from baseline.assessment import AgencyReturn
from baseline.config import Agency, AssessmentConfig
from baseline.cores import map_in_order
from baseline.files import safe_filename, sweep_stale
from baseline.guideline import Guideline
from baseline.intake import check_agency_filter, pool_size
from baseline.issues import BaselineError
from baseline.records import record
from baseline.rounds import prefill_returns
from baseline.text import name_key
from baseline.xlsx.agency.layout import Continues
from baseline.xlsx.agency.writer import (
    build_agency_workbook,
    listed_recommendations,
    save_agency_workbook,
    write_agency_workbook,
)
from baseline.xlsx.merged.reader import read_merged


@record(frozen=True)
class GeneratedWorkbook:
    """One agency workbook that `baseline generate` wrote."""

    path: Path
    agency: str
    sectors: list[str]
    recommendations: int
    prefilled: bool = False  # holds the agency's answers from last round (generate --prefill)

def plan_workbooks(config: AssessmentConfig, out_dir: Path | str) -> list[tuple[Path, Agency]]:
    """(target path, agency) for every agency of an AssessmentConfig, with safe and unique file names."""
    taken: set[str] = set()
    return [(Path(out_dir) / safe_filename(agency.name, taken), agency) for agency in config.agencies]


def generate_workbooks(config: AssessmentConfig, guideline: Guideline, out_dir: Path | str, *, force: bool = False,
                       all_recommendations: bool = False, generated_at: dt.datetime | None = None,
                       agencies: Iterable[str] | None = None, prefill: Path | str | None = None,
                       note: Callable[[str], None] | None = None) -> list[GeneratedWorkbook]:
    """`baseline generate CONFIG -o DIR`: one workbook per agency of an AssessmentConfig in `out_dir` (created if
    missing); with `agencies` (the --agency filter), only theirs, under the same file names as in a full run.

    `prefill` (a merged workbook of last round): each agency's workbook carries its last answers and the group's
    latest action updates, and is stamped with what it continues. `note` is told of agencies with nothing to
    prefill (new to this round) and of last round's agencies the config no longer has.

    Every target is checked before anything is written: if any exists and not `force`, nothing is written.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise BaselineError(f"{out_dir} is a file; give a folder for the workbooks (-o DIR).")
    plan = plan_workbooks(config, out_dir)
    if agencies:
        check_agency_filter(agencies, [agency.name for agency in config.agencies], where="the config")
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
    last_round = read_prefill(prefill, guideline) if prefill is not None else None
    if last_round is not None and note is not None:
        for warning in last_round.warnings:
            note(warning)
        config_keys = {name_key(agency.name) for agency in config.agencies}
        for key, previous in last_round.returns.items():
            if key not in config_keys:
                note(f"{previous.agency} answered last round but is not in the config: no workbook for it.")
    generated_at = generated_at or dt.datetime.now(dt.timezone.utc)
    out_dir.mkdir(parents=True, exist_ok=True)
    workbooks, keywords = [], []
    for path, agency in plan:
        sectors = agency.sector_ids
        previous = last_round.returns.get(name_key(agency.name)) if last_round is not None else None
        if last_round is not None and previous is None and note is not None:
            note(f"{agency.name} has no answers in {last_round.continues.file}: its workbook is blank.")
        keywords.append(dict(
            agency=agency.name, sectors=sectors, area=config.area, round=config.round or "",
            return_by=config.return_by, facilitator_name=config.facilitator.name,
            facilitator_email=config.facilitator.email, all_recommendations=all_recommendations,
            generated_at=generated_at, prefill=previous.answers if previous is not None else None,
            continues=last_round.continues if previous is not None else None,
        ))
        workbooks.append(GeneratedWorkbook(path, agency.name, sectors,
                                           len(listed_recommendations(guideline, sectors, all_recommendations)),
                                           prefilled=previous is not None))
    # Built side by side on every core (each workbook is a few milliseconds of Python), written here, in order.
    built = map_in_order(partial(_build, guideline), keywords, pool_size(len(keywords)), first_here=True)
    sweep_stale(out_dir, [workbook.path.name for workbook in workbooks])  # once for all, not once per file
    for workbook, content in zip(workbooks, built):
        save_agency_workbook(workbook.path, content, force=force, sweep=False)
    return workbooks


def _build(guideline: Guideline, keywords: dict) -> bytes:
    return build_agency_workbook(guideline, **keywords)


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


@record(frozen=True)
class PrefillSource:
    """Last round, to re-issue workbooks from (`generate --prefill`)."""

    continues: Continues
    returns: dict[str, AgencyReturn]  # by name_key of the agency
    warnings: tuple[str, ...] = ()  # about its plan as read (a formula in an Actions cell)


def read_prefill(path: Path | str, guideline: Guideline, config_file: str = "CONFIG.yaml") -> PrefillSource:
    """Each agency's last answers with the group's latest action updates, from a merged workbook of the same
    guideline version as the config (else say how to migrate it first)."""
    path = Path(path)
    workbook = read_merged(path)
    previous, plan = workbook.assessment, workbook.plan
    had = previous.guideline
    if (had.guideline.upper(), had.version, had.fingerprint) != (guideline.guideline.upper(), guideline.version,
                                                                 guideline.fingerprint):
        raise BaselineError(
            f"{path} is an assessment of {had.ref} but {config_file} asks for {guideline.ref}. Move last round's "
            f"answers across first: `baseline migrate {path} --to {guideline.ref} -o {path.stem}-{guideline.version}"
            f".xlsx`, and prefill from that (or set guideline: {had.ref} in the config).")
    continues = Continues(file=path.name, merged_at=previous.merged_at,
                          sha256=hashlib.sha256(path.read_bytes()).hexdigest())
    returns = prefill_returns(previous, plan)
    return PrefillSource(continues, {name_key(r.agency): r for r in returns}, tuple(map(str, workbook.warnings)))


__all__ = ["GeneratedWorkbook", "plan_workbooks", "generate_workbooks", "generate_workbook", "PrefillSource",
           "read_prefill"]
