"""The living action plan (baseline/actions.py): IDs, the plan from returns, carrying the group's edits forward."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from baseline import catalogue
from baseline.actions import (
    FIELD_LABELS,
    MAX_LINKS,
    Orphan,
    PlanRow,
    ReturnedFields,
    action_id,
    action_key,
    agency_code,
    as_summary_actions,
    build_plan,
    carry_forward,
    group_edits,
    has_group_edits,
    link_actions,
    list_plan,
    returned_values,
    risk_first,
)
from baseline.assessment import ActionStatus, Answer, Choice, YesNo
from baseline.guideline import guideline_data, parse_guideline
from baseline.issues import BaselineError
from baseline.merge import merge_returns
from baseline.summary import owner_loads

from .factories import make_return

Y, P, N = Choice.YES, Choice.PARTIAL, Choice.NO
MERGED_AT = dt.datetime(2027, 2, 1, 9, 0, tzinfo=dt.timezone.utc)
TODAY = dt.date(2027, 3, 1)


@pytest.fixture(scope="module")
def ng225():
    return catalogue.load("NG225")


def act(rec: str, action: str = "", owner: str = "", deadline: dt.date | None = None, status=None, **more) -> Answer:
    return Answer(rec, Y, N, action=action, owner=owner, deadline=deadline, action_status=status, **more)


def merged(guideline, *returns):
    return merge_returns(guideline, returns, merged_at=MERGED_AT)


def by_key(plan):
    return {(row.agency, row.recommendation): row for row in plan}


# --- identity ------------------------------------------------------------------------------------------------


def test_action_id_is_readable_and_unique_for_names_sharing_a_prefix():
    names = ["North CAMHS", "North CAMHS Tier 4", "North", "North East", "Northshire ED", "St Mary's Hospital",
             "St Marys Hospital", "Barnardo's"]
    codes = {name: agency_code(name) for name in names}
    assert len(set(codes.values())) == len(names)
    assert re.fullmatch(r"1\.7\.3-NC-[0-9A-F]{6}", action_id("North CAMHS", "1.7.3"))
    assert codes["North East"].startswith("NE-") and codes["North"].startswith("NOR-")
    assert codes["St Mary's Hospital"].startswith("SMH-") and codes["North CAMHS Tier 4"].startswith("NCT4-")


def test_action_id_ignores_case_and_spacing_like_agency_identity():
    assert action_id("North  CAMHS", "1.1.1") == action_id("north camhs", "1.1.1") == action_id("North CAMHS", "1.1.1")
    assert action_id("North CAMHS", "1.1.1") != action_id("North CAMHS", "1.1.2")
    assert agency_code("Équipe Santé") != agency_code("Equipe Sante")  # normalised name, not its ASCII shadow


def test_a_late_return_renumbers_nothing(ng225):
    a = make_return(ng225, "Alpha CAMHS", {"1.1.1": act("1.1.1", "Train staff")}, sectors=["mental_health"])
    c = make_return(ng225, "Gamma School", {"1.1.1": act("1.1.1", "Assemblies")}, sectors=["education"])
    late = make_return(ng225, "Beta ED", {"1.1.1": act("1.1.1", "Triage")}, sectors=["emergency_care"])
    first = build_plan(merged(ng225, a, c))
    later = build_plan(merged(ng225, a, late, c))
    ids_before = {row.key: row.action_id for row in first}
    assert all(ids_before[row.key] == row.action_id for row in later if row.key in ids_before)
    assert len({row.action_id for row in later}) == 3


def test_ids_that_clash_are_refused_not_shared(ng225, monkeypatch):
    monkeypatch.setattr("baseline.actions.agency_code", lambda agency: "SAME")
    a = make_return(ng225, "A", {"1.1.1": act("1.1.1", "x")})
    b = make_return(ng225, "B", {"1.1.1": act("1.1.1", "y")})
    with pytest.raises(BaselineError, match="share the Action ID 1.1.1-SAME"):
        build_plan(merged(ng225, a, b))


# --- building the plan ---------------------------------------------------------------------------------------


def test_build_plan_has_one_row_per_action_or_owner_in_guideline_then_agency_order(ng225):
    school = make_return(ng225, "School", {
        "1.1.2": act("1.1.2", "Assemblies", "Head", dt.date(2027, 6, 30), ActionStatus.IN_PROGRESS, risk=YesNo.YES),
        "1.1.1": act("1.1.1", owner="Deputy head"),  # an owner alone is an action
        "1.1.3": Answer("1.1.3", Y, Y, evidence="Done already"),  # no action, no owner: not in the plan
    }, sectors=["education"])
    camhs = make_return(ng225, "CAMHS", {"1.1.2": act("1.1.2", "Leaflets ", deadline_text="end of Q4")},
                        sectors=["mental_health"])
    plan = build_plan(merged(ng225, school, camhs))
    assert [(r.recommendation, r.agency) for r in plan] == [("1.1.1", "School"), ("1.1.2", "CAMHS"), ("1.1.2", "School")]
    row = by_key(plan)[("School", "1.1.2")]
    assert (row.section, row.population, row.action, row.owner, row.deadline, row.status, row.risk) == (
        "1.1", "all", "Assemblies", "Head", dt.date(2027, 6, 30), ActionStatus.IN_PROGRESS, True)
    camhs_row = by_key(plan)[("CAMHS", "1.1.2")]
    assert (camhs_row.action, camhs_row.deadline, camhs_row.deadline_text, camhs_row.risk) == (
        "Leaflets", None, "end of Q4", False)
    assert row.links == (camhs_row.action_id,) and camhs_row.links == (row.action_id,)
    assert by_key(plan)[("School", "1.1.1")].links == ()
    assert not has_group_edits(plan, returned_values(merged(ng225, school, camhs)))


def test_links_name_the_same_agencys_identical_action_elsewhere(ng225):
    school = make_return(ng225, "School", {"1.1.1": act("1.1.1", "Staff training"),
                                           "1.1.3": act("1.1.3", "staff  TRAINING"),
                                           "1.1.4": act("1.1.4", "Something else")}, sectors=["education"])
    plan = by_key(build_plan(merged(ng225, school)))
    assert plan[("School", "1.1.1")].links == (plan[("School", "1.1.3")].action_id,)
    assert plan[("School", "1.1.4")].links == ()


def _row(i: int, rec: str, agency: str, action: str = "") -> PlanRow:
    return PlanRow(action_id(agency, rec), rec.rsplit(".", 1)[0], rec, "all", agency, action=action or f"do {i}")


def test_links_of_5000_actions_cost_linear_time():
    # 5,000 agencies with an action on one recommendation, and one agency with one action text on 5,000
    # recommendations: a pairwise step would be 2 x 25 million pairs.
    rows = [_row(i, "1.1.1", f"Agency {i}") for i in range(5000)]
    rows += [_row(i, f"1.{i + 2}.1", "Solo", "same text") for i in range(5000)]
    started = time.process_time()
    linked = link_actions(rows)
    elapsed = time.process_time() - started
    assert elapsed < 3, f"linking 10,000 actions took {elapsed:.1f}s of CPU"
    first, solo = linked[0], linked[5000]
    assert first.links == tuple(r.action_id for r in rows[1:MAX_LINKS + 1]) and first.more_links == 4999 - MAX_LINKS
    assert solo.links == tuple(r.action_id for r in rows[5001:5001 + MAX_LINKS]) and solo.more_links == 4999 - MAX_LINKS
    assert first.links_shown.endswith(f"and {4999 - MAX_LINKS} more")


# --- carrying edits forward ----------------------------------------------------------------------------------


@pytest.fixture
def first_round(ng225):
    """A first merge: two agencies, three actions; returns the returns, the assessment and its plan."""
    camhs = make_return(ng225, "North CAMHS", {
        "1.1.1": act("1.1.1", "Train liaison staff", "Clinical lead", dt.date(2027, 6, 30), ActionStatus.NOT_STARTED),
        "1.1.2": act("1.1.2", "Review leaflets", "Comms officer", dt.date(2027, 1, 31), ActionStatus.IN_PROGRESS),
    }, sectors=["mental_health"])
    school = make_return(ng225, "North School", {
        "1.1.1": act("1.1.1", "Assemblies", "Head", dt.date(2027, 4, 1), ActionStatus.NOT_STARTED),
    }, sectors=["education"])
    assessment = merged(ng225, camhs, school)
    return camhs, school, assessment, build_plan(assessment)


def _edit(plan, agency, rec, **values):
    return [replace(r, **values) if (r.agency, r.recommendation) == (agency, rec) else r for r in plan]


def test_group_edits_are_carried_through_a_late_return(ng225, first_round):
    camhs, school, assessment, plan = first_round
    edited = _edit(plan, "North CAMHS", "1.1.2", status=ActionStatus.COMPLETE, progress_notes="Closed at May meeting")
    edited = _edit(edited, "North CAMHS", "1.1.1", deadline=dt.date(2027, 9, 30), owner="Liaison team manager")
    edited = _edit(edited, "North School", "1.1.1", action="Assemblies and staff briefings")
    assert has_group_edits(edited, returned_values(assessment))
    late = make_return(ng225, "Late Youth Justice", {"1.1.1": act("1.1.1", "Screening", "YOT manager")},
                       sectors=["criminal_justice"])
    new_assessment = merged(ng225, camhs, late, school)
    plan2, report = carry_forward(edited, returned_values(assessment), build_plan(new_assessment), TODAY,
                                  assessment=new_assessment)
    rows = by_key(plan2)
    assert rows[("North CAMHS", "1.1.2")].status is ActionStatus.COMPLETE
    assert rows[("North CAMHS", "1.1.2")].progress_notes == "Closed at May meeting"
    assert rows[("North CAMHS", "1.1.1")].deadline == dt.date(2027, 9, 30)
    assert rows[("North CAMHS", "1.1.1")].owner == "Liaison team manager"
    assert rows[("North School", "1.1.1")].action == "Assemblies and staff briefings"
    assert {(e.agency, e.recommendation, e.field) for e in report.carried} == {
        ("North CAMHS", "1.1.2", "status"), ("North CAMHS", "1.1.2", "progress_notes"),
        ("North CAMHS", "1.1.1", "deadline"), ("North CAMHS", "1.1.1", "owner"), ("North School", "1.1.1", "action")}
    assert report.overridden == [] and report.kept == []
    assert report.added == [rows[("Late Youth Justice", "1.1.1")].action_id]
    assert rows[("Late Youth Justice", "1.1.1")].last_updated == TODAY
    assert rows[("North CAMHS", "1.1.2")].last_updated is None  # nothing changed at this merge
    # the late action links to the two others on 1.1.1, and they to it
    assert rows[("North School", "1.1.1")].action_id in rows[("Late Youth Justice", "1.1.1")].links
    assert rows[("Late Youth Justice", "1.1.1")].action_id in rows[("North CAMHS", "1.1.1")].links
    json.dumps(report.to_dict())
    # merged again with nothing new: the carried plan is stable and still counts as edited
    plan3, report3 = carry_forward(plan2, returned_values(new_assessment), build_plan(new_assessment), TODAY)
    assert plan3 == plan2 and report3.overridden == [] and report3.kept == []


def test_the_return_wins_a_conflict_and_the_group_value_goes_into_the_notes(ng225, first_round):
    camhs, school, assessment, plan = first_round
    edited = _edit(plan, "North CAMHS", "1.1.1", deadline=dt.date(2027, 6, 30), owner="Group's choice",
                   progress_notes="Agreed in March")
    edited = _edit(edited, "North CAMHS", "1.1.1", deadline=dt.date(2027, 5, 15))
    resent = replace(camhs, answers={**camhs.answers, "1.1.1": act(
        "1.1.1", "Train liaison staff", "Group's choice", dt.date(2027, 7, 31), ActionStatus.IN_PROGRESS)})
    new_assessment = merged(ng225, resent, school)
    plan2, report = carry_forward(edited, returned_values(assessment), build_plan(new_assessment), TODAY)
    row = by_key(plan2)[("North CAMHS", "1.1.1")]
    assert row.deadline == dt.date(2027, 7, 31)  # the return wins
    assert row.owner == "Group's choice"  # the return now agrees with the group: no conflict
    assert row.status is ActionStatus.IN_PROGRESS  # not edited by the group: the agency's update stands
    assert row.progress_notes == ("Agreed in March\n[2027-03-01] Group's deadline 15/05/2027 replaced by the "
                                  "agency's new return (31/07/2027).")
    assert [(e.field, e.group_value, e.return_value) for e in report.overridden] == [
        ("deadline", "15/05/2027", "31/07/2027")]
    assert row.last_updated == TODAY


def test_a_cleared_action_is_kept_marked_and_noted_once(ng225, first_round):
    camhs, school, assessment, plan = first_round
    edited = _edit(plan, "North CAMHS", "1.1.2", progress_notes="Leaflet drafted")
    cleared = replace(camhs, answers={**camhs.answers, "1.1.2": Answer("1.1.2", Y, Y)})
    new_assessment = merged(ng225, cleared, school)
    plan2, report = carry_forward(edited, returned_values(assessment), build_plan(new_assessment), TODAY,
                                  assessment=new_assessment)
    row = by_key(plan2)[("North CAMHS", "1.1.2")]
    assert row.orphaned is Orphan.CLEARED and row.status is ActionStatus.IN_PROGRESS and row.owner == "Comms officer"
    assert row.progress_notes == ("Leaflet drafted\n[2027-03-01] North CAMHS's return no longer has this action: "
                                  "action kept as the group left it.")
    assert [(k.action_id, k.reason, k.newly) for k in report.kept] == [(row.action_id, Orphan.CLEARED, True)]
    assert has_group_edits(plan2, returned_values(new_assessment))  # a fresh merge would lose it
    # next merge: still kept, not noted again (the orphan is told apart by what the returns said, not a flag)
    reread = [replace(r, orphaned=None) for r in plan2]
    plan3, report3 = carry_forward(reread, returned_values(new_assessment), build_plan(new_assessment),
                                   TODAY + dt.timedelta(days=30), assessment=new_assessment)
    assert by_key(plan3)[("North CAMHS", "1.1.2")].progress_notes == row.progress_notes
    assert [(k.reason, k.newly) for k in report3.kept] == [(Orphan.CLEARED, False)]
    # and if the agency puts it back, its return's values count and the note says so
    back = merged(ng225, camhs, school)
    plan4, _ = carry_forward(plan3, returned_values(new_assessment), build_plan(back), TODAY)
    row4 = by_key(plan4)[("North CAMHS", "1.1.2")]
    assert row4.orphaned is None and row4.progress_notes.endswith("[2027-03-01] Back in the agency's return.")


def test_why_an_action_left_the_returns(ng225, first_round):
    camhs, school, assessment, plan = first_round
    without_school = merged(ng225, camhs)
    plan2, report = carry_forward(plan, returned_values(assessment), build_plan(without_school), TODAY,
                                  assessment=without_school)
    row = by_key(plan2)[("North School", "1.1.1")]
    assert row.orphaned is Orphan.NOT_MERGED and "North School's return is not in this merge" in row.progress_notes
    data = guideline_data(ng225)
    data["version"] = "2099-01-01"
    data["sections"][0]["recommendations"] = [r for r in data["sections"][0]["recommendations"] if r["id"] != "1.1.2"]
    next_version = parse_guideline(data)
    moved = merge_returns(next_version, [replace(camhs, answers={k: v for k, v in camhs.answers.items() if k != "1.1.2"},
                                                 version="2099-01-01"), school], merged_at=MERGED_AT)
    plan3, report3 = carry_forward(plan, returned_values(assessment), build_plan(moved), TODAY, assessment=moved)
    row3 = by_key(plan3)[("North CAMHS", "1.1.2")]
    assert row3.orphaned is Orphan.RETIRED
    assert "Recommendation 1.1.2 is not in NG225@2099-01-01: action kept as the group left it." in row3.progress_notes


def test_a_row_deleted_from_the_plan_comes_back_from_the_return_with_a_note(first_round):
    camhs, school, assessment, plan = first_round
    without = [r for r in plan if r.agency != "North School"]
    plan2, report = carry_forward(without, returned_values(assessment), plan, TODAY)
    row = by_key(plan2)[("North School", "1.1.1")]
    assert report.restored == [row.action_id] and "missing from the previous plan" in row.progress_notes


def test_two_rows_for_one_action_are_refused(first_round):
    _, _, assessment, plan = first_round
    with pytest.raises(BaselineError, match="two rows for North CAMHS on recommendation 1.1.2"):
        carry_forward([*plan, replace(plan[-1], progress_notes="copy")], returned_values(assessment), plan, TODAY)


def test_what_counts_as_a_group_edit(first_round):
    _, _, assessment, plan = first_round
    values = returned_values(assessment)
    row = plan[0]
    assert group_edits(row, values[row.key]) == []
    assert group_edits(replace(row, action=f"  {row.action} "), values[row.key]) == []  # spacing is not an edit
    assert group_edits(replace(row, deadline=None, deadline_text="TBC"), values[row.key]) == ["deadline"]
    assert group_edits(replace(row, progress_notes="x"), values[row.key]) == ["progress_notes"]
    assert group_edits(row, None) == ["action", "owner", "deadline", "status"]  # nothing returned: all the group's
    assert has_group_edits([replace(row, status=ActionStatus.COMPLETE)], values)
    assert not has_group_edits(plan, values)


# No edit is ever lost: whatever the group edits and whatever the agencies change, each value the group typed is in
# the new plan or in that action's Progress notes.
RECS = ["1.1.1", "1.1.2", "1.1.3", "1.1.4"]
AGENCIES = ["North CAMHS", "North CAMHS Tier 4", "School"]
_text = st.sampled_from(["", "A", "B", "Train staff", "Lead nurse"])
_deadline = st.sampled_from([None, dt.date(2027, 1, 31), dt.date(2027, 6, 30), "TBC"])
_status = st.sampled_from([None, *ActionStatus])


@st.composite
def _fields(draw):
    deadline = draw(_deadline)
    return dict(action=draw(_text), owner=draw(_text), deadline=deadline if isinstance(deadline, dt.date) else None,
                deadline_text=deadline if isinstance(deadline, str) else "", status=draw(_status))


def _answers(fields_by_rec):
    return {rec: Answer(rec, Y, N, action=f["action"], owner=f["owner"], deadline=f["deadline"],
                        deadline_text=f["deadline_text"], action_status=f["status"])
            for rec, f in fields_by_rec.items()}


_round = st.dictionaries(st.sampled_from(AGENCIES), st.dictionaries(st.sampled_from(RECS), _fields()), min_size=1)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(before=_round, changes=_round, dropped=st.sets(st.sampled_from(AGENCIES), max_size=1),
       edits=st.lists(st.tuples(st.integers(0, 50), _fields(), st.sampled_from(["", "Met 3 May", "Chased"])),
                      min_size=1, max_size=6))
def test_no_group_edit_is_ever_lost(ng225, before, changes, dropped, edits):
    # the next merge: each agency's answers changed in places (a resend), a late return, or an agency left out
    after = {agency: {**before.get(agency, {}), **changes.get(agency, {})}
             for agency in {*before, *changes} - dropped}
    def assessment_of(returns):
        return merge_returns(ng225, [make_return(ng225, agency, _answers(fields)) for agency, fields in returns.items()],
                             merged_at=MERGED_AT)

    old = assessment_of(before)
    plan = build_plan(old)
    for index, values, note in edits:
        if plan:
            i = index % len(plan)
            plan[i] = replace(plan[i], **{k: v for k, v in values.items() if k != "owner" or index % 2},
                              progress_notes=note)
    values_then = returned_values(old)
    new = assessment_of(after)
    plan2, report = carry_forward(plan, values_then, build_plan(new), TODAY, assessment=new)
    rows = {row.key: row for row in plan2}
    assert len(rows) == len(plan2)
    for row in plan:
        kept = rows[row.key]  # every action of the old plan is still there
        assert kept.progress_notes.startswith(row.progress_notes.rstrip())
        for name in group_edits(row, values_then.get(row.key)):
            if name == "progress_notes":
                continue
            shown = {"deadline": row.deadline_shown, "status": row.status.value if row.status else ""}.get(
                name, getattr(row, name))
            same = (kept.deadline, kept.deadline_text) == (row.deadline, row.deadline_text) if name == "deadline" \
                else getattr(kept, name) == getattr(row, name)
            noted = f"Group's {FIELD_LABELS[name]} {shown or '(blank)'} replaced by the agency's new return"
            assert same or noted in kept.progress_notes, (name, row, kept)
    assert {e.action_id for e in report.overridden} <= {r.action_id for r in plan2}


# --- using the plan ------------------------------------------------------------------------------------------


def test_overdue_is_open_with_a_deadline_before_as_of():
    row = _row(0, "1.1.1", "A")
    assert not row.is_overdue(TODAY)
    late = replace(row, deadline=dt.date(2027, 2, 28))
    assert late.is_overdue(TODAY) and not late.is_overdue(dt.date(2027, 2, 28))
    assert not replace(late, status=ActionStatus.COMPLETE).is_overdue(TODAY)
    assert not replace(row, deadline_text="end of Q4").is_overdue(TODAY)


@pytest.fixture
def plan_for_lists():
    return [
        replace(_row(0, "1.1.1", "North CAMHS"), owner="Clinical lead", deadline=dt.date(2027, 1, 31)),
        replace(_row(1, "1.1.2", "North CAMHS"), owner="clinical  lead", deadline=dt.date(2027, 5, 1), risk=True),
        replace(_row(2, "1.1.3", "North CAMHS"), owner="", status=ActionStatus.COMPLETE, deadline=dt.date(2026, 1, 1)),
        replace(_row(3, "1.1.1", "School"), owner="Clinical lead", deadline=dt.date(2027, 2, 1), risk=True),
    ]


def test_actions_by_owner_are_agency_and_owner_pairs(plan_for_lists):
    listed = list_plan(plan_for_lists, TODAY, by="owner")
    assert [(g.agency, g.owner, len(g.rows), g.open, g.overdue) for g in listed.groups] == [
        ("North CAMHS", "(no owner)", 1, 0, 0),
        ("North CAMHS", "Clinical lead", 2, 2, 1),
        ("School", "Clinical lead", 1, 1, 1),
    ]
    assert listed.groups[1].earliest_open_deadline == dt.date(2027, 1, 31)
    data = listed.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["groups"][1]["items"][0]["overdue"] is True and data["actions"] == 4


def test_actions_filters_and_grouping_by_agency(plan_for_lists):
    by_agency = list_plan(plan_for_lists, TODAY, by="agency", overdue=True)
    assert [(g.agency, g.owner, [r.recommendation for r in g.rows]) for g in by_agency.groups] == [
        ("North CAMHS", None, ["1.1.1"]), ("School", None, ["1.1.1"])]
    only = list_plan(plan_for_lists, TODAY, agencies=["north camhs"], owners=["CLINICAL LEAD"], risk_first_order=True)
    assert [r.recommendation for r in only.rows] == ["1.1.2", "1.1.1"]
    assert list_plan(plan_for_lists, TODAY, owners=["(no owner)"]).rows == [plan_for_lists[2]]
    with pytest.raises(ValueError):
        list_plan(plan_for_lists, TODAY, by="section")


def test_risk_first_and_summary_actions_from_the_plan(plan_for_lists):
    assert [r.risk for r in risk_first(plan_for_lists)] == [True, True, False, False]
    loads = owner_loads(as_summary_actions(plan_for_lists, TODAY))
    # Owners are (agency, owner) pairs: the same job title in two agencies is two owners.
    assert [(o.agency, o.owner, o.actions, o.open, o.overdue) for o in loads][:2] == [
        ("North CAMHS", "Clinical lead", 2, 2, 1), ("School", "Clinical lead", 1, 1, 1)]


def test_returned_values_key_every_answer(ng225, first_round):
    _, _, assessment, _ = first_round
    values = returned_values(assessment)
    assert values[action_key("north camhs", "1.1.1")] == ReturnedFields(
        "Train liaison staff", "Clinical lead", dt.date(2027, 6, 30), "", ActionStatus.NOT_STARTED)
    assert not values[action_key("North CAMHS", "1.1.3")].is_action  # answered, no action: still known
