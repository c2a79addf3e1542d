"""A facilitator's returns folder built in code, with every state the return tracker knows (DESIGN.md "The return
tracker"): one agency per state, plus files that belong to no agency of the config.

Eight files for seven agencies of the config:

| file                              | stamped for                    | what it is                                      |
|-----------------------------------|--------------------------------|-------------------------------------------------|
| camhs.xlsx                        | North CAMHS                    | valid, every row answered                       |
| schools.xlsx                      | North Schools                  | invalid ("Maybe" in Meets it?)                  |
| social-care.xlsx                  | North Social Care              | blank (sent back untouched)                     |
| youth-justice.xlsx                | North Youth Justice            | first return, saved 12/01/2027 (1.1.1 not met)  |
| youth-justice v2 FINAL.xlsx       | North Youth Justice            | resent, saved 26/01/2027 (1.1.1 met)            |
| north-camhs-final.xlsx            | North GP Federation            | the GP's workbook filled in by North CAMHS       |
| ed-severnside.xlsx                | North ED, area Severnside      | another area's return                           |
| ambulance.xlsx                    | Northshire Ambulance Service   | an agency not in the config                     |

North ED (its only file is Severnside's) and North Wellbeing Trust have sent nothing. Both youth-justice files
come from the same blank workbook (same generated-at stamp): only their own last-saved times tell them apart, and
the later one sorts first by name, so file order cannot stand in for the last-saved time.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

from baseline.assessment import ActionStatus, Answer, Choice

from .builders import guideline, new_workbook, put, rewrite_part, save

UTC = dt.timezone.utc
AREA = "Northshire"
ROUND = "2027"
RETURN_BY = dt.date(2027, 1, 31)
BEFORE_DEADLINE = dt.date(2027, 1, 20)
AFTER_DEADLINE = dt.date(2027, 2, 3)
Y, P, N = Choice.YES, Choice.PARTIAL, Choice.NO

CAMHS = "North CAMHS"
SCHOOLS = "North Schools"
SOCIAL_CARE = "North Social Care"
YOUTH_JUSTICE = "North Youth Justice"
GP = "North GP Federation"
ED = "North ED"
WELLBEING = "North Wellbeing Trust"
AMBULANCE = "Northshire Ambulance Service"  # not in the config

SECTORS = {CAMHS: ["mental_health"], SCHOOLS: ["education"], SOCIAL_CARE: ["social_care"],
           YOUTH_JUSTICE: ["criminal_justice"], GP: ["primary_care"], ED: ["emergency_care"],
           WELLBEING: ["voluntary_sector"], AMBULANCE: ["ambulance"]}

# The last-saved time each file carries in docProps/core.xml (what Excel writes on every save).
SAVED = {
    "camhs.xlsx": dt.datetime(2027, 1, 18, 14, 2, tzinfo=UTC),
    "schools.xlsx": dt.datetime(2027, 1, 25, 11, 40, tzinfo=UTC),
    "social-care.xlsx": dt.datetime(2027, 1, 29, 8, 15, tzinfo=UTC),
    "youth-justice.xlsx": dt.datetime(2027, 1, 12, 16, 30, tzinfo=UTC),
    "youth-justice v2 FINAL.xlsx": dt.datetime(2027, 1, 26, 9, 5, tzinfo=UTC),
    "north-camhs-final.xlsx": dt.datetime(2027, 1, 27, 10, 0, tzinfo=UTC),
    "ed-severnside.xlsx": dt.datetime(2027, 1, 21, 12, 0, tzinfo=UTC),
    "ambulance.xlsx": dt.datetime(2027, 1, 22, 13, 30, tzinfo=UTC),
}
COMPLETED_BY = {
    "camhs.xlsx": "R. Shah, CAMHS lead",
    "youth-justice.xlsx": "P. Lee",
    "youth-justice v2 FINAL.xlsx": "P. Lee",
    "north-camhs-final.xlsx": "R. Jones, North CAMHS",
}


def config_data() -> dict:
    return {
        "area": AREA,
        "guideline": "NG225",
        "round": ROUND,
        "return_by": "31/01/2027",
        "facilitator": {"name": "A. Facilitator", "email": "facilitator@example.org"},
        "agencies": [
            {"name": CAMHS, "sector": "mental_health", "contact": {"name": "R. Shah", "email": "r.shah@example.org"}},
            {"name": SCHOOLS, "sector": "education"},
            {"name": SOCIAL_CARE, "sector": "social_care"},
            {"name": YOUTH_JUSTICE, "sector": "criminal_justice"},
            {"name": GP, "sector": "primary_care"},
            {"name": ED, "sectors": ["emergency_care"]},
            {"name": WELLBEING, "sector": "voluntary_sector",
             "contact": {"name": "K. Owusu", "email": "k.owusu@example.org", "phone": "01234 567890"}},
        ],
    }


def write_config(folder: Path, data: dict | None = None, name: str = "assessment.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data or config_data(), sort_keys=False), encoding="utf-8")
    return path


def set_last_saved(path: Path, moment: dt.datetime) -> Path:
    """Give a saved workbook the last-saved time Excel would have written (docProps/core.xml dcterms:modified).

    openpyxl stamps the time of saving over `wb.properties.modified`, so the part is rewritten after the save.
    """
    stamp = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ").encode()

    def change(xml: bytes) -> bytes:
        changed, count = re.subn(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                                 rb"\g<1>" + stamp + rb"\g<2>", xml)
        assert count == 1, "docProps/core.xml has no dcterms:modified"
        return changed

    return rewrite_part(path, "docProps/core.xml", change)


def _answered(agency: str, completed_by: str, **overrides: Answer) -> dict[str, Answer]:
    """Every listed recommendation answered Yes / Yes, except those given."""
    listed = guideline().recommendations_for(SECTORS[agency])
    answers = {r.id: Answer(r.id, Y, Y, evidence="In place since 2025", completed_by=completed_by) for r in listed}
    answers.update(overrides)
    return answers


def _write(folder: Path, name: str, agency: str, answers: dict[str, Answer] | None = None,
           area: str = AREA) -> Path:
    wb = new_workbook(prefill=answers, agency=agency, sectors=SECTORS[agency], area=area)
    return set_last_saved(save(wb, folder / name), SAVED[name])


def build_folder(folder: Path) -> Path:
    """The returns folder described at the top of this module."""
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder, "camhs.xlsx", CAMHS, _answered(CAMHS, COMPLETED_BY["camhs.xlsx"]))

    schools = new_workbook(agency=SCHOOLS, sectors=SECTORS[SCHOOLS], area=AREA)
    put(schools, "1.1.1", relevant="Yes", meets="Maybe", completed_by="H. Grant")
    set_last_saved(save(schools, folder / "schools.xlsx"), SAVED["schools.xlsx"])

    _write(folder, "social-care.xlsx", SOCIAL_CARE)

    who = COMPLETED_BY["youth-justice.xlsx"]
    _write(folder, "youth-justice.xlsx", YOUTH_JUSTICE, _answered(YOUTH_JUSTICE, who, **{
        "1.1.1": Answer("1.1.1", Y, N, action="Write a leaflet", owner="YJ Manager", deadline=dt.date(2027, 6, 30),
                        action_status=ActionStatus.NOT_STARTED, completed_by=who)}))
    _write(folder, "youth-justice v2 FINAL.xlsx", YOUTH_JUSTICE,
           _answered(YOUTH_JUSTICE, COMPLETED_BY["youth-justice v2 FINAL.xlsx"]))

    _write(folder, "north-camhs-final.xlsx", GP, _answered(GP, COMPLETED_BY["north-camhs-final.xlsx"]))
    _write(folder, "ed-severnside.xlsx", ED, _answered(ED, "S. Rivers"), area="Severnside")
    _write(folder, "ambulance.xlsx", AMBULANCE, _answered(AMBULANCE, "T. Blake"))
    return folder


def files_of(folder: Path, *names: str) -> list[Path]:
    return [folder / name for name in names]


# The files that can be merged: one per agency, no errors (the youth-justice pair still needs --latest or --keep).
MERGEABLE = ("camhs.xlsx", "social-care.xlsx", "youth-justice.xlsx", "youth-justice v2 FINAL.xlsx",
             "north-camhs-final.xlsx")
