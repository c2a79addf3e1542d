"""issues.py: the code registry and capping a flood of issues of one kind."""

from __future__ import annotations

from baseline.issues import ERROR, ISSUE_CODES, MAX_ISSUES_PER_CODE, WARNING, capped, make_issue


def test_capped_keeps_the_first_of_each_code_then_says_how_many_more():
    flood = [make_issue("unknown-recommendation", f"row {i}", sheet="Assessment", cell=f"A{i}") for i in range(1000)]
    few = [make_issue("owner-missing", "no owner", cell="H3")]
    result = capped(few + flood)
    assert result[: MAX_ISSUES_PER_CODE + 1] == few + flood[:MAX_ISSUES_PER_CODE]
    last = result[-1]
    assert len(result) == MAX_ISSUES_PER_CODE + 2
    assert (last.code, last.severity, last.sheet, last.cell) == ("unknown-recommendation", ERROR, "Assessment", None)
    assert f"{1000 - MAX_ISSUES_PER_CODE:,} more" in last.message


def test_capped_leaves_ordinary_reports_alone():
    issues = [make_issue("owner-missing", "no owner", cell=f"H{i}") for i in range(MAX_ISSUES_PER_CODE)]
    assert capped(issues) is issues


def test_new_codes_are_registered():
    assert ISSUE_CODES["sheet-too-large"] == ERROR and ISSUE_CODES["unknown-sector"] == ERROR
    assert WARNING in ISSUE_CODES.values()


def test_capped_at_one_past_the_limit_says_one_more_in_full():
    issues = [make_issue("answer-on-heading-row", f"row {i}", file="a.xlsx", sheet="Assessment", cell=f"A{i}")
              for i in range(MAX_ISSUES_PER_CODE + 1)]
    result = capped(issues)
    assert result[:MAX_ISSUES_PER_CODE] == issues[:MAX_ISSUES_PER_CODE]
    [last] = result[MAX_ISSUES_PER_CODE:]
    assert (last.code, last.severity, last.file, last.sheet, last.cell, last.message) == (
        "answer-on-heading-row", WARNING, "a.xlsx", "Assessment", None,
        f"…and 1 more like the {MAX_ISSUES_PER_CODE} above, not listed one by one. So many problems of one kind "
        "usually mean rows or values were pasted into the sheet by mistake: remove them, save and send the file again.")
