from __future__ import annotations

import datetime as dt

import pytest

from baseline import catalogue
from baseline.assessment import Answer, Choice, Status
from baseline.merge import check_same_guideline, merge_returns, restrict, select_returns, unused_keeps
from baseline.summary import summarise
from baseline.tracker import ReceivedFile, choose_return

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
    a = make_return(ng225, "North CAMHS", source="returns/a.xlsx")
    b = make_return(ng225, "north  camhs", source="returns/b.xlsx")
    a.last_saved = dt.datetime(2027, 1, 26, 9, 5, tzinfo=dt.timezone.utc)  # a resubmission saved after b...
    b.last_saved = dt.datetime(2027, 1, 12, 16, 30, tzinfo=dt.timezone.utc)
    b.generated_at = "2026-12-01T00:00:00+00:00"  # ...from an older blank workbook: the stamp does not decide
    kept, issues = select_returns([a, b])
    assert [i.code for i in issues] == ["duplicate-agency"]
    message = issues[0].message
    assert "returns/a.xlsx (last saved 2027-01-26 09:05 UTC" in message and "returns/b.xlsx (last saved 2027-01-12" \
        in message and issues[0].severity == "error"
    assert "Merge with --latest to keep returns/a.xlsx (saved last)" in message
    kept, issues = select_returns([b, a], latest=True)
    assert issues == [] and kept == [a]
    # --keep names the file (path as given, or its name); it beats --latest; another agency's file keeps nothing
    assert select_returns([a, b], keep=["./returns/b.xlsx"]) == ([b], [])
    assert select_returns([a, b], keep=["B.XLSX"], latest=True) == ([b], [])
    other = make_return(ng225, "North Schools", source="schools.xlsx")
    kept, issues = select_returns([a, b, other], keep=["schools.xlsx"])
    assert kept == [other] and [i.code for i in issues] == ["duplicate-agency"]
    assert unused_keeps([a.source, b.source], ["b.xlsx", "typo.xlsx"]) == ["typo.xlsx"]
    # the same last-saved time (a copy of one file), or none: --latest cannot choose, and --keep is suggested
    same_time = make_return(ng225, "North CAMHS", source="c.xlsx")
    same_time.last_saved = a.last_saved
    _, issues = select_returns([a, same_time], latest=True)
    assert issues and "--latest cannot choose (their last-saved times are the same)" in issues[0].message
    assert "Merge with --latest" not in issues[0].message
    _, issues = select_returns([a, make_return(ng225, "North CAMHS", source="d.csv")], latest=True)
    assert issues and "--latest cannot choose (a last-saved time is missing)" in issues[0].message


def test_a_lone_return_is_chosen_as_choose_return_chooses_it(ng225):
    """select_returns takes an agency's only return without asking tracker.choose_return (nor reading who completed
    it): whatever --keep and --latest say, as choose_return would, and in the agencies' order."""
    lone = make_return(ng225, "North Schools", source="schools.xlsx")  # no last-saved time: --latest cannot choose
    a = make_return(ng225, "North CAMHS", source="a.xlsx")
    b = make_return(ng225, "North CAMHS", source="b.xlsx")
    for keep, latest in [((), False), (("a.xlsx",), False), (("typo.xlsx",), True), (("schools.xlsx",), True)]:
        assert choose_return([ReceivedFile(path=lone.source, agency=lone.agency)], keep=keep, latest=latest)
        kept, issues = select_returns([lone, a, b], keep=keep, latest=latest)
        assert kept[0] is lone and all(i.file != lone.source for i in issues)
    assert select_returns([a, lone], keep=["a.xlsx"])[0] == [a, lone]


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
