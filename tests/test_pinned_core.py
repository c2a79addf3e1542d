"""Exact output of the core's presentation helpers, written out by hand (not computed with the code under test).

Found by mutation testing (`make mutate`): these behaviours could change without any other test noticing. The
summaries here are built in code for a made-up guideline and made-up agencies: no NICE facts.
"""

from __future__ import annotations

import datetime as dt

import pytest

from baseline import render
from baseline.summary import OwnerLoad, Summary


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
