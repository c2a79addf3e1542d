"""Exact output of the core's presentation helpers, written out by hand (not computed with the code under test).

Found by mutation testing (`make mutate`): these behaviours could change without any other test noticing. The
summaries here are built in code for a made-up guideline and made-up agencies: no NICE facts.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
from dataclasses import replace

import pytest

from baseline import catalogue, render
from baseline.actions import (
    CarryReport,
    FieldEdit,
    KeptAction,
    Orphan,
    PlanRow,
    action_id,
    build_plan,
    carry_forward,
    list_plan,
    returned_values,
)
from baseline.assessment import (
    ActionStatus,
    Answer,
    Choice,
    Status,
    agency_status,
    applicable_count,
    count_statuses,
    system_status,
)
from baseline.guideline import (
    Guideline,
    checked_format,
    consistency_problems,
    diff_guidelines,
    dump_guideline,
    fingerprint,
    parse_guideline,
)
from baseline.issues import BaselineError, FileReport, Problem, ValidationReport, make_issue, strict
from baseline.merge import agency_key, check_same_guideline, merge_returns, restrict, select_returns
from baseline.summary import Action, OwnerLoad, Summary, met_percent, owner_loads, summarise
from baseline.text import clean_text, csv_cell, is_too_long, or_list, quote
from tests.factories import make_return


@pytest.mark.parametrize("text, cell", [("=1+1", "'=1+1"), ("+44 1234", "'+44 1234"), ("-2", "'-2"),
                                        ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
                                        ("\rx", "'\nx"), ("\r\nx", "'\nx")])  # a CR becomes a line break
def test_csv_neutralises_every_formula_start(text, cell):
    assert csv_cell(text) == cell


@pytest.mark.parametrize("value", ["a=b", "", "1-2", " =x", "'=x", "x\ty", -2, None, 3.5])
def test_csv_leaves_everything_else_alone(value):
    assert csv_cell(value) == value


def test_csv_turns_a_lone_carriage_return_inside_text_into_a_line_break():
    # LibreOffice ends a row at a lone CR even inside quotes
    assert csv_cell("one\rtwo\r\nthree") == "one\ntwo\nthree"


def test_to_csv_exactly():
    text = render.to_csv(["Name", "Count"], [["=cmd", None], ["a, b", -1], ['say "hi"', 0]])
    assert text == "\ufeffName,Count\n'=cmd,\n\"a, b\",-1\n\"say \"\"hi\"\"\",0\n"


def test_to_csv_keeps_id_columns_as_text_and_still_neutralises_them():
    text = render.to_csv(["id", "section", "note"], [["1.10", "1.1.10", "1.10"], ["=1+1", "x", "2"]],
                         keep_text=("id", "section"))
    assert text == '\ufeffid,section,note\n"=""1.10""","=""1.1.10""",1.10\n\'=1+1,x,2\n'


@pytest.mark.parametrize("value, shown", [("1.10", '="1.10"'), ("12", '="12"'), ("1.", '="1."'),
                                          ("v1.10", "v1.10"), (".1", ".1"), ("1.1a", "1.1a"), ("", ""),
                                          ("-1.1", "'-1.1"), (7, 7)])
def test_spreadsheet_text_only_wraps_number_like_ids(value, shown):
    assert render.spreadsheet_text(value) == shown


def test_markdown_table_escapes_pipes_and_joins_lines():
    table = render.markdown_table(["A", "B"], [["x|y", None], ["two\nlines", 0]])
    assert table == "| A | B |\n|---|---|\n| x\\|y |  |\n| two lines | 0 |"


def test_to_json_keeps_non_ascii_and_writes_dates_as_text():
    assert render.to_json({"name": "Café", "on": dt.date(2027, 1, 2)}) == '{\n  "name": "Café",\n  "on": "2027-01-02"\n}'


def counts(met=0, partially_met=0, not_met=0, not_assessed=0, not_applicable=0) -> dict[str, int]:
    return {"met": met, "partially_met": partially_met, "not_met": not_met, "not_assessed": not_assessed,
            "not_applicable": not_applicable}


@pytest.mark.parametrize("numbers, value, shown", [
    (counts(met=1, not_met=2), 33.3, "33%"),
    (counts(met=2, partially_met=1), 66.7, "67%"),
    (counts(not_met=5), 0.0, "0%"),
    (counts(met=5), 100.0, "100%"),
    (counts(met=1, not_assessed=7), 12.5, "12%"),  # one decimal kept by the number; the text rounds it
    (counts(), None, "–"),
    (counts(not_applicable=4), None, "–"),  # nothing applies: no percentage, not 0 %
])
def test_percent_met(numbers, value, shown):
    assert met_percent(numbers) == value
    assert render.percent_met(numbers) == shown


def test_percent_met_leaves_out_the_not_applicable():
    numbers = counts(met=1, partially_met=1, not_assessed=1, not_applicable=2)
    assert met_percent(numbers) == 33.3  # 1 of the 3 that apply, not 1 of 5
    assert render.count_row(numbers) == ["1", "1", "0", "1", "2", "33%"]


@pytest.fixture
def summary() -> Summary:
    return Summary(
        guideline="NG999", version="2030-01-01", title="A made-up guideline", as_of=dt.date(2031, 3, 1),
        agencies=["Alpha", "Beta|Gamma"], area="Northshire", round="2", missing_agencies=["Delta"],
        totals=counts(met=1, partially_met=1, not_met=1, not_applicable=1),
        agency_answers=counts(met=1, partially_met=1, not_met=1, not_assessed=1, not_applicable=1),
        sections=[{"id": "1.1", "title": "First", "counts": counts(met=1, not_met=1)},
                  {"id": "1.10", "title": None, "counts": counts(partially_met=1, not_applicable=1)}],
        by_agency=[{"agency": "Alpha", "counts": counts(met=1, not_met=1, not_applicable=1)},
                   {"agency": "Beta|Gamma", "counts": counts(partially_met=1, not_assessed=1)}],
        gaps=[{"recommendation": "1.1.2", "summary": "Train | staff", "status": "not_met", "risk": True,
               "agencies": {"Alpha": "not_met", "Beta|Gamma": "not_assessed"}},
              {"recommendation": "1.10.1", "summary": None, "status": "partially_met", "risk": False,
               "agencies": {"Alpha": "not_applicable", "Beta|Gamma": "partially_met"}},
              {"recommendation": "1.10.2", "summary": "=cmd", "status": "not_assessed", "risk": False,
               "agencies": {}}],
        owners=[OwnerLoad("Alpha", "Lead, Alpha", actions=2, open=1, overdue=1,
                          earliest_open_deadline=dt.date(2031, 2, 1)),
                OwnerLoad("Beta|Gamma", "Head", actions=3, open=2, earliest_open_deadline=dt.date(2031, 3, 1)),
                OwnerLoad("Beta|Gamma", "=Board", actions=1)],
        uncovered=["1.10.2"], encoding_complete=False,
    )


def test_heading_and_both_views_count_only_what_applies(summary):
    assert render.summary_heading(summary) == "Northshire · round 2 · NG999@2030-01-01 · as of 2031-03-01"
    assert render.agencies_sentence(summary) == "2 of 3 agencies returned; missing: Delta. Returned: Alpha, Beta|Gamma."
    assert render.view_sentences(summary) == [
        "System view: 1 of 3 recommendations met (33%); 1 partially met, 1 not met, 0 not assessed; "
        "1 not applicable (each recommendation counted by the worst answer of the agencies it applies to).",
        "Agency answers: 1 of 4 agency answers met (25%); 1 partially met, 1 not met, 1 not assessed; "
        "1 not applicable (each agency's own answer to each recommendation it was asked).",
    ]
    assert (summary.assessed, summary.percent_met) == (3, 33.3)
    assert (summary.answers_assessed, summary.answers_percent_met) == (4, 25.0)


def test_heading_without_area_or_round_and_one_agency(summary):
    summary.area = summary.round = None
    summary.agencies, summary.missing_agencies = ["Alpha"], []
    assert render.summary_heading(summary) == "NG999@2030-01-01 · as of 2031-03-01"
    assert render.agencies_sentence(summary) == "1 agency: Alpha."


def test_summary_markdown_exactly(summary):
    assert render.summary_markdown(summary) == "\n".join([
        "# NG999 baseline assessment summary",
        "",
        "Northshire · round 2 · NG999@2030-01-01 · as of 2031-03-01",
        "",
        "2 of 3 agencies returned; missing: Delta. Returned: Alpha, Beta\\|Gamma.",
        "",
        "- System view: 1 of 3 recommendations met (33%); 1 partially met, 1 not met, 0 not assessed; "
        "1 not applicable (each recommendation counted by the worst answer of the agencies it applies to).",
        "- Agency answers: 1 of 4 agency answers met (25%); 1 partially met, 1 not met, 1 not assessed; "
        "1 not applicable (each agency's own answer to each recommendation it was asked).",
        "",
        "> The guideline encoding is partial: recommendations missing from it are not assessed here.",
        "> No returned workbook listed 1 recommendation(s) (1.10.2): counted as not assessed.",
        "",
        "## By section",
        "",
        "| Section | Title | Met | Partially met | Not met | Not assessed | Not applicable | % met |",
        "|---|---|---|---|---|---|---|---|",
        "| 1.1 | First | 1 | 0 | 1 | 0 | 0 | 50% |",
        "| 1.10 | (heading not yet encoded) | 0 | 1 | 0 | 0 | 1 | 0% |",
        "",
        "## By agency",
        "",
        "| Agency | Met | Partially met | Not met | Not assessed | Not applicable | % met |",
        "|---|---|---|---|---|---|---|",
        "| Alpha | 1 | 0 | 1 | 0 | 1 | 50% |",
        "| Beta\\|Gamma | 0 | 1 | 0 | 1 | 0 | 0% |",
        "",
        "## Gaps (3)",
        "",
        "| Recommendation | System status | Risk | Summary | Agencies with a gap |",
        "|---|---|---|---|---|",
        "| 1.1.2 | Not met | risk flagged | Train \\| staff | Not met: Alpha; Not assessed: Beta\\|Gamma |",
        "| 1.10.1 | Partially met |  | (summary not yet encoded: see NICE) | Partially met: Beta\\|Gamma |",
        "| 1.10.2 | Not assessed |  | =cmd | no agency was asked |",
        "",
        "## Action owners",
        "",
        "| Agency | Owner | Actions | Open | Overdue | Earliest open deadline |",
        "|---|---|---|---|---|---|",
        "| Alpha | Lead, Alpha | 2 | 1 | 1 | overdue since 2031-02-01 |",
        "| Beta\\|Gamma | Head | 3 | 2 | 0 | 2031-03-01 |",  # due on the as-of date: not yet overdue
        "| Beta\\|Gamma | =Board | 1 | 0 | 0 |  |",
        "",
    ])


def test_summary_csv_by_owner_and_by_agency(summary):
    assert render.summary_csv(summary, "owner") == (
        "\ufeffAgency,Owner,Actions,Open,Overdue,Earliest open deadline\n"
        "Alpha,\"Lead, Alpha\",2,1,1,2031-02-01\nBeta|Gamma,Head,3,2,0,2031-03-01\nBeta|Gamma,'=Board,1,0,0,\n")
    assert render.summary_csv(summary, "agency") == (
        "\ufeffAgency,Met,Partially met,Not met,Not assessed,Not applicable,% met\n"
        "Alpha,1,0,1,0,1,50%\nBeta|Gamma,0,1,0,1,0,0%\n")


def test_summary_csv_of_gaps(summary):
    assert render.summary_csv(summary, "gaps") == (
        "\ufeffRecommendation,Summary,System status,Risk flagged,Not met,Partially met,Not assessed\n"
        '"=""1.1.2""",Train | staff,Not met,Yes,Alpha,,Beta|Gamma\n'
        '"=""1.10.1""",,Partially met,No,,Beta|Gamma,\n'
        '"=""1.10.2""",\'=cmd,Not assessed,No,,,\n')


def test_a_complete_encoding_with_every_recommendation_listed_has_no_notes(summary):
    summary.encoding_complete = True
    summary.uncovered = []
    assert render.honesty_notes(summary) == []


def test_a_partial_encoding_is_said_even_when_every_recommendation_was_listed(summary):
    summary.uncovered = []
    assert render.honesty_notes(summary) == [
        "The guideline encoding is partial: recommendations missing from it are not assessed here."]


def test_gap_rows_group_agencies_by_their_own_status(summary):
    summary.gaps = [
        {"recommendation": "1.1.1", "summary": "S", "status": "not_met", "risk": False,
         "agencies": {"C": "not_assessed", "A": "not_met", "F": "partially_met", "B": "not_met", "D": "met",
                      "E": "not_applicable"}},
        # With gap_statuses including met (summarise's parameter), a gap can have no agency with a gap.
        {"recommendation": "1.1.2", "summary": None, "status": "met", "risk": True, "agencies": {"A": "met"}},
    ]
    assert render.gap_rows(summary) == [
        ["1.1.1", "Not met", "", "S", "Not met: A, B; Partially met: F; Not assessed: C"],
        ["1.1.2", "Met", "risk flagged", "(summary not yet encoded: see NICE)", ""]]


def test_every_uncovered_recommendation_is_named(summary):
    summary.uncovered = ["1.2.2", "1.3.1"]
    assert render.honesty_notes(summary)[1] == \
        "No returned workbook listed 2 recommendation(s) (1.2.2, 1.3.1): counted as not assessed."


def test_summary_csv_is_by_section_unless_asked(summary):
    assert render.summary_csv(summary) == (
        "\ufeffSection,Title,Met,Partially met,Not met,Not assessed,Not applicable,% met\n"
        '"=""1.1""",First,1,0,1,0,0,50%\n"=""1.10""",(heading not yet encoded),0,1,0,0,1,0%\n')


def test_summary_json_exactly(summary):
    assert summary.to_dict() == {
        "area": "Northshire", "round": "2", "guideline": "NG999", "version": "2030-01-01", "as_of": "2031-03-01",
        "agencies": ["Alpha", "Beta|Gamma"], "missing_agencies": ["Delta"],
        "totals": {"met": 1, "partially_met": 1, "not_met": 1, "not_assessed": 0, "not_applicable": 1},
        "agency_answers": {"met": 1, "partially_met": 1, "not_met": 1, "not_assessed": 1, "not_applicable": 1},
        "sections": summary.sections, "by_agency": summary.by_agency, "gaps": summary.gaps,  # given as built above
        "owners": [
            {"agency": "Alpha", "owner": "Lead, Alpha", "actions": 2, "open": 1, "overdue": 1,
             "earliest_open_deadline": "2031-02-01"},
            {"agency": "Beta|Gamma", "owner": "Head", "actions": 3, "open": 2, "overdue": 0,
             "earliest_open_deadline": "2031-03-01"},
            {"agency": "Beta|Gamma", "owner": "=Board", "actions": 1, "open": 0, "overdue": 0,
             "earliest_open_deadline": None},
        ],
    }
    assert list(summary.to_dict()) == ["area", "round", "guideline", "version", "as_of", "agencies",
                                       "missing_agencies", "totals", "agency_answers", "sections", "by_agency",
                                       "gaps", "owners"]


# --- merge, issues, summary ---------------------------------------------------------------------------------------

UTC = dt.timezone.utc


@pytest.fixture(scope="module")
def guideline():
    return catalogue.load("NG225")  # the shipped encoding: ids are taken from it, never written here


def test_a_merge_gives_back_each_return_as_read(guideline):
    first, second = (r.id for r in guideline.recommendations[:2])
    school = make_return(guideline, "School", {first: Answer(first, Choice.YES, Choice.NO, action="Train staff",
                                                              owner="Head", completed_by="Sam")},
                         generated_at="2026-11-02T09:00:00+00:00", source="school.xlsx")
    school.sha256, school.source_format = "ab" * 32, "nice-bat"
    camhs = make_return(guideline, "CAMHS", {second: Answer(second, Choice.YES, Choice.YES)}, source="camhs.xlsx")
    merged = merge_returns(guideline, [school, camhs], merged_at=dt.datetime(2027, 2, 14, 10, 30, 5, 999, tzinfo=UTC))
    assert merged.returns() == [camhs, school]  # ordered by agency name
    assert merged.merged_at == "2027-02-14T10:30:05+00:00"  # to the second
    assert (merged.agencies[1].completed_by, merged.agencies[1].sha256) == ("Sam", "ab" * 32)
    assert restrict(merged, agencies=["school"]).merged_at == merged.merged_at
    actions = summarise(merged, as_of=dt.date(2027, 3, 1)).actions
    assert [(a.agency, a.recommendation, a.section, a.action, a.owner) for a in actions] == \
        [("School", first, guideline.section_of(first).id, "Train staff", "Head")]
    assert merge_returns(guideline, [school]).merged_at.endswith("+00:00")  # stamped in UTC


def test_agency_names_compare_without_case_and_spacing():
    assert agency_key("  North \t CAMHS ") == "north camhs"


def test_duplicate_agency_messages(guideline):
    utc = dt.timezone.utc
    a = make_return(guideline, "North CAMHS", source="a.xlsx", generated_at="2026-10-01T00:00:00+00:00")
    b = make_return(guideline, "north  camhs", source="b.xlsx", generated_at="2026-11-01T00:00:00+00:00")
    a.last_saved = dt.datetime(2027, 1, 26, 9, 5, tzinfo=utc)  # saved last, though from the older blank workbook
    b.last_saved = dt.datetime(2027, 1, 12, 16, 30, tzinfo=utc)
    c = make_return(guideline, "School", source="c.xlsx")
    _, (issue,) = select_returns([a, b, c])
    assert issue.file == "a.xlsx" and issue.message == (
        "2 returns for agency 'North CAMHS': b.xlsx (last saved 2027-01-12 16:30 UTC, Completed by: not given); "
        "a.xlsx (last saved 2027-01-26 09:05 UTC, Completed by: not given). If different people filled them in, "
        "check which is the agency's answer before choosing. Merge with --latest to keep a.xlsx (saved last), or "
        "with --keep FILE to choose.")
    kept, issues = select_returns([a, b, c], latest=True)
    assert (kept, issues) == ([a, c], [])  # the agency after a resolved duplicate is still kept
    same = make_return(guideline, "North CAMHS", source="d.xlsx", generated_at=a.generated_at)
    _, (issue,) = select_returns([a, same], latest=True)
    assert issue.file == "d.xlsx" and issue.message == (
        "2 returns for agency 'North CAMHS': a.xlsx (last saved 2027-01-26 09:05 UTC, Completed by: not given); "
        "d.xlsx (last saved unknown, Completed by: not given). If different people filled them in, check which is "
        "the agency's answer before choosing. --latest cannot choose (a last-saved time is missing): merge with "
        "--keep FILE to choose, or remove one.")


def test_guideline_mismatch_names_both_versions(guideline):
    other = make_return(guideline, "School", source="old.xlsx")
    other.version = "2000-01-01"
    (issue,) = check_same_guideline(guideline, [other])
    assert issue.file == "old.xlsx" and issue.code == "guideline-mismatch"
    assert issue.message.startswith(
        f"old.xlsx is an assessment of NG225@2000-01-01 (fingerprint {guideline.fingerprint}), but the merge is of "
        f"{guideline.ref} (fingerprint {guideline.fingerprint}). Merge returns of one guideline version at a time")


def test_issue_and_file_report_json_fields():
    issue = make_issue("invalid-choice", "says 'Perhaps'", file="a.xlsx", sheet="Assessment", cell="E7",
                       recommendation="1.1.1")
    assert issue.to_dict() == {"code": "invalid-choice", "severity": "error", "sheet": "Assessment", "cell": "E7",
                               "recommendation": "1.1.1", "message": "says 'Perhaps'"}
    report = FileReport("a.xlsx", agency="A", guideline="NG225", version="2030-01-01", issues=[issue])
    assert report.to_dict() == {"path": "a.xlsx", "valid": False, "skipped": False, "agency": "A", "guideline": "NG225",
                                "version": "2030-01-01", "issues": [issue.to_dict()]}


def test_an_unknown_issue_code_is_a_programming_error():
    with pytest.raises(ValueError, match="^unknown issue code 'no-such-code'$"):
        make_issue("no-such-code", "x")


def test_problem_and_error_texts():
    assert str(Problem("a.yaml", "", "not a mapping")) == "a.yaml: not a mapping"
    assert str(Problem("a.yaml", "sections[0].id", "missing")) == "a.yaml: sections[0].id: missing"
    error = BaselineError("Cannot go on")
    assert (str(error), error.args) == ("Cannot go on", ("Cannot go on",))


# --- the recommendation YAML: fingerprint and checks ---------------------------------------------------------


def test_fingerprint_is_the_hash_of_guideline_version_and_ids_in_order():
    expected = hashlib.sha256(b"NG225\n2022-09-07\n1.1.1\n1.1.2").hexdigest()[:12]
    assert fingerprint("NG225", "2022-09-07", ["1.1.1", "1.1.2"]) == expected
    assert fingerprint("ng225", "2022-09-07", ["1.1.1", "1.1.2"]) == expected  # the code's case does not matter
    assert fingerprint("NG225", "2022-09-07", ["1.1.2", "1.1.1"]) != expected  # the order of the ids does


def test_the_shipped_fingerprint_never_changes():
    """Every workbook sent out carries it: a new rule would make them all fingerprint mismatches."""
    assert catalogue.load("NG225").fingerprint == "e979bbcc0fd7"


def _problems(data: dict) -> list[tuple[str, str]]:
    problems = consistency_problems("f.yaml", parse_guideline_unchecked(data))
    assert all(p.file == "f.yaml" for p in problems)  # every problem names the file
    return [(p.path, p.message) for p in problems]


def parse_guideline_unchecked(data: dict) -> Guideline:
    return checked_format(data, "f.yaml")


def test_an_id_of_another_section_is_outside_this_one_and_a_duplicate(ng225_data):
    ng225_data["sections"][1]["recommendations"][0]["id"] = "1.3.1"  # section 1.2 lists 1.3's recommendation
    assert _problems(ng225_data) == [
        ("sections[1].recommendations[0].id", "recommendation 1.3.1 is outside its section 1.2"),
        ("sections[2].recommendations[0].id",
         "duplicate recommendation id '1.3.1' (also at sections[1].recommendations[0])"),
    ]


def test_duplicate_ids_across_sections_name_both_places(ng225_data):
    ng225_data["sections"][1]["recommendations"].append({"id": "1.1.1"})
    assert _problems(ng225_data) == [
        ("sections[1].recommendations[1].id", "recommendation 1.1.1 is outside its section 1.2"),
        ("sections[1].recommendations[1].id",
         "duplicate recommendation id '1.1.1' (also at sections[0].recommendations[0])"),
        ("sections[1].recommendations[1].id",
         "recommendation 1.1.1 comes after 1.2.1: recommendations must be in ascending order"),
    ]


def test_duplicate_section_ids_and_order(ng225_data):
    ng225_data["sections"][2]["id"] = "1.2"
    ng225_data["sections"][2]["recommendations"] = [{"id": "1.2.2"}]
    assert _problems(ng225_data) == [
        ("sections[2].id", "duplicate section id '1.2' (also at sections[1])"),
        ("sections[2].id", "section 1.2 comes after 1.2: sections must be in ascending order"),
    ]


def test_subsections_may_list_only_their_own_sections_ids(ng225_data):
    section = ng225_data["sections"][0]
    section["subsections"] = [{"title": "Own", "recommendations": ["1.1.1", "1.1.2"]},
                              {"title": "Borrowed", "recommendations": ["1.1.3", "1.2.1", "1.1.9"]}]
    assert _problems(ng225_data) == [
        ("sections[0].subsections[1].recommendations[1]", "'1.2.1' is not a recommendation of section 1.1"),
        ("sections[0].subsections[1].recommendations[2]", "'1.1.9' is not a recommendation of section 1.1"),
    ]


@pytest.mark.parametrize("identifier, message", [
    ("1.1", "'1.1' should have 3 parts"), ("1.1.x", "'1.1.x' is not a number like 1.2 or 1.2.3"),
    ("1.1.1.1", "'1.1.1.1' should have 3 parts")])
def test_a_recommendation_id_must_be_three_numbers(ng225_data, identifier, message):
    ng225_data["sections"][0]["recommendations"][3]["id"] = identifier
    assert _problems(ng225_data) == [("sections[0].recommendations[3].id", message)]


def test_empty_texts_sectors_and_dates(ng225_data):
    recs = ng225_data["sections"][0]["recommendations"]
    recs[0]["summary"] = "  "
    recs[1]["text"] = ""
    ng225_data["sections"][1]["sectors"] = ["schools", "education"]
    ng225_data["updated"] = "2000-01-01"
    problems = _problems(ng225_data)
    assert problems[:2] == [("sections[0].recommendations[0].summary", "is empty: leave it out (null) instead"),
                            ("sections[0].recommendations[1].text", "is empty: leave it out (null) instead")]
    known = ", ".join(sorted([*ng225_data["sectors"], "all"]))
    assert problems[2] == ("sections[1].sectors[0]", f"unknown sector 'schools' (known: {known})")
    assert problems[3:] == [("updated", "is before the published date")]


# --- owners ---------------------------------------------------------------------------------------------------


def _action(agency, owner, *, deadline=None, status=None, overdue=False, rec="1.1.1"):
    return Action(agency=agency, recommendation=rec, section="1.1", action="Do it", owner=owner, deadline=deadline,
                  deadline_text="", status=status, population="all", overdue=overdue)


def test_owners_are_agency_owner_pairs_most_overdue_then_most_open_then_by_name():
    done = ActionStatus.COMPLETE
    loads = owner_loads([
        _action("School", "Head"),  # open, not overdue
        _action("CAMHS", "zed lead", overdue=True, deadline=dt.date(2027, 2, 1)),
        _action("CAMHS", "Zed  Lead", deadline=dt.date(2027, 1, 15), rec="1.1.2"),  # the same owner, respelt
        _action("CAMHS", "Zed Lead", deadline=dt.date(2026, 12, 1), status=done, rec="1.1.3"),  # done: no deadline
        _action("ED", "Matron", overdue=True, deadline=dt.date(2027, 1, 1)),
        _action("ED", "Matron", status=done, overdue=True, rec="1.1.2"),  # done: never overdue
        _action("School", "head", rec="1.1.2"),
        _action("ED", "  ", rec="1.1.3"),  # no owner
        _action("Alpha", "Head", status=done),  # same title, other agency: another owner
        _action("Beta", "Head"),
    ])
    assert [load.to_dict() for load in loads] == [
        {"agency": "CAMHS", "owner": "zed lead", "actions": 3, "open": 2, "overdue": 1,
         "earliest_open_deadline": "2027-01-15"},
        {"agency": "ED", "owner": "Matron", "actions": 2, "open": 1, "overdue": 1,
         "earliest_open_deadline": "2027-01-01"},
        {"agency": "School", "owner": "Head", "actions": 2, "open": 2, "overdue": 0, "earliest_open_deadline": None},
        {"agency": "ED", "owner": "(no owner)", "actions": 1, "open": 1, "overdue": 0, "earliest_open_deadline": None},
        {"agency": "Beta", "owner": "Head", "actions": 1, "open": 1, "overdue": 0, "earliest_open_deadline": None},
        {"agency": "Alpha", "owner": "Head", "actions": 1, "open": 0, "overdue": 0, "earliest_open_deadline": None},
    ]
    assert loads[0].earliest_open_deadline == dt.date(2027, 1, 15)


def test_owners_tied_on_counts_are_by_owner_then_agency_ignoring_case():
    loads = owner_loads([_action("b agency", "lead"), _action("A agency", "Lead"), _action("c", "ANALYST"),
                         _action("a", "manager")])
    assert [(o.agency, o.owner) for o in loads] == [("c", "ANALYST"), ("A agency", "Lead"), ("b agency", "lead"),
                                                     ("a", "manager")]


# --- actions: what merge --update reports -----------------------------------------------------------------------


def test_carry_report_json_fields():
    edit = FieldEdit("1.1.1-NC-abc123", "North CAMHS", "1.1.1", "owner", "Team Manager", "CAMHS Lead")
    kept = KeptAction("1.1.2-NC-def456", "North CAMHS", "1.1.2", Orphan.CLEARED, True)
    report = CarryReport(carried=[edit], overridden=[edit], kept=[kept], restored=["1.5.1-NC-aaaaaa"],
                         added=["1.8.1-NS-bbbbbb"])
    one_edit = {"action_id": "1.1.1-NC-abc123", "agency": "North CAMHS", "recommendation": "1.1.1", "field": "owner",
                "group_value": "Team Manager", "return_value": "CAMHS Lead"}
    assert report.to_dict() == {
        "carried": [one_edit], "overridden": [one_edit],
        "kept": [{"action_id": "1.1.2-NC-def456", "agency": "North CAMHS", "recommendation": "1.1.2",
                  "reason": "cleared", "newly": True}],
        "restored": ["1.5.1-NC-aaaaaa"], "added": ["1.8.1-NS-bbbbbb"]}
    assert CarryReport().to_dict() == {"carried": [], "overridden": [], "kept": [], "restored": [], "added": []}


# --- guideline diff and lookup ------------------------------------------------------------------------------------


def test_guideline_diff_json_fields(ng225_data):
    old = parse_guideline(copy.deepcopy(ng225_data))
    ng225_data["version"] = "2030-01-01"
    ng225_data["sections"][1]["recommendations"].append({"id": "1.2.2"})
    del ng225_data["sections"][2]["recommendations"][0]
    ng225_data["sections"][2]["recommendations"].append({"id": "1.3.2"})
    ng225_data["sections"][0]["recommendations"][1]["summary"] = "Now known."
    ng225_data["sections"][8]["title"] = "A heading"
    del ng225_data["sections"][11]
    ng225_data["sections"].append({"id": "1.13", "title": "New", "recommendations": [{"id": "1.13.1"}]})
    diff = diff_guidelines(old, parse_guideline(ng225_data))
    removed_112 = [f"1.12.{n}" for n in range(1, 7)]  # section 1.12 went with its recommendations
    assert diff.to_dict() == {
        "old": "NG225@2022-09-07", "new": "NG225@2030-01-01",
        "recommendations": {"added": ["1.2.2", "1.3.2", "1.13.1"], "removed": ["1.3.1", *removed_112],
                            "changed": [{"id": "1.1.2", "fields": {"summary": [None, "Now known."]}}]},
        "sections": {"added": ["1.13"], "removed": ["1.12"],
                     "changed": [{"id": "1.9", "fields": {"title": [None, "A heading"]}}]},
    }
    assert not diff.empty


def test_looking_up_an_unknown_recommendation_names_it():
    with pytest.raises(KeyError) as caught:
        catalogue.load("NG225").get("9.9.9")
    assert caught.value.args == ("9.9.9",)


def _row(action_id, agency, owner, **more):
    values = dict(section="1.1", recommendation="1.1.1", population="all", action="Do it")
    values.update(more)
    return PlanRow(action_id, agency=agency, owner=owner, **values)


def test_plan_row_json_fields():
    row = _row("1.1.1-NC-abc123", "North CAMHS", "Lead", population="children", deadline=dt.date(2027, 1, 31),
               status=ActionStatus.IN_PROGRESS, risk=True, links=("1.1.2-NC-def456",), more_links=2,
               progress_notes="Half done", last_updated=dt.date(2027, 2, 1), orphaned=Orphan.NOT_MERGED)
    assert row.to_dict(dt.date(2027, 3, 1)) == {
        "action_id": "1.1.1-NC-abc123", "theme": "1.1", "recommendation": "1.1.1", "age_group": "children",
        "agency": "North CAMHS", "action": "Do it", "owner": "Lead", "deadline": "2027-01-31", "status": "In progress",
        "overdue": True, "risk": True, "links": ["1.1.2-NC-def456"], "more_links": 2, "progress_notes": "Half done",
        "last_updated": "2027-02-01", "orphaned": "agency-not-merged"}
    assert row.to_dict(dt.date(2027, 1, 31))["overdue"] is False  # due that day: not yet overdue
    bare = _row("1.1.1-NS-aaaaaa", "North Schools", "", deadline_text="end of Q3")
    assert bare.to_dict(dt.date(2027, 3, 1)) == {
        "action_id": "1.1.1-NS-aaaaaa", "theme": "1.1", "recommendation": "1.1.1", "age_group": "all",
        "agency": "North Schools", "action": "Do it", "owner": "", "deadline": "end of Q3", "status": None,
        "overdue": False, "risk": False, "links": [], "more_links": 0, "progress_notes": "", "last_updated": None,
        "orphaned": None}
    assert _row("x", "A", "B").to_dict(dt.date(2027, 3, 1))["deadline"] is None


def test_list_plan_filters_and_groups_by_agency_then_owner():
    as_of = dt.date(2027, 3, 1)
    plan = [_row("1", "School", "Head", deadline=dt.date(2027, 1, 1)),
            _row("2", "CAMHS", "lead", recommendation="1.1.2"),
            _row("3", "CAMHS", " Lead ", recommendation="1.1.3", deadline=dt.date(2027, 2, 1)),
            _row("4", "CAMHS", "Nurse", deadline=dt.date(2027, 2, 1), status=ActionStatus.COMPLETE),
            _row("5", "school", "Head", recommendation="1.1.4")]
    by_owner = list_plan(plan, as_of)
    assert [(g.agency, g.owner, [r.action_id for r in g.rows]) for g in by_owner.groups] == [
        ("CAMHS", "lead", ["2", "3"]), ("CAMHS", "Nurse", ["4"]), ("School", "Head", ["1", "5"])]
    assert by_owner.groups[0].to_dict()["actions"] == 2
    by_agency = list_plan(plan, as_of, by="agency")
    assert [(g.agency, g.owner, len(g.rows)) for g in by_agency.groups] == [("CAMHS", None, 3), ("School", None, 2)]
    overdue = list_plan(plan, as_of, overdue=True, agencies=["camhs", "SCHOOL"], owners=["LEAD", "head"])
    assert [[r.action_id for r in g.rows] for g in overdue.groups] == [["3"], ["1"]]
    assert list_plan(plan, as_of, owners=["nobody"]).groups == []
    with pytest.raises(ValueError, match="^by must be one of"):
        list_plan(plan, as_of, by="section")


# --- text -------------------------------------------------------------------------------------------------------


def test_exactly_the_control_characters_a_spreadsheet_cannot_hold_are_removed():
    removed = {chr(c) for c in range(0x20) if clean_text(f"a{chr(c)}b") == "ab"}
    assert removed == {chr(c) for c in [*range(0x00, 0x09), *range(0x0E, 0x20)]}
    assert clean_text("a\t\n\rb\x7f\u2028é") == "a\t\n\rb\x7f\u2028é"  # tab, LF, CR and the rest kept
    assert {chr(c) for c in range(0x20) if clean_text(f"a{chr(c)}b") == "a\nb"} == {"\n", "\x0b", "\x0c"}


def test_cell_limit_and_quote_limits():
    assert not is_too_long("x" * 32_767) and is_too_long("x" * 32_768)
    assert quote("x" * 60) == "'" + "x" * 60 + "'" and quote("x" * 61) == "'" + "x" * 59 + "…'"
    assert quote(None) == "''" and quote("a\nb") == "'a b'"
    assert or_list(["A", "B"]) == "A or B"


def test_issue_positions_strict_and_reports():
    in_cell = make_issue("owner-missing", "m", file="a.xlsx", sheet="Assessment", cell="H7")
    assert (in_cell.position, make_issue("owner-missing", "m", sheet="Assessment").position,
            make_issue("owner-missing", "m").position) == ("Assessment!H7", "Assessment", "")
    assert in_cell.severity == "warning" and make_issue("invalid-choice", "m").severity == "error"
    assert [i.severity for i in strict([in_cell, make_issue("invalid-choice", "m")])] == ["error", "error"]
    assert in_cell.severity == "warning"  # strict copies, never changes the issue it was given
    warned = FileReport("a.xlsx", issues=[in_cell])
    failed = FileReport("b.xlsx", issues=[in_cell, make_issue("invalid-choice", "m")])
    assert (warned.valid, len(warned.warnings), warned.errors) == (True, 1, [])
    assert (failed.valid, len(failed.errors), len(failed.warnings)) == (False, 1, 1)
    assert ValidationReport([warned]).valid and not ValidationReport([warned, failed]).valid
    assert ValidationReport([warned]).to_dict() == {"files": [warned.to_dict()], "issues": []}


def test_baseline_error_lists_its_problems():
    error = BaselineError("a.yaml is not valid", [Problem("a.yaml", "title", "missing"), Problem("a.yaml", "", "x")])
    assert str(error) == "a.yaml is not valid\n  a.yaml: title: missing\n  a.yaml: x"
    assert [p.path for p in error.problems] == ["title", ""]


LONG_SUMMARY = "A made-up summary long enough to pass eighty characters but not the hundred and ten."


def test_dump_guideline_writes_the_files_own_shape():
    """Non-ASCII text as it is, and lines up to 110 characters unbroken (the files are read by people)."""
    data = {"schema": 1, "guideline": "NG999", "title": "A made-up guideline, café", "version": "2030-01-01",
            "published": "2030-01-01", "source": "https://example.org/ng999", "complete": True,
            "sectors": {"education": "Schools and colleges"},
            "sections": [{"id": "1.1", "title": "First", "complete": True, "sectors": ["education"],
                          "recommendations": [{"id": "1.1.1", "summary": LONG_SUMMARY, "verified": True},
                                              {"id": "1.1.2"}]}]}
    assert dump_guideline(parse_guideline(data)) == (
        "schema: 1\nguideline: NG999\ntitle: A made-up guideline, café\nversion: '2030-01-01'\npublished: '2030-01-01'\n"
        "source: https://example.org/ng999\ncomplete: true\nsectors:\n  education: Schools and colleges\nsections:\n"
        "- id: '1.1'\n  title: First\n  complete: true\n  sectors:\n  - education\n  subsections: []\n"
        f"  recommendations:\n  - id: 1.1.1\n    summary: {LONG_SUMMARY}\n    population: all\n    quality_statements: []\n"
        "    verified: true\n  - id: 1.1.2\n    population: all\n    quality_statements: []\n    verified: false\n")


def test_section_ids_and_empty_sections(ng225_data):
    ng225_data["sections"][1]["id"] = "1.x"
    ng225_data["sections"][1]["recommendations"] = [{"id": "1.2.1"}]
    ng225_data["sections"][2]["recommendations"] = []
    assert _problems(ng225_data) == [
        ("sections[1].id", "'1.x' is not a number like 1.2 or 1.2.3"),
        ("sections[2].recommendations", "a section needs at least one recommendation"),
    ]  # an id that is no number is not also out of order, and its recommendations are not outside it


def test_order_is_checked_from_the_last_valid_id(ng225_data):
    recs = ng225_data["sections"][0]["recommendations"]
    recs[1]["id"] = "1.1.x"  # between 1.1.1 and 1.1.3: 1.1.3 is compared with 1.1.1
    recs[3]["id"] = "1.1.2"
    assert _problems(ng225_data) == [
        ("sections[0].recommendations[1].id", "'1.1.x' is not a number like 1.2 or 1.2.3"),
        ("sections[0].recommendations[3].id", "recommendation 1.1.2 comes after 1.1.3: recommendations must be in "
                                              "ascending order"),
    ]


def test_an_action_of_an_agency_left_out_of_the_merge_is_kept_and_noted_once(guideline):
    first, second = (r.id for r in guideline.recommendations[:2])
    camhs = make_return(guideline, "CAMHS", {second: Answer(second, Choice.YES, Choice.NO, action="Train",
                                                             owner="Lead")})
    school = make_return(guideline, "School", {first: Answer(first, Choice.YES, Choice.NO, action="Plan",
                                                              owner="Head")})
    previous = merge_returns(guideline, [camhs, school])
    previous_plan = [replace(row, progress_notes="Started  ", action_id="typed-over") if row.agency == "CAMHS" else row
                     for row in build_plan(previous)]
    now = merge_returns(guideline, [school])
    today = dt.date(2027, 4, 1)
    plan, report = carry_forward(previous_plan, returned_values(previous), build_plan(now), today, assessment=now)
    [kept] = [row for row in plan if row.agency == "CAMHS"]
    assert kept.action_id == action_id("CAMHS", second)  # the id is recomputed, not taken as typed
    assert (kept.orphaned, kept.last_updated) == (Orphan.NOT_MERGED, today)
    assert kept.progress_notes.startswith("Started\n[2027-04-01] ")
    assert report.kept == [KeptAction(kept.action_id, "CAMHS", second, Orphan.NOT_MERGED, True)]
    # The next merge, still without CAMHS: kept again, but not noted again.
    again, report = carry_forward(plan, returned_values(now), build_plan(now), dt.date(2027, 5, 1), assessment=now)
    [still] = [row for row in again if row.agency == "CAMHS"]
    assert (still.progress_notes, still.last_updated) == (kept.progress_notes, today)
    assert report.kept == [KeptAction(kept.action_id, "CAMHS", second, Orphan.NOT_MERGED, False)]


# --- assessment -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("statuses, system", [
    ([], "not_applicable"), (["not_applicable"], "not_applicable"), (["met", "not_applicable"], "met"),
    (["met", "not_assessed"], "not_assessed"), (["not_assessed", "partially_met"], "partially_met"),
    (["partially_met", "not_met", "met"], "not_met"), (["met", "met"], "met"),
])
def test_system_status_is_the_worst_that_applies(statuses, system):
    assert system_status(Status(s) for s in statuses).value == system


def test_agency_status_counts_and_overdue():
    Y, P, N = Choice.YES, Choice.PARTIAL, Choice.NO
    assert [agency_status(r, m).value for r, m in [(None, Y), (N, Y), (Y, Y), (P, P), (Y, N), (P, None)]] == [
        "not_assessed", "not_applicable", "met", "partially_met", "not_met", "not_assessed"]
    assert list(count_statuses([Status.NOT_MET, Status.MET, Status.NOT_MET]).items()) == [
        ("met", 1), ("partially_met", 0), ("not_met", 2), ("not_assessed", 0), ("not_applicable", 0)]
    assert applicable_count({"met": 2, "not_met": 1, "not_applicable": 5}) == 3
    due = Answer("1.1.1", Y, N, action="Do", deadline=dt.date(2027, 3, 1))
    assert (due.is_overdue(dt.date(2027, 3, 1)), due.is_overdue(dt.date(2027, 3, 2))) == (False, True)
    assert not replace(due, action_status=ActionStatus.COMPLETE).is_overdue(dt.date(2028, 1, 1))
    assert not replace(due, deadline=None).is_overdue(dt.date(2028, 1, 1))
    assert not replace(due, action="", owner="").is_overdue(dt.date(2028, 1, 1))  # no action: nothing overdue
    assert Answer("1.1.1", owner=" Lead ").is_action and not Answer("1.1.1", action="  ").is_action
    assert Answer("1.1.1").is_blank and not Answer("1.1.1", completed_by="A").is_blank


def test_parse_guideline_errors_name_the_file_and_say_why(ng225_data):
    with pytest.raises(BaselineError) as caught:
        parse_guideline(["not", "a", "mapping"])
    assert (caught.value.message, [(p.file, p.path, p.message) for p in caught.value.problems]) == (
        "<data> is not a recommendation file", [("<data>", "", "the top level must be a mapping of keys")])
    ng225_data["published"] = dt.datetime(2022, 9, 7, 10, 0)
    with pytest.raises(BaselineError) as caught:
        parse_guideline(ng225_data, "ng.yaml")
    assert caught.value.message == "ng.yaml is not a valid recommendation file"
    [problem] = caught.value.problems
    assert (problem.file, problem.path) == ("ng.yaml", "published")
    assert "must be a date (YYYY-MM-DD), not a date and time" in problem.message
    ng225_data["published"] = "2022-09-07"
    ng225_data["sections"][0]["recommendations"][1]["id"] = "1.1.1"
    with pytest.raises(BaselineError) as caught:
        parse_guideline(ng225_data, "ng.yaml")
    assert caught.value.message == "ng.yaml is not a valid recommendation file"
    assert caught.value.problems[0].file == "ng.yaml"
