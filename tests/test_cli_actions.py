"""`baseline actions MERGED.xlsx`: the group's action list, filtered and grouped, and one file per owner or agency."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import openpyxl
import pytest

from baseline import catalogue
from baseline.actions import action_id, list_plan
from baseline.assessment import ActionStatus, Answer, Choice, YesNo
from baseline.xlsx.agency.writer import write_agency_workbook
from baseline.xlsx.merged.reader import read_merged

Y, P, N = Choice.YES, Choice.PARTIAL, Choice.NO
AS_OF = "2027-03-01"
DAY = dt.date(2027, 3, 1)
CAMHS, SCHOOLS = "North CAMHS", "North Schools"


def make_return(folder, guideline, agency, sectors, answers):
    path = folder / (agency.lower().replace(" ", "-") + ".xlsx")
    write_agency_workbook(path, guideline, agency=agency, sectors=sectors, area="Northshire", prefill=answers,
                          generated_at=dt.datetime(2026, 11, 1, 9, tzinfo=dt.timezone.utc))


@pytest.fixture(scope="module")
def merged(tmp_path_factory):
    from click.testing import CliRunner

    from baseline.cli import cli

    ng225 = catalogue.load("NG225")
    base = tmp_path_factory.mktemp("actions")
    returns = base / "returns"
    returns.mkdir()
    make_return(returns, ng225, CAMHS, ["mental_health"], {
        "1.1.2": Answer("1.1.2", Y, P, action="Update the leaflet", owner="CAMHS Lead",
                        deadline=dt.date(2027, 1, 31), action_status=ActionStatus.IN_PROGRESS),
        "1.5.1": Answer("1.5.1", Y, N, action="=Recruit | liaison nurse", owner="CAMHS Lead",
                        deadline=dt.date(2027, 6, 30), risk=YesNo.YES),
        "1.6.1": Answer("1.6.1", Y, N, action="Audit safety plans", owner="Named Nurse, Children",
                        deadline=dt.date(2027, 2, 15), action_status=ActionStatus.COMPLETE),
    })
    make_return(returns, ng225, SCHOOLS, ["education"], {
        "1.1.1": Answer("1.1.1", Y, P, action="Train staff", owner="Head of Inclusion", deadline=dt.date(2027, 2, 1)),
        "1.8.1": Answer("1.8.1", Y, N, action="Write a self-harm policy", owner="Head of Inclusion",
                        deadline_text="end of Q4"),
    })
    path = base / "merged.xlsx"
    result = CliRunner().invoke(cli, ["merge", str(returns), "-o", str(path), "--as-of", AS_OF])
    assert result.exit_code == 0, result.output
    return path


def library(merged, **options):
    return json.loads(json.dumps(list_plan(read_merged(merged).plan, options.pop("as_of", DAY), risk_first_order=True,
                                           **options).to_dict()))


def test_json_is_the_library_result(run, merged):
    result = run("actions", merged, "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data == library(merged)
    assert data["by"] == "owner" and data["actions"] == 5
    owners = [(g["agency"], g["owner"]) for g in data["groups"]]
    assert owners == [(CAMHS, "CAMHS Lead"), (CAMHS, "Named Nurse, Children"), (SCHOOLS, "Head of Inclusion")]
    lead = data["groups"][0]
    assert lead["open"] == 2 and lead["overdue"] == 1 and lead["earliest_open_deadline"] == "2027-01-31"
    # Risk first: the agency flagged a risk if 1.5.1 is not done, so it leads its owner's list.
    assert [i["recommendation"] for i in lead["items"]] == ["1.5.1", "1.1.2"]
    assert lead["items"][0]["risk"] is True


def test_filters_and_grouping(run, merged):
    by_agency = json.loads(run("actions", merged, "--as-of", AS_OF, "--format", "json", "--by", "agency").stdout)
    assert [(g["agency"], g["owner"]) for g in by_agency["groups"]] == [(CAMHS, None), (SCHOOLS, None)]
    assert by_agency == library(merged, by="agency")
    one = json.loads(run("actions", merged, "--as-of", AS_OF, "--format", "json", "--agency", "north  schools").stdout)
    assert [g["agency"] for g in one["groups"]] == [SCHOOLS]
    owner = json.loads(run("actions", merged, "--as-of", AS_OF, "--format", "json", "--owner", "camhs lead").stdout)
    assert owner["actions"] == 2
    overdue = json.loads(run("actions", merged, "--as-of", AS_OF, "--format", "json", "--overdue").stdout)
    assert sorted(i["action_id"] for g in overdue["groups"] for i in g["items"]) == sorted(
        [action_id(CAMHS, "1.1.2"), action_id(SCHOOLS, "1.1.1")])
    # Dates are ISO or UK day-first: on 1 July 2027 the nurse recruitment (30 June) is overdue too.
    july = json.loads(run("actions", merged, "--as-of", "01/07/2027", "--format", "json", "--overdue").stdout)
    assert july["as_of"] == "2027-07-01" and july["actions"] == 3


def test_unknown_agency_or_owner_is_an_input_problem(run, merged):
    result = run("actions", merged, "--agency", "South CAMHS")
    assert result.exit_code == 1
    assert "South CAMHS" in result.stderr and CAMHS in result.stderr
    result = run("actions", merged, "--owner", "Nobody")
    assert result.exit_code == 1 and "Nobody" in result.stderr


def test_bad_options_are_usage_errors(run, merged):
    assert run("actions", merged, "--as-of", "3/31/2027").exit_code == 2
    assert run("actions", merged, "--by", "section").exit_code == 2


def test_not_a_merged_workbook(run, tmp_path):
    path = tmp_path / "return.xlsx"
    write_agency_workbook(path, catalogue.load("NG225"), agency=CAMHS, sectors=["mental_health"])
    result = run("actions", path)
    assert result.exit_code == 1 and "not a merged baseline workbook" in result.stderr


def test_table(run, merged):
    result = run("actions", merged, "--as-of", AS_OF, env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    out = result.stdout
    for text in ("CAMHS Lead", "Head of Inclusion", action_id(CAMHS, "1.5.1"), "end of Q4", "31/01/2027"):
        assert text in out
    assert "Northshire" in out and "2027-03-01" in out or "01/03/2027" in out


def test_csv(run, merged):
    result = run("actions", merged, "--as-of", AS_OF, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("\ufeff")  # UTF-8 with a BOM, as every CSV of baseline (Excel reads it right)
    rows = list(csv.DictReader(io.StringIO(result.stdout.lstrip("\ufeff"))))
    assert len(rows) == 5
    nurse = next(r for r in rows if r["Action ID"] == action_id(CAMHS, "1.5.1"))
    assert nurse["Specific action"] == "'=Recruit | liaison nurse"  # formula-looking text stays inert
    assert nurse["Risk"] == "Yes" and nurse["Overdue"] == "No"
    leaflet = next(r for r in rows if r["Recommendation"] == '="1.1.2"')  # an id stays text in a spreadsheet
    assert leaflet["Overdue"] == "Yes" and leaflet["Deadline"] == "31/01/2027"


def test_markdown(run, merged):
    result = run("actions", merged, "--as-of", AS_OF, "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert "CAMHS Lead (North CAMHS)" in result.stdout
    assert r"=Recruit \| liaison nurse" in result.stdout


def test_one_workbook_per_owner(run, merged, tmp_path):
    out = tmp_path / "to-send"
    result = run("actions", merged, "--as-of", AS_OF, "-o", out)
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 3 and all(name.endswith(".xlsx") for name in files)
    assert len(result.stdout.splitlines()) == 3
    lead = next(p for p in out.iterdir() if "camhs-lead" in p.name.lower())
    sheet = openpyxl.load_workbook(lead).active
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    flat = [v for row in values for v in row if v is not None]
    assert action_id(CAMHS, "1.5.1") in flat and action_id(CAMHS, "1.1.2") in flat
    assert action_id(SCHOOLS, "1.1.1") not in flat
    assert "=Recruit | liaison nurse" in flat  # text, not a formula
    # Refuses to overwrite without --force, and leaves the files as they were.
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    again = run("actions", merged, "--as-of", AS_OF, "-o", out)
    assert again.exit_code == 1 and "--force" in again.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert run("actions", merged, "--as-of", AS_OF, "-o", out, "--force").exit_code == 0


def test_one_markdown_file_per_agency(run, merged, tmp_path):
    out = tmp_path / "md"
    result = run("actions", merged, "--as-of", AS_OF, "-o", out, "--by", "agency", "--format", "markdown")
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 2 and all(name.endswith(".md") for name in files)
    schools = next(p for p in out.iterdir() if "schools" in p.name.lower()).read_text(encoding="utf-8")
    assert "Train staff" in schools and "Update the leaflet" not in schools


def test_one_json_or_csv_file_per_owner(run, merged, tmp_path):
    out = tmp_path / "json"
    result = run("actions", merged, "--as-of", AS_OF, "-o", out, "--format", "json", "--owner", "Head of Inclusion")
    assert result.exit_code == 0, result.output
    (path,) = out.iterdir()
    assert path.name == "head-of-inclusion-north-schools.json"
    everything = library(merged, owners=["Head of Inclusion"])
    assert json.loads(path.read_text(encoding="utf-8")) == everything  # one group: the same as the library's list
    out = tmp_path / "csv"
    assert run("actions", merged, "--as-of", AS_OF, "-o", out, "--format", "csv").exit_code == 0
    lead = (out / "camhs-lead-north-camhs.csv").read_text(encoding="utf-8").lstrip("\ufeff")
    assert [r["Recommendation"] for r in csv.DictReader(io.StringIO(lead))] == ['="1.5.1"', '="1.1.2"']


def test_as_of_defaults_to_the_workbooks_own_date(run, merged):
    """As summary and report: overdue is judged at the date the workbook was merged for, not at today's date."""
    result = run("actions", merged, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["as_of"] == AS_OF
    assert data == library(merged)
    summary = json.loads(run("summary", merged, "--format", "json").stdout)
    assert summary["as_of"] == data["as_of"]
    assert sum(g["overdue"] for g in data["groups"]) == sum(o["overdue"] for o in summary["owners"])


@pytest.mark.parametrize("width", [80, 120, 160])
def test_table_fits_the_terminal(run, merged, width):
    """A table where it fits without breaking a word, else a block per action: never lines wider than the
    terminal (as summary and compare)."""
    result = run("actions", merged, env={"COLUMNS": str(width), "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= width
    flat = " ".join(result.stdout.split())
    for item in library(merged)["groups"][0]["items"]:
        assert item["action_id"] in result.stdout
    assert "Update the leaflet" in flat and "In progress" in flat


def test_files_per_owner_leave_out_actions_without_an_owner_and_follow_the_actions_columns(run, tmp_path):
    from baseline.xlsx.action_list import HEADER_ROW
    from baseline.xlsx.merged.layout import ACTIONS_COLUMNS

    ng225 = catalogue.load("NG225")
    returns = tmp_path / "returns"
    returns.mkdir()
    make_return(returns, ng225, CAMHS, ["mental_health"], {
        "1.1.2": Answer("1.1.2", Y, P, action="Update the leaflet", owner="CAMHS Lead", deadline=dt.date(2027, 1, 31)),
        "1.5.1": Answer("1.5.1", Y, N, action="Recruit a liaison nurse", deadline=dt.date(2027, 6, 30)),
    })
    merged = tmp_path / "merged.xlsx"
    assert run("merge", returns, "-o", merged, "--as-of", AS_OF).exit_code == 0
    out = tmp_path / "to-send"
    result = run("actions", merged, "-o", out)
    assert result.exit_code == 0, result.output
    assert [p.name for p in out.iterdir()] == ["camhs-lead-north-camhs.xlsx"]  # no "(no owner)" file
    nurse = action_id(CAMHS, "1.5.1")
    assert (f"No file for 1 action of {CAMHS} with no owner: give it an owner in the Actions sheet ({nurse})."
            in result.stderr)
    sheet = openpyxl.load_workbook(out / "camhs-lead-north-camhs.xlsx").active
    header = [c.value for c in sheet[HEADER_ROW]]
    assert header == [c.header for c in ACTIONS_COLUMNS] + ["Risk if not done?"]
    row = dict(zip(header, [c.value for c in sheet[HEADER_ROW + 1]]))
    assert row["Action ID"] == action_id(CAMHS, "1.1.2") and row["Owner"] == "CAMHS Lead"
    assert row["Age group"] == "All ages" and isinstance(row["Last updated"], dt.datetime)  # the merge's date
    assert "NG225@2022-09-07 · actions as of 01/03/2027" in sheet.cell(2, 1).value
