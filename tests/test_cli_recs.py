from __future__ import annotations

import csv
import io
import json

from baseline import __version__, catalogue, render
from baseline.guideline import diff_guidelines

from .test_guideline import NG225_IDS


def test_version(run):
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout == f"baseline {__version__}\n"


def test_list_json_is_the_library_listing(run):
    result = run("recs", "list", "NG225", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data == json.loads(render.to_json(render.guideline_listing(catalogue.load("NG225"))))
    assert [r["id"] for r in data["recommendations"]] == NG225_IDS
    first = data["recommendations"][0]
    assert first["verified"] is True and first["section_complete"] is True
    assert data["completeness"]["complete"] is False
    assert data["completeness"]["incomplete_sections"][0] == "1.2"


def test_list_json_fields_written_out(run):
    """The listing's keys and values, each taken from the guideline model by hand (not from render)."""
    guideline = catalogue.load("NG225")
    data = json.loads(run("recs", "list", "NG225", "--sector", "education", "--format", "json").stdout)
    assert list(data) == ["guideline", "title", "version", "published", "updated", "source", "fingerprint", "sector",
                          "completeness", "sections", "recommendations"]
    assert (data["guideline"], data["version"], data["sector"]) == ("NG225", "2022-09-07", "education")
    assert (data["title"], data["published"], data["updated"], data["source"], data["fingerprint"]) == (
        guideline.title, guideline.published, guideline.updated, guideline.source, guideline.fingerprint)
    assert data["completeness"] == {
        "recommendations": 51, "verified": sum(r.verified for r in guideline.recommendations),
        "with_summary": sum(r.summary is not None for r in guideline.recommendations), "sections": 12,
        "complete_sections": ["1.1"], "incomplete_sections": [f"1.{n}" for n in range(2, 13)],
        "untitled_sections": [s.id for s in guideline.sections if s.title is None],
        "sections_list_complete": False, "complete": False}
    # Every section, whatever the sector: its own count of recommendations.
    assert data["sections"] == [{"id": s.id, "title": s.title, "complete": s.complete, "sectors": s.sectors,
                                 "recommendations": len(s.recommendations)} for s in guideline.sections]
    assert [s["recommendations"] for s in data["sections"]] == [4, 1, 1, 1, 1, 6, 16, 1, 1, 1, 12, 6]
    # Only the education sector's recommendations: 1.5.1 and 1.7.x are for other sectors, 1.8.1 for schools.
    ids = [r["id"] for r in data["recommendations"]]
    assert len(ids) == 34 and "1.8.1" in ids and "1.5.1" not in ids and not any(i.startswith("1.7.") for i in ids)
    for rec in data["recommendations"]:
        model = guideline.get(rec["id"])
        section = next(s for s in guideline.sections if model in s.recommendations)
        assert rec == {"id": model.id, "section": section.id, "section_title": section.title,
                       "section_complete": section.complete, "summary": model.summary,
                       "has_text": model.text is not None,
                       "sectors": model.sectors if model.sectors is not None else section.sectors,
                       "population": model.population, "year": model.year,
                       "quality_statements": model.quality_statements, "verified": model.verified}
    assert data["recommendations"][0]["sectors"] == ["all"] and data["recommendations"][0]["has_text"] is False


def test_list_table_says_the_encoding_is_partial(run):
    result = run("recs", "list")
    assert result.exit_code == 0
    assert "PARTIAL ENCODING: 51 recommendations known in 12 sections" in result.stdout
    assert "1.12.6" in result.stdout and "not yet encoded" in result.stdout
    assert "51 recommendations." in result.stdout


def test_list_csv_and_sector_filter(run):
    result = run("recs", "list", "--sector", "education", "--format", "csv")
    assert result.exit_code == 0
    assert result.stdout.startswith("\ufeff")  # UTF-8 that Excel reads
    rows = list(csv.DictReader(io.StringIO(result.stdout.removeprefix("\ufeff"))))
    ids = [r["id"] for r in rows]  # kept text in a spreadsheet: ="1.8.1"
    assert '="1.8.1"' in ids and '="1.5.1"' not in ids and '="1.7.16"' not in ids
    assert rows[0]["section"] == '="1.1"'
    assert rows[0]["verified"] == "True"


def test_list_unknown_sector_is_a_usage_error(run):
    result = run("recs", "list", "--sector", "astrology")
    assert result.exit_code == 2
    assert "unknown sector 'astrology'" in result.stderr


def test_unknown_guideline_is_a_clear_error(run):
    result = run("recs", "list", "NG999")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "Error: Unknown guideline 'NG999'. Available: NG225@2022-09-07.\n"


def test_show(run):
    result = run("recs", "show", "1.5.1")
    assert result.exit_code == 0
    assert "1.5 Psychosocial assessment and care by mental health professionals" in result.stdout
    assert "mental_health" in result.stdout and "Verified:" in result.stdout
    missing = run("recs", "show", "9.9.9", "NG225@2022-09-07")
    assert missing.exit_code == 1
    assert "has no recommendation '9.9.9'" in missing.stderr


def test_check_shipped_files_pass(run):
    result = run("recs", "check")
    assert result.exit_code == 0
    assert result.stdout == f"{catalogue.entries()[0].path}: OK\n"
    assert result.stderr == "The file is valid.\n"  # not "All 1 file(s) are valid."


def test_check_reports_problems_and_exits_1(run, ng225_data, write_yaml):
    ng225_data["sections"][0]["recommendations"][1]["id"] = "1.1.1"
    ng225_data["sections"][3]["sectors"] = ["nowhere"]
    broken = write_yaml(ng225_data)
    result = run("recs", "check", broken)
    assert result.exit_code == 1
    assert f"{broken}: sections[0].recommendations[1].id: duplicate recommendation id '1.1.1'" in result.stdout
    assert f"{broken}: sections[3].sectors[0]: unknown sector 'nowhere'" in result.stdout
    assert "1 of 1 file has problems." in result.stderr


def test_check_missing_file_is_reported(run, tmp_path):
    result = run("recs", "check", tmp_path / "nope.yaml")
    assert result.exit_code == 1
    assert "Cannot read" in result.stdout


def test_diff(run, ng225_data, write_yaml):
    ng225_data["sections"][1]["recommendations"].append({"id": "1.2.2"})
    new = write_yaml(ng225_data)
    result = run("recs", "diff", "NG225", new, "--format", "json")
    assert result.exit_code == 0
    expected = diff_guidelines(catalogue.load("NG225"), catalogue.load(str(new))).to_dict()
    assert json.loads(result.stdout) == expected
    assert expected["recommendations"]["added"] == ["1.2.2"]
    table = run("recs", "diff", "NG225", new)
    assert "Recommendations added (1): 1.2.2" in table.stdout
    same = run("recs", "diff", "NG225", "ng225@2022-09-07")
    assert "No differences." in same.stdout
