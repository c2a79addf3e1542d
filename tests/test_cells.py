"""xlsx/cells.py: ONE cell_text, column letters and references, ONE header search."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl.utils import get_column_letter

from baseline.text import name_key
from baseline.xlsx import cells
from baseline.xlsx.cells import (
    cell_ref,
    cell_text,
    column_letter,
    find_header_row,
    header_matcher,
    normalise_header,
    parse_cell_ref,
    recommendation_id,
    spread_merges,
)


@pytest.mark.parametrize("value, expected", [
    (None, ""), ("", ""),
    (True, "TRUE"), (False, "FALSE"),  # as the spreadsheet shows them (one copy used to say "Yes"/"No")
    ("  padded \n", "padded"),  # whitespace trimmed, in every reader
    ("a\x00b\x1fc", "abc"),  # control characters a cell cannot hold are removed, in every reader
    ("line one\nline two", "line one\nline two"),
    (2.0, "2"), (2.5, "2.5"), (1e20, "1e+20"), (7, "7"),
    (dt.datetime(2027, 3, 31, 0, 0), "2027-03-31"),  # a date cell, as calamine gives it: the date only
    (dt.datetime(2027, 3, 31, 9, 30), "2027-03-31 09:30:00"),  # a time of day is kept, with a space, not "T"
    (dt.date(2027, 3, 31), "2027-03-31"), (dt.time(9, 30), "09:30:00"),
])
def test_cell_text_is_what_a_person_sees(value, expected):
    assert cell_text(value) == expected


def test_cell_text_can_keep_a_text_exactly_as_written():
    assert cell_text("  kept  ", strip=False) == "  kept  "
    assert cell_text("a\x07b ", strip=False) == "ab "


@pytest.mark.parametrize("index", [0, 1, 25, 26, 27, 51, 52, 701, 702, 16383])
def test_column_letters_match_openpyxl_and_round_trip(index):
    assert column_letter(index) == get_column_letter(index + 1)
    assert parse_cell_ref(cell_ref(41, index)) == (41, index)
    assert parse_cell_ref(f"${column_letter(index)}$42") == (41, index)


def test_column_letters_are_the_same_kept_or_worked_out():
    many = range(3 * cells.KEPT)  # more than are kept: the first are worked out again
    worked_out = [cells._letters(index) for index in many]
    assert [column_letter(index) for index in many] == worked_out
    assert [column_letter(index) for index in many] == worked_out
    assert cells._kept_letters.cache_info().currsize == cells.KEPT
    assert column_letter(True) == "B"  # not an int exactly: worked out, as before
    with pytest.raises(TypeError):
        column_letter(1.0)


def test_a_header_is_normalised_the_same_kept_or_worked_out():
    values = ["Meets it?", " MEETS\nit? ", "Assessment", "assessment ", "", "x" * 50, None, 3, 2.5]
    expected = [name_key(v if v is not None else "") for v in values]
    assert [normalise_header(v) for v in values] == expected
    assert [normalise_header(v) for v in values] == expected  # kept
    many = [f" Header\n{n} " for n in range(3 * cells.KEPT)]  # more than are kept
    assert [normalise_header(v) for v in many] == [name_key(v) for v in many]
    assert [normalise_header(v) for v in values] == expected  # worked out again
    assert cells._normalised.cache_info().currsize == cells.KEPT


def test_parse_cell_ref_refuses_anything_else():
    with pytest.raises(ValueError):
        parse_cell_ref("A0B")


GRID = [
    ["A title row", "", ""],
    ["Recommendation", "Meets it?", ""],
    ["Recommendation", "Relevant to us?", "Meets it?"],
    ["1.1.1", "Yes", "No"],
]
MEANINGS = {"recommendation": "recommendation", "meets it?": "meets", "relevant to us?": "relevant"}


def meaning(text: str):
    return MEANINGS.get(" ".join(text.split()).casefold())


def test_header_search_takes_the_first_row_accepted():
    found = find_header_row(GRID, meaning, search_rows=10, accept=lambda c: "recommendation" in c and len(c) >= 2)
    assert (found.row, found.columns) == (1, {"recommendation": 0, "meets": 1})


def test_header_search_can_take_the_row_with_most_meanings():
    found = find_header_row(GRID, meaning, search_rows=10, accept=lambda c: len(c) >= 2, most=True)
    assert (found.row, found.columns) == (2, {"recommendation": 0, "relevant": 1, "meets": 2})
    assert found.headers == {0: "Recommendation", 1: "Relevant to us?", 2: "Meets it?"}


def test_header_search_looks_only_so_far_down_and_keeps_the_first_of_a_copied_column():
    assert find_header_row(GRID, meaning, search_rows=1, accept=bool) is None
    copied = [["Recommendation", "Meets it?", "Meets it?"]]
    assert find_header_row(copied, meaning, search_rows=5, accept=bool).columns == {"recommendation": 0, "meets": 1}


# --- issue 10: merged cells, tolerant headers and ids -------------------------------------------------------------


def test_spread_merges_gives_the_value_to_every_covered_cell_and_hides_what_was_under_it():
    grid = [["Yes", "x", ""], ["No (hidden)", "", ""], ["", "", ""]]
    covered = spread_merges(grid, [((0, 0), (1, 0)), ((2, 0), (2, 2))])
    assert grid == [["Yes", "x", ""], ["Yes", "", ""], ["", "", ""]]
    assert covered == {(1, 0): (0, 0), (2, 1): (2, 0), (2, 2): (2, 0)}


def test_spread_merges_is_clipped_to_the_grid():
    grid = [["a", ""]]
    assert spread_merges(grid, [((0, 0), (1_048_575, 16_383)), ((5, 5), (6, 6))]) == {(0, 1): (0, 0)}
    assert grid == [["a", "a"]]


@pytest.mark.parametrize("header, key", [
    ("Meets it?", "meets"), ("Meets it? (Yes/Partial/No)", "meets"), ("MEETS IT", "meets"),
    ("meets it: yes / partial / no", "meets"), ("Action owner:", "owner"), ("Action needed", "action"),
    ("Deadline [dd/mm/yyyy]", "deadline"), ("Our notes", None), ("Meets", None),
])
def test_header_matcher_ignores_case_punctuation_hints_and_suffixes(header, key):
    meaning = header_matcher({"Meets it?": "meets", "Action owner": "owner", "Action needed": "action",
                              "Deadline": "deadline"})
    assert meaning(header) == key


def test_header_matcher_gives_the_same_meaning_again_and_once_its_memo_is_full():
    wanted = {"Meets it?": "meets", "Action owner": "owner", "Deadline": "deadline"}
    headers = ["Meets it?", "MEETS IT", "Action owner:", "Our notes", "Deadline [dd/mm/yyyy]", "Meets", "", " "]
    first = header_matcher(wanted)
    once = [first(h) for h in headers]
    assert once == ["meets", "meets", "owner", None, "deadline", None, None, None]
    assert [first(h) for h in headers] == once  # from the memo
    many = [f"Our notes {n}" for n in range(3 * cells.KEPT)]  # a hostile sheet's many headers: more than are kept
    assert [first(h) for h in many] == [None] * len(many) and [first(h) for h in headers] == once


@pytest.mark.parametrize("value, expected", [
    ("1.1.1", "1.1.1"), (" 1.1.1 ", "1.1.1"), ("1.1.1.", "1.1.1"), ("1.10.2\xa0", "1.10.2"),
    ("1.1 Information", None), ("Notes", None), (1.1, None), ("", None),
])
def test_recommendation_id_is_tolerant_of_spaces_and_a_trailing_dot(value, expected):
    assert recommendation_id(value) == expected


def test_find_header_row_keeps_the_first_of_two_columns_and_lists_the_copy():
    grid = [["Recommendation", "Meets it?", "Evidence", "Meets it? (copy)"]]
    meaning = header_matcher({"Recommendation": "recommendation", "Meets it?": "meets"})
    found = find_header_row(grid, meaning, search_rows=5, accept=lambda columns: "recommendation" in columns)
    assert found.columns == {"recommendation": 0, "meets": 1}
    assert found.copies == {3: "meets"}
