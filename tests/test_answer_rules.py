"""checks.AnswerRules as every reader uses it, with each message pinned word for word (the text a person reads to
fix their return), each at its cell and recommendation; and the date shapes it tells apart (day first, month first,
either way). Raw cell values in, built here; no workbook needed."""

from __future__ import annotations

import datetime as dt

import pytest

from baseline.checks import (
    AnswerRules,
    is_ambiguous_day_month,
    is_month_first,
    parse_date,
)
from baseline.xlsx.cells import cell_ref, cell_text

COLUMNS = ("relevant", "meets", "evidence", "action", "owner", "deadline", "action_status", "risk", "completed_by")
LONG = "Does this recommendation apply to your organisation at all, do you think?"  # 74 characters: cut at 50
LABELS = {"relevant": LONG, "meets": "Meets it?", "evidence": "Evidence", "action": "Action", "owner": "Owner",
          "deadline": "Deadline"}  # no label for risk: messages name the key


class Return:
    """One return's rows read by one AnswerRules, as a reader does; every column present, from column D."""

    def __init__(self):
        self.issues = []
        self.rules = AnswerRules(file="f.xlsx", sheet="S", labels=LABELS, add=self.issues.append, cell_ref=cell_ref)

    def row(self, row: int, rec_id: str, **raw):
        cells = {key: (raw.get(key, ""), (row, 3 + i)) for i, key in enumerate(COLUMNS)}
        return self.rules.answer(rec_id, cells, cell_text)

    def finish(self) -> list[tuple]:
        self.rules.finish()
        assert {(i.file, i.sheet) for i in self.issues} <= {("f.xlsx", "S")}
        return [(i.code, i.cell, i.recommendation, i.message) for i in self.issues]


def test_every_row_message_word_for_word_at_its_cell():
    r = Return()
    r.row(6, "1.1.1", relevant="Y", meets="maybe", evidence="x" * 32_768, action="Plan", deadline="end of Q4")
    r.row(7, "1.1.2", relevant="Yes", deadline="3/14/2027")
    r.row(8, "1.1.3", relevant="No", meets="No", deadline="03/05/2027", action="a", owner="b")
    r.row(9, "1.1.4", evidence="x", risk=7)
    r.row(10, "1.1.5", relevant="Partial", meets="No", deadline="Wednesday 31 March 2027")
    r.row(11, "1.1.6", relevant="Yes", meets="Yes", action="Do", owner="Lead")
    relevant = "'Does this recommendation apply to your organisati…'"
    assert r.finish() == [
        ("read-as", "D7", "1.1.1",
         f"Cell D7 (recommendation 1.1.1, {relevant}) says 'Y', which was read as Yes. If that is what you meant "
         "there is nothing to do; to avoid this message, choose Yes from the list."),
        ("invalid-choice", "E7", "1.1.1",
         "Cell E7 (recommendation 1.1.1, 'Meets it?') says 'maybe'; choose Yes, Partial or No from the list."),
        ("text-too-long", "F7", "1.1.1",
         "Cell F7 (recommendation 1.1.1, 'Evidence') holds 32,768 characters, more than the 32,767 a spreadsheet "
         "cell can hold. Shorten it, or put the detail in a separate document and refer to it."),
        ("deadline-as-text", "I7", "1.1.1",
         "Cell I7 (recommendation 1.1.1, 'Deadline') says 'end of Q4', which is not a date: it is kept as text, so "
         "the action cannot count as overdue. Put a date such as 31/03/2027 if there is one."),
        ("owner-missing", "H7", "1.1.1",
         "Recommendation 1.1.1 has an action needed but no action owner: put the name or role of who owns the "
         "action in cell H7 ('Owner')."),
        ("invalid-date", "I8", "1.1.2",
         "Cell I8 (recommendation 1.1.2, 'Deadline') says '3/14/2027', which is not a date: dates are read day "
         "first, and there is no month 14 (if you meant 14/3, write the day first); enter a date such as 31/03/2027 "
         "(day first), or leave it blank."),
        ("meets-missing", "E8", "1.1.2",
         f"Recommendation 1.1.2 is marked relevant (cell D8 ({relevant}) says Yes) but cell E8 ('Meets it?') is "
         "blank, so it counts as not assessed: choose Yes, Partial or No."),
        ("answered-but-not-relevant", "E9", "1.1.3",
         f"Recommendation 1.1.3 is marked not relevant (cell D9 ({relevant}) says No) but cell E9 ('Meets it?') is "
         "answered: clear it, or change the relevance."),
        ("invalid-choice", "K10", "1.1.4",
         "Cell K10 (recommendation 1.1.4, 'risk') says '7'; choose Yes or No from the list."),
        ("answer-without-relevance", "D10", "1.1.4",
         f"Recommendation 1.1.4 has answers but cell D10 ({relevant}) is blank, so it counts as not assessed: "
         "choose Yes, Partial or No."),
        ("read-as", "I11", "1.1.5",
         "Cell I11 (recommendation 1.1.5, 'Deadline') says 'Wednesday 31 March 2027', which was read as 31/03/2027 "
         "(Wednesday 31 March 2027). If that is right there is nothing to do; to avoid this message, write dates "
         "as 31/03/2027."),
        ("owner-missing", "H11", "1.1.5",
         "Recommendation 1.1.5 is not fully met but no action owner: put the name or role of who owns the action "
         "in cell H11 ('Owner')."),
        ("deadline-missing", "I12", "1.1.6",
         "Recommendation 1.1.6 has an open action but no deadline: put a date such as 31/03/2027 in cell I12 "
         "('Deadline')."),
        # after the last row: 03/05/2027 reads either way in a return that writes a date month first
        ("invalid-date", "I9", "1.1.3",
         "Cell I9 (recommendation 1.1.3, 'Deadline') says '03/05/2027', which could be 3 May 2027 or 5 March 2027: "
         "this return also has '3/14/2027', written month first. Write the month in words (3 May 2027 or 5 March "
         "2027)."),
    ]


def test_each_cell_gets_its_own_message_and_dates_say_why_they_are_not_dates():
    r = Return()
    open_action = {"relevant": "Yes", "meets": "Yes", "action": "Plan", "owner": "Lead"}
    r.row(6, "1.2.1", relevant="Yes", meets="Partly", evidence="e" * 40_000, action="Plan", owner="Lead",
          deadline="Q1 2028", risk="y")
    r.row(7, "1.2.2", **open_action, deadline="31/02/2027", evidence="e" * 40_000)
    r.row(8, "1.2.3", **{**open_action, "meets": "Partly"}, deadline=45000.5)
    r.row(9, "1.2.4", **open_action, deadline="4/15/2027")  # the first month-first date: the one messages name
    r.row(10, "1.2.5", **open_action, deadline=dt.date(2027, 3, 31))  # a date cell: nothing to say
    r.row(11, "1.2.6", **open_action, deadline="12/11/27")
    r.row(12, "1.2.7", **open_action, deadline="3/14/2027")
    r.row(13, "1.2.8", **open_action, deadline="05/05/2027")  # the same either way
    r.row(14, "1.2.9", **open_action, deadline="Q2 2028", risk="n")
    r.row(15, "1.2.10", **open_action, deadline="123/03/2027")
    r.row(16, "1.2.11", **open_action, deadline="2027-03-31T25:00")
    r.row(17, "1.2.12", **open_action, deadline="0/12/2027")
    r.row(18, "1.2.13", **open_action, deadline="01/02/2027")
    r.row(19, "1.2.14", **open_action, deadline="1st April 2027", evidence="e" * 32_767)  # a full cell: not too long
    where = "Cell {} (recommendation {}, 'Deadline') says '{}', "
    fix = "; enter a date such as 31/03/2027 (day first), or leave it blank."
    assert r.finish() == [
        ("read-as", "E7", "1.2.1",
         "Cell E7 (recommendation 1.2.1, 'Meets it?') says 'Partly', which was read as Partial. If that is what you "
         "meant there is nothing to do; to avoid this message, choose Partial from the list."),
        ("text-too-long", "F7", "1.2.1",
         "Cell F7 (recommendation 1.2.1, 'Evidence') holds 40,000 characters, more than the 32,767 a spreadsheet "
         "cell can hold. Shorten it, or put the detail in a separate document and refer to it."),
        ("deadline-as-text", "I7", "1.2.1",
         "Cell I7 (recommendation 1.2.1, 'Deadline') says 'Q1 2028', which is not a date: it is kept as text, so "
         "the action cannot count as overdue. Put a date such as 31/03/2027 if there is one."),
        ("read-as", "K7", "1.2.1",
         "Cell K7 (recommendation 1.2.1, 'risk') says 'y', which was read as Yes. If that is what you meant there "
         "is nothing to do; to avoid this message, choose Yes from the list."),
        ("text-too-long", "F8", "1.2.2",
         "Cell F8 (recommendation 1.2.2, 'Evidence') holds 40,000 characters, more than the 32,767 a spreadsheet "
         "cell can hold. Shorten it, or put the detail in a separate document and refer to it."),
        ("invalid-date", "I8", "1.2.2",
         where.format("I8", "1.2.2", "31/02/2027") + "which is not a date (day is out of range for month)" + fix),
        ("read-as", "E9", "1.2.3",
         "Cell E9 (recommendation 1.2.3, 'Meets it?') says 'Partly', which was read as Partial. If that is what you "
         "meant there is nothing to do; to avoid this message, choose Partial from the list."),
        ("invalid-date", "I9", "1.2.3", where.format("I9", "1.2.3", "45000.5") + "which is not a date" + fix),
        ("invalid-date", "I10", "1.2.4",
         where.format("I10", "1.2.4", "4/15/2027") + "which is not a date: dates are read day first, and there is "
         "no month 15 (if you meant 15/4, write the day first)" + fix),
        ("read-as", "I12", "1.2.6",
         "Cell I12 (recommendation 1.2.6, 'Deadline') says '12/11/27', which was read as 12/11/2027 (Friday 12 "
         "November 2027). If that is right there is nothing to do; to avoid this message, write dates as "
         "31/03/2027."),
        ("invalid-date", "I13", "1.2.7",
         where.format("I13", "1.2.7", "3/14/2027") + "which is not a date: dates are read day first, and there is "
         "no month 14 (if you meant 14/3, write the day first)" + fix),
        ("deadline-as-text", "I15", "1.2.9",
         "Cell I15 (recommendation 1.2.9, 'Deadline') says 'Q2 2028', which is not a date: it is kept as text, so "
         "the action cannot count as overdue. Put a date such as 31/03/2027 if there is one."),
        ("read-as", "K15", "1.2.9",
         "Cell K15 (recommendation 1.2.9, 'risk') says 'n', which was read as No. If that is what you meant there "
         "is nothing to do; to avoid this message, choose No from the list."),
        ("invalid-date", "I16", "1.2.10", where.format("I16", "1.2.10", "123/03/2027") + "which is not a date" + fix),
        ("invalid-date", "I17", "1.2.11",
         where.format("I17", "1.2.11", "2027-03-31T25:00") + "which is not a date" + fix),
        ("invalid-date", "I18", "1.2.12",
         where.format("I18", "1.2.12", "0/12/2027") + "which is not a date (day is out of range for month)" + fix),
        ("read-as", "I20", "1.2.14",
         "Cell I20 (recommendation 1.2.14, 'Deadline') says '1st April 2027', which was read as 01/04/2027 (Thursday 1 "
         "April 2027). If that is right there is nothing to do; to avoid this message, write dates as 31/03/2027."),
        ("invalid-date", "I12", "1.2.6",
         where.format("I12", "1.2.6", "12/11/27") + "which could be 12 November 2027 or 11 December 2027: this "
         "return also has '4/15/2027', written month first. Write the month in words (12 November 2027 or 11 "
         "December 2027)."),
        ("invalid-date", "I19", "1.2.13",
         where.format("I19", "1.2.13", "01/02/2027") + "which could be 1 February 2027 or 2 January 2027: this "
         "return also has '4/15/2027', written month first. Write the month in words (1 February 2027 or 2 January "
         "2027)."),
    ]


def test_a_date_that_reads_either_way_is_read_day_first_when_no_date_is_month_first():
    r = Return()
    answer = r.row(6, "1.1.1", relevant="Yes", meets="No", action="Plan", owner="Lead", deadline="03/05/2027")
    assert r.finish() == [] and answer.deadline == dt.date(2027, 5, 3)


@pytest.mark.parametrize("filled, answered, others", [
    ({"completed_by": "A. Lead"}, False, []),  # who filled it in is no answer
    ({"evidence": "A policy"}, True, ["answer-without-relevance"]),
    ({"evidence": 2027}, True, ["answer-without-relevance"]),
    ({"meets": "Yes"}, True, ["answer-without-relevance"]),
    ({"meets": "Y"}, True, ["read-as", "answer-without-relevance"]),
    ({"meets": "Maybe"}, True, ["invalid-choice"]),
    ({"deadline": "31/03/2027"}, True, ["answer-without-relevance"]),
    ({"evidence": "A policy", "completed_by": "A. Lead"}, True, ["answer-without-relevance"]),
])
def test_a_return_counts_as_blank_only_when_no_answer_cell_holds_anything(filled, answered, others):
    r = Return()
    r.row(6, "1.1.1")  # a blank row: every cell "" (blank cells are never read)
    r.row(7, "1.1.2", **filled)
    issues = r.finish()
    assert [code for code, _, _, _ in issues if code != "blank-return"] == others
    blank = [message for code, _, _, message in issues if code == "blank-return"]
    assert blank == ([] if answered else [
        f"Nothing has been filled in: every answer cell is blank ('{LONG[:49]}…' and 'Meets it?' included), so this "
        f"return counts as not assessed. Fill in '{LONG[:49]}…' for each recommendation, and 'Meets it?' where it "
        "applies, then send it again."])


def test_text_that_is_not_a_string_or_has_line_breaks_is_read_as_a_person_sees_it():
    answer = Return().row(6, "1.1.1", evidence=2027, action=" Line one\nline two \n", owner=12.0)
    assert (answer.evidence, answer.action, answer.owner) == ("2027", "Line one\nline two", "12")


def test_a_formula_message_quotes_up_to_40_characters_of_the_value_shown():
    r = Return()
    shown = "Train every member of staff in the first month"  # 46 characters
    assert r.rules.formula("1.1.1", "action", (6, 6), "=B3", shown) == shown
    [issue] = r.issues
    assert issue.message == ("Cell G7 (recommendation 1.1.1, 'Action') contains a formula ('=B3'). Type the answer in "
                       "directly; baseline reads the value it shows, 'Train every member of staff in the firs…', "
                       "as plain text.")


def test_a_copy_of_column_x_is_named_by_its_letter():
    r = Return()
    r.rules.duplicate_column("meets", (0, 4), (0, 23))
    [issue] = r.issues
    assert issue.cell == "X1" and issue.message.startswith("Column X (header cell X1) has the same header as column E ")


@pytest.mark.parametrize("text, month_first", [
    ("3/14/2027", True), ("1/13/2027", True), ("12/31/27", True), ("3 / 14 / 2027", True),
    ("13/14/2027", False), ("0/14/2027", False), ("12/12/2027", False), ("3/32/2027", False), ("3/12/2027", False),
    ("2027/3/14", False), ("012/14/2027", False), ("3/14/202", False), ("3/14", False), ("14 March 2027", False),
])
def test_a_date_that_only_reads_month_first(text, month_first):
    assert is_month_first(text) is month_first


@pytest.mark.parametrize("text, either_way", [
    ("03/05/2027", True), ("1/2/2027", True), ("12/1/2027", True), ("1/12/27", True), ("2 / 1 / 2027", True),
    ("5/5/2027", False), ("13/1/2027", False), ("1/13/2027", False), ("0/5/2027", False), ("5/0/2027", False),
    ("012/05/2027", False), ("2027/03/05", False), ("3/5/202", False), ("3 May 2027", False),
])
def test_a_date_that_reads_either_way(text, either_way):
    assert is_ambiguous_day_month(text) is either_way


@pytest.mark.parametrize("day, ok", [(dt.date(2000, 1, 1), True), (dt.date(2100, 12, 31), True),
                                     (dt.date(1999, 12, 31), False), (dt.date(2101, 1, 1), False)])
def test_years_2000_to_2100_are_dates(day, ok):
    if ok:
        assert parse_date(day) == day and parse_date(day.strftime("%d/%m/%Y")) == day
    else:
        with pytest.raises(ValueError, match=rf"^the year {day.year} is not between 2000 and 2100$"):
            parse_date(day)


def test_an_owner_alone_is_an_open_action_and_a_wrong_date_alone_is_an_answer():
    r = Return()
    r.row(6, "1.1.1", relevant="Yes", meets="Yes", owner="Lead")
    r.row(7, "1.1.2", deadline="31/02/2027")
    assert [(code, cell) for code, cell, _, _ in r.finish()] == [
        ("deadline-missing", "I7"), ("invalid-date", "I8"), ("answer-without-relevance", "D8")]
