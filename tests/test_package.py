"""xlsx/package.py: raw parts of a workbook; ONE walker over an ODS content.xml, for formulas and merged ranges
alike, reading the part through the bounded, DTD-refusing path of untrusted.py."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baseline.xlsx import package
from baseline.xlsx.package import defined_names, formula_cells, last_saved, ods_merged_ranges, parse_saved_time
from baseline.xlsx.returns import read_return
from baseline.xlsx.untrusted import ODS_MIMETYPE, FileRefused, check_untrusted

from .cases.builders import new_workbook, save
from .cases.tracker_folder import set_last_saved
from .libreoffice import convert, needs_soffice

NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
      'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"')
SHEETS = f"""<office:document-content {NS}><office:body><office:spreadsheet>
<table:table table:name="Other"><table:table-row><table:table-cell table:formula="of:=1+1"/></table:table-row>
</table:table>
<table:table table:name="Assessment">
 <table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="3"/></table:table-row>
 <table:table-row>
  <table:table-cell table:number-rows-spanned="2" table:number-columns-spanned="1"/>
  <table:table-cell table:formula="of:=SUM([.A1:.A2])" table:number-columns-repeated="2"/>
  <table:table-cell table:formula="of:=TRUE()"/>
 </table:table-row>
 <table:table-row><table:covered-table-cell/><table:table-cell table:number-columns-spanned="2"/>
  <table:covered-table-cell/></table:table-row>
</table:table></office:spreadsheet></office:body></office:document-content>"""


def ods(path: Path, content: str) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", ODS_MIMETYPE)
        archive.writestr("content.xml", content)
    return path


def test_one_walker_finds_formulas_and_merged_ranges_of_one_sheet(tmp_path):
    with check_untrusted(ods(tmp_path / "a.ods", SHEETS)) as checked:
        # Row 3 (0-based 2): a repeated formula counts for each column; LibreOffice's TRUE() is not a formula.
        assert formula_cells(checked, "Assessment") == {(2, 1): "=SUM([.A1:.A2])", (2, 2): "=SUM([.A1:.A2])"}
        assert ods_merged_ranges(checked, "Assessment") == [((2, 0), (3, 0)), ((3, 1), (3, 2))]
        assert formula_cells(checked, "Other") == {(0, 0): "=1+1"}
        assert ods_merged_ranges(checked, "Missing") == []


def test_a_dtd_in_content_xml_is_refused_before_the_walker_runs(tmp_path):
    bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>' + SHEETS
    with pytest.raises(FileRefused) as info:
        check_untrusted(ods(tmp_path / "bomb.ods", bomb))
    assert info.value.code == "unsafe-file"


def test_a_damaged_content_xml_is_an_unreadable_file(tmp_path):
    with check_untrusted(ods(tmp_path / "cut.ods", SHEETS[:300])) as checked:
        with pytest.raises(FileRefused) as info:
            ods_merged_ranges(checked, "Assessment")
    assert info.value.code == "unreadable-file"


# --- last saved ---------------------------------------------------------------------------------------------------

META = """<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0">
<office:meta><meta:creation-date>2026-11-01T09:00:00</meta:creation-date><dc:date>{}</dc:date></office:meta>
</office:document-meta>"""


@pytest.mark.parametrize("text, expected", [
    ("2027-01-26T09:05:00Z", dt.datetime(2027, 1, 26, 9, 5, tzinfo=dt.timezone.utc)),  # Excel, openpyxl
    ("2027-01-26T09:05:00.123456789", dt.datetime(2027, 1, 26, 9, 5, 0, 123456)),  # LibreOffice: nanoseconds, no zone
    ("2027-01-26T10:05:00+01:00", dt.datetime(2027, 1, 26, 9, 5, tzinfo=dt.timezone.utc)),
    (" 2027-01-26T09:05Z ", dt.datetime(2027, 1, 26, 9, 5, tzinfo=dt.timezone.utc)),
    ("2027-02-30T09:05:00Z", None),  # no such day
    ("last Tuesday", None),
    ("", None),
    (None, None),
])
def test_saved_times_as_office_files_write_them(text, expected):
    assert parse_saved_time(text) == expected


def test_last_saved_of_an_xlsx_and_an_ods_from_their_own_properties(tmp_path):
    xlsx = save(new_workbook(), tmp_path / "a.xlsx")
    set_last_saved(xlsx, dt.datetime(2027, 1, 12, 16, 30, tzinfo=dt.timezone.utc))
    with check_untrusted(xlsx) as checked:
        assert last_saved(checked) == dt.datetime(2027, 1, 12, 16, 30, tzinfo=dt.timezone.utc)
    path = ods(tmp_path / "b.ods", SHEETS)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("meta.xml", META.format("2027-01-26T09:05:00.5"))
    with check_untrusted(path) as checked:
        assert last_saved(checked) == dt.datetime(2027, 1, 26, 9, 5, 0, 500000)
    with check_untrusted(ods(tmp_path / "c.ods", SHEETS)) as checked:
        assert last_saved(checked) is None  # no meta.xml: the time is unknown, never guessed


def test_read_return_carries_the_last_saved_time_and_round(tmp_path):
    path = save(new_workbook(round="2027"), tmp_path / "a.xlsx")
    set_last_saved(path, dt.datetime(2027, 1, 12, 16, 30, tzinfo=dt.timezone.utc))
    result = read_return(path)
    assert result.agency_return.last_saved == dt.datetime(2027, 1, 12, 16, 30, tzinfo=dt.timezone.utc)
    assert (result.agency_return.area, result.agency_return.round) == ("Northshire", "2027")


@needs_soffice
@pytest.mark.parametrize("target", ["xlsx", "ods"])
def test_the_last_saved_time_survives_a_libreoffice_conversion(tmp_path, target):
    """LibreOffice converting a file keeps its document properties (an interactive save stamps its own time):
    read from docProps/core.xml of its .xlsx, or meta.xml of its .ods (where the zone may be left out)."""
    path = save(new_workbook(), tmp_path / "a.xlsx")
    set_last_saved(path, dt.datetime(2027, 1, 12, 16, 30, tzinfo=dt.timezone.utc))
    saved = read_return(convert(path, tmp_path / "lo", target)).agency_return.last_saved
    assert saved.replace(tzinfo=None) == dt.datetime(2027, 1, 12, 16, 30)
    assert saved.tzinfo in (None, dt.timezone.utc)


@pytest.mark.parametrize("text, target", [
    ("'_baseline'!$B$3", ("_baseline", "B3")), ("Sheet1!c7", ("Sheet1", "C7")), ("'It''s'!$AA$10", ("It's", "AA10")),
    ("'_baseline'!$B$3:$B$4", ("", "'_baseline'!$B$3:$B$4")), ("#REF!", ("", "#REF!")), ("", ("", "")),
])
def test_a_defined_name_points_at_one_cell_each_time_it_is_read(tmp_path, text, target):
    workbook = tmp_path / "names.xlsx"
    with zipfile.ZipFile(workbook, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                                            f'main"><definedNames><definedName name="baseline_area">{escape(text)}'
                                            '</definedName><definedName name="other">A1</definedName></definedNames>'
                                            '</workbook>')
    for _ in range(2):  # the second time from what the first worked out
        with check_untrusted(workbook) as checked:
            assert defined_names(checked) == {"area": target}


_SHEET_HEAD = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


@pytest.mark.parametrize("body", [
    b"<sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c></row></sheetData>",
    b"<sheetData><row r=\"1\"><c r=\"A1\"><f>1+1</f><v>2</v></c></row></sheetData>",
    b"<sheetData><row r=\"1\" customFormat=\"false\"><c r=\"A1\"><v>1</v></c></row></sheetData>",
    b"<sheetData><row><c><f/></c></row></sheetData><sheetData/>",
    b"<sheetPr filterMode=\"false\"/><sheetData><row><c><v>1</v></c></row></sheetData><f/>",
    b"<f/><sheetData><row><c><v>1</v></c></row></sheetData>",
    b"<x<f/sheetData><row><c><v>1</v></c></row></sheetData>",
    b"<row><c><f>1</f></c></row>",
    b"",
])
def test_the_formula_look_splits_its_search_without_changing_its_answer(body):
    raw = _SHEET_HEAD + body + b"</worksheet>"
    end = raw.rfind(b"sheetData>")
    end = len(raw) if end < 0 else end
    assert package._may_hold_formulas(raw) == (package._F_START.search(raw, 0, end) is not None)


@given(st.lists(st.sampled_from([b"<f", b"f", b"<", b"sheetData", b"sheetData>", b"<c>", b"s", b" ", b">", b"/"]),
                max_size=12))
def test_the_formula_look_answers_as_one_search_would_whatever_the_pieces(pieces):
    raw = _SHEET_HEAD + b"".join(pieces)
    end = raw.rfind(b"sheetData>")
    end = len(raw) if end < 0 else end
    assert package._may_hold_formulas(raw) == (package._F_START.search(raw, 0, end) is not None)
