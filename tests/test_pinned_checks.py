"""baseline/checks.py's messages and rules pinned exactly (found by `make mutate`), through AnswerRules as every
reader uses it: raw cell values in, Answers and Issues out. Values are built here."""

from __future__ import annotations

import datetime as dt

import pytest

from baseline.assessment import ActionStatus, Choice, YesNo
from baseline.checks import AnswerRules, find_date, looks_like_a_date, parse_date, read_choice
from baseline.xlsx.cells import cell_ref, cell_text

LABELS = {"relevant": "Relevant to us?", "meets": "Meets it?", "action": "Action needed", "owner": "Action owner",
          "deadline": "Deadline"}
COLUMNS = {"relevant": 3, "meets": 4, "action": 6, "owner": 7, "deadline": 8}


def rules() -> tuple[AnswerRules, list]:
    issues: list = []
    return AnswerRules(file="r.xlsx", sheet="Assessment", labels=LABELS, add=issues.append, cell_ref=cell_ref), issues


def answer(**values):
    checker, issues = rules()
    row = 6  # 0-based: spreadsheet row 7
    cells = {key: (value, (row, COLUMNS[key])) for key, value in values.items()}
    return checker.answer("1.1.1", cells, cell_text), issues


@pytest.mark.parametrize("typed, why", [
    ("12/13/2027", "which is not a date: dates are read day first, and there is no month 13 (if you meant 13/12, "
                   "write the day first)"),
    ("3-31-2027", "which is not a date: dates are read day first, and there is no month 31 (if you meant 31/3, write "
                  "the day first)"),
    ("10.12.27", None),  # a real day-first date: read, not refused
    ("31/13/2027", "which is not a date (month must be in 1..12)"),  # no month 13 either way round
    ("13/13/2027", "which is not a date (month must be in 1..12)"),
])
def test_an_impossible_date_says_why(typed, why):
    result, issues = answer(relevant="Yes", meets="No", action="Plan", owner="Lead", deadline=typed)
    refused = [i for i in issues if i.code == "invalid-date"]
    if why is None:
        assert refused == [] and result.deadline is not None
        return
    [issue] = refused
    assert issue.cell == "I7"
    assert issue.message == (f"Cell I7 (recommendation 1.1.1, 'Deadline') says '{typed}', {why}; enter a date such as "
                             "31/03/2027 (day first), or leave it blank.")


def test_a_date_out_of_range_says_so():
    _, issues = answer(relevant="Yes", meets="No", action="Plan", owner="Lead", deadline="31/03/1027")
    [issue] = [i for i in issues if i.code == "invalid-date"]
    assert issue.message.startswith("Cell I7 (recommendation 1.1.1, 'Deadline') says '31/03/1027', which is not a "
                                    "date (")


def test_a_formula_message_with_and_without_a_shown_value():
    checker, issues = rules()
    long_formula = "=CONCATENATE(B3, C3, D3, E3, F3, G3, H3, I3)"
    assert checker.formula("1.1.1", "action", (6, 6), long_formula, "Train staff") == "Train staff"
    assert checker.formula("1.1.1", "action", (6, 6), "=B3", "") == "=B3"
    assert [i.message for i in issues] == [
        "Cell G7 (recommendation 1.1.1, 'Action needed') contains a formula ('=CONCATENATE(B3, C3, D3, E3, F3, G3, "
        "H3…'). Type the answer in directly; baseline reads the value it shows, 'Train staff', as plain text.",
        "Cell G7 (recommendation 1.1.1, 'Action needed') contains a formula ('=B3'). Type the answer in directly; "
        "baseline reads the formula itself as plain text.",
    ]
    assert [(i.cell, i.recommendation, i.sheet, i.file) for i in issues] == [("G7", "1.1.1", "Assessment", "r.xlsx")] * 2


def test_heading_row_note_and_copied_column_messages():
    checker, issues = rules()
    checker.answer_on_heading_row((1, 4), "Yes", "meets", cell_text)
    checker.answer_on_heading_row((1, 9), "x", None, cell_text)
    checker.note_below_table((70, 0), "A note", cell_text)
    checker.duplicate_column("meets", (0, 4), (0, 27))
    assert [(i.code, i.cell, i.recommendation, i.message) for i in issues] == [
        ("answer-on-heading-row", "E2", None,
         "Cell E2 ('Meets it?') says 'Yes', but its row has no recommendation number (a section heading, or a row "
         "added to the table), so it counts for no recommendation. Move it to the row of the recommendation it is "
         "about, or delete it."),
        ("answer-on-heading-row", "J2", None,
         "Cell J2 says 'x', but its row has no recommendation number (a section heading, or a row added to the "
         "table), so it counts for no recommendation. Move it to the row of the recommendation it is about, or "
         "delete it."),
        ("note-below-table", "A71", None,
         "Cell A71, below the table, says 'A note'. It is not read as an answer: if it is about a recommendation, put "
         "it in that recommendation's evidence cell; if it is a note for the facilitator, it can stay."),
        ("duplicate-column", "AB1", None,
         "Column AB (header cell AB1) has the same header as column E ('Meets it?'): only column E is read. Put every "
         "answer in that column and delete the copy, or give the copy another header."),
    ]


@pytest.mark.parametrize("key, typed, read", [
    ("meets", "Yes", (Choice.YES, False)), ("meets", " partial ", (Choice.PARTIAL, False)),
    ("meets", "Yes.", (Choice.YES, True)), ("meets", "No!", (Choice.NO, True)), ("meets", ".Yes", (None, False)),
    ("meets", "Y", (Choice.YES, True)), ("meets", "y.", (Choice.YES, True)), ("meets", "Partly!", (Choice.PARTIAL, True)),
    ("meets", "n/a", (None, False)), ("relevant", "n/a", (Choice.NO, True)), ("relevant", "N.A.", (Choice.NO, True)),
    ("relevant", "not applicable!", (Choice.NO, True)),
    ("relevant", "N/A!", (Choice.NO, True)), ("risk", "y", (YesNo.YES, True)),
    ("action_status", "Done.", (ActionStatus.COMPLETE, True)), ("meets", "maybe", (None, False)),
])
def test_read_choice(key, typed, read):
    assert read_choice(key, typed) == read


def test_find_date_inside_text_and_in_cells():
    assert find_date("Published: 7 September 2022") == dt.date(2022, 9, 7)
    assert find_date("Updated 31/02/2027, then 1/3/2027") == dt.date(2027, 3, 1)  # an impossible date is passed over
    assert find_date("no date here") is None
    assert find_date(dt.datetime(2027, 3, 1, 9)) == dt.date(2027, 3, 1)
    assert find_date(None) is None and find_date("") is None
    assert find_date(12.5) is None  # a number that is not a date


@pytest.mark.parametrize("text, shaped", [("31/13/2027", True), ("31 Foo 2027", True), ("31/03", True),
                                          ("2027-13-45", True), ("x2027-03-31", False), ("end of Q4", False),
                                          ("March 2027", False)])
def test_looks_like_a_date(text, shaped):
    assert looks_like_a_date(text) is shaped


def test_a_month_that_is_not_one_is_named():
    with pytest.raises(ValueError, match="^'Foo' is not a month$"):
        parse_date("31 Foo 2027")
