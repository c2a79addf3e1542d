"""The assessment config: a strict model whose every problem is reported at once, with its YAML path."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from baseline import catalogue
from baseline.config import MAX_NAME_LENGTH, load_config, parse_config
from baseline.issues import BaselineError, Problem

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
        parse_config(data, file)
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
    assert len(config.agencies) == 7
    sectors = {s for agency in config.agencies for s in agency.sector_ids}
    assert sectors == {"mental_health", "emergency_care", "acute_care", "primary_care", "social_care", "education",
                       "criminal_justice", "voluntary_sector"}


def test_valid_config_parses():
    config, guideline = parse_config(valid())
    assert guideline.guideline == "NG225"
    assert [a.sector_ids for a in config.agencies] == [["mental_health"], ["emergency_care", "acute_care"]]


def test_guideline_defaults_to_ng225_and_accepts_a_version():
    data = valid()
    del data["guideline"]
    assert parse_config(data)[0].guideline == "NG225"
    data["guideline"] = "ng225@2022-09-07"
    assert parse_config(data)[1].version == "2022-09-07"


def test_iso_text_date_is_accepted():
    data = valid()
    data["return_by"] = "2027-01-31"
    assert parse_config(data)[0].return_by == dt.date(2027, 1, 31)


def test_names_are_tidied():
    data = valid()
    data["agencies"][0]["name"] = "  North   CAMHS "
    assert parse_config(data)[0].agencies[0].name == "North CAMHS"


def test_every_problem_is_listed_with_its_yaml_path():
    data = valid()
    data["area"] = ""
    data["return_by"] = "31/01/2027"
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
    assert problems["return_by"] == "'31/01/2027' is not a date in the form YYYY-MM-DD"
    assert problems["facilitator.email"] == "'not an address' does not look like an email address"
    assert problems["colour"] == "unknown key (not part of the format; check the spelling)"
    assert problems["agencies[0]"] == "give either sector or sectors, not both"
    assert problems["agencies[1].name"] == "agency 'north camhs' is listed twice (also agencies[0])"
    assert problems["agencies[2]"] == "give the agency's sector (sector: mental_health) or sectors (sectors: [a, b])"
    assert problems["agencies[1].sectors[1]"].startswith("unknown sector 'astrology' for NG225 (known: mental_health, ")
    assert problems["agencies[3].sector"].startswith("unknown sector 'schools' for NG225 (known: ")
    assert "education" in problems["agencies[3].sector"]


def test_problems_render_as_file_path_reason():
    data = valid()
    data["agencies"][1]["sectors"] = ["astrology"]
    with pytest.raises(BaselineError) as caught:
        parse_config(data, "assessment.yaml")
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
    parse_config(data, load_guideline=load)
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
