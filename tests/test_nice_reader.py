"""xlsx/nice/reader.py: a filled-in NICE tool read as an agency return, by the answer rules every format shares."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from functools import partial
from pathlib import Path

import openpyxl
import pytest

from baseline import catalogue, workflow
from baseline.assessment import Choice, Status, YesNo
from baseline.config import AgencyAssignment, AgencyMap, parse_config
from baseline.workflow import validate_files
from baseline.xlsx.agency.writer import build_agency_workbook
from baseline.xlsx.nice import encoding as nice_encoding
from baseline.xlsx.returns import read_return

from .cases.builders import put, save
from .libreoffice import convert, needs_soffice
from .nice_bat_builder import (
    STANDARD_IDS,
    build_bat,
    cell_of,
    rec,
    standard_rows,
)


@pytest.fixture(autouse=True)
def _only_shipped_encodings(monkeypatch):
    """Summaries and sectors are reused from the shipped NG225 encoding, never from a user's own directories."""
    monkeypatch.delenv(catalogue.ENV_VAR, raising=False)



# --- a filled-in NICE tool as an agency return -----------------------------------------------------------------



def read_nice_return(path, agency, sectors=()):
    """A filled-in NICE tool read as `agency`'s return (what --as-agency does)."""
    return read_return(path, agencies=AgencyMap.single(agency, sectors) if agency else None)



@pytest.fixture
def complete_encoding(tmp_path, monkeypatch):
    """The invented guideline imported from its NICE tool (as a facilitator would), found first on the search path."""
    source = build_bat(tmp_path / "pristine.xlsx")
    target = tmp_path / "encodings" / "ng225" / "2022-09-07.yaml"
    target.parent.mkdir(parents=True)
    nice_encoding.import_bat(source, target)
    monkeypatch.setenv(catalogue.ENV_VAR, str(tmp_path / "encodings"))
    guideline = catalogue.load("NG225@2022-09-07")
    assert guideline.encoding_complete and [r.id for r in guideline.recommendations] == STANDARD_IDS
    return guideline


def filled_rows(answers: dict[str, dict], rows=None) -> list:
    rows = standard_rows() if rows is None else rows
    for row in rows:
        if row.kind == "rec" and row.number in answers:
            row.answers = answers[row.number]
    return rows


COUNCIL_ANSWERS = {
    "1.1.1": dict(relevant="Yes", meets="yes ", evidence="An invented leaflet", completed_by="A. Lead"),
    "1.1.2": dict(relevant="Partial", meets="Partial", action="Invented action", owner="Comms lead",
                  deadline="31/03/2027", risk="No"),
    "1.1.3": dict(relevant="No", evidence="Not a service we run"),
    "1.1.4": dict(relevant="YES", meets="No", action="Train staff", owner="Training lead", deadline="March 2027",
                  risk="yes"),
    "1.2.1": dict(relevant="Yes", meets="Yes"),
    "1.2.2": dict(relevant="Yes", meets="Yes"),
    "1.2.3": dict(relevant="Yes", meets="Yes"),
    "1.5.1": dict(relevant="Yes", meets="No", action="One invented action for both", owner="Safeguarding lead",
                  deadline=dt.datetime(2027, 6, 30)),
    "1.5.2": dict(relevant="Yes", meets="No", action="One invented action for both"),
    "1.10.1": dict(relevant="No"),
}


def council_return(tmp_path: Path, **options) -> Path:
    return build_bat(tmp_path / "council.xlsx", filled_rows(COUNCIL_ANSWERS),
                     merge_answers=[("owner", "1.5.1", "1.5.2"), ("deadline", "1.5.1", "1.5.2")], **options)


def codes(result) -> list[tuple[str, str | None, str | None]]:
    return [(i.code, i.cell, i.recommendation) for i in result.report.issues]


def test_a_filled_nice_tool_is_read_as_a_return(tmp_path, complete_encoding):
    path = council_return(tmp_path)
    result = read_nice_return(path, "North Council", ["social_care"])
    assert codes(result) == [("deadline-as-text", "K8", "1.1.4")]
    assert "says 'March 2027', which is not a date: it is kept as text" in result.report.issues[0].message
    report = result.report
    assert (report.agency, report.guideline, report.version, report.valid) == ("North Council", "NG225", "2022-09-07", True)
    r = result.agency_return
    assert (r.agency, r.sectors, r.source_format, r.guideline, r.version) == (
        "North Council", ["social_care"], "nice-bat", "NG225", "2022-09-07")
    assert r.fingerprint == complete_encoding.fingerprint and r.source == str(path) and len(r.sha256) == 64
    assert list(r.answers) == STANDARD_IDS
    assert r.statuses == {
        "1.1.1": Status.MET, "1.1.2": Status.PARTIALLY_MET, "1.1.3": Status.NOT_APPLICABLE, "1.1.4": Status.NOT_MET,
        "1.2.1": Status.MET, "1.2.2": Status.MET, "1.2.3": Status.MET, "1.5.1": Status.NOT_MET,
        "1.5.2": Status.NOT_MET, "1.10.1": Status.NOT_APPLICABLE,
    }
    a = r.answers
    assert (a["1.1.1"].meets, a["1.1.1"].evidence, a["1.1.1"].completed_by) == (Choice.YES, "An invented leaflet", "A. Lead")
    assert (a["1.1.2"].deadline, a["1.1.2"].deadline_text, a["1.1.2"].risk) == (dt.date(2027, 3, 31), "", YesNo.NO)
    assert (a["1.1.4"].deadline, a["1.1.4"].deadline_text, a["1.1.4"].risk) == (None, "March 2027", YesNo.YES)
    # One owner and deadline merged over two recommendations apply to both, and point at the merged cell.
    assert (a["1.5.2"].owner, a["1.5.2"].deadline) == ("Safeguarding lead", dt.date(2027, 6, 30))
    assert a["1.5.2"].cells["owner"] == a["1.5.1"].cells["owner"] == cell_of(path, "1.5.1", "owner")
    assert a["1.1.2"].cells["relevant"] == "D6"


def test_cell_problems_in_a_nice_return_point_at_the_cell(tmp_path, complete_encoding):
    rows = filled_rows({
        "1.1.1": dict(relevant="Maybe"),
        "1.1.2": dict(meets="Yes", evidence="Answered without relevance"),
        "1.1.3": dict(relevant="No", meets="No"),
        "1.1.4": dict(relevant="Yes", meets="Partial"),
        "1.2.1": dict(relevant="Yes", meets="Yes", evidence="=1+1"),
        "1.2.2": dict(relevant="Yes", meets="Yes", risk="Perhaps"),
    }, [r for r in standard_rows() if r.number != "1.5.2"] + [rec("1.10.9"), rec("1.1.1")])
    path = build_bat(tmp_path / "broken.xlsx", rows)
    result = read_nice_return(path, "North Council")
    assert codes(result) == [
        ("invalid-choice", "D5", "1.1.1"),
        ("answer-without-relevance", "D6", "1.1.2"),
        ("answered-but-not-relevant", "F7", "1.1.3"),
        ("owner-missing", "L8", "1.1.4"),
        ("formula-in-input", "E11", "1.2.1"),
        ("invalid-choice", "H12", "1.2.2"),
        ("duplicate-recommendation", "B21", "1.1.1"),
        ("unknown-recommendation", "B20", "1.10.9"),
        ("missing-recommendation", None, "1.5.2"),
    ]
    relevant, risk = [i.message for i in result.report.issues if i.code == "invalid-choice"]
    assert relevant.startswith("Cell D5 (recommendation 1.1.1, 'Is the recommendation relevant to")
    assert relevant.endswith("says 'Maybe'; choose Yes, Partial or No from the list.")
    assert risk.endswith("says 'Perhaps'; choose Yes or No from the list.")
    assert result.agency_return.answers["1.2.1"].evidence == "=1+1"
    assert not result.report.valid


def test_with_a_partial_encoding_the_message_says_to_import_the_tool(tmp_path):
    path = council_return(tmp_path)  # the shipped NG225 encoding lacks 1.2.2, 1.2.3 and 1.5.2
    result = read_nice_return(path, "North Council")
    unknown = [i for i in result.report.issues if i.code == "unknown-recommendation"]
    assert len(unknown) == 1
    assert unknown[0].message == (
        "NICE's tool lists 3 recommendation(s) that the NG225@2022-09-07 encoding in use does not have, because that "
        "encoding is partial: 1.2.2, 1.2.3, 1.5.2. Their answers cannot be merged until it is complete. Import NICE's "
        f"tool once: `baseline recs import \"{path}\" -o DIR/ng225/2022-09-07.yaml`, then `export "
        "BASELINE_RECOMMENDATIONS=DIR` and validate again."
    )
    assert not result.report.valid


def test_a_nice_tool_of_a_version_we_do_not_have(tmp_path, complete_encoding):
    path = council_return(tmp_path, updated="1 May 2031")
    result = read_nice_return(path, "North Council")
    assert [i.code for i in result.report.issues] == ["deadline-as-text", "unknown-guideline-version"]
    assert result.report.issues[1].message.startswith(
        "This NICE tool is for NG225 as published or last updated on 2031-05-01; this installation has versions "
        "2022-09-07. Import NICE's tool once:")
    assert result.agency_return is None and result.report.version == "2031-05-01"


def test_a_nice_return_needs_an_agency(tmp_path, complete_encoding):
    path = council_return(tmp_path)
    result = read_return(path)
    assert [i.code for i in result.report.issues] == ["deadline-as-text", "agency-unknown"]
    assert "a files pattern in the assessment config" in result.report.issues[1].message
    assert "`--as-agency NAME` (one file)" in result.report.issues[1].message
    assert result.agency_return is None
    mapped = read_return(path, agencies=AgencyMap([("other*.xlsx", AgencyAssignment("Other"))], "assessment.yaml"))
    assert "no files pattern in assessment.yaml matches this file name" in mapped.report.issues[1].message
    wrong_sector = read_nice_return(path, "North Council", ["astrology"])
    assert wrong_sector.report.issues[1].code == "agency-unknown"
    assert "The sector(s) 'astrology' given for North Council are not in NG225@2022-09-07's list" in \
        wrong_sector.report.issues[1].message


def test_the_config_files_patterns_name_the_agency_and_its_sectors():
    config = parse_config({
        "area": "Northshire", "return_by": "2027-01-31",
        "facilitator": {"name": "A. Facilitator", "email": "facilitator@example.org"},
        "agencies": [{"name": "North  Council", "sector": "social_care", "files": ["north-council*.xlsx"]},
                     {"name": "North Schools", "sectors": ["education", "voluntary_sector"],
                      "files": ["*schools*", "*college*"]},
                     {"name": "North CAMHS", "sector": "mental_health"}],
    }, "assessment.yaml", catalogue.load)[0]
    agencies = AgencyMap.from_config(config, "assessment.yaml")
    assert agencies.for_path("/x/NORTH-COUNCIL v2.xlsx") == AgencyAssignment("North Council", ("social_care",))
    assert agencies.for_path("/y/returns/the-schools.xlsx").sectors == ("education", "voluntary_sector")
    assert agencies.for_path("/y/returns/sixth-college.ods").agency == "North Schools"
    assert agencies.for_path("/y/camhs.xlsx") is None  # no pattern: its own workbook names it
    assert agencies.extended(AgencyMap.single("Anyone")).for_path("z.xlsx").agency == "Anyone"


def our_own_return(tmp_path: Path, guideline, agency: str, sectors: list[str], answers: dict[str, dict]) -> Path:
    wb = openpyxl.load_workbook(io.BytesIO(build_agency_workbook(
        guideline, agency=agency, sectors=sectors, area="Northshire",
        generated_at=dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.timezone.utc))))
    for rec_id, values in answers.items():
        put(wb, rec_id, **values)
    return save(wb, tmp_path / f"{agency}.xlsx")


def test_a_nice_return_merges_alongside_our_own(tmp_path, complete_encoding):
    ours = our_own_return(tmp_path, complete_encoding, "North CAMHS", ["mental_health"], {
        "1.1.1": dict(relevant="Yes", meets="Yes", completed_by="B. Lead"),
        "1.1.2": dict(relevant="Yes", meets="Yes"),
        "1.1.3": dict(relevant="Yes", meets="Partial", action="Invented", owner="CAMHS lead",
                      deadline=dt.date(2027, 1, 31)),
        "1.5.1": dict(relevant="Yes", meets="Yes"),
    })
    nice = council_return(tmp_path)
    agencies = AgencyMap([("council*.xlsx", AgencyAssignment("North Council", ("social_care",)))], "map")
    outcome = workflow.merge_files([ours, nice], reader=partial(read_return, agencies=agencies))
    assert outcome.ok, outcome.report.to_dict()
    merged = outcome.assessment
    assert [(a.agency, a.source_format) for a in merged.agencies] == [("North CAMHS", "baseline"),
                                                                      ("North Council", "nice-bat")]
    by_id = {r.recommendation: r for r in merged.results}
    assert by_id["1.1.1"].statuses == {"North CAMHS": Status.MET, "North Council": Status.MET}
    assert by_id["1.1.1"].status is Status.MET
    assert by_id["1.1.2"].statuses == {"North CAMHS": Status.MET, "North Council": Status.PARTIALLY_MET}
    assert by_id["1.1.2"].status is Status.PARTIALLY_MET
    assert by_id["1.1.3"].statuses == {"North CAMHS": Status.PARTIALLY_MET, "North Council": Status.NOT_APPLICABLE}
    assert by_id["1.1.3"].status is Status.PARTIALLY_MET
    assert by_id["1.10.1"].statuses == {"North CAMHS": Status.NOT_ASSESSED, "North Council": Status.NOT_APPLICABLE}
    assert by_id["1.5.2"].statuses == {"North CAMHS": Status.NOT_ASSESSED, "North Council": Status.NOT_MET}
    assert by_id["1.5.2"].status is Status.NOT_MET


def test_validate_names_nice_returns_from_the_command_line(run, tmp_path, complete_encoding, write_yaml):
    ours = our_own_return(tmp_path, complete_encoding, "North CAMHS", ["mental_health"], {})
    nice = council_return(tmp_path)
    config = write_yaml({
        "area": "Northshire", "return_by": "2027-01-31",
        "facilitator": {"name": "A. Facilitator", "email": "facilitator@example.org"},
        "agencies": [{"name": "North CAMHS", "sector": "mental_health"},
                     {"name": "North Council", "sector": "social_care", "files": ["council*.xlsx"]}],
    }, "assessment.yaml")
    result = run("validate", ours, nice, "--config", config, "--format", "json")
    assert result.exit_code == 0, result.stdout
    expected = validate_files([ours, nice], config=config).to_dict()
    assert json.loads(result.stdout) == json.loads(json.dumps(expected))
    files = json.loads(result.stdout)["files"]
    assert [(f["agency"], f["valid"]) for f in files] == [("North CAMHS", True), ("North Council", True)]
    assert [i["code"] for i in files[1]["issues"]] == ["deadline-as-text"]
    status = json.loads(run("status", config, ours, nice, "--as-of", "2027-01-01", "--format", "json").stdout)
    assert [(a["agency"], a["state"]) for a in status["agencies"]] == [("North CAMHS", "blank"),  # nothing answered
                                                                       ("North Council", "valid")]

    one = run("validate", nice, "--as-agency", "North Council", "--sector", "social_care", "--format", "json")
    assert one.exit_code == 0 and json.loads(one.stdout)["files"][0]["agency"] == "North Council"
    nameless = run("validate", nice)
    assert nameless.exit_code == 1 and "agency-unknown" in nameless.stdout
    usage = run("validate", nice, "--sector", "social_care")
    assert usage.exit_code == 2 and "--sector goes with --as-agency" in usage.stderr


@needs_soffice
@pytest.mark.parametrize("target", ["xlsx", "ods"])
def test_a_nice_return_resaved_by_libreoffice_reads_the_same(tmp_path, complete_encoding, target):
    """Merged answer cells included: calamine gives them for .xlsx, content.xml is read for .ods."""
    path = council_return(tmp_path)
    resaved = convert(path, tmp_path / "lo", target)
    before = read_nice_return(path, "North Council").agency_return.answers
    after = read_nice_return(resaved, "North Council")
    assert [i.code for i in after.report.issues] == ["deadline-as-text"]
    assert after.agency_return.answers == before




SAME_ANSWERS = {
    "1.1.1": dict(relevant="Maybe", meets="Yes"),  # invalid choice, and no "without relevance" on the same cell
    "1.1.2": dict(meets="Yes", evidence="Answered without relevance"),
    "1.1.3": dict(relevant="No", meets="No"),
    "1.1.4": dict(relevant="Yes", meets="Partial", action="Invented action", deadline="end of Q4"),
    "1.2.1": dict(relevant="Yes", meets="No", action="Another", owner="Lead", deadline="31/02/2027"),
    "1.2.2": dict(relevant="Yes", meets="No", action="Third", owner="Lead"),
}


def test_the_answer_rules_are_the_same_in_both_formats(tmp_path, complete_encoding):
    """One checks.py: the same answers give the same issues, with the same words but for the cell and the format's
    own column header, whether typed into baseline's workbook or NICE's tool."""
    ours = read_return(our_own_return(tmp_path, complete_encoding, "North CAMHS", ["mental_health"], SAME_ANSWERS))
    nice = read_nice_return(build_bat(tmp_path / "nice.xlsx", filled_rows(SAME_ANSWERS)), "North CAMHS",
                            ["mental_health"])

    def answer_issues(result):
        return [i for i in result.report.issues if i.recommendation in SAME_ANSWERS]

    assert [(i.code, i.recommendation) for i in answer_issues(ours)] == [
        ("invalid-choice", "1.1.1"), ("answer-without-relevance", "1.1.2"), ("answered-but-not-relevant", "1.1.3"),
        ("deadline-as-text", "1.1.4"), ("owner-missing", "1.1.4"), ("invalid-date", "1.2.1"),
        ("deadline-missing", "1.2.2"),
    ]
    assert [(i.code, i.recommendation) for i in answer_issues(nice)] == [
        (i.code, i.recommendation) for i in answer_issues(ours)]
    for mine, theirs in zip(answer_issues(ours), answer_issues(nice)):
        def words(issue):
            text = re.sub(r"\b[A-Z]{1,3}[0-9]+\b", "CELL", issue.message)
            return re.sub(r"'[^']*'\)", "'LABEL')", text)
        assert words(mine) == words(theirs), (mine.message, theirs.message)
    assert nice.agency_return.answers["1.1.4"].deadline_text == ours.agency_return.answers["1.1.4"].deadline_text
