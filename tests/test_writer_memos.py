"""What xlsxwriter work the writers keep from one workbook to the next (formats, prepared formulas, safe texts,
shared strings' XML: sheets.py, agency/writer.py) never changes a workbook: one built after others, with every memo
warm, is byte for byte the one built first, with every memo empty."""

from __future__ import annotations

import datetime as dt

from baseline import catalogue
from baseline.assessment import Answer, Choice
from baseline.xlsx import sheets
from baseline.xlsx.agency import writer
from baseline.xlsx.agency.writer import build_agency_workbook

AT = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.timezone.utc)


def _forget_everything() -> None:
    for memo in (sheets._RememberingWorksheet._prepared, sheets._RememberingWorksheet._ordinary,
                 sheets._RememberingSharedStrings._elements, sheets._FormatTable._made, writer._SAFE_TEXTS):
        memo.clear()


def test_a_workbook_built_with_warm_memos_is_the_one_built_with_none():
    guideline = catalogue.load("NG225")
    rec = guideline.recommendations[0].id
    # Texts that need care (a formula-looking answer, quoted; whitespace kept), a prefilled answer and a blank one.
    prefill = {rec: Answer(rec, relevant=Choice.YES, meets=Choice.PARTIAL, evidence="=SUM(A1) and more",
                           action="  padded  ", owner="A. Owner")}
    first = dict(agency="=Agency & Co", sectors=["mental_health"], area="North", generated_at=AT, prefill=prefill)
    others = [dict(agency="Other", sectors=["education", "acute_care"], area="South", generated_at=AT),
              dict(agency="Third", sectors=["mental_health"], generated_at=AT, all_recommendations=True)]
    _forget_everything()
    cold = build_agency_workbook(guideline, **first)
    assert sheets._FormatTable._made and writer._SAFE_TEXTS and sheets._RememberingSharedStrings._elements
    for keywords in others:
        build_agency_workbook(guideline, **keywords)
    assert build_agency_workbook(guideline, **first) == cold
    _forget_everything()
    assert build_agency_workbook(guideline, **others[1]) == build_agency_workbook(guideline, **others[1])
