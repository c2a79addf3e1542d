"""Summaries over a multi-agency assessment: both views of the statuses, by section, by agency, gaps, actions and
their owners.

Pure: no I/O. `Summary.to_dict()` is exactly the JSON of `baseline summary --format json` (DESIGN.md).
Two views of the same answers, side by side everywhere (DESIGN.md "Statuses"):
- the system view counts recommendations by their worst-of status (`totals`, `sections`);
- the agency answers view counts each agency's own statuses over all agency x recommendation pairs
  (`agency_answers`, `by_agency`, `agency_sections`), which still says something when seven agencies make every
  worst-of status a gap.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import field
from itertools import combinations, starmap
from operator import itemgetter
from typing import Iterable, Mapping

from baseline.assessment import (
    GAP_STATUSES,
    STATUS_ORDER,
    ActionStatus,
    Choice,
    Status,
    YesNo,
    agency_status,
    applicable_count,
    count_statuses,
    system_status,
)
from baseline.merge import MultiAgencyAssessment, RecommendationResult, agency_key
from baseline.records import record

NO_OWNER = "(no owner)"
_VALUES = {status: status.value for status in Status}  # an enum's .value is a Python call: once per gap and agency

# summarise's status codes: each status's place in STATUS_ORDER, and the rules of assessment.py worked out once for
# every case they can meet, so that rolling up an answer is a lookup.
_VALUE_OF_CODE = tuple(status.value for status in STATUS_ORDER)


class _AnswerCodes(dict):
    """(relevant, meets) -> the code of its agency status (assessment.agency_status); a pair of other values than
    Choice's and None is worked out by the rule when met."""

    def __missing__(self, pair: tuple) -> int:
        return STATUS_ORDER.index(agency_status(*pair))


_CODE_OF_ANSWER = _AnswerCodes({(relevant, meets): STATUS_ORDER.index(agency_status(relevant, meets))
                                for relevant in (None, *Choice) for meets in (None, *Choice)})
# Every set of codes -> the worst-of status of those agency statuses (assessment.system_status): 31 sets.
_SYSTEM_OF_CODES = {
    frozenset(codes): system_status(STATUS_ORDER[code] for code in codes)
    for size in range(1, len(STATUS_ORDER) + 1) for codes in combinations(range(len(STATUS_ORDER)), size)
}


def met_percent(counts: Mapping[str, int]) -> float | None:
    """"% met" everywhere: met / applicable (everything but not_applicable), one decimal; None when nothing applies."""
    applicable = applicable_count(dict(counts))
    return round(100 * counts[Status.MET.value] / applicable, 1) if applicable else None


@record(frozen=True)
class Action:
    """One action: an answer row with an action or an owner (the merged workbook's `Actions` sheet)."""

    agency: str
    recommendation: str
    section: str
    action: str
    owner: str
    deadline: dt.date | None
    deadline_text: str
    status: ActionStatus | None
    population: str
    overdue: bool

    @property
    def is_open(self) -> bool:
        return self.status is not ActionStatus.COMPLETE


def list_actions(assessment: MultiAgencyAssessment, as_of: dt.date) -> list[Action]:
    """Every action in guideline order (then agency order)."""
    return list(starmap(_new_action, _action_rows(assessment, as_of)))


# An action row's status (_action_rows) as its place here: 0 for a complete action only, so that the code says
# whether the action is open.
_ACTION_STATUSES = (ActionStatus.COMPLETE, None, ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS)
_ACTION_STATUS_CODES = {status: code for code, status in enumerate(_ACTION_STATUSES)}


def _action_rows(assessment: MultiAgencyAssessment, as_of: dt.date) -> list[tuple]:
    """Every action as the values of its Action, in field order, but for its status: its code (_ACTION_STATUSES).
    A row then holds only strings, dates, numbers and None, which the cyclic garbage collector stops tracking at
    the first collection it meets: a summary keeps its rows (the actions are made when asked for), and a national
    summary's 26,400 were walked again by every full collection while it printed. An answer is an action when
    Answer.is_action; it is overdue when Answer.is_overdue: both worked out here from the action and owner stripped
    once."""
    populations = _populations(assessment.guideline)
    rows: list[tuple] = []
    for result in assessment.results:
        _add_action_rows(rows.append, result, populations, as_of)
    return rows


def _populations(guideline) -> dict[str, str]:
    """Each recommendation's population, by id (an action row carries it)."""
    return {r.id: r.population for r in guideline.recommendations}


def _add_action_rows(append, result: RecommendationResult, populations: Mapping[str, str], as_of: dt.date) -> None:
    """_action_rows of one recommendation's answers, each given to `append` (summarise calls it as it rolls each
    recommendation up, while its answers are at hand). `populations`: _populations of the guideline."""
    rec_id, section = result.recommendation, result.section
    population = populations.get(rec_id, "all")
    codes = _ACTION_STATUS_CODES
    for agency, answer in result.answers.items():
        if not (answer.action or answer.owner):  # most answers without an action go no further
            continue
        action, owner = answer.action.strip(), answer.owner.strip()
        if action or owner:
            status, deadline = answer.action_status, answer.deadline
            overdue = status is not ActionStatus.COMPLETE and deadline is not None and deadline < as_of
            append((agency, rec_id, section, action, owner, deadline, answer.deadline_text, codes[status],
                    population, overdue))


def _new_action(agency: str, recommendation: str, section: str, action: str, owner: str, deadline: dt.date | None,
                deadline_text: str, status_code: int, population: str, overdue: bool) -> Action:
    """Action(...) of an action row (_action_rows) for a third of the cost: a frozen dataclass's __init__ sets each
    field through object.__setattr__; these are written straight into the new instance's own dict, in field order,
    which makes the same object (equal, the same hash and repr, the same shared-key dict).
    tests/test_summary_fast.py holds it to Action(...)."""
    made = object.__new__(Action)
    values = made.__dict__
    values["agency"] = agency
    values["recommendation"] = recommendation
    values["section"] = section
    values["action"] = action
    values["owner"] = owner
    values["deadline"] = deadline
    values["deadline_text"] = deadline_text
    values["status"] = _ACTION_STATUSES[status_code]
    values["population"] = population
    values["overdue"] = overdue
    return made


_TALLIED = itemgetter(0, 4, 5, 7, 9)  # what _owner_loads reads of an action row: agency, owner, deadline, status,
# overdue


@record
class OwnerLoad:
    """The actions of one owner in one agency: the same job title in two agencies is two owners."""

    agency: str
    owner: str
    actions: int = 0
    open: int = 0
    overdue: int = 0
    earliest_open_deadline: dt.date | None = None  # "overdue since" when before the as-of date

    def to_dict(self) -> dict:
        return {
            "agency": self.agency,
            "owner": self.owner,
            "actions": self.actions,
            "open": self.open,
            "overdue": self.overdue,
            "earliest_open_deadline": (self.earliest_open_deadline.isoformat()
                                       if self.earliest_open_deadline else None),
        }


def owner_loads(actions: Iterable[Action]) -> list[OwnerLoad]:
    """Actions grouped by (agency, owner) (names compared without case and spacing), most overdue then most open
    first, then by owner and agency."""
    return _owner_loads((a.agency, a.owner, a.deadline, a.is_open, a.overdue) for a in actions)


def _owner_loads(actions: Iterable[tuple]) -> list[OwnerLoad]:
    """owner_loads of actions given as (agency, owner, deadline, open?, overdue): "open?" anything true for an open
    action, as an action row's status code is (_TALLIED of a row)."""
    loads: dict[tuple[str, str], OwnerLoad] = {}
    agency_keys: dict[str, str] = {}  # each agency's name normalised once, not once per action
    owner_keys: dict[str, tuple[str, str]] = {}  # each owner as written: (as shown, as compared), worked out once
    for agency, owner, deadline, is_open, overdue in actions:
        shown = owner_keys.get(owner)
        if shown is None:
            display = " ".join(owner.split()) or NO_OWNER
            shown = owner_keys[owner] = (display, display.casefold())
        agency_name = agency_keys.get(agency)
        if agency_name is None:
            agency_name = agency_keys[agency] = agency_key(agency)
        key = (agency_name, shown[1])
        load = loads.get(key)
        if load is None:
            load = loads[key] = OwnerLoad(agency, shown[0])
        load.actions += 1
        if is_open:
            load.open += 1
            load.overdue += overdue
            if deadline and (load.earliest_open_deadline is None or deadline < load.earliest_open_deadline):
                load.earliest_open_deadline = deadline
    # by the key's own parts: (agency key, owner casefolded) are the owner's name and agency compared without case
    ordered = sorted(loads.items(), key=lambda item: (-item[1].overdue, -item[1].open, item[0][1], item[0][0]))
    return [load for _, load in ordered]


class _ActionsWhenAsked:
    """Summary.actions, made when first asked for where summarise gave the rows to make them from (_ActionRows):
    a national summary has tens of thousands of actions, which the tables, JSON and Markdown of `summary` never
    show (its owners are counted from the same rows). Given a list, it is that list."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = "_" + name

    def __get__(self, summary: "Summary | None", owner: type | None = None):
        if summary is None:
            return None  # the field's default (dataclasses asks the class): no actions
        value = summary.__dict__[self.name]
        if value is None or value.__class__ is _ActionRows:
            value = summary.__dict__[self.name] = list(starmap(_new_action, value or ()))
        return value

    def __set__(self, summary: "Summary", value) -> None:
        summary.__dict__[self.name] = value


class _ActionRows(list):
    """Actions not made yet: their rows (_action_rows). Rows, not the answers they come from: the summary outlives
    the merged assessment, whose answers the collector would otherwise walk while the summary is printed."""


@record
class Summary:
    """The roll-up `baseline summary` prints: statuses by section and agency, gaps, owners and actions."""

    guideline: str
    version: str
    title: str
    as_of: dt.date
    agencies: list[str]
    totals: dict[str, int]  # recommendations by system status
    sections: list[dict]  # {"id", "title", "counts"}: recommendations by system status
    by_agency: list[dict]  # {"agency", "counts"}: each agency's own statuses
    gaps: list[dict]  # {"recommendation", "summary", "status", "risk", "agencies"}
    owners: list[OwnerLoad]
    actions: list[Action] = _ActionsWhenAsked()  # (made when first asked for, when summarise made them)
    uncovered: list[str] = field(default_factory=list)  # recommendations no returned workbook listed
    encoding_complete: bool = True
    area: str | None = None
    round: str | None = None
    missing_agencies: list[str] = field(default_factory=list)  # agencies asked (config) with no return
    agency_answers: dict[str, int] = field(default_factory=dict)  # all agency x recommendation pairs by status
    # Not in the JSON: per agency, its own statuses per section id ({"agency", "sections": {id: counts}}),
    # only the sections its workbook lists. The report's agency x section grid.
    agency_sections: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "area": self.area,
            "round": self.round,
            "guideline": self.guideline,
            "version": self.version,
            "as_of": self.as_of.isoformat(),
            "agencies": self.agencies,
            "missing_agencies": self.missing_agencies,
            "totals": self.totals,
            "agency_answers": self.agency_answers,
            "sections": self.sections,
            "by_agency": self.by_agency,
            "gaps": self.gaps,
            "owners": [o.to_dict() for o in self.owners],
        }

    @property
    def assessed(self) -> int:
        """Recommendations that apply somewhere (everything but not_applicable)."""
        return applicable_count(self.totals)

    @property
    def percent_met(self) -> float | None:
        return met_percent(self.totals)

    @property
    def answers_assessed(self) -> int:
        """Agency x recommendation pairs that apply: the base of the agency answers' "% met"."""
        return applicable_count(self.agency_answers)

    @property
    def answers_percent_met(self) -> float | None:
        return met_percent(self.agency_answers)

    @property
    def overdue_actions(self) -> list[Action]:
        return [a for a in self.actions if a.is_open and a.overdue]


def summarise(assessment: MultiAgencyAssessment, *, as_of: dt.date | None = None,
              gap_statuses: tuple[Status, ...] = GAP_STATUSES, area: str | None = None, round: str | None = None,
              missing_agencies: Iterable[str] = (), actions: Iterable[Action] | None = None) -> Summary:
    """The numbers a lead takes to a board. `gap_statuses` chooses which system statuses count as gaps.

    `actions`: the group's action plan (a merged workbook's Actions sheet, `actions.as_summary_actions`), used
    instead of what the returns said about actions (the caller filters it as it filtered the assessment). Without
    it, the actions are the returns' own.

    `area` and `round` default to the assessment's own where it carries them; `missing_agencies` are the agencies
    of the assessment config that sent no return (the tracker knows them; the merge does not).
    """
    as_of = as_of or dt.date.today()
    guideline = assessment.guideline
    titles = {s.id: s.title for s in guideline.sections}
    summaries = {r.id: r.summary for r in guideline.recommendations}
    # The merged assessment may not carry its area and round yet (DESIGN.md v2 stamps them): take them when it does.
    area = area if area is not None else getattr(assessment, "area", None)
    round = round if round is not None else getattr(assessment, "round", None)

    results = assessment.results
    # One pass over every agency's answer (40,800 in a national summary of 800 returns), each status as its code
    # (its place in STATUS_ORDER): per recommendation the worst-of status and the gap; per agency its own statuses
    # counted per section (the sections in the order its answers come).
    code_of = _CODE_OF_ANSWER
    per_agency: dict[str, dict[str, list[int]]] = {source.agency: {} for source in assessment.agencies}
    system = []
    gaps = []
    rows: list[tuple] = []  # the returns' own actions (when no plan is given), made as each result is rolled up
    populations = _populations(guideline) if actions is None else None
    for result in results:
        answers = result.answers
        if populations is not None:
            _add_action_rows(rows.append, result, populations, as_of)
        codes = [code_of[answer.relevant, answer.meets] for answer in answers.values()]
        status = _SYSTEM_OF_CODES[frozenset(codes)] if codes else result.status  # (result.status: uncovered)
        system.append(status)
        section = result.section
        for agency, code in zip(answers, codes):
            sections = per_agency.get(agency)
            if sections is not None:
                counts = sections.get(section)
                if counts is None:
                    counts = sections[section] = [0] * len(STATUS_ORDER)
                counts[code] += 1
        if status in gap_statuses:
            gaps.append({
                "recommendation": result.recommendation, "summary": summaries.get(result.recommendation),
                "status": _VALUES[status], "risk": any(answer.risk is YesNo.YES for answer in answers.values()),
                "agencies": dict(zip(answers, map(_VALUE_OF_CODE.__getitem__, codes)))})
    totals = count_statuses(system)
    by_section: dict[str, list[Status]] = {}
    for result, status in zip(results, system):
        by_section.setdefault(result.section, []).append(status)
    sections = [{"id": section.id, "title": titles[section.id], "counts": count_statuses(by_section[section.id])}
                for section in guideline.sections if section.id in by_section]
    agency_sections = []
    by_agency = []
    all_answers = [0] * len(STATUS_ORDER)
    for source in assessment.agencies:
        per_section = per_agency[source.agency]
        agency_sections.append({"agency": source.agency, "sections": {
            sid: dict(zip(_VALUE_OF_CODE, counts)) for sid, counts in per_section.items()}})
        own = [sum(column) for column in zip(*per_section.values())] or [0] * len(STATUS_ORDER)
        by_agency.append({"agency": source.agency, "counts": dict(zip(_VALUE_OF_CODE, own))})
        all_answers = [a + b for a, b in zip(all_answers, own)]
    if actions is None:  # the returns' own: owners counted from their rows, the actions made when asked for
        actions = _ActionRows(rows)
        owners = _owner_loads(map(_TALLIED, actions))
    else:
        actions = list(actions)
        owners = owner_loads(actions)
    return Summary(
        guideline=guideline.guideline, version=guideline.version, title=guideline.title, as_of=as_of,
        agencies=assessment.agency_names, totals=totals, sections=sections, by_agency=by_agency, gaps=gaps,
        owners=owners, actions=actions,
        uncovered=[r.recommendation for r in results if r.uncovered],
        encoding_complete=guideline.encoding_complete,
        area=area or None, round=round or None, missing_agencies=list(missing_agencies),
        agency_answers=dict(zip(_VALUE_OF_CODE, all_answers)), agency_sections=agency_sections,
    )
