"""merge.py pinned (found by `make mutate`): the duplicate-agency message as merge prints it, and filtering by agency
keeping each recommendation's number. Returns built here."""

from __future__ import annotations

import datetime as dt

from baseline import catalogue
from baseline.assessment import Answer, Choice
from baseline.merge import merge_returns, restrict, select_returns
from tests.factories import make_return

UTC = dt.timezone.utc


def test_two_returns_of_one_agency_are_listed_with_when_and_by_whom():
    guideline = catalogue.load("NG225")
    first = make_return(guideline, "CAMHS", {"1.1.1": Answer("1.1.1", Choice.YES, completed_by="A. Lead")},
                        source="camhs.xlsx")
    first.last_saved = dt.datetime(2027, 1, 2, 9, 0, tzinfo=UTC)
    second = make_return(guideline, "camhs", source="camhs v2.xlsx")
    second.last_saved = dt.datetime(2027, 1, 3, 9, 0, tzinfo=UTC)
    chosen, [issue] = select_returns([first, second])
    assert chosen == [] and (issue.code, issue.file) == ("duplicate-agency", "camhs v2.xlsx")
    assert issue.message == (
        "2 returns for agency 'CAMHS': camhs.xlsx (last saved 2027-01-02 09:00 UTC, Completed by: A. Lead); camhs "
        "v2.xlsx (last saved 2027-01-03 09:00 UTC, Completed by: not given). If different people filled them in, "
        "check which is the agency's answer before choosing. Merge with --latest to keep camhs v2.xlsx (saved last), "
        "or with --keep FILE to choose.")
    assert select_returns([first, second], latest=True) == ([second], [])


def test_filtering_by_agency_keeps_each_recommendations_number_and_section():
    guideline = catalogue.load("NG225")
    merged = merge_returns(guideline, [make_return(guideline, "CAMHS", sectors=["mental_health"]),
                                       make_return(guideline, "School", sectors=["education"])])
    school = restrict(merged, agencies=["school"])
    assert school.agency_names == ["School"]
    assert [(r.recommendation, r.section) for r in school.results] == [
        (r.id, guideline.section_of(r.id).id) for r in guideline.recommendations_for(["education"])]


def test_an_area_and_round_given_to_the_merge_win_over_the_returns_stamps():
    guideline = catalogue.load("NG225")
    camhs = make_return(guideline, "CAMHS")
    camhs.area, camhs.round = "Northshire", "1"
    assert (merge_returns(guideline, [camhs]).area, merge_returns(guideline, [camhs]).round) == ("Northshire", "1")
    merged = merge_returns(guideline, [camhs], area="Southshire", round="2")
    assert (merged.area, merged.round) == ("Southshire", "2")
