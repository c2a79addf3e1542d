"""xlsx/package.py: raw parts of a workbook; ONE walker over an ODS content.xml, for formulas and merged ranges
alike, reading the part through the bounded, DTD-refusing path of untrusted.py."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from baseline.xlsx.package import formula_cells, ods_merged_ranges
from baseline.xlsx.untrusted import ODS_MIMETYPE, FileRefused, check_untrusted

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
