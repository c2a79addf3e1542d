"""AnswerRules.plain_answer, the hot path of reading a return (issue 16), is `answer` for the rows it takes: the same
Answer (its cells too), the same issues, the same state for the rest of the return; and it leaves every other row,
untouched, to `answer`. Raw cell values in, built here."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baseline.assessment import ActionStatus, Choice, YesNo
from baseline.checks import VOCABULARIES, AnswerRules
from baseline.xlsx.agency import layout, reader
from baseline.xlsx.agency.reader import read_assessment_table
from baseline.xlsx.cells import cell_ref, cell_text, column_letter, recommendation_id
from tests.cases import builders

COLUMNS = ("relevant", "meets", "evidence", "action", "owner", "deadline", "action_status", "risk", "completed_by")
LABELS = {"relevant": "Relevant?", "meets": "Meets it?", "evidence": "Evidence", "deadline": "Deadline"}

# What cells hold: the drop-down values as listed and as people retype them, text (printable or not, within a
# cell's limit or not), date cells within the years and outside them, dates typed as text, numbers, booleans.
CHOICES = [value for values in VOCABULARIES.values() for value in values]
VALUES = st.one_of(
    st.sampled_from(["", None, " ", "Yes ", "yes", "Y", "n/a", "Partially", "done", "maybe", "No."]),
    st.sampled_from(CHOICES),
    st.text(alphabet=st.sampled_from("ab 1\n\t\x01\xa0Y"), max_size=6),
    st.sampled_from(["x" * 32_767, "x" * 32_768, " " + "x" * 32_767 + " "]),
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2110, 12, 31)),
    st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2110, 12, 31)),
    st.sampled_from(["31/03/2027", "3/14/2027", "03/05/2027", "2027-03-31", "end of Q4", "31 March 2027"]),
    st.integers(-3, 3), st.floats(allow_nan=False, allow_infinity=False), st.booleans(),
)


def _rules(issues: list) -> AnswerRules:
    return AnswerRules(file="f.xlsx", sheet="S", labels=LABELS, add=issues.append, cell_ref=cell_ref)


def _general(rules: AnswerRules, rec_id: str, r: int, row: list, columns: dict[str, int]):
    cells = {key: (row[c] if c < len(row) else "", (r, c)) for key, c in columns.items()}
    return rules.answer(rec_id, cells, cell_text, {key: cell_ref(r, c) for key, c in columns.items()})


def _state(rules: AnswerRules, issues: list) -> tuple:
    return (rules.answered, set(rules._told), rules._month_first, list(rules._either_way),
            [(i.code, i.cell, i.recommendation, i.message) for i in issues])


@given(rows=st.lists(st.lists(VALUES, min_size=9, max_size=9), min_size=1, max_size=4),
       present=st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=9, unique=True),
       width=st.integers(3, 14))
def test_the_fast_path_gives_what_the_general_path_gives(rows, present, width):
    columns = {key: 2 + COLUMNS.index(key) for key in COLUMNS if key in present}  # as the sheet orders them
    fast_issues, general_issues = [], []
    fast, general = _rules(fast_issues), _rules(general_issues)
    for index, values in enumerate(rows):
        r = 5 + index
        row = (["1.1.%d" % index, ""] + values)[:width]  # a short row: the cells past its end are blank
        before = _state(fast, fast_issues)
        refs = {key: column_letter(c) + str(r + 1) for key, c in columns.items()}
        taken = fast.plain_answer("1.1.%d" % index, r, row, columns, refs)
        if taken is None:
            assert _state(fast, fast_issues) == before  # nothing changed: the general path starts afresh
            taken = _general(fast, "1.1.%d" % index, r, row, columns)
        expected = _general(general, "1.1.%d" % index, r, row, columns)
        assert taken == expected and dict(taken.cells) == dict(expected.cells)
        assert _state(fast, fast_issues) == _state(general, general_issues)
    fast.finish()
    general.finish()
    assert _state(fast, fast_issues) == _state(general, general_issues)


PLAIN = {"relevant": "Yes", "meets": "Partial", "evidence": " Policy A ", "action": "Review", "owner": "Lead",
         "deadline": dt.date(2027, 3, 31), "action_status": "In progress", "risk": "No", "completed_by": "Sam"}


def test_a_row_as_the_workbook_gives_it_takes_the_fast_path():
    issues = []
    rules = _rules(issues)
    columns = {key: 3 + i for i, key in enumerate(COLUMNS)}
    row = ["1.1.1", "", ""] + [PLAIN[key] for key in COLUMNS]
    answer = rules.plain_answer("1.1.1", 6, row, columns, {"relevant": "D7"})
    assert answer is not None and rules.answered and issues == []
    assert (answer.relevant, answer.meets, answer.evidence, answer.action, answer.owner, answer.deadline,
            answer.action_status, answer.risk, answer.completed_by) == (
        Choice.YES, Choice.PARTIAL, "Policy A", "Review", "Lead", dt.date(2027, 3, 31), ActionStatus.IN_PROGRESS,
        YesNo.NO, "Sam")
    assert dict(answer.cells) == {"relevant": "D7"}
    blank = rules.plain_answer("1.1.2", 7, ["1.1.2"], columns, {})  # every cell past the row's end: blank
    assert blank is not None and blank.is_blank
    stamped = rules.plain_answer("1.1.3", 8, row[:8] + [dt.datetime(2027, 3, 31, 0, 0)], columns, {})
    assert stamped is not None and stamped.deadline == dt.date(2027, 3, 31)  # a date cell as calamine gives it


@pytest.mark.parametrize("key, value", [
    ("evidence", "x" * 32_767), ("evidence", " " * 40_000), ("deadline", dt.date(2000, 1, 1)),
    ("deadline", dt.date(2100, 12, 31)), ("deadline", dt.datetime(2100, 12, 31, 23, 59)),
])
def test_values_at_the_limits_take_the_fast_path(key, value):
    rules = _rules([])
    columns = {key: 3 + i for i, key in enumerate(COLUMNS)}
    row = ["1.1.1", "", ""] + [value if k == key else PLAIN[k] for k in COLUMNS]
    answer = rules.plain_answer("1.1.1", 6, row, columns, {})
    assert answer is not None and answer == _general(_rules([]), "1.1.1", 6, row, columns)


@pytest.mark.parametrize("key, value", [("relevant", "No"), ("risk", "Yes"), ("deadline", dt.date(2027, 3, 31)),
                                        ("evidence", "x")])
def test_one_answer_alone_makes_the_return_answered_on_the_fast_path(key, value):
    rules = _rules([])
    columns = {key: 3 + i for i, key in enumerate(COLUMNS)}
    row = ["1.1.1", "", ""] + [value if k == key else "" for k in COLUMNS]
    assert rules.plain_answer("1.1.1", 6, row, columns, {}) is not None and rules.answered


def test_only_completed_by_is_no_answer_on_the_fast_path_either():
    rules = _rules([])
    columns = {key: 3 + i for i, key in enumerate(COLUMNS)}
    assert rules.plain_answer("1.1.1", 6, ["1.1.1", "", "", "", "", "", "", "", "", "", "", "Sam"], columns, {})
    assert not rules.answered


def test_a_consistency_warning_on_the_fast_path_names_its_cell():
    issues = []
    rules = _rules(issues)
    columns = {key: 3 + i for i, key in enumerate(COLUMNS)}
    row = ["1.1.1", "", "", "Yes", "No", "", "Fix it", "", "", "", "", ""]
    assert rules.plain_answer("1.1.1", 6, row, columns, {}) is not None
    assert [(i.code, i.cell) for i in issues] == [("owner-missing", "H7"), ("deadline-missing", "I7")]


@pytest.mark.parametrize("key, value", [
    ("relevant", "yes"), ("relevant", "Y"), ("relevant", " "), ("meets", 1.0), ("risk", True),
    ("evidence", "a\nb"), ("evidence", 7), ("owner", "x" * 32_768), ("completed_by", dt.date(2027, 1, 1)),
    ("deadline", "31/03/2027"), ("deadline", dt.date(1999, 12, 31)), ("deadline", dt.date(2101, 1, 1)),
    ("deadline", dt.datetime(2101, 1, 1)), ("deadline", 45000.0),
])
def test_anything_else_is_left_to_the_general_path(key, value):
    issues = []
    rules = _rules(issues)
    columns = {key: 3 + i for i, key in enumerate(COLUMNS)}
    row = ["1.1.1", "", ""] + [value if k == key else PLAIN[k] for k in COLUMNS]
    assert rules.plain_answer("1.1.1", 6, row, columns, {}) is None
    assert issues == [] and not rules.answered


# --- the reader sends rows with merged or formula cells down the general path ------------------------------------

HEADERS = [c.header for c in layout.ASSESSMENT_COLUMNS]


def _table(rows: list[dict], merged=(), formulas=None):
    grid = [list(HEADERS)] + [[row.get(c.key, "") for c in layout.ASSESSMENT_COLUMNS] for row in rows]
    issues = []
    answers = read_assessment_table(grid, list(merged), formulas or {}, file="f.xlsx", sheet="Assessment",
                                    guideline=None, add=issues.append)
    return answers, [(i.code, i.cell) for i in issues]


def test_a_value_merged_down_the_rows_is_read_from_its_top_left_cell_on_every_row():
    relevant = HEADERS.index(layout.COLUMNS_BY_KEY["relevant"].header)
    answers, issues = _table([{"recommendation": "1.1.1", "relevant": "Yes", "meets": "Yes"},
                              {"recommendation": "1.1.2", "relevant": "No (hidden under the merge)", "meets": "Yes"}],
                             merged=[((1, relevant), (2, relevant))])
    letter = column_letter(relevant)
    assert answers["1.1.2"].relevant is Choice.YES and answers["1.1.2"].cells["relevant"] == f"{letter}2"
    assert answers["1.1.1"].cells["relevant"] == f"{letter}2" and issues == []


def test_a_formula_in_an_answer_cell_is_reported_even_when_its_value_is_plain():
    meets = HEADERS.index(layout.COLUMNS_BY_KEY["meets"].header)
    answers, issues = _table([{"recommendation": "1.1.1", "relevant": "Yes", "meets": "Yes"}],
                             formulas={(1, meets): '=IF(1=1,"Yes","No")'})
    assert answers["1.1.1"].meets is Choice.YES
    assert issues == [("formula-in-input", f"{column_letter(meets)}2")]


# --- the reader's own shortcuts: each row's cells built once per layout, ids as written looked up -------------------

def test_each_plain_row_gets_its_own_cells_as_the_general_path_names_them(monkeypatch):
    rows = [{"recommendation": "1.1.%d" % n, "relevant": "Yes", "meets": "No", "owner": "Lead", "action": "Do",
             "deadline": dt.date(2027, 3, 31)} for n in range(1, 6)]
    first, issues = _table(rows)
    again, issues_again = _table(rows)  # the cells come from what the first reading built
    for answers in (first, again):
        for r, rec_id in enumerate(answers, start=1):
            assert dict(answers[rec_id].cells) == {
                c.key: cell_ref(r, i) for i, c in enumerate(layout.ASSESSMENT_COLUMNS) if c.is_input}
    assert issues == issues_again
    expected = [dict(a.cells) for a in again.values()]
    first["1.1.1"].cells["relevant"] = "changed"  # each Answer has its own dict: nothing else changes
    assert again["1.1.1"].cells["relevant"] == "D2" == _table(rows)[0]["1.1.1"].cells["relevant"]
    monkeypatch.setattr(reader, "_MAX_ROWS_KEPT", 2)  # a hostile sheet's many rows, layouts: built each time
    monkeypatch.setattr(reader, "_MAX_LAYOUTS", 1)
    monkeypatch.setattr(reader, "_ROW_REFS", {"another layout": {}})
    for _ in range(2):
        assert [dict(a.cells) for a in _table(rows)[0].values()] == expected


def test_an_id_as_the_encoding_writes_it_is_looked_up_and_any_other_spelling_still_read():
    ng225 = builders.guideline()
    view = reader._view(ng225)
    assert view.plain_ids == set(view.order)  # every shipped id is written as recommendation_id gives it back
    assert all(recommendation_id(rid) == rid for rid in view.plain_ids)
    grid = [list(HEADERS)] + [[rid, *[""] * (len(HEADERS) - 1)] for rid in ("1.1.1", " 1.1.2 ", "1.1.3.", "9.9.9")]
    relevant = HEADERS.index(layout.COLUMNS_BY_KEY["relevant"].header)
    for row in grid[1:]:
        row[relevant] = "Yes"
    issues = []
    answers = read_assessment_table(grid, [], {}, file="f.xlsx", sheet="Assessment", guideline=ng225,
                                    add=issues.append)
    assert list(answers) == ["1.1.1", "1.1.2", "1.1.3"]
    assert [(i.code, i.cell) for i in issues if i.code == "unknown-recommendation"] == [("unknown-recommendation", "A5")]


def test_each_encoding_object_has_its_own_view_kept_while_the_same_object_comes_back(monkeypatch):
    first = builders.guideline()
    reloaded = copy.deepcopy(first)  # the same encoding, read again: another object
    view = reader._view(first)
    assert view.guideline is first and reader._view(first) is view
    monkeypatch.setattr(type(first), "fingerprint", property(lambda self: pytest.fail("hashed again")))
    assert reader._view(first) is view  # the same object again: its ids are not hashed again
    monkeypatch.undo()
    other = reader._view(reloaded)
    assert other is not view and other.guideline is reloaded and other.order == view.order
    assert reader._view(first) is not other and reader._view(first).guideline is first
