"""actions.py's action lists pinned (found by `make mutate`): the JSON of `baseline actions --format json`, and
filters that pass over rows wherever they stand in the plan. Plans built here."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import replace

import pytest

from baseline import catalogue
from baseline.actions import (
    FieldEdit,
    Orphan,
    PlanRow,
    ReturnedFields,
    action_id,
    agency_code,
    as_summary_actions,
    build_plan,
    carry_forward,
    check_unique_ids,
    list_plan,
    mark_orphans,
    plan_digest,
    plan_order,
    stamp_edited,
)
from baseline.assessment import ActionStatus, Answer, Choice
from baseline.guideline import parse_guideline
from baseline.issues import BaselineError
from baseline.merge import merge_returns
from tests.factories import make_return

AS_OF = dt.date(2027, 3, 1)


def _row(action_id, agency, owner, **more):
    values = dict(section="1.1", recommendation="1.1.1", population="all", action="Do it")
    values.update(more)
    return PlanRow(action_id, agency=agency, owner=owner, **values)


def test_the_json_of_an_action_list_counts_each_group():
    plan = [_row("1", "CAMHS", "Lead", deadline=dt.date(2027, 2, 1)),
            _row("2", "CAMHS", "Lead", deadline=dt.date(2027, 1, 1), status=ActionStatus.COMPLETE),
            _row("3", "CAMHS", "Lead", deadline=dt.date(2027, 4, 1)),
            _row("4", "School", "Head", status=ActionStatus.COMPLETE)]
    data = list_plan(plan, AS_OF).to_dict()
    assert {key: value for key, value in data.items() if key != "groups"} == {
        "by": "owner", "as_of": "2027-03-01", "actions": 4}
    assert [{key: value for key, value in group.items() if key != "items"} for group in data["groups"]] == [
        {"agency": "CAMHS", "owner": "Lead", "actions": 3, "open": 2, "overdue": 1,
         "earliest_open_deadline": "2027-02-01"},  # the complete action's earlier deadline does not count
        {"agency": "School", "owner": "Head", "actions": 1, "open": 0, "overdue": 0, "earliest_open_deadline": None},
    ]
    assert [[item["action_id"] for item in group["items"]] for group in data["groups"]] == [["1", "2", "3"], ["4"]]
    assert list_plan(plan, AS_OF, by="agency").to_dict()["groups"][1]["owner"] is None


def test_filters_pass_over_a_row_and_go_on():
    plan = [_row("1", "School", "Head"), _row("2", "CAMHS", "Nurse"),
            _row("3", "CAMHS", "Lead", deadline=dt.date(2027, 4, 1)), _row("4", "CAMHS", "Lead", deadline=AS_OF),
            _row("5", "CAMHS", "Lead", deadline=dt.date(2027, 2, 1))]
    chosen = list_plan(plan, AS_OF, agencies=["camhs"], owners=["lead"], overdue=True)
    assert [r.action_id for r in chosen.rows] == ["5"]


def test_a_rows_digest_is_the_hash_of_its_editable_values_as_written():
    """Stamped into merged workbooks already in use: the rule must not drift."""

    row = _row("x", "CAMHS", " Lead ", action=" Do  it ", deadline=dt.date(2027, 3, 31), status=ActionStatus.IN_PROGRESS,
               progress_notes="Half done")
    values = "['Do it', 'Lead', (datetime.date(2027, 3, 31), ''), <ActionStatus.IN_PROGRESS: 'In progress'>, 'Half done']"
    assert plan_digest(row) == hashlib.sha256(values.encode("utf-8")).hexdigest()[:16]
    words = _row("y", "CAMHS", "", deadline_text=" end of  Q3 ")
    assert plan_digest(words) == hashlib.sha256(b"['Do it', '', (None, 'end of Q3'), None, '']").hexdigest()[:16]


def test_only_rows_edited_since_their_digest_get_todays_date():
    today = dt.date(2027, 4, 1)
    same, edited, new = _row("1", "CAMHS", "Lead"), _row("2", "CAMHS", "Lead"), _row("3", "CAMHS", "Lead")
    written = {"1": plan_digest(same), "2": plan_digest(edited)}
    edited = replace(edited, owner="Nurse")
    assert [r.last_updated for r in stamp_edited([same, edited, new], written, today)] == [None, today, None]


def test_a_plan_read_back_marks_why_each_row_is_no_longer_in_the_returns():
    guideline = catalogue.load("NG225")
    camhs = make_return(guideline, "CAMHS", {"1.1.1": Answer("1.1.1", Choice.YES, Choice.NO, action="Plan",
                                                             owner="Lead")})
    plan = [_row(action_id("CAMHS", "1.1.1"), "CAMHS", "Lead"),  # in the returns
            _row("b", "camhs", "Lead", recommendation="1.1.2"),  # the return has no action there
            _row("c", "School", "Head"),  # no return from the School in this merge
            _row("d", "CAMHS", "Lead", recommendation="9.9.9")]  # not in this encoding
    marked = mark_orphans(plan, merge_returns(guideline, [camhs]))
    assert [r.orphaned for r in marked] == [None, Orphan.CLEARED, Orphan.NOT_MERGED, Orphan.RETIRED]
    assert [replace(r, orphaned=None) for r in marked] == plan  # nothing else changes


def test_the_plan_as_summary_actions_keeps_every_value():
    row = _row("1", "CAMHS", "Lead", section="1.2", recommendation="1.2.1", population="adults",
               deadline=dt.date(2027, 2, 1), deadline_text="", status=ActionStatus.IN_PROGRESS)
    words = _row("2", "School", "Head", deadline_text="end of Q3")
    first, second = as_summary_actions([row, words], AS_OF)
    assert (first.agency, first.recommendation, first.section, first.action, first.owner, first.deadline,
            first.status, first.population, first.overdue) == (
        "CAMHS", "1.2.1", "1.2", "Do it", "Lead", dt.date(2027, 2, 1), ActionStatus.IN_PROGRESS, "adults", True)
    assert (second.deadline, second.deadline_text, second.overdue, second.population) == (None, "end of Q3", False,
                                                                                          "all")


def test_the_plan_from_the_returns_is_in_guideline_then_agency_order_with_each_age_group(ng225_data):
    ng225_data["sections"][1]["recommendations"][0]["population"] = "adults"  # 1.2.1
    guideline = parse_guideline(ng225_data)
    answer = {"relevant": Choice.YES, "meets": Choice.NO, "action": "Plan", "owner": "Lead"}
    returns = [make_return(guideline, agency, {rec: Answer(rec, **answer) for rec in ("1.10.1", "1.2.1", "1.1.1")})
               for agency in ("School", "CAMHS")]
    plan = build_plan(merge_returns(guideline, returns))
    assert [(r.recommendation, r.agency, r.population) for r in plan] == [
        ("1.1.1", "CAMHS", "all"), ("1.1.1", "School", "all"), ("1.2.1", "CAMHS", "adults"),
        ("1.2.1", "School", "adults"), ("1.10.1", "CAMHS", "all"), ("1.10.1", "School", "all")]
    assert sorted(reversed(plan), key=plan_order) == plan


def test_an_agency_name_without_latin_letters_or_digits_gets_the_initials_ag():
    code = agency_code("Ω Ψ")
    assert code.startswith("AG-") and len(code) == 9 and code != agency_code("ΩΨ")


def test_rows_back_in_the_returns_keep_the_groups_notes_with_a_dated_line():
    today = dt.date(2027, 4, 1)
    ids = {rec: action_id("CAMHS", rec) for rec in ("1.1.1", "1.1.2", "1.1.3")}
    previous = [_row(ids["1.1.1"], "CAMHS", "Lead", progress_notes="Started in March ", orphaned=Orphan.CLEARED),
                _row(ids["1.1.2"], "CAMHS", "Lead", recommendation="1.1.2", orphaned=Orphan.CLEARED)]
    said = {("camhs", "1.1.3"): ReturnedFields(action="Do it", owner="Lead")}  # in the returns, not in the plan
    new = [_row(ids[rec], "CAMHS", "Lead", recommendation=rec) for rec in ("1.1.1", "1.1.2", "1.1.3")]
    rows, report = carry_forward(previous, said, new, today)
    assert [(r.recommendation, r.progress_notes, r.orphaned) for r in rows] == [
        ("1.1.1", "Started in March\n[2027-04-01] Back in the agency's return.", None),
        ("1.1.2", "[2027-04-01] Back in the agency's return.", None),
        ("1.1.3", "[2027-04-01] Back from the agency's return: this row was missing from the previous plan.", None)]
    assert report.carried == [FieldEdit(ids["1.1.1"], "CAMHS", "1.1.1", "progress_notes", "Started in March ",
                                        "(blank)")]
    assert report.restored == [ids["1.1.3"]]


def test_two_rows_sharing_an_action_id_are_refused_naming_both_agencies():
    rows = [_row("1.1.1-SAME", "North CAMHS", "Lead"), _row("1.1.1-SAME", "South CAMHS", "Lead")]
    with pytest.raises(BaselineError) as caught:
        check_unique_ids(rows)
    assert str(caught.value) == ("Two actions would share the Action ID 1.1.1-SAME ('north camhs' and 'south camhs' on "
                                 "recommendation 1.1.1). Rename one of the two agencies slightly and merge again.")
    check_unique_ids([rows[0], rows[0]])  # the same pair twice is one action


def test_what_the_group_left_blank_is_no_edit_when_the_return_had_said_nothing():
    today = dt.date(2027, 4, 1)
    key = action_id("CAMHS", "1.1.4")
    typed_by_the_group = _row(key, "CAMHS", "Lead", recommendation="1.1.4", action="")  # owner only, no return
    from_the_return = _row(key, "CAMHS", "Lead", recommendation="1.1.4", action="Audit", deadline=dt.date(2027, 6, 1),
                           status=ActionStatus.IN_PROGRESS)
    [row], report = carry_forward([typed_by_the_group], {}, [from_the_return], today)
    assert (row.action, row.deadline, row.status, row.progress_notes) == (
        "Audit", dt.date(2027, 6, 1), ActionStatus.IN_PROGRESS, "[2027-04-01] Back in the agency's return.")
    assert report.overridden == [] and report.carried == []
