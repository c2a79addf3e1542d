"""Text from people is written as text and read back exactly as typed, whichever writer wrote it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from baseline import catalogue
from baseline.assessment import Answer, Choice
from baseline.xlsx.agency.writer import write_agency_workbook
from baseline.xlsx.returns import read_return
from baseline.xlsx.sheets import StreamFormats, StreamSheet, stream_workbook
from tests.cases.openpyxl_cells import write_text

# "<r>…</r>" is how xlsxwriter spells its own rich text: written naively it would go into the XML unescaped.
STREAM_TRICKY = ["<r><t>x</t></r>", "<r>&amp;</r>", "a & b < c"]
TRICKY = ["budget_x2024_v2", "_x0041_", "a _x005F_ b", "=SUM(A1:A2)", "+44 20 7946 0000", "-", "@risk", "ünïcødé ✓"]


@pytest.mark.parametrize("text", TRICKY)
def test_write_text_reads_back_as_typed(tmp_path, text):
    workbook = openpyxl.Workbook()
    write_text(workbook.active["A1"], text)
    assert workbook.active["A1"].data_type == "s"
    path = tmp_path / "t.xlsx"
    workbook.save(path)
    assert CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python() == [[text]]


def test_escape_like_text_survives_a_return(tmp_path):
    guideline = catalogue.load("NG225")
    path = tmp_path / "r.xlsx"
    answers = {"1.1.1": Answer("1.1.1", Choice.YES, Choice.PARTIAL, evidence="see budget_x2024_v2",
                               action="_x0041_ review", owner="Lead", deadline=dt.date(2027, 1, 1))}
    write_agency_workbook(path, guideline, agency="A", sectors=["education"], prefill=answers)
    answer = read_return(path).agency_return.answers["1.1.1"]
    assert (answer.evidence, answer.action) == ("see budget_x2024_v2", "_x0041_ review")


def _streamed(path, texts: list[str]):
    """Each text streamed into its own row of column A (style "text", wrapped)."""
    with stream_workbook(path) as workbook:
        sheet = StreamSheet(workbook, "S", StreamFormats(workbook, {"text": {"text_wrap": True}}), frozenset({"text"}))
        sheet.width(1, 10)
        for row, text in enumerate(texts, start=1):
            sheet.text(row, 1, text, "text")
    return path


def test_streamed_text_reads_back_as_typed(tmp_path):
    texts = TRICKY + STREAM_TRICKY
    path = _streamed(tmp_path / "s.xlsx", texts)
    assert CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python() == [[t] for t in texts]
    cells = [row[0] for row in openpyxl.load_workbook(path)["S"].iter_rows()]  # (openpyxl leaves _x005F_ as is)
    assert len(cells) == len(texts) and all(c.data_type == "s" for c in cells)
    # formula-looking text carries the quote prefix, so Excel keeps it text on edit; other text does not
    assert {c.value for c in cells if c.quotePrefix} == {"=SUM(A1:A2)", "+44 20 7946 0000", "-", "@risk"}


def test_streamed_text_is_cleaned_checked_and_sizes_its_row(tmp_path):
    path = _streamed(tmp_path / "s.xlsx", ["one\x00two", "x" * 35, "short"])
    ws = openpyxl.load_workbook(path)["S"]
    assert ws["A1"].value == "onetwo"  # the control character is gone (text.clean_text), not escaped
    assert ws.row_dimensions[2].height == pytest.approx(4 * 15 + 2, abs=1)  # 35 characters, 10 wide: 4 lines (xlsxwriter rounds to pixels)
    assert ws.row_dimensions[3].height is None
    with stream_workbook(tmp_path / "long.xlsx") as workbook:
        sheet = StreamSheet(workbook, "S", StreamFormats(workbook, {"text": {}}))
        with pytest.raises(ValueError, match="exceeds Excel's cell limit"):
            sheet.text(1, 1, "x" * 40_000, "text")
        sheet.text(2, 1, "next", "text")
        with pytest.raises(ValueError, match="top to bottom"):
            sheet.text(1, 1, "late", "text")  # a streamed row is on disk already: going back is a bug, never silent


def test_a_streamed_workbook_that_cannot_be_saved_raises_the_os_error_and_leaves_no_row_file(tmp_path):
    with pytest.raises(OSError):  # what atomic_write turns into "cannot write <file>"
        with stream_workbook(tmp_path / "no such folder" / "s.xlsx") as workbook:
            sheet = StreamSheet(workbook, "S", StreamFormats(workbook, {"text": {}}))
            sheet.text(1, 1, "x", "text")
    assert sheet.ws.row_data_fh.closed and not Path(sheet.ws.row_data_filename).exists()
