"""A formula typed into the merged workbook's Actions sheet ("- revise leaflet", "=…") is never read as a blank:
LibreOffice saves its failed result (#NAME?, Err:…) as the cell's value, and reading that as "" would let
`merge --update` carry a blank over the action as if the group had cleared it, and `generate --prefill` send the
blank on. The formula's own text is kept, with a formula-in-input warning."""

from __future__ import annotations

import json

import pytest
import yaml

from baseline import catalogue
from baseline.checks import formula_value
from baseline.xlsx.returns import read_return
from tests.libreoffice import needs_soffice
from tests.test_living_plan import AS_OF, NURSE, build_returns, edit_actions, merge_cli


@pytest.mark.parametrize("via", ["openpyxl", pytest.param("libreoffice", marks=needs_soffice)])
def test_a_formula_in_an_action_cell_keeps_its_text(run, runner, tmp_path, via):
    ng225 = catalogue.load("NG225")
    returns = build_returns(tmp_path / "returns", ng225)
    merged = tmp_path / "merged.xlsx"
    assert merge_cli(runner, returns, "-o", merged, "--as-of", AS_OF).exit_code == 0
    edit_actions(merged, {NURSE: {"Specific action": "=- revise leaflet"}}, via=via, work=tmp_path / "lo")

    new = tmp_path / "new.xlsx"
    result = run("merge", returns, "-o", new, "--update", merged, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert "formula-in-input" in result.stderr and "Specific action" in result.stderr
    listed = run("actions", new, "--as-of", AS_OF, "--format", "json")
    items = {i["action_id"]: i for g in json.loads(listed.stdout)["groups"] for i in g["items"]}
    assert "revise leaflet" in items[NURSE]["action"]  # not "" and not the return's text put back silently

    config = tmp_path / "assessment.yaml"
    config.write_text(yaml.safe_dump({
        "area": "Northshire", "guideline": "NG225", "return_by": "2027-06-30",
        "facilitator": {"name": "A. Facilitator", "email": "facilitator@example.org"},
        "agencies": [{"name": "North CAMHS", "sector": "mental_health"},
                     {"name": "North Schools", "sector": "education"}]}), encoding="utf-8")
    generated = run("generate", config, "-o", tmp_path / "round2", "--prefill", merged)
    assert generated.exit_code == 0, generated.output
    assert "formula-in-input" in generated.stderr
    camhs = read_return(tmp_path / "round2" / "north-camhs.xlsx").agency_return
    assert "revise leaflet" in camhs.answers["1.5.1"].action


@pytest.mark.parametrize("formula, shown, read", [
    ("=- revise leaflet", "", "=- revise leaflet"),
    ("=- revise leaflet", "#NAME?", "=- revise leaflet"),
    ("=A1+B1", "#VALUE!", "=A1+B1"),
    ("=foo()", "Err:508", "=foo()"),
    ('="Train "&"staff"', "Train staff", "Train staff"),
])
def test_formula_value_is_what_it_shows_unless_that_is_nothing_or_an_error(formula, shown, read):
    assert formula_value(formula, shown) == read


def test_update_with_a_renamed_actions_header_names_the_missing_column(run, runner, tmp_path):
    import openpyxl

    from tests.test_living_plan import actions_table

    ng225 = catalogue.load("NG225")
    returns = build_returns(tmp_path / "returns", ng225)
    merged = tmp_path / "merged.xlsx"
    assert merge_cli(runner, returns, "-o", merged, "--as-of", AS_OF).exit_code == 0
    workbook = openpyxl.load_workbook(merged)
    sheet = workbook["Actions"]
    header_row, columns = actions_table(sheet)
    sheet.cell(header_row, columns["Owner"]).value = "Lead officer"
    workbook.save(merged)
    result = run("merge", returns, "-o", tmp_path / "new.xlsx", "--update", merged, "--as-of", AS_OF)
    assert result.exit_code == 1
    assert (f"the 'Actions' sheet's header row (row {header_row}) has no 'Owner' column: give it back its header "
            "text") in result.stderr
