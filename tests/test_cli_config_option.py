"""`--config CONFIG.yaml` on `validate`, `merge` and `summary`: another area's return (other-area, an error), an
agency not in the config (unexpected-agency, an error), a workbook filled in by another agency of the config
(agency-mismatch), agencies with no return (missing-agency, named in the summary headline and JSON); resubmissions
decided by each file's own last-saved time (--latest) or by --keep. JSON compared with the library result."""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest

from baseline import workflow
from baseline.summary import summarise
from baseline.tracker import missing_agencies
from baseline.workflow import load_config

from .cases import tracker_folder as tf

AS_OF = dt.date(2027, 3, 1)
WIDE = {"COLUMNS": "1000"}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tf.build_folder(tmp_path_factory.mktemp("config-option") / "returns")


@pytest.fixture(scope="module")
def config(folder):
    return tf.write_config(folder.parent)


def one_line(text: str) -> str:
    return " ".join(text.split())


def codes_by_file(data: dict) -> dict[str, list[str]]:
    return {f["path"].rsplit("/", 1)[-1]: sorted(i["code"] for i in f["issues"]) for f in data["files"]}


# --- validate ---------------------------------------------------------------------------------------------------


def test_validate_with_config_json_is_the_library_result(run, folder, config):
    result = run("validate", folder, "--config", config, "--format", "json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data == json.loads(json.dumps(workflow.validate_files([folder], config=config).to_dict()))

    codes = codes_by_file(data)
    assert codes["ed-severnside.xlsx"] == ["other-area"]
    assert codes["ambulance.xlsx"] == ["unexpected-agency"]
    assert codes["north-camhs-final.xlsx"] == ["agency-mismatch", "agency-mismatch"]  # file name and Completed by
    assert codes["camhs.xlsx"] == []
    assert "invalid-choice" in codes["schools.xlsx"]
    severities = {i["code"]: i["severity"] for f in data["files"] for i in f["issues"]}
    assert severities["other-area"] == severities["unexpected-agency"] == "error"
    assert severities["agency-mismatch"] == "warning"
    # Agencies with no return: not about any one file
    missing = [i for i in data["issues"] if i["code"] == "missing-agency"]
    assert [i["severity"] for i in missing] == ["warning", "warning"]
    assert [m["message"].split("'")[1] for m in missing] == [tf.ED, tf.WELLBEING]


def test_validate_without_config_knows_nothing_of_areas_or_agencies(run, folder):
    data = json.loads(run("validate", folder, "--format", "json").stdout)
    found = {code for codes in codes_by_file(data).values() for code in codes}
    assert not found & {"other-area", "unexpected-agency", "agency-mismatch", "missing-agency"}
    assert data["issues"] == []


def test_validate_with_config_table_names_the_missing_agencies(run, folder, config):
    result = run("validate", folder, "--config", config, env=WIDE)
    out = one_line(result.stdout + result.stderr)
    assert "No return from 'North Wellbeing Trust' (contact: K. Owusu, k.owusu@example.org)" in out
    assert "No return from 'North ED'" in out
    assert "generated for Severnside, but this assessment is of Northshire" in out


# --- merge ------------------------------------------------------------------------------------------------------


def test_merge_with_config_refuses_other_area_unexpected_agency_and_the_undecided_duplicate(run, folder, config,
                                                                                            tmp_path):
    out = tmp_path / "merged.xlsx"
    result = run("merge", folder, "--config", config, "-o", out, env=WIDE)
    assert result.exit_code == 1
    assert not out.exists()
    err = one_line(result.stderr)
    for code in ("other-area", "unexpected-agency", "duplicate-agency", "invalid-choice"):
        assert code in err
    assert "youth-justice.xlsx (last saved 2027-01-12 16:30 UTC, Completed by: P. Lee)" in err
    assert "youth-justice v2 FINAL.xlsx (last saved 2027-01-26 09:05 UTC, Completed by: P. Lee)" in err
    assert "Merge with --latest to keep" in err


def merged_summary(run, merged) -> dict:
    result = run("summary", merged, "--format", "json", "--as-of", AS_OF.isoformat())
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def youth_justice_status(data: dict, rec: str) -> str:
    return next(gap["agencies"][tf.YOUTH_JUSTICE] for gap in data["gaps"] if gap["recommendation"] == rec)


def test_merge_latest_keeps_the_return_saved_last_whatever_its_name(run, folder, config, tmp_path):
    out = tmp_path / "merged.xlsx"
    files = tf.files_of(folder, *tf.MERGEABLE)
    result = run("merge", *files, "--config", config, "--latest", "-o", out, "--as-of", AS_OF.isoformat(), env=WIDE)
    assert result.exit_code == 0, result.output
    err = one_line(result.stderr)
    # Merging what has come in is allowed; who is missing and the wrong agency's workbook are said
    assert "missing-agency" in err or "No return from 'North Schools'" in err
    for name in (tf.SCHOOLS, tf.ED, tf.WELLBEING):
        assert f"No return from {name!r}" in err
    assert "agency-mismatch" in err or "names 'North CAMHS'" in err
    data = merged_summary(run, out)
    # v2 FINAL (saved last) says 1.1.1 is met; the first return said not met (1.1.1 stays a gap: social care's
    # return is blank)
    assert youth_justice_status(data, "1.1.1") == "met"
    # The merged workbook carries the area and round; who is missing needs the config
    assert data["area"] == "Northshire" and data["round"] == "2027"
    assert data["missing_agencies"] == []
    with_config = run("summary", out, "--config", config, "--format", "json", "--as-of", AS_OF.isoformat())
    assert json.loads(with_config.stdout)["missing_agencies"] == [tf.SCHOOLS, tf.ED, tf.WELLBEING]


def test_the_merged_workbook_names_the_area_and_round_in_its_titles_print_headers_and_stamps(run, folder, config,
                                                                                             tmp_path):
    out = tmp_path / "merged.xlsx"
    files = tf.files_of(folder, "camhs.xlsx", "social-care.xlsx")
    assert run("merge", *files, "--config", config, "-o", out, "--as-of", AS_OF.isoformat()).exit_code == 0
    wb = openpyxl.load_workbook(out)
    assert wb["Summary"]["A1"].value.startswith("Northshire · round 2027 · NG225 ")
    printed = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
    assert len(printed) >= 5
    for ws in printed:
        assert ws.oddHeader.center.text.startswith("Northshire · round 2027 · NG225 "), ws.title
    meta = {row[0]: row[1] for row in wb["_baseline"].iter_rows(min_row=2, values_only=True)}
    assert (meta["area"], meta["round"]) == ("Northshire", "2027")


def test_merge_stamps_the_returns_area_without_a_config_and_the_configs_when_given(run, folder, tmp_path):
    out = tmp_path / "merged.xlsx"
    assert run("merge", folder / "camhs.xlsx", "-o", out).exit_code == 0
    assert (merged_summary(run, out)["area"], merged_summary(run, out)["round"]) == ("Northshire", None)
    data = tf.config_data()
    data["round"] = "2027 autumn"
    other_round = tf.write_config(tmp_path, data)
    assert run("merge", folder / "camhs.xlsx", "-o", out, "--config", other_round, "--force").exit_code == 0
    assert merged_summary(run, out)["round"] == "2027 autumn"
    severnside = tf.config_data()
    severnside["area"] = "Severnside"
    refused = run("summary", out, "--config", tf.write_config(tmp_path, severnside, "severnside.yaml"))
    assert refused.exit_code == 1
    assert "is the merged assessment of Northshire, but" in one_line(refused.stderr)


def test_strict_turns_the_config_warnings_of_a_file_into_errors(run, folder, config):
    gp = folder / "north-camhs-final.xlsx"
    assert run("validate", gp, "--config", config).exit_code == 0  # agency-mismatch warns
    strict = json.loads(run("validate", gp, "--config", config, "--strict", "--format", "json").stdout)
    assert {i["severity"] for i in strict["files"][0]["issues"]} == {"error"}


def test_merge_keep_chooses_the_return_explicitly(run, folder, config, tmp_path):
    out = tmp_path / "merged.xlsx"
    files = tf.files_of(folder, *tf.MERGEABLE)
    result = run("merge", *files, "--config", config, "--keep", "youth-justice.xlsx", "-o", out,
                 "--as-of", AS_OF.isoformat())
    assert result.exit_code == 0, result.output
    assert youth_justice_status(merged_summary(run, out), "1.1.1") == "not_met"


def test_merge_latest_cannot_choose_between_files_saved_at_the_same_time(run, folder, config, tmp_path):
    twin = tmp_path / "youth-justice copy.xlsx"
    twin.write_bytes((folder / "youth-justice.xlsx").read_bytes())
    out = tmp_path / "merged.xlsx"
    result = run("merge", folder / "camhs.xlsx", folder / "youth-justice.xlsx", twin, "--config", config,
                 "--latest", "-o", out, env=WIDE)
    assert result.exit_code == 1 and not out.exists()
    err = one_line(result.stderr)
    assert "--latest cannot choose (their last-saved times are the same)" in err
    assert "Merge with --latest" not in err  # only what can work is suggested


def test_merge_refuses_returns_of_two_areas_even_without_config(run, folder, tmp_path):
    out = tmp_path / "merged.xlsx"
    result = run("merge", folder / "camhs.xlsx", folder / "ed-severnside.xlsx", "-o", out, env=WIDE)
    assert result.exit_code == 1 and not out.exists()
    err = one_line(result.stderr)
    assert "other-area" in err and "Severnside" in err and "Northshire" in err


def test_merge_with_config_refuses_a_return_of_another_area(run, folder, config, tmp_path):
    out = tmp_path / "merged.xlsx"
    result = run("merge", folder / "ed-severnside.xlsx", "--config", config, "-o", out, env=WIDE)
    assert result.exit_code == 1 and not out.exists()
    assert "generated for Severnside, but this assessment is of Northshire" in one_line(result.stderr)


# --- summary ----------------------------------------------------------------------------------------------------


def library_summary(config_path, files) -> dict:
    config, _ = load_config(config_path)
    outcome = workflow.assessment_from_files(files, latest=True, config=config_path)
    assessment = outcome.assessment
    result = summarise(assessment, as_of=AS_OF, area=config.area, round=config.round,
                       missing_agencies=missing_agencies(config, assessment.agency_names))
    return json.loads(json.dumps(result.to_dict()))


def test_summary_with_config_json_is_the_library_result_and_names_the_missing(run, folder, config):
    files = tf.files_of(folder, *tf.MERGEABLE)
    result = run("summary", *files, "--config", config, "--latest", "--as-of", AS_OF.isoformat(), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data == library_summary(config, files)
    assert data["missing_agencies"] == [tf.SCHOOLS, tf.ED, tf.WELLBEING]
    assert (data["area"], data["round"]) == ("Northshire", "2027")
    assert {a["agency"] for a in data["by_agency"]} == {tf.CAMHS, tf.SOCIAL_CARE, tf.YOUTH_JUSTICE, tf.GP}


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_summary_headline_says_who_has_not_returned(run, folder, config, fmt):
    files = tf.files_of(folder, *tf.MERGEABLE)
    result = run("summary", *files, "--config", config, "--latest", "--as-of", AS_OF.isoformat(), "--format", fmt,
                 env=WIDE)
    assert result.exit_code == 0, result.output
    out = one_line(result.stdout)
    assert "4 of 7 agencies returned; missing: North Schools, North ED, North Wellbeing Trust." in out
    assert "Northshire" in out and "2027" in out


def test_summary_with_config_refuses_another_areas_return(run, folder, config):
    result = run("summary", folder / "camhs.xlsx", folder / "ed-severnside.xlsx", "--config", config, env=WIDE)
    assert result.exit_code == 1
    assert "other-area" in one_line(result.stderr)
