"""Expected vs received: which agencies of the assessment config have sent back a usable return (`baseline status`),
and the config-aware issues `validate`, `merge` and `summary` raise when given `--config`. Pure: data in, data out;
no file is opened and no clock is read (`as_of` is passed in).

Each returned file arrives as a `ReceivedFile`, filled by the caller from what the readers found. A file is placed
with its agency by the agency stamped in it, or, when it carries none (NICE's own tool, a CSV export), by the
config's `files` patterns. Files of another area or guideline, of an agency not in the config, or that cannot be
placed are listed as unexpected, each with the reason.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from typing import Iterable, Sequence

from baseline.config import Agency, AmbiguousFile, AssessmentConfig, Contact, agency_for_file
from baseline.guideline import Guideline
from baseline.issues import ERROR, FileReport, Issue, make_issue
from baseline.records import record
from baseline.text import name_key as agency_key  # the one name rule (merge.agency_key is the same)

VALID = "valid"
INVALID = "invalid"
BLANK = "blank"
DUPLICATE = "duplicate"
MISSING = "missing"
STATES = (VALID, INVALID, BLANK, DUPLICATE, MISSING)  # display and JSON order

# Why a file is unexpected (kept for renderers and tests; the JSON carries the sentence only).
OTHER_AREA = "other-area"
OTHER_GUIDELINE = "other-guideline"
UNEXPECTED_AGENCY = "unexpected-agency"
AMBIGUOUS = "ambiguous"
UNPLACED = "unplaced"

_MAX_ERRORS_SHOWN = 3  # the chase list names the first few errors of an invalid return; validate lists them all


@record(frozen=True)
class ReceivedFile:
    """One returned file, as the readers found it."""

    path: str
    agency: str | None = None  # the agency stamped in the file (or given by --as-agency); None when it names none
    area: str | None = None  # the area stamped in the file; None or "" when it carries none
    guideline: str | None = None  # "NG225"
    version: str | None = None  # "2022-09-07"
    valid: bool = True  # no errors
    blank: bool = False  # read, and no recommendation answered
    errors: int = 0
    warnings: int = 0
    answered: int = 0  # recommendations with an answer
    total: int = 0  # recommendations the workbook lists
    last_saved: dt.datetime | None = None  # the file's own last-saved time (never the blank workbook's stamp)
    completed_by: str = ""  # the names in the Completed by column
    reason: str | None = None  # why the file could not be read or placed, in one sentence (e.g. skipped, unreadable)
    issues: tuple[Issue, ...] = ()  # the file's validation issues: the chase list names the first errors
    skipped: bool = False  # not a workbook at all (a note, a PDF, a folder): never any agency's return

    @classmethod
    def from_report(cls, report: FileReport, **found) -> "ReceivedFile":
        """Path, agency, guideline, version, validity, error and warning counts and issues from `validate`'s
        FileReport; the rest (area, blank, answered, total, last_saved, completed_by, reason) as keywords."""
        return cls(path=report.path, agency=report.agency, guideline=report.guideline, version=report.version,
                   valid=report.valid, errors=len(report.errors), warnings=len(report.warnings),
                   issues=tuple(report.issues), **found)


@record(frozen=True)
class UnexpectedFile:
    """A received file that is not the return of an agency the config expects, and why."""

    path: str
    reason: str  # a sentence for the facilitator: what the file is and what to do
    kind: str  # OTHER_AREA, OTHER_GUIDELINE, UNEXPECTED_AGENCY, AMBIGUOUS or UNPLACED

    def to_dict(self) -> dict:
        return {"path": self.path, "reason": self.reason}


@record(frozen=True)
class AgencyRow:
    """One agency of the config and what it has sent."""

    agency: str
    sectors: tuple[str, ...]
    state: str
    overdue: bool
    files: tuple[ReceivedFile, ...]  # oldest first by last-saved time
    shown: ReceivedFile | None  # the file whose figures are shown (for a duplicate: the one --latest would keep)
    contact: Contact | None = None
    problems: tuple[str, ...] = ()  # what is wrong with the return or worth checking, in sentences for the facilitator

    def to_dict(self) -> dict:
        shown = self.shown
        return {
            "agency": self.agency,
            "sectors": list(self.sectors),
            "state": self.state,
            "overdue": self.overdue,
            "files": [{"path": f.path, "last_saved": f.last_saved.isoformat() if f.last_saved else None,
                       "completed_by": f.completed_by} for f in self.files],
            "answered": shown.answered if shown else None,
            "total": shown.total if shown else None,
            "errors": shown.errors if shown else None,
            "warnings": shown.warnings if shown else None,
        }


@record(frozen=True)
class TrackerReport:
    """`baseline status`: which of the config's agencies have sent their return, and what else came in."""

    area: str
    round: str | None
    guideline: str
    version: str
    return_by: dt.date
    as_of: dt.date
    agencies: tuple[AgencyRow, ...]  # in config order
    unexpected: tuple[UnexpectedFile, ...] = ()

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATES, 0)
        for row in self.agencies:
            counts[row.state] += 1
        return counts

    @property
    def complete(self) -> bool:
        """Every agency has a valid return: `baseline status` exits 0 only then."""
        return all(row.state == VALID for row in self.agencies)

    def to_dict(self) -> dict:
        return {
            "area": self.area,
            "round": self.round,
            "guideline": self.guideline,
            "version": self.version,
            "return_by": self.return_by.isoformat(),
            "as_of": self.as_of.isoformat(),
            "counts": self.counts,
            "agencies": [row.to_dict() for row in self.agencies],
            "unexpected": [u.to_dict() for u in self.unexpected],
        }


# --- placing files ----------------------------------------------------------------------------------------------


def place_file(config: AssessmentConfig, guideline: Guideline, received: ReceivedFile) -> Agency | UnexpectedFile:
    """The config agency a file belongs to, or why it belongs to none."""
    if received.skipped:
        return UnexpectedFile(received.path, received.reason or "Not a workbook: not read.", UNPLACED)
    if received.guideline and (received.guideline.casefold() != guideline.guideline.casefold()
                               or (received.version and received.version != guideline.version)):
        found = f"{received.guideline}@{received.version}" if received.version else received.guideline
        same = received.guideline.casefold() == guideline.guideline.casefold()
        todo = ("move its answers across with `baseline migrate`, or send the agency this round's workbook"
                if same else "leave it out, or send the agency this round's workbook")
        return UnexpectedFile(received.path, f"It is an assessment of {found}; this round assesses {guideline.ref}: "
                                             f"{todo}.", OTHER_GUIDELINE)
    if is_other_area(config, received):
        return UnexpectedFile(received.path, other_area_message(config, received), OTHER_AREA)
    if received.agency:
        agency = config.agency_named(received.agency)
        if agency is None:
            return UnexpectedFile(received.path, unexpected_agency_message(config, received.agency), UNEXPECTED_AGENCY)
        return agency
    match = agency_for_file(config, received.path)
    if isinstance(match, AmbiguousFile):
        return UnexpectedFile(received.path, match.message, AMBIGUOUS)
    if match is None:
        reason = received.reason or ("It names no agency, and its name matches none of the config's files patterns: "
                                     "add a pattern to the agency it belongs to.")
        return UnexpectedFile(received.path, reason, UNPLACED)
    return match


def is_other_area(config: AssessmentConfig, received: ReceivedFile) -> bool:
    return bool(received.area) and agency_key(received.area or "") != agency_key(config.area)


def common_stamp(values: Iterable[str]) -> str:
    """The area (or round) most returns were generated for, as first written ("" when none says one): the
    assessment's own when no config names it. A tie goes to the one seen first."""
    counts: dict[str, int] = {}
    shown: dict[str, str] = {}
    for value in values:
        if value and value.strip():
            key = agency_key(value)
            counts[key] = counts.get(key, 0) + 1
            shown.setdefault(key, " ".join(value.split()))
    return shown[max(counts, key=counts.__getitem__)] if counts else ""


def area_issues(received: Iterable[ReceivedFile]) -> list[Issue]:
    """Without a config: returns generated for another area than the one most of them share (other-area errors).
    Returns that name no area (NICE's own tool) agree with any."""
    received = list(received)
    area = common_stamp(f.area or "" for f in received)
    issues = []
    for f in received:
        if f.area and agency_key(f.area) != agency_key(area):
            others = sum(1 for g in received if g.area and agency_key(g.area) == agency_key(area))
            issues.append(make_issue("other-area", (
                f"This workbook was generated for {f.area}, but {others} other return{'s are' if others != 1 else ' is'}"
                f" for {area}: one assessment is of one area. Leave out the other area's returns, or give --config "
                f"CONFIG.yaml to say which area this assessment is of."), file=f.path))
    return issues


# --- resubmissions ----------------------------------------------------------------------------------------------


def _comparable(moment: dt.datetime) -> dt.datetime:
    # A last-saved time without a zone (ODS meta often has none) is taken as UTC so that it can be compared at all.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def saved_text(moment: dt.datetime | None) -> str:
    """"2027-01-27 09:12 UTC" (or without "UTC" when the file did not say), "unknown" when the file has none."""
    if moment is None:
        return "unknown"
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M")
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def by_last_saved(files: Iterable[ReceivedFile]) -> tuple[ReceivedFile, ...]:
    """Oldest first by each file's own last-saved time; files that do not say come last, by path."""
    return tuple(sorted(files, key=lambda f: (f.last_saved is None,
                                              _comparable(f.last_saved) if f.last_saved else None, f.path)))


def choose_latest(files: Sequence[ReceivedFile]) -> ReceivedFile | None:
    """The file saved last, by each file's own last-saved time; None when a time is missing or the latest is tied."""
    times = [f.last_saved for f in files]
    if not files or None in times:
        return None
    ordered = sorted(zip((_comparable(t) for t in times if t), files), key=lambda pair: pair[0])
    if len(ordered) > 1 and ordered[-1][0] == ordered[-2][0]:
        return None
    return ordered[-1][1]


def duplicate_message(agency: str, files: Sequence[ReceivedFile]) -> str:
    """Two or more returns for one agency: each with its last-saved time and Completed by, and only the ways out
    that can work (--latest only when the last-saved times tell the files apart). Oldest first."""
    files = by_last_saved(files)
    listed = "; ".join(f"{f.path} (last saved {saved_text(f.last_saved)}, "
                       f"Completed by: {f.completed_by or 'not given'})" for f in files)
    latest = choose_latest(files)
    if latest is not None:
        way_out = f"Merge with --latest to keep {latest.path} (saved last), or with --keep FILE to choose."
    else:
        why = ("their last-saved times are the same" if all(f.last_saved for f in files)
               else "a last-saved time is missing")
        way_out = f"--latest cannot choose ({why}): merge with --keep FILE to choose, or remove one."
    return (f"{len(files)} returns for agency {agency!r}: {listed}. If different people filled them in, check which "
            f"is the agency's answer before choosing. {way_out}")


def duplicate_issue(agency: str, files: Sequence[ReceivedFile]) -> Issue:
    return make_issue("duplicate-agency", duplicate_message(agency, files), file=by_last_saved(files)[-1].path)


def choose_return(files: Sequence[ReceivedFile], *, keep: Iterable[str] = (),
                  latest: bool = False) -> ReceivedFile | None:
    """The one return to use among an agency's files: the only one; the one named by --keep (by path as given or
    by file name); else, with --latest, the one saved last. None when it stays undecided (report duplicate_issue)."""
    if len(files) == 1:
        return files[0]
    keep = [k for k in keep if k]
    kept = ([f for f in files if any(_same_path(f.path, k) for k in keep)]
            or [f for f in files if any(_same_name(f.path, k) for k in keep)])
    if len(kept) == 1:
        return kept[0]
    return choose_latest(files) if latest and not kept else None


def kept_by(path: str, keep: str) -> bool:
    """Does `--keep KEEP` name this file: its path as given ("./" and doubled slashes aside) or its file name?"""
    return _same_path(path, keep) or _same_name(path, keep)


def _same_path(path: str, keep: str) -> bool:
    return posixpath.normpath(path.replace("\\", "/")) == posixpath.normpath(keep.replace("\\", "/"))


def _same_name(path: str, keep: str) -> bool:
    return _file_name(path).casefold() == _file_name(keep).casefold()


def _file_name(path: str) -> str:
    return re.split(r"[\\/]", path)[-1]


# --- the tracker ------------------------------------------------------------------------------------------------


def track_returns(config: AssessmentConfig, guideline: Guideline, files: Iterable[ReceivedFile],
                  as_of: dt.date) -> TrackerReport:
    """One row per agency of the config (valid, invalid, blank, duplicate or missing; overdue when past return_by
    and not valid), then the files that belong to none of them."""
    by_agency: dict[str, list[ReceivedFile]] = {agency_key(a.name): [] for a in config.agencies}
    unexpected: list[UnexpectedFile] = []
    for received in files:
        placed = place_file(config, guideline, received)
        if isinstance(placed, UnexpectedFile):
            unexpected.append(placed)
        else:
            by_agency[agency_key(placed.name)].append(received)
    late = as_of > config.return_by
    rows = tuple(_row(config, agency, by_agency[agency_key(agency.name)], late) for agency in config.agencies)
    return TrackerReport(area=config.area, round=config.round, guideline=guideline.guideline,
                         version=guideline.version, return_by=config.return_by, as_of=as_of, agencies=rows,
                         unexpected=tuple(unexpected))


def _row(config: AssessmentConfig, agency: Agency, files: list[ReceivedFile], late: bool) -> AgencyRow:
    ordered = by_last_saved(files)
    if not ordered:
        state, shown, problems = MISSING, None, ("No return has been received.",)
    elif len(ordered) > 1:
        state, shown = DUPLICATE, choose_latest(ordered)
        problems = (duplicate_message(agency.name, ordered),)
    else:
        shown = ordered[0]
        state = INVALID if not shown.valid else BLANK if shown.blank else VALID
        problems = _problems(shown, state)
    # A return that looks filled in by another agency stays in its state, with the warning to check it.
    problems += tuple(issue.message for f in ordered for issue in agency_mismatch_issues(config, f))
    return AgencyRow(agency=agency.name, sectors=tuple(agency.sector_ids), state=state,
                     overdue=late and state != VALID, files=ordered, shown=shown, contact=agency.contact,
                     problems=problems)


def _problems(received: ReceivedFile, state: str) -> tuple[str, ...]:
    if state == BLANK:
        return (f"{received.path} came back with no answers: ask the agency to fill it in and send it again.",)
    if state != INVALID:
        return ()
    out = []
    if received.reason:
        out.append(f"{received.path}: {received.reason}")
    errors = [i for i in received.issues if i.severity == ERROR]
    for issue in errors[:_MAX_ERRORS_SHOWN]:
        where = f" {issue.position}" if issue.position else ""
        out.append(f"{received.path}{where}: {issue.message}")
    rest = max(received.errors, len(errors)) - min(len(errors), _MAX_ERRORS_SHOWN)
    validate = f"`baseline validate {received.path}` lists each with its cell"
    if rest > 0:
        more = "more " if errors else ""
        out.append(f"{received.path}: {rest} {more}error{'s' if rest != 1 else ''}; {validate}.")
    elif not out:
        out.append(f"{received.path} is not valid: {validate}.")
    return tuple(out)


# --- config-aware issues for validate, merge and summary --------------------------------------------------------


def other_area_message(config: AssessmentConfig, received: ReceivedFile) -> str:
    return (f"This workbook was generated for {received.area}, but this assessment is of {config.area}: it is another "
            f"area's return. Leave it out, or ask {received.agency or 'the agency'} to fill in the {config.area} "
            f"workbook.")


def unexpected_agency_message(config: AssessmentConfig, agency: str) -> str:
    return (f"This return is for agency {agency!r}, which is not in the assessment config of {config.area}. If it "
            f"belongs to this assessment, add it to the config's agencies (check the spelling against the config); "
            f"otherwise leave the file out.")


def _words(text: str) -> list[str]:
    # Apostrophes dropped and "&" read as "and", as `generate` does for file names ("Children's" -> "childrens").
    text = re.sub(r"['\u2019]", "", text.casefold()).replace("&", " and ")
    return re.findall(r"[^\W_]+", text)


def _contains(words: list[str], name: list[str]) -> bool:
    n = len(name)
    return n > 0 and any(words[i:i + n] == name for i in range(len(words) - n + 1))


def agencies_named_in(config: AssessmentConfig, text: str) -> list[Agency]:
    """The config agencies whose full name appears in the text, word for word (case, spacing and punctuation
    aside: "north-camhs-v2.xlsx" names "North CAMHS"); where one name lies inside another, the longer is meant."""
    words = _words(text)
    named = [a for a in config.agencies if _contains(words, _words(a.name))]
    return [a for a in named
            if not any(len(_words(b.name)) > len(_words(a.name)) and _contains(_words(b.name), _words(a.name))
                       for b in named)]


def agency_mismatch_issues(config: AssessmentConfig, received: ReceivedFile) -> list[Issue]:
    """The file name or Completed by names another agency of the config than the one the workbook is for: one
    agency may have filled in another's workbook, and its answers would be counted as the other's."""
    own = config.agency_named(received.agency) if received.agency else None
    if own is None:
        return []
    issues = []
    file_name = _file_name(received.path)
    # The config's files patterns, where one matches, say whose file this is; otherwise the agency names in it.
    by_pattern = agency_for_file(config, file_name)
    named = [by_pattern] if isinstance(by_pattern, Agency) else agencies_named_in(config, file_name)
    if named and own not in named:
        others = " and ".join(repr(a.name) for a in named)
        issues.append(make_issue("agency-mismatch", (
            f"The file name {file_name!r} points to {others}, but the workbook inside was generated for "
            f"{own.name!r} (Completed by: {received.completed_by or 'not given'}). {_mismatch_advice(others, own)}"),
            file=received.path))
    named = agencies_named_in(config, received.completed_by) if received.completed_by else []
    if named and own not in named:
        others = " and ".join(repr(a.name) for a in named)
        issues.append(make_issue("agency-mismatch", (
            f"Completed by ({received.completed_by}) names {others}, but this workbook was generated for "
            f"{own.name!r}. {_mismatch_advice(others, own)}"), file=received.path))
    return issues


def _mismatch_advice(others: str, own: Agency) -> str:
    return (f"If {others} filled in the workbook meant for {own.name!r}, its answers would be counted for "
            f"{own.name!r}: check with both agencies, and send each its own workbook.")


def file_config_issues(config: AssessmentConfig, received: ReceivedFile) -> list[Issue]:
    """What `--config` adds to a file's issues: another area's return (error), an agency not in the config (error),
    a workbook filled in by another agency of the config (warning)."""
    if is_other_area(config, received):
        return [make_issue("other-area", other_area_message(config, received), file=received.path)]
    if received.agency and config.agency_named(received.agency) is None:
        return [make_issue("unexpected-agency", unexpected_agency_message(config, received.agency),
                           file=received.path)]
    return agency_mismatch_issues(config, received)


# The codes --config adds: shown by merge and summary even when they only warn.
CONFIG_CODES = ("other-area", "unexpected-agency", "agency-mismatch", "missing-agency")


def agencies_returned(config: AssessmentConfig, guideline: Guideline, received: Iterable[ReceivedFile]) -> list[str]:
    """The config agencies that sent a file of this assessment (readable or not): the others are missing."""
    placed = (place_file(config, guideline, f) for f in received)
    return [p.name for p in placed if isinstance(p, Agency)]


def missing_agency_issues(config: AssessmentConfig, returned_agencies: Iterable[str]) -> list[Issue]:
    """A warning per config agency with no return among those given (merging what has come in is allowed)."""
    returned = {agency_key(a) for a in returned_agencies if a}
    issues = []
    for agency in config.agencies:
        if agency_key(agency.name) in returned:
            continue
        contact = f" (contact: {agency.contact.name}, {agency.contact.email})" if agency.contact else ""
        issues.append(make_issue("missing-agency", (
            f"No return from {agency.name!r}{contact}: the results leave its answers out. Chase it (`baseline status` "
            f"lists who is missing), or merge what has come in now and add it later with `merge --update`.")))
    return issues


def missing_agencies(config: AssessmentConfig, returned_agencies: Iterable[str]) -> list[str]:
    """The config agencies (names as in the config, config order) with no return among those given: the summary's
    "missing_agencies" and its headline "7 of 8 agencies returned; missing: …"."""
    returned = {agency_key(a) for a in returned_agencies if a}
    return [a.name for a in config.agencies if agency_key(a.name) not in returned]
