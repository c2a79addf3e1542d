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
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from baseline.assessment import GAP_STATUSES, ActionStatus, Answer, Status, YesNo, applicable_count, count_statuses
from baseline.merge import MultiAgencyAssessment, agency_key

NO_OWNER = "(no owner)"
_VALUES = {status: status.value for status in Status}  # an enum's .value is a Python call: once per gap and agency


def met_percent(counts: Mapping[str, int]) -> float | None:
    """"% met" everywhere: met / applicable (everything but not_applicable), one decimal; None when nothing applies."""
    applicable = applicable_count(dict(counts))
    return round(100 * counts[Status.MET.value] / applicable, 1) if applicable else None


@dataclass(frozen=True)
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
    populations = {r.id: r.population for r in assessment.guideline.recommendations}
    actions = []
    for result in assessment.results:
        for agency, answer in result.answers.items():
            if answer.is_action:
                actions.append(_action(agency, result.recommendation, result.section, answer,
                                       populations.get(result.recommendation, "all"), as_of))
    return actions


def _action(agency: str, rec_id: str, section: str, answer: Answer, population: str, as_of: dt.date) -> Action:
    return Action(
        agency=agency, recommendation=rec_id, section=section, action=answer.action.strip(),
        owner=answer.owner.strip(), deadline=answer.deadline, deadline_text=answer.deadline_text,
        status=answer.action_status, population=population, overdue=answer.is_overdue(as_of),
    )


@dataclass
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
    loads: dict[tuple[str, str], OwnerLoad] = {}
    agency_keys: dict[str, str] = {}  # each agency's name normalised once, not once per action
    for action in actions:
        display = " ".join(action.owner.split()) or NO_OWNER
        agency = agency_keys.get(action.agency) or agency_keys.setdefault(action.agency, agency_key(action.agency))
        key = (agency, display.casefold())
        load = loads.get(key)
        if load is None:
            load = loads[key] = OwnerLoad(action.agency, display)
        load.actions += 1
        if action.is_open:
            load.open += 1
            load.overdue += action.overdue
            if action.deadline and (load.earliest_open_deadline is None or action.deadline < load.earliest_open_deadline):
                load.earliest_open_deadline = action.deadline
    return sorted(loads.values(), key=lambda o: (-o.overdue, -o.open, o.owner.casefold(), agency_keys[o.agency]))


@dataclass
class Summary:
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
    actions: list[Action] = field(default_factory=list)
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
    answer_statuses = [r.statuses for r in results]  # per recommendation: agency -> its own status
    # Each recommendation's worst-of status, worked out once: it is a roll-up over every agency's answer.
    system = [r.rolled_up(statuses) for r, statuses in zip(results, answer_statuses)]
    totals = count_statuses(system)
    by_section: dict[str, list[Status]] = {}
    for result, status in zip(results, system):
        by_section.setdefault(result.section, []).append(status)
    sections = [{"id": section.id, "title": titles[section.id], "counts": count_statuses(by_section[section.id])}
                for section in guideline.sections if section.id in by_section]
    # Per agency, its own statuses per section id (the sections in the order its answers come), in one pass.
    per_agency: dict[str, dict[str, list[Status]]] = {source.agency: {} for source in assessment.agencies}
    for result, statuses in zip(results, answer_statuses):
        for agency, status in statuses.items():
            per_section = per_agency.get(agency)
            if per_section is not None:
                per_section.setdefault(result.section, []).append(status)
    agency_sections = [
        {"agency": source.agency,
         "sections": {sid: count_statuses(s) for sid, s in per_agency[source.agency].items()}}
        for source in assessment.agencies
    ]
    by_agency = [
        {"agency": entry["agency"], "counts": _add_counts(entry["sections"].values())} for entry in agency_sections
    ]
    gaps = [
        {"recommendation": r.recommendation, "summary": summaries.get(r.recommendation), "status": status.value,
         "risk": any(answer.risk is YesNo.YES for answer in r.answers.values()),
         "agencies": {agency: _VALUES[own] for agency, own in statuses.items()}}
        for r, status, statuses in zip(results, system, answer_statuses)
        if status in gap_statuses
    ]
    actions = list_actions(assessment, as_of) if actions is None else list(actions)
    return Summary(
        guideline=guideline.guideline, version=guideline.version, title=guideline.title, as_of=as_of,
        agencies=assessment.agency_names, totals=totals, sections=sections, by_agency=by_agency, gaps=gaps,
        owners=owner_loads(actions), actions=actions,
        uncovered=[r.recommendation for r in results if r.uncovered],
        encoding_complete=guideline.encoding_complete,
        area=area or None, round=round or None, missing_agencies=list(missing_agencies),
        agency_answers=_add_counts(entry["counts"] for entry in by_agency), agency_sections=agency_sections,
    )


def _add_counts(counts: Iterable[Mapping[str, int]]) -> dict[str, int]:
    """Status counts added up, every status present, in display order."""
    total = count_statuses(())
    for one in counts:
        for status, n in one.items():
            total[status] += n
    return total
