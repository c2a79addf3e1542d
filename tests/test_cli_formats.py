"""Formats read outside the terminal, end to end through the CLI: `validate --format text` (pasted into an email),
CSV re-opened by LibreOffice (ids stay text, UTF-8 with BOM, formula-looking text inert; gaps, actions and the
breakdown tables), the merged workbook's own as-of date, ISO or UK dates in every date option, and `merge` showing
its warnings (notes typed below the table included)."""

from __future__ import annotations

import csv
import io
import json
import re

import openpyxl
import pytest

from baseline import render, workflow
from baseline.issues import ISSUE_CODES
from baseline.rounds import compare
from tests.cases import builders
from tests.libreoffice import convert, needs_soffice
from tests.output_cases import (
    ANSI_ESCAPE,
    AS_OF,
    AT_ACTION,
    BOX_DRAWING,
    CAMHS,
    FORMULA_OWNER,
    MINUS_ACTION,
    NOTE_BELOW,
    PHONE_OWNER,
    SCHOOLS,
    TYPED_MARKUP,
    YOUTH,
    expected_actions,
    squash,
    write_return_with_mistakes,
    write_return_with_warnings,
    write_returns,
)

BOM = "\ufeff"
# How a user opens a CSV in LibreOffice: comma separated, double-quoted text, Unicode (UTF-8); formulas evaluated,
# as Excel always does (LibreOffice's own default for CSV).
LIBREOFFICE_CSV = "CSV:44,34,76,1"
FORMULA_PREFIXED = ["=1+1", "+1+1", "-1+1", "@SUM(1,2)", "\t=1+1", "\r=1+1"]


@pytest.fixture
def returns(tmp_path):
    return write_returns(tmp_path / "returns")


@pytest.fixture
def merged(run, returns, tmp_path):
    out = tmp_path / "merged.xlsx"
    result = run("merge", returns, "-o", out, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    return out


def summary_json(run, *args) -> dict:
    result = run("summary", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def csv_rows(text: str) -> list[list[str]]:
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[len(BOM):])))


def through_libreoffice(tmp_path, text: str, name: str = "export") -> list[list]:
    """Write the CSV as the CLI printed it (bytes unchanged), open it in LibreOffice, read back every cell's value
    as LibreOffice computed it (a formula's result; data_only) and whether the cell holds a formula."""
    source = tmp_path / f"{name}.csv"
    source.write_bytes(text.encode("utf-8"))
    converted = convert(source, tmp_path / "lo", "xlsx", infilter=LIBREOFFICE_CSV)
    values = openpyxl.load_workbook(converted, data_only=True).active
    formulas = openpyxl.load_workbook(converted).active
    return [[(value.value, formula.data_type == "f" and not _constant_text_formula(formula.value))
             for value, formula in zip(value_row, formula_row)]
            for value_row, formula_row in zip(values.iter_rows(), formulas.iter_rows())]


def _constant_text_formula(formula) -> bool:
    """="1.10": a formula that is only a text constant (how ids are kept text) computes nothing and reads nothing."""
    return isinstance(formula, str) and formula.startswith('="') and formula.endswith('"') and \
        '"' not in formula[2:-1]


# --- validate --format text ------------------------------------------------------------------------------------


def test_validate_text_is_a_plain_list_per_file(run, tmp_path, returns):
    late = write_return_with_mistakes(tmp_path / "late.xlsx")
    files = [late, *sorted(returns.iterdir())]
    report = json.loads(run("validate", "--format", "json", *files).stdout)
    result = run("validate", "--format", "text", *files, env={"COLUMNS": "60"})
    assert result.exit_code == 1
    out = result.stdout
    assert not BOX_DRAWING.search(out) and not ANSI_ESCAPE.search(out)
    lines = out.splitlines()
    for file in report["files"]:
        assert any(str(file["path"]) in line for line in lines), file["path"]
        for issue in file["issues"]:
            # One line per issue, the message whole (an email client wraps it, not us), its cell named.
            [line] = [line for line in lines if issue["message"] in line]
            assert issue["cell"] in line
    assert TYPED_MARKUP in out  # what was typed is quoted as typed
    wide = run("validate", "--format", "text", *files, env={"COLUMNS": "200"})
    assert wide.stdout == out  # the same text whatever the terminal


def test_validate_text_of_valid_files_says_so_and_exits_0(run, returns):
    files = sorted(returns.iterdir())
    result = run("validate", "--format", "text", *files)
    assert result.exit_code == 0
    assert sum("valid" in line for line in result.stdout.splitlines()) >= len(files)


# --- CSV through LibreOffice -----------------------------------------------------------------------------------


@needs_soffice
def test_section_csv_keeps_ids_text_and_names_intact_in_libreoffice(run, merged, tmp_path):
    data = summary_json(run, merged)
    result = run("summary", merged, "--format", "csv", "--by", "section")
    assert result.exit_code == 0
    assert result.stdout.encode("utf-8").startswith(b"\xef\xbb\xbf")  # Excel on Windows reads UTF-8 with a BOM
    cells = through_libreoffice(tmp_path, result.stdout, "sections")
    header = [value for value, _ in cells[0]]
    assert header[0] == "Section"  # LibreOffice took the BOM as the encoding mark, not as text
    ids = [row[0][0] for row in cells[1:]]
    assert ids == [s["id"] for s in data["sections"]]
    assert "1.10" in ids and "1.1" in ids  # 1.10 stays 1.10, distinct from 1.1
    assert not any(formula for row in cells for _, formula in row)


@needs_soffice
def test_agency_csv_keeps_non_ascii_names_in_libreoffice(run, merged, tmp_path):
    result = run("summary", merged, "--format", "csv", "--by", "agency")
    cells = through_libreoffice(tmp_path, result.stdout, "agencies")
    assert [row[0][0] for row in cells[1:]] == summary_json(run, merged)["agencies"]
    assert {CAMHS, SCHOOLS, YOUTH} <= {row[0][0] for row in cells[1:]}


@needs_soffice
def test_owner_csv_text_that_looks_like_a_formula_stays_text(run, merged, tmp_path):
    result = run("summary", merged, "--format", "csv", "--by", "owner")
    cells = through_libreoffice(tmp_path, result.stdout, "owners")
    assert not any(formula for row in cells for _, formula in row)
    shown = [str(value) for row in cells for value, _ in row]
    for owner in (FORMULA_OWNER, PHONE_OWNER):
        assert any(owner in value for value in shown), owner


@needs_soffice
def test_actions_csv_through_libreoffice(run, merged, tmp_path):
    result = run("summary", merged, "--format", "csv", "--table", "actions")
    assert result.exit_code == 0, result.output
    rows = csv_rows(result.stdout)
    header = rows[0]
    for name in ("Recommendation", "Agency", "Specific action", "Owner", "Deadline", "Status", "Overdue"):
        assert name in header
    got = sorted((row[header.index("Agency")], row[header.index("Recommendation")], row[header.index("Owner")])
                 for row in rows[1:])
    cells = through_libreoffice(tmp_path, result.stdout, "actions")
    assert not any(formula for row in cells for _, formula in row)
    read = sorted((row[header.index("Agency")][0], str(row[header.index("Recommendation")][0]),
                   str(row[header.index("Owner")][0])) for row in cells[1:])
    expected = expected_actions()
    assert [(a, r) for a, r, _ in read] == [(a, r) for a, r, _ in expected]
    for (_, _, owner), (_, _, shown) in zip(expected, read):
        assert owner in shown  # formula-looking owners kept (a neutralising mark may precede them)
    assert len(got) == len(expected)
    actions = [str(row[header.index("Specific action")][0]) for row in cells[1:]]
    for action in (MINUS_ACTION, AT_ACTION):
        assert any(action in value for value in actions)


@needs_soffice
def test_gaps_csv_matches_the_summary_and_survives_libreoffice(run, merged, tmp_path):
    data = summary_json(run, merged)
    result = run("summary", merged, "--format", "csv", "--table", "gaps")
    assert result.exit_code == 0, result.output
    rows = csv_rows(result.stdout)
    header = rows[0]
    for name in ("Recommendation", "Summary", "System status", "Risk flagged"):
        assert name in header
    assert len(rows) - 1 == len(data["gaps"])
    cells = through_libreoffice(tmp_path, result.stdout, "gaps")
    for gap, row in zip(data["gaps"], cells[1:]):
        assert row[header.index("Recommendation")][0] == gap["recommendation"]
        assert (row[header.index("Summary")][0] or None) == gap["summary"]
        assert row[header.index("Risk flagged")][0] == ("Yes" if gap["risk"] else "No")
    assert "1.10.1" in [row[0][0] for row in cells[1:]]


@needs_soffice
def test_csv_neutralises_every_formula_prefix_in_libreoffice(tmp_path):
    """The CSV rule itself, on hand-built rows: tab and CR prefixes never survive a return's reading, so they are
    checked here rather than through a workbook."""
    text = render.to_csv(["Owner"], [[value] for value in FORMULA_PREFIXED])
    cells = through_libreoffice(tmp_path, text, "prefixes")
    assert [value for value, _ in cells[0]] == ["Owner"]
    for original, [(value, formula)] in zip(FORMULA_PREFIXED, cells[1:]):
        assert not formula, original
        assert original.strip() in str(value), (original, value)


def test_csv_table_option_is_refused_outside_csv(run, merged):
    result = run("summary", merged, "--table", "gaps")
    assert result.exit_code == 2
    assert "--table" in result.output


# --- dates ---------------------------------------------------------------------------------------------------


def test_summary_of_a_merged_workbook_uses_its_own_as_of(run, merged):
    assert summary_json(run, merged)["as_of"] == AS_OF
    assert summary_json(run, merged, "--agency", SCHOOLS)["as_of"] == AS_OF  # filtered, still the workbook's date
    assert summary_json(run, merged, "--as-of", "2027-06-30")["as_of"] == "2027-06-30"


@pytest.mark.parametrize("given", ["2027-03-31", "31/03/2027", "31/3/2027"])
def test_date_options_take_iso_or_uk_day_first(run, returns, tmp_path, given):
    assert summary_json(run, returns, "--as-of", given)["as_of"] == "2027-03-31"
    out = tmp_path / "merged.xlsx"
    assert run("merge", returns, "-o", out, "--as-of", given).exit_code == 0
    assert summary_json(run, out)["as_of"] == "2027-03-31"
    report = run("report", out, "-o", tmp_path / "report.html", "--as-of", given)
    assert report.exit_code == 0, report.output


@pytest.mark.parametrize("given", ["3/31/2027", "31/13/2027", "2027-02-30", "soon"])
def test_a_date_option_that_is_no_date_is_a_usage_error(run, returns, given):
    result = run("summary", returns, "--as-of", given)
    assert result.exit_code == 2
    assert "--as-of" in result.output and given in result.output


# --- merge shows its warnings -------------------------------------------------------------------------------


def test_merge_prints_its_warnings(run, returns, tmp_path):
    warned = write_return_with_warnings(returns / "schools-again.xlsx")
    (returns / "return-1.xlsx").unlink()  # the earlier Schools return: one return per agency
    report = json.loads(run("validate", "--format", "json", warned).stdout)
    [file] = report["files"]
    assert file["valid"] and file["issues"]
    result = run("merge", returns, "-o", tmp_path / "merged.xlsx", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    err = squash(result.stderr)
    for issue in file["issues"]:
        assert squash(issue["message"]) in err
    assert "baseline validate" not in result.stderr


@pytest.mark.skipif("note-below-table" not in ISSUE_CODES,
                    reason="the note-below-table warning comes with the reader of issue 10, not yet merged")
def test_notes_below_the_table_are_shown(run, tmp_path):
    warned = write_return_with_warnings(tmp_path / "schools.xlsx")
    [file] = json.loads(run("validate", "--format", "json", warned).stdout)["files"]
    notes = [i for i in file["issues"] if i["code"] == "note-below-table"]
    assert len(notes) == 1
    assert NOTE_BELOW in notes[0]["message"]
    assert NOTE_BELOW in squash(run("validate", "--format", "text", warned).stdout)


# --- report --compare ----------------------------------------------------------------------------------------


def test_report_compare_shows_the_progress_since_the_last_round(run, returns, merged, tmp_path):
    camhs = returns / "return-0.xlsx"  # the last round: CAMHS did not yet meet 1.1.1
    workbook = openpyxl.load_workbook(camhs)
    builders.put(workbook, "1.1.1", meets="No")
    workbook.save(camhs)
    old = tmp_path / "last-round.xlsx"
    assert run("merge", returns, "-o", old, "--as-of", "2026-03-01").exit_code == 0
    page = tmp_path / "report.html"
    result = run("report", merged, "-o", page, "--compare", old)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{page}\n"
    assessment, plan, info = workflow.read_round(merged)
    last, last_plan, last_info = workflow.read_round(old)
    expected = compare(last, assessment, last_plan, plan, old_meta=last_info, new_meta=info)
    improved = [r.recommendation for r in expected.recommendations if r.change == "improved"]
    assert "1.1.1" in improved
    text = squash(re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8")))
    assert "Progress since the assessment as of 1 March 2026" in text and "the merge of" not in text
    assert f"Improved ({len(improved)})" in text
    actions = expected.actions.to_dict()
    assert (f"Actions: {actions['closed']} closed, {actions['new']} new, {actions['still_open']} still open" in text)


def test_report_compare_with_a_file_that_is_no_merged_workbook(run, returns, merged, tmp_path):
    result = run("report", merged, "-o", tmp_path / "report.html", "--compare", returns / "return-0.xlsx")
    assert result.exit_code == 1
    assert "not a merged baseline workbook" in result.stderr
    assert not (tmp_path / "report.html").exists()
