"""xlsx/nice/structure.py and layout.py: the structure of NICE's baseline assessment tool, read by meaning."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from baseline import catalogue
from baseline.checks import find_date as parse_nice_date
from baseline.xlsx.nice.layout import column_meaning, normalise_text, parse_title
from baseline.xlsx.nice.structure import read_bat

from .libreoffice import convert, needs_soffice
from .nice_bat_builder import (
    NICE_COLUMNS,
    STANDARD,
    blank,
    build_bat,
    rec,
    section,
    standard_rows,
    structure,
    subheading,
)


@pytest.fixture(autouse=True)
def _only_shipped_encodings(monkeypatch):
    """Summaries and sectors are reused from the shipped NG225 encoding, never from a user's own directories."""
    monkeypatch.delenv(catalogue.ENV_VAR, raising=False)



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
