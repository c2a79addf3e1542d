"""xlsx/cells.py pinned (found by `make mutate`): the cell rules every reader shares, on values built here — the
text of a cell, header words, recommendation numbers, cell references, merged ranges and the header row."""

from __future__ import annotations

import pytest

from baseline.xlsx.cells import (
    cell_text,
    find_header_row,
    grid_value,
    header_key,
    header_matcher,
    is_cell_ref,
    normalise_header,
    parse_cell_ref,
    recommendation_id,
    spread_merges,
)


def test_numbers_are_shown_as_a_spreadsheet_shows_them_up_to_15_digits():
    assert cell_text(999_999_999_999_999.0) == "999999999999999"
    assert cell_text(1e15) == "1000000000000000.0" and cell_text(2.5) == "2.5"
    assert cell_text(" one\x0btwo ") == "one\ntwo" and cell_text(" one\x0btwo ", strip=False) == " one\ntwo "


def test_header_words_and_the_longest_known_header_a_longer_one_starts_with():
    assert normalise_header(None) == "" and normalise_header("  Meets\nIT? ") == "meets it?"
    assert header_key("Meets it? (Yes/Partial/No)") == "meets it" == header_key("[see notes] MEETS  it:")
    meaning = header_matcher({"Action": "action", "Action owner": "owner", "Owner": "owner"})
    assert meaning("Action owner (name or role)") == "owner" and meaning("Action owner name") == "owner"
    assert meaning("Action needed") == "action" and meaning("Owners") is None and meaning("  ") is None


@pytest.mark.parametrize("value, rec_id", [
    ("1.1.1", "1.1.1"), (" 1.1.1. ", "1.1.1"), ("1.12.6\xa0", "1.12.6"), ("1.1.1X", None), ("1.1", None),
    (1.1, None), ("Section 1.1", None),
])
def test_recommendation_numbers(value, rec_id):
    assert recommendation_id(value) == rec_id


def test_cell_references():
    assert is_cell_ref("E23") and is_cell_ref("$XFD$1048576") and not is_cell_ref("E") and not is_cell_ref("23")
    assert parse_cell_ref("$e$23") == (22, 4) and parse_cell_ref("AA1") == (0, 26)
    with pytest.raises(ValueError, match=r"^not a cell reference: 'E'$"):
        parse_cell_ref("E")


def test_grid_value_is_blank_outside_the_grid():
    grid = [["a", "b"], ["c"]]
    assert [grid_value(grid, r, c) for r, c in [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (-1, 0), (0, -1), (0, 2)]] \
        == ["a", "b", "c", "", "", "", "", ""]


def test_a_merged_value_covers_its_range_clipped_to_the_grid_and_nothing_else():
    grid = [["x", "A", "old", "y"], ["x", "old", "old", "y"], ["z"]]
    ranges = [((3, 0), (4, 1)),  # starts below the grid: nothing
              ((0, -1), (0, 0)),  # a negative column: nothing
              ((0, 1), (5, 2)),  # B1:C6 clipped to the rows and columns there are
              ((2, 3), (2, 4)),  # starts right of a short row: blank
              ]
    covered = spread_merges(grid, ranges)
    assert grid == [["x", "A", "A", "y"], ["x", "A", "A", "y"], ["z"]]
    assert covered == {(0, 2): (0, 1), (1, 1): (0, 1), (1, 2): (0, 1)}
    grid = [["a", "b"], ["c", "d"]]
    assert spread_merges(grid, [((2, 0), (2, 1)), ((0, 0), (1, 0))]) == {(1, 0): (0, 0)}  # past the last row
    assert grid == [["a", "b"], ["a", "d"]]
    grid = [["a"], ["b", "c", "d"]]
    assert spread_merges(grid, [((0, 1), (1, 2))]) == {(1, 1): (0, 1), (1, 2): (0, 1)}  # from past a short row
    assert grid == [["a"], ["b", "", ""]]


def test_the_header_row_skips_blank_cells_and_with_most_takes_the_first_of_equals():
    meaning = header_matcher({"Number": "number", "Meets it?": "meets"}).__call__
    grid = [["Title", "", ""], [None, "", "Number", "Meets it?"], ["", "Number", "Meets it?"], ["Number"]]
    found = find_header_row(grid, meaning, search_rows=4, accept=lambda columns: "number" in columns)
    assert (found.row, found.columns) == (1, {"number": 2, "meets": 3})
    best = find_header_row(grid, meaning, search_rows=4, accept=lambda columns: bool(columns), most=True)
    assert (best.row, best.columns) == (1, {"number": 2, "meets": 3})
