"""`baseline generate`: config mode, single-agency mode, refusals and usage errors."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from baseline import catalogue
from baseline.xlsx.agency import layout

EXAMPLE = Path(__file__).parent.parent / "workbooks" / "examples" / "assessment.yaml"
EXAMPLE_FILES = [
    "northshire-camhs.xlsx",
    "northshire-hospitals-nhs-trust-emergency-department.xlsx",
    "northshire-gp-federation.xlsx",
    "northshire-childrens-social-care.xlsx",
    "northshire-schools-partnership.xlsx",
    "northshire-youth-justice-service.xlsx",
    "northshire-young-peoples-wellbeing-trust-charity.xlsx",
    "northshire-ambulance-service.xlsx",
    "northshire-police.xlsx",
]


def config_data(**overrides) -> dict:
    data = {
        "area": "Northshire",
        "guideline": "NG225",
        "return_by": "2027-01-31",
        "facilitator": {"name": "A. Facilitator", "email": "facilitator@example.org"},
        "agencies": [
            {"name": "North CAMHS", "sector": "mental_health"},
            {"name": "North Schools", "sectors": ["education"]},
        ],
    }
    data.update(overrides)
    return data


def metadata(path: Path) -> dict:
    wb = openpyxl.load_workbook(path)
    return {row[0]: row[1] for row in wb[layout.META_SHEET].iter_rows(min_row=layout.META_FIRST_ROW, values_only=True)}


def recommendation_ids(path: Path) -> list[str]:
    ws = openpyxl.load_workbook(path)[layout.ASSESSMENT_SHEET]
    return [row[0] for row in ws.iter_rows(min_row=layout.FIRST_DATA_ROW, values_only=True) if row[0]]


def test_generates_one_workbook_per_agency_of_the_example(run, tmp_path):
    out = tmp_path / "returns" / "round-1"  # created if missing, parents included
    result = run("generate", EXAMPLE, "-o", out)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [str(out / name) for name in EXAMPLE_FILES]
    assert sorted(p.name for p in out.iterdir()) == sorted(EXAMPLE_FILES)
    stderr = result.stderr.splitlines()
    assert stderr[0] == "Northshire CAMHS: 50 recommendations -> northshire-camhs.xlsx"
    assert f"Generated 9 workbooks for Northshire (NG225@2022-09-07) in {out}." in stderr
    assert stderr[-1] == "Note: the NG225@2022-09-07 encoding is partial; each workbook says so on its Start here sheet."
    ed = metadata(out / EXAMPLE_FILES[1])
    assert ed["agency"] == "Northshire Hospitals NHS Trust Emergency Department"
    assert ed["sector"] == "emergency_care,acute_care"
    assert ed["area"] == "Northshire"
    assert ed["round"] == "2027"  # the config's round, stamped
    stamps = {metadata(out / name)["generated_at"] for name in EXAMPLE_FILES}
    assert len(stamps) == 1  # one run, one stamp


def test_each_workbook_lists_its_sectors_recommendations(run, tmp_path, write_yaml):
    result = run("generate", write_yaml(config_data(), "assessment.yaml"), "-o", tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    ng225 = catalogue.load("NG225")
    assert recommendation_ids(tmp_path / "out" / "north-camhs.xlsx") == [r.id for r in ng225.recommendations_for(["mental_health"])]
    assert recommendation_ids(tmp_path / "out" / "north-schools.xlsx") == [r.id for r in ng225.recommendations_for(["education"])]


def test_all_recommendations(run, tmp_path, write_yaml):
    result = run("generate", write_yaml(config_data(), "assessment.yaml"), "-o", tmp_path / "out", "--all-recommendations")
    assert result.exit_code == 0, result.stderr
    assert len(recommendation_ids(tmp_path / "out" / "north-schools.xlsx")) == 51
    assert "North Schools: 51 recommendations -> north-schools.xlsx" in result.stderr


def test_agencies_whose_names_clash_get_distinct_files(run, tmp_path, write_yaml):
    agencies = [{"name": "North: CAMHS", "sector": "mental_health"}, {"name": "North / CAMHS", "sector": "mental_health"}]
    result = run("generate", write_yaml(config_data(agencies=agencies), "assessment.yaml"), "-o", tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["north-camhs-2.xlsx", "north-camhs.xlsx"]


def test_refuses_to_overwrite_and_writes_nothing(run, tmp_path, write_yaml):
    config = write_yaml(config_data(), "assessment.yaml")
    out = tmp_path / "out"
    out.mkdir()
    (out / "north-schools.xlsx").write_bytes(b"last round's return")
    result = run("generate", config, "-o", out)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "Error: 1 workbook(s) already exist; nothing was written. Use --force to overwrite them:\n"
        f"  {out / 'north-schools.xlsx'}\n"
    )
    assert sorted(p.name for p in out.iterdir()) == ["north-schools.xlsx"]  # north-camhs.xlsx not written either
    assert (out / "north-schools.xlsx").read_bytes() == b"last round's return"

    forced = run("generate", config, "-o", out, "--force")
    assert forced.exit_code == 0, forced.stderr
    assert metadata(out / "north-schools.xlsx")["agency"] == "North Schools"


def test_bad_config_lists_every_problem_and_writes_nothing(run, tmp_path, write_yaml):
    data = config_data(return_by="next spring", colour="blue")
    data["agencies"] = [{"name": "North CAMHS", "sector": "astrology"}, {"name": "north camhs", "sector": "education"}]
    config = write_yaml(data, "assessment.yaml")
    out = tmp_path / "out"
    result = run("generate", config, "-o", out)
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == f"Error: {config} is not a valid assessment config"
    assert lines[1:] == [
        f"  {config}: return_by: 'next spring' is not a date: write it as YYYY-MM-DD or day first, DD/MM/YYYY",
        f"  {config}: colour: unknown key (not part of the format; check the spelling)",
        f"  {config}: agencies[0].sector: unknown sector 'astrology' for NG225 (known: mental_health, emergency_care, "
        "primary_care, acute_care, ambulance, social_care, education, criminal_justice, voluntary_sector, commissioning)",
        f"  {config}: agencies[1].name: agency 'north camhs' is listed twice (also agencies[0])",
    ]
    assert not out.exists()
    assert "Traceback" not in result.stderr


def test_unreadable_config(run, tmp_path):
    result = run("generate", tmp_path / "missing.yaml", "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: Cannot read {tmp_path / 'missing.yaml'}")


def test_output_folder_that_is_a_file(run, tmp_path, write_yaml):
    target = tmp_path / "out"
    target.write_text("not a folder")
    result = run("generate", write_yaml(config_data(), "assessment.yaml"), "-o", target)
    assert result.exit_code == 1
    assert result.stderr == f"Error: {target} is a file; give a folder for the workbooks (-o DIR).\n"


# --- single agency ----------------------------------------------------------------------------------------------


def test_single_agency(run, tmp_path):
    target = tmp_path / "yjs.xlsx"
    result = run("generate", "--as-agency", "Northshire YJS", "--sector", "criminal_justice", "--sector", "social_care",
                 "--area", "Northshire", "--guideline", "NG225@2022-09-07", "-o", target)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{target}\n"
    ng225 = catalogue.load("NG225")
    expected = [r.id for r in ng225.recommendations_for(["criminal_justice", "social_care"])]
    assert result.stderr.splitlines()[0] == f"Northshire YJS: {len(expected)} recommendations -> {target}"
    assert recommendation_ids(target) == expected
    meta = metadata(target)
    assert (meta["agency"], meta["sector"], meta["area"], meta["version"]) == (
        "Northshire YJS", "criminal_justice,social_care", "Northshire", "2022-09-07")
    dt.datetime.fromisoformat(meta["generated_at"].replace("Z", "+00:00"))


def test_single_agency_refuses_to_overwrite(run, tmp_path):
    target = tmp_path / "a.xlsx"
    target.write_bytes(b"keep me")
    result = run("generate", "--as-agency", "A", "--sector", "education", "-o", target)
    assert result.exit_code == 1
    assert result.stderr == f"Error: {target} already exists; nothing was written. Use --force to overwrite it.\n"
    assert target.read_bytes() == b"keep me"
    assert run("generate", "--as-agency", "A", "--sector", "education", "-o", target, "--force").exit_code == 0
    assert metadata(target)["agency"] == "A"


def test_unknown_guideline_in_single_mode(run, tmp_path):
    result = run("generate", "--as-agency", "A", "--sector", "education", "--guideline", "NG999", "-o", tmp_path / "a.xlsx")
    assert result.exit_code == 1
    assert result.stderr == "Error: Unknown guideline 'NG999'. Available: NG225@2022-09-07.\n"


@pytest.mark.parametrize("args, message", [
    ([], "say what to generate: CONFIG.yaml (one workbook per agency of the config) or --as-agency NAME --sector S"),
    (["CONFIG", "--as-agency", "A", "--sector", "education"], "give either CONFIG.yaml or --as-agency NAME, not both."),
    (["CONFIG", "--sector", "education"], "--sector only go with --as-agency"),
    (["CONFIG", "--area", "X", "--guideline", "NG225"], "--area, --guideline only go with --as-agency"),
    (["--as-agency", "A"], "--as-agency needs --sector (one or more of: mental_health, emergency_care,"),
    (["--as-agency", "A", "--sector", "astrology"], "Invalid value for --sector: unknown sector 'astrology'; known: "),
    (["--as-agency", "A", "--sector", "education", "-o", "FOLDER"], "with --as-agency, give a file name ending in .xlsx, not a folder"),
    (["--as-agency", "A", "--sector", "education", "-o", "a.csv"], "the workbook must be an .xlsx file"),
])
def test_usage_errors(run, tmp_path, write_yaml, args, message):
    config = write_yaml(config_data(), "assessment.yaml")
    args = [str(config) if a == "CONFIG" else str(tmp_path) if a == "FOLDER" else a for a in args]
    if "-o" not in args:
        args += ["-o", str(tmp_path / "out.xlsx")]
    result = run("generate", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["assessment.yaml"]


def test_output_option_is_required(run):
    result = run("generate", "--as-agency", "A", "--sector", "education")
    assert result.exit_code == 2
    assert "Missing option '-o' / '--output'" in result.stderr


def test_help_shows_both_forms(run):
    result = run("generate", "--help")
    assert result.exit_code == 0
    assert "baseline generate CONFIG.yaml -o DIR" in result.stdout
    assert "baseline generate --as-agency NAME --sector S" in result.stdout


def test_single_agency_takes_a_return_by_date_in_either_form(run, tmp_path):
    target = tmp_path / "a.xlsx"
    result = run("generate", "--as-agency", "A", "--sector", "education", "--return-by", "31/01/2027", "-o", target)
    assert result.exit_code == 0, result.stderr
    start = openpyxl.load_workbook(target)[layout.START_SHEET]
    dates = {row[0].value: row[1].value for row in start.iter_rows(max_col=2) if row[0].value}
    assert dates["Please return by"] == dt.datetime(2027, 1, 31)
    bad = run("generate", "--as-agency", "A", "--sector", "education", "--return-by", "1/31/2027", "-o", target)
    assert bad.exit_code == 2 and "--return-by" in bad.stderr
    with_config = run("generate", "CONFIG", "--return-by", "31/01/2027", "-o", tmp_path / "out")
    assert with_config.exit_code == 2 and "--return-by only go with --as-agency" in with_config.stderr


def test_unknown_agency_filter_names_the_config(run, tmp_path, write_yaml):
    config = write_yaml(config_data(), "assessment.yaml")
    result = run("generate", config, "-o", tmp_path / "out", "--agency", "Nope")
    assert result.exit_code == 1
    assert "No agency named 'Nope' in the config. Agencies: " in result.stderr
    assert "these files" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_generated_count_is_said_in_the_right_number(run, tmp_path, write_yaml):
    data = config_data()
    config = write_yaml(data, "assessment.yaml")
    first = data["agencies"][0]["name"]
    result = run("generate", config, "-o", tmp_path / "out", "--agency", first)
    assert result.exit_code == 0, result.output
    assert "Generated 1 workbook for " in result.stderr


def test_generate_sweeps_its_outputs_stale_temporary_files_once_for_the_folder(run, tmp_path, write_yaml):
    # A run killed outright (kill -9) leaves its temporary files; the next generate into that folder removes those
    # of its workbooks (one listing of the folder for all of them, files.sweep_stale), and leaves anything else.
    out = tmp_path / "out"
    out.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True).stdout.strip()
    stale = [out / f".north-camhs.xlsx.{dead}.0123abcd.tmp", out / f".north-schools.xlsx.{dead}.0123abcd.tmp"]
    kept = [out / f".north-camhs.xlsx.{os.getppid()}.0123abcd.tmp", out / f".other.xlsx.{dead}.0123abcd.tmp"]
    for path in stale + kept:
        path.write_text("half")
    result = run("generate", write_yaml(config_data(), "assessment.yaml"), "-o", out)
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(["north-camhs.xlsx", "north-schools.xlsx",
                                                           *(p.name for p in kept)])
