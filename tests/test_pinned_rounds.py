"""baseline/rounds.py pinned exactly (found by `make mutate`): status changes, the version check's messages, and the
migration report's JSON. Encodings and answers are built here."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from baseline import catalogue
from baseline.actions import PlanRow, action_key
from baseline.assessment import ActionStatus, Answer, Choice, Status, YesNo
from baseline.guideline import parse_guideline
from baseline.issues import BaselineError
from baseline.merge import merge_returns, restrict
from baseline.rounds import (
    MigrationReport,
    RecommendationChange,
    RemovedAnswer,
    RoundInfo,
    answer_to_dict,
    answers_digest,
    check_same_version,
    compare,
    compare_plans,
    migrate_assessment,
    migrate_return,
    prefill_returns,
    status_change,
    unchanged_return,
)
from tests.factories import make_return

S = Status


@pytest.mark.parametrize("old, new, change", [
    (None, S.MET, "new"), (S.MET, None, "removed"), (S.MET, S.MET, "same"), (S.NOT_MET, S.NOT_MET, "same"),
    (S.MET, S.NOT_APPLICABLE, "scope"), (S.NOT_APPLICABLE, S.NOT_MET, "scope"),
    (S.NOT_MET, S.PARTIALLY_MET, "improved"), (S.NOT_ASSESSED, S.NOT_MET, "improved"),
    (S.PARTIALLY_MET, S.MET, "improved"), (S.MET, S.PARTIALLY_MET, "worse"), (S.NOT_MET, S.NOT_ASSESSED, "worse"),
])
def test_status_change(old, new, change):
    assert status_change(old, new) == change


def _version(ng225_data: dict, version: str, extra: bool = False):
    data = dict(ng225_data, version=version)
    if extra:
        data["sections"] = [dict(s) for s in ng225_data["sections"]]
        data["sections"][1] = dict(data["sections"][1], recommendations=[*data["sections"][1]["recommendations"],
                                                                         {"id": "1.2.2"}])
    return parse_guideline(data)


def test_the_version_check_says_how_to_move_the_older_across(ng225_data):
    old = catalogue.load("NG225")
    newer = _version(ng225_data, "2030-01-01")
    assert check_same_version(old, old) is None
    with pytest.raises(BaselineError) as caught:
        check_same_version(old, newer)
    assert str(caught.value) == (
        "OLD.xlsx is of NG225@2022-09-07 and NEW.xlsx of NG225@2030-01-01: compare needs one version. Move the older "
        "one across first: baseline migrate OLD.xlsx --to NG225@2030-01-01 -o OLD-2030-01-01.xlsx and compare that "
        "with NEW.xlsx.")
    with pytest.raises(BaselineError) as caught:
        check_same_version(newer, old, old_name="march.xlsx", new_name="round1")
    assert str(caught.value) == (
        "march.xlsx is of NG225@2030-01-01 and round1 of NG225@2022-09-07: compare needs one version. Move the older "
        "one across first: baseline migrate round1 --to NG225@2030-01-01 -o round1-2030-01-01 and compare that with "
        "march.xlsx.")
    with pytest.raises(BaselineError, match=r"-o r1\.final-2030-01-01\.xlsx and compare"):
        check_same_version(old, newer, old_name="r1.final.xlsx")
    with pytest.raises(BaselineError) as caught:
        check_same_version(old, _version(ng225_data, "2022-09-07", extra=True))
    assert str(caught.value) == (
        f"OLD.xlsx and NEW.xlsx are both of NG225@2022-09-07 but their recommendation lists differ (fingerprints "
        f"{old.fingerprint} and {_version(ng225_data, '2022-09-07', extra=True).fingerprint}): merge both with the "
        "same encoding.")


def test_answer_and_removed_answer_json():
    full = Answer("1.2.1", Choice.YES, Choice.PARTIAL, evidence="E", action="A", owner="O",
                  deadline=dt.date(2027, 3, 31), action_status=ActionStatus.IN_PROGRESS, risk=YesNo.NO,
                  completed_by="C")
    assert answer_to_dict(full) == {"relevant": "Yes", "meets": "Partial", "evidence": "E", "action": "A",
                                    "owner": "O", "deadline": "2027-03-31", "action_status": "In progress",
                                    "risk": "No", "completed_by": "C"}
    assert answer_to_dict(Answer("1.2.1", deadline_text="Q3")) == {
        "relevant": None, "meets": None, "evidence": "", "action": "", "owner": "", "deadline": "Q3",
        "action_status": None, "risk": None, "completed_by": ""}
    assert answer_to_dict(Answer("1.2.1"))["deadline"] is None
    removed = RemovedAnswer("North CAMHS", "1.2.1", "1.2", full)
    assert removed.to_dict() == {"agency": "North CAMHS", "recommendation": "1.2.1", "section": "1.2",
                                 "status": "partially_met", "answer": answer_to_dict(full)}


def test_migration_report_json():
    full = Answer("1.2.1", Choice.NO)
    action = PlanRow("1.2.1-NC-abc123", "1.2", "1.2.1", "all", "North CAMHS", action="Do", owner="Lead",
                     deadline=dt.date(2027, 1, 31), status=ActionStatus.COMPLETE, progress_notes="Done")
    bare = PlanRow("1.2.1-NS-def456", "1.2", "1.2.1", "all", "North Schools")
    report = MigrationReport("NG225@2022-09-07", "NG225@2030-01-01", kept=7, added=["1.2.2"],
                             blank=[("North CAMHS", "1.2.2")], unlisted=[("North Schools", "1.1.1")],
                             removed=[RemovedAnswer("North CAMHS", "1.2.1", "1.2", full)],
                             removed_actions=[action, bare],
                             moved=[{"recommendation": "1.3.1", "old_section": "1.3", "new_section": "1.4"}],
                             sections_renamed=[{"id": "1.2", "old_title": "A", "new_title": "B"}])
    assert report.to_dict() == {
        "old": "NG225@2022-09-07", "new": "NG225@2030-01-01", "kept": 7, "added": ["1.2.2"],
        "blank": [{"agency": "North CAMHS", "recommendation": "1.2.2"}],
        "unlisted": [{"agency": "North Schools", "recommendation": "1.1.1"}],
        "removed": [{"agency": "North CAMHS", "recommendation": "1.2.1", "section": "1.2", "status": "not_applicable",
                     "answer": answer_to_dict(full)}],
        "removed_actions": [
            {"action_id": "1.2.1-NC-abc123", "agency": "North CAMHS", "recommendation": "1.2.1", "action": "Do",
             "owner": "Lead", "deadline": "31/01/2027", "status": "Complete", "progress_notes": "Done"},
            {"action_id": "1.2.1-NS-def456", "agency": "North Schools", "recommendation": "1.2.1", "action": "",
             "owner": "", "deadline": None, "status": None, "progress_notes": ""}],
        "moved": [{"recommendation": "1.3.1", "old_section": "1.3", "new_section": "1.4"}],
        "sections_renamed": [{"id": "1.2", "old_title": "A", "new_title": "B"}],
    }


def _plan_row(action_id: str, agency: str, rec: str, **more) -> PlanRow:
    return PlanRow(action_id, rec.rsplit(".", 1)[0], rec, "all", agency, action="Do", owner="Lead", **more)


def test_compare_plans_new_closed_still_open_and_still_overdue():
    done, doing = ActionStatus.COMPLETE, ActionStatus.IN_PROGRESS
    early, late = dt.date(2027, 1, 31), dt.date(2027, 6, 30)
    old_plan = [_plan_row("c1", "CAMHS", "1.1.1", deadline=early, status=doing),  # overdue then
                _plan_row("c2", "CAMHS", "1.1.2", deadline=late),  # not overdue then
                _plan_row("c3", "CAMHS", "1.1.3", status=done),  # closed already
                _plan_row("c4", "CAMHS", "1.1.4", deadline=early)]
    new_plan = [_plan_row("n1", "camhs", "1.1.1", deadline=early, status=doing),  # still open, still overdue
                _plan_row("n2", "CAMHS", "1.1.2", deadline=late),  # still open, overdue only now
                _plan_row("n3", "CAMHS", "1.1.3", status=done),  # closed then and now: neither
                _plan_row("n4", "CAMHS", "1.1.4", deadline=early, status=done),  # closed
                _plan_row("n5", "School", "1.1.1")]  # new
    changes = compare_plans(old_plan, new_plan, old_as_of=dt.date(2027, 3, 1), new_as_of=dt.date(2027, 9, 1))
    assert (changes.new, changes.closed, changes.still_open, changes.still_overdue) == (
        ["n5"], ["n4"], ["n1", "n2"], ["n1"])
    reopened = compare_plans([_plan_row("o", "CAMHS", "1.1.3", status=done)], [_plan_row("r", "CAMHS", "1.1.3")],
                             old_as_of=None, new_as_of=None)
    assert (reopened.new, reopened.closed, reopened.still_open) == ([], [], [])  # closed then: not "still" open
    no_dates = compare_plans(old_plan, new_plan, old_as_of=None, new_as_of=dt.date(2027, 9, 1))
    assert no_dates.still_overdue == []


def test_round_info_and_change_json_with_missing_sides():
    assert RoundInfo("Northshire", "2", "2027-03-01T10:00:00+00:00", dt.date(2027, 3, 1)).to_dict() == {
        "area": "Northshire", "round": "2", "merged_at": "2027-03-01T10:00:00+00:00", "as_of": "2027-03-01"}
    assert RoundInfo().to_dict() == {"area": None, "round": None, "merged_at": None, "as_of": None}  # unknown: null
    assert RecommendationChange("1.1.1", "1.1", None, S.MET).to_dict() == {
        "recommendation": "1.1.1", "old": None, "new": "met", "change": "new"}
    assert RecommendationChange("1.1.1", "1.1", S.NOT_MET, None).to_dict() == {
        "recommendation": "1.1.1", "old": "not_met", "new": None, "change": "removed"}


def test_compare_of_two_versions_names_the_files_it_was_given_or_old_and_new(ng225_data):
    old_guideline, new_guideline = catalogue.load("NG225"), _version(ng225_data, "2030-01-01")
    old = merge_returns(old_guideline, [make_return(old_guideline, "CAMHS")])
    new = merge_returns(new_guideline, [make_return(new_guideline, "CAMHS")])
    with pytest.raises(BaselineError, match=r"^OLD\.xlsx is of NG225@2022-09-07 and NEW\.xlsx of NG225@2030-01-01"):
        compare(old, new, [], [], old_meta=RoundInfo(), new_meta=RoundInfo())
    with pytest.raises(BaselineError, match=r"^march\.xlsx is of .* and sept\.xlsx of .* compare that with sept\.xlsx\.$"):
        compare(old, new, [], [], old_meta=RoundInfo(), new_meta=RoundInfo(), old_name="march.xlsx",
                new_name="sept.xlsx")


def test_answers_digest_is_the_hash_of_every_value_in_a_fixed_order():
    """Stamped into prefilled workbooks already sent out: the rule must not drift."""
    answers = {"1.1.2": Answer("1.1.2", Choice.YES, Choice.NO, evidence="  Audit ", deadline=dt.date(2027, 3, 31)),
               "1.1.1": Answer("1.1.1")}
    blank = ('{"action": "", "action_status": null, "completed_by": "", "deadline": null, "evidence": "", '
             '"meets": null, "owner": "", "relevant": null, "risk": null}')
    filled = ('{"action": "", "action_status": null, "completed_by": "", "deadline": "2027-03-31", '
              '"evidence": "Audit", "meets": "No", "owner": "", "relevant": "Yes", "risk": null}')
    payload = '{"1.1.1": ' + blank + ', "1.1.2": ' + filled + "}"
    assert answers_digest(answers) == hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def test_migrating_between_guidelines_is_refused_with_why(ng225_data):
    old = catalogue.load("NG225")
    other = parse_guideline(dict(ng225_data, guideline="NG226", version="2030-01-01"))
    with pytest.raises(BaselineError) as caught:
        migrate_assessment(merge_returns(old, [make_return(old, "CAMHS")]), other)
    assert str(caught.value) == ("Cannot migrate the merged assessment from NG225 to NG226: migrate moves answers "
                                 "between versions of one guideline.")


def test_migrating_a_return_without_sectors_blanks_only_what_is_new(ng225_data):
    old = catalogue.load("NG225")
    data = dict(ng225_data, version="2030-01-01")
    data["sections"] = [dict(s) for s in ng225_data["sections"]]
    data["sections"][0] = dict(data["sections"][0], recommendations=data["sections"][0]["recommendations"][:3])
    data["sections"][1] = dict(data["sections"][1], recommendations=[*data["sections"][1]["recommendations"],
                                                                     {"id": "1.2.2"}])
    new = parse_guideline(data)  # 1.1.4 removed, 1.2.2 added
    answered = Answer("1.1.4", Choice.YES, Choice.YES, evidence="Done")
    nice_return = make_return(old, "CAMHS", {"1.1.4": answered}, sectors=["*"])
    nice_return.sectors = []  # NICE's own tool: the agency's sectors are not known
    migrated, report = migrate_return(nice_return, old, new)
    assert report.blank == [("CAMHS", "1.2.2")]  # only what is new in the target version
    assert [(r.agency, r.recommendation, r.section, r.answer) for r in report.removed] == [
        ("CAMHS", "1.1.4", "1.1", answered)]
    assert report.kept == 50 and report.unlisted == []
    assert list(migrated.answers) == [r.id for r in new.recommendations]
    assert (migrated.guideline, migrated.version) == ("NG225", "2030-01-01")


def test_prefill_puts_the_groups_action_values_in_and_clears_completed_by():
    guideline = catalogue.load("NG225")
    camhs = make_return(guideline, "CAMHS", {
        "1.1.1": Answer("1.1.1", Choice.YES, Choice.NO, action="Old plan", owner="Old owner", completed_by="A. Lead"),
        "1.1.2": Answer("1.1.2", Choice.YES, Choice.YES, completed_by="A. Lead")})
    row = PlanRow(action_key("CAMHS", "1.1.1"), "1.1", "1.1.1", "all", "CAMHS", action="New plan", owner="Lead",
                  deadline_text="end of Q3", status=ActionStatus.IN_PROGRESS)
    [prefilled] = prefill_returns(merge_returns(guideline, [camhs]), [row])
    first, second = prefilled.answers["1.1.1"], prefilled.answers["1.1.2"]
    assert (first.action, first.owner, first.deadline_text, first.action_status, first.completed_by) == (
        "New plan", "Lead", "end of Q3", ActionStatus.IN_PROGRESS, "")
    assert (second.meets, second.completed_by) == (Choice.YES, "")


def test_an_unchanged_return_names_its_file_when_it_has_one():
    guideline = catalogue.load("NG225")
    sent = make_return(guideline, "CAMHS", {"1.1.1": Answer("1.1.1", Choice.YES, Choice.YES)})
    digest = answers_digest(sent.answers)
    assert unchanged_return(sent, digest).file == "CAMHS.xlsx"
    sent.source = ""
    assert unchanged_return(sent, digest).file is None
    assert unchanged_return(sent, "") is None and unchanged_return(sent, "0" * 16) is None


def test_a_migrated_merge_keeps_its_area_round_and_moves_the_plan_rows_to_their_new_theme(ng225_data):
    old = catalogue.load("NG225")
    data = dict(ng225_data, version="2030-01-01")
    data["sections"] = [dict(s) for s in ng225_data["sections"]]
    moved = dict(data["sections"][1]["recommendations"][0], population="adults")  # 1.2.1's age group changes
    data["sections"][1] = dict(data["sections"][1], recommendations=[moved])
    new = parse_guideline(data)
    camhs = make_return(old, "CAMHS", {"1.2.1": Answer("1.2.1", Choice.YES, Choice.YES)}, sectors=["mental_health"])
    camhs.area, camhs.round = "Northshire", "2"
    plan = [PlanRow("a", "9.9", "1.2.1", "all", "CAMHS", action="Do", owner="Lead")]
    assessment, rows, _ = migrate_assessment(merge_returns(old, [camhs]), new, plan)
    assert (assessment.area, assessment.round, assessment.guideline.version) == ("Northshire", "2", "2030-01-01")
    assert {r.recommendation: r.section for r in assessment.results}["1.2.1"] == "1.2"
    assert [(r.recommendation, r.section, r.population) for r in rows] == [("1.2.1", "1.2", "adults")]


def test_compare_names_each_changes_section_and_the_sections_titles():
    guideline = catalogue.load("NG225")
    old = merge_returns(guideline, [make_return(guideline, "CAMHS", {"1.12.1": Answer("1.12.1", Choice.YES, Choice.NO)})])
    new = merge_returns(guideline, [make_return(guideline, "CAMHS", {"1.1.1": Answer("1.1.1", Choice.YES, Choice.YES)})])
    result = compare(old, new, [], [], old_meta=RoundInfo(), new_meta=RoundInfo())
    assert result.guideline == "NG225@2022-09-07"
    sections = {c.recommendation: c.section for c in result.recommendations}
    assert (sections["1.1.1"], sections["1.12.1"]) == ("1.1", "1.12")
    assert [(s["id"], s["title"]) for s in result.sections] == [(s.id, s.title) for s in guideline.sections]
    assert result.sections[-1]["old"]["not_met"] == 1 and result.sections[-1]["new"]["not_met"] == 0
    assert result.sections[0]["new"]["met"] == 1 and result.sections[0]["old"]["met"] == 0


def test_a_migrated_merge_blanks_what_now_applies_to_an_agency_and_lists_what_no_longer_does(ng225_data):
    old = catalogue.load("NG225")
    data = dict(ng225_data, version="2030-01-01")
    data["sections"] = [dict(s) for s in ng225_data["sections"]]
    sections = {s["id"]: s for s in data["sections"]}
    sections["1.5"]["sectors"] = ["education"]  # 1.5.1 no longer asked of mental health services
    sections["1.8"]["sectors"] = [*sections["1.8"]["sectors"], "mental_health"]  # 1.8.1 now is
    new = parse_guideline(data)
    camhs = make_return(old, "CAMHS", {"1.5.1": Answer("1.5.1", Choice.YES, Choice.YES)}, sectors=["mental_health"])
    _, _, report = migrate_assessment(merge_returns(old, [camhs]), new)
    assert report.unlisted == [("CAMHS", "1.5.1")] and ("CAMHS", "1.8.1") in report.blank


def test_a_migrated_return_reports_both_versions_and_a_refusal_names_the_file(ng225_data):
    old, new = catalogue.load("NG225"), _version(ng225_data, "2030-01-01")
    camhs = make_return(old, "CAMHS", source="returns/camhs.xlsx")
    _, report = migrate_return(camhs, old, new)
    assert (report.to_dict()["old"], report.to_dict()["new"]) == ("NG225@2022-09-07", "NG225@2030-01-01")
    with pytest.raises(BaselineError, match=r"^returns/camhs\.xlsx is of NG225@2022-09-07, not NG225@2030-01-01\.$"):
        migrate_return(camhs, new, old)
    camhs.source = ""
    with pytest.raises(BaselineError, match=r"^CAMHS is of NG225@2022-09-07, not NG225@2030-01-01\.$"):
        migrate_return(camhs, new, old)


def test_a_return_without_sectors_gets_a_blank_for_a_new_recommendation_whatever_its_sectors(ng225_data):
    old = catalogue.load("NG225")
    data = dict(ng225_data, version="2030-01-01")
    data["sections"] = [dict(s) for s in ng225_data["sections"]]
    schools = data["sections"][7]  # 1.8: education, criminal justice and the voluntary sector only
    data["sections"][7] = dict(schools, recommendations=[*schools["recommendations"], {"id": "1.8.2"}])
    nice_return = make_return(old, "CAMHS", sectors=["*"])
    nice_return.sectors = []  # NICE's own tool: the agency's sectors are not known
    _, report = migrate_return(nice_return, old, parse_guideline(data))
    assert report.blank == [("CAMHS", "1.8.2")]


def test_compare_counts_a_section_no_kept_agency_answers_as_empty(ng225_data):
    guideline = catalogue.load("NG225")
    merged = merge_returns(guideline, [make_return(guideline, "School", sectors=["education"])])
    school_only = restrict(merged, sections=["1.1"])
    result = compare(school_only, school_only, [], [], old_meta=RoundInfo(), new_meta=RoundInfo())
    empty = {"met": 0, "partially_met": 0, "not_met": 0, "not_assessed": 0, "not_applicable": 0}
    assert [(s["id"], s["old"] == empty, s["new"] == empty) for s in result.sections][:3] == [
        ("1.1", False, False), ("1.2", True, True), ("1.3", True, True)]
