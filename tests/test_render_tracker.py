"""The tracker for people (baseline/render/tracker.py), on hand-built reports: chase list, terminal table, JSON."""

from __future__ import annotations

import datetime as dt
import json
import re

from markdown_it import MarkdownIt

from baseline.render import returned_sentence
from baseline.render.tracker import (
    markdown_text,
    one_line,
    print_tracker,
    tracker_json,
    tracker_markdown,
)
from baseline.tracker import ReceivedFile, track_returns
from tests.test_tracker import AFTER, NG225, config_data, folder, make_config, received

HOSTILE = "Youth <b>Justice</b> | *Team* #1 [link](http://x)"


def report_of(files=None, data=None, as_of=AFTER):
    return track_returns(make_config(data), NG225, folder() if files is None else files, as_of)


def html_of(markdown: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(markdown)


def test_chase_list_names_who_is_missing_whom_to_contact_and_what_is_wrong():
    text = tracker_markdown(report_of())
    assert text.startswith("# Returns for Northshire, round 2027: NG225@2022-09-07\n\nReturns were due by "
                           "31 January 2027. As of 3 February 2027, 2 of 8 agencies have a valid return; 1 invalid, "
                           "1 blank, 1 duplicate, 3 missing; 6 overdue.\n")
    assert "## Not yet returned (3)\n\n| Agency | State | Contact |\n|---|---|---|\n" \
           "| Northshire ED | missing, overdue | (no contact in the config) |\n" in text
    assert "## Returned, but not usable yet (3)" in text
    assert "- **Northshire GP Federation** (invalid, overdue)\n  - returns/gp.xlsx Assessment!E7: Write Yes, " \
           "Partial or No (not 'Maybe 7')." in text
    assert "- **Northshire Social Care** (blank, overdue)\n  - returns/social-care.xlsx came back with no answers" in text
    assert "- **Northshire Youth Justice** (duplicate, overdue)\n  - 2 returns for agency" in text
    assert "## Returned (2)" in text
    assert "| Northshire CAMHS | returns/camhs.xlsx | 2027-01-20 10:00 UTC | A. Person | 40 of 40 | 2 |" in text
    assert "## Files that belong to no agency of this assessment (3)" in text
    assert "- **returns/notes.docx**: Not a spreadsheet: skipped." in text


def test_chase_list_gives_the_contact_of_a_missing_agency():
    data = config_data()
    data["agencies"][3]["contact"] = {"name": "K. Patel", "email": "k.patel@example.org", "phone": "01234 567890"}
    text = tracker_markdown(report_of(data=data))
    assert "| Northshire ED | missing, overdue | K. Patel, k.patel@example.org, 01234 567890 |" in text


def test_chase_list_before_the_deadline_says_nothing_is_overdue():
    text = tracker_markdown(report_of(as_of=dt.date(2027, 1, 10)))
    assert "overdue" not in text
    assert "| Northshire Ambulance | missing | (no contact in the config) |" in text


def test_chase_list_lists_a_valid_return_to_check():
    files = [received("returns/northshire-camhs.xlsx", "Northshire GP Federation")]
    text = tracker_markdown(report_of(files))
    assert "## Returned, but please check (1)\n\n- **Northshire GP Federation**\n  - The file name " in text


def test_chase_list_escapes_what_agencies_and_files_contain():
    data = config_data()
    data["agencies"][0]["name"] = HOSTILE
    files = [
        received("returns/a|b <i>x</i>.xlsx", HOSTILE, completed_by="Ann\n# Heading\n<script>alert(1)</script>"),
        received("returns/gp.xlsx", "Northshire GP Federation", blank=True, completed_by="x | y"),
    ]
    text = tracker_markdown(report_of(files, data))
    html = html_of(text)
    # no HTML from the data, no link, no emphasis, no heading but ours
    assert "<b>" not in html and "<i>" not in html and "<script>" not in html and "<a " not in html
    assert "<em>" not in html and "<strong>*" not in html
    assert re.findall(r"<h\d>", html) == ["<h1>", "<h2>", "<h2>", "<h2>"]
    assert "&lt;b&gt;Justice&lt;/b&gt; | *Team* #1 [link](http://x)" in html  # shown as typed
    # every table row still has its cells: the pipes in the data did not add columns
    for table in re.findall(r"<table>.*?</table>", html, flags=re.S):
        header_cells = len(re.findall(r"<th>", table.split("</thead>")[0]))
        for body_row in re.findall(r"<tr>(.*?)</tr>", table.split("</thead>")[1], flags=re.S):
            assert len(re.findall(r"<td>", body_row)) == header_cells
    assert "Ann # Heading" in html.replace("\\", "")


def test_markdown_text_and_one_line():
    assert markdown_text("a|b\nc <b>d</b> *e* _f_ `g` [h] #i ~j \\k") == \
        "a\\|b c \\<b\\>d\\</b\\> \\*e\\* \\_f\\_ \\`g\\` \\[h\\] \\#i \\~j \\\\k"
    assert one_line("x\x1b[31m red\r\n\u2028 y\t") == "x [31m red y"
    assert one_line(None) == ""


def test_terminal_table_reads_at_80_columns_and_never_takes_markup(capsys):
    data = config_data()
    data["agencies"][0]["name"] = "[bold]Loud[/bold] CAMHS"
    files = folder()
    files[0] = received("returns/camhs.xlsx", "[bold]Loud[/bold] CAMHS", completed_by="P.\x1b[2J Lee")
    print_tracker(report_of(files, data))
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "Returns: Northshire · round 2027 · NG225@2022-09-07 · return by 2027-01-31 · as of 2027-02-03"
    assert lines[1] == "2 of 8 agencies have a valid return; 1 invalid, 1 blank, 1 duplicate, 3 missing; 6 overdue."
    assert "[bold]Loud[/bold] CAMHS" in out
    assert "\x1b" not in out
    assert all(len(line) <= 80 for line in lines[2:] if "─" in line or "  " in line)  # the tables fit 80 columns
    assert re.search(r"^Northshire Youth Justice +duplicate, overdue +39 of 40 +0 +0$", out, flags=re.M)
    assert "Files received (6)" in out
    assert "returns/notes.docx" in out and "Not a spreadsheet: skipped." in out
    assert "Northshire Social Care: returns/social-care.xlsx came back with no answers" in out


def test_json_is_the_library_result():
    report = report_of()
    assert json.loads(tracker_json(report)) == report.to_dict()


def test_an_unreadable_return_shows_no_answered_count(capsys):
    files = [ReceivedFile("Schools.csv", None, valid=False, errors=1, reason="unreadable")]
    print_tracker(report_of(files))
    assert re.search(r"^Northshire Schools +invalid, overdue +1 +0$", capsys.readouterr().out, flags=re.M)


def test_returned_sentence_names_the_missing_agencies():
    assert returned_sentence(8, ["North CAMHS", "North ED"]) == "6 of 8 agencies returned; missing: North CAMHS, North ED."
    assert returned_sentence(8, []) == "8 of 8 agencies returned."
    assert returned_sentence(1, []) == "1 of 1 agency returned."
