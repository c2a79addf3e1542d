"""NICE's own baseline assessment tool: reading its structure, `recs import`, `recs verify`.

Every workbook is built in code by tests/nice_bat_builder.py with invented recommendation text.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from pathlib import Path

import pytest
import yaml

from baseline import catalogue
from baseline.catalogue import load_guideline
from baseline.checks import find_date as parse_nice_date
from baseline.config import AgencyAssignment
from baseline.issues import BaselineError
from baseline.xlsx.nice import encoding as nice_encoding
from baseline.xlsx.nice.layout import column_meaning, normalise_text, parse_title
from baseline.xlsx.nice.structure import NiceBat, read_bat

from .libreoffice import convert, needs_soffice
from .nice_bat_builder import (
    NICE_COLUMNS,
    blank,
    build_bat,
    explanatory,
    rec,
    section,
    standard_rows,
    subheading,
)

STANDARD_IDS = ["1.1.1", "1.1.2", "1.1.3", "1.1.4", "1.2.1", "1.2.2", "1.2.3", "1.5.1", "1.5.2", "1.10.1"]
STANDARD_SECTIONS = [
    ("1.1", "Invented information heading"),
    ("1.2", "Invented consent heading"),
    ("1.5", "Invented psychosocial heading"),
    ("1.10", "Invented tenth heading"),
]
STANDARD_TEXT = {
    "1.1.1": "Invented text one.\n• first invented point\n• second invented point",
    "1.1.2": "Invented text two:\n• flattened point a\n• flattened point b",
    "1.1.3": "Invented text three,\nwith a line break.",
    "1.1.4": "Invented text four.",
    "1.2.1": "Invented text 1.2.1.",
    "1.2.2": "Invented text 1.2.2.",
    "1.2.3": "Invented text 1.2.3.",
    "1.5.1": "Invented text 1.5.1.",
    "1.5.2": "Invented text 1.5.2.",
    "1.10.1": "Invented text 1.10.1.",
}


@pytest.fixture(autouse=True)
def _only_shipped_encodings(monkeypatch):
    """Summaries and sectors are reused from the shipped NG225 encoding, never from a user's own directories."""
    monkeypatch.delenv(catalogue.ENV_VAR, raising=False)


def structure(bat: NiceBat) -> dict:
    """What an import takes from the tool, as plain data: sections with their recommendations, text and years."""
    return {
        "sections": [(s.id, s.title) for s in bat.sections],
        "ids": bat.ids,
        "text": {r.id: r.text for r in bat.recommendations},
        "years": {r.id: r.year for r in bat.recommendations},
        "section_of": {r.id: s.id for s in bat.sections for r in s.recommendations},
    }


STANDARD = {
    "sections": STANDARD_SECTIONS,
    "ids": STANDARD_IDS,
    "text": STANDARD_TEXT,
    "years": {**{i: "2022" for i in STANDARD_IDS}, "1.1.2": "2004, amended 2022", "1.1.4": "2011"},
    "section_of": {i: ".".join(i.split(".")[:2]) for i in STANDARD_IDS},
}


# --- reading the structure -------------------------------------------------------------------------------------


def test_reads_a_standard_tool_exactly(tmp_path):
    bat = read_bat(build_bat(tmp_path / "bat.xlsx"))
    assert structure(bat) == STANDARD
    assert (bat.guideline, bat.title) == ("NG225", "Self-harm: assessment, management and preventing recurrence")
    assert (bat.published, bat.updated, bat.version) == ("2022-09-07", None, "2022-09-07")
    assert (bat.sheet, bat.header_row) == ("Data sheet", 2)
    assert bat.columns == {key: i for i, (key, _) in enumerate(NICE_COLUMNS, start=1)}
    consent = bat.sections[1]
    assert [(s.title, s.recommendations) for s in consent.subsections] == [
        ("Invented sub-heading A", ["1.2.1", "1.2.2"]),
        ("Invented sub-heading B — Invented sub-sub-heading", ["1.2.3"]),
    ]
    assert bat.explanatory_rows == [4]
    assert bat.duplicates == [] and bat.notes == []


ADAPTED = {
    "renamed headers": dict(rename={
        "text": "Recommendation text", "number": "Rec no.", "year": "Year", "relevant": "Relevant to us? (Y/N/P)",
        "evidence": "Current activity / evidence", "meets": "Do we meet it?", "action": "Action required",
        "risk": "Risks", "deadline": "Target date", "owner": "Lead", "completed_by": "Completed by (name)",
    }),
    "number header renamed beyond recognition": dict(rename={"number": "Ref"}),
    "extra columns, one before the number": dict(extra_columns=[
        (1, "Local notes", {"1.1.1": "an invented note"}), (13, "Progress update", {"1.2.1": "On track"}),
        (20, "RAG", {"1.1.1": "Amber"}),
    ]),
    "hidden columns": dict(hide=["year", "cost", "capacity"]),
    "merged heading rows": dict(merge_headings=True),
    "merged answer cells": dict(merge_answers=[("action", "1.1.1", "1.1.3"), ("owner", "1.5.1", "1.5.2")]),
    "fills removed": dict(fills=False),
    "no Introduction sheet left": dict(introduction=False),
}


@pytest.mark.parametrize("options", ADAPTED.values(), ids=ADAPTED.keys())
def test_reading_survives_what_nice_tells_users_to_do(tmp_path, options):
    bat = read_bat(build_bat(tmp_path / "bat.xlsx", **options))
    assert structure(bat) == STANDARD
    assert bat.guideline == "NG225"


def test_renamed_and_extra_columns_are_found_by_meaning(tmp_path):
    path = build_bat(tmp_path / "bat.xlsx", **ADAPTED["renamed headers"],
                     extra_columns=[(1, "Local notes", {}), (14, "Progress", {})], hide=["cost"])
    bat = read_bat(path)
    letters = {key: bat.column_letter(key) for key in ("text", "number", "year", "relevant", "meets", "owner", "deadline")}
    assert letters == {"text": "A", "number": "C", "year": "D", "relevant": "E", "meets": "G", "owner": "M",
                       "deadline": "L"}
    assert bat.hidden_columns == [10]
    assert bat.notes == ["column B ('Local notes') is not part of NICE's format: ignored"]


def test_without_fills_headings_are_told_apart_by_shape(tmp_path):
    bat = read_bat(build_bat(tmp_path / "bat.xlsx", fills=False))
    assert [s.title for s in bat.sections[1].subsections] == ["Invented sub-heading A", "Invented sub-sub-heading"]
    assert bat.explanatory_rows == [4]


def test_dates_updated_two_cell_and_title(tmp_path):
    bat = read_bat(build_bat(tmp_path / "a.xlsx", updated="12 March 2024"))
    assert (bat.published, bat.updated, bat.version) == ("2022-09-07", "2024-03-12", "2024-03-12")
    bat = read_bat(build_bat(tmp_path / "b.xlsx", published=("Published:", dt.datetime(2022, 9, 7))))
    assert bat.published == "2022-09-07"
    bat = read_bat(build_bat(tmp_path / "c.xlsx", guideline="NG999", title="an invented topic: care"))
    assert (bat.guideline, bat.title) == ("NG999", "An invented topic: care")


def test_rows_without_a_heading_and_out_of_order_are_noted(tmp_path):
    rows = [rec("1.1.2"), rec("1.1.1"), section("1.3 Invented heading"), rec("1.3.1"), blank(), rec("1.4.1")]
    bat = read_bat(build_bat(tmp_path / "bat.xlsx", rows))
    assert bat.ids == ["1.1.1", "1.1.2", "1.3.1", "1.4.1"]
    assert [(s.id, s.title) for s in bat.sections] == [("1.1", None), ("1.3", "Invented heading"), ("1.4", None)]
    assert "recommendation 1.1.2 (row 3) has no section heading row for 1.1" in bat.notes
    assert any("not in recommendation order" in n for n in bat.notes)


def test_a_section_heading_without_its_number_is_used_by_its_fill(tmp_path):
    from .nice_bat_builder import subsubheading

    rows = [section("1.1 Invented first"), rec("1.1.1"), subsubheading("Invented unnumbered heading"),
            subheading("Invented sub"), rec("1.2.1"), rec("1.2.2"), subsubheading("Invented sub-sub"), rec("1.2.3")]
    bat = read_bat(build_bat(tmp_path / "bat.xlsx", rows))
    assert [(s.id, s.title) for s in bat.sections] == [("1.1", "Invented first"), ("1.2", "Invented unnumbered heading")]
    assert [(s.title, s.recommendations) for s in bat.sections[1].subsections] == [
        ("Invented sub", ["1.2.1", "1.2.2"]), ("Invented sub — Invented sub-sub", ["1.2.3"])]
    assert bat.sections[0].subsections == []
    assert bat.notes == ["section 1.2 has no numbered heading; row 5 above its first recommendation is used"]


def test_column_meanings_of_nice_headers():
    assert {key: column_meaning(header) for key, header in NICE_COLUMNS} == {key: key for key, _ in NICE_COLUMNS}
    assert column_meaning("Action owner") == "owner"
    assert column_meaning("Deadline for action") == "deadline"
    assert column_meaning("Action status") == "progress"
    assert column_meaning("Local notes") is None


@pytest.mark.parametrize("raw, expected", [
    ("Do this:\n• one\n• two", "Do this:\n• one\n• two"),
    ("Do this: • one • two", "Do this:\n• one\n• two"),
    ("Do this:\r\n\uf0b7 one\r\n\uf0b7\ttwo", "Do this:\n• one\n• two"),
    ("Line one_x000D_\nline  two\xa0end\n\n", "Line one\nline two end"),
    ("  spaced\tout  ", "spaced out"),
    ("bad\x07char", "badchar"),
    (None, ""),
])
def test_normalise_text(raw, expected):
    assert normalise_text(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("Published: 7 September 2022", dt.date(2022, 9, 7)),
    ("Updated: 21st Sept 2023", dt.date(2023, 9, 21)),
    ("2024-03-12", dt.date(2024, 3, 12)),
    ("12/03/2024", dt.date(2024, 3, 12)),
    (dt.datetime(2022, 9, 7), dt.date(2022, 9, 7)),
    ("September 2022", None),
    ("31 February 2022", None),
    ("soon", None),
])
def test_parse_nice_date(raw, expected):
    assert parse_nice_date(raw) == expected


def test_parse_title():
    assert parse_title("Baseline assessment tool for self-harm: a b (NG225)") == ("NG225", "Self-harm: a b")
    assert parse_title("Baseline assessment tool for something") == (None, None)


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


# --- LibreOffice --------------------------------------------------------------------------------------------------


@needs_soffice
def test_a_tool_resaved_by_libreoffice_reads_the_same(tmp_path):
    source = build_bat(tmp_path / "bat.xlsx", merge_headings=True, hide=["cost"], rows=standard_rows())
    resaved = convert(source, tmp_path / "lo")
    bat = read_bat(resaved)
    assert structure(bat) == STANDARD
    assert [s.title for s in bat.sections[1].subsections] == [
        "Invented sub-heading A", "Invented sub-heading B — Invented sub-sub-heading"]
    assert bat.hidden_columns == [9]


def test_builder_keeps_nice_header_spaces(tmp_path):
    """The format facts say two headers end with a space; the reader must not depend on it either way."""
    from openpyxl import load_workbook

    ws = load_workbook(build_bat(tmp_path / "bat.xlsx"))["Data sheet"]
    headers = [c.value for c in ws[2]]
    assert [h for h in headers if h.endswith(" ")] == [dict(NICE_COLUMNS)["evidence"], dict(NICE_COLUMNS)["cost"]]
    assert Path(tmp_path / "bat.xlsx").exists()


# --- a filled-in NICE tool as an agency return -----------------------------------------------------------------

from functools import partial  # noqa: E402

from baseline import workflow  # noqa: E402
from baseline.assessment import Choice, Status, YesNo  # noqa: E402
from baseline.config import AgencyMap, load_agency_map  # noqa: E402
from baseline.workflow import validate_files  # noqa: E402
from baseline.xlsx.returns import read_return  # noqa: E402


def read_nice_return(path, agency, sectors=()):
    """A filled-in NICE tool read as `agency`'s return (what --as-agency does)."""
    return read_return(path, agencies=AgencyMap.single(agency, sectors) if agency else None)

from .cases.builders import put, save  # noqa: E402
from .nice_bat_builder import cell_of  # noqa: E402


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
    assert "`--as-agency NAME` (one file) or `--agency-map FILE.yaml`" in result.report.issues[1].message
    assert result.agency_return is None
    mapped = read_return(path, agencies=AgencyMap([("other*.xlsx", AgencyAssignment("Other"))], "map.yaml"))
    assert "the agency map map.yaml has no pattern matching this file name" in mapped.report.issues[1].message
    wrong_sector = read_nice_return(path, "North Council", ["astrology"])
    assert wrong_sector.report.issues[1].code == "agency-unknown"
    assert "The sector(s) 'astrology' given for North Council are not in NG225@2022-09-07's list" in \
        wrong_sector.report.issues[1].message


def test_agency_map_patterns_and_problems(tmp_path, write_yaml):
    path = write_yaml({
        "north-council*.xlsx": {"agency": "North  Council", "sector": "social_care"},
        "returns/*schools*": {"agency": "North Schools", "sectors": ["education", "voluntary_sector"]},
    }, "map.yaml")
    agencies = load_agency_map(path)
    assert agencies.for_path("/x/NORTH-COUNCIL v2.xlsx") == AgencyAssignment("North Council", ("social_care",))
    assert agencies.for_path("/y/returns/the-schools.xlsx").sectors == ("education", "voluntary_sector")
    assert agencies.for_path("/y/elsewhere/the-schools.xlsx") is None
    assert agencies.extended(AgencyMap.single("Anyone")).for_path("z.xlsx").agency == "Anyone"

    bad = write_yaml({
        "a.xlsx": {"agency": " ", "sector": "x"},
        "b.xlsx": {"agency": "B", "sector": "x", "sectors": ["y"]},
        "c.xlsx": {"agency": "C", "colour": "red"},
    }, "bad.yaml")
    with pytest.raises(BaselineError) as caught:
        load_agency_map(bad)
    assert [(p.path, p.message) for p in caught.value.problems] == [
        ("a.xlsx.agency", "must not be empty"),
        ("b.xlsx", "give sector or sectors, not both"),
        ("c.xlsx.colour", "unknown key (not part of the format; check the spelling)"),
    ]


def our_own_return(tmp_path: Path, guideline, agency: str, sectors: list[str], answers: dict[str, dict]) -> Path:
    from baseline.xlsx.agency.writer import build_agency_workbook

    wb = build_agency_workbook(guideline, agency=agency, sectors=sectors, area="Northshire",
                               generated_at=dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.timezone.utc))
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
    agency_map = write_yaml({"council.xlsx": {"agency": "North Council", "sector": "social_care"}}, "agencies.yaml")
    result = run("validate", ours, nice, "--agency-map", agency_map, "--format", "json")
    assert result.exit_code == 0, result.stdout
    expected = validate_files([ours, nice], agency_map=load_agency_map(agency_map)).to_dict()
    assert json.loads(result.stdout) == json.loads(json.dumps(expected))
    files = json.loads(result.stdout)["files"]
    assert [(f["agency"], f["valid"]) for f in files] == [("North CAMHS", True), ("North Council", True)]
    assert [i["code"] for i in files[1]["issues"]] == ["deadline-as-text"]

    one = run("validate", nice, "--as-agency", "North Council", "--sector", "social_care", "--format", "json")
    assert one.exit_code == 0 and json.loads(one.stdout)["files"][0]["agency"] == "North Council"
    nameless = run("validate", nice)
    assert nameless.exit_code == 1 and "agency-unknown" in nameless.stdout
    usage = run("validate", nice, "--sector", "social_care")
    assert usage.exit_code == 2 and "--sector goes with --as-agency" in usage.stderr
    bad_map = write_yaml({"x": {"agency": "A", "sector": 3}}, "bad.yaml")
    broken = run("validate", nice, "--agency-map", bad_map)
    assert broken.exit_code == 1 and broken.stderr.startswith(f"Error: {bad_map} is not a valid agency map")


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
