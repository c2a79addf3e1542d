"""Reading returns, one by one: the half of workflow.py that writes no workbook and merges nothing (validate,
status, and the reading that combine.py merges and rolls up for `merge` and `summary`).

Kept apart from workflow.py so that `baseline validate` never imports the workbook writers (openpyxl, and numpy
which openpyxl loads when it is installed), and apart from combine.py so that it imports neither the merge, the
summary, the action plan nor the merged workbook's reader: start-up is most of a one-file validate. workflow.py
re-exports every name here, so `workflow.validate_files` stays the one entry point of each command.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import field, replace
from functools import partial
from pathlib import Path
from typing import Callable, Iterable, Iterator

from baseline import catalogue, tracker
from baseline.assessment import AgencyReturn, Answer, answer_from_row, answer_row, forget_cells
from baseline.config import AgencyMap, AssessmentConfig
from baseline.cores import cores_usable, map_in_order
from baseline.files import ExpandedPaths, expand_paths
from baseline.guideline import Guideline
from baseline.issues import ERROR, BaselineError, FileReport, ValidationReport, capped
from baseline.issues import strict as make_strict
from baseline.records import record
from baseline.text import name_key
from baseline.tracker import ReceivedFile, TrackerReport
from baseline.xlsx.returns import ReadResult, read_return

Progress = Callable[[str], None]  # called with each path as it is read
Reader = Callable[[Path], ReadResult]


# --- the facilitator's YAML ----------------------------------------------------------------------------------


def load_config(path: Path | str) -> tuple[AssessmentConfig, Guideline]:
    """Read an assessment config file; BaselineError (every problem with its YAML path) if it is not valid."""
    return catalogue.load_config(path)


@record(frozen=True)
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


@record
class LoadedReturns:
    """The returns read from the paths given, with the validation report and what was read or left out."""

    report: ValidationReport
    returns: list[AgencyReturn] = field(default_factory=list)  # only those read without error
    files_read: int = 0  # files opened (0: the paths held no workbook at all)
    received: list[ReceivedFile] = field(default_factory=list)  # every file accounted for, as the tracker sees it
    left_out: list[Path] = field(default_factory=list)  # given (or in a folder given) but not read: see leave_out


def load_returns(paths: Iterable[str | Path], *, strict: bool = False, progress: Progress | None = None,
                 reader: Reader | None = None, agency_map: AgencyMap | None = None,
                 agencies: Iterable[str] | None = None, keep_answers: bool = True,
                 workers: int | None = None, leave_out: Iterable[Path] = (),
                 meanwhile: Callable[[], object] | None = None, tracked: bool = True,
                 expanded: ExpandedPaths | None = None) -> LoadedReturns:
    """Read and validate each file in turn (a folder stands for the workbooks in it). One bad file never stops the
    others.

    `agency_map` names the agencies of returns that carry none (NICE's own tool). `agencies` is the --agency
    filter: a return of another agency is left out (a file whose agency cannot be told stays in: it may be one of
    them); naming an agency no file has is a BaselineError, so a typo never looks like "all is well".
    `keep_answers=False` keeps only the reports and what the tracker needs (validate), so memory does not grow with
    the answers read. `workers`: processes reading files side by side (None: pool_size decides; 1: in this
    process). The result is the same either way, in the order of the files.
    `leave_out`: files never read as returns (the merge's own output and --update workbook), listed in `left_out`.
    `meanwhile`: set-up the caller needs afterwards, done here while other processes read (cores.map_in_order).
    `tracked=False`: nobody asks what the tracker needs of each file (validate without a config): `received` stays
    empty, and the work of filling it is not done.
    `expanded`: files.expand_paths(paths), where the caller has already made it (the folders are not walked twice).
    """
    wanted = {name_key(a): a for a in agencies or ()}
    expanded = expand_paths(paths) if expanded is None else expanded
    loaded = LoadedReturns(ValidationReport())
    seen: dict[str, str] = {}
    excluded = {p.resolve() for p in leave_out if p.exists()}
    files = [p for p in expanded.files if not (excluded and p.resolve() in excluded)]
    if len(files) < len(expanded.files):  # a set: comparing paths pair by pair grew with the square of the files
        kept = set(files)
        loaded.left_out = [p for p in expanded.files if p not in kept]
    if reader is None:
        reader = partial(read_kept, agency_map=agency_map, keep_answers=keep_answers, tracked=tracked)
        workers = pool_size(len(files)) if workers is None else workers
    else:
        workers = 1  # a reader passed in need not survive pickling to another process
    for path, (result, received) in _read_each(files, reader, progress, workers, meanwhile):
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
        if tracked:
            loaded.received.append(received)
        if keep_answers and result.agency_return is not None and result.report.valid:
            loaded.returns.append(result.agency_return)
    loaded.report.files += expanded.reports  # then what was not read: skipped files, folders without workbooks
    if tracked:
        loaded.received += [ReceivedFile.from_report(r, reason=_first_message(r), skipped=True)
                            for r in expanded.reports]
    check_agency_filter(wanted.values(), seen.values())
    return loaded


# --- reading on every core ---------------------------------------------------------------------------------------

# From this many files on, a forked helper pays (cores.map_in_order: a fork, no import): 8 returns read in 13 ms
# instead of 16, 4 in the same time either way.
POOL_MIN_FILES = 8


def pool_size(files: int) -> int:
    """How many processes read `files` files (this one and its helpers): cores.cores_usable(), from POOL_MIN_FILES
    files on (1, no helper, for fewer)."""
    if files < POOL_MIN_FILES:
        return 1
    return max(1, min(cores_usable(), files))


def read_kept(path: Path, *, agency_map: AgencyMap | None, keep_answers: bool,
              tracked: bool = True) -> tuple[ReadResult, ReceivedFile | None]:
    """read_return and what the tracker needs of it, in this process or a pool's; without the answers when only
    the report is wanted (less to send back between processes, less to keep). The answers kept travel back from a
    pool's process as rows of values (SentAnswers). `tracked=False`: nothing asks what the tracker needs (validate
    without --config): no ReceivedFile (None), and, without the answers either, the file's last-saved time (which
    only the tracker and the answers' readers use) is not read."""
    result = read_return(path, agencies=agency_map, saved_time=tracked or keep_answers)
    received = received_file(result) if tracked else None
    if not keep_answers:
        return ReadResult(result.report, None), received
    if result.agency_return is not None:
        result.agency_return.answers = SentAnswers(result.agency_return.answers)
    return result, received


class SentAnswers(dict):
    """A return's answers (recommendation id -> Answer) just read (read_kept), without the cells each was read from
    (nothing after reading uses those: merge_returns drops them): emptied here, in this process, and left out when
    they pickle as rows of plain values back from a pool's process. Slotted, frozen answers unpickle one attribute
    at a time: as rows, the answers of 200 returns come back from a pool in half the time, and the merge has no
    cells to drop. Unpickled, they are a plain dict again, each answer rebuilt slot by slot
    (assessment.answer_from_row)."""

    def __init__(self, answers: dict[str, Answer]):
        super().__init__(answers)
        forget_cells(self.values())  # (the answers were made by this very read: nothing else holds them)

    def __reduce__(self):
        return _answers_from_rows, (list(self), list(map(answer_row, self.values())))


def _answers_from_rows(rec_ids: list[str], rows: list[tuple]) -> dict[str, Answer]:
    return dict(zip(rec_ids, map(answer_from_row, rows)))  # (tests/test_sent_answers.py: the round trip)


def _read_each(files: list[Path], reader: Callable, progress: Progress | None, workers: int,
               meanwhile: Callable[[], object] | None) -> Iterator[tuple[Path, tuple[ReadResult, ReceivedFile]]]:
    """(path, (result, received)) for each file, in order, read on `workers` processes (cores.map_in_order: a pool
    that cannot start or breaks leaves the rest to this process, so every file is still read, once). read_return
    never raises, so a worker's result is what this process would have got."""
    for path, answer in zip(files, map_in_order(reader, files, workers, meanwhile=meanwhile)):
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
                   agencies: Iterable[str] | None = None, config: Path | str | None = None,
                   meanwhile: Callable[[], object] | None = None) -> ValidationReport:
    """`baseline validate`: one report per file, every file accounted for (a missing path or a folder without
    workbooks is reported, not raised, so the other files are still checked). `strict` turns every warning into an
    error. With `config` (an assessment config file): its `files` name the agencies of returns that carry none, and
    returns of another area, of an agency not in it or filled in by the wrong agency, and agencies with no return,
    are issues too. `meanwhile`: see load_returns."""
    assessment = Assessment.load(config)
    names = assessment.names(agency_map) if assessment else agency_map
    loaded = load_returns(paths, strict=strict, agency_map=names, agencies=agencies, keep_answers=False,
                          meanwhile=meanwhile, tracked=assessment is not None)
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
