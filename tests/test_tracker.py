"""The return tracker (baseline/tracker.py): expected vs received agencies, resubmissions, config-aware issues.

Configs and received files are built in code; nothing is read from disk and no clock is consulted.
"""

from __future__ import annotations

import datetime as dt

import pytest

from baseline import catalogue
from baseline.config import parse_config
from baseline.issues import ERROR, ISSUE_CODES, WARNING, FileReport, make_issue
from baseline.tracker import (
    AMBIGUOUS,
    OTHER_AREA,
    OTHER_GUIDELINE,
    UNEXPECTED_AGENCY,
    UNPLACED,
    ReceivedFile,
    area_issues,
    choose_latest,
    choose_return,
    common_stamp,
    duplicate_issue,
    duplicate_message,
    file_config_issues,
    kept_by,
    missing_agencies,
    missing_agency_issues,
    track_returns,
)

UTC = dt.timezone.utc
RETURN_BY = dt.date(2027, 1, 31)
AFTER = dt.date(2027, 2, 3)
NG225 = catalogue.load("NG225")


def config_data() -> dict:
    return {
        "area": "Northshire",
        "round": "2027",
        "return_by": "31/01/2027",
        "facilitator": {"name": "A. Facilitator", "email": "facilitator@example.org"},
        "agencies": [
            {"name": "Northshire CAMHS", "sector": "mental_health",
             "contact": {"name": "J. Smith", "email": "j.smith@example.org"}},
            {"name": "Northshire GP Federation", "sector": "primary_care"},
            {"name": "Northshire Schools", "sector": "education", "files": ["*schools*.csv"]},
            {"name": "Northshire ED", "sectors": ["emergency_care", "acute_care"]},
            {"name": "Northshire Social Care", "sector": "social_care"},
            {"name": "Northshire Youth Justice", "sector": "criminal_justice"},
            {"name": "Northshire Ambulance", "sector": "ambulance"},
            {"name": "Northshire Wellbeing Trust", "sector": "voluntary_sector"},
        ],
    }


def make_config(data: dict | None = None):
    return parse_config(data or config_data(), "<config>", catalogue.load)[0]


def received(path: str, agency: str | None, **kw) -> ReceivedFile:
    """A clean, complete return of this round unless told otherwise."""
    values = dict(area="Northshire", guideline="NG225", version="2022-09-07", answered=40, total=40,
                  last_saved=dt.datetime(2027, 1, 20, 10, 0, tzinfo=UTC), completed_by="A. Person")
    values.update(kw)
    return ReceivedFile(path, agency, **values)


def folder() -> list[ReceivedFile]:
    """Eight agencies asked: each state, plus files that belong to none of them."""
    return [
        received("returns/camhs.xlsx", "Northshire CAMHS", warnings=2),  # valid
        received("returns/gp.xlsx", "northshire  gp federation", valid=False, errors=4, warnings=1, answered=38,
                 issues=tuple(make_issue("invalid-choice", f"Write Yes, Partial or No (not 'Maybe {n}').",
                                         sheet="Assessment", cell=f"E{n}") for n in range(7, 11))),  # invalid
        received("returns/social-care.xlsx", "Northshire Social Care", blank=True, answered=0, warnings=1),  # blank
        received("returns/youth-justice.xlsx", "Northshire Youth Justice", completed_by="P. Lee",
                 last_saved=dt.datetime(2027, 1, 12, 16, 30, tzinfo=UTC)),  # duplicate...
        received("returns/youth-justice v2 FINAL.xlsx", "Northshire Youth Justice", completed_by="P. Lee",
                 last_saved=dt.datetime(2027, 1, 26, 9, 5, tzinfo=UTC), answered=39),  # ...saved later
        received("returns/schools-export.csv", None, area=None, last_saved=None, completed_by=""),  # by pattern
        received("returns/ed-severnside.xlsx", "Northshire ED", area="Severnside"),  # other area: ED missing
        received("returns/police.xlsx", "Northshire Police", area="Northshire"),  # not in the config
        received("returns/notes.docx", None, area=None, guideline=None, version=None, answered=0, total=0,
                 last_saved=None, reason="Not a spreadsheet: skipped."),
        # Ambulance and Wellbeing Trust: nothing received
    ]


def test_each_agency_gets_its_state():
    report = track_returns(make_config(), NG225, folder(), AFTER)
    assert [(row.agency, row.state) for row in report.agencies] == [
        ("Northshire CAMHS", "valid"),
        ("Northshire GP Federation", "invalid"),
        ("Northshire Schools", "valid"),
        ("Northshire ED", "missing"),
        ("Northshire Social Care", "blank"),
        ("Northshire Youth Justice", "duplicate"),
        ("Northshire Ambulance", "missing"),
        ("Northshire Wellbeing Trust", "missing"),
    ]
    assert report.counts == {"valid": 2, "invalid": 1, "blank": 1, "duplicate": 1, "missing": 3}
    assert not report.complete


def test_unexpected_files_say_why():
    report = track_returns(make_config(), NG225, folder(), AFTER)
    assert [(u.path, u.kind) for u in report.unexpected] == [
        ("returns/ed-severnside.xlsx", OTHER_AREA),
        ("returns/police.xlsx", UNEXPECTED_AGENCY),
        ("returns/notes.docx", UNPLACED),
    ]
    reasons = [u.reason for u in report.unexpected]
    assert reasons[0] == ("This workbook was generated for Severnside, but this assessment is of Northshire: it is "
                          "another area's return. Leave it out, or ask Northshire ED to fill in the Northshire "
                          "workbook.")
    assert reasons[1].startswith("This return is for agency 'Northshire Police', which is not in the assessment "
                                 "config of Northshire. If it belongs to this assessment, add it to the config's agencies")
    assert reasons[2] == "Not a spreadsheet: skipped."


@pytest.mark.parametrize("as_of, overdue", [
    (dt.date(2027, 1, 30), False),
    (RETURN_BY, False),  # due on the day, not yet late
    (dt.date(2027, 2, 1), True),
])
def test_overdue_only_after_return_by_and_never_when_valid(as_of, overdue):
    report = track_returns(make_config(), NG225, folder(), as_of)
    assert {row.agency: row.overdue for row in report.agencies} == {
        row.agency: overdue and row.state != "valid" for row in report.agencies}
    assert any(row.state != "valid" for row in report.agencies)


def test_complete_only_when_every_agency_is_valid():
    data = config_data()
    data["agencies"] = data["agencies"][:2]
    files = [received("a.xlsx", "Northshire CAMHS"), received("b.xlsx", "NORTHSHIRE GP FEDERATION ")]
    report = track_returns(make_config(data), NG225, files, AFTER)
    assert report.complete
    assert report.counts == {"valid": 2, "invalid": 0, "blank": 0, "duplicate": 0, "missing": 0}
    assert not any(row.overdue for row in report.agencies)


def test_json_is_exactly_the_designed_shape():
    data = config_data()
    data["agencies"] = data["agencies"][:3]
    files = [
        received("r/camhs.xlsx", "Northshire CAMHS", warnings=1, completed_by="J. Smith"),
        received("r/gp.xlsx", "Northshire GP Federation", last_saved=None, answered=12, total=30, errors=2,
                 valid=False),
        received("r/ed.xlsx", "Northshire ED"),
    ]
    assert track_returns(make_config(data), NG225, files, AFTER).to_dict() == {
        "area": "Northshire",
        "round": "2027",
        "guideline": "NG225",
        "version": "2022-09-07",
        "return_by": "2027-01-31",
        "as_of": "2027-02-03",
        "counts": {"valid": 1, "invalid": 1, "blank": 0, "duplicate": 0, "missing": 1},
        "agencies": [
            {"agency": "Northshire CAMHS", "sectors": ["mental_health"], "state": "valid", "overdue": False,
             "files": [{"path": "r/camhs.xlsx", "last_saved": "2027-01-20T10:00:00+00:00",
                        "completed_by": "J. Smith"}],
             "answered": 40, "total": 40, "errors": 0, "warnings": 1},
            {"agency": "Northshire GP Federation", "sectors": ["primary_care"], "state": "invalid", "overdue": True,
             "files": [{"path": "r/gp.xlsx", "last_saved": None, "completed_by": "A. Person"}],
             "answered": 12, "total": 30, "errors": 2, "warnings": 0},
            {"agency": "Northshire Schools", "sectors": ["education"], "state": "missing", "overdue": True,
             "files": [], "answered": None, "total": None, "errors": None, "warnings": None},
        ],
        "unexpected": [{"path": "r/ed.xlsx", "reason": "This return is for agency 'Northshire ED', which is not in "
                        "the assessment config of Northshire. If it belongs to this assessment, add it to the "
                        "config's agencies (check the spelling against the config); otherwise leave the file out."}],
    }


def test_duplicate_row_lists_both_files_oldest_first_and_shows_the_latest_figures():
    report = track_returns(make_config(), NG225, folder(), AFTER)
    row = next(r for r in report.agencies if r.state == "duplicate")
    assert [f["path"] for f in row.to_dict()["files"]] == ["returns/youth-justice.xlsx",
                                                          "returns/youth-justice v2 FINAL.xlsx"]
    assert row.to_dict()["answered"] == 39
    assert row.problems[0].startswith("2 returns for agency 'Northshire Youth Justice': returns/youth-justice.xlsx "
                                      "(last saved 2027-01-12 16:30 UTC, Completed by: P. Lee); ")


def test_blank_and_invalid_rows_say_what_is_wrong():
    report = track_returns(make_config(), NG225, folder(), AFTER)
    rows = {row.agency: row for row in report.agencies}
    assert rows["Northshire Social Care"].problems == (
        "returns/social-care.xlsx came back with no answers: ask the agency to fill it in and send it again.",)
    assert rows["Northshire GP Federation"].problems == (
        "returns/gp.xlsx Assessment!E7: Write Yes, Partial or No (not 'Maybe 7').",
        "returns/gp.xlsx Assessment!E8: Write Yes, Partial or No (not 'Maybe 8').",
        "returns/gp.xlsx Assessment!E9: Write Yes, Partial or No (not 'Maybe 9').",
        "returns/gp.xlsx: 1 more error; `baseline validate returns/gp.xlsx` lists each with its cell.",
    )
    assert rows["Northshire CAMHS"].problems == ()


def test_an_unreadable_file_placed_by_pattern_is_its_agencys_invalid_return():
    files = [ReceivedFile("in/Schools-Return.CSV", None, valid=False, errors=1,
                          reason="The CSV has no Recommendation column.")]
    row = track_returns(make_config(), NG225, files, AFTER).agencies[2]
    assert (row.agency, row.state) == ("Northshire Schools", "invalid")
    assert row.problems == (
        "in/Schools-Return.CSV: The CSV has no Recommendation column.",
        "in/Schools-Return.CSV: 1 error; `baseline validate in/Schools-Return.CSV` lists each with its cell.",
    )
    inconsistent = ReceivedFile("in/schools.csv", None, valid=False)
    assert track_returns(make_config(), NG225, [inconsistent], AFTER).agencies[2].problems == (
        "in/schools.csv is not valid: `baseline validate in/schools.csv` lists each with its cell.",)


def test_file_matching_two_agencies_patterns_is_unexpected():
    data = config_data()
    data["agencies"][1]["files"] = ["*gp*.csv"]
    files = [ReceivedFile("gp-and-schools.csv", None)]
    report = track_returns(make_config(data), NG225, files, AFTER)
    assert [(u.kind, u.reason) for u in report.unexpected] == [(AMBIGUOUS, (
        "gp-and-schools.csv matches the files patterns of 'Northshire GP Federation' and 'Northshire Schools' in "
        "the config, so its agency cannot be told. Rename the file, or make the patterns in the config more "
        "specific."))]
    assert report.counts["missing"] == 8


def test_file_naming_no_agency_and_no_reason_gets_a_default_reason():
    report = track_returns(make_config(), NG225, [ReceivedFile("other.csv", None)], AFTER)
    assert report.unexpected[0].reason == ("It names no agency, and its name matches none of the config's files "
                                          "patterns: add a pattern to the agency it belongs to.")


def test_other_guideline_or_version_is_unexpected():
    files = [received("a.xlsx", "Northshire CAMHS", guideline="NG999", version="2025-01-01"),
             received("b.xlsx", "Northshire GP Federation", version="2020-01-01")]
    report = track_returns(make_config(), NG225, files, AFTER)
    assert [(u.kind, u.reason) for u in report.unexpected] == [
        (OTHER_GUIDELINE, "It is an assessment of NG999@2025-01-01; this round assesses NG225@2022-09-07: leave it "
                          "out, or send the agency this round's workbook."),
        (OTHER_GUIDELINE, "It is an assessment of NG225@2020-01-01; this round assesses NG225@2022-09-07: move its "
                          "answers across with `baseline migrate`, or send the agency this round's workbook."),
    ]
    assert report.counts["missing"] == 8


def test_area_compared_tolerantly_and_absent_area_is_not_another_area():
    files = [received("a.xlsx", "Northshire CAMHS", area=" NORTHSHIRE "),
             received("b.xlsx", "Northshire GP Federation", area="")]
    report = track_returns(make_config(), NG225, files, AFTER)
    assert report.unexpected == ()
    assert report.counts["valid"] == 2


def test_wrong_agencys_workbook_is_flagged_on_the_row():
    files = [received("returns/northshire-camhs.xlsx", "Northshire GP Federation",
                      completed_by="J. Smith (Northshire CAMHS)")]
    row = track_returns(make_config(), NG225, files, AFTER).agencies[1]
    assert (row.agency, row.state) == ("Northshire GP Federation", "valid")
    assert len(row.problems) == 2
    assert row.problems[0].startswith("The file name 'northshire-camhs.xlsx' points to 'Northshire CAMHS', but the "
                                      "workbook inside was generated for 'Northshire GP Federation'")
    assert row.problems[1].startswith("Completed by (J. Smith (Northshire CAMHS)) names 'Northshire CAMHS'")


def test_received_file_from_a_validation_report():
    report = FileReport("r/gp.xlsx", agency="Northshire GP Federation", guideline="NG225", version="2022-09-07",
                        issues=[make_issue("invalid-choice", "x", sheet="Assessment", cell="E7"),
                                make_issue("owner-missing", "y"), make_issue("owner-missing", "z")])
    made = ReceivedFile.from_report(report, area="Northshire", answered=3, total=40, completed_by="P. Lee")
    assert (made.path, made.agency, made.guideline, made.version, made.valid, made.errors, made.warnings) == (
        "r/gp.xlsx", "Northshire GP Federation", "NG225", "2022-09-07", False, 1, 2)
    assert (made.area, made.answered, made.total, made.completed_by, len(made.issues)) == (
        "Northshire", 3, 40, "P. Lee", 3)


# --- resubmissions ----------------------------------------------------------------------------------------------


def two(first_saved, second_saved, who=("P. Lee", "Q. Moss")) -> list[ReceivedFile]:
    return [received("yj.xlsx", "Northshire Youth Justice", last_saved=first_saved, completed_by=who[0]),
            received("yj v2 FINAL.xlsx", "Northshire Youth Justice", last_saved=second_saved, completed_by=who[1])]


def test_choose_latest_by_each_files_own_last_saved_time():
    files = two(dt.datetime(2027, 1, 26, 9, 5, tzinfo=UTC), dt.datetime(2027, 1, 12, 16, 30, tzinfo=UTC))
    assert choose_latest(files).path == "yj.xlsx"
    assert choose_latest(list(reversed(files))).path == "yj.xlsx"


def test_choose_latest_compares_zones_and_takes_a_zoneless_time_as_utc():
    plus_one = dt.timezone(dt.timedelta(hours=1))
    # 10:30+01:00 is 09:30 UTC, before 10:00 written without a zone
    files = two(dt.datetime(2027, 1, 20, 10, 30, tzinfo=plus_one), dt.datetime(2027, 1, 20, 10, 0))
    assert choose_latest(files).path == "yj v2 FINAL.xlsx"


def test_choose_latest_cannot_choose_on_a_tie_or_a_missing_time():
    moment = dt.datetime(2027, 1, 20, 10, 0, tzinfo=UTC)
    assert choose_latest(two(moment, moment)) is None
    assert choose_latest(two(moment, None)) is None
    assert choose_latest([]) is None


def test_duplicate_message_shows_both_files_and_suggests_latest_when_it_can_work():
    files = two(dt.datetime(2027, 1, 12, 16, 30, tzinfo=UTC), dt.datetime(2027, 1, 26, 9, 5, tzinfo=UTC))
    assert duplicate_message("Northshire Youth Justice", files) == (
        "2 returns for agency 'Northshire Youth Justice': yj.xlsx (last saved 2027-01-12 16:30 UTC, Completed by: "
        "P. Lee); yj v2 FINAL.xlsx (last saved 2027-01-26 09:05 UTC, Completed by: Q. Moss). If different people "
        "filled them in, check which is the agency's answer before choosing. Merge with --latest to keep "
        "yj v2 FINAL.xlsx (saved last), or with --keep FILE to choose.")


@pytest.mark.parametrize("second, why", [
    (dt.datetime(2027, 1, 12, 16, 30, tzinfo=UTC), "their last-saved times are the same"),
    (None, "a last-saved time is missing"),
])
def test_duplicate_message_does_not_suggest_latest_when_it_cannot_choose(second, why):
    files = two(dt.datetime(2027, 1, 12, 16, 30, tzinfo=UTC), second, who=("P. Lee", ""))
    message = duplicate_message("Northshire Youth Justice", files)
    assert "Completed by: not given" in message
    assert f"last saved {'unknown' if second is None else '2027-01-12 16:30 UTC'}" in message
    assert message.endswith(f"--latest cannot choose ({why}): merge with --keep FILE to choose, or remove one.")
    assert "Merge with --latest" not in message


def test_duplicate_issue_is_the_duplicate_agency_error():
    files = two(dt.datetime(2027, 1, 12, tzinfo=UTC), dt.datetime(2027, 1, 26, tzinfo=UTC))
    issue = duplicate_issue("Northshire Youth Justice", files)
    assert (issue.code, issue.severity, issue.file) == ("duplicate-agency", ERROR, "yj v2 FINAL.xlsx")
    assert issue.message == duplicate_message("Northshire Youth Justice", files)


def test_choose_return_keep_latest_or_undecided():
    files = two(dt.datetime(2027, 1, 12, tzinfo=UTC), dt.datetime(2027, 1, 26, tzinfo=UTC))
    assert choose_return(files) is None
    assert choose_return(files, latest=True).path == "yj v2 FINAL.xlsx"
    assert choose_return(files, keep=["yj.xlsx"], latest=True).path == "yj.xlsx"  # --keep wins over --latest
    assert choose_return(files, keep=["/elsewhere/YJ.XLSX"]).path == "yj.xlsx"  # by file name, case aside
    assert choose_return(files, keep=["other.xlsx"]) is None
    assert choose_return(files[:1]).path == "yj.xlsx"
    tied = two(dt.datetime(2027, 1, 12, tzinfo=UTC), dt.datetime(2027, 1, 12, tzinfo=UTC))
    assert choose_return(tied, latest=True) is None


# --- config-aware issues ----------------------------------------------------------------------------------------


def codes(issues) -> list[tuple[str, str]]:
    return [(i.code, i.severity) for i in issues]


def test_new_codes_are_registered_with_their_severity():
    assert {code: ISSUE_CODES[code] for code in ("other-area", "unexpected-agency", "agency-mismatch",
                                                 "missing-agency")} == {
        "other-area": ERROR, "unexpected-agency": ERROR, "agency-mismatch": WARNING, "missing-agency": WARNING}


def test_other_area_is_an_error():
    issues = file_config_issues(make_config(), received("ed.xlsx", "Northshire ED", area="Severnside"))
    assert codes(issues) == [("other-area", ERROR)]
    assert issues[0].file == "ed.xlsx"


def test_unexpected_agency_is_an_error():
    issues = file_config_issues(make_config(), received("police.xlsx", "Northshire Police"))
    assert codes(issues) == [("unexpected-agency", ERROR)]


def test_a_clean_return_of_a_config_agency_has_no_config_issue():
    config = make_config()
    assert file_config_issues(config, received("returns/gp-federation.xlsx", "Northshire GP Federation",
                                               completed_by="Dr A. Khan, Northshire GP Federation")) == []
    assert file_config_issues(config, received("x.csv", None, area=None)) == []


def test_agency_mismatch_by_completed_by():
    issues = file_config_issues(make_config(), received("gp.xlsx", "Northshire GP Federation",
                                                        completed_by="J. Smith, northshire camhs; P. Lee"))
    assert codes(issues) == [("agency-mismatch", WARNING)]
    assert issues[0].message == (
        "Completed by (J. Smith, northshire camhs; P. Lee) names 'Northshire CAMHS', but this workbook was generated "
        "for 'Northshire GP Federation'. If 'Northshire CAMHS' filled in the workbook meant for 'Northshire GP "
        "Federation', its answers would be counted for 'Northshire GP Federation': check with both agencies, and "
        "send each its own workbook.")


def test_agency_mismatch_by_file_name():
    issues = file_config_issues(make_config(), received("in/Northshire_CAMHS return v2.xlsx",
                                                        "Northshire GP Federation"))
    assert codes(issues) == [("agency-mismatch", WARNING)]
    assert issues[0].message.startswith("The file name 'Northshire_CAMHS return v2.xlsx' points to 'Northshire "
                                        "CAMHS', but the workbook inside was generated for 'Northshire GP "
                                        "Federation' (Completed by: A. Person).")


def test_agency_mismatch_by_another_agencys_files_pattern():
    issues = file_config_issues(make_config(), received("st-marys-schools.csv", "Northshire GP Federation"))
    assert codes(issues) == [("agency-mismatch", WARNING)]
    assert "points to 'Northshire Schools'" in issues[0].message


def test_no_mismatch_when_the_own_agency_is_named_too_or_a_longer_name_is_meant():
    data = config_data()
    data["agencies"].append({"name": "Northshire CAMHS Eating Disorders", "sector": "mental_health"})
    config = make_config(data)
    joint = received("gp.xlsx", "Northshire GP Federation",
                     completed_by="Dr A. Khan (Northshire GP Federation); J. Smith (Northshire CAMHS)")
    assert file_config_issues(config, joint) == []
    longer = received("northshire-camhs-eating-disorders.xlsx", "Northshire CAMHS Eating Disorders")
    assert file_config_issues(config, longer) == []
    # "Northshire ED" is not read inside "completed", nor "Northshire" alone as an agency
    assert file_config_issues(config, received("gp.xlsx", "Northshire GP Federation",
                                               completed_by="completed by Northshire staff")) == []


def test_apostrophes_are_read_as_generate_writes_them_in_file_names():
    data = config_data()
    data["agencies"][4]["name"] = "Northshire Children's Social Care"
    issues = file_config_issues(make_config(data), received("northshire-childrens-social-care.xlsx",
                                                            "Northshire CAMHS"))
    assert "points to \"Northshire Children's Social Care\"" in issues[0].message


def test_missing_agency_is_a_warning_per_agency_naming_the_contact():
    issues = missing_agency_issues(make_config(), ["northshire gp federation", "Northshire Schools",
                                                   "Northshire ED", "Northshire Social Care",
                                                   "Northshire Youth Justice", "Northshire Ambulance"])
    assert codes(issues) == [("missing-agency", WARNING)] * 2
    assert [i.file for i in issues] == [None, None]
    assert issues[0].message == (
        "No return from 'Northshire CAMHS' (contact: J. Smith, j.smith@example.org): the results leave its answers "
        "out. Chase it (`baseline status` lists who is missing), or merge what has come in now and add it later "
        "with `merge --update`.")
    assert issues[1].message.startswith("No return from 'Northshire Wellbeing Trust': ")


def test_missing_agencies_in_config_order():
    assert missing_agencies(make_config(), ["NORTHSHIRE ED", "Northshire CAMHS", ""]) == [
        "Northshire GP Federation", "Northshire Schools", "Northshire Social Care", "Northshire Youth Justice",
        "Northshire Ambulance", "Northshire Wellbeing Trust"]


def test_the_area_most_returns_share_and_the_returns_of_another():
    assert common_stamp(["Northshire", "  northshire ", "Severnside", ""]) == "Northshire"
    assert common_stamp(["Severnside", "Northshire"]) == "Severnside"  # a tie: the first seen
    assert common_stamp(["", "  "]) == ""
    files = [received("a.xlsx", "Northshire CAMHS"), received("b.xlsx", "Northshire ED", area="Severnside"),
             received("c.xlsx", "Northshire GP Federation", area="NORTHSHIRE"),
             received("nice.xlsx", "Northshire Schools", area=None)]  # NICE's tool names no area: agrees with any
    issues = area_issues(files)
    assert [(i.code, i.severity, i.file) for i in issues] == [("other-area", "error", "b.xlsx")]
    assert issues[0].message.startswith("This workbook was generated for Severnside, but 2 other returns are for "
                                        "Northshire: one assessment is of one area.")
    assert area_issues(files[:1] + files[2:]) == []


def test_keep_names_a_file_by_its_path_or_its_name():
    assert kept_by("returns/yj.xlsx", "./returns//yj.xlsx")
    assert kept_by("returns/yj.xlsx", "YJ.xlsx") and kept_by("C:\\returns\\yj.xlsx", "yj.xlsx")
    assert not kept_by("returns/yj.xlsx", "returns/yj v2.xlsx")
    first, second = received("a/yj.xlsx", "Y"), received("b/yj.xlsx", "Y")
    assert choose_return([first, second], keep=["a/yj.xlsx"]) is first  # the path decides where names are alike
    assert choose_return([first, second], keep=["yj.xlsx"]) is None  # two files of that name: undecided


def test_a_skipped_file_is_never_an_agencys_return():
    config = make_config()
    notes = ReceivedFile("returns/schools-notes.csv", skipped=True, reason="Not read: not a workbook.")
    report = track_returns(config, NG225, [notes], AFTER)
    assert [(u.path, u.kind, u.reason) for u in report.unexpected] == [
        ("returns/schools-notes.csv", UNPLACED, "Not read: not a workbook.")]
    assert {row.agency: row.state for row in report.agencies}["Northshire Schools"] == "missing"
