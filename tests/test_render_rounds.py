"""render/rounds.py: compare and migrate output, on results built in code (baseline/rounds.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from baseline import catalogue, render
from baseline.actions import build_plan
from baseline.assessment import Answer, Choice
from baseline.merge import merge_returns
from baseline.rounds import RoundInfo, compare, migrate_return
from baseline.workflow import MigrationOutcome

from .factories import ADDED, REMOVED, make_return, next_version

AT = dt.datetime(2027, 2, 1, 9, 0, tzinfo=dt.timezone.utc)


def _comparison():
    ng225 = catalogue.load("NG225@2022-09-07")
    odd = "Pipes | and [bold]markup[/bold]"
    then = make_return(ng225, odd, {"1.1.1": Answer("1.1.1", Choice.YES, Choice.NO, action="Train", owner="Lead")},
                       sectors=["education"])
    now = make_return(ng225, odd, {"1.1.1": Answer("1.1.1", Choice.YES, Choice.YES)}, sectors=["education"])
    old, new = merge_returns(ng225, [then], merged_at=AT), merge_returns(ng225, [now], merged_at=AT)
    return compare(old, new, build_plan(old), build_plan(new),
                   old_meta=RoundInfo("Northshire", "2027", AT.isoformat(), dt.date(2027, 3, 1)),
                   new_meta=RoundInfo("Northshire", "2028", AT.isoformat(), dt.date(2028, 3, 1)))


def test_markdown_names_both_rounds_escapes_names_and_lists_only_changes():
    text = render.compare_markdown(_comparison())
    assert "Northshire · NG225@2022-09-07 · round 2027 (as of 2027-03-01) → round 2028 (as of 2028-03-01)" in text
    assert "| 1.1.1 | 1.1 | Not met | Met | improved |" in text
    assert "| 1.1.2 |" not in text  # unchanged (not assessed both times): counted, not listed
    assert "Pipes \\| and" in text
    assert "Actions: 0 closed, 0 new, 0 still open" in text  # the action was cleared, not closed


def test_terminal_table_prints_names_as_text_not_markup(capsys):
    render.print_compare(_comparison())
    out = capsys.readouterr().out
    assert "Pipes | and" in out and "[bold]" in out  # shown as typed, never taken as markup
    assert "34 recommendations: 1 improved, 33 same." in out


def test_migration_lines_name_what_was_kept_added_and_removed():
    ng225 = catalogue.load("NG225@2022-09-07")
    target = next_version(ng225)
    agency_return = make_return(ng225, "North CAMHS", {REMOVED: Answer(REMOVED, Choice.NO)}, sectors=["mental_health"])
    migrated, report = migrate_return(agency_return, ng225, target)
    lines = render.migration_lines(MigrationOutcome(Path("out.xlsx"), "return", report))
    assert lines[0] == f"Wrote out.xlsx: answers moved from {ng225.ref} to {target.ref}, {report.kept} kept."
    assert f"New in {target.ref} (blank, flagged NEW, to be answered): {ADDED}." in lines
    assert f"Removed: {REMOVED}, answered by North CAMHS (Not applicable): on the Removed sheet." in lines


def test_migration_lines_stay_short_for_many_agencies():
    ng225 = catalogue.load("NG225@2022-09-07")
    target = next_version(ng225)
    report = None
    for number in range(12):
        agency_return = make_return(ng225, f"Agency {number:02d}", {REMOVED: Answer(REMOVED, Choice.YES, Choice.NO)},
                                    sectors=["mental_health"])
        _, one = migrate_return(agency_return, ng225, target)
        if report is None:
            report = one
        else:
            report.removed += one.removed
    lines = render.migration_lines(MigrationOutcome(Path("out.xlsx"), "merged", report))
    removed = [line for line in lines if line.startswith("Removed:")]
    assert removed == [f"Removed: {REMOVED}, answered by Agency 00 (Not met), Agency 01 (Not met), Agency 02 (Not met), "
                       "Agency 03 (Not met), Agency 04 (Not met) and 7 more: on the Removed sheet."]
