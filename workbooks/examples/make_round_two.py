"""The example agencies' second round for `make demo`, deterministically: they review their prefilled workbooks.

    python workbooks/examples/make_round_two.py DIR

DIR holds the workbooks `baseline generate CONFIG -o DIR --prefill MERGED.xlsx` wrote. Each agency but the last
reviews its rows (openpyxl standing in for Excel): every other partially met recommendation with an action is now met
and its action Complete; every other action not started is now in progress; and one met recommendation in twelve has
slipped to partially met, with a new action. The last agency sends its workbook back untouched, which `baseline
validate` reports as `unchanged-return`. Everything here is fictional.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import openpyxl

from baseline.xlsx.agency import layout
from baseline.xlsx.cells import normalise_header

NEW_ACTION = "Refresh the training after staff turnover and re-audit."
NEW_DEADLINE = dt.datetime(2027, 12, 31)


def review(path: Path) -> int:
    """Change a few answers the way an agency reviewing its rows would; returns how many rows changed."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[layout.ASSESSMENT_SHEET]
    header = {normalise_header(c.value): c.column for c in sheet[layout.HEADER_ROW] if c.value}
    col = {c.key: header[normalise_header(c.header)] for c in layout.ASSESSMENT_COLUMNS}

    def cell(row: int, key: str):
        return sheet.cell(row, col[key])

    rows = [r for r in range(layout.FIRST_DATA_ROW, sheet.max_row + 1) if cell(r, "recommendation").value]
    partial = not_started = met = changed = 0
    for row in rows:
        meets, status = cell(row, "meets").value, cell(row, "action_status").value
        if meets == "Partial" and cell(row, "action").value:
            partial += 1
            if partial % 2:
                cell(row, "meets").value, cell(row, "action_status").value = "Yes", "Complete"
                cell(row, "risk").value = "No"
                changed += 1
        elif status == "Not started":
            not_started += 1
            if not_started % 2:
                cell(row, "action_status").value = "In progress"
                changed += 1
        elif meets == "Yes" and not cell(row, "action").value:
            met += 1
            if met % 12 == 0:
                owner = cell(row, "completed_by").value or "Service manager"
                cell(row, "meets").value, cell(row, "risk").value = "Partial", "Yes"
                cell(row, "action").value, cell(row, "owner").value = NEW_ACTION, owner.split(",")[0]
                cell(row, "deadline").value, cell(row, "action_status").value = NEW_DEADLINE, "Not started"
                changed += 1
    workbook.save(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    workbooks = sorted(args.folder.glob("*.xlsx"))
    if not workbooks:
        print(f"no workbooks in {args.folder}", file=sys.stderr)
        return 1
    for path in workbooks[:-1]:
        print(f"{path.name}: {review(path)} row(s) changed", file=sys.stderr)
    print(f"{workbooks[-1].name}: sent back untouched", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
