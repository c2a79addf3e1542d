"""checks.py: the answer rules every return format shares, tested on raw values (no workbook needed)."""

from __future__ import annotations

import datetime as dt

import pytest

from baseline.assessment import ActionStatus, Choice, YesNo
from baseline.checks import (
    AnswerRules,
    find_date,
    is_plain_date,
    looks_like_a_date,
    parse_choice,
    parse_date,
    read_choice,
)
from baseline.xlsx.cells import cell_ref, cell_text

COLUMNS = ("relevant", "meets", "evidence", "action", "owner", "deadline", "action_status", "risk", "completed_by")
LABELS = {key: key.replace("_", " ").title() for key in COLUMNS}


def read(**raw):
    """One answer row; every column present at row 7, in COLUMNS order from column D."""
    issues = []
    rules = AnswerRules(file="f.xlsx", sheet="S", labels=LABELS, add=issues.append, cell_ref=cell_ref)
    cells = {key: (raw.get(key, ""), (6, 3 + i)) for i, key in enumerate(COLUMNS)}
    return rules.answer("1.1.1", cells, cell_text), issues


def codes(issues) -> list[str]:
    return [i.code for i in issues]


def test_a_full_row_is_read_without_issues():
    answer, issues = read(relevant="Yes", meets="partial", evidence=" Policy ", action="Audit", owner="Lead",
                          deadline="31/03/2027", action_status="in  progress", risk="NO", completed_by="A. N.")
    assert issues == []
    assert (answer.relevant, answer.meets, answer.action_status, answer.risk) == (
        Choice.YES, Choice.PARTIAL, ActionStatus.IN_PROGRESS, YesNo.NO)
    assert (answer.evidence, answer.deadline) == ("Policy", dt.date(2027, 3, 31))
    assert answer.cells["deadline"] == "I7"


def test_a_blank_row_is_not_inconsistent():
    answer, issues = read()
    assert issues == [] and answer.is_blank


@pytest.mark.parametrize("deadline, expected", [
    ("", ["deadline-missing"]),  # an open action with nothing in the deadline cell
    ("end of Q4", ["deadline-as-text"]),  # a deadline in words: kept, and not also "missing"
    ("31/02/2027", ["invalid-date"]),  # an impossible date: an error, and not also "missing"
])
def test_deadline_missing_is_decided_once_for_every_format(deadline, expected):
    answer, issues = read(relevant="Yes", meets="No", action="Audit", owner="Lead", deadline=deadline)
    assert codes(issues) == expected
    assert answer.deadline_text == ("end of Q4" if deadline == "end of Q4" else "")


def test_a_complete_action_needs_no_deadline():
    _, issues = read(relevant="Yes", meets="No", action="Audit", owner="Lead", action_status="Complete")
    assert issues == []


def test_one_cell_gets_one_message():
    """An invalid 'Relevant' is an invalid choice, not also 'answers without relevance' at the same cell."""
    _, issues = read(relevant="Maybe", meets="Yes")
    assert codes(issues) == ["invalid-choice"]
    assert issues[0].cell == "D7"


def test_messages_name_the_cell_and_the_formats_own_column_label():
    _, issues = read(relevant="Yes", meets="No", action="Audit")
    owner = next(i for i in issues if i.code == "owner-missing")
    assert owner.cell == "H7"
    assert owner.message == ("Recommendation 1.1.1 has an action needed but no action owner: put the name or role of "
                             "who owns the action in cell H7 ('Owner').")


def test_consistency_warnings():
    assert codes(read(meets="Yes")[1]) == ["answer-without-relevance"]
    assert codes(read(relevant="No", meets="No")[1]) == ["answered-but-not-relevant"]
    assert codes(read(relevant="Yes", meets="Partial")[1]) == ["owner-missing"]
    assert codes(read(relevant="Yes", meets="Yes", evidence="x" * 32_768)[1]) == ["text-too-long"]


def test_a_formula_is_read_as_the_text_it_shows():
    issues = []
    rules = AnswerRules(file="f", sheet="S", labels=LABELS, add=issues.append, cell_ref=cell_ref)
    assert rules.formula("1.1.1", "evidence", (6, 5), "=A1", "shown") == "shown"
    assert rules.formula("1.1.1", "evidence", (6, 5), "=A1", "") == "=A1"
    assert codes(issues) == ["formula-in-input", "formula-in-input"] and issues[0].cell == "F7"


def test_parse_choice_ignores_case_and_spacing():
    assert parse_choice("yes_partial_no", " PARTIAL ") is Choice.PARTIAL
    assert parse_choice("action_status", "not   started") is ActionStatus.NOT_STARTED
    assert parse_choice("yes_no", "Partial") is None


@pytest.mark.parametrize("text", ["3/31/2027", "31/13/2027", "31/02/2027", "01/01/1999", "1/1/2101", "31 Foo 2027"])
def test_impossible_or_ambiguous_dates_are_errors(text):
    assert looks_like_a_date(text)
    with pytest.raises(ValueError):
        parse_date(text)


@pytest.mark.parametrize("value", [dt.date(1999, 12, 31), dt.datetime(2101, 1, 1)])
def test_real_dates_out_of_range_are_errors(value):
    with pytest.raises(ValueError):
        parse_date(value)


def test_find_date_reads_a_date_inside_a_text():
    assert find_date("Published: 7 September 2022") == dt.date(2022, 9, 7)
    assert find_date("Updated 12/03/2024.") == dt.date(2024, 3, 12)
    assert find_date(dt.datetime(2022, 9, 7, 0, 0)) == dt.date(2022, 9, 7)
    assert find_date("no date here") is None and find_date(None) is None


def test_an_invalid_date_message_says_why_when_it_can():
    _, issues = read(relevant="Yes", meets="No", action="Audit", owner="Lead", deadline="31/03/1927")
    assert issues[0].message == ("Cell I7 (recommendation 1.1.1, 'Deadline') says '31/03/1927', which is not a date "
                                 "(the year 1927 is not between 2000 and 2100); enter a date such as 31/03/2027 (day "
                                 "first), or leave it blank.")


# --- issue 10: lenient but explicit, one message per cell, blank returns -----------------------------------------


@pytest.mark.parametrize("key, typed, expected, variant", [
    ("relevant", "Yes", Choice.YES, False),
    ("relevant", " yes ", Choice.YES, False),
    ("relevant", "Y", Choice.YES, True),
    ("meets", "N", Choice.NO, True),
    ("meets", "Partially", Choice.PARTIAL, True),
    ("relevant", "n/a", Choice.NO, True),
    ("relevant", "N.A.", Choice.NO, True),
    ("relevant", "Not applicable", Choice.NO, True),
    ("meets", "n/a", None, False),  # "not applicable" means not relevant: only in the relevance column
    ("risk", "y", YesNo.YES, True),
    ("action_status", "Completed", ActionStatus.COMPLETE, True),
    ("meets", "Maybe", None, False),
])
def test_read_choice_accepts_clear_variants_and_says_so(key, typed, expected, variant):
    assert read_choice(key, typed) == (expected, variant)


def test_a_variant_is_read_with_a_read_as_warning_naming_cell_and_reading():
    answer, issues = read(relevant="Y", meets="Partially", action="Audit", owner="Lead", deadline="31-Mar-27")
    assert (answer.relevant, answer.meets, answer.deadline) == (Choice.YES, Choice.PARTIAL, dt.date(2027, 3, 31))
    assert [(i.code, i.cell, i.severity) for i in issues] == [
        ("read-as", "D7", "warning"), ("read-as", "E7", "warning"), ("read-as", "I7", "warning")]
    assert "'Y'" in issues[0].message and "read as Yes" in issues[0].message
    assert "'31-Mar-27'" in issues[2].message and "31/03/2027" in issues[2].message


@pytest.mark.parametrize("text, plain", [
    ("31/03/2027", True), ("31-03-2027", True), (" 31 / 3 / 2027 ", True), ("2027-03-31", True),
    ("31 March 2027", True), ("31.03.27", False), ("31 Mar 2027", False), ("30 Sept 2027", False),
    ("31st March 2027", False), ("Wednesday 31 March 2027", False), ("2027/03/31", False),
])
def test_plain_dates_are_the_forms_the_workbook_asks_for(text, plain):
    assert parse_date(text) is not None
    assert is_plain_date(text) is plain


def test_a_us_order_date_says_dates_are_read_day_first():
    _, [issue] = read(relevant="Yes", meets="No", action="Audit", owner="Lead", deadline="3/31/2027")
    assert issue.code == "invalid-date" and "day first" in issue.message and "no month 31" in issue.message


def test_meets_missing_when_relevant_but_not_when_relevance_is_invalid():
    _, issues = read(relevant="Partial")
    assert [(i.code, i.cell) for i in issues] == [("meets-missing", "E7")]
    _, issues = read(relevant="Maybe")
    assert codes(issues) == ["invalid-choice"]  # one message for the one cell that is wrong


def test_a_value_merged_over_rows_is_one_message_at_the_cell_people_see():
    issues = []
    merged_from = {(7, 4): (6, 4), (8, 4): (6, 4)}  # E8:E9 covered by E7
    rules = AnswerRules(file="f.xlsx", sheet="S", labels=LABELS, add=issues.append, cell_ref=cell_ref,
                        merged_from=merged_from)
    for row in (6, 7, 8):
        cells = {"relevant": ("Yes", (row, 3)), "meets": ("Maybe", (row, 4))}
        answer = rules.answer(f"1.1.{row}", cells, cell_text)
    assert [(i.code, i.cell) for i in issues] == [("invalid-choice", "E7")]
    assert answer.cells["meets"] == "E7"  # the Answer points at the cell that holds the value


def test_finish_reports_a_blank_return_once_and_only_when_nothing_was_answered():
    issues = []
    rules = AnswerRules(file="f.xlsx", sheet="S", labels=LABELS, add=issues.append, cell_ref=cell_ref)
    rules.answer("1.1.1", {"completed_by": ("A. Lead", (6, 11))}, cell_text)  # who filled it in is no answer
    rules.finish()
    assert [(i.code, i.cell, i.severity) for i in issues] == [("blank-return", None, "warning")]
    issues.clear()
    rules.answer("1.1.2", {"relevant": ("Maybe", (7, 3))}, cell_text)  # something was typed, though wrong
    rules.finish()
    assert codes(issues) == ["invalid-choice"]
