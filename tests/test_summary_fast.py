"""summarise rolls every agency's answer up in one pass, each status as a code, and builds its actions without
Action's own __init__ (issue 16: a national summary is 40,800 answers and 26,400 actions). Held here to the
general path it replaced, built from the rules one answer or one result at a time (Answer.status, .is_action,
.is_overdue, RecommendationResult.statuses and .rolled_up, count_statuses, Action(...)), on assessments with every
kind of answer, uncovered recommendations, owners spelt differently and actions done, overdue or blank."""

from __future__ import annotations

import datetime as dt
import gc
import random
from dataclasses import fields

import pytest

from baseline import catalogue, summary
from baseline.assessment import (
    GAP_STATUSES,
    ActionStatus,
    Answer,
    Choice,
    Status,
    YesNo,
    agency_status,
    count_statuses,
)
from baseline.merge import agency_key, merge_returns, restrict
from baseline.summary import Action, list_actions, owner_loads, summarise

from .factories import make_return

AS_OF = dt.date(2027, 3, 1)
OWNERS = ["Lead", "lead", " Lead  ", "Service  Manager", "service manager", "", "   ", "Matron", "Café Lead"]
ACTIONS = ["Audit", "  ", "", "Train staff", "Review\npathway"]
DEADLINES = [None, dt.date(2027, 1, 1), dt.date(2027, 3, 1), dt.date(2027, 6, 30)]


@pytest.fixture(scope="module")
def ng225():
    return catalogue.load("NG225")


def random_answer(rng: random.Random, rec_id: str) -> Answer:
    if rng.random() < 0.2:
        return Answer(rec_id)
    return Answer(rec_id, rng.choice([None, *Choice]), rng.choice([None, *Choice]), evidence=rng.choice(["", "x"]),
                  action=rng.choice(ACTIONS), owner=rng.choice(OWNERS), deadline=rng.choice(DEADLINES),
                  deadline_text=rng.choice(["", "by March"]), action_status=rng.choice([None, *ActionStatus]),
                  risk=rng.choice([None, *YesNo]))


def random_assessment(ng225, seed: int):
    rng = random.Random(seed)
    sectors = list(ng225.sectors)
    returns = []
    for index in range(rng.randint(1, 9)):
        chosen = rng.sample(sectors, rng.randint(1, 2))  # some recommendations listed by no agency: uncovered
        listed = ng225.recommendations_for(chosen)
        returns.append(make_return(ng225, rng.choice(["North", "South", "East"]) + f" Agency {index}",
                                   {r.id: random_answer(rng, r.id) for r in listed}, sectors=chosen))
    return merge_returns(ng225, returns)


def general_path(assessment, as_of: dt.date, gap_statuses=GAP_STATUSES) -> dict:
    """What summarise worked out, one answer and one result at a time through the rules (the code before the
    single pass)."""
    results = assessment.results
    statuses = [r.statuses for r in results]
    system = [r.rolled_up(s) for r, s in zip(results, statuses)]
    per_agency = {source.agency: {} for source in assessment.agencies}
    for result, own in zip(results, statuses):
        for agency, status in own.items():
            per_agency[agency].setdefault(result.section, []).append(status)
    agency_sections = [{"agency": source.agency,
                        "sections": {sid: count_statuses(s) for sid, s in per_agency[source.agency].items()}}
                       for source in assessment.agencies]
    by_agency = [{"agency": e["agency"], "counts": count_statuses(
        [s for own in per_agency[e["agency"]].values() for s in own])} for e in agency_sections]
    summaries = {r.id: r.summary for r in assessment.guideline.recommendations}
    gaps = [{"recommendation": r.recommendation, "summary": summaries.get(r.recommendation), "status": status.value,
             "risk": any(a.risk is YesNo.YES for a in r.answers.values()),
             "agencies": {agency: s.value for agency, s in own.items()}}
            for r, status, own in zip(results, system, statuses) if status in gap_statuses]
    populations = {r.id: r.population for r in assessment.guideline.recommendations}
    actions = [Action(agency=agency, recommendation=r.recommendation, section=r.section, action=a.action.strip(),
                      owner=a.owner.strip(), deadline=a.deadline, deadline_text=a.deadline_text,
                      status=a.action_status, population=populations.get(r.recommendation, "all"),
                      overdue=a.is_overdue(as_of))
               for r in results for agency, a in r.answers.items() if a.is_action]
    return {"totals": count_statuses(system), "agency_sections": agency_sections, "by_agency": by_agency,
            "agency_answers": count_statuses([s for own in statuses for s in own.values()]), "gaps": gaps,
            "actions": actions, "uncovered": [r.recommendation for r in results if r.uncovered]}


def general_owner_loads(actions) -> list[dict]:
    """owner_loads one action at a time through the rules (Action.is_open, agency_key, the owner's spacing and case):
    grouped by agency and owner, the first action naming them, most overdue then most open first."""
    groups: dict[tuple[str, str], list] = {}
    for action in actions:
        shown = " ".join(action.owner.split()) or summary.NO_OWNER
        groups.setdefault((agency_key(action.agency), shown.casefold()), []).append((action, shown))
    loads = []
    for key, members in groups.items():
        open_ = [a for a, _ in members if a.is_open]
        deadlines = [a.deadline for a in open_ if a.deadline]
        loads.append((key, {"agency": members[0][0].agency, "owner": members[0][1], "actions": len(members),
                            "open": len(open_), "overdue": sum(bool(a.overdue) for a in open_),
                            "earliest_open_deadline": min(deadlines).isoformat() if deadlines else None}))
    loads.sort(key=lambda item: (-item[1]["overdue"], -item[1]["open"], item[0][1], item[0][0]))
    return [load for _, load in loads]


@pytest.mark.parametrize("seed", range(25))
def test_the_single_pass_is_the_general_path(ng225, seed):
    assessment = random_assessment(ng225, seed)
    for gap_statuses in (GAP_STATUSES, (Status.NOT_MET,), tuple(Status)):
        fast = summarise(assessment, as_of=AS_OF, gap_statuses=gap_statuses)
        expected = general_path(assessment, AS_OF, gap_statuses)
        assert {name: getattr(fast, name) for name in expected} == expected
        for found, wanted in zip(fast.actions, expected["actions"]):  # the same fields, values and types
            assert vars(found) == vars(wanted) and hash(found) == hash(wanted)
        assert [o.to_dict() for o in fast.owners] == general_owner_loads(expected["actions"])
        assert [o.to_dict() for o in owner_loads(expected["actions"])] == general_owner_loads(expected["actions"])
        assert list(fast.agency_answers) == [s.value for s in (Status.MET, Status.PARTIALLY_MET, Status.NOT_MET,
                                                               Status.NOT_ASSESSED, Status.NOT_APPLICABLE)]
    assert any(expected["uncovered"] for expected in [general_path(random_assessment(ng225, s), AS_OF)
                                                      for s in range(5)])  # the cases include uncovered ones


def test_the_single_pass_over_a_restricted_assessment(ng225):
    assessment = random_assessment(ng225, 99)
    some = restrict(assessment, agencies=assessment.agency_names[:1], sections=["1.1", "1.2"])
    fast = summarise(some, as_of=AS_OF)
    assert {name: getattr(fast, name) for name in general_path(some, AS_OF)} == general_path(some, AS_OF)


def test_an_action_made_without_its_init_is_the_action():
    values = dict(agency="North", recommendation="1.1.1", section="1.1", action="Audit", owner="Lead",
                  deadline=dt.date(2027, 1, 1), deadline_text="", status=ActionStatus.IN_PROGRESS,
                  population="all", overdue=True)
    assert [f.name for f in fields(Action)] == list(values)  # a field added to Action must be added there too
    for status in (None, *ActionStatus):  # a row holds the status as its code
        values["status"] = status
        made = summary._new_action(*{**values, "status": summary._ACTION_STATUS_CODES[status]}.values())
        built = Action(**values)
        assert type(made) is Action and made == built and hash(made) == hash(built) and repr(made) == repr(built)
        assert list(vars(made).items()) == list(vars(built).items())
        assert bool(summary._ACTION_STATUS_CODES[status]) is built.is_open  # the code says whether it is open
    with pytest.raises(AttributeError):
        made.owner = "other"  # still frozen


def test_action_rows_hold_nothing_the_collector_must_walk(ng225):
    """A summary keeps its actions' rows until they are asked for: tuples of strings, dates, numbers and None,
    which the collector stops tracking (a national summary's 26,400 were walked by each full collection while it
    printed)."""
    assessment = random_assessment(ng225, 11)
    rows = summary._action_rows(assessment, AS_OF)
    gc.collect()
    assert rows and not any(map(gc.is_tracked, rows))
    assert [summary._new_action(*row) for row in rows] == general_path(assessment, AS_OF)["actions"]


def test_every_answer_and_every_set_of_statuses_rolls_up_by_the_rules():
    for relevant in (None, *Choice):
        for meets in (None, *Choice):
            code = summary._CODE_OF_ANSWER[relevant, meets]
            assert summary.STATUS_ORDER[code] is agency_status(relevant, meets)
    assert summary._CODE_OF_ANSWER["Maybe", None] == summary.STATUS_ORDER.index(agency_status("Maybe", None))
    assert summary._SYSTEM_OF_CODES[frozenset({4})] is Status.NOT_APPLICABLE
    assert summary._SYSTEM_OF_CODES[frozenset({0, 3, 4})] is Status.NOT_ASSESSED
    assert summary._SYSTEM_OF_CODES[frozenset({0, 1, 2})] is Status.NOT_MET
    assert len(summary._SYSTEM_OF_CODES) == 31


def test_list_actions_keeps_guideline_then_agency_order(ng225):
    assessment = random_assessment(ng225, 7)
    listed = list_actions(assessment, AS_OF)
    order = {r.recommendation: i for i, r in enumerate(assessment.results)}
    agencies = {a: i for i, a in enumerate(assessment.agency_names)}
    assert listed == sorted(listed, key=lambda a: (order[a.recommendation], agencies[a.agency]))
    assert any(a.overdue for a in listed) and any(not a.is_open for a in listed) and any(not a.owner for a in listed)


def test_the_actions_are_made_when_first_asked_for_and_are_those_listed(ng225):
    """summarise counts owners from the actions' rows and makes the Action objects only when Summary.actions is
    read (the table, JSON and Markdown of `summary` never read them)."""
    assessment = random_assessment(ng225, 3)
    fast = summarise(assessment, as_of=AS_OF)
    assert fast.__dict__["_actions"].__class__ is summary._ActionRows  # not made yet
    made = fast.actions
    assert made == list_actions(assessment, AS_OF) and made and fast.actions is made  # made once
    given = summarise(assessment, as_of=AS_OF, actions=made)
    assert given == summarise(assessment, as_of=AS_OF)  # equality reads the actions too
    assert [o.to_dict() for o in given.owners] == [o.to_dict() for o in fast.owners]
    listed = given.actions
    assert listed == made and type(listed) is list
    bare = summary.Summary(guideline="NG225", version="1", title="t", as_of=AS_OF, agencies=[], totals={},
                           sections=[], by_agency=[], gaps=[], owners=[])
    assert bare.actions == [] and bare.actions is bare.actions and bare.overdue_actions == []
    bare.actions = made[:2]
    assert bare.actions == made[:2]
