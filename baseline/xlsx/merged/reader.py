"""A merged workbook read back losslessly: the assessment it was written from, and the group's action plan.

Reading needs only `_baseline`, `Sources`, `All answers` (what the returns said) and `Actions` (the group's plan),
each table found by header text like the agency reader, so people may sort, filter, add columns or re-save in
LibreOffice; the other sheets are for people.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import field
from itertools import chain, islice
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, TypeVar

from python_calamine import CalamineWorkbook

from baseline import __version__, catalogue
from baseline.actions import (
    ActionKey,
    PlanRow,
    ReturnedFields,
    agency_code,
    check_unique_ids,
    coded_action_id,
    link_actions,
    mark_orphans,
    plan_order,
)
from baseline.assessment import Answer, YesNo
from baseline.checks import (
    ANSWER_FIELDS,
    NOT_A_DATE,
    VOCABULARIES,
    formula_value,
    looks_like_a_date,
    parse_choice,
    parse_date,
)
from baseline.guideline import Guideline
from baseline.issues import BaselineError, Problem
from baseline.merge import AgencySource, MultiAgencyAssessment, RecommendationResult, agency_key
from baseline.records import record
from baseline.text import or_list, quote, squash
from baseline.xlsx.agency.layout import META_SHEET
from baseline.xlsx.cells import cell_text, column_letter, find_header_row, normalise_header
from baseline.xlsx.merged.layout import (
    ACTIONS_COLUMNS,
    ACTIONS_OLD_HEADERS,
    ACTIONS_REQUIRED,
    ACTIONS_SHEET,
    ANSWER_TEXT_KEYS,
    ANSWERS_COLUMNS,
    ANSWERS_REQUIRED,
    ANSWERS_SHEET,
    HEADER_SEARCH_ROWS,
    KIND,
    MERGED_FORMAT,
    META_ORDER,
    PLAN_DIGESTS_SHEET,
    SOURCES_COLUMNS,
    SOURCES_REQUIRED,
    SOURCES_SHEET,
    MergedColumn,
)
from baseline.xlsx.package import formula_cells
from baseline.xlsx.untrusted import CheckedFile, FileRefused, check_untrusted


def _open_checked(path: Path) -> tuple[CheckedFile, Any]:
    """Safety checks on the bytes (a merged workbook can come from anyone), then python-calamine on those bytes;
    the checked file stays open for its formulas (the caller closes both)."""
    try:
        # Only the sheets read here are measured: a sheet calamine never parses is never allocated.
        checked = check_untrusted(path, sheets=(META_SHEET, SOURCES_SHEET, ANSWERS_SHEET, ACTIONS_SHEET,
                                                PLAN_DIGESTS_SHEET))
    except FileRefused as refused:
        raise BaselineError(f"{path}: {refused.message}") from None
    try:
        return checked, CalamineWorkbook.from_filelike(io.BytesIO(checked.data))
    except Exception as exc:  # calamine raises several types for damaged files; all mean "cannot read it"
        checked.close()
        raise BaselineError(f"{path} cannot be read as a workbook: {str(exc).strip() or type(exc).__name__}") from None


def _open(path: Path):
    checked, workbook = _open_checked(path)
    checked.close()
    return workbook


def _rows(workbook, sheet: str) -> Iterator[list[Any]]:
    """A sheet's values row by row from A1 on (empty leading rows and columns kept, so indexes are cell positions),
    as `to_python(skip_empty_area=False)` gives them, but each row made only as it is read: a merged workbook's
    All answers holds a row per agency and recommendation, and its whole grid as Python lists was most of the memory
    a re-merge took."""
    data = workbook.get_sheet_by_name(sheet)
    start = data.start
    if start is None:  # an empty sheet
        return iter(())
    rows = data.iter_rows()  # leading empty rows come as empty rows, but the range starts at its first column
    if not start[1]:
        return iter(rows)
    padding = [""] * start[1]
    return (padding + row for row in rows)


def _read_meta(workbook, path: Path) -> dict[str, str]:
    if META_SHEET not in workbook.sheet_names:
        raise BaselineError(f"{path} is not a merged baseline workbook (it has no {META_SHEET} sheet). "
                            f"Make one with `baseline merge`.")
    meta = {}
    for row in _rows(workbook, META_SHEET):
        if len(row) >= 2 and cell_text(row[0]).strip():
            meta[cell_text(row[0]).strip()] = cell_text(row[1]).strip()
    kind = meta.get("kind", "")
    if kind != KIND:
        if meta.get("agency"):
            raise BaselineError(f"{path} is an agency workbook ({meta['agency']}), not a merged baseline workbook.")
        raise BaselineError(f"{path} is not a merged baseline workbook (its {META_SHEET} sheet does not say "
                            f"kind={KIND}).")
    try:
        version = int(meta.get("format", ""))
    except ValueError:
        raise BaselineError(f"{path}: its {META_SHEET} sheet has no readable format number.") from None
    if version > MERGED_FORMAT:
        raise BaselineError(f"{path} was made by a newer baseline (merged format {version}, tool "
                            f"{meta.get('tool_version', '?')}); this is baseline {__version__}. Upgrade to read it.")
    missing = [key for key in ("guideline", "version", "fingerprint") if not meta.get(key)]
    if missing:
        raise BaselineError(f"{path}: its {META_SHEET} sheet lacks {', '.join(missing)}.")
    return meta


def _resolve_guideline(meta: dict[str, str], path: Path) -> Guideline:
    guideline = catalogue.find_by_fingerprint(meta["guideline"], meta["version"], meta["fingerprint"])
    if guideline is None:
        raise BaselineError(
            f"{path} was merged from {meta['guideline']}@{meta['version']} (fingerprint {meta['fingerprint']}), "
            f"which this installation does not have. Put that encoding (recommendations/"
            f"{meta['guideline'].lower()}/{meta['version']}.yaml with the same recommendations) in a directory "
            f"named by $BASELINE_RECOMMENDATIONS."
        )
    return guideline


@record
class _Table:
    """One table of a merged workbook as read: its sheet, header row, column positions and rows."""

    sheet: str
    header_row: int  # 1-based
    positions: dict[str, int]  # column key -> 0-based index
    rows: Iterable[list[Any]]  # the rows below the header, read once

    def get(self, row: list[Any], key: str) -> Any:
        index = self.positions.get(key)
        return row[index] if index is not None and index < len(row) else None

    def getter(self, key: str) -> Callable[[list[Any]], Any]:
        """`get` of one column, its position looked up once: the tables have a row per agency and recommendation."""
        index = self.positions.get(key)
        if index is None:
            return lambda row: None
        return lambda row: row[index] if index < len(row) else None

    def cell(self, offset: int, key: str) -> str:
        """"E7"-style reference of a value, for messages."""
        return f"{column_letter(self.positions[key])}{self.header_row + 1 + offset}"


def _find_table(workbook, sheet: str, columns: tuple[MergedColumn, ...], required: tuple[str, ...],
                path: Path) -> _Table:
    if sheet not in workbook.sheet_names:
        raise BaselineError(f"{path} is marked as a merged workbook but has no {sheet!r} sheet.")
    rows = _rows(workbook, sheet)
    head = list(islice(rows, HEADER_SEARCH_ROWS))  # where the header is looked for
    wanted = {normalise_header(c.header): c.key for c in columns}
    found = find_header_row(head, lambda text: wanted.get(normalise_header(text)), search_rows=HEADER_SEARCH_ROWS,
                            accept=lambda positions: all(key in positions for key in required))
    if found is None:
        raise BaselineError(_missing_columns(path, sheet, head, columns, required, wanted))
    return _Table(sheet, found.row + 1, found.columns, chain(head[found.row + 1:], rows))


def _missing_columns(path: Path, sheet: str, rows: list[list[Any]], columns: tuple[MergedColumn, ...],
                     required: tuple[str, ...], wanted: dict[str, str]) -> str:
    """Which required columns the sheet's likeliest header row (the one with most of them) lacks, by name: a
    renamed header is then one edit to undo, not a hunt."""
    headers = {c.key: c.header for c in columns if c.key in required}
    best_row, best = None, set()
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        keys = {wanted.get(normalise_header(cell_text(value))) for value in row} & set(required)
        if len(keys) > len(best):
            best_row, best = index, keys
    if best_row is None:
        return f"{path}: the {sheet!r} sheet has no header row with the columns {', '.join(headers.values())}."
    missing = [headers[key] for key in required if key not in best]
    plural = len(missing) > 1
    return (f"{path}: the {sheet!r} sheet's header row (row {best_row + 1}) has no {', '.join(map(repr, missing))} "
            f"column{'s' if plural else ''}: give {'them' if plural else 'it'} back {'their' if plural else 'its'} "
            "header text (a renamed header cannot be matched).")


def _read_sources(workbook, path: Path) -> list[AgencySource]:
    table = _find_table(workbook, SOURCES_SHEET, SOURCES_COLUMNS, SOURCES_REQUIRED, path)
    sources, problems, seen = [], [], set()
    for offset, row in enumerate(table.rows):
        agency = cell_text(table.get(row, "agency"))
        if not agency.strip():
            continue
        if agency in seen:
            problems.append(Problem(str(path), f"{table.sheet}!{table.cell(offset, 'agency')}",
                                    f"agency {agency!r} is listed twice"))
            continue
        seen.add(agency)
        sectors = tuple(s.strip() for s in cell_text(table.get(row, "sectors")).split(",") if s.strip())
        sources.append(AgencySource(
            agency=agency, sectors=sectors, source=cell_text(table.get(row, "source")),
            sha256=cell_text(table.get(row, "sha256")), generated_at=cell_text(table.get(row, "generated_at")),
            completed_by=cell_text(table.get(row, "completed_by")),
            source_format=cell_text(table.get(row, "source_format")) or "baseline",
        ))
    if problems:
        raise BaselineError(f"{path}: the {SOURCES_SHEET!r} sheet cannot be read back.", problems)
    return sources


_CHOICE_KEYS = tuple(key for key, f in ANSWER_FIELDS.items() if f.kind == "choice")


_Kept = TypeVar("_Kept")


def _read_answers(workbook, path: Path, guideline: Guideline, agencies: list[AgencySource],
                  keep: Callable[[Answer], _Kept] | None = None) -> tuple[dict[tuple[str, str], Any], list[Problem]]:
    """(agency, recommendation) -> its Answer, or `keep(answer)` (what a reader needs of it, made as each row is
    read, so the answers themselves are never all held), and the problems found."""
    table = _find_table(workbook, ANSWERS_SHEET, ANSWERS_COLUMNS, ANSWERS_REQUIRED, path)
    known_agencies = {a.agency for a in agencies}
    known_recommendations = {r.id for r in guideline.recommendations}
    answers: dict[tuple[str, str], Answer] = {}
    problems: list[Problem] = []

    def problem(offset: int, key: str, message: str) -> None:
        problems.append(Problem(str(path), f"{table.sheet}!{table.cell(offset, key)}", message))

    # Each column's position looked up once, and each vocabulary once: a row per agency and recommendation.
    agency_of, recommendation_of, deadline_of = (table.getter(k) for k in ("agency", "recommendation", "deadline"))
    choices = [(key, table.getter(key), ANSWER_FIELDS[key].vocabulary) for key in _CHOICE_KEYS]
    texts = [(key, table.getter(key)) for key in ANSWER_TEXT_KEYS]
    for offset, row in enumerate(table.rows):
        agency = cell_text(agency_of(row))
        rec_id = cell_text(recommendation_of(row)).strip()
        if not agency.strip() and not rec_id:
            continue  # a blank line someone left
        if agency not in known_agencies:
            problem(offset, "agency", f"agency {agency!r} is not on the {SOURCES_SHEET} sheet")
            continue
        if rec_id not in known_recommendations:
            problem(offset, "recommendation", f"{rec_id!r} is not a recommendation of {guideline.ref}")
            continue
        if (agency, rec_id) in answers:
            problem(offset, "recommendation", f"{agency} answers {rec_id} twice")
            continue
        values: dict[str, Any] = {}
        for key, get, vocabulary in choices:
            text = cell_text(get(row))
            values[key] = parse_choice(vocabulary, text) if text else None
            if text and values[key] is None:
                problem(offset, key, f"{text!r} is not one of {', '.join(VOCABULARIES[vocabulary])}")
        try:
            values["deadline"] = parse_date(deadline_of(row))
        except ValueError:
            problem(offset, "deadline", f"{cell_text(deadline_of(row))!r} is not a date (use the Deadline "
                                        "(as written) column for free text)")
        for key, get in texts:  # kept exactly as written, spaces included: nothing lost on the way back
            values[key] = cell_text(get(row), strip=False)
        answer = Answer(recommendation=rec_id, **values)
        answers[(agency, rec_id)] = answer if keep is None else keep(answer)
    return answers, problems


def _flags_risk(answer: Answer) -> bool:
    """The plan row's risk flag: its agency answered "Risk if not done?" Yes."""
    return answer.risk is YesNo.YES


def _said(answer: Answer) -> tuple[ReturnedFields, bool]:
    """All that merge needs of an earlier merge's answer: what the return said about the action's fields (as
    actions.returned_values has it) and whether it flagged a risk."""
    return ReturnedFields.of(answer), _flags_risk(answer)


def _keyed(guideline: Guideline, agencies: list[AgencySource],
           answers: Mapping[tuple[str, str], _Kept]) -> Iterator[tuple[ActionKey, _Kept]]:
    """Each answer (or what was kept of it) under its action key (actions.action_key), in the order the assessment
    holds them (guideline order, then Sources order), so that maps built from it match those built from the
    assessment. Each agency's key is worked out once."""
    keys = {source.agency: agency_key(source.agency) for source in agencies}
    for rec in guideline.recommendations:
        rec_key = rec.id.strip()
        for source in agencies:
            kept = answers.get((source.agency, rec.id))
            if kept is not None:
                yield (keys[source.agency], rec_key), kept


@record
class MergedWorkbook:
    """What a merged workbook holds: the assessment (what the returns said, `All answers`), the group's action plan
    (`Actions`) and the stamps (`_baseline`: guideline, merged_at, as_of…)."""

    assessment: MultiAgencyAssessment
    plan: list[PlanRow]
    meta: dict[str, str]
    written: dict[str, str] = field(default_factory=dict)  # Action ID -> plan_digest as written (the _plan sheet)
    warnings: list[Problem] = field(default_factory=list)  # what was read with a warning (a formula in Actions)

    @property
    def as_of(self) -> dt.date | None:
        """The date the workbook's overdue flags were worked out for (None if its stamp is missing)."""
        return self.assessment.as_of


@record
class MergedPlan:
    """A merged workbook as the next merge needs it: the group's plan and what the returns said about each action
    (`returned`: what actions.returned_values gives of its assessment), without the answers themselves, never all
    held (a national merge's All answers has a row per agency and recommendation). Read and checked as read_merged
    reads and checks it: the same errors and the same plan (only its Actions sheet's formulas are looked for first,
    so an Actions part too damaged to parse is reported before the answers are checked rather than after)."""

    guideline: Guideline
    plan: list[PlanRow]
    returned: dict[ActionKey, ReturnedFields]
    written: dict[str, str] = field(default_factory=dict)  # as MergedWorkbook.written
    warnings: list[Problem] = field(default_factory=list)  # as MergedWorkbook.warnings


def _assessment(meta: dict[str, str], guideline: Guideline, agencies: list[AgencySource],
                answers: dict[tuple[str, str], Answer], path: Path) -> MultiAgencyAssessment:
    results = []
    for section in guideline.sections:
        for rec in section.recommendations:
            result = RecommendationResult(rec.id, section.id)
            for source in agencies:  # in the Sources order, which is the merge's agency order
                answer = answers.get((source.agency, rec.id))
                if answer is not None:
                    result.answers[source.agency] = answer
            results.append(result)
    return MultiAgencyAssessment(guideline, agencies, results, meta.get("merged_at", ""),
                                 area=meta.get("area", ""), round=meta.get("round", ""), as_of=_as_of(meta, path))


def _as_of(meta: dict[str, str], path: Path):
    """The date the workbook was merged for; None in a workbook from before it was stamped."""
    try:
        return parse_date(meta.get("as_of") or None)
    except ValueError:
        raise BaselineError(f"{path}: its {META_SHEET} sheet has an as_of that is not a date "
                            f"({meta['as_of']!r}).") from None


def _read(path: Path, *, with_plan: bool) -> MergedWorkbook:
    checked, workbook = _open_checked(path)
    try:
        return _read_open(path, checked, workbook, with_plan=with_plan)
    finally:
        workbook.close()
        checked.close()


def _read_open(path: Path, checked: CheckedFile, workbook, *, with_plan: bool, complete: bool = True) -> MergedWorkbook:
    """The merged workbook from its file already open (checked bytes and calamine on them); the caller closes both.
    `complete=False`: the plan without its links, orphan marks and digests as written (see read_if_merged)."""
    meta, guideline, agencies, answers = _read_answered(path, workbook)
    assessment = _assessment(meta, guideline, agencies, answers, path)
    if not with_plan:
        return MergedWorkbook(assessment, [], meta)
    risks = {key: _flags_risk(answer) for key, answer in _keyed(guideline, agencies, answers)}
    plan, warnings = _read_plan(workbook, path, guideline, assessment.agency_names, risks,
                                formula_cells(checked, ACTIONS_SHEET))
    if not complete:
        return MergedWorkbook(assessment, plan, meta, {}, warnings)
    return MergedWorkbook(assessment, link_actions(mark_orphans(plan, assessment)), meta, _read_plan_digests(workbook),
                          warnings)


def _read_answered(path: Path, workbook, keep: Callable[[Answer], Any] | None = None):
    """The stamps, guideline, sources and answers (or `keep` of each) of an open merged workbook: what both of its
    readers read first, each sheet checked the same way."""
    meta = _read_meta(workbook, path)
    guideline = _resolve_guideline(meta, path)
    agencies = _read_sources(workbook, path)
    answers, problems = _read_answers(workbook, path, guideline, agencies, keep)
    if problems:
        raise BaselineError(f"{path}: the {ANSWERS_SHEET!r} sheet cannot be read back.", problems)
    return meta, guideline, agencies, answers


def _read_plan_open(path: Path, checked: CheckedFile, workbook, *, complete: bool = True) -> MergedPlan:
    """_read_open's MergedPlan: each answer reduced to what a plan needs of it as its row is read."""
    # The Actions sheet's formulas are looked for first, while little else is held: the look inflates its whole XML
    # part (twice its size for a moment: 60 MB of a national plan).
    formulas = formula_cells(checked, ACTIONS_SHEET)
    meta, guideline, agencies, said = _read_answered(path, workbook, keep=_said)
    # The assessment without its answers: its stamps are checked as read_merged checks them, and it names the
    # guideline and agencies a plan row's orphan mark is worked out against.
    shell = _assessment(meta, guideline, agencies, {}, path)
    returned: dict[ActionKey, ReturnedFields] = {}
    risks: dict[ActionKey, bool] = {}
    for key, (fields, risk) in _keyed(guideline, agencies, said):
        returned[key], risks[key] = fields, risk
    del said  # (the plan is read next: the Actions sheet, the other large one)
    plan, warnings = _read_plan(workbook, path, guideline, shell.agency_names, risks, formulas)
    if not complete:
        return MergedPlan(guideline, plan, returned, {}, warnings)
    return MergedPlan(guideline, link_actions(mark_orphans(plan, shell, returned)), returned,
                      _read_plan_digests(workbook), warnings)


def _read_plan_digests(workbook) -> dict[str, str]:
    """Action ID -> digest of its editable values as written; empty for a workbook without the sheet."""
    if PLAN_DIGESTS_SHEET not in workbook.sheet_names:
        return {}
    rows = islice(_rows(workbook, PLAN_DIGESTS_SHEET), 1, None)
    return {cell_text(row[0]): cell_text(row[1]) for row in rows if len(row) >= 2 and cell_text(row[0])}


def read_merged(path: Path | str) -> MergedWorkbook:
    """A merged workbook: its assessment, the group's action plan and its stamps.

    Raises BaselineError (with every problem found) when the file is not a merged workbook, its guideline encoding
    is not installed, or its All answers or Actions sheet was edited into something that cannot be read (a date
    that cannot be one, a status not in the list, one action on two rows).
    """
    return _read(Path(path), with_plan=True)


def read_merged_plan(path: Path | str) -> MergedPlan:
    """read_merged for `merge --update`: the plan (linked, orphans marked, digests as written) and what the returns
    said about each action, but not the answers themselves. Raises as read_merged raises."""
    path = Path(path)
    checked, workbook = _open_checked(path)
    try:
        return _read_plan_open(path, checked, workbook)
    finally:
        workbook.close()
        checked.close()


def read_merged_workbook(path: Path | str) -> MultiAgencyAssessment:
    """The assessment a merged workbook was written from (what the returns said): every agency's answers, sources
    and stamps. Commands that show actions use `read_merged`, whose plan holds the group's edits."""
    return _read(Path(path), with_plan=False).assessment


def _plan_table(workbook, path: Path) -> _Table:
    """The Actions table; the first merged workbooks' header texts are read too."""
    columns = ACTIONS_COLUMNS + tuple(MergedColumn(key, header, 0) for header, key in ACTIONS_OLD_HEADERS.items())
    return _find_table(workbook, ACTIONS_SHEET, columns, ACTIONS_REQUIRED, path)


def _read_plan(workbook, path: Path, guideline: Guideline, agency_names: list[str], risks: Mapping[ActionKey, bool],
               formulas: dict[tuple[int, int], str]) -> tuple[list[PlanRow], list[Problem]]:
    """The group's plan from the Actions sheet, matched on Agency + Recommendation (heading rows, blank rows and
    any order are fine), in plan order, without links or orphan marks (the caller adds them where they are used).
    Action ID, Theme, Age group, Links and Overdue are recomputed; the risk flag is what the agency answered in All
    answers (`risks`, by action key). Dates are read by the one date rule (31/03/2027 is 31 March).

    A formula in an editable cell ("- revise leaflet" typed is one, and LibreOffice saves it as #NAME?) is read as
    the value it shows, or as its own text when that is blank or an error, with a warning: never as a blank that
    would wipe the action."""
    table = _plan_table(workbook, path)
    headers = {c.key: c.header for c in ACTIONS_COLUMNS}
    warnings: list[Problem] = []

    getters = {key: table.getter(key) for key in headers}

    def value(offset: int, row: list[Any], key: str) -> Any:
        raw = getters[key](row)
        if not formulas:  # (most plans: none typed)
            return raw
        column = table.positions.get(key)
        formula = formulas.get((table.header_row + offset, column)) if column is not None else None
        if formula is None:
            return raw
        shown = cell_text(raw)
        read = formula_value(formula, shown)
        warnings.append(Problem(str(path), f"{table.sheet}!{table.cell(offset, key)}", (
            f"formula-in-input: the {headers[key]} cell holds a formula ({quote(formula, 40)}); read as "
            + (f"the value it shows, {quote(shown, 40)}." if read == shown else "its text, as typed.")
            + " Type text without a leading = + - or @ (or start it with an apostrophe).")))
        return read

    recommendations = {r.id: r for r in guideline.recommendations}
    sections = {rec.id: section.id for section in guideline.sections for rec in section.recommendations}
    agencies = {agency_key(a): a for a in agency_names}
    # An agency's key, its merged name and its code (a hash) worked out once per name as written, not once per row:
    # they were most of the time taken to read the plan of a national merge. Keys are actions.action_key's.
    named: dict[str, tuple[str, str]] = {}  # the Agency cell's text -> (agency, its key), ("", "") when blank
    codes: dict[str, str] = {}  # agency -> agency_code
    agency_of, recommendation_of, last_updated_of = (table.getter(key)
                                                     for key in ("agency", "recommendation", "last_updated"))
    plan: list[PlanRow] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, str], str] = {}

    def problem(offset: int, key: str, message: str) -> None:
        problems.append(Problem(str(path), f"{table.sheet}!{table.cell(offset, key)}", message))

    for offset, row in enumerate(table.rows):
        written = cell_text(agency_of(row))
        rec_id = cell_text(recommendation_of(row)).strip().rstrip(".").strip()
        if not written or not rec_id:
            continue  # a section heading row, or a blank line
        if written not in named:
            agency_text = squash(written)
            agency = agencies.get(agency_key(agency_text), agency_text)  # an agency no longer merged keeps its name
            named[written] = (agency, agency_key(agency)) if agency_text else ("", "")
        agency, agency_id = named[written]
        if not agency:
            continue  # a section heading row, or a blank line
        key = (agency_id, rec_id)  # action_key(agency, rec_id)
        if key in seen:
            problem(offset, "recommendation", f"{agency} on recommendation {rec_id} is also on row {seen[key]}: keep "
                                              "one row (move anything worth keeping into its Progress notes)")
            continue
        seen[key] = str(table.header_row + 1 + offset)
        deadline, deadline_text = None, ""
        raw_deadline = value(offset, row, "deadline")
        try:
            deadline = parse_date(raw_deadline)
        except ValueError as exc:
            text = cell_text(raw_deadline)
            if looks_like_a_date(text) or not isinstance(raw_deadline, str):
                why = f" ({exc})" if str(exc) != NOT_A_DATE else ""  # "no such month", "the year 1999 is not…"
                problem(offset, "deadline", f"{quote(text)} is not a date{why}: write it as 31/03/2027, or in words "
                                            "such as \"end of Q4\"")
            else:
                deadline_text = squash(text)  # "end of Q4": kept as written, never overdue
        status_text = cell_text(value(offset, row, "status"))
        status = parse_choice("action_status", status_text) if status_text else None
        if status_text and status is None:
            problem(offset, "status",
                    f"{quote(status_text)} is not a status: choose {or_list(VOCABULARIES['action_status'])}")
        try:
            last_updated = parse_date(last_updated_of(row))
        except ValueError:
            last_updated = None  # the tool's own stamp: a damaged one is simply unknown
        rec = recommendations.get(rec_id)
        plan.append(PlanRow(
            action_id=coded_action_id(rec_id, codes.get(agency) or codes.setdefault(agency, agency_code(agency))),
            section=sections.get(rec_id) or rec_id.rsplit(".", 1)[0],
            recommendation=rec_id, population=rec.population if rec else "all", agency=agency,
            action=cell_text(value(offset, row, "action")), owner=cell_text(value(offset, row, "owner")),
            deadline=deadline, deadline_text=deadline_text, status=status, risk=risks.get(key, False),
            progress_notes=cell_text(value(offset, row, "progress_notes")), last_updated=last_updated,
        ))
    if problems:
        raise BaselineError(f"{path}: the {ACTIONS_SHEET!r} sheet (the group's action plan) cannot be read back.",
                            problems)
    plan.sort(key=plan_order)
    check_unique_ids(plan)
    return plan, warnings


def is_merged_workbook(path: Path | str) -> bool:
    """Cheap: does the file's hidden metadata sheet say kind=merged? Never raises."""
    path = Path(path)
    try:
        workbook = _open(path)
    except BaselineError:
        return False
    try:
        return _says_merged(workbook)
    finally:
        workbook.close()


def read_if_merged(path: Path | str, *, complete: bool = True) -> MergedWorkbook | None:
    """read_merged of a file that says it is a merged workbook (is_merged_workbook), opened once; None for any other
    file (a return, a file that cannot be opened), never raising for one: whoever reads it next says what is wrong.
    `complete=False` leaves out what only the Actions sheet, `actions` and `merge --update` use: each plan row's links
    to other actions, whether it is orphaned, and the digests of the plan as written (`written`, the hidden _plan
    sheet). Summary counts actions by owner and needs none of them (they were a tenth of its time at 200 agencies)."""
    return _if_merged(path, lambda *opened: _read_open(*opened, with_plan=True, complete=complete))


def read_plan_if_merged(path: Path | str, *, complete: bool = True) -> MergedPlan | None:
    """read_merged_plan of a file that says it is a merged workbook, opened once; None for any other file, as
    read_if_merged. `complete=False`: the plan without links, orphan marks or digests (what tells whether the group
    edited it needs none of them)."""
    return _if_merged(path, lambda *opened: _read_plan_open(*opened, complete=complete))


def _if_merged(path: Path | str, read: Callable):
    """read(path, checked, workbook) of a file that says it is a merged workbook, opened once and closed after; None
    for any other file, or one that cannot be opened."""
    path = Path(path)
    try:
        checked, workbook = _open_checked(path)
    except BaselineError:
        return None
    try:
        return read(path, checked, workbook) if _says_merged(workbook) else None
    finally:
        workbook.close()
        checked.close()


def _says_merged(workbook) -> bool:
    """The hidden metadata sheet of an open workbook says kind=merged; never raises."""
    try:
        if META_SHEET not in workbook.sheet_names:
            return False
        rows = workbook.get_sheet_by_name(META_SHEET).to_python(skip_empty_area=False, nrows=len(META_ORDER) + 5)
        return any(len(row) >= 2 and cell_text(row[0]).strip() == "kind" and cell_text(row[1]).strip() == KIND
                   for row in rows)
    except Exception:  # a damaged sheet is simply "not a merged workbook" here; the reader explains the details
        return False
