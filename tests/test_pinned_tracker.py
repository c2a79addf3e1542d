"""baseline/tracker.py's rules pinned exactly (found by `make mutate`): last-saved texts, the tie rule of --latest,
agency names found in file names and Completed by, and the issues --config adds, word for word. Configs and
received files are built in code (tests/test_tracker.py's helpers)."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from baseline.issues import make_issue
from baseline.tracker import (
    AMBIGUOUS,
    OTHER_GUIDELINE,
    agencies_named_in,
    agencies_returned,
    area_issues,
    choose_latest,
    choose_return,
    common_stamp,
    duplicate_issue,
    file_config_issues,
    is_other_area,
    place_file,
    saved_text,
    track_returns,
)
from tests.test_tracker import AFTER, NG225, config_data, folder, make_config, received

UTC = dt.timezone.utc


def test_saved_text_in_utc_or_as_the_file_said():
    assert saved_text(None) == "unknown"
    assert saved_text(dt.datetime(2027, 1, 27, 9, 12)) == "2027-01-27 09:12"  # no zone: shown as the file said
    plus_one = dt.timezone(dt.timedelta(hours=1))
    assert saved_text(dt.datetime(2027, 1, 27, 10, 12, 59, tzinfo=plus_one)) == "2027-01-27 09:12 UTC"


def test_choose_latest_takes_the_last_saved_and_refuses_a_tie_or_a_missing_time():
    early = received("a.xlsx", "X", last_saved=dt.datetime(2027, 1, 1, tzinfo=UTC))
    middle = received("b.xlsx", "X", last_saved=dt.datetime(2027, 1, 2, tzinfo=UTC))
    late = received("c.xlsx", "X", last_saved=dt.datetime(2027, 1, 3, 12))  # no zone: taken as UTC
    assert choose_latest([middle, late, early]) is late
    assert choose_latest([late, early, middle]) is late
    assert choose_latest([early]) is early
    assert choose_latest([]) is None
    tie = received("d.xlsx", "X", last_saved=dt.datetime(2027, 1, 3, 12, tzinfo=UTC))
    assert choose_latest([early, late, tie]) is None
    assert choose_latest([early, received("e.xlsx", "X", last_saved=None)]) is None


def test_choose_return_keeps_the_named_file():
    a, b = received("returns/a.xlsx", "X"), received("returns/b.xlsx", "X")
    kept = choose_return([a, b], keep=["returns/b.xlsx"])
    assert kept is b


def test_a_duplicate_is_reported_on_the_last_file():
    a, b, c = (received(f"{name}.xlsx", "X") for name in "abc")
    assert duplicate_issue("X", [a, b, c]).file == "c.xlsx"


def test_agency_names_are_found_word_for_word_in_file_names():
    config = make_config(_config_data_with("Children's & Families Team"))

    def named(text):
        return [a.name for a in agencies_named_in(config, text)]

    assert named("north-camhs.xlsx") == []
    assert named("NORTHSHIRE_camhs v2.xlsx") == ["Northshire CAMHS"]
    assert named("childrens-and-families-team.xlsx") == ["Children's & Families Team"]  # & read as "and"
    assert named("Childrens and Families Team.xlsx") == ["Children's & Families Team"]
    assert named("northshire ed and northshire ambulance.xlsx") == ["Northshire ED", "Northshire Ambulance"]
    assert named("northshire") == []  # a word of a name is not the name
    assert named("") == []


def _config_data_with(name: str) -> dict:
    data = config_data()
    data["agencies"].append({"name": name, "sector": "social_care"})
    return data


def test_other_area_is_by_name_key_and_needs_an_area():
    config = make_config()
    assert is_other_area(config, received("a.xlsx", "Northshire ED", area="Severnside"))
    assert not is_other_area(config, received("a.xlsx", "Northshire ED", area="  NORTHSHIRE "))
    assert not is_other_area(config, received("a.xlsx", "Northshire ED", area=""))
    assert not is_other_area(config, received("a.xlsx", "Northshire ED", area=None))


def test_a_file_of_another_guideline_or_version_says_which():
    config = make_config()
    other_version = place_file(config, NG225, received("returns/old.xlsx", "Northshire ED", version="2019-01-01"))
    assert (other_version.path, other_version.kind) == ("returns/old.xlsx", OTHER_GUIDELINE)
    assert other_version.reason == (
        "It is an assessment of NG225@2019-01-01; this round assesses NG225@2022-09-07: move its answers across with "
        "`baseline migrate`, or send the agency this round's workbook.")
    other_guideline = place_file(config, NG225, received("returns/ng1.xlsx", "Northshire ED", guideline="NG1",
                                                         version=None))
    assert other_guideline.path == "returns/ng1.xlsx"
    assert other_guideline.reason == ("It is an assessment of NG1; this round assesses NG225@2022-09-07: leave it "
                                      "out, or send the agency this round's workbook.")


def test_a_file_two_agencies_could_claim_is_ambiguous_and_named():
    data = _config_data_with("Northshire CAMHS Outreach")
    data["agencies"][0]["files"] = ["*camhs*"]
    data["agencies"][-1]["files"] = ["*outreach*"]
    placed = place_file(make_config(data), NG225, received("returns/camhs-outreach.csv", None))
    assert (placed.path, placed.kind) == ("returns/camhs-outreach.csv", AMBIGUOUS)


def test_config_issues_word_for_word():
    config = make_config()
    [other_area] = file_config_issues(config, received("returns/ed.xlsx", None, area="Severnside"))
    assert (other_area.code, other_area.file) == ("other-area", "returns/ed.xlsx")
    assert "ask the agency to fill in the Northshire " in other_area.message
    [unexpected] = file_config_issues(config, received("returns/police.xlsx", "Northshire Police"))
    assert (unexpected.code, unexpected.file) == ("unexpected-agency", "returns/police.xlsx")
    assert "'Northshire Police'" in unexpected.message
    by_name, by_completed = file_config_issues(config, received(
        "returns/northshire-ed.xlsx", "Northshire CAMHS", completed_by="Northshire Schools & Northshire Ambulance"))
    advice = ("If {others} filled in the workbook meant for 'Northshire CAMHS', its answers would be counted for "
              "'Northshire CAMHS': check with both agencies, and send each its own workbook.")
    assert (by_name.code, by_name.file) == ("agency-mismatch", "returns/northshire-ed.xlsx")
    assert by_name.message == (
        "The file name 'northshire-ed.xlsx' points to 'Northshire ED', but the workbook inside was generated for "
        "'Northshire CAMHS' (Completed by: Northshire Schools & Northshire Ambulance). "
        + advice.format(others="'Northshire ED'"))
    assert by_completed.file == "returns/northshire-ed.xlsx"
    assert by_completed.message == (
        "Completed by (Northshire Schools & Northshire Ambulance) names 'Northshire Schools' and 'Northshire "
        "Ambulance', but this workbook was generated for 'Northshire CAMHS'. "
        + advice.format(others="'Northshire Schools' and 'Northshire Ambulance'"))
    [no_completed_by] = file_config_issues(config, received("returns/northshire-ed.xlsx", "Northshire CAMHS",
                                                            completed_by=""))
    assert "(Completed by: not given)" in no_completed_by.message
    assert file_config_issues(config, received("returns/camhs.xlsx", "Northshire CAMHS")) == []


def test_keep_by_path_tells_apart_two_files_of_the_same_name():
    a, b = received("march/camhs.xlsx", "X"), received("april/camhs.xlsx", "X")
    assert choose_return([a, b], keep=["april/camhs.xlsx"]) is b
    assert choose_return([a, b], keep=["camhs.xlsx"]) is None  # by name alone: both, so undecided


def _row_of(files, agency):
    report = track_returns(make_config(), NG225, files, AFTER)
    return next(row for row in report.agencies if row.agency == agency)


def test_what_each_row_says_to_do():
    missing = _row_of([], "Northshire ED")
    assert (missing.state, missing.problems) == ("missing", ("No return has been received.",))
    blank = _row_of([received("r/sc.xlsx", "Northshire Social Care", blank=True)], "Northshire Social Care")
    assert blank.problems == ("r/sc.xlsx came back with no answers: ask the agency to fill it in and send it again.",)
    errors = tuple(make_issue("invalid-choice", f"Bad {n}.", sheet="Assessment", cell=f"E{n}") for n in range(1, 6))
    many = _row_of([received("r/gp.xlsx", "Northshire GP Federation", valid=False, errors=6,
                             issues=(make_issue("unreadable-file", "No sheet."), *errors))], "Northshire GP Federation")
    assert many.problems[0] == "r/gp.xlsx: No sheet."  # no cell: no position
    assert many.problems[1] == "r/gp.xlsx Assessment!E1: Bad 1."
    assert many.problems[-1].startswith("r/gp.xlsx: ") and " more errors; `baseline validate r/gp.xlsx` lists each" \
        in many.problems[-1]
    one_more = _row_of([received("r/gp.xlsx", "Northshire GP Federation", valid=False, errors=2,
                                 issues=errors[:1])], "Northshire GP Federation")
    assert one_more.problems == ("r/gp.xlsx Assessment!E1: Bad 1.",
                                 "r/gp.xlsx: 1 more error; `baseline validate r/gp.xlsx` lists each with its cell.")
    none_listed = _row_of([received("r/gp.xlsx", "Northshire GP Federation", valid=False, errors=3)],
                          "Northshire GP Federation")
    assert none_listed.problems == ("r/gp.xlsx: 3 errors; `baseline validate r/gp.xlsx` lists each with its cell.",)
    no_count = _row_of([received("r/gp.xlsx", "Northshire GP Federation", valid=False)], "Northshire GP Federation")
    assert no_count.problems == ("r/gp.xlsx is not valid: `baseline validate r/gp.xlsx` lists each with its cell.",)


def test_duplicates_are_listed_oldest_first_and_unsaved_last():
    files = [received("r/b.xlsx", "Northshire ED", last_saved=None),
             received("r/c.xlsx", "Northshire ED", last_saved=dt.datetime(2027, 1, 20, tzinfo=UTC)),
             received("r/a.xlsx", "Northshire ED", last_saved=dt.datetime(2027, 1, 10, tzinfo=UTC))]
    row = _row_of(files, "Northshire ED")
    assert [f.path for f in row.files] == ["r/a.xlsx", "r/c.xlsx", "r/b.xlsx"]


def test_a_one_word_agency_and_a_file_naming_two():
    config = make_config(_config_data_with("Barnardos"))
    assert [a.name for a in agencies_named_in(config, "barnardos-return.xlsx")] == ["Barnardos"]
    [issue] = file_config_issues(config, received("r/barnardos and northshire ed.xlsx", "Northshire CAMHS",
                                                  completed_by=""))
    assert "points to 'Northshire ED' and 'Barnardos', but" in issue.message or \
        "points to 'Barnardos' and 'Northshire ED', but" in issue.message


def test_the_agencies_that_sent_a_file_of_this_assessment():
    assert agencies_returned(make_config(), NG225, folder()) == [
        "Northshire CAMHS", "Northshire GP Federation", "Northshire Social Care", "Northshire Youth Justice",
        "Northshire Youth Justice", "Northshire Schools"]


def test_a_file_that_is_not_a_workbook_says_so_without_a_reason_given():
    placed = place_file(make_config(), NG225, received("returns/notes.docx", None, skipped=True))
    assert (placed.reason, placed.kind) == ("Not a workbook: not read.", "unplaced")


def test_each_row_carries_the_agencys_contact():
    report = track_returns(make_config(), NG225, [], AFTER)
    assert (report.agencies[0].agency, report.agencies[0].contact.email) == ("Northshire CAMHS", "j.smith@example.org")


def test_returns_of_another_area_than_most_name_how_many_others_agree():
    files = [received(f"{n}.xlsx", "X", area=area) for n, area in
             enumerate([None, None, "Northshire", " northshire ", "Southshire"])]
    [issue] = area_issues(files)
    assert (issue.code, issue.file, issue.message) == (
        "other-area", "4.xlsx", "This workbook was generated for Southshire, but 2 other returns are for Northshire: "
        "one assessment is of one area. Leave out the other area's returns, or give --config CONFIG.yaml to say which "
        "area this assessment is of.")
    [issue] = area_issues([received("a.xlsx", "X", area="Northshire"), received("b.xlsx", "X", area="Southshire")])
    assert issue.message.startswith("This workbook was generated for Southshire, but 1 other return is for "
                                    "Northshire: ")


def test_saved_text_is_in_utc_wherever_the_facilitator_is():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", "America/New_York")
        time.tzset()
        try:
            assert saved_text(dt.datetime(2027, 1, 27, 9, 12, tzinfo=UTC)) == "2027-01-27 09:12 UTC"
        finally:
            patch.undo()
            time.tzset()


def test_the_common_stamp_is_the_most_frequent_as_first_written():
    assert common_stamp(["North  shire", "Southshire", " southshire ", ""]) == "Southshire"
    assert common_stamp(["North  shire", "", "  "]) == "North shire"
    assert common_stamp(["A", "B"]) == "A" and common_stamp(["", " "]) == ""
