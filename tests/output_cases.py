"""Returns built in code for the tests of what people read (terminal, text, CSV): a return with the mistakes people
make, and a small assessment with non-ASCII agency names, formula-looking owners and actions, risks and overdue
actions. Built with the real writer (tests.cases.builders); nothing committed, nothing from ../shared.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from baseline.assessment import ActionStatus, Answer, Choice, YesNo
from tests.cases import builders

Y, P, N = Choice.YES, Choice.PARTIAL, Choice.NO
AS_OF = "2027-03-01"

# Names a spreadsheet or an old Windows code page garbles; the same job title in two agencies is two owners.
CAMHS = "Équipe Santé Mentale – Nord"
SCHOOLS = "North Schools Partnership"
YOUTH = "Gwasanaeth Ieuenctid Dŵr"
SHARED_OWNER = "Head of Inclusion"
# Text a spreadsheet would run as a formula if a CSV wrote it as it is (OWASP CSV injection).
FORMULA_OWNER = "=HYPERLINK(\"http://evil.example\",\"Click\")"
PHONE_OWNER = "+44 1234 567890"
MINUS_ACTION = "-2+3 more liaison nurses"
AT_ACTION = "@SUM(1,2) training sessions"
TYPED_MARKUP = "[red]Perhaps[/red]"  # what someone typed: shown as typed, never taken for terminal markup
NOTE_BELOW = "We restructure in April: ask J. Murphy."

# Unicode box drawing and block characters: none may appear in text meant for an email or a spreadsheet.
BOX_DRAWING = re.compile(r"[\u2500-\u259f]")
ANSI_ESCAPE = re.compile(r"\x1b\[")


def _assessment_answers():
    return {
        CAMHS: (["mental_health"], {
            "1.1.1": Answer("1.1.1", Y, Y, evidence="Leaflet v2 in use", completed_by="R. Shah"),
            "1.1.2": Answer("1.1.2", Y, P, action="Review the pathway", owner=FORMULA_OWNER, risk=YesNo.YES,
                            deadline=dt.date(2027, 1, 31), action_status=ActionStatus.IN_PROGRESS),
            "1.1.3": Answer("1.1.3", Y, N, action=MINUS_ACTION, owner=PHONE_OWNER, risk=YesNo.YES,
                            deadline=dt.date(2027, 6, 30), action_status=ActionStatus.NOT_STARTED),
            "1.1.4": Answer("1.1.4", Y, P, action=AT_ACTION, owner=SHARED_OWNER,
                            deadline=dt.date(2027, 2, 15), action_status=ActionStatus.NOT_STARTED),
            "1.10.1": Answer("1.10.1", Y, N, action="Agree a local protocol", owner=SHARED_OWNER, risk=YesNo.NO,
                             deadline=dt.date(2027, 9, 30)),
        }),
        SCHOOLS: (["education"], {
            "1.1.1": Answer("1.1.1", Y, P, action="Train staff", owner=SHARED_OWNER, risk=YesNo.NO,
                            deadline=dt.date(2027, 2, 1), action_status=ActionStatus.IN_PROGRESS),
            "1.10.1": Answer("1.10.1", Y, Y, evidence="In the safeguarding policy"),
        }),
        YOUTH: (["criminal_justice"], {
            "1.1.1": Answer("1.1.1", N),
            "1.1.2": Answer("1.1.2", Y, Y, evidence="Youth justice protocol"),
        }),
    }


def expected_actions() -> list[tuple[str, str, str]]:
    """(agency, recommendation, owner) of every action the returns hold, as the fixture built them."""
    return sorted((agency, rec, answer.owner) for agency, (_sectors, answers) in _assessment_answers().items()
                  for rec, answer in answers.items() if answer.action or answer.owner)


def write_returns(folder: Path) -> Path:
    """Three valid returns (warnings allowed) in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for index, (agency, (sectors, answers)) in enumerate(_assessment_answers().items()):
        workbook = builders.new_workbook(prefill=answers, agency=agency, sectors=sectors)
        builders.save(workbook, folder / f"return-{index}.xlsx")
    return folder


def write_return_with_warnings(path: Path) -> Path:
    """A valid return with warnings: an action without an owner, and a note typed below the table."""
    workbook = builders.new_workbook(agency=SCHOOLS, sectors=["education"], prefill={
        "1.1.1": Answer("1.1.1", Y, N, action="Write a plan", deadline=dt.date(2027, 5, 1)),
    })
    sheet = builders.assessment(workbook)
    last = max(row for row in range(builders.header_row(sheet) + 1, sheet.max_row + 1)
               if sheet.cell(row, builders.column_of(sheet, "recommendation")).value)
    sheet.cell(last + 3, builders.column_of(sheet, "evidence")).value = NOTE_BELOW
    return builders.save(workbook, path)


def write_return_with_mistakes(path: Path) -> Path:
    """The mistakes people make (as in `make demo`'s late return, and a few more): errors and warnings with long
    messages, each naming its cell."""
    workbook = builders.new_workbook(agency="Northshire Ambulance Service", sectors=["ambulance"])
    builders.put(workbook, "1.1.1", relevant="yes ", meets="Maybe")
    builders.put(workbook, "1.1.2", relevant="Yes", meets="No", action="Write a plan", deadline="after the summer")
    builders.put(workbook, "1.1.3", meets="Yes")
    builders.put(workbook, "1.1.4", relevant="Yes", meets="Partial", action="Audit records", owner="Matron",
                 deadline="31/13/2027")
    builders.put(workbook, "1.2.1", relevant=TYPED_MARKUP, meets="No")
    return builders.save(workbook, path)


def squash(text: str) -> str:
    return " ".join(text.split())


def tokens(output: str) -> set[str]:
    """The words of terminal output: split at whitespace and at table borders, a trailing colon dropped (a label
    "Owner:" is the word "Owner")."""
    return {word.rstrip(":") for word in re.split(r"[\s\u2500-\u257f]+", output)} - {""}


def broken_words(output: str, text: str) -> list[str]:
    """Words of `text` that do not appear whole in `output` (a word folded mid-way is missing)."""
    found = tokens(output)
    return [word for word in text.split() if word.rstrip(":") not in found]
