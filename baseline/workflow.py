"""One function per file-level command, named after it: which files are read, once each, in what order.

This is where the pure core meets the files: it calls the readers per file and never holds more than one workbook
open. The CLI (and `make bench`) call these functions and only render their results. Every command reaches the
files by the same route: files.expand_paths, then xlsx.returns.read_return for each file. The commands that write
no workbook live in intake.py (reading) and combine.py (merging and rolling up in memory), and generate in
generation.py (all re-exported here), so that validate, status and summary never import a writer, and generate no
writer but the agency workbook's. recs import and recs verify, which read NICE's tool with openpyxl, live in
nice_tool.py (not re-exported), so that no command here loads openpyxl.
"""

from __future__ import annotations

import datetime as dt
from contextlib import nullcontext
from dataclasses import field
from pathlib import Path
from typing import Callable, Iterable, Mapping

from baseline import catalogue
from baseline.actions import (
    ActionGroup,
    ActionKey,
    ActionList,
    PlanRow,
    ReturnedFields,
    as_summary_actions,
    build_plan,
    carry_forward,
    group_edits,
    list_plan,
    owner_name,
    stamp_edited,
)
from baseline.combine import (
    MergeOutcome,
    SummaryOutcome,
    assessment_from_files,
    merge_returns_in,
    summarise_files,
)
from baseline.config import AgencyMap
from baseline.cores import Later, in_background
from baseline.files import atomic_write, expand_paths, refuse_overwrite, safe_filename
from baseline.generation import (  # generate lives apart, so that it loads no other writer
    GeneratedWorkbook,
    PrefillSource,
    generate_workbook,
    generate_workbooks,
    read_prefill,
)
from baseline.guideline import Guideline
from baseline.intake import (  # the commands that write nothing live there and in combine, so they import no writer
    Assessment,
    LoadedReturns,
    Progress,
    Reader,
    check_against_config,
    check_agency_filter,
    load_config,
    load_returns,
    track_returns,
    validate_files,
)
from baseline.issues import BaselineError, Problem
from baseline.memory import cycles_freed, give_back_large_blocks, no_cycle_collection
from baseline.merge import (
    MultiAgencyAssessment,
)
from baseline.records import record
from baseline.rounds import (
    Comparison,
    MigrationReport,
    RoundInfo,
    compare,
    migrate_assessment,
    migrate_return,
)
from baseline.summary import NO_OWNER, Summary, summarise
from baseline.xlsx.action_list import write_action_list_workbook
from baseline.xlsx.agency.writer import write_agency_workbook
from baseline.xlsx.merged.reader import (
    MergedPlan,
    MergedWorkbook,
    is_merged_workbook,
    read_merged,
    read_merged_plan,
    read_plan_if_merged,
)
from baseline.xlsx.merged.writer import write_merged_workbook
from baseline.xlsx.returns import read_return

# --- merge ---------------------------------------------------------------------------------------------------


def merge_files(paths: Iterable[str | Path], output: Path | str | None = None, *, as_of: dt.date | None = None,
                force: bool = False, latest: bool = False, keep: Iterable[str] = (), strict: bool = False,
                progress: Progress | None = None, reader: Reader | None = None, agency_map: AgencyMap | None = None,
                agencies: Iterable[str] | None = None, update: Path | str | None = None,
                today: dt.date | None = None, config: Path | str | None = None) -> MergeOutcome:
    """`baseline merge`: validate every return, merge them, and (with `output`) write the merged workbook. Nothing
    is written when any file has an error. The output is checked before anything is written, and a refusal to
    replace it comes before the returns' own errors: checked before the returns are read, or — when --force may
    replace a merged workbook, whose plan must first be read for the group's edits (a second at 800 returns) — in
    another process while they are read.

    `update`: a previous merged workbook whose action plan (the group's edits) is carried into the new one
    (`actions.carry_forward`; `outcome.carry` says what happened); `output` may be that same file, replaced
    atomically. Without `update`, a merged workbook whose plan holds the group's edits is never replaced, even with
    `force`. `today` dates the notes the carrying adds (default: as_of)."""
    # A re-merge reads the old merged workbook first: what that frees must not stay taken while the returns are read.
    give_back_large_blocks()
    target = Path(output) if output is not None else None
    previous_path = Path(update) if update is not None else None
    merged_files: dict[Path, bool] = {}  # resolved path -> is a merged workbook: each file opened once to tell
    inputs = {p.resolve() for p in expand_paths(paths).files}  # only a merged workbook among them is left out
    replace_check: Later | None = None
    if target is not None:
        if target.suffix.lower() != ".xlsx":
            raise BaselineError(f"{target}: the merged workbook must be an .xlsx file.")
        if force and target.is_file() and target.resolve() not in inputs and not (
                previous_path is not None and _same_file(target, previous_path)):
            replace_check = in_background(_edits_in, target)
        else:
            target_merged = _check_replaceable(target, previous_path, force)
            if target_merged is not None:
                merged_files[target.resolve()] = target_merged

    def is_merged(path: Path) -> bool:
        if path.resolve() not in merged_files:
            merged_files[path.resolve()] = is_merged_workbook(path)
        return merged_files[path.resolve()]

    with replace_check or nullcontext(), no_cycle_collection():  # a check still at work when left is stopped
        # The plan and what the returns said about its actions, not the answers: held while the returns are read.
        previous = read_merged_plan(previous_path) if previous_path is not None else None
        outcome = merge_returns_in(paths, latest=latest, keep=keep, strict=strict, progress=progress, reader=reader,
                                   agency_map=agency_map, agencies=agencies, config=config,
                                   leave_out=[(p, role) for p, role in ((previous_path, "--update workbook"),
                                                                        (target, "output"))
                                              if p is not None and p.resolve() in inputs and is_merged(p)])
        if not outcome.ok:
            _await(replace_check, target, force)  # a refusal of the output comes first, as when it was checked first
            return outcome
        as_of = as_of or dt.date.today()
        today = today or as_of
        if previous is None:  # a first merge: every action enters the plan today
            plan = build_plan(outcome.assessment, last_updated=today)
        else:
            plan = _carried_forward(previous, previous_path, build_plan(outcome.assessment), outcome, today)
            previous = None  # the old plan and what its returns said: not held while the new workbook is written
        outcome.plan = plan
        if target is not None:
            summary = summarise(outcome.assessment, as_of=as_of, actions=as_summary_actions(plan, as_of))
            read = tuple(Path(f.path) for f in outcome.report.files)
            in_place = previous_path is not None and _same_file(target, previous_path)
            _await(replace_check, target, force)
            write_merged_workbook(target, outcome.assessment, summary, plan=plan, force=force or in_place, inputs=read)
        return outcome


def _carried_forward(previous: MergedPlan, previous_path: Path, plan: list[PlanRow], outcome: MergeOutcome,
                     today: dt.date) -> list[PlanRow]:
    """`plan` (the new merge's) with the group's edits of `previous` carried into it (outcome.carry says how)."""
    _check_same_encoding(previous.guideline, outcome.assessment.guideline, previous_path)
    outcome.notes += [str(p) for p in previous.warnings]
    edited = stamp_edited(previous.plan, previous.written, today)  # "Last updated": when a merge first saw it
    plan, outcome.carry = carry_forward(edited, previous.returned, plan, today, assessment=outcome.assessment)
    return plan


def _same_file(a: Path, b: Path) -> bool:
    return a.exists() and b.exists() and a.resolve() == b.resolve()


def _edited_actions(plan: Iterable[PlanRow], returned: Mapping[ActionKey, ReturnedFields]) -> int:
    """How many actions of a merged workbook's plan the group edited (`returned`: what its returns said, as
    actions.returned_values): what a fresh merge would lose."""
    return sum(bool(group_edits(row, returned.get(row.key))) for row in plan)


def _check_replaceable(target: Path, update: Path | None, force: bool) -> bool | None:
    """`merge` never replaces a merged workbook whose plan holds the group's edits, except by carrying them forward
    (`--update` naming that same workbook); any other existing file needs --force. Returns whether the target is a
    merged workbook, None when it was not looked at (no such file, or the --update workbook)."""
    if not target.exists() or (update is not None and _same_file(target, update)):
        return None
    # Read as merge --update reads it (every sheet checked the same way), but only the plan and what the returns
    # said about its actions: a national merged workbook's answers are most of its size.
    merged = read_plan_if_merged(target, complete=False) if target.is_file() else None
    if merged is not None:
        _refuse_edited(target, force, _edited_actions(merged.plan, merged.returned))
    refuse_overwrite(target, force)
    return merged is not None


def _edits_in(target: Path) -> int | None:
    """How many actions of the merged workbook `target` the group edited; None when it is no merged workbook."""
    merged = read_plan_if_merged(target, complete=False)
    return None if merged is None else _edited_actions(merged.plan, merged.returned)


def _await(replace_check: Later | None, target: Path | None, force: bool) -> None:
    """The verdict of a check of the output started in another process (merge_files), if any: a BaselineError when
    the group edited its plan."""
    if replace_check is not None:
        _refuse_edited(target, force, replace_check.result())


def _refuse_edited(target: Path, force: bool, edited: int | None) -> None:
    if edited:
        raise BaselineError(
            f"{target} holds the group's work on its action plan ({edited} action(s) edited): replacing it would "
            f"lose that work{', --force or not' if force else ''}. Nothing was written. Use --update {target} to "
            f"carry the edits into the new merge (the output may be {target} itself), or write to another file.")


def _check_same_encoding(old: Guideline, new: Guideline, previous: Path) -> None:
    if (old.guideline, old.version, old.fingerprint) != (new.guideline, new.version, new.fingerprint):
        raise BaselineError(f"{previous} was merged from {old.ref} and the returns are of {new.ref}: --update carries "
                            f"a plan forward within one encoding only. Nothing was written.")


# --- report --------------------------------------------------------------------------------------------------


@record(frozen=True)
class ReportOutcome:
    """The board report `baseline report` wrote, with the summary (and comparison) it shows."""

    path: Path
    summary: Summary
    progress: Comparison | None = None  # with a last round to compare with


def read_round(path: Path | str) -> tuple[MultiAgencyAssessment, list[PlanRow], RoundInfo]:
    """A merged workbook as one round of the assessment: what the agencies answered, the action plan, and which
    merge it is (what compare, report --compare, migrate and generate --prefill read). The plan is the group's, as
    its Actions sheet holds it."""
    with no_cycle_collection():  # a national merged workbook: a million objects read, none in a cycle
        workbook = read_merged(path)
    return workbook.assessment, workbook.plan, _round_info(workbook)


def _round_info(workbook: MergedWorkbook) -> RoundInfo:
    meta = workbook.meta
    return RoundInfo(area=meta.get("area", ""), round=meta.get("round", ""), merged_at=workbook.assessment.merged_at,
                     as_of=workbook.assessment.as_of)


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
    day = as_of or assessment.as_of or today or dt.date.today()
    summary = summarise(assessment, as_of=day, actions=as_summary_actions(plan, day))
    progress = None
    if compare_with is not None:
        old, old_plan, old_info = read_round(compare_with)
        progress = compare(old, assessment, old_plan, plan, old_meta=old_info, new_meta=info,
                           old_name=Path(compare_with).name, new_name=source.name)
    html = render(summary, assessment.guideline, progress=progress)
    inputs = (source,) if compare_with is None else (source, Path(compare_with))
    atomic_write(target, lambda tmp: tmp.write_text(html, encoding="utf-8"), force=force, inputs=inputs)
    return ReportOutcome(target, summary, progress)


# --- actions -------------------------------------------------------------------------------------------------


@record
class ActionsOutcome:
    """What `baseline actions` shows or writes: the action list, its heading and the files written."""

    actions: ActionList  # what `baseline actions` shows (its JSON is actions.to_dict())
    heading: str  # area, round, guideline@version and the as-of date, for every output's header
    themes: dict[str, str]  # section id -> its label, for the Theme column
    written: list[Path] = field(default_factory=list)  # with output_dir: one file per owner or agency
    notes: list[str] = field(default_factory=list)  # warnings about the plan as read (a formula in a cell)
    unowned: list[ActionGroup] = field(default_factory=list)  # with output_dir by owner: no file (nobody to send to)


ACTION_FILE_SUFFIXES = {"table": ".xlsx", "markdown": ".md", "csv": ".csv", "json": ".json"}


def actions_file(merged: Path | str, *, by: str = "owner", agencies: Iterable[str] = (), owners: Iterable[str] = (),
                 overdue: bool = False, as_of: dt.date | None = None, today: dt.date | None = None,
                 output_dir: Path | str | None = None,
                 fmt: str = "table", text: Callable[[ActionList, ActionsOutcome], str] | None = None,
                 force: bool = False) -> ActionsOutcome:
    """`baseline actions`: the group's action plan from a merged workbook's Actions sheet, filtered (agency and
    owner names compared without case or spacing; an unknown one is a BaselineError) and grouped by owner or by
    agency, risks flagged by the agency first within each group. Overdue as of `as_of`, else the workbook's own
    as-of date (as summary and report: the list agrees with its Actions sheet), else `today`.

    With `output_dir`: one file per group, ready to send, named after the owner or agency: an .xlsx for `fmt`
    "table", otherwise `text(one-group list, outcome)` in a .md/.csv/.json file. Nothing is written if any of them exists
    (unless `force`); each is written atomically."""
    with no_cycle_collection():
        workbook = read_merged(merged)
    plan = workbook.plan
    agencies, owners = list(agencies), list(owners)
    check_agency_filter(agencies, list(dict.fromkeys([*workbook.assessment.agency_names, *(r.agency for r in plan)])))
    _check_owner_filter(owners, plan)
    as_of = as_of or workbook.as_of or today or dt.date.today()
    listed = list_plan(plan, as_of, by=by, agencies=agencies or None, owners=owners or None, overdue=overdue,
                       risk_first_order=True)
    guideline = workbook.assessment.guideline
    where = [workbook.meta.get("area", ""), f"round {workbook.meta['round']}" if workbook.meta.get("round") else ""]
    heading = " · ".join([*filter(None, where), guideline.ref, f"actions as of {as_of:%d/%m/%Y}"])
    outcome = ActionsOutcome(listed, heading, {s.id: s.label for s in guideline.sections},
                             notes=[str(p) for p in workbook.warnings])
    if output_dir is not None:
        outcome.written = _write_action_files(outcome, Path(output_dir), fmt, text, force)
    return outcome


def _check_owner_filter(owners: list[str], plan: list[PlanRow]) -> None:
    known = {owner_name(r.owner).casefold(): owner_name(r.owner) for r in plan}
    unknown = [o for o in owners if owner_name(o).casefold() not in known]
    if unknown:
        raise BaselineError(f"No owner named {', '.join(map(repr, unknown))} in the action plan. "
                            f"Owners: {', '.join(sorted(set(known.values()), key=str.casefold)) or 'none'}.")


def _write_action_files(outcome: ActionsOutcome, folder: Path, fmt: str, text: Callable[[ActionList, ActionsOutcome], str] | None,
                        force: bool) -> list[Path]:
    """One file per group; actions without an owner get no file ("(no owner)" is nobody to send it to): they are
    left in `outcome.unowned`, for the facilitator to give an owner."""
    listed = outcome.actions
    outcome.unowned = [group for group in listed.groups if group.owner == NO_OWNER]
    groups = [group for group in listed.groups if group.owner != NO_OWNER]
    suffix = ACTION_FILE_SUFFIXES[fmt]
    taken: set[str] = set()
    names = [Path(safe_filename(group.name, taken)).with_suffix(suffix).name for group in groups]
    targets = [folder / name for name in names]
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        raise BaselineError(f"{len(existing)} of the files to write already exist ({', '.join(map(str, existing[:3]))}"
                            f"{' …' if len(existing) > 3 else ''}); nothing was written. Use --force to overwrite them.")
    folder.mkdir(parents=True, exist_ok=True)
    for group, target in zip(groups, targets):
        if text is None:
            with cycles_freed():  # each workbook (xlsxwriter's) a web of cycles: one per owner, freed as it is done
                write_action_list_workbook(target, group, heading=outcome.heading, themes=outcome.themes, force=True)
        else:
            one = ActionList(listed.by, listed.as_of, [group])
            atomic_write(target, lambda tmp, one=one: tmp.write_text(text(one, outcome), encoding="utf-8"), force=True)
    return targets


# --- rounds: compare, migrate, prefill --------------------------------------------------------------------------


def compare_files(old: Path | str, new: Path | str) -> Comparison:
    """`baseline compare OLD NEW`: progress between two merged workbooks of one guideline version (else a
    BaselineError that says how to `baseline migrate` the older one across)."""
    (then, then_plan, then_info), (now, now_plan, now_info) = read_round(old), read_round(new)
    comparison = compare(then, now, then_plan, now_plan, old_meta=then_info, new_meta=now_info, old_name=str(old),
                         new_name=str(new))
    if _same_file(Path(old), Path(new)) or _same_content(Path(old), Path(new)):
        comparison.notes.append(f"{old} and {new} are the same workbook: nothing can have changed. Give last "
                                "round's merged workbook first, then this round's.")
    return comparison


def _same_content(a: Path, b: Path) -> bool:
    """Two copies of one workbook (same bytes): comparing them shows no progress."""
    return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()


@record(frozen=True)
class MigrationOutcome:
    """The workbook `baseline migrate` wrote, its kind, and what became of the answers."""

    path: Path  # the workbook written
    kind: str  # "return" or "merged"
    report: MigrationReport


def migrate_file(source: Path | str, target: str, output: Path | str, *, force: bool = False,
                 generated_at: dt.datetime | None = None) -> MigrationOutcome:
    """`baseline migrate FILE --to GUIDELINE@VERSION -o OUT`: a return (agency workbook) or a merged workbook moved
    to another version of its guideline. Answers (and the group's actions) of the recommendations both versions
    share are kept; new recommendations are blank and flagged; what the target no longer has goes to the report
    and to a `Removed` sheet in OUT."""
    source, output = Path(source), Path(output)
    if output.suffix.lower() != ".xlsx":
        raise BaselineError(f"{output}: the migrated workbook must be an .xlsx file.")
    if output.resolve() == source.resolve():
        raise BaselineError(f"{output} is the file being migrated: give another output file (-o).")
    refuse_overwrite(output, force)
    new_guideline = catalogue.load(target)
    if is_merged_workbook(source):
        previous, previous_plan, info = read_round(source)
        _check_not_same(previous.guideline, new_guideline, source)
        assessment, plan, report = migrate_assessment(previous, new_guideline, previous_plan)
        summary = summarise(assessment, as_of=info.as_of, actions=as_summary_actions(plan, info.as_of))
        write_merged_workbook(output, assessment, summary, plan=plan, force=force, inputs=(source,),
                              migration=report)
        return MigrationOutcome(output, "merged", report)
    result = read_return(source)
    agency_return = result.agency_return
    if agency_return is None or not result.report.valid:
        problems = [Problem(str(source), i.position, i.message)
                    for i in result.report.errors]
        raise BaselineError(f"{source} cannot be migrated until its errors are fixed (see `baseline validate`).",
                            problems)
    old_guideline = catalogue.find_by_fingerprint(agency_return.guideline, agency_return.version,
                                                  agency_return.fingerprint)
    if old_guideline is None:  # the reader has already said so; kept as a guard
        raise BaselineError(f"{source} is of {agency_return.guideline}@{agency_return.version}, which this "
                            "installation does not have.")
    _check_not_same(old_guideline, new_guideline, source)
    migrated, report = migrate_return(agency_return, old_guideline, new_guideline)
    write_agency_workbook(output, new_guideline, force=force, agency=migrated.agency, sectors=migrated.sectors,
                          area=migrated.area, round=migrated.round, prefill=migrated.answers, migration=report,
                          generated_at=generated_at or dt.datetime.now(dt.timezone.utc))
    return MigrationOutcome(output, "return", report)


def _check_not_same(old: Guideline, new: Guideline, source: Path) -> None:
    if (old.guideline.upper(), old.version) == (new.guideline.upper(), new.version):
        raise BaselineError(f"{source} is already of {new.ref}: nothing to migrate.")


__all__ = ["LoadedReturns", "MergeOutcome", "SummaryOutcome", "ReportOutcome", "GeneratedWorkbook", "Assessment",
           "report_file", "load_returns", "validate_files", "track_returns",
           "merge_files", "merge_returns_in", "assessment_from_files", "summarise_files", "generate_workbooks",
           "generate_workbook", "compare_files", "migrate_file", "read_round",
           "read_prefill", "MigrationOutcome", "PrefillSource", "check_against_config", "check_agency_filter",
           "load_config"]
