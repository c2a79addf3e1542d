"""Exact output of the core's presentation helpers, written out by hand (not computed with the code under test).

Found by mutation testing (`make mutate`): these behaviours could change without any other test noticing. The
summaries here are built in code for a made-up guideline and made-up agencies: no NICE facts.
"""

from __future__ import annotations

import datetime as dt

import pytest

from baseline import catalogue, render
from baseline.assessment import Answer, Choice
from baseline.issues import BaselineError, FileReport, Problem, make_issue
from baseline.merge import agency_key, check_same_guideline, merge_returns, restrict, select_returns
from baseline.summary import OwnerLoad, Summary, summarise
from tests.factories import make_return


@pytest.mark.parametrize("text", ["=1+1", "+44 1234", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_csv_neutralises_every_formula_start(text):
    assert render.csv_safe(text) == "'" + text


@pytest.mark.parametrize("value", ["a=b", "", "1-2", " =x", "'=x", -2, None, 3.5])
def test_csv_leaves_everything_else_alone(value):
    assert render.csv_safe(value) == value


def test_to_csv_exactly():
    text = render.to_csv(["Name", "Count"], [["=cmd", None], ["a, b", -1], ['say "hi"', 0]])
    assert text == "Name,Count\n'=cmd,\n\"a, b\",-1\n\"say \"\"hi\"\"\",0\n"


def test_markdown_table_escapes_pipes_and_joins_lines():
    table = render.markdown_table(["A", "B"], [["x|y", None], ["two\nlines", 0]])
    assert table == "| A | B |\n|---|---|\n| x\\|y |  |\n| two lines | 0 |"


def test_to_json_keeps_non_ascii_and_writes_dates_as_text():
    assert render.to_json({"name": "Café", "on": dt.date(2027, 1, 2)}) == '{\n  "name": "Café",\n  "on": "2027-01-02"\n}'


@pytest.mark.parametrize("part, whole, shown", [(1, 3, "33%"), (2, 3, "67%"), (0, 5, "0%"), (5, 5, "100%"),
                                                (0, 0, "–")])
def test_percent(part, whole, shown):
    assert render.percent(part, whole) == shown


def test_percent_met_leaves_out_the_not_applicable():
    counts = {"met": 1, "partially_met": 1, "not_met": 0, "not_assessed": 1, "not_applicable": 2}
    assert render.count_row(counts) == ["1", "1", "0", "1", "2", "33%"]  # 1 of the 3 that apply, not 1 of 5


def counts(met=0, partially_met=0, not_met=0, not_assessed=0, not_applicable=0) -> dict[str, int]:
    return {"met": met, "partially_met": partially_met, "not_met": not_met, "not_assessed": not_assessed,
            "not_applicable": not_applicable}


@pytest.fixture
def summary() -> Summary:
    return Summary(
        guideline="NG999", version="2030-01-01", title="A made-up guideline", as_of=dt.date(2031, 3, 1),
        agencies=["Alpha", "Beta|Gamma"],
        totals=counts(met=1, partially_met=1, not_met=1, not_applicable=1),
        sections=[{"id": "1.1", "title": "First", "counts": counts(met=1, not_met=1)},
                  {"id": "1.2", "title": None, "counts": counts(partially_met=1, not_applicable=1)}],
        by_agency=[{"agency": "Alpha", "counts": counts(met=1, not_met=1, not_applicable=1)},
                   {"agency": "Beta|Gamma", "counts": counts(partially_met=1, not_assessed=1)}],
        gaps=[{"recommendation": "1.1.2", "status": "not_met",
               "agencies": {"Alpha": "not_met", "Beta|Gamma": "not_assessed"}},
              {"recommendation": "1.2.1", "status": "partially_met",
               "agencies": {"Alpha": "not_applicable", "Beta|Gamma": "partially_met"}},
              {"recommendation": "1.2.2", "status": "not_assessed", "agencies": {}}],
        owners=[OwnerLoad("Lead, Alpha", actions=2, open=1, overdue=1, next_deadline=dt.date(2031, 2, 1)),
                OwnerLoad("=Board", actions=1)],
        uncovered=["1.2.2"], encoding_complete=False,
    )


def test_headline_counts_the_recommendations_that_apply(summary):
    assert render.headline(summary) == (
        "NG999@2030-01-01 · 2 agencies · as of 2031-03-01 · 3 recommendations apply: 1 met (33%), "
        "1 partially met, 1 not met, 0 not assessed; 1 not applicable.")


def test_summary_markdown_exactly(summary):
    assert render.summary_markdown(summary) == "\n".join([
        "# NG999 baseline assessment summary",
        "",
        "NG999@2030-01-01 · 2 agencies · as of 2031-03-01 · 3 recommendations apply: 1 met (33%), "
        "1 partially met, 1 not met, 0 not assessed; 1 not applicable.",
        "",
        "> The guideline encoding is partial: recommendations missing from it are not assessed here.",
        "> No returned workbook listed 1 recommendation(s) (1.2.2): counted as not assessed.",
        "",
        "## By section",
        "",
        "| Section | Title | Met | Partially met | Not met | Not assessed | Not applicable | % met |",
        "|---|---|---|---|---|---|---|---|",
        "| 1.1 | First | 1 | 0 | 1 | 0 | 0 | 50% |",
        "| 1.2 | (heading not yet encoded) | 0 | 1 | 0 | 0 | 1 | 0% |",
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
        "| Recommendation | System status | Agencies with a gap |",
        "|---|---|---|",
        "| 1.1.2 | Not met | Not met: Alpha; Not assessed: Beta\\|Gamma |",
        "| 1.2.1 | Partially met | Partially met: Beta\\|Gamma |",
        "| 1.2.2 | Not assessed | no agency was asked |",
        "",
        "## Action owners",
        "",
        "| Owner | Actions | Open | Overdue | Next deadline |",
        "|---|---|---|---|---|",
        "| Lead, Alpha | 2 | 1 | 1 | 2031-02-01 |",
        "| =Board | 1 | 0 | 0 |  |",
        "",
    ])


def test_summary_csv_by_owner_and_by_agency(summary):
    assert render.summary_csv(summary, by="owner") == (
        "Owner,Actions,Open,Overdue,Next deadline\n\"Lead, Alpha\",2,1,1,2031-02-01\n'=Board,1,0,0,\n")
    assert render.summary_csv(summary, by="agency") == (
        "Agency,Met,Partially met,Not met,Not assessed,Not applicable,% met\n"
        "Alpha,1,0,1,0,1,50%\nBeta|Gamma,0,1,0,1,0,0%\n")


def test_a_complete_encoding_with_every_recommendation_listed_has_no_notes(summary):
    summary.encoding_complete = True
    summary.uncovered = []
    assert render.honesty_notes(summary) == []


def test_gap_rows_group_agencies_by_their_own_status(summary):
    summary.gaps = [
        {"recommendation": "1.1.1", "status": "not_met",
         "agencies": {"C": "not_assessed", "A": "not_met", "B": "not_met", "D": "met", "E": "not_applicable"}},
        # With gap_statuses including met (summarise's parameter), a gap can have no agency with a gap.
        {"recommendation": "1.1.2", "status": "met", "agencies": {"A": "met"}},
    ]
    assert render.gap_rows(summary) == [["1.1.1", "Not met", "Not met: A, B; Not assessed: C"], ["1.1.2", "Met", ""]]


def test_every_uncovered_recommendation_is_named(summary):
    summary.uncovered = ["1.2.2", "1.3.1"]
    assert render.honesty_notes(summary)[1] == \
        "No returned workbook listed 2 recommendation(s) (1.2.2, 1.3.1): counted as not assessed."


def test_summary_csv_is_by_section_unless_asked(summary):
    assert render.summary_csv(summary) == (
        "Section,Title,Met,Partially met,Not met,Not assessed,Not applicable,% met\n"
        "1.1,First,1,0,1,0,0,50%\n1.2,(heading not yet encoded),0,1,0,0,1,0%\n")


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
    assert report.to_dict() == {"path": "a.xlsx", "valid": False, "agency": "A", "guideline": "NG225",
                                "version": "2030-01-01", "issues": [issue.to_dict()]}


def test_an_unknown_issue_code_is_a_programming_error():
    with pytest.raises(ValueError, match="^unknown issue code 'no-such-code'$"):
        make_issue("no-such-code", "x")


def test_problem_and_error_texts():
    assert str(Problem("a.yaml", "", "not a mapping")) == "a.yaml: not a mapping"
    assert str(Problem("a.yaml", "sections[0].id", "missing")) == "a.yaml: sections[0].id: missing"
    error = BaselineError("Cannot go on")
    assert (str(error), error.args) == ("Cannot go on", ("Cannot go on",))
