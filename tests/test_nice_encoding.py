"""xlsx/nice/encoding.py: `recs import` (NICE's tool -> our YAML) and `recs verify` (an encoding against a tool)."""

from __future__ import annotations

import json
import zipfile

import pytest
import yaml

from baseline import catalogue
from baseline.catalogue import load_guideline
from baseline.issues import BaselineError
from baseline.xlsx.nice import encoding as nice_encoding
from baseline.xlsx.nice.structure import read_bat

from .nice_bat_builder import (
    STANDARD_IDS,
    STANDARD_SECTIONS,
    STANDARD_TEXT,
    build_bat,
    explanatory,
    rec,
    section,
    subheading,
)


@pytest.fixture(autouse=True)
def _only_shipped_encodings(monkeypatch):
    """Summaries and sectors are reused from the shipped NG225 encoding, never from a user's own directories."""
    monkeypatch.delenv(catalogue.ENV_VAR, raising=False)



# --- recs import ----------------------------------------------------------------------------------------------


def test_import_writes_a_complete_encoding(run, tmp_path):
    source = build_bat(tmp_path / "NICE BAT.xlsx", merge_headings=True, hide=["cost"],
                       extra_columns=[(13, "Progress update", {})])
    out = tmp_path / "ng225.yaml"
    result = run("recs", "import", source, "-o", out)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    g = load_guideline(out)
    assert [r.id for r in g.recommendations] == STANDARD_IDS
    assert [(s.id, s.title) for s in g.sections] == STANDARD_SECTIONS
    assert {r.id: r.text for r in g.recommendations} == STANDARD_TEXT
    assert (g.guideline, g.version, g.published, g.updated) == ("NG225", "2022-09-07", "2022-09-07", None)
    assert g.title == "Self-harm: assessment, management and preventing recurrence"
    assert g.source == "https://www.nice.org.uk/guidance/ng225"
    assert g.complete and g.encoding_complete and all(r.verified for r in g.recommendations)
    shipped = catalogue.load("NG225@2022-09-07")
    # Summaries, sectors and population come from our own encoding where the ids match; the rest stay unknown.
    assert g.get("1.1.1").summary == shipped.get("1.1.1").summary
    assert g.get("1.5.1").summary == shipped.get("1.5.1").summary
    assert g.get("1.1.2").summary is None and g.get("1.5.2").summary is None
    assert g.sectors == shipped.sectors
    assert {s.id: s.sectors for s in g.sections} == {"1.1": ["all"], "1.2": ["all"], "1.5": ["mental_health"],
                                                     "1.10": ["all"]}
    assert g.get("1.1.2").year == "2004, amended 2022"
    assert [(s.title, s.recommendations) for s in g.section_of("1.2.1").subsections][0] == ("Invented sub-heading A",
                                                                                            ["1.2.1", "1.2.2"])
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# NG225 2022-09-07, imported by `baseline recs import`")
    assert "do not commit it to a" in text
    assert result.stderr.splitlines()[0] == (
        "Imported NG225 version 2022-09-07: 4 sections, 10 recommendations; 2 summaries reused from NG225@2022-09-07;"
        " 8 without a summary."
    )
    assert "Warning: NG225@2022-09-07 lists 44 recommendation(s) that NICE's tool does not have" in result.stderr
    assert "keep it on your own machine" in result.stderr
    assert run("recs", "check", out).exit_code == 0


def test_import_refuses_to_overwrite_and_takes_version(run, tmp_path):
    source = build_bat(tmp_path / "bat.xlsx", updated="12 March 2024")
    out = tmp_path / "out.yaml"
    out.write_text("precious", encoding="utf-8")
    result = run("recs", "import", source, "-o", out)
    assert result.exit_code == 1
    assert result.stderr == f"Error: {out} already exists; nothing was written. Use --force to overwrite it.\n"
    assert out.read_text(encoding="utf-8") == "precious"
    result = run("recs", "import", source, "-o", out, "--force")
    assert result.exit_code == 0
    assert load_guideline(out).version == "2024-03-12" and load_guideline(out).updated == "2024-03-12"
    result = run("recs", "import", source, "-o", out, "--force", "--version", "2024-04-01")
    assert result.exit_code == 0 and load_guideline(out).version == "2024-04-01"
    result = run("recs", "import", source, "-o", out, "--force", "--version", "April 2024")
    assert result.exit_code == 2  # a bad option value is a usage error
    assert "Invalid value for --version: 'April 2024' is not a date in the form YYYY-MM-DD" in result.stderr


def test_imported_file_is_found_through_the_environment(run, tmp_path, monkeypatch):
    source = build_bat(tmp_path / "bat.xlsx", updated="12 March 2024")
    out = tmp_path / "mine" / "ng225" / "2024-03-12.yaml"
    out.parent.mkdir(parents=True)
    result = run("recs", "import", source, "-o", out)
    assert result.exit_code == 0
    assert result.stderr.splitlines()[-1] == f"To use it: export BASELINE_RECOMMENDATIONS={tmp_path / 'mine'}"
    monkeypatch.setenv(catalogue.ENV_VAR, str(tmp_path / "mine"))
    g = catalogue.load("NG225")
    assert g.version == "2024-03-12" and g.get("1.5.2").text == "Invented text 1.5.2."


def test_import_without_a_date_asks_for_version(run, tmp_path):
    source = build_bat(tmp_path / "bat.xlsx", published="September 2022")
    result = run("recs", "import", source, "-o", tmp_path / "out.yaml")
    assert result.exit_code == 1
    assert "no Published or Updated date was found on the Introduction sheet: give --version YYYY-MM-DD" in result.stderr
    assert not (tmp_path / "out.yaml").exists()
    assert run("recs", "import", source, "-o", tmp_path / "out.yaml", "--version", "2022-09-07").exit_code == 0


def test_import_refuses_duplicates_and_missing_headings(run, tmp_path):
    rows = [section("1.1 Invented"), rec("1.1.1"), rec("1.1.1"), rec("1.2.1")]
    source = build_bat(tmp_path / "bat.xlsx", rows)
    result = run("recs", "import", source, "-o", tmp_path / "out.yaml")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {source} cannot be imported:\n"
        "  recommendation 1.1.1 appears twice (rows 4 and 5)\n"
        "  no heading row was found for section(s) 1.2\n"
    )


def test_import_of_a_workbook_that_is_not_a_bat(run, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = "Just a list"
    wb.active["A2"] = "1.1.1"
    wb.save(tmp_path / "other.xlsx")
    result = run("recs", "import", tmp_path / "other.xlsx", "-o", tmp_path / "out.yaml")
    assert result.exit_code == 1
    assert "does not look like a NICE baseline assessment tool" in result.stderr


@pytest.mark.parametrize("content, message", [
    (b"not a spreadsheet at all", "This is not an Excel workbook"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "old-style Excel 97-2003 (.xls)"),
    (b"PK\x03\x04 broken zip", "The file is damaged or incomplete"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le"), "protected with a password"),
])
def test_unreadable_files_give_clear_errors(run, tmp_path, content, message):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    result = run("recs", "import", path, "-o", tmp_path / "out.yaml")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: Cannot read {path}: ") and message in result.stderr
    assert "Traceback" not in result.stderr


def test_an_ods_is_refused_with_advice(run, tmp_path):
    path = tmp_path / "bat.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    result = run("recs", "import", path, "-o", tmp_path / "out.yaml")
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {path} is a LibreOffice spreadsheet (.ods); NICE's tool is read as .xlsx: save "
                             "it as an Excel workbook and try again.\n")


def test_zip_bomb_is_refused_before_parsing(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", bytes(20 * 1024 * 1024))
    with pytest.raises(BaselineError, match="zip bomb"):
        read_bat(path)


def test_missing_file(run, tmp_path):
    result = run("recs", "import", tmp_path / "nope.xlsx", "-o", tmp_path / "out.yaml")
    assert result.exit_code == 1
    assert result.stderr == f"Error: Cannot read {tmp_path / 'nope.xlsx'}: There is no such file.\n"


# --- recs verify ----------------------------------------------------------------------------------------------


def test_verify_an_import_against_its_tool_is_identical(run, tmp_path):
    source = build_bat(tmp_path / "bat.xlsx")
    out = tmp_path / "out.yaml"
    assert run("recs", "import", source, "-o", out).exit_code == 0
    result = run("recs", "verify", out, "--against", source)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "NG225@2022-09-07 against NICE's tool " + str(source),
        "No differences: the encoding lists exactly the recommendations and headings of NICE's tool.",
    ]


def test_verify_reports_planted_differences(run, tmp_path):
    source = build_bat(tmp_path / "bat.xlsx", updated="12 March 2024")
    out = tmp_path / "out.yaml"
    assert run("recs", "import", source, "-o", out, "--version", "2022-09-07").exit_code == 0
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    sections = {s["id"]: s for s in data["sections"]}
    sections["1.1"]["recommendations"] = [r for r in sections["1.1"]["recommendations"] if r["id"] != "1.1.4"]
    sections["1.2"]["title"] = "A heading that drifted"
    sections["1.10"]["recommendations"].append({"id": "1.10.2"})
    sections["1.5"]["recommendations"][0]["text"] = "Invented text that NICE has since changed."
    data["sections"].append({"id": "1.11", "title": "Invented extra", "recommendations": [{"id": "1.11.1"}]})
    planted = tmp_path / "planted.yaml"
    planted.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")

    result = run("recs", "verify", planted, "--against", source, "--format", "json")
    assert result.exit_code == 1
    output = json.loads(result.stdout)
    assert output == json.loads(json.dumps(nice_encoding.verify_file(str(planted), source).to_dict()))
    assert output == {
        "encoding": "NG225@2022-09-07",
        "against": str(source),
        "identical": False,
        "guideline": {"encoding": "NG225", "nice": "NG225"},
        "version": {"encoding": "2022-09-07", "nice": "2024-03-12"},
        "recommendations": {"missing": ["1.1.4"], "extra": ["1.10.2", "1.11.1"], "text_differs": ["1.5.1"]},
        "sections": {
            "missing": [], "extra": ["1.11"],
            "headings": [{"section": "1.2", "encoding": "A heading that drifted", "nice": "Invented consent heading"}],
        },
        "notes": [],
    }
    table = run("recs", "verify", planted, "--against", source)
    assert table.exit_code == 1
    assert table.stdout.splitlines()[1:] == [
        "Version differs: encoding 2022-09-07, NICE's tool 2024-03-12 (its Updated, else Published, date)",
        "Missing from the encoding (in NICE's tool) (1): 1.1.4",
        "Extra in the encoding (not in NICE's tool) (2): 1.10.2, 1.11.1",
        "Sections extra in the encoding (1): 1.11",
        "Text differs from NICE's (1): 1.5.1",
        "Section headings that differ (1):",
        "  1.2: encoding 'A heading that drifted'; NICE 'Invented consent heading'",
    ]


def test_verify_shipped_encoding_names_unknown_headings(run, tmp_path):
    rows = [section("1.9 Invented ninth heading"), rec("1.9.1"), subheading("Invented"), explanatory("Invented.")]
    source = build_bat(tmp_path / "bat.xlsx", rows)
    result = nice_encoding.verify_file("NG225@2022-09-07", source)
    assert result.headings == [{"section": "1.9", "encoding": None, "nice": "Invented ninth heading"}]
    assert result.missing == [] and "1.1.1" in result.extra and not result.identical




def test_verify_refuses_a_workbook_that_is_not_nices_tool(run, tmp_path):
    from baseline.xlsx.agency.writer import write_agency_workbook

    ours = tmp_path / "ours.xlsx"
    write_agency_workbook(ours, catalogue.load("NG225"), agency="A", sectors=["education"])
    result = run("recs", "verify", "NG225", "--against", ours)
    assert result.exit_code == 1
    assert "does not look like NICE's baseline assessment tool" in result.stderr


def test_import_creates_the_encoding_folder(run, tmp_path):
    source = build_bat(tmp_path / "bat.xlsx")
    out = tmp_path / "recs" / "ng225" / "2022-09-07.yaml"
    result = run("recs", "import", source, "-o", out)
    assert result.exit_code == 0, result.output
    assert out.is_file()
    assert f"export BASELINE_RECOMMENDATIONS={(tmp_path / 'recs').resolve()}" in result.stderr
