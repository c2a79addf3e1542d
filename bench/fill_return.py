"""Answer every recommendation of a blank workbook, as an agency would (openpyxl standing in for Excel).

    python bench/fill_return.py BLANK.xlsx AGENCY OUT_DIR SEED...

writes OUT_DIR/filled-SEED.xlsx for each seed: the same blank answered differently.

A script of its own, run as a subprocess, so the harness itself stays small: a child's peak memory as the
kernel reports it starts from the parent's.
"""

import datetime as dt
import random
import sys
from pathlib import Path

import openpyxl

YES_PARTIAL_NO = ["Yes", "Partial", "No"]
STATUSES = ["Not started", "In progress", "Complete"]
NEEDED = ["Recommendation", "Relevant to us?", "Meets it?", "Evidence / current activity", "Action needed",
          "Action owner", "Deadline", "Action status", "Risk if not done?", "Completed by"]


def assessment_sheet(workbook):
    """The sheet with the answer columns, found by its headers as users see them (not by the package's layout)."""
    for sheet in workbook.worksheets:
        headers = [cell.value for cell in sheet[1]]
        if "Recommendation" in headers and "Meets it?" in headers:
            column = {header: index + 1 for index, header in enumerate(headers) if header}
            missing = [header for header in NEEDED if header not in column]
            if missing:
                raise SystemExit(f"bench: the Assessment sheet has no column {missing}: update bench/fill_return.py")
            return sheet, column
    raise SystemExit("bench: no sheet with the headers 'Recommendation' and 'Meets it?' in the generated workbook")


def answers(rng: random.Random, rec_id: str, agency: str, seed: int) -> dict:
    meets = rng.choice(YES_PARTIAL_NO)
    values = {
        "Relevant to us?": rng.choice(["Yes", "Partial"]), "Meets it?": meets,
        "Evidence / current activity": f"Evidence for {rec_id} from {agency}. " * rng.randint(1, 5),
        "Risk if not done?": rng.choice(["Yes", "No"]), "Completed by": f"Person {seed}",
    }
    if meets != "Yes":
        values.update({
            "Action needed": f"Action on {rec_id}", "Action owner": f"Owner {rng.randint(1, 20)}",
            "Deadline": dt.datetime(2027, 1, 1) + dt.timedelta(days=rng.randint(0, 365)),
            "Action status": rng.choice(STATUSES),
        })
    return values


def fill(blank: str, agency: str, seed: int, out: Path) -> None:
    workbook = openpyxl.load_workbook(blank)
    sheet, column = assessment_sheet(workbook)
    rng = random.Random(seed)
    answered = 0
    for row in range(2, sheet.max_row + 1):
        rec_id = sheet.cell(row, column["Recommendation"]).value
        if not rec_id:
            continue  # a section heading row
        for header, value in answers(rng, rec_id, agency, seed).items():
            sheet.cell(row, column[header]).value = value
        answered += 1
    if not answered:
        raise SystemExit("bench: the generated workbook lists no recommendation")
    workbook.save(out)


def main() -> int:
    blank, agency, out_dir = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    for seed in map(int, sys.argv[4:]):
        fill(blank, agency, seed, out_dir / f"filled-{seed}.xlsx")
    return 0


if __name__ == "__main__":
    sys.exit(main())
