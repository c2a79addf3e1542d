"""actions.py's action lists pinned (found by `make mutate`): the JSON of `baseline actions --format json`, and
filters that pass over rows wherever they stand in the plan. Plans built here."""

from __future__ import annotations

import datetime as dt

from baseline.actions import PlanRow, list_plan
from baseline.assessment import ActionStatus

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
