"""Text from people is written as text and read back exactly as typed, whichever writer wrote it."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from baseline import catalogue
from baseline.assessment import Answer, Choice
from baseline.xlsx.agency.writer import write_agency_workbook
from baseline.xlsx.returns import read_return
from baseline.xlsx.sheets import write_text

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
