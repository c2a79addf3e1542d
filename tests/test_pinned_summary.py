"""summary.summarise worked out by hand on a small encoding (three sections of NG225's shape, two agencies): every
number of the summary JSON written out, not computed with the code under test."""

from __future__ import annotations

import datetime as dt

import pytest

from baseline.assessment import ActionStatus, Answer, Choice, Status, YesNo
from baseline.guideline import parse_guideline
from baseline.merge import merge_returns
from baseline.summary import summarise
from tests.factories import make_return

Y, P, N = Choice.YES, Choice.PARTIAL, Choice.NO
AS_OF = dt.date(2027, 3, 1)


def counts(met=0, partially_met=0, not_met=0, not_assessed=0, not_applicable=0) -> dict[str, int]:
    return {"met": met, "partially_met": partially_met, "not_met": not_met, "not_assessed": not_assessed,
            "not_applicable": not_applicable}


@pytest.fixture
def small(ng225_data):
    """1.1 (1.1.1-1.1.4, every sector), 1.5 (1.5.1, mental health), 1.8 (1.8.1, education)."""
    ng225_data["sections"] = [s for s in ng225_data["sections"] if s["id"] in ("1.1", "1.5", "1.8")]
    guideline = parse_guideline(ng225_data)
    camhs = make_return(guideline, "CAMHS", {
        "1.1.1": Answer("1.1.1", Y, Y),
        "1.1.2": Answer("1.1.2", Y, P, action="Train", owner="Lead", deadline=dt.date(2027, 1, 31), risk=YesNo.YES),
        "1.5.1": Answer("1.5.1", N)}, sectors=["mental_health"])
    school = make_return(guideline, "School", {
        "1.1.1": Answer("1.1.1", Y, N, action="Plan", owner="Head", action_status=ActionStatus.COMPLETE),
        "1.8.1": Answer("1.8.1", Y, Y)}, sectors=["education"])
    return guideline, merge_returns(guideline, [school, camhs])


def test_summary_json_by_hand(small):
    guideline, assessment = small
    summary = summarise(assessment, as_of=AS_OF)

    def gap(rec, status, risk, **agencies):
        return {"recommendation": rec, "summary": guideline.get(rec).summary, "status": status, "risk": risk,
                "agencies": agencies}

    assert summary.to_dict() == {
        "area": None, "round": None, "guideline": "NG225", "version": "2022-09-07", "as_of": "2027-03-01",
        "agencies": ["CAMHS", "School"], "missing_agencies": [],
        # 1.1.1 not met (worst of met and no), 1.1.2 partially met, 1.1.3-4 not assessed, 1.5.1 not applicable
        # (CAMHS said not relevant, the only agency asked), 1.8.1 met
        "totals": counts(met=1, partially_met=1, not_met=1, not_assessed=2, not_applicable=1),
        "agency_answers": counts(met=2, partially_met=1, not_met=1, not_assessed=5, not_applicable=1),
        "sections": [{"id": "1.1", "title": guideline.sections[0].title,
                      "counts": counts(partially_met=1, not_met=1, not_assessed=2)},
                     {"id": "1.5", "title": guideline.sections[1].title, "counts": counts(not_applicable=1)},
                     {"id": "1.8", "title": guideline.sections[2].title, "counts": counts(met=1)}],
        "by_agency": [{"agency": "CAMHS", "counts": counts(met=1, partially_met=1, not_assessed=2, not_applicable=1)},
                      {"agency": "School", "counts": counts(met=1, not_met=1, not_assessed=3)}],
        "gaps": [gap("1.1.1", "not_met", False, CAMHS="met", School="not_met"),
                 gap("1.1.2", "partially_met", True, CAMHS="partially_met", School="not_assessed"),
                 gap("1.1.3", "not_assessed", False, CAMHS="not_assessed", School="not_assessed"),
                 gap("1.1.4", "not_assessed", False, CAMHS="not_assessed", School="not_assessed")],
        "owners": [{"agency": "CAMHS", "owner": "Lead", "actions": 1, "open": 1, "overdue": 1,
                    "earliest_open_deadline": "2027-01-31"},
                   {"agency": "School", "owner": "Head", "actions": 1, "open": 0, "overdue": 0,
                    "earliest_open_deadline": None}],
    }
    assert summary.agency_sections == [
        {"agency": "CAMHS", "sections": {"1.1": counts(met=1, partially_met=1, not_assessed=2),
                                         "1.5": counts(not_applicable=1)}},
        {"agency": "School", "sections": {"1.1": counts(not_met=1, not_assessed=3), "1.8": counts(met=1)}},
    ]
    assert (summary.assessed, summary.percent_met) == (5, 20.0)
    assert (summary.answers_assessed, summary.answers_percent_met) == (9, 22.2)
    assert summary.uncovered == [] and summary.encoding_complete is False
    assert [(a.agency, a.recommendation, a.section, a.action, a.owner, a.overdue, a.is_open)
            for a in summary.actions] == [("School", "1.1.1", "1.1", "Plan", "Head", False, False),
                                          ("CAMHS", "1.1.2", "1.1", "Train", "Lead", True, True)]
    assert [(a.agency, a.recommendation) for a in summary.overdue_actions] == [("CAMHS", "1.1.2")]


def test_summary_options(small):
    guideline, assessment = small
    summary = summarise(assessment, as_of=AS_OF, gap_statuses=(Status.MET,), area="Northshire", round="2",
                        missing_agencies=["Police"])
    data = summary.to_dict()
    assert (data["area"], data["round"], data["missing_agencies"]) == ("Northshire", "2", ["Police"])
    assert [g["recommendation"] for g in data["gaps"]] == ["1.8.1"]
    assert summarise(assessment, as_of=AS_OF, area="", round="").to_dict()["area"] is None
    due_today = summarise(assessment, as_of=dt.date(2027, 1, 31))
    assert due_today.to_dict()["owners"][0]["overdue"] == 0  # due on the as-of date: not yet overdue
    assert summarise(assessment, as_of=AS_OF, actions=[]).owners == []  # the group's plan replaces the returns'


def test_a_recommendation_no_workbook_lists_is_uncovered_and_not_assessed(ng225_data):
    ng225_data["sections"] = [s for s in ng225_data["sections"] if s["id"] in ("1.1", "1.8")]
    guideline = parse_guideline(ng225_data)
    summary = summarise(merge_returns(guideline, [make_return(guideline, "CAMHS", sectors=["mental_health"])]),
                        as_of=AS_OF)
    assert summary.uncovered == ["1.8.1"]
    assert summary.totals == counts(not_assessed=5)
    assert summary.sections[1] == {"id": "1.8", "title": guideline.sections[1].title, "counts": counts(not_assessed=1)}


def test_the_summary_carries_the_assessments_area_round_and_title_and_each_actions_age_group(ng225_data):
    ng225_data["sections"] = [s for s in ng225_data["sections"] if s["id"] == "1.1"]
    ng225_data["sections"][0]["recommendations"][1]["population"] = "children_young_people"
    guideline = parse_guideline(ng225_data)
    camhs = make_return(guideline, "CAMHS", {
        "1.1.1": Answer("1.1.1", Y, N, action="Plan", owner="Lead", deadline_text="end of Q3"),
        "1.1.2": Answer("1.1.2", Y, P, action="Train", owner="Lead", deadline=dt.date(2027, 1, 31))})
    camhs.area, camhs.round = "Northshire", "2"
    summary = summarise(merge_returns(guideline, [camhs]), as_of=AS_OF)
    assert (summary.area, summary.round, summary.title) == ("Northshire", "2", guideline.title)
    assert [(a.recommendation, a.population, a.deadline_text) for a in summary.actions] == [
        ("1.1.1", "all", "end of Q3"), ("1.1.2", "children_young_people", "")]
    assert summarise(merge_returns(guideline, [camhs]), as_of=AS_OF, area="Southshire").area == "Southshire"
