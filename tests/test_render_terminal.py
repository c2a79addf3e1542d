"""Terminal output that reads well at 80 columns and at 120+: `validate` and `summary` through the CLI, with the
width set the way a terminal sets it (COLUMNS, which rich's Console reads). No word of a message, a section title,
an agency name or a gap summary is broken mid-way; below ~100 columns `validate` shows one block per issue."""

from __future__ import annotations

import json

import pytest
from rich.text import Text

from baseline import catalogue, render, workflow
from tests.output_cases import (
    AS_OF,
    CAMHS,
    SHARED_OWNER,
    TYPED_MARKUP,
    YOUTH,
    broken_words,
    squash,
    write_return_with_mistakes,
    write_returns,
)

WIDTHS = (80, 120, 160)


def terminal(width: int) -> dict:
    """The environment of a terminal `width` columns wide, without colour (so output is plain text to check)."""
    return {"COLUMNS": str(width), "NO_COLOR": "1", "FORCE_COLOR": None, "TTY_COMPATIBLE": None,
            "TTY_INTERACTIVE": None, "LINES": None}


@pytest.fixture
def mistakes(tmp_path, monkeypatch):
    """The return, named as a facilitator names it (relative to the working folder: a path is one long word)."""
    monkeypatch.chdir(tmp_path)
    write_return_with_mistakes(tmp_path / "late-return-with-mistakes.xlsx")
    return "late-return-with-mistakes.xlsx"


@pytest.fixture
def merged(run, tmp_path):
    returns = write_returns(tmp_path / "returns")
    out = tmp_path / "merged.xlsx"
    result = run("merge", returns, "-o", out, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    return out


def issues_of(run, path) -> list[dict]:
    result = run("validate", "--format", "json", path)
    [file] = json.loads(result.stdout)["files"]
    assert len(file["issues"]) >= 6
    return file["issues"]


@pytest.mark.parametrize("width", WIDTHS)
def test_validate_fits_the_terminal_and_breaks_no_word(run, mistakes, width):
    issues = issues_of(run, mistakes)
    result = run("validate", mistakes, env=terminal(width))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= width
    for issue in issues:
        assert broken_words(result.stdout, issue["message"]) == [], issue["message"]
        assert broken_words(result.stdout, issue["code"]) == []


def test_validate_at_80_columns_is_one_block_per_issue(run, mistakes):
    """Each issue's message reads as one paragraph (not a 17-character column), in few lines."""
    issues = issues_of(run, mistakes)
    result = run("validate", mistakes, env=terminal(80))
    text = squash(result.stdout)
    for issue in issues:
        assert squash(issue["message"]) in text
        cell = issue["cell"]
        assert cell and cell in text
    # A block: a line naming the cell, code and severity, then the message wrapped at 80 columns.
    assert len(result.stdout.splitlines()) <= 2 + 5 * len(issues)


def test_validate_blocks_keep_typed_markup_as_text(run, mistakes):
    result = run("validate", mistakes, env=terminal(80))
    assert TYPED_MARKUP in result.stdout
    assert "\x1b[" not in result.stdout


@pytest.mark.parametrize("width", WIDTHS)
def test_summary_fits_the_terminal_and_breaks_no_word(run, merged, width):
    data = json.loads(run("summary", merged, "--format", "json").stdout)
    guideline = catalogue.load("NG225")
    result = run("summary", merged, env=terminal(width))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert max(len(line) for line in out.splitlines()) <= width
    titles = [s["title"] for s in data["sections"] if s["title"]]
    assert "Information and support" in titles
    for title in titles:
        assert broken_words(out, title) == [], title
    for agency in data["agencies"]:
        assert broken_words(out, agency) == [], agency
    for gap in data["gaps"]:
        assert gap["recommendation"] in out
        if gap["summary"]:
            assert broken_words(out, gap["summary"]) == [], gap["summary"]
    assert guideline.ref in out


BREAKDOWN_WORDS = {
    "section": ["Information and support", "Partially met", "Not applicable", "Not assessed", "% met"],
    "agency": [CAMHS, YOUTH, "Partially met", "Not applicable", "Not assessed", "% met"],
    "owner": [CAMHS, SHARED_OWNER, "Earliest open deadline"],
}


@pytest.mark.parametrize("by", sorted(BREAKDOWN_WORDS))
def test_summary_breakdowns_at_80_columns_break_no_word(run, merged, by):
    result = run("summary", merged, "--by", by, env=terminal(80))
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    for words in BREAKDOWN_WORDS[by]:
        assert broken_words(result.stdout, words) == [], words


def test_summary_headline_gives_both_views(run, merged):
    data = json.loads(run("summary", merged, "--format", "json").stdout)
    out = squash(run("summary", merged, env=terminal(120)).stdout)
    system, answers = data["totals"], data["agency_answers"]
    system_applicable = sum(n for s, n in system.items() if s != "not_applicable")
    answers_applicable = sum(n for s, n in answers.items() if s != "not_applicable")
    assert f"{system['met']} of {system_applicable} recommendations met" in out
    assert f"{answers['met']} of {answers_applicable} agency answers met" in out
    assert AS_OF in out


def test_summary_gaps_show_summaries_and_risk_flags(run, merged):
    data = json.loads(run("summary", merged, "--format", "json").stdout)
    out = run("summary", merged, env=terminal(80)).stdout
    flagged = [g for g in data["gaps"] if g["risk"]]
    assert flagged, "the fixture flags risks"
    text = squash(out)
    for gap in data["gaps"]:
        if gap["summary"]:
            assert squash(gap["summary"]) in text  # at 80 columns a gap is a block: its summary reads whole
    assert text.count("risk flagged") == len(flagged)


def test_summary_owner_table_names_the_agency_and_earliest_open_deadline(run, merged):
    data = json.loads(run("summary", merged, "--format", "json").stdout)
    out = run("summary", merged, "--by", "owner", env=terminal(120)).stdout
    assert "Agency" in out and broken_words(out, "Earliest open deadline") == []
    shared = [o for o in data["owners"] if o["owner"] == SHARED_OWNER]
    assert len(shared) == 2  # one job title in two agencies: two owners
    for owner in data["owners"]:
        if owner["earliest_open_deadline"] and owner["earliest_open_deadline"] < AS_OF:
            assert broken_words(out, f"overdue since {owner['earliest_open_deadline']}") == []


# --- the layout rules themselves, on hand-built text ---------------------------------------------------------


def test_fit_columns_never_narrower_than_a_word_and_never_wider_than_the_terminal():
    header = ["Section", "Title", "Partially met"]
    rows = [["1.10", "Consent and confidentiality in practice", "3"], ["1.2", "Safeguarding", "12"]]
    for width in (40, 60, 80, 120):
        widths = render.fit_columns(header, rows, width, no_wrap=(0,))
        assert widths is not None
        assert sum(widths) + render.table_chrome(3) <= width
        assert widths[0] >= len("Section") and widths[1] >= len("confidentiality") and widths[2] >= len("Partially")
    assert render.fit_columns(header, rows, 30, no_wrap=(0,)) is None  # the words cannot sit side by side


def test_fit_columns_gives_short_columns_all_they_need_first():
    header = ["Status", "Summary"]
    rows = [["Partially met", "word " * 40]]
    widths = render.fit_columns(header, rows, 60)
    assert widths[0] == len("Partially met")  # never wrapped for want of a few cells
    assert sum(widths) + render.table_chrome(2) == 60


def test_wrap_words_breaks_at_spaces_and_keeps_a_long_path_whole():
    path = "/a/very/long/folder/name/that/is/longer/than/a/line/late-return-with-mistakes.xlsx"
    lines = [line.plain for line in render.wrap_words(Text(f"See {path} and fix the cells it names today."), 30)]
    assert path in lines
    assert " ".join(lines).split() == f"See {path} and fix the cells it names today.".split()
    assert all(len(line) <= 30 for line in lines if line != path)


def test_validate_text_is_the_library_text(run, mistakes):
    result = run("validate", "--format", "text", mistakes)
    assert result.stdout == render.validation_text(workflow.validate_files([mistakes]))
