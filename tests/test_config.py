"""The assessment config: a strict model whose every problem is reported at once, with its YAML path."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from baseline import catalogue
from baseline.config import MAX_NAME_LENGTH, AmbiguousFile, agency_for_file, parse_config
from baseline.issues import BaselineError, Problem
from baseline.workflow import load_config

EXAMPLE = Path(__file__).parent.parent / "workbooks" / "examples" / "assessment.yaml"


def valid() -> dict:
    return {
        "area": "Northshire",
        "guideline": "NG225",
        "return_by": dt.date(2027, 1, 31),
        "facilitator": {"name": "A. Facilitator", "email": "facilitator@example.org"},
        "agencies": [
            {"name": "North CAMHS", "sector": "mental_health"},
            {"name": "North Acute Trust ED", "sectors": ["emergency_care", "acute_care"]},
        ],
    }


def problems_of(data, file: str = "config.yaml") -> list[Problem]:
    with pytest.raises(BaselineError) as caught:
        parse_config(data, file, catalogue.load)
    assert str(caught.value).startswith(f"{file} is not")
    return caught.value.problems


def paths_of(data) -> dict[str, str]:
    return {p.path: p.message for p in problems_of(data)}


def test_example_config_is_valid_and_covers_the_sectors():
    config, guideline = load_config(EXAMPLE)
    assert config.area == "Northshire"
    assert guideline.ref == "NG225@2022-09-07"
    assert config.return_by == dt.date(2027, 1, 31)
    assert (config.facilitator.name, config.facilitator.email) == ("A. Facilitator", "facilitator@example.org")
    assert config.round == "2027"
    assert len(config.agencies) == 9
    sectors = {s for agency in config.agencies for s in agency.sector_ids}
    assert sectors == {"mental_health", "emergency_care", "acute_care", "primary_care", "social_care", "education",
                       "criminal_justice", "voluntary_sector", "ambulance"}


def test_valid_config_parses():
    config, guideline = parse_config(valid(), "<config>", catalogue.load)
    assert guideline.guideline == "NG225"
    assert [a.sector_ids for a in config.agencies] == [["mental_health"], ["emergency_care", "acute_care"]]


def test_guideline_defaults_to_ng225_and_accepts_a_version():
    data = valid()
    del data["guideline"]
    assert parse_config(data, "<config>", catalogue.load)[0].guideline == "NG225"
    data["guideline"] = "ng225@2022-09-07"
    assert parse_config(data, "<config>", catalogue.load)[1].version == "2022-09-07"


def test_iso_text_date_is_accepted():
    data = valid()
    data["return_by"] = "2027-01-31"
    assert parse_config(data, "<config>", catalogue.load)[0].return_by == dt.date(2027, 1, 31)


def test_names_are_tidied():
    data = valid()
    data["agencies"][0]["name"] = "  North   CAMHS "
    assert parse_config(data, "<config>", catalogue.load)[0].agencies[0].name == "North CAMHS"


def test_every_problem_is_listed_with_its_yaml_path():
    data = valid()
    data["area"] = ""
    data["return_by"] = "31/13/2027"
    data["facilitator"]["email"] = "not an address"
    data["colour"] = "blue"
    data["agencies"] = [
        {"name": "North CAMHS", "sector": "mental_health", "sectors": ["education"]},
        {"name": "north  camhs", "sectors": ["education", "astrology"]},
        {"name": "Youth Justice"},
        {"name": "School", "sector": "schools"},
    ]
    problems = paths_of(data)
    assert list(problems) == [
        "area", "return_by", "facilitator.email", "agencies[0]", "agencies[2]", "colour",
        "agencies[1].name", "agencies[1].sectors[1]", "agencies[3].sector",
    ]
    assert problems["area"] == "the area must not be empty"
    assert problems["return_by"] == ("'31/13/2027' is not a date: write it as YYYY-MM-DD or day first, "
                                     "DD/MM/YYYY")
    assert problems["facilitator.email"] == "'not an address' does not look like an email address"
    assert problems["colour"] == "unknown key (not part of the format; check the spelling)"
    assert problems["agencies[0]"] == "give either sector or sectors, not both"
    assert problems["agencies[1].name"] == "agency 'north camhs' is listed twice (also agencies[0])"
    assert problems["agencies[2]"] == "give the agency's sector (sector: mental_health) or sectors (sectors: [a, b])"
    assert problems["agencies[1].sectors[1]"].startswith("unknown sector 'astrology' for NG225 (known: mental_health, ")
    assert problems["agencies[3].sector"].startswith(
        "unknown sector 'schools' for NG225: did you mean 'education'? (known: mental_health, ")


def test_problems_render_as_file_path_reason():
    data = valid()
    data["agencies"][1]["sectors"] = ["astrology"]
    with pytest.raises(BaselineError) as caught:
        parse_config(data, "assessment.yaml", catalogue.load)
    lines = str(caught.value).splitlines()
    assert lines[0] == "assessment.yaml is not a valid assessment config"
    assert lines[1].startswith("  assessment.yaml: agencies[1].sectors[0]: unknown sector 'astrology'")


@pytest.mark.parametrize("key", ["area", "return_by", "facilitator", "agencies"])
def test_required_keys(key):
    data = valid()
    del data[key]
    assert paths_of(data) == {key: "required key is missing"}


def test_facilitator_needs_name_and_email():
    data = valid()
    data["facilitator"] = {"name": "A. Facilitator"}
    assert paths_of(data) == {"facilitator.email": "required key is missing"}


def test_agencies_must_not_be_empty():
    data = valid()
    data["agencies"] = []
    assert list(paths_of(data)) == ["agencies"]


def test_empty_sectors_list():
    data = valid()
    data["agencies"][1]["sectors"] = []
    assert paths_of(data) == {"agencies[1]": "sectors must list at least one sector"}


def test_duplicate_agency_names_ignore_case_and_spacing():
    data = valid()
    data["agencies"].append({"name": "NORTH CAMHS ", "sector": "mental_health"})
    assert paths_of(data) == {"agencies[2].name": "agency 'NORTH CAMHS' is listed twice (also agencies[0])"}


def test_unknown_guideline_is_reported_at_its_path_alongside_other_problems():
    data = valid()
    data["guideline"] = "NG999"
    data["area"] = "  "
    problems = paths_of(data)
    assert problems["guideline"] == "Unknown guideline 'NG999'. Available: NG225@2022-09-07."
    assert problems["area"] == "the area must not be empty"


def test_date_and_time_is_refused():
    data = valid()
    data["return_by"] = dt.datetime(2027, 1, 31, 12, 0)
    assert paths_of(data) == {"return_by": "must be a date (YYYY-MM-DD), not a date and time"}


def test_overlong_and_control_character_names():
    data = valid()
    data["agencies"][0]["name"] = "x" * (MAX_NAME_LENGTH + 1)
    data["agencies"][1]["name"] = "North\x07ED"
    problems = paths_of(data)
    assert problems["agencies[0].name"] == f"an agency name is {MAX_NAME_LENGTH + 1} characters long; keep it to {MAX_NAME_LENGTH} or fewer"
    assert problems["agencies[1].name"] == "an agency name contains control characters"


def test_wrong_types_are_reported():
    data = valid()
    data["agencies"] = ["North CAMHS", {"name": 42, "sector": "education"}]
    problems = paths_of(data)
    assert set(problems) == {"agencies[0]", "agencies[1].name"}


def test_top_level_must_be_a_mapping():
    assert problems_of(["area", "Northshire"]) == [
        Problem("config.yaml", "", "the top level must be a mapping of keys (area, guideline, agencies...)")
    ]


def test_guideline_loader_can_be_injected():
    seen = []

    def load(ref):
        seen.append(ref)
        return catalogue.load("NG225")

    data = valid()
    data["guideline"] = " NG225@2022-09-07 "
    parse_config(data, "<config>", load)
    assert seen == ["NG225@2022-09-07"]


def test_load_config_reads_yaml_files(tmp_path, write_yaml):
    data = valid()
    data["return_by"] = "2027-01-31"
    config, _ = load_config(write_yaml(data, "assessment.yaml"))
    assert config.agencies[0].name == "North CAMHS"


def test_duplicate_yaml_keys_and_bad_yaml_are_refused(tmp_path):
    path = tmp_path / "assessment.yaml"
    path.write_text("area: A\narea: B\n", encoding="utf-8")
    with pytest.raises(BaselineError, match="duplicate key 'area'"):
        load_config(path)
    path.write_text("area: [unclosed\n", encoding="utf-8")
    with pytest.raises(BaselineError, match="not valid YAML"):
        load_config(path)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(BaselineError, match="Cannot read"):
        load_config(tmp_path / "nope.yaml")


# --- round, contacts, file patterns, UK dates, "did you mean" -------------------------------------------------


def test_optional_round_phone_contact_and_files():
    data = valid()
    data["round"] = 2027  # YAML reads an unquoted year as a number: it is the label "2027"
    data["facilitator"]["phone"] = "01234 567890"
    data["agencies"][0]["contact"] = {"name": "J. Smith", "email": "j.smith@example.org"}
    data["agencies"][1]["files"] = ["*acute*.xlsx", " ed-return*.csv "]
    config, _ = parse_config(data, "<config>", catalogue.load)
    assert config.round == "2027"
    assert config.facilitator.phone == "01234 567890"
    assert (config.agencies[0].contact.name, config.agencies[0].contact.email) == ("J. Smith", "j.smith@example.org")
    assert config.agencies[0].files is None and config.agencies[1].contact is None
    assert config.agencies[1].files == ["*acute*.xlsx", "ed-return*.csv"]


def test_round_phone_and_contact_are_optional():
    config, _ = parse_config(valid(), "<config>", catalogue.load)
    assert config.round is None and config.facilitator.phone is None


@pytest.mark.parametrize("text", ["31/01/2027", "31-01-2027", "31.01.2027", " 2027-01-31 "])
def test_return_by_accepts_iso_and_uk_day_first(text):
    data = valid()
    data["return_by"] = text
    assert parse_config(data, "<config>", catalogue.load)[0].return_by == dt.date(2027, 1, 31)


@pytest.mark.parametrize("text", ["1/31/2027", "31/02/2027", "next Friday"])
def test_return_by_that_is_not_a_day_first_date_is_refused(text):
    data = valid()
    data["return_by"] = text
    assert paths_of(data) == {"return_by": f"{text!r} is not a date: write it as YYYY-MM-DD or day first, "
                                           f"DD/MM/YYYY"}


def test_return_by_in_an_implausible_year_is_refused():
    data = valid()
    data["return_by"] = "31/01/2207"
    assert paths_of(data) == {"return_by": "'31/01/2207' is not a date (the year 2207 is not between 2000 "
                                           "and 2100): write it as YYYY-MM-DD or day first, DD/MM/YYYY"}


def test_new_keys_report_every_problem_with_its_path():
    data = valid()
    data["round"] = " "
    data["facilitator"]["phone"] = 441234567890
    data["agencies"][0]["contact"] = {"name": "J. Smith", "email": "nowhere", "role": "lead"}
    data["agencies"][1]["files"] = ["returns/acute.xlsx", "", 7]
    data["agencies"].append({"name": "Police", "sector": "criminal_justice", "files": []})
    data["agencies"].append({"name": "GP", "sector": "primary_care", "contact": {"email": "gp@example.org"},
                             "phone": "01234 567890"})
    problems = paths_of(data)
    assert problems == {
        "round": "the round must not be empty",
        "facilitator.phone": 'write the phone number in quotes (phone: "441234567890") so that it is kept as written',
        "agencies[0].contact.email": "'nowhere' does not look like an email address",
        "agencies[0].contact.role": "unknown key (not part of the format; check the spelling)",
        "agencies[1].files[2]": "Input should be a valid string",
        "agencies[2].files": 'list at least one file-name pattern (files: ["*camhs*.xlsx"]) or leave files out',
        "agencies[3].contact.name": "required key is missing",
        "agencies[3].phone": "unknown key (not part of the format; check the spelling)",
    }


def test_a_pattern_with_a_folder_or_an_empty_pattern_is_refused():
    data = valid()
    data["agencies"][1]["files"] = ["returns/acute*.xlsx"]
    assert paths_of(data) == {"agencies[1].files": "'returns/acute*.xlsx': a pattern matches a file's name, not its "
                                                   "folder; write 'acute*.xlsx'"}
    data["agencies"][1]["files"] = ["  "]
    assert paths_of(data) == {"agencies[1].files": "a file-name pattern must not be empty"}


def test_a_phone_number_must_look_like_one():
    data = valid()
    data["facilitator"]["phone"] = "ring reception"
    assert paths_of(data) == {"facilitator.phone": "'ring reception' does not look like a phone number"}
    data["facilitator"]["phone"] = "+44 (0)1234 567890 ext. 12"
    assert parse_config(data, "<config>", catalogue.load)[0].facilitator.phone == "+44 (0)1234 567890 ext. 12"


def test_the_same_pattern_for_two_agencies_is_a_problem():
    data = valid()
    data["agencies"][0]["files"] = ["*north*.csv"]
    data["agencies"][1]["files"] = ["*acute*.csv", "*NORTH*.csv"]
    assert paths_of(data) == {"agencies[1].files[1]": "pattern '*NORTH*.csv' is also given for agencies[0]: "
                                                      "a returned file must belong to one agency"}


@pytest.mark.parametrize("typed, meant", [
    ("mental-health", "mental_health"),   # the same id spelt differently
    ("Mental Health", "mental_health"),
    ("mental_heath", "mental_health"),    # a near miss
    ("schools", "education"),             # a word of the sector's label
    ("police", "criminal_justice"),
])
def test_unknown_sector_suggests_the_nearest(typed, meant):
    data = valid()
    data["agencies"][0]["sector"] = typed
    message = paths_of(data)["agencies[0].sector"]
    assert message.startswith(f"unknown sector {typed!r} for NG225: did you mean {meant!r}? (known: mental_health, ")


def test_unknown_sector_without_a_near_one_suggests_nothing():
    data = valid()
    data["agencies"][0]["sector"] = "astrology"
    assert paths_of(data)["agencies[0].sector"].startswith("unknown sector 'astrology' for NG225 (known: ")


def test_agency_named_is_tolerant_of_case_and_spacing():
    config, _ = parse_config(valid(), "<config>", catalogue.load)
    assert config.agency_named("north  camhs").name == "North CAMHS"
    assert config.agency_named("North CAMHS Eating Disorders") is None


def _config_with_files() -> "object":
    data = valid()
    data["agencies"][0]["files"] = ["*camhs*.csv", "camhs-*.xlsx"]
    data["agencies"][1]["files"] = ["*acute*"]
    data["agencies"].append({"name": "Schools", "sector": "education"})
    return parse_config(data, "<config>", catalogue.load)[0]


def test_agency_for_file_one_agency():
    config = _config_with_files()
    assert agency_for_file(config, "returns/North CAMHS v2 FINAL.CSV").name == "North CAMHS"  # case aside
    assert agency_for_file(config, "C:\\returns\\camhs-2027.xlsx").name == "North CAMHS"
    assert agency_for_file(config, "acute-ed.ods").name == "North Acute Trust ED"


def test_agency_for_file_none_and_folder_names_do_not_count():
    config = _config_with_files()
    assert agency_for_file(config, "schools.csv") is None
    assert agency_for_file(config, "camhs/other.csv") is None  # the folder's name is not the file's


def test_agency_for_file_several_is_ambiguous():
    config = _config_with_files()
    match = agency_for_file(config, "camhs-and-acute.csv")
    assert isinstance(match, AmbiguousFile)
    assert [a.name for a in match.agencies] == ["North CAMHS", "North Acute Trust ED"]
    assert match.message == ("camhs-and-acute.csv matches the files patterns of 'North CAMHS' and 'North Acute Trust "
                             "ED' in the config, so its agency cannot be told. Rename the file, or make the patterns "
                             "in the config more specific.")
