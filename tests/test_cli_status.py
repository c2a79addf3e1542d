"""`baseline status CONFIG.yaml RETURNS…` end to end: a returns folder built in code with every state (valid,
invalid, blank, duplicate, missing, another area, an agency not in the config, a workbook filled in by the wrong
agency), its JSON compared with the library result, and what the facilitator reads in the table and chase list."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from baseline import workflow
from baseline.render.tracker import tracker_markdown

from .cases import messy
from .cases import tracker_folder as tf

WIDE = {"COLUMNS": "1000"}  # one problem per line, so that sentences can be looked for whole


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tf.build_folder(tmp_path_factory.mktemp("status") / "returns")


@pytest.fixture(scope="module")
def config(folder):
    return tf.write_config(folder.parent)


def one_line(text: str) -> str:
    return " ".join(text.split())


def test_json_is_the_library_result_with_each_state(run, folder, config):
    result = run("status", config, folder, "--as-of", tf.AFTER_DEADLINE.isoformat(), "--format", "json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data == workflow.track_returns(config, [folder], as_of=tf.AFTER_DEADLINE).to_dict()

    assert {k: data[k] for k in ("area", "round", "guideline", "version", "return_by", "as_of")} == {
        "area": "Northshire", "round": "2027", "guideline": "NG225", "version": "2022-09-07",
        "return_by": "2027-01-31", "as_of": "2027-02-03"}
    rows = {row["agency"]: row for row in data["agencies"]}
    assert [row["agency"] for row in data["agencies"]] == [a["name"] for a in tf.config_data()["agencies"]]
    assert {name: (row["state"], row["overdue"]) for name, row in rows.items()} == {
        tf.CAMHS: ("valid", False),
        tf.SCHOOLS: ("invalid", True),
        tf.SOCIAL_CARE: ("blank", True),
        tf.YOUTH_JUSTICE: ("duplicate", True),
        tf.GP: ("valid", False),  # filled in by CAMHS: valid, with the mismatch to check (table, chase list)
        tf.ED: ("missing", True),  # its only file is another area's
        tf.WELLBEING: ("missing", True),
    }
    assert data["counts"] == {"valid": 2, "invalid": 1, "blank": 1, "duplicate": 1, "missing": 2}

    # Each file with its own last-saved time (docProps/core.xml) and Completed by; a duplicate lists both files,
    # oldest first, and shows the figures of the one saved last.
    assert rows[tf.YOUTH_JUSTICE]["files"] == [
        {"path": str(folder / "youth-justice.xlsx"), "last_saved": "2027-01-12T16:30:00+00:00",
         "completed_by": "P. Lee"},
        {"path": str(folder / "youth-justice v2 FINAL.xlsx"), "last_saved": "2027-01-26T09:05:00+00:00",
         "completed_by": "P. Lee"}]
    listed = len(tf.guideline().recommendations_for(tf.SECTORS[tf.CAMHS]))
    assert {k: rows[tf.CAMHS][k] for k in ("answered", "total", "errors")} == {
        "answered": listed, "total": listed, "errors": 0}
    assert rows[tf.CAMHS]["files"] == [{"path": str(folder / "camhs.xlsx"),
                                        "last_saved": "2027-01-18T14:02:00+00:00",
                                        "completed_by": "R. Shah, CAMHS lead"}]
    assert rows[tf.SOCIAL_CARE]["answered"] == 0
    assert rows[tf.SCHOOLS]["errors"] == 1
    assert rows[tf.ED]["files"] == [] and rows[tf.ED]["answered"] is None

    unexpected = {u["path"]: u["reason"] for u in data["unexpected"]}
    assert set(unexpected) == {str(folder / "ed-severnside.xlsx"), str(folder / "ambulance.xlsx")}
    assert "generated for Severnside, but this assessment is of Northshire" in unexpected[
        str(folder / "ed-severnside.xlsx")]
    assert "'Northshire Ambulance Service', which is not in the assessment config" in unexpected[
        str(folder / "ambulance.xlsx")]


def test_nothing_is_overdue_before_the_return_by_date(run, folder, config):
    result = run("status", config, folder, "--as-of", tf.BEFORE_DEADLINE.isoformat(), "--format", "json")
    assert result.exit_code == 1
    assert not any(row["overdue"] for row in json.loads(result.stdout)["agencies"])


def test_exit_0_only_when_every_agency_has_a_valid_return(run, folder, tmp_path):
    data = tf.config_data()
    data["agencies"] = [a for a in data["agencies"] if a["name"] in (tf.CAMHS, tf.YOUTH_JUSTICE)]
    config = tf.write_config(tmp_path, data)
    camhs = folder / "camhs.xlsx"
    first, resent = folder / "youth-justice.xlsx", folder / "youth-justice v2 FINAL.xlsx"

    assert run("status", config, camhs, resent, "--as-of", "2027-02-03").exit_code == 0
    duplicate = run("status", config, camhs, first, resent, "--as-of", "2027-02-03", "--format", "json")
    assert duplicate.exit_code == 1
    assert json.loads(duplicate.stdout)["counts"] == {"valid": 1, "invalid": 0, "blank": 0, "duplicate": 1,
                                                      "missing": 0}
    missing = run("status", config, camhs, "--as-of", "2027-02-03")
    assert missing.exit_code == 1
    # Another area's return is listed, never counted as the agency's
    other_area = run("status", config, camhs, resent, folder / "ed-severnside.xlsx", "--as-of", "2027-02-03")
    assert other_area.exit_code == 0, other_area.output
    assert "ed-severnside.xlsx" in other_area.stdout


def test_the_table_names_the_round_each_state_and_how_to_resolve_the_duplicate(run, folder, config):
    result = run("status", config, folder, "--as-of", "2027-02-03", env=WIDE)
    assert result.exit_code == 1
    out = one_line(result.stdout)
    assert "Northshire · round 2027 · NG225@2022-09-07 · return by 2027-01-31 · as of 2027-02-03" in out
    assert "2 of 7 agencies have a valid return; 1 invalid, 1 blank, 1 duplicate, 2 missing; 5 overdue." in out
    for name in (tf.CAMHS, tf.SCHOOLS, tf.SOCIAL_CARE, tf.YOUTH_JUSTICE, tf.GP, tf.ED, tf.WELLBEING):
        assert name in out
    # The duplicate: both files with their last-saved time and Completed by, and the way out that works
    assert "2 returns for agency 'North Youth Justice'" in out
    assert "youth-justice.xlsx (last saved 2027-01-12 16:30 UTC, Completed by: P. Lee)" in out
    assert "youth-justice v2 FINAL.xlsx (last saved 2027-01-26 09:05 UTC, Completed by: P. Lee)" in out
    assert "Merge with --latest to keep" in out and "v2 FINAL.xlsx (saved last)" in out
    # The workbook filled in by the wrong agency, and the files that belong to no agency
    assert "Completed by (R. Jones, North CAMHS) names 'North CAMHS', but this workbook was generated for " \
           "'North GP Federation'" in out
    assert "ed-severnside.xlsx" in out and "ambulance.xlsx" in out
    assert "'Northshire Ambulance Service'" in out


def test_the_markdown_chase_list_is_the_library_rendering(run, folder, config):
    result = run("status", config, folder, "--as-of", "2027-02-03", "--format", "markdown")
    assert result.exit_code == 1
    report = workflow.track_returns(config, [folder], as_of=dt.date(2027, 2, 3))
    assert result.stdout == tracker_markdown(report) + "\n"
    assert "# Returns for Northshire, round 2027: NG225@2022-09-07" in result.stdout
    assert "## Not yet returned (2)" in result.stdout
    assert "| North Wellbeing Trust | missing, overdue | K. Owusu, k.owusu@example.org, 01234 567890 |" \
        in result.stdout
    assert "| North ED | missing, overdue | (no contact in the config) |" in result.stdout
    assert "## Returned, but not usable yet (3)" in result.stdout


def test_a_file_is_read_once_and_paths_given_twice_count_once(run, folder, config):
    twice = run("status", config, folder, folder / "camhs.xlsx", "--as-of", "2027-02-03", "--format", "json")
    rows = {row["agency"]: row for row in json.loads(twice.stdout)["agencies"]}
    assert rows[tf.CAMHS]["state"] == "valid" and len(rows[tf.CAMHS]["files"]) == 1


def test_a_bad_config_is_reported_with_its_yaml_path(run, folder, tmp_path):
    data = tf.config_data()
    data["agencies"][0]["sector"] = "mental_heath"
    result = run("status", tf.write_config(tmp_path, data), folder)
    assert result.exit_code == 1
    assert "agencies[0].sector" in result.stderr and "did you mean 'mental_health'?" in result.stderr
    assert result.stdout == ""


def test_usage_errors(run, folder, config):
    assert run("status", config).exit_code == 2  # no returns given
    bad_date = run("status", config, folder, "--as-of", "someday")
    assert bad_date.exit_code == 2 and "--as-of" in bad_date.stderr


def test_a_csv_export_is_placed_by_the_config_files_pattern(run, tmp_path):
    """A CSV carries no stamps: the agency whose `files` pattern matches its name is the one it belongs to (the
    config stands in for --as-agency), and it has no last-saved time of its own."""
    csv_return = messy.csv_excel_utf8(tmp_path).path  # North CAMHS's Assessment sheet saved as CSV by Excel
    data = tf.config_data()
    data["agencies"] = [{"name": "North CAMHS", "sector": "mental_health", "files": ["assessment*.csv"]},
                        {"name": tf.SCHOOLS, "sector": "education"}]
    config = tf.write_config(tmp_path, data)
    status = json.loads(run("status", config, csv_return, "--as-of", "2027-01-20", "--format", "json").stdout)
    assert [(a["agency"], a["state"]) for a in status["agencies"]] == [("North CAMHS", "valid"),
                                                                       (tf.SCHOOLS, "missing")]
    assert status["agencies"][0]["files"] == [{"path": str(csv_return), "last_saved": None, "completed_by": ""}]
    validated = json.loads(run("validate", csv_return, "--config", config, "--format", "json").stdout)
    assert validated["files"][0]["agency"] == "North CAMHS"
    assert [i["code"] for i in validated["files"][0]["issues"]] == ["missing-stamps"]
    assert [i["code"] for i in validated["issues"]] == ["missing-agency"]
