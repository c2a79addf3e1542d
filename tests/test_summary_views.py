"""summary.py: both views of the statuses, gaps with summaries and risks, owners as (agency, owner) pairs."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from baseline import catalogue
from baseline.assessment import ActionStatus, Answer, Choice, YesNo
from baseline.merge import merge_returns
from baseline.summary import met_percent, summarise

from .factories import make_return

Y, P, N = Choice.YES, Choice.PARTIAL, Choice.NO
AS_OF = dt.date(2027, 3, 1)


@pytest.fixture(scope="module")
def ng225():
    return catalogue.load("NG225")


def test_agency_answers_count_every_agency_recommendation_pair(ng225):
    camhs = make_return(ng225, "CAMHS", {"1.1.1": Answer("1.1.1", Y, Y), "1.1.2": Answer("1.1.2", Y, N)},
                        sectors=["mental_health"])
    school = make_return(ng225, "School", {"1.1.1": Answer("1.1.1", Y, Y), "1.1.2": Answer("1.1.2", N)},
                         sectors=["education"])
    summary = summarise(merge_returns(ng225, [camhs, school]), as_of=AS_OF)
    pairs = len(camhs.answers) + len(school.answers)
    assert sum(summary.agency_answers.values()) == pairs
    assert summary.agency_answers["met"] == 2 and summary.agency_answers["not_met"] == 1
    assert summary.agency_answers["not_applicable"] == 1
    assert summary.agency_answers["not_assessed"] == pairs - 4
    # The worst-of view of the same answers: 1.1.1 met, 1.1.2 not met (the school's No does not apply).
    assert summary.totals["met"] == 1 and summary.totals["not_met"] == 1
    assert summary.answers_assessed == pairs - 1
    assert summary.answers_percent_met == round(100 * 2 / (pairs - 1), 1)
    # by_agency adds up to agency_answers; agency_sections adds up to by_agency.
    for status, n in summary.agency_answers.items():
        assert sum(a["counts"][status] for a in summary.by_agency) == n
    for entry, by in zip(summary.agency_sections, summary.by_agency):
        assert entry["agency"] == by["agency"]
        assert {s: sum(c[s] for c in entry["sections"].values()) for s in by["counts"]} == by["counts"]
    assert summary.agency_sections[0]["sections"]["1.1"]["not_met"] == 1


def test_percent_met_is_met_over_applicable():
    assert met_percent({"met": 1, "partially_met": 1, "not_met": 0, "not_assessed": 1, "not_applicable": 7}) == 33.3
    assert met_percent({"met": 0, "partially_met": 0, "not_met": 0, "not_assessed": 0, "not_applicable": 3}) is None


def test_gaps_carry_our_summary_and_any_risk_flag(ng225):
    with_summary = next(r for r in ng225.recommendations if r.summary)
    without_summary = next(r for r in ng225.recommendations if r.summary is None)
    camhs = make_return(ng225, "CAMHS", {
        with_summary.id: Answer(with_summary.id, Y, N, risk=YesNo.NO),
        without_summary.id: Answer(without_summary.id, Y, P),
    }, sectors=["*"])
    ed = make_return(ng225, "ED", {with_summary.id: Answer(with_summary.id, Y, Y, risk=YesNo.YES)}, sectors=["*"])
    gaps = {g["recommendation"]: g for g in summarise(merge_returns(ng225, [camhs, ed]), as_of=AS_OF).gaps}
    assert gaps[with_summary.id]["summary"] == with_summary.summary
    assert gaps[with_summary.id]["risk"] is True  # any agency's Yes flags it, even one that meets it
    assert gaps[without_summary.id]["summary"] is None and gaps[without_summary.id]["risk"] is False
    assert list(gaps[with_summary.id]) == ["recommendation", "summary", "status", "risk", "agencies"]


def test_the_same_job_title_in_two_agencies_is_two_owners(ng225):
    def action(rec, deadline, status=None):
        return Answer(rec, Y, N, action="Do it", owner="Service Manager", deadline=deadline, action_status=status)

    camhs = make_return(ng225, "CAMHS", {
        "1.1.1": action("1.1.1", dt.date(2027, 1, 31)),
        "1.1.2": action("1.1.2", dt.date(2026, 12, 1), ActionStatus.COMPLETE),  # closed: not the earliest *open*
        "1.1.3": action("1.1.3", dt.date(2027, 5, 1)),
    }, sectors=["*"])
    school = make_return(ng225, "School", {"1.1.1": action("1.1.1", dt.date(2027, 4, 1))}, sectors=["*"])
    summary = summarise(merge_returns(ng225, [camhs, school]), as_of=AS_OF)
    assert [o.to_dict() for o in summary.owners] == [
        {"agency": "CAMHS", "owner": "Service Manager", "actions": 3, "open": 2, "overdue": 1,
         "earliest_open_deadline": "2027-01-31"},
        {"agency": "School", "owner": "Service Manager", "actions": 1, "open": 1, "overdue": 0,
         "earliest_open_deadline": "2027-04-01"},
    ]
    assert [(a.agency, a.recommendation) for a in summary.overdue_actions] == [("CAMHS", "1.1.1")]


def test_area_round_and_missing_agencies_are_stamped(ng225):
    assessment = merge_returns(ng225, [make_return(ng225, "CAMHS")])
    data = summarise(assessment, as_of=AS_OF, area="Northshire", round="2027",
                     missing_agencies=["North Schools"]).to_dict()
    assert (data["area"], data["round"], data["missing_agencies"]) == ("Northshire", "2027", ["North Schools"])
    plain = summarise(assessment, as_of=AS_OF).to_dict()
    assert (plain["area"], plain["round"], plain["missing_agencies"]) == (None, None, [])
    json.dumps(data)
