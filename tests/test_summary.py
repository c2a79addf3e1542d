"""summary.py: counts, gaps and owner loads over a merged assessment."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from baseline import catalogue
from baseline.assessment import ActionStatus, Answer, Choice
from baseline.merge import merge_returns
from baseline.summary import summarise

from .factories import make_return

Y, P, N = Choice.YES, Choice.PARTIAL, Choice.NO


@pytest.fixture(scope="module")
def ng225():
    return catalogue.load("NG225")


def test_summary_counts_gaps_and_owners(ng225):
    as_of = dt.date(2027, 3, 1)
    camhs = make_return(ng225, "CAMHS", {
        "1.1.1": Answer("1.1.1", Y, P, action="Update leaflet", owner="Ann Lee", deadline=dt.date(2027, 1, 31)),
        "1.1.2": Answer("1.1.2", Y, N, action="Train staff", owner="ann lee ", deadline=dt.date(2027, 6, 30),
                        action_status=ActionStatus.IN_PROGRESS),
        "1.1.3": Answer("1.1.3", Y, Y, action="Audit", owner="Bob", deadline=dt.date(2026, 12, 1),
                        action_status=ActionStatus.COMPLETE),
        "1.1.4": Answer("1.1.4", Y, N, action="No owner yet"),
    }, sectors=["mental_health"])
    ed = make_return(ng225, "ED", {"1.1.1": Answer("1.1.1", Y, Y), "1.1.3": Answer("1.1.3", N)},
                     sectors=["emergency_care"])
    summary = summarise(merge_returns(ng225, [camhs, ed]), as_of=as_of)
    data = summary.to_dict()
    assert list(data) == ["area", "round", "guideline", "version", "as_of", "agencies", "missing_agencies", "totals",
                          "agency_answers", "sections", "by_agency", "gaps", "owners"]
    assert data["as_of"] == "2027-03-01" and data["agencies"] == ["CAMHS", "ED"]
    assert sum(data["totals"].values()) == len(ng225.recommendations)
    section_11 = data["sections"][0]
    assert section_11["id"] == "1.1"
    assert section_11["counts"] == {"met": 1, "partially_met": 1, "not_met": 2, "not_assessed": 0, "not_applicable": 0}
    assert data["by_agency"][1] == {"agency": "ED", "counts": {
        "met": 1, "partially_met": 0, "not_met": 0, "not_assessed": len(ed.answers) - 2, "not_applicable": 1}}
    gap = data["gaps"][0]
    assert gap == {"recommendation": "1.1.1", "summary": ng225.get("1.1.1").summary, "status": "partially_met",
                   "risk": False, "agencies": {"CAMHS": "partially_met", "ED": "met"}}
    assert data["owners"] == [
        {"agency": "CAMHS", "owner": "Ann Lee", "actions": 2, "open": 2, "overdue": 1,
         "earliest_open_deadline": "2027-01-31"},
        {"agency": "CAMHS", "owner": "(no owner)", "actions": 1, "open": 1, "overdue": 0, "earliest_open_deadline": None},
        {"agency": "CAMHS", "owner": "Bob", "actions": 1, "open": 0, "overdue": 0, "earliest_open_deadline": None},
    ]
    json.dumps(data)  # JSON-serialisable as is
    assert [a.recommendation for a in summary.actions] == ["1.1.1", "1.1.2", "1.1.3", "1.1.4"]
    assert summary.actions[0].overdue and not summary.actions[2].overdue
