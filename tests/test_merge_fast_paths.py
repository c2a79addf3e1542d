"""What the speed work on merge must not change: texts a StreamSheet remembers (the merged writer's) are written
exactly as those it does not, the plan built in one pass equals the plan built and linked row by row, and the merged
assessment drops only the cell positions of the answers."""

from __future__ import annotations

import datetime as dt
import pickle
import zipfile
from dataclasses import replace

import pytest

from baseline import catalogue
from baseline.actions import MAX_LINKS, action_id, build_plan, link_actions
from baseline.assessment import ActionStatus, Answer, Choice, YesNo
from baseline.merge import merge_returns
from baseline.xlsx.sheets import REMEMBERED_LENGTH, StreamFormats, StreamSheet, stream_workbook

from .factories import make_return

STYLES = {"wrapped": {"text_wrap": True}, "plain": {}}
# Each kind of text StreamSheet.text treats specially, short (remembered) and long (not): formula-looking text is
# quote-prefixed, characters XML cannot hold are removed, xlsxwriter's own rich-text spelling is split, "_xHHHH_"
# is escaped, line breaks and widths size the row.
SHORT = ["North CAMHS", "=SUM(A1:A2)", "+44 20", "-", "@risk", "a\x01b\x0bc", "<r><t>x</t></r>", "_x0041_",
         "two\nlines", "exactly ten", "0123456789", "01234567890", " padded ", "ünïcødé ✓", "\x02=1+1"]
LONG = ["x" * (REMEMBERED_LENGTH + 1), "=" + "y" * 150, "words " * 40 + "\n" + "more " * 30]


def _sheet_xml(path, remember: bool) -> dict[str, bytes]:
    with stream_workbook(path) as workbook:
        formats = StreamFormats(workbook, STYLES)
        known: dict | None = {} if remember else None
        for title in ("One", "Two"):  # texts remembered on one sheet are written again on the next
            sheet = StreamSheet(workbook, title, formats, frozenset({"wrapped"}), known)
            sheet.width(1, 10)  # column 2 keeps the default width
            row = 0
            for rep in range(3):  # first sight, then remembered; the last time as a text written once only
                for text in SHORT + LONG + ["", None]:
                    for style in STYLES:
                        for column in (1, 2):  # a row each: one cell's height never hides another's
                            row += 1
                            sheet.text(row, column, text, style, unique=remember and rep == 2)
            sheet.fit_rows()
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist() if name.startswith("xl/worksheets/")}


def test_remembered_texts_are_written_exactly_as_stream_sheet_writes_them(tmp_path):
    expected = _sheet_xml(tmp_path / "stream.xlsx", remember=False)
    assert _sheet_xml(tmp_path / "merged.xlsx", remember=True) == expected
    assert len(expected) == 2 and all(b"quotePrefix" not in xml for xml in expected.values())  # styles hold it
    assert b"customHeight" in expected["xl/worksheets/sheet1.xml"]  # the rows were sized: the test sees heights


def test_a_text_too_long_is_refused_the_first_time_and_every_time(tmp_path):
    with pytest.raises(ValueError, match="cell limit"):
        with stream_workbook(tmp_path / "t.xlsx") as workbook:
            sheet = StreamSheet(workbook, "S", StreamFormats(workbook, STYLES), frozenset(), {})
            sheet.text(1, 1, "z" * 40_000, "plain")


@pytest.fixture(scope="module")
def ng225():
    return catalogue.load("NG225")


def _linked_returns(ng225):
    """More than MAX_LINKS agencies acting on one recommendation, and one agency's same action on several."""
    returns = []
    for n in range(MAX_LINKS + 3):
        answers = {"1.1.1": Answer("1.1.1", Choice.YES, Choice.PARTIAL, action=f"Plan {n}", owner="Lead",
                                   deadline=dt.date(2027, 1, 1 + n), risk=YesNo.YES if n % 2 else None)}
        if n < 2:
            for rec in ("1.1.2", "1.1.3"):
                answers[rec] = Answer(rec, Choice.YES, Choice.NO, action="  Train  STAFF ", owner="",
                                      deadline_text="end of Q3", action_status=ActionStatus.IN_PROGRESS)
        returns.append(make_return(ng225, f"Agency {n:02d}", answers, sectors=["*"]))
    return returns


def test_the_plan_built_in_one_pass_equals_the_plan_linked_row_by_row(ng225):
    assessment = merge_returns(ng225, _linked_returns(ng225))
    day = dt.date(2027, 2, 1)
    plan = build_plan(assessment, last_updated=day)
    unlinked = [replace(row, links=(), more_links=0) for row in plan]
    assert link_actions(unlinked) == plan
    assert [replace(row, last_updated=None) for row in plan] == build_plan(assessment)
    assert all(row.last_updated == day for row in plan)
    assert all(row.action_id == action_id(row.agency, row.recommendation) for row in plan)  # codes made once each
    first = plan[0]
    assert len(first.links) == MAX_LINKS and first.more_links == 2  # 22 others on 1.1.1: 20 named, 2 more
    trained = [row for row in plan if row.action.strip() == "Train  STAFF"]
    assert len(trained) == 4 and all(len(row.links) == 2 for row in trained)  # same recommendation + same text


def test_the_merged_assessment_drops_only_where_the_answers_were_read_from(ng225):
    returns = _linked_returns(ng225)
    for r in returns:
        for rec_id, answer in list(r.answers.items()):
            r.answers[rec_id] = replace(answer, cells={"evidence": "F7"})
    assessment = merge_returns(ng225, returns)
    merged = [answer for result in assessment.results for answer in result.answers.values()]
    assert merged and all(answer.cells == {} for answer in merged)
    originals = [answer for r in returns for answer in r.answers.values()]
    assert all(answer.cells == {"evidence": "F7"} for answer in originals)  # the returns themselves are untouched
    by_agency = {r.agency: r for r in returns}
    assert all(answer == by_agency[agency].answers[result.recommendation]  # cells are not part of equality
               and answer.evidence == by_agency[agency].answers[result.recommendation].evidence
               for result in assessment.results for agency, answer in result.answers.items())


def test_a_slotted_answer_crosses_between_processes_whole():
    """Answers are slotted (memory); the reading pool sends them between processes by pickle."""
    answer = Answer("1.1.1", Choice.YES, Choice.PARTIAL, evidence="=1+1", action="Audit", owner="Lead",
                    deadline=dt.date(2027, 1, 31), deadline_text="", action_status=ActionStatus.IN_PROGRESS,
                    risk=YesNo.YES, completed_by="A. Lee", cells={"evidence": "F7"})
    back = pickle.loads(pickle.dumps(answer))
    assert back == answer and back.cells == {"evidence": "F7"} and back.deadline == dt.date(2027, 1, 31)
    assert not hasattr(answer, "__dict__")


def test_the_merge_taking_each_return_in_turn_is_the_merge_per_recommendation(ng225):
    """merge_returns walks each return's answers once: each recommendation still gets its answers in agency order
    (by name, whatever order the files came in), only from the returns that list it, and nothing of an answer to a
    recommendation the encoding does not have."""
    sectors = [["mental_health"], ["education"], ["*"], ["social_care", "commissioning"], ["primary_care"]]
    names = ["school", "North CAMHS", "ambulance trust", "Alpha ICB", "GP Federation"]
    returns = [make_return(ng225, name, sectors=where) for name, where in zip(names, sectors)]
    returns[1].answers["9.9.9"] = Answer("9.9.9", Choice.YES, Choice.YES)
    returns[2].answers[ng225.recommendations[0].id] = Answer(ng225.recommendations[0].id, Choice.YES,
                                                             cells={"relevant": "D5"})
    assessment = merge_returns(ng225, returns)
    ordered = sorted(returns, key=lambda r: r.agency.casefold())
    expected = [(rec.id, section.id, [(r.agency, r.answers[rec.id]) for r in ordered if rec.id in r.answers])
                for section in ng225.sections for rec in section.recommendations]
    assert [(r.recommendation, r.section, list(r.answers.items())) for r in assessment.results] == expected
    assert len({len(r.answers) for r in assessment.results}) > 1  # recommendations listed by some returns only
    assert all(answer is r.answers[result.recommendation] for result in assessment.results
               for r in returns for agency, answer in result.answers.items() if agency == r.agency
               and not r.answers[result.recommendation].cells)  # cell-less answers are kept, not copied
    assert "9.9.9" not in {r.recommendation for r in assessment.results}
