from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from dataclasses import FrozenInstanceError, fields

import pytest

from baseline.assessment import (
    ANSWER_ROW,
    ActionStatus,
    AgencyReturn,
    Answer,
    Choice,
    Status,
    YesNo,
    agency_status,
    answer_from_row,
    answer_row,
    count_statuses,
    system_status,
)

S = Status


@pytest.mark.parametrize("meets", [None, *Choice])
def test_relevance_blank_or_no(meets):
    assert agency_status(None, meets) is S.NOT_ASSESSED
    assert agency_status(Choice.NO, meets) is S.NOT_APPLICABLE


@pytest.mark.parametrize("relevant", [Choice.YES, Choice.PARTIAL])
@pytest.mark.parametrize("meets, expected", [
    (Choice.YES, S.MET), (Choice.PARTIAL, S.PARTIALLY_MET), (Choice.NO, S.NOT_MET), (None, S.NOT_ASSESSED),
])
def test_relevant_rows(relevant, meets, expected):
    assert agency_status(relevant, meets) is expected


def _expected_system(statuses):
    applicable = [s for s in statuses if s is not S.NOT_APPLICABLE]
    if not applicable:
        return S.NOT_APPLICABLE
    for worst in (S.NOT_MET, S.PARTIALLY_MET, S.NOT_ASSESSED, S.MET):
        if worst in applicable:
            return worst


@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_system_roll_up_on_every_combination(n):
    for combo in itertools.product(list(Status), repeat=n):
        assert system_status(combo) is _expected_system(combo), combo


def test_roll_up_examples():
    assert system_status([S.MET, S.NOT_APPLICABLE]) is S.MET
    assert system_status([S.MET, S.NOT_ASSESSED]) is S.NOT_ASSESSED
    assert system_status([S.NOT_ASSESSED, S.PARTIALLY_MET]) is S.PARTIALLY_MET
    assert system_status([S.PARTIALLY_MET, S.NOT_MET, S.MET]) is S.NOT_MET
    assert system_status([S.NOT_APPLICABLE, S.NOT_APPLICABLE]) is S.NOT_APPLICABLE


def test_counts_have_every_status_in_order():
    assert count_statuses([S.MET, S.MET, S.NOT_MET]) == {
        "met": 2, "partially_met": 0, "not_met": 1, "not_assessed": 0, "not_applicable": 0}


def test_actions_open_and_overdue():
    today = dt.date(2027, 3, 1)
    a = Answer("1.1.1", action="Write leaflet", deadline=dt.date(2027, 2, 1))
    assert a.is_action and a.is_open and a.is_overdue(today)
    assert not Answer("1.1.1", action="x", deadline=dt.date(2027, 2, 1), action_status=ActionStatus.COMPLETE).is_overdue(today)
    assert Answer("1.1.1", owner="Ann").is_action
    assert not Answer("1.1.1", evidence="We do").is_action
    assert not Answer("1.1.1", action="x", deadline=dt.date(2027, 3, 1)).is_overdue(today)  # due today is not overdue
    assert Answer("1.1.1").is_blank and not a.is_blank


def test_an_answer_from_its_row_is_the_answer_its_init_makes():
    """answer_from_row sets each slot itself (issue 16: the answers sent back by the reading processes): the same
    type, every field, equality, hash and frozenness as Answer(*row), with cells of its own, empty."""
    row = ("1.1.1", Choice.YES, Choice.PARTIAL, "=1+1", "Audit", "Lead", dt.date(2027, 1, 31), "by March",
           ActionStatus.IN_PROGRESS, YesNo.YES, "A. Lee")
    assert ANSWER_ROW == tuple(f.name for f in fields(Answer))[:-1] and len(set(map(id, row))) == len(row)
    made, built = answer_from_row(row), Answer(*row)
    assert type(made) is Answer and made == built and hash(made) == hash(built) and repr(made) == repr(built)
    assert all(getattr(made, name) is value for name, value in zip(ANSWER_ROW, row))  # each value in its own slot
    assert made.cells == {} and made.cells is not answer_from_row(row).cells
    refs = {"owner": "G7"}
    assert answer_from_row(row, refs) == Answer(*row, cells=refs) and answer_from_row(row, refs).cells is refs
    assert answer_row(Answer(*row, cells={"owner": "G7"})) == row  # its values back, without the cells
    assert answer_from_row(("1.1.2",) + (None,) * 10) != built
    with pytest.raises(FrozenInstanceError):
        made.owner = "other"


def test_completed_by_names_each_person_once_most_frequent_first_then_by_name():
    names = [" A. Lee ", "B. Khan", "A. Lee", "", "   ", "B. Khan", "C. Ode", "A. Lee"]
    answers = {f"1.1.{i}": Answer(f"1.1.{i}", completed_by=name) for i, name in enumerate(names, 1)}
    found = AgencyReturn("North", "NG225", "1", "x", answers=answers)
    assert found.completed_by == "A. Lee; B. Khan; C. Ode"
    blank = {"1.1.1": Answer("1.1.1", completed_by=" ")}
    assert AgencyReturn("North", "NG225", "1", "x", answers=blank).completed_by == ""
    tied = {f"1.1.{i}": Answer(f"1.1.{i}", completed_by=name) for i, name in enumerate(["Zed", "amy", "Bo"], 1)}
    assert AgencyReturn("North", "NG225", "1", "x", answers=tied).completed_by == "Bo; Zed; amy"


@pytest.mark.parametrize("names", [[], [""], ["  "], [" A. Lee "] * 3, ["A. Lee"], ["A. Lee", "A. Lee "],
                                   ["", "A. Lee", ""], ["B", "A", "B"], ["x"] * 50 + ["y"]])
def test_completed_by_of_one_name_throughout_is_the_rule_counted(names):
    """One name written throughout (or none) is taken without counting: the same as counting every answer."""
    answers = {f"1.1.{i}": Answer(f"1.1.{i}", completed_by=name) for i, name in enumerate(names, 1)}
    counted = Counter(name.strip() for name in names if name.strip())
    expected = "; ".join(sorted(counted, key=lambda n: (-counted[n], n)))
    assert AgencyReturn("North", "NG225", "1", "x", answers=answers).completed_by == expected
