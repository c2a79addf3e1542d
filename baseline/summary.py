"""Summaries over a multi-agency assessment: totals, by section, by agency, gaps, actions and their owners.

Pure: no I/O. `Summary.to_dict()` is exactly the JSON of `baseline summary --format json` (DESIGN.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from baseline.assessment import GAP_STATUSES, ActionStatus, Answer, Status, applicable_count, count_statuses
from baseline.merge import MultiAgencyAssessment

NO_OWNER = "(no owner)"


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
    owner: str
    actions: int = 0
    open: int = 0
    overdue: int = 0
    next_deadline: dt.date | None = None

    def to_dict(self) -> dict:
        return {
            "owner": self.owner,
            "actions": self.actions,
            "open": self.open,
            "overdue": self.overdue,
            "next_deadline": self.next_deadline.isoformat() if self.next_deadline else None,
        }


def owner_loads(actions: list[Action]) -> list[OwnerLoad]:
    """Actions grouped by owner (names compared without case and spacing), most overdue then most open first."""
    loads: dict[str, OwnerLoad] = {}
    for action in actions:
        display = " ".join(action.owner.split()) or NO_OWNER
        load = loads.setdefault(display.casefold(), OwnerLoad(display))
        load.actions += 1
        if action.is_open:
            load.open += 1
            load.overdue += action.overdue
            if action.deadline and (load.next_deadline is None or action.deadline < load.next_deadline):
                load.next_deadline = action.deadline
    return sorted(loads.values(), key=lambda o: (-o.overdue, -o.open, o.owner.casefold()))


@dataclass
class Summary:
    guideline: str
    version: str
    title: str
    as_of: dt.date
    agencies: list[str]
    totals: dict[str, int]
    sections: list[dict]
    by_agency: list[dict]
    gaps: list[dict]
    owners: list[OwnerLoad]
    actions: list[Action] = field(default_factory=list)
    uncovered: list[str] = field(default_factory=list)  # recommendations no returned workbook listed
    encoding_complete: bool = True

    def to_dict(self) -> dict:
        return {
            "guideline": self.guideline,
            "version": self.version,
            "as_of": self.as_of.isoformat(),
            "agencies": self.agencies,
            "totals": self.totals,
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
        return round(100 * self.totals[Status.MET.value] / self.assessed, 1) if self.assessed else None


def summarise(assessment: MultiAgencyAssessment, *, as_of: dt.date | None = None,
              gap_statuses: tuple[Status, ...] = GAP_STATUSES) -> Summary:
    """The numbers a lead takes to a board. `gap_statuses` chooses which system statuses count as gaps."""
    as_of = as_of or dt.date.today()
    guideline = assessment.guideline
    titles = {s.id: s.title for s in guideline.sections}

    totals = count_statuses(r.status for r in assessment.results)
    sections = []
    for section in guideline.sections:
        results = [r for r in assessment.results if r.section == section.id]
        if results:
            sections.append({"id": section.id, "title": titles[section.id],
                             "counts": count_statuses(r.status for r in results)})
    by_agency = [
        {"agency": a.agency,
         "counts": count_statuses(r.answers[a.agency].status for r in assessment.results if a.agency in r.answers)}
        for a in assessment.agencies
    ]
    gaps = [
        {"recommendation": r.recommendation, "status": r.status.value,
         "agencies": {agency: status.value for agency, status in r.statuses.items()}}
        for r in assessment.results
        if r.status in gap_statuses
    ]
    actions = list_actions(assessment, as_of)
    return Summary(
        guideline=guideline.guideline, version=guideline.version, title=guideline.title, as_of=as_of,
        agencies=assessment.agency_names, totals=totals, sections=sections, by_agency=by_agency, gaps=gaps,
        owners=owner_loads(actions), actions=actions,
        uncovered=[r.recommendation for r in assessment.results if r.uncovered],
        encoding_complete=guideline.encoding_complete,
    )
