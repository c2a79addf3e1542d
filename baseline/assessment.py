"""Answers, statuses and the roll-up from agencies to the system view. Pure: no I/O, no Excel.

An agency's answer to one recommendation gives a status (DESIGN.md "Statuses"):
relevant No -> not_applicable; relevant Yes/Partial and meets Yes -> met, Partial -> partially_met,
No -> not_met, blank -> not_assessed; relevant blank -> not_assessed.
Across agencies, over those for which the recommendation applies: none -> not_applicable; otherwise the worst,
in the order not_met > partially_met > not_assessed > met.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import field, fields
from enum import Enum
from operator import attrgetter
from typing import Iterable, Mapping, Sequence

from baseline.records import record


class Choice(str, Enum):
    """Answer to "Relevant to us?" and "Meets it?"."""

    YES = "Yes"
    PARTIAL = "Partial"
    NO = "No"


class YesNo(str, Enum):
    YES = "Yes"
    NO = "No"


class ActionStatus(str, Enum):
    NOT_STARTED = "Not started"
    IN_PROGRESS = "In progress"
    COMPLETE = "Complete"


class Status(str, Enum):
    MET = "met"
    PARTIALLY_MET = "partially_met"
    NOT_MET = "not_met"
    NOT_ASSESSED = "not_assessed"
    NOT_APPLICABLE = "not_applicable"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    Status.MET: "Met",
    Status.PARTIALLY_MET: "Partially met",
    Status.NOT_MET: "Not met",
    Status.NOT_ASSESSED: "Not assessed",
    Status.NOT_APPLICABLE: "Not applicable",
}

# Display and JSON order of statuses.
STATUS_ORDER = (Status.MET, Status.PARTIALLY_MET, Status.NOT_MET, Status.NOT_ASSESSED, Status.NOT_APPLICABLE)
# Worst first: the system status is the first of these that any applicable agency has.
SEVERITY_ORDER = (Status.NOT_MET, Status.PARTIALLY_MET, Status.NOT_ASSESSED, Status.MET)
GAP_STATUSES = (Status.NOT_MET, Status.PARTIALLY_MET, Status.NOT_ASSESSED)


_STATUS_OF_MEETS = {
    Choice.YES: Status.MET,
    Choice.PARTIAL: Status.PARTIALLY_MET,
    Choice.NO: Status.NOT_MET,
    None: Status.NOT_ASSESSED,
}


def agency_status(relevant: Choice | None, meets: Choice | None) -> Status:
    if relevant is None:
        return Status.NOT_ASSESSED
    if relevant is Choice.NO:
        return Status.NOT_APPLICABLE
    return _STATUS_OF_MEETS[meets]


def system_status(statuses: Iterable[Status]) -> Status:
    """Roll one recommendation's agency statuses up to the system view."""
    applicable = {s for s in statuses if s is not Status.NOT_APPLICABLE}
    if not applicable:
        return Status.NOT_APPLICABLE
    return next(s for s in SEVERITY_ORDER if s in applicable)


_STATUS_VALUES = tuple((status, status.value) for status in STATUS_ORDER)  # an enum's .value is a Python call


def count_statuses(statuses: Iterable[Status]) -> dict[str, int]:
    """Counts keyed by status value, every status present (zero included), in display order."""
    tally = Counter(statuses)  # counted in C: a national summary counts each agency's statuses per section
    return {value: tally[status] for status, value in _STATUS_VALUES}


def applicable_count(counts: dict[str, int]) -> int:
    """How many of counted recommendations apply (everything but not_applicable): the base of "% met"."""
    return sum(n for status, n in counts.items() if status != Status.NOT_APPLICABLE.value)


@record(frozen=True, slots=True)  # slots: a national merge holds every agency's answers
class Answer:
    """One agency's answers for one recommendation, as read from a return (values already normalised)."""

    recommendation: str
    relevant: Choice | None = None
    meets: Choice | None = None
    evidence: str = ""
    action: str = ""
    owner: str = ""
    deadline: dt.date | None = None
    deadline_text: str = ""  # a deadline that could not be read as a date (NICE's tool has free text)
    action_status: ActionStatus | None = None
    risk: YesNo | None = None
    completed_by: str = ""
    # Where each value came from, e.g. {"evidence": "F7"}: lets merged output point back at the source.
    cells: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def status(self) -> Status:
        return agency_status(self.relevant, self.meets)

    @property
    def is_action(self) -> bool:
        """An action is an answer row with an action or an owner (DESIGN.md, JSON of `summary`)."""
        return bool(self.action.strip() or self.owner.strip())

    @property
    def is_open(self) -> bool:
        return self.is_action and self.action_status is not ActionStatus.COMPLETE

    def is_overdue(self, as_of: dt.date) -> bool:
        return self.is_open and self.deadline is not None and self.deadline < as_of

    @property
    def is_blank(self) -> bool:
        return not any(
            [self.relevant, self.meets, self.evidence, self.action, self.owner, self.deadline, self.deadline_text,
             self.action_status, self.risk, self.completed_by]
        )



# Each slot's own setter, at hand for answer_from_row (in field order).
(_set_recommendation, _set_relevant, _set_meets, _set_evidence, _set_action, _set_owner, _set_deadline,
 _set_deadline_text, _set_action_status, _set_risk, _set_completed_by, _set_cells) = (
    Answer.__dict__[f.name].__set__ for f in fields(Answer))


def answer_from_row(row: Sequence, cells: dict[str, str] | None = None) -> Answer:
    """Answer(*row, cells=cells) at half the cost, `row` being every field but `cells` in order (cells empty when not
    given): a frozen dataclass's __init__ sets each field through object.__setattr__, this sets each slot directly.
    The same object (type, fields, equality); 40,800 answers come back from the reading processes in a national
    summary, and a return's plain rows are read so (checks.AnswerRules.plain_answer). tests/test_assessment.py holds
    it to Answer(*row, cells=cells)."""
    answer = object.__new__(Answer)
    _set_recommendation(answer, row[0])
    _set_relevant(answer, row[1])
    _set_meets(answer, row[2])
    _set_evidence(answer, row[3])
    _set_action(answer, row[4])
    _set_owner(answer, row[5])
    _set_deadline(answer, row[6])
    _set_deadline_text(answer, row[7])
    _set_action_status(answer, row[8])
    _set_risk(answer, row[9])
    _set_completed_by(answer, row[10])
    _set_cells(answer, {} if cells is None else cells)
    return answer


# The fields answer_from_row takes, in order: every field of Answer but `cells`; answer_row gives them.
ANSWER_ROW = tuple(f.name for f in fields(Answer) if f.name != "cells")
answer_row = attrgetter(*ANSWER_ROW)


def forget_cells(answers: Iterable[Answer]) -> None:
    """Each answer's `cells` emptied in place: only for answers just read, which nothing else holds yet
    (intake.SentAnswers). Nothing after reading uses the cells, and dropping them there saves the merge rebuilding
    each answer without them (merge._without_cells: 20,400 answers read in the parent of a national summary)."""
    for answer in answers:
        if answer.cells:
            _set_cells(answer, {})


_COMPLETED_BY = attrgetter("completed_by")


@record
class AgencyReturn:
    """One agency's returned workbook, read and normalised.

    `answers` holds one Answer per recommendation listed in the workbook, in the workbook's (guideline) order.
    """

    agency: str
    guideline: str
    version: str
    fingerprint: str
    sectors: list[str] = field(default_factory=list)
    area: str = ""
    round: str = ""  # the assessment round stamped by `generate` ("" when none was given or for NICE-format returns)
    generated_at: str = ""  # ISO timestamp stamped by `generate` ("" for NICE-format returns)
    source: str = ""  # the file it was read from
    source_format: str = "baseline"  # "baseline" or "nice-bat"
    sha256: str = ""
    answers: dict[str, Answer] = field(default_factory=dict)
    # When the file itself was last saved (its document properties): what tells a resubmission from the first
    # return, where generated-at is the same in every copy of one blank workbook. None when the file does not say.
    last_saved: dt.datetime | None = None

    @property
    def statuses(self) -> dict[str, Status]:
        return {rec_id: answer.status for rec_id, answer in self.answers.items()}

    @property
    def completed_by(self) -> str:
        """Who filled it in: the names given in the Completed by column, most frequent first."""
        written = set(map(_COMPLETED_BY, self.answers.values()))
        if len(written) < 2:  # one name written throughout (most returns), or none: nothing to count (the merge asks
            return next(iter(written), "").strip()  # of every return, in one process, after they are read)
        counts = Counter(filter(None, map(str.strip, map(_COMPLETED_BY, self.answers.values()))))  # counted in C
        return "; ".join(sorted(counts, key=lambda n: (-counts[n], n)))
