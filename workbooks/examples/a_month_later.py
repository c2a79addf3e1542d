"""A month of the task-and-finish group's work for `make demo`, deterministically.

    python workbooks/examples/a_month_later.py MERGED.xlsx --late-return FILE.xlsx

Stands in for the group working in the merged workbook's `Actions` sheet (openpyxl standing in for Excel): it
closes the overdue actions of the first two owners with a progress note, re-dates one action (typed day-first, as
people do) and gives another a new owner. Then it writes the corrected late return of Northshire Ambulance Service
(the one `make demo` first shows with mistakes), for `baseline merge --update` to take in. Everything here is
fictional; no NICE text is used.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import openpyxl

from baseline import catalogue
from baseline.assessment import ActionStatus, Answer, Choice, YesNo
from baseline.xlsx.agency.writer import write_agency_workbook

AS_OF = dt.date(2027, 3, 1)  # the demo's first merge
SAVED = dt.datetime(2027, 3, 20, 14, 0, tzinfo=dt.timezone.utc)
LATE_AGENCY, LATE_SECTORS = "Northshire Ambulance Service", ["ambulance"]


def edit_plan(path: Path) -> list[str]:
    """The group's edits, as a list of what was done (for the demo's log)."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Actions"]
    header_row = next(r for r in range(1, 11) if any(c.value == "Action ID" for c in sheet[r]))
    col = {c.value: c.column for c in sheet[header_row] if c.value}
    rows = [r for r in range(header_row + 1, sheet.max_row + 1) if sheet.cell(r, col["Recommendation"]).value]

    def value(row: int, name: str):
        return sheet.cell(row, col[name]).value

    def deadline(row: int) -> dt.date | None:
        day = value(row, "Deadline")
        return day.date() if isinstance(day, dt.datetime) else None

    done = []
    overdue = [r for r in rows if value(r, "Status") != "Complete" and deadline(r) and deadline(r) < AS_OF]
    owners = list(dict.fromkeys((value(r, "Agency"), value(r, "Owner")) for r in overdue))[:2]
    for row in overdue:
        if (value(row, "Agency"), value(row, "Owner")) in owners:
            sheet.cell(row, col["Status"]).value = ActionStatus.COMPLETE.value
            sheet.cell(row, col["Progress notes"]).value = "Done: signed off at the March task-and-finish meeting."
            done.append(f"closed {value(row, 'Action ID')} ({value(row, 'Owner')})")
    still_open = [r for r in rows if value(r, "Status") != "Complete"]
    redate, reown = still_open[0], still_open[-1]
    sheet.cell(redate, col["Deadline"]).value = "30/06/2027"
    sheet.cell(redate, col["Progress notes"]).value = "Re-dated: waiting for the new training budget."
    done.append(f"re-dated {value(redate, 'Action ID')} to 30/06/2027")
    sheet.cell(reown, col["Owner"]).value = "Deputy Director of Nursing"
    done.append(f"gave {value(reown, 'Action ID')} to the Deputy Director of Nursing")
    workbook.save(path)
    return done


def write_late_return(path: Path) -> None:
    guideline = catalogue.load("NG225")
    listed = [r.id for r in guideline.recommendations_for(LATE_SECTORS)]
    answers = {rec: Answer(rec, Choice.YES, Choice.YES, evidence="In our clinical guidelines (2026).")
               for rec in listed}
    answers[listed[1]] = Answer(listed[1], Choice.YES, Choice.PARTIAL, evidence="Crews trained in two of five areas.",
                                action="Train the remaining crews on the self-harm module.", owner="Clinical Lead",
                                deadline=dt.date(2027, 9, 30), action_status=ActionStatus.IN_PROGRESS,
                                risk=YesNo.YES, completed_by="P. Hughes, Clinical Lead")
    write_agency_workbook(path, guideline, agency=LATE_AGENCY, sectors=LATE_SECTORS, area="Northshire", round="2027",
                          generated_at=SAVED, prefill=answers, force=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("merged", type=Path)
    parser.add_argument("--late-return", type=Path, required=True)
    args = parser.parse_args(argv)
    for line in edit_plan(args.merged):
        print(f"The group {line}.", file=sys.stderr)
    write_late_return(args.late_return)
    print(f"The late return of {LATE_AGENCY} arrived: {args.late_return}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
