"""Rounds and versions (baseline/rounds.py): compare two assessments, migrate between encodings, prefill.

The second encoding version is built here from the shipped NG225 file (one recommendation added, one removed, one
section renamed): test-only, never shipped, and it invents no NICE content (the added recommendation has no summary).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from baseline import catalogue
from baseline.actions import build_plan
from baseline.assessment import ActionStatus, Answer, Choice, Status, YesNo, count_statuses
from baseline.guideline import Guideline, guideline_data, parse_guideline
from baseline.issues import BaselineError
from baseline.merge import merge_returns
from baseline.rounds import (
    RoundInfo,
    answers_digest,
    compare,
    migrate_assessment,
    migrate_plan,
    migrate_return,
    prefill_returns,
    status_change,
    unchanged_return,
)

from .factories import ADDED, NEXT_VERSION, REMOVED, RENAMED, make_return, next_version

Y, P, N = Choice.YES, Choice.PARTIAL, Choice.NO
MERGED_AT = dt.datetime(2027, 2, 1, 9, 0, tzinfo=dt.timezone.utc)
TEST_VERSION = NEXT_VERSION


@pytest.fixture(scope="module")
def ng225() -> Guideline:
    return catalogue.load("NG225")


@pytest.fixture(scope="module")
def ng225_next(ng225) -> Guideline:
    return next_version(ng225)


def merged(guideline, *returns):
    return merge_returns(guideline, returns, merged_at=MERGED_AT)


def meta(as_of: dt.date, round_: str) -> RoundInfo:
    return RoundInfo(area="Northshire", round=round_, merged_at=MERGED_AT.isoformat(), as_of=as_of)


# --- compare -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("old, new, change", [
    (Status.NOT_MET, Status.MET, "improved"),
    (Status.NOT_ASSESSED, Status.NOT_MET, "improved"),
    (Status.PARTIALLY_MET, Status.NOT_MET, "worse"),
    (Status.MET, Status.NOT_ASSESSED, "worse"),
    (Status.MET, Status.MET, "same"),
    (Status.NOT_APPLICABLE, Status.NOT_APPLICABLE, "same"),
    (Status.NOT_APPLICABLE, Status.MET, "scope"),
    (Status.NOT_MET, Status.NOT_APPLICABLE, "scope"),
    (None, Status.MET, "new"),
    (Status.MET, None, "removed"),
])
def test_status_change_rules(old, new, change):
    assert status_change(old, new) == change


@pytest.fixture
def two_rounds(ng225):
    camhs_then = make_return(ng225, "North CAMHS", {
        "1.1.1": Answer("1.1.1", Y, N, action="Train staff", owner="Lead", deadline=dt.date(2027, 1, 31)),
        "1.1.2": Answer("1.1.2", Y, P, action="Leaflets", owner="Comms", deadline=dt.date(2027, 6, 30)),
        "1.1.3": Answer("1.1.3", Y, Y),
        "1.1.4": Answer("1.1.4", N),
        "1.2.1": Answer("1.2.1", Y, N, action="Policy", owner="Lead", deadline=dt.date(2027, 1, 1)),
    }, sectors=["mental_health"])
    school_then = make_return(ng225, "School", {"1.1.1": Answer("1.1.1", Y, Y), "1.1.3": Answer("1.1.3", Y, Y),
                                                "1.1.4": Answer("1.1.4", N)}, sectors=["education"])
    camhs_now = make_return(ng225, "north camhs", {
        "1.1.1": Answer("1.1.1", Y, Y, action="Train staff", owner="Lead", deadline=dt.date(2027, 1, 31),
                        action_status=ActionStatus.COMPLETE),
        "1.1.2": Answer("1.1.2", Y, N, action="Leaflets", owner="Comms", deadline=dt.date(2027, 6, 30)),
        "1.1.3": Answer("1.1.3", N),
        "1.1.4": Answer("1.1.4", Y, Y),
        "1.2.1": Answer("1.2.1", Y, N, action="Policy", owner="Lead", deadline=dt.date(2027, 1, 1)),
        "1.3.1": Answer("1.3.1", Y, N, action="Audit", owner="Lead"),
    }, sectors=["mental_health"])
    ed_now = make_return(ng225, "ED", {"1.1.1": Answer("1.1.1", Y, Y), "1.1.3": Answer("1.1.3", N),
                                       "1.1.4": Answer("1.1.4", Y, Y)}, sectors=["emergency_care"])
    old, new = merged(ng225, camhs_then, school_then), merged(ng225, camhs_now, ed_now)
    return old, new


def test_compare_per_recommendation_section_agency_and_action(two_rounds):
    old, new = two_rounds
    old_meta, new_meta = meta(dt.date(2027, 3, 1), "2027"), meta(dt.date(2027, 9, 1), "2027b")
    result = compare(old, new, build_plan(old), build_plan(new), old_meta=old_meta, new_meta=new_meta)
    changes = {r.recommendation: (r.old, r.new, r.change) for r in result.recommendations}
    assert changes["1.1.1"] == (Status.NOT_MET, Status.MET, "improved")  # School met, CAMHS not met -> all met now
    assert changes["1.1.2"] == (Status.PARTIALLY_MET, Status.NOT_MET, "worse")
    assert changes["1.1.3"] == (Status.MET, Status.NOT_APPLICABLE, "scope")
    assert changes["1.1.4"] == (Status.NOT_APPLICABLE, Status.MET, "scope")
    assert changes["1.2.1"] == (Status.NOT_MET, Status.NOT_MET, "same")
    # 1.5.1 concerns mental health only; both rounds list it through North CAMHS and leave it blank
    assert changes["1.5.1"] == (Status.NOT_ASSESSED, Status.NOT_ASSESSED, "same")
    # an education-only recommendation: the school listed it then, nobody listed it now
    school_only = next(r for r in old.results if r.answers and set(r.answers) == {"School"})
    assert changes[school_only.recommendation] == (Status.NOT_ASSESSED, None, "removed")
    # sections count system statuses, worked out here from the merged results
    section_11 = next(s for s in result.sections if s["id"] == "1.1")
    assert section_11["old"] == count_statuses(r.status for r in old.results if r.section == "1.1")
    assert section_11["new"]["met"] == 2 and section_11["new"]["not_met"] == 1  # 1.1.1, 1.1.4 met; 1.1.2 not met
    agencies = {a["agency"]: a for a in result.agencies}
    assert set(agencies) == {"ED", "north camhs", "School"}  # one agency across a respelling, named as now
    assert agencies["north camhs"]["old"]["not_met"] == 2 and agencies["north camhs"]["new"]["not_met"] == 3
    assert agencies["School"]["new"] is None and agencies["ED"]["old"] is None
    # actions: 1.1.1 closed; 1.1.2 and 1.2.1 still open; 1.2.1 overdue then and now; 1.3.1 new
    assert result.actions.to_dict() == {"closed": 1, "new": 1, "still_open": 2, "still_overdue": 1, "dropped": 0}
    assert [a.split("-")[0] for a in result.actions.still_overdue] == ["1.2.1"]
    assert result.agencies_only_old == ["School"] and result.agencies_only_new == ["ED"]
    # an action open then and gone from the new plan (its agency's return not merged this time) is counted
    without_policy = [row for row in build_plan(new) if row.recommendation != "1.2.1"]
    dropped = compare(old, new, build_plan(old), without_policy, old_meta=old_meta, new_meta=new_meta).actions
    assert [a.split("-")[0] for a in dropped.dropped] == ["1.2.1"] and dropped.to_dict()["dropped"] == 1
    assert dropped.to_dict()["still_open"] == 1


def test_compare_json_is_exactly_the_contract(two_rounds):
    old, new = two_rounds
    data = compare(old, new, build_plan(old), build_plan(new), old_meta=meta(dt.date(2027, 3, 1), "2027"),
                   new_meta=meta(dt.date(2027, 9, 1), "2027b")).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert list(data) == ["old", "new", "recommendations", "sections", "agencies", "actions"]
    assert data["old"] == {"area": "Northshire", "round": "2027", "merged_at": MERGED_AT.isoformat(),
                           "as_of": "2027-03-01"}
    assert set(data["recommendations"][0]) == {"recommendation", "old", "new", "change"}
    assert set(data["sections"][0]) == {"id", "old", "new"}
    assert set(data["agencies"][0]) == {"agency", "old", "new"}
    assert set(data["actions"]) == {"closed", "new", "still_open", "still_overdue", "dropped"}
    unknown = compare(old, new, [], [], old_meta=RoundInfo(merged_at=MERGED_AT.isoformat()),
                      new_meta=meta(dt.date(2027, 9, 1), "2027b")).to_dict()["old"]
    assert unknown == {"area": None, "round": None, "merged_at": MERGED_AT.isoformat(), "as_of": None}  # as summary


def test_compare_of_two_versions_points_at_migrate(ng225, ng225_next):
    old = merged(ng225, make_return(ng225, "A"))
    new = merged(ng225_next, make_return(ng225_next, "A"))
    with pytest.raises(BaselineError) as caught:
        compare(old, new, [], [], old_meta=RoundInfo(), new_meta=RoundInfo(), old_name="2027.xlsx",
                new_name="2028.xlsx")
    assert f"baseline migrate 2027.xlsx --to NG225@{TEST_VERSION} -o 2027-{TEST_VERSION}.xlsx" in str(caught.value)
    # after migrating, the two compare; the added recommendation is new, the removed one is not in either
    migrated, _, _ = migrate_assessment(old, ng225_next)
    result = compare(migrated, new, [], [], old_meta=RoundInfo(), new_meta=RoundInfo())
    assert REMOVED not in {r.recommendation for r in result.recommendations}
    assert {r.recommendation: r.change for r in result.recommendations}[ADDED] == "same"  # blank both sides


def test_compare_refuses_another_guideline(ng225):
    data = guideline_data(ng225)
    data["guideline"] = "NG999"
    other = parse_guideline(data)
    with pytest.raises(BaselineError, match="same guideline"):
        compare(merged(ng225), merged(other), [], [], old_meta=RoundInfo(), new_meta=RoundInfo())


# --- migrate -------------------------------------------------------------------------------------------------


def test_migrate_a_return_there_and_back(ng225, ng225_next):
    original = make_return(ng225, "North CAMHS", {
        "1.1.1": Answer("1.1.1", Y, P, evidence="Leaflet", risk=YesNo.YES),
        REMOVED: Answer(REMOVED, Y, N, action="Keep this", owner="Lead"),
        "1.2.1": Answer("1.2.1", Y, Y, evidence="In a renamed section"),
    }, sectors=["mental_health"])
    moved, report = migrate_return(original, ng225, ng225_next)
    assert (moved.version, moved.fingerprint) == (TEST_VERSION, ng225_next.fingerprint)
    assert list(moved.answers) == [r.id for r in ng225_next.recommendations_for(["mental_health"])]
    assert moved.answers["1.1.1"] == original.answers["1.1.1"]
    assert moved.answers["1.2.1"] == original.answers["1.2.1"]  # follows the id whatever its section is called
    assert moved.answers[ADDED] == Answer(ADDED) and ("North CAMHS", ADDED) in report.blank
    assert report.added == [ADDED]
    assert [(r.recommendation, r.answer) for r in report.removed] == [(REMOVED, original.answers[REMOVED])]
    assert report.sections_renamed == [{"id": RENAMED, "old_title": ng225.sections[1].title,
                                        "new_title": "Renamed in the test version"}]
    assert report.kept == len(original.answers) - 1
    data = report.to_dict()
    assert data["removed"][0]["answer"]["action"] == "Keep this" and json.loads(json.dumps(data)) == data
    back, back_report = migrate_return(moved, ng225_next, ng225)
    shared = {r.id for r in ng225.recommendations} & {r.id for r in ng225_next.recommendations}
    assert {k: v for k, v in back.answers.items() if k in shared} == \
        {k: v for k, v in original.answers.items() if k in shared}
    assert back.answers[REMOVED] == Answer(REMOVED)  # back in the old version: blank and flagged
    assert (back.version, back.fingerprint) == (ng225.version, ng225.fingerprint)
    assert [r.recommendation for r in back_report.removed] == [ADDED]


def test_an_answer_the_target_version_no_longer_asks_the_agency_for_is_kept_and_reported(ng225):
    data = guideline_data(ng225)
    data["version"] = TEST_VERSION
    only_education = next(s for s in data["sections"] if s["id"] == "1.5")
    only_education["sectors"] = ["education"]
    resectored = parse_guideline(data)
    camhs = make_return(ng225, "North CAMHS", {"1.5.1": Answer("1.5.1", Y, P, evidence="Kept")},
                        sectors=["mental_health"])
    moved, report = migrate_return(camhs, ng225, resectored)
    assert moved.answers["1.5.1"] == camhs.answers["1.5.1"]
    assert report.unlisted == [("North CAMHS", "1.5.1")] and report.removed == []


def test_migrate_refuses_a_return_of_another_version(ng225, ng225_next):
    with pytest.raises(BaselineError, match="not NG225@2099-01-01"):
        migrate_return(make_return(ng225, "A"), ng225_next, ng225)


def test_migrate_a_merged_assessment_and_its_plan(ng225, ng225_next):
    camhs = make_return(ng225, "North CAMHS", {
        REMOVED: Answer(REMOVED, Y, N, action="Gone next version", owner="Lead"),
        "1.2.1": Answer("1.2.1", Y, N, action="Policy", owner="Lead"),
    }, sectors=["mental_health"])
    school = make_return(ng225, "School", {"1.2.1": Answer("1.2.1", Y, N, action="Policy", owner="Head")},
                         sectors=["education"])
    assessment = replace(merged(ng225, camhs, school), as_of=dt.date(2027, 3, 1))
    plan = [replace(row, progress_notes="group note") for row in build_plan(assessment)]
    moved, moved_plan, report = migrate_assessment(assessment, ng225_next, plan)
    assert moved.guideline is ng225_next and moved.agency_names == assessment.agency_names
    assert (moved.merged_at, moved.as_of) == (assessment.merged_at, dt.date(2027, 3, 1))  # still the same merge
    assert [r.recommendation for r in moved.results] == [r.id for r in ng225_next.recommendations]
    by_id = {r.recommendation: r for r in moved.results}
    assert by_id["1.2.1"].answers == next(r.answers for r in assessment.results if r.recommendation == "1.2.1")
    assert set(by_id[ADDED].answers) == {"North CAMHS", "School"}  # "all" sectors: both asked, blank
    assert {(r.agency, r.recommendation) for r in report.removed} == {("North CAMHS", REMOVED), ("School", REMOVED)}
    assert [(r.recommendation, r.action) for r in report.removed_actions] == [(REMOVED, "Gone next version")]
    assert [(r.recommendation, r.progress_notes) for r in moved_plan] == [("1.2.1", "group note")] * 2
    assert moved_plan[0].links == (moved_plan[1].action_id,)
    alone, plan_report = migrate_plan(plan, ng225, ng225_next)
    assert alone == moved_plan and plan_report.removed_actions == report.removed_actions


_choice = st.sampled_from([None, *Choice])
_answer_values = st.fixed_dictionaries({
    "relevant": _choice, "meets": _choice, "evidence": st.sampled_from(["", "Audit 2026", "Policy"]),
    "action": st.sampled_from(["", "Train staff"]), "owner": st.sampled_from(["", "Lead"]),
    "deadline": st.sampled_from([None, dt.date(2027, 6, 30)]), "action_status": st.sampled_from([None, *ActionStatus]),
    "risk": st.sampled_from([None, *YesNo]),
})


@settings(max_examples=60, deadline=None, derandomize=True)
@given(values=st.dictionaries(st.sampled_from(["1.1.1", "1.1.3", REMOVED, "1.2.1", "1.7.2", "1.12.6"]), _answer_values),
       sectors=st.sampled_from([["mental_health"], ["education"], ["commissioning", "primary_care"]]),
       forward=st.booleans())
def test_there_and_back_loses_nothing_both_versions_share(ng225, ng225_next, values, sectors, forward):
    start, other = (ng225, ng225_next) if forward else (ng225_next, ng225)
    listed = {r.id for r in start.recommendations_for(sectors)}
    answers = {rec: Answer(rec, **v) for rec, v in values.items() if rec in listed}
    original = make_return(start, "Agency", answers, sectors=sectors)
    there, _ = migrate_return(original, start, other)
    back, _ = migrate_return(there, other, start)
    shared = {r.id for r in start.recommendations} & {r.id for r in other.recommendations}
    for rec_id, answer in original.answers.items():
        if rec_id in shared:
            assert back.answers[rec_id] == answer
    assert list(back.answers) == list(original.answers)  # the same rows, in the same order
    assembled = merged(start, original)
    plan = build_plan(assembled)
    plan_there, _ = migrate_plan(plan, start, other)
    plan_back, _ = migrate_plan(plan_there, other, start)
    assert [replace(r, links=(), more_links=0) for r in plan_back] == \
        [replace(r, links=(), more_links=0) for r in plan if r.recommendation in shared]


# --- prefill -------------------------------------------------------------------------------------------------


def test_prefill_carries_last_answers_and_the_groups_action_updates(ng225):
    camhs = make_return(ng225, "North CAMHS", {
        "1.1.1": Answer("1.1.1", Y, N, evidence="Audit", action="Train staff", owner="Lead"),
        "1.1.2": Answer("1.1.2", Y, Y, evidence="Done"),
    }, sectors=["mental_health"])
    assessment = merged(ng225, camhs)
    plan = [replace(r, status=ActionStatus.COMPLETE, deadline=dt.date(2027, 5, 1), owner="New lead")
            for r in build_plan(assessment)]
    (prefilled,) = prefill_returns(assessment, plan)
    assert prefilled.answers["1.1.1"] == Answer("1.1.1", Y, N, evidence="Audit", action="Train staff",
                                                owner="New lead", deadline=dt.date(2027, 5, 1),
                                                action_status=ActionStatus.COMPLETE)
    assert prefilled.answers["1.1.2"] == camhs.answers["1.1.2"]
    assert list(prefilled.answers) == list(camhs.answers)


def test_an_untouched_prefilled_return_is_reported(ng225):
    sent = make_return(ng225, "North CAMHS", {"1.1.1": Answer("1.1.1", Y, N, evidence="Audit")})
    digest = answers_digest(sent.answers)
    resaved = replace(sent, answers={**sent.answers, "1.1.1": Answer("1.1.1", Y, N, evidence="Audit ")})
    issue = unchanged_return(resaved, digest)
    assert issue is not None and issue.code == "unchanged-return" and issue.severity == "warning"
    assert "review every row" in issue.message
    changed = replace(sent, answers={**sent.answers, "1.1.1": Answer("1.1.1", Y, P, evidence="Audit")})
    assert unchanged_return(changed, digest) is None
    assert unchanged_return(sent, "") is None  # not a prefilled workbook


def test_a_recommendation_no_agency_was_asked_about_in_either_round_is_not_new(ng225):
    then = make_return(ng225, "School", {"1.1.1": Answer("1.1.1", Y, N)}, sectors=["education"])
    now = make_return(ng225, "School", {"1.1.1": Answer("1.1.1", Y, Y)}, sectors=["education"])
    result = compare(merged(ng225, then), merged(ng225, now), [], [], old_meta=meta(dt.date(2027, 3, 1), "1"),
                     new_meta=meta(dt.date(2028, 3, 1), "2"))
    listed = {r.id for r in ng225.recommendations_for(["education"])}
    assert {r.recommendation for r in result.recommendations} == listed
    assert result.change_counts == {"improved": 1, "worse": 0, "same": len(listed) - 1, "new": 0, "removed": 0,
                                    "scope": 0}
