"""What the reading pool sends back (intake.read_kept): the answers as rows of values, rebuilt whole on the other
side, without the cells they were read from (issue 16: unpickling slotted answers was a tenth of `summary`)."""

from __future__ import annotations

import datetime as dt
import pickle
from dataclasses import fields

from baseline import catalogue, intake
from baseline.assessment import ActionStatus, Answer, Choice, YesNo
from baseline.xlsx.agency.writer import write_agency_workbook


def _every_field_set() -> Answer:
    return Answer("1.1.1", Choice.YES, Choice.PARTIAL, evidence="=1+1", action="Audit", owner="Lead",
                  deadline=dt.date(2027, 1, 31), deadline_text="by March", action_status=ActionStatus.IN_PROGRESS,
                  risk=YesNo.YES, completed_by="A. Lee", cells={"evidence": "F7"})


def test_sent_answers_come_back_whole_but_for_their_cells():
    answer = _every_field_set()
    assert all(getattr(answer, f.name) not in (None, "") for f in fields(Answer))  # a field left out would show
    back = pickle.loads(pickle.dumps(intake.SentAnswers({"1.1.1": answer, "1.1.2": Answer("1.1.2")})))
    assert type(back) is dict and list(back) == ["1.1.1", "1.1.2"]
    assert back["1.1.1"] == answer and back["1.1.2"] == Answer("1.1.2")
    assert all(getattr(back["1.1.1"], f.name) == getattr(answer, f.name) for f in fields(Answer) if f.name != "cells")
    assert back["1.1.1"].cells == {}


def test_sent_answers_forget_the_cells_of_the_answers_just_read_and_nothing_else():
    answer, bare = _every_field_set(), Answer("1.1.2")
    sent = intake.SentAnswers({"1.1.1": answer, "1.1.2": bare})
    assert sent["1.1.1"] is answer and answer.cells == {} and sent["1.1.2"] is bare  # in place: no copy made
    assert all(getattr(answer, f.name) == getattr(_every_field_set(), f.name) for f in fields(Answer)
               if f.name != "cells")


def test_read_kept_sends_the_answers_as_rows_and_the_report_alone_without_them(tmp_path):
    path = tmp_path / "north.xlsx"
    write_agency_workbook(path, catalogue.load("NG225"), agency="North CAMHS", sectors=["mental_health"],
                          prefill={"1.1.1": Answer("1.1.1", Choice.YES, Choice.YES, owner="Lead")})
    result, received = intake.read_kept(path, agency_map=None, keep_answers=True)
    answers = result.agency_return.answers
    assert isinstance(answers, intake.SentAnswers) and answers["1.1.1"].owner == "Lead"
    assert answers["1.1.1"].cells == {}  # in this process too: nothing after reading uses them
    as_read = intake.read_return(path).agency_return.answers
    assert as_read["1.1.1"].cells and dict(answers) == as_read  # read with cells; every other field kept
    back, _ = pickle.loads(pickle.dumps((result, received)))
    assert back.agency_return.answers == dict(answers) and back.agency_return.answers["1.1.1"].cells == {}
    alone, _ = intake.read_kept(path, agency_map=None, keep_answers=False)
    assert alone.agency_return is None and alone.report == result.report
