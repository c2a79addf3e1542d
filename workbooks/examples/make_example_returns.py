"""Make the example agencies' *filled* returns for `make demo`, deterministically.

    python workbooks/examples/make_example_returns.py OUT_DIR [--problem-dir DIR]

Reads `assessment.yaml` beside this script, fills each agency's workbook with realistic (invented) answers — some
recommendations met, some gaps with actions, owners and deadlines, a few overdue as of 2027-03-01 — and, when
LibreOffice is installed, re-saves one return with it, as happens when an agency uses LibreOffice. The late
agency's return is left out (with --problem-dir it is written there, with the mistakes people make, to show
`baseline validate` at work), and one agency never returns, to show `baseline status` at work.
Everything here is fictional; no NICE text is used.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import openpyxl

from baseline.assessment import ActionStatus, Answer, Choice, YesNo
from baseline.files import safe_filename
from baseline.workflow import load_config
from baseline.xlsx.agency import layout
from baseline.xlsx.agency.writer import write_agency_workbook
from baseline.xlsx.cells import normalise_header

HERE = Path(__file__).parent
GENERATED_AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.timezone.utc)
LATE_AGENCY = "Northshire Ambulance Service"  # its return comes late, with mistakes (--problem-dir)
NEVER_RETURNS = "Northshire Police"  # still missing when the demo merges

# Per agency: how far along it is (chance that an applicable recommendation is fully met), who answers, who owns actions.
PROFILES = {
    "mental_health": (0.85, "Dr R. Shah, Consultant Psychiatrist", ["CAMHS Clinical Lead", "Liaison Team Manager"]),
    "emergency_care": (0.75, "S. Okafor, ED Matron", ["ED Clinical Director", "Lead Nurse for Mental Health"]),
    "primary_care": (0.7, "Dr L. Evans, GP Mental Health Lead", ["Practice Manager", "Clinical Director, PCN"]),
    "social_care": (0.8, "J. Murphy, Head of Safeguarding", ["Principal Social Worker", "Workforce Development Lead"]),
    "education": (0.7, "K. Patel, Designated Safeguarding Lead", ["Mental Health Support Team Lead", "Head of Inclusion"]),
    "criminal_justice": (0.65, "T. Walsh, YJS Operations Manager", ["YJS Health Lead"]),
    "voluntary_sector": (0.8, "M. Green, Services Director", ["Volunteer Coordinator", "Services Director"]),
}
EVIDENCE = [
    "Covered by our self-harm pathway (v3, 2026); audited in the last 12 months.",
    "Staff follow the local protocol; compliance checked in supervision.",
    "In place for most teams; gaps out of hours.",
    "Described in our induction training; uptake 78% of staff.",
    "Joint working agreement with CAMHS and the liaison team.",
]
ACTIONS = [
    "Review the local pathway against this recommendation and agree changes at the operational group.",
    "Add this to mandatory training and report uptake quarterly.",
    "Agree an information-sharing protocol with partner agencies.",
    "Audit a sample of records and present findings to the governance meeting.",
    "Update the leaflet and web page for people who have self-harmed and their families.",
]


def answers_for(agency: str, sectors: list[str], listed: list[str], seed: int) -> dict[str, Answer]:
    rng = random.Random(seed)
    met_rate, person, owners = PROFILES.get(sectors[0], (0.5, "Assessment lead", ["Service Manager"]))
    answers = {}
    for i, rec_id in enumerate(listed):
        roll = rng.random()
        if i % 11 == 7:  # the odd recommendation does not apply to this service
            answers[rec_id] = Answer(rec_id, relevant=Choice.NO, evidence="Not provided by this service.", completed_by=person)
            continue
        if i % 13 == 5:  # and the odd one not assessed yet
            continue
        relevant = Choice.PARTIAL if rng.random() < 0.15 else Choice.YES
        meets = Choice.YES if roll < met_rate else Choice.PARTIAL if roll < 0.93 else Choice.NO
        answer = dict(recommendation=rec_id, relevant=relevant, meets=meets, evidence=rng.choice(EVIDENCE),
                      risk=YesNo.NO if meets is Choice.YES else YesNo.YES, completed_by=person)
        if meets is not Choice.YES:
            # Deadlines around the as-of date of the demo (2027-03-01): some are already overdue.
            deadline = dt.date(2026, 12, 1) + dt.timedelta(days=rng.randrange(0, 300, 7))
            answer.update(action=rng.choice(ACTIONS), owner=rng.choice(owners), deadline=deadline,
                          action_status=rng.choice([ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS,
                                                    ActionStatus.IN_PROGRESS, ActionStatus.COMPLETE]))
            if rng.random() < 0.1:
                answer["owner"] = ""  # an owner still to be agreed: validate warns about it
        answers[rec_id] = Answer(**answer)
    return answers


def stamp_last_saved(path: Path, moment: dt.datetime) -> None:
    """Give the return the last-saved time its agency's save would have left in docProps/core.xml (what `status`
    shows and `merge --latest` goes by); openpyxl stamps the moment it wrote the file instead."""
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + stamp + rb"\g<2>",
                              data)
            target.writestr(info, data)
    path.write_bytes(buffer.getvalue())


def resave_with_libreoffice(path: Path) -> bool:
    """Open and save the file with LibreOffice (as an agency using LibreOffice would). False if not installed."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--norestore",
                        "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", f"{tmp}/out", str(path)],
                       check=True, capture_output=True, timeout=180)
        shutil.move(f"{tmp}/out/{path.name}", path)
    return True


def write_problem_return(path: Path, guideline, agency: str, sectors: list[str], area: str, round: str = "") -> None:
    """A return with typical mistakes, edited the way a person would (openpyxl standing in for Excel)."""
    write_agency_workbook(path, guideline, agency=agency, sectors=sectors, area=area, round=round,
                          generated_at=GENERATED_AT, force=True)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[layout.ASSESSMENT_SHEET]
    header = {normalise_header(c.value): c.column for c in sheet[layout.HEADER_ROW]}
    col = {c.key: header[normalise_header(c.header)] for c in layout.ASSESSMENT_COLUMNS}
    rows = [r for r in range(layout.FIRST_DATA_ROW, sheet.max_row + 1) if sheet.cell(r, col["recommendation"]).value]
    first, second, third, fourth, fifth = rows[:5]
    sheet.cell(first, col["relevant"]).value = "yes "  # fine: normalised to Yes
    sheet.cell(first, col["meets"]).value = "Maybe"  # not a choice
    sheet.cell(second, col["relevant"]).value = "Yes"
    sheet.cell(second, col["meets"]).value = "No"
    sheet.cell(second, col["action"]).value = "Write a plan"
    sheet.cell(second, col["deadline"]).value = "after the summer"  # not a date: kept as text, with a warning
    sheet.cell(third, col["meets"]).value = "Yes"  # answered, but relevance left blank
    sheet.cell(fourth, col["relevant"]).value = "Y"  # clear enough: read as Yes, and said so
    sheet.cell(fourth, col["meets"]).value = "Partially"
    sheet.cell(fourth, col["action"]).value = "Train the crews"
    sheet.cell(fourth, col["owner"]).value = "Clinical Lead"
    sheet.cell(fourth, col["deadline"]).value = "31st March 2027"
    sheet.cell(fifth, col["relevant"]).value = "Yes"  # relevant, but "Meets it?" left blank
    sheet.cell(sheet.max_row + 2, col["recommendation"]).value = "Signed off by the board on 12 February"  # a note
    workbook.save(path)
    stamp_last_saved(path, dt.datetime(2027, 2, 20, 14, 10))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--config", type=Path, default=HERE / "assessment.yaml")
    parser.add_argument("--problem-dir", type=Path)
    args = parser.parse_args(argv)
    config, guideline = load_config(args.config)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    written = []
    for seed, agency in enumerate(config.agencies):
        if agency.name in (LATE_AGENCY, NEVER_RETURNS):
            continue
        path = args.out_dir / safe_filename(agency.name, taken)
        taken.add(path.name)
        listed = [r.id for r in guideline.recommendations_for(agency.sector_ids)]
        write_agency_workbook(
            path, guideline, agency=agency.name, sectors=agency.sector_ids, area=config.area,
            round=config.round or "", return_by=config.return_by, facilitator_name=config.facilitator.name,
            facilitator_email=config.facilitator.email, generated_at=GENERATED_AT, force=True,
            prefill=answers_for(agency.name, agency.sector_ids, listed, seed),
        )
        # Returned through January, a day or two apart (LibreOffice's re-save below keeps the time).
        stamp_last_saved(path, dt.datetime(2027, 1, 11, 9, 30) + dt.timedelta(days=2 * seed, hours=seed, minutes=7 * seed))
        written.append(path)
    resaved = resave_with_libreoffice(written[1]) if len(written) > 1 else False
    print(f"{len(written)} example returns in {args.out_dir}"
          + (f" ({written[1].name} re-saved by LibreOffice)" if resaved else " (LibreOffice not installed: no re-save)"),
          file=sys.stderr)
    if args.problem_dir:
        args.problem_dir.mkdir(parents=True, exist_ok=True)
        problem = args.problem_dir / "late-return-with-mistakes.xlsx"
        late = config.agency_named(LATE_AGENCY)
        write_problem_return(problem, guideline, late.name, late.sector_ids, config.area, config.round or "")
        print(f"a return with mistakes in {problem}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
