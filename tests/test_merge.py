from __future__ import annotations

import pytest

from baseline import catalogue
from baseline.assessment import Answer, Choice, Status
from baseline.merge import check_same_guideline, merge_returns, restrict, select_returns
from baseline.summary import summarise

from .factories import make_return

Y, P, N = Choice.YES, Choice.PARTIAL, Choice.NO


@pytest.fixture(scope="module")
def ng225():
    return catalogue.load("NG225")


def test_merge_rolls_up_per_recommendation(ng225):
    camhs = make_return(ng225, "CAMHS", {"1.1.1": Answer("1.1.1", Y, Y), "1.5.1": Answer("1.5.1", Y, P)},
                        sectors=["mental_health"])
    school = make_return(ng225, "School", {"1.1.1": Answer("1.1.1", Y, N), "1.8.1": Answer("1.8.1", N)},
                         sectors=["education"])
    merged = merge_returns(ng225, [school, camhs])
    assert merged.agency_names == ["CAMHS", "School"]  # ordered by name, not by input order
    by_id = {r.recommendation: r for r in merged.results}
    assert [r.recommendation for r in merged.results] == [r.id for r in ng225.recommendations]
    assert by_id["1.1.1"].statuses == {"CAMHS": Status.MET, "School": Status.NOT_MET}
    assert by_id["1.1.1"].status is Status.NOT_MET
    assert by_id["1.5.1"].statuses == {"CAMHS": Status.PARTIALLY_MET}  # the school was never asked
    assert by_id["1.8.1"].status is Status.NOT_APPLICABLE
    assert by_id["1.1.2"].status is Status.NOT_ASSESSED


def test_recommendation_nobody_was_asked_about_is_an_uncovered_gap(ng225):
    merged = merge_returns(ng225, [make_return(ng225, "School", sectors=["education"])])
    result = next(r for r in merged.results if r.recommendation == "1.5.1")
    assert result.uncovered and result.status is Status.NOT_ASSESSED
    assert "1.5.1" in summarise(merged).uncovered


def test_duplicate_agency_is_an_error_naming_both_files(ng225):
    a = make_return(ng225, "North CAMHS", source="a.xlsx", generated_at="2026-10-01T00:00:00+00:00")
    b = make_return(ng225, "north  camhs", source="b.xlsx", generated_at="2026-11-01T00:00:00+00:00")
    kept, issues = select_returns([a, b])
    assert [i.code for i in issues] == ["duplicate-agency"]
    assert "a.xlsx" in issues[0].message and "b.xlsx" in issues[0].message and issues[0].severity == "error"
    kept, issues = select_returns([a, b], latest=True)
    assert issues == [] and kept == [b]
    same_stamp = make_return(ng225, "North CAMHS", source="c.xlsx", generated_at=a.generated_at)
    _, issues = select_returns([a, same_stamp], latest=True)
    assert issues and "cannot choose" in issues[0].message


def test_guideline_mismatch(ng225):
    r = make_return(ng225, "A")
    r.fingerprint = "ffffffffffff"
    issues = check_same_guideline(ng225, [r])
    assert [i.code for i in issues] == ["guideline-mismatch"]
    assert check_same_guideline(ng225, [make_return(ng225, "B")]) == []


def test_restrict_to_agency_and_section(ng225):
    camhs = make_return(ng225, "CAMHS", {"1.1.1": Answer("1.1.1", Y, Y)}, sectors=["mental_health"])
    school = make_return(ng225, "School", {"1.1.1": Answer("1.1.1", Y, N)}, sectors=["education"])
    merged = merge_returns(ng225, [camhs, school])
    only_camhs = restrict(merged, agencies=["camhs"])
    assert only_camhs.agency_names == ["CAMHS"]
    assert only_camhs.results[0].status is Status.MET
    assert all(r.answers for r in only_camhs.results)  # recommendations CAMHS was never asked about are dropped
    only_18 = restrict(merged, sections=["1.8"])
    assert {r.section for r in only_18.results} == {"1.8"}
    assert [s["id"] for s in summarise(only_18).to_dict()["sections"]] == ["1.8"]


def test_returns_round_trip_through_the_merge(ng225):
    camhs = make_return(ng225, "CAMHS", {"1.1.1": Answer("1.1.1", Y, Y, evidence="Leaflets")}, sectors=["mental_health"])
    back = merge_returns(ng225, [camhs]).returns()[0]
    assert back.answers == camhs.answers and back.agency == "CAMHS"
