"""`baseline merge` and `baseline summary` end to end through the CLI, on workbooks made by the real writer."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import openpyxl
import pytest

from baseline import catalogue
from baseline.assessment import ActionStatus, Answer, Choice
from baseline.merge import merge_returns
from baseline.summary import summarise
from baseline.workflow import merge_files
from baseline.xlsx.agency import layout
from baseline.xlsx.agency.writer import write_agency_workbook
from baseline.xlsx.merged.reader import read_merged_workbook
from baseline.xlsx.returns import read_return

from .cases.tracker_folder import set_last_saved

Y, P, N = Choice.YES, Choice.PARTIAL, Choice.NO
AS_OF = "2027-03-01"


@pytest.fixture(scope="module")
def ng225():
    return catalogue.load("NG225")


def make_return(folder, guideline, agency, sectors, answers, name=None, generated_at=None):
    path = folder / (name or agency.lower().replace(" ", "-") + ".xlsx")
    write_agency_workbook(path, guideline, agency=agency, sectors=sectors, area="Northshire", prefill=answers,
                          generated_at=generated_at or dt.datetime(2026, 11, 1, 9, tzinfo=dt.timezone.utc))
    return path


@pytest.fixture
def returns(tmp_path, ng225):
    folder = tmp_path / "returns"
    folder.mkdir()
    make_return(folder, ng225, "North CAMHS", ["mental_health"], {
        "1.1.1": Answer("1.1.1", Y, Y, evidence="Leaflet v2 in use", completed_by="R. Shah"),
        "1.1.2": Answer("1.1.2", Y, P, action="=HYPERLINK(\"http://x\")", owner="CAMHS Lead",
                        deadline=dt.date(2027, 1, 31), action_status=ActionStatus.IN_PROGRESS),
        "1.5.1": Answer("1.5.1", Y, N, action="Recruit liaison nurse", owner="camhs lead ",
                        deadline=dt.date(2027, 6, 30)),
    })
    make_return(folder, ng225, "North Schools", ["education"], {
        "1.1.1": Answer("1.1.1", Y, P, action="Train staff", owner="Head of Inclusion", deadline=dt.date(2027, 2, 1)),
        "1.8.1": Answer("1.8.1", N),
    })
    return folder


def test_merge_writes_the_workbook_and_summary_agrees(run, returns, tmp_path, ng225):
    out = tmp_path / "merged.xlsx"
    result = run("merge", returns, "-o", out, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{out}\n"
    assert "Merged 2 agencies into" in result.stderr
    from_merged = run("summary", out, "--as-of", AS_OF, "--format", "json")
    from_returns = run("summary", returns, "--as-of", AS_OF, "--format", "json")
    assert from_merged.exit_code == from_returns.exit_code == 0
    data = json.loads(from_merged.stdout)
    assert data == json.loads(from_returns.stdout)
    library = summarise(read_merged_workbook(out), as_of=dt.date(2027, 3, 1)).to_dict()
    assert data == json.loads(json.dumps(library))
    assert data["agencies"] == ["North CAMHS", "North Schools"]
    gaps = {g["recommendation"]: g for g in data["gaps"]}
    assert gaps["1.1.1"] == {"recommendation": "1.1.1", "summary": ng225.get("1.1.1").summary,
                             "status": "partially_met", "risk": False,
                             "agencies": {"North CAMHS": "met", "North Schools": "partially_met"}}
    assert gaps["1.5.1"]["status"] == "not_met"
    assert data["owners"][0] == {"agency": "North CAMHS", "owner": "CAMHS Lead", "actions": 2, "open": 2,
                                 "overdue": 1, "earliest_open_deadline": "2027-01-31"}
    # Formula-looking text from a return stays text in the merged workbook.
    sheet = openpyxl.load_workbook(out)["All answers"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value == "=HYPERLINK(\"http://x\")"]
    assert cells and all(c.data_type == "s" for c in cells)


def sector_ids(guideline, sector):
    return {r.id for r in guideline.recommendations_for([sector])}


@pytest.fixture
def counted(tmp_path, ng225):
    """Returns whose counts are worked out by hand below: a met and a not-applicable answer in the same section
    and agency, so that a "% met" counting the not-applicable ones in its base comes out different."""
    camhs_only = sorted(sector_ids(ng225, "mental_health") - sector_ids(ng225, "education"))
    schools_only = sorted(sector_ids(ng225, "education") - sector_ids(ng225, "mental_health"))
    assert camhs_only[:3] == ["1.5.1", "1.7.1", "1.7.10"] and schools_only == ["1.8.1"]  # what the numbers below rest on
    folder = tmp_path / "counted"
    folder.mkdir()
    make_return(folder, ng225, "North CAMHS", ["mental_health"], {
        "1.7.1": Answer("1.7.1", Y, Y), "1.7.2": Answer("1.7.2", N), "1.1.1": Answer("1.1.1", Y, P)})
    make_return(folder, ng225, "North Schools", ["education"], {
        "1.1.1": Answer("1.1.1", Y, N), "1.8.1": Answer("1.8.1", P, Y)})
    return folder


def test_counts_and_percent_met_leave_out_the_not_applicable_everywhere(run, counted, tmp_path, ng225):
    listed = sector_ids(ng225, "mental_health") | sector_ids(ng225, "education")
    camhs, schools = len(sector_ids(ng225, "mental_health")), len(sector_ids(ng225, "education"))
    in_17 = len([r for r in ng225.section_of("1.7.1").recommendations if r.id in listed])
    # By hand. System view: 1.7.1 and 1.8.1 met (each asked of one agency), 1.7.2 not applicable, 1.1.1 not met
    # (worst of partial and no), every other listed recommendation not assessed.
    totals = {"met": 2, "partially_met": 0, "not_met": 1, "not_assessed": len(listed) - 4, "not_applicable": 1}
    camhs_counts = {"met": 1, "partially_met": 1, "not_met": 0, "not_assessed": camhs - 3, "not_applicable": 1}
    schools_counts = {"met": 1, "partially_met": 0, "not_met": 1, "not_assessed": schools - 2, "not_applicable": 0}
    section_17 = {"met": 1, "partially_met": 0, "not_met": 0, "not_assessed": in_17 - 2, "not_applicable": 1}

    data = json.loads(run("summary", counted, "--as-of", AS_OF, "--format", "json").stdout)
    assert data["totals"] == totals
    assert data["agency_answers"] == {status: camhs_counts[status] + schools_counts[status] for status in totals}
    assert data["by_agency"] == [{"agency": "North CAMHS", "counts": camhs_counts},
                                 {"agency": "North Schools", "counts": schools_counts}]
    assert next(s for s in data["sections"] if s["id"] == "1.7")["counts"] == section_17

    applicable = len(listed) - 1
    answers = camhs + schools - 1
    terminal = run("summary", counted, "--as-of", AS_OF).stdout
    assert (f"System view: 2 of {applicable} recommendations met ({round(200 / applicable)}%); 0 partially met, "
            f"1 not met, {len(listed) - 4} not assessed; 1 not applicable") in terminal
    assert (f"Agency answers: 2 of {answers} agency answers met ({round(200 / answers)}%); 1 partially met, "
            f"1 not met, {camhs - 3 + schools - 2} not assessed; 1 not applicable") in terminal

    markdown = run("summary", counted, "--as-of", AS_OF, "--format", "markdown").stdout
    assert f"| 1.7 | {ng225.section_of('1.7.1').title} | 1 | 0 | 0 | {in_17 - 2} | 1 | {round(100 / (in_17 - 1))}% |" \
        in markdown
    assert round(100 / (in_17 - 1)) != round(100 / in_17)  # the base shows in the percentage itself

    out = tmp_path / "merged.xlsx"
    assert run("merge", counted, "-o", out, "--as-of", AS_OF).exit_code == 0
    rows = [row for row in openpyxl.load_workbook(out)["Summary"].iter_rows(values_only=True)]
    headline = {row[0]: row[1:3] for row in rows if row[0] in ("Met", "Partially met", "Not met", "Not assessed",
                                                               "Not applicable", "Total")}
    assert headline == {"Met": (2, pytest.approx(2 / applicable)), "Partially met": (0, 0),
                        "Not met": (1, pytest.approx(1 / applicable)),
                        "Not assessed": (len(listed) - 4, pytest.approx((len(listed) - 4) / applicable)),
                        "Not applicable": (1, None), "Total": (len(listed), None)}
    by_row = {row[0]: row[2:9] for row in rows}
    assert by_row["1.7"] == (1, 0, 0, in_17 - 2, 1, in_17, pytest.approx(1 / (in_17 - 1)))
    assert by_row["North CAMHS"] == (1, 1, 0, camhs - 3, 1, camhs, pytest.approx(1 / (camhs - 1)))
    assert by_row["North Schools"] == (1, 0, 1, schools - 2, 0, schools, pytest.approx(1 / schools))


def test_merge_refuses_when_any_return_has_errors(run, returns, tmp_path):
    bad = returns / "north-schools.xlsx"
    workbook = openpyxl.load_workbook(bad)
    sheet = workbook[layout.ASSESSMENT_SHEET]
    meets = [c.column for c in sheet[layout.HEADER_ROW] if c.value == "Meets it?"][0]
    row = next(c.row for c in sheet["A"] if c.value == "1.1.1")
    sheet.cell(row, meets).value = "Perhaps"
    workbook.save(bad)
    out = tmp_path / "merged.xlsx"
    result = run("merge", returns, "-o", out)
    assert result.exit_code == 1
    assert not out.exists()
    assert "invalid-choice" in result.stderr and "Perhaps" in result.stderr
    assert "Merge refused: 1 of 2 files has errors. Nothing was written." in result.stderr
    summary = run("summary", returns)
    assert summary.exit_code == 1 and "Cannot summarise" in summary.stderr


def test_merge_refuses_to_overwrite_and_to_write_onto_an_input(run, returns, tmp_path):
    out = tmp_path / "merged.xlsx"
    out.write_bytes(b"precious")
    result = run("merge", returns, "-o", out)
    assert result.exit_code == 1
    assert "already exists; nothing was written. Use --force" in result.stderr
    assert out.read_bytes() == b"precious"
    assert run("merge", returns, "-o", out, "--force").exit_code == 0
    assert out.read_bytes() != b"precious"
    an_input = returns / "north-camhs.xlsx"
    before = an_input.read_bytes()
    onto_input = run("merge", returns, "-o", an_input, "--force")
    assert onto_input.exit_code == 1 and "is one of the input files" in onto_input.stderr
    assert an_input.read_bytes() == before


def test_duplicate_agency_and_latest(run, returns, tmp_path, ng225):
    # The resent workbook was saved last, though generated from an older blank workbook: its own last-saved time
    # decides, never the generated-at stamp
    resent = make_return(returns, ng225, "North CAMHS", ["mental_health"], {"1.1.1": Answer("1.1.1", Y, N)},
                         name="camhs-resent.xlsx", generated_at=dt.datetime(2026, 10, 1, tzinfo=dt.timezone.utc))
    set_last_saved(resent, dt.datetime(2027, 1, 26, 9, 5, tzinfo=dt.timezone.utc))
    set_last_saved(returns / "north-camhs.xlsx", dt.datetime(2027, 1, 12, 16, 30, tzinfo=dt.timezone.utc))
    out = tmp_path / "merged.xlsx"
    refused = run("merge", returns, "-o", out)
    assert refused.exit_code == 1 and not out.exists()
    assert "duplicate-agency" in refused.stderr
    assert "north-camhs.xlsx" in refused.stderr and "camhs-resent.xlsx" in refused.stderr
    latest = run("merge", returns, "-o", out, "--latest", "--as-of", AS_OF)
    assert latest.exit_code == 0, latest.output
    merged = read_merged_workbook(out)
    camhs = next(r for r in merged.results if r.recommendation == "1.1.1").answers["North CAMHS"]
    assert camhs.meets is N  # the newer return won


def test_summary_table_csv_markdown(run, returns):
    table = run("summary", returns, "--as-of", AS_OF)
    assert table.exit_code == 0
    assert "Northshire · NG225@2022-09-07 · as of 2027-03-01" in table.stdout and "2 agencies: North CAMHS, North Schools" in table.stdout
    assert "Note: The guideline encoding is partial: recommendations missing from it are not assessed here." \
        in table.stdout  # the honest note about the encoding (the headline's "partially met" is not it)
    assert "Gaps" in table.stdout and "Action owners" in table.stdout
    assert "2 overdue actions as of" in table.stdout
    by_agency = run("summary", returns, "--by", "agency", "--format", "csv")
    rows = list(csv.reader(io.StringIO(by_agency.stdout.removeprefix("\ufeff"))))
    assert rows[0][0] == "Agency" and [r[0] for r in rows[1:]] == ["North CAMHS", "North Schools"]
    owners = run("summary", returns, "--by", "owner", "--format", "csv", "--as-of", AS_OF)
    owner_rows = list(csv.reader(io.StringIO(owners.stdout.removeprefix("\ufeff"))))
    assert owner_rows[0] == ["Agency", "Owner", "Actions", "Open", "Overdue", "Earliest open deadline"]
    assert owner_rows[1] == ["North CAMHS", "CAMHS Lead", "2", "2", "1", "2027-01-31"]
    assert owner_rows[2] == ["North Schools", "Head of Inclusion", "1", "1", "1", "2027-02-01"]
    markdown = run("summary", returns, "--format", "markdown", "--as-of", AS_OF)
    assert markdown.stdout.startswith("# NG225 baseline assessment summary")
    assert "Northshire · NG225@2022-09-07 · as of 2027-03-01" in markdown.stdout  # the returns' area
    assert "## Gaps" in markdown.stdout and "| 1.5.1 | Not met |" in markdown.stdout


def test_summary_filters(run, returns):
    only_camhs = json.loads(run("summary", returns, "--agency", "north camhs", "--format", "json").stdout)
    assert only_camhs["agencies"] == ["North CAMHS"]
    assert {g["recommendation"] for g in only_camhs["gaps"]} >= {"1.1.2", "1.5.1"}
    assert "1.8.1" not in {g["recommendation"] for g in only_camhs["gaps"]}  # CAMHS was not asked about 1.8.1
    section = json.loads(run("summary", returns, "--section", "1.1", "--format", "json").stdout)
    assert [s["id"] for s in section["sections"]] == ["1.1"]
    not_met = json.loads(run("summary", returns, "--status", "not_met", "--format", "json").stdout)
    assert {g["status"] for g in not_met["gaps"]} == {"not_met"}
    unknown = run("summary", returns, "--agency", "Nobody")
    assert unknown.exit_code == 1 and "No agency named 'Nobody'" in unknown.stderr


def test_usage_errors(run, returns, tmp_path):
    assert run("summary", returns, "--as-of", "12/31/2026").exit_code == 2  # day first: there is no month 31
    assert run("summary", returns, "--as-of", "31/12/2026").exit_code == 0  # every date option reads UK day-first
    assert run("merge", returns).exit_code == 2  # -o is required
    wrong_type = run("merge", returns, "-o", tmp_path / "merged.csv")
    assert wrong_type.exit_code == 2 and ".xlsx" in wrong_type.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = run("merge", empty, "-o", tmp_path / "m.xlsx")
    assert nothing.exit_code == 1 and "No workbooks to merge" in nothing.stderr


def test_merge_outcome_matches_library(returns, ng225):
    outcome = merge_files([returns])
    assert outcome.ok and outcome.report.valid
    paths = sorted(returns.iterdir())
    library = merge_returns(ng225, [read_return(path).agency_return for path in paths])
    assert outcome.assessment == library  # merged_at and as_of aside: every agency, result and answer
    assert outcome.assessment.returns() == library.returns()
    assert [(a.agency, a.sectors, a.source) for a in outcome.assessment.agencies] == [
        ("North CAMHS", ("mental_health",), str(paths[0])), ("North Schools", ("education",), str(paths[1]))]
    results = {r.recommendation: r for r in outcome.assessment.results}
    assert [r.recommendation for r in outcome.assessment.results] == [r.id for r in ng225.recommendations]
    assert {rec: results[rec].status.value for rec in ("1.1.1", "1.1.2", "1.5.1", "1.8.1")} == {
        "1.1.1": "partially_met", "1.1.2": "partially_met", "1.5.1": "not_met", "1.8.1": "not_applicable"}
    assert results["1.1.2"].answers["North CAMHS"].owner == "CAMHS Lead"
    assert results["1.1.2"].answers["North CAMHS"].action == '=HYPERLINK("http://x")'  # text as typed


def test_refusal_issues_go_to_stderr_so_stdout_stays_data(run, returns, tmp_path):
    bad = returns / "north-schools.xlsx"
    bad.write_bytes(b"not a workbook")
    result = run("summary", returns, "--format", "json")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "unreadable-file" in result.stderr
    merged = run("merge", returns, "-o", tmp_path / "m.xlsx")
    assert merged.exit_code == 1 and merged.stdout == "" and "unreadable-file" in merged.stderr


def test_a_file_named_twice_is_one_return(run, returns, tmp_path):
    out = tmp_path / "merged.xlsx"
    result = run("merge", returns, returns / "north-camhs.xlsx", "-o", out)
    assert result.exit_code == 0, result.output
    assert "Merged 2 agencies" in result.stderr


def test_unknown_section_is_an_error(run, returns):
    result = run("summary", returns, "--section", "9.9")
    assert result.exit_code == 1
    assert "No section '9.9' in NG225@2022-09-07. Sections: 1.1, 1.2" in result.stderr


def test_empty_agency_name_is_a_usage_error(run, tmp_path):
    result = run("generate", "--as-agency", " ", "--sector", "education", "-o", tmp_path / "a.xlsx")
    assert result.exit_code == 2 and "the agency name is empty" in result.stderr


def test_merge_counts_skipped_files_apart_from_warnings(run, tmp_path, ng225):
    folder = tmp_path / "one"
    folder.mkdir()
    make_return(folder, ng225, "North CAMHS", ["mental_health"], {"1.1.1": Answer("1.1.1", Y, Y)})
    (folder / "letter.docx").write_bytes(b"not a return")
    (folder / "cover.pdf").write_bytes(b"%PDF")
    out = tmp_path / "merged.xlsx"
    result = run("merge", folder, "-o", out, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert f"Merged 1 agency into {out} (2 skipped: listed above)." in result.stderr
    assert "warning(s)" not in result.stderr and "1 agencies" not in result.stderr


def test_a_merged_workbook_in_the_returns_folder(run, returns, tmp_path, ng225):
    """`merge ret -o ret/merged.xlsx`, then `--update ret/merged.xlsx`: this merge's own workbook is left out of
    the returns with a note; any other merged workbook there is named as one, not as a broken return."""
    target = returns / "merged.xlsx"
    first = run("merge", returns, "-o", target, "--as-of", AS_OF)
    assert first.exit_code == 0, first.output
    again = run("merge", returns, "-o", target, "--update", target, "--as-of", AS_OF)
    assert again.exit_code == 0, again.output
    assert (f"Note: {target} is this merge's --update workbook and output, a merged workbook, not a return: left "
            "out of the returns read.") in again.stderr
    assert "Merged 2 agencies" in again.stderr and "not-a-baseline-workbook" not in again.stderr

    other = tmp_path / "elsewhere.xlsx"
    blocked = run("merge", returns, "-o", other, "--as-of", AS_OF)
    assert blocked.exit_code == 1
    assert "This is a merged workbook (made by `baseline merge`), not an agency's return." in blocked.stderr
    assert "incomplete" not in blocked.stderr and not other.exists()
    data = json.loads(run("validate", "--format", "json", target).stdout)
    assert data["files"][0]["issues"][0]["message"].startswith("This is a merged workbook")


def test_report_compare_names_the_old_round_by_its_as_of_date_without_a_round_label(run, returns, tmp_path):
    old, new = tmp_path / "old.xlsx", tmp_path / "new.xlsx"
    assert run("merge", returns, "-o", old, "--as-of", "2027-03-01").exit_code == 0
    assert run("merge", returns, "-o", new, "--as-of", "2027-09-01").exit_code == 0
    report = tmp_path / "report.html"
    result = run("report", new, "-o", report, "--compare", old)
    assert result.exit_code == 0, result.output
    html = report.read_text(encoding="utf-8")
    assert "Progress since the assessment as of 1 March 2027" in html
    assert "the merge of" not in html  # not by its merge timestamp
