"""Build NICE-format baseline assessment tools (BATs) in code, with INVENTED recommendation text.

The layout follows NICE's published template (sheets, title and date lines, header texts including their trailing
spaces, fills, the hidden Dropdowns sheet). Options reproduce what NICE tells users to do with the sheet: rename
headers, add and hide columns, merge cells, and what happens to text: bullets and line breaks.
No NICE recommendation text is used anywhere: every recommendation sentence here is made up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

# NICE's Data sheet columns A–M: (meaning, exact header). Two headers end with a space, as in NICE's template.
NICE_COLUMNS: list[tuple[str, str]] = [
    ("text", "NICE recommendation (taken from the guideline)"),
    ("number", "Guideline recommendation"),
    ("year", "Year of recommendation"),
    ("relevant", "Is the recommendation relevant to your service or organisation? (yes/no/partial)"),
    ("evidence", "Evidence of current activity to meet the recommendation (If the recommendation is not applicable to "
                 "your service or organisation you may wish to record why not) "),
    ("meets", "Does your service or organisation meet the recommendation? (yes/no/partial)"),
    ("action", "If the recommendation is not met, what action is needed to implement the recommendation? (You may wish "
               "to record barriers to implementation in this column)"),
    ("risk", "Is there a risk associated with not implementing this recommendation? (yes/no)"),
    ("cost", "Is there a cost or saving (or other benefit) associated with implementing this recommendation? "),
    ("capacity", "Is there a capacity impact associated with implementing this recommendation?"),
    ("deadline", "Deadline"),
    ("owner", "Responsible lead"),
    ("completed_by", "Completed by"),
]

SECTION_FILL = "00436C"
SUBHEADING_FILL = "228096"
EXPLANATORY_FILL = "EAD054"

NG225_TITLE = "self-harm: assessment, management and preventing recurrence"  # as NICE writes it after "for"


@dataclass
class Row:
    kind: str  # section | subheading | subsubheading | explanatory | rec | blank
    text: str = ""
    number: str | None = None
    year: Any = None
    answers: dict[str, Any] = field(default_factory=dict)


def section(text: str) -> Row:
    return Row("section", text)


def subheading(text: str) -> Row:
    return Row("subheading", text)


def subsubheading(text: str) -> Row:
    return Row("subsubheading", text)


def explanatory(text: str) -> Row:
    return Row("explanatory", text)


def rec(number: str, text: str | None = None, year: Any = 2022, **answers: Any) -> Row:
    return Row("rec", text if text is not None else f"Invented recommendation {number}: do the made-up thing.",
               number, year, answers)


def blank() -> Row:
    return Row("blank")


def standard_rows() -> list[Row]:
    """A small invented guideline with every kind of row NICE's tool has (ids chosen to overlap NG225's)."""
    return [
        section("1.1 Invented information heading"),
        explanatory("Invented explanation: these made-up recommendations are for testing only."),
        rec("1.1.1", "Invented text one.\n• first invented point\n• second invented point", 2022),
        rec("1.1.2", "Invented text two: • flattened point a • flattened point b", "2004, amended 2022"),
        rec("1.1.3", "Invented text three,\r\nwith a line break.", 2022),
        rec("1.1.4", "Invented text four.", 2011),
        section("1.2 Invented consent heading"),
        subheading("Invented sub-heading A"),
        rec("1.2.1", "Invented text 1.2.1."),
        rec("1.2.2", "Invented text 1.2.2."),
        subheading("Invented sub-heading B"),
        subsubheading("Invented sub-sub-heading"),
        rec("1.2.3", "Invented text 1.2.3."),
        section("1.5 Invented psychosocial heading"),
        rec("1.5.1", "Invented text 1.5.1."),
        rec("1.5.2", "Invented text 1.5.2."),
        section("1.10 Invented tenth heading"),
        rec("1.10.1", "Invented text 1.10.1."),
    ]


def build_bat(
    path: Path,
    rows: list[Row] | None = None,
    *,
    guideline: str = "NG225",
    title: str = NG225_TITLE,
    published: Any = "7 September 2022",
    updated: Any = None,
    rename: dict[str, str] | None = None,
    extra_columns: list[tuple[int, str, dict[str, Any]]] | None = None,
    hide: list[str] | None = None,
    merge_answers: list[tuple[str, str, str]] | None = None,
    merge_headings: bool = False,
    fills: bool = True,
    introduction: bool = True,
    title_in_data_sheet: bool = True,
) -> Path:
    """Write a NICE-format BAT to `path` and return it.

    rename: meaning -> new header text. extra_columns: (insert before this 0-based position, header,
    {recommendation number: value}). hide: meanings whose columns are hidden. merge_answers: (meaning, first
    number, last number): the answer cell of the first number merged down to the last. merge_headings: heading
    rows merged across all columns. fills=False: no fills at all (a user recoloured or cleared them).
    """
    rows = standard_rows() if rows is None else rows
    columns: list[tuple[str, str]] = [(key, (rename or {}).get(key, header)) for key, header in NICE_COLUMNS]
    extras: dict[str, dict[str, Any]] = {}
    for position, header, values in sorted(extra_columns or [], key=lambda e: -e[0]):
        key = f"extra:{header}"
        columns.insert(position, (key, header))
        extras[key] = values
    index = {key: i + 1 for i, (key, _) in enumerate(columns)}
    width = len(columns)

    wb = Workbook()
    intro = wb.active
    full_title = f"Baseline assessment tool for {title} ({guideline})"
    if introduction:
        intro.title = "Introduction"
        intro["A1"] = full_title
        if isinstance(published, tuple):  # ("Published:", a real date) in two cells
            intro["A2"], intro["B2"] = published
        elif published is not None:
            intro["A2"] = f"Published: {published}"
        if updated is not None:
            intro["A3"] = f"Updated: {updated}" if isinstance(updated, str) else updated
        intro["A4"] = "Invented instructions: use this tool with the full guideline."
        intro["A5"] = f'=HYPERLINK("https://www.nice.org.uk/guidance/{guideline.lower()}", "Invented link text")'
        intro["A12"] = "© Invented copyright line."
        data = wb.create_sheet("Data sheet")
    else:
        intro.title = "Data sheet"
        data = intro

    if title_in_data_sheet:
        data["A1"] = full_title
    for key, header in columns:
        data.cell(row=2, column=index[key], value=header)
    data.freeze_panes = "A3"
    data.auto_filter.ref = f"A2:{get_column_letter(width)}2"

    row_of: dict[str, int] = {}
    yes_no_partial = DataValidation(type="list", formula1="'Dropdowns'!$A$1:$A$3")
    yes_no = DataValidation(type="list", formula1="'Dropdowns'!$A$1:$A$2")
    for offset, row in enumerate(rows):
        r = 3 + offset
        if row.kind == "blank":
            continue
        if row.kind == "rec":
            row_of[row.number] = r
            data.cell(row=r, column=index["text"], value=row.text)
            data.cell(row=r, column=index["number"], value=row.number)
            data.cell(row=r, column=index["year"], value=row.year)
            for key, value in row.answers.items():
                data.cell(row=r, column=index[key], value=value)
            for key, values in extras.items():
                if row.number in values:
                    data.cell(row=r, column=index[key], value=values[row.number])
            yes_no_partial.add(f"{get_column_letter(index['relevant'])}{r}")
            yes_no_partial.add(f"{get_column_letter(index['meets'])}{r}")
            yes_no.add(f"{get_column_letter(index['risk'])}{r}")
            continue
        data.cell(row=r, column=index["text"], value=row.text)
        fill = {"section": SECTION_FILL, "subsubheading": SECTION_FILL, "subheading": SUBHEADING_FILL,
                "explanatory": EXPLANATORY_FILL}[row.kind]
        if fills:
            for c in range(1, width + 1):
                data.cell(row=r, column=c).fill = PatternFill("solid", fgColor=fill)
                if row.kind != "explanatory":
                    data.cell(row=r, column=c).font = Font(color="FFFFFF", bold=True)
        if merge_headings and row.kind != "explanatory":
            data.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
    data.add_data_validation(yes_no_partial)
    data.add_data_validation(yes_no)

    for key, first, last in merge_answers or []:
        col = index[key]
        data.merge_cells(start_row=row_of[first], start_column=col, end_row=row_of[last], end_column=col)
    for key in hide or []:
        data.column_dimensions[get_column_letter(index[key])].hidden = True

    totals = wb.create_sheet("Data sheet totals")
    last_row = 2 + len(rows)
    totals["A1"] = "Invented label: relevant or partially relevant"
    totals["B1"] = f"=SUMPRODUCT(COUNTIF('Data sheet'!D3:D{last_row},{{\"Yes\",\"Partial\"}}))"
    totals["A2"], totals["B2"] = "Invented label: met", f"=COUNTIF('Data sheet'!F3:F{last_row},\"Yes\")"
    dropdowns = wb.create_sheet("Dropdowns")
    for i, word in enumerate(("Yes", "No", "Partial"), start=1):
        dropdowns.cell(row=i, column=1, value=word)
    dropdowns.sheet_state = "hidden"
    wb.save(path)
    return Path(path)


def cell_of(path: Path, number: str, key: str) -> str:
    """The cell address ("F7") holding `key` for recommendation `number` in a built BAT with NICE's columns."""
    from openpyxl import load_workbook

    ws = load_workbook(path)["Data sheet"]
    headers = {cell.value: cell.column for cell in ws[2] if cell.value}
    header = dict(NICE_COLUMNS)[key]
    col = headers[header]
    number_col = headers[dict(NICE_COLUMNS)["number"]]
    for row in ws.iter_rows(min_row=3):
        if row[number_col - 1].value == number:
            return f"{get_column_letter(col)}{row[0].row}"
    raise KeyError(number)


# --- what the standard tool holds (the invented NG225 of standard_rows) -----------------------------------------

STANDARD_IDS = ["1.1.1", "1.1.2", "1.1.3", "1.1.4", "1.2.1", "1.2.2", "1.2.3", "1.5.1", "1.5.2", "1.10.1"]
STANDARD_SECTIONS = [
    ("1.1", "Invented information heading"),
    ("1.2", "Invented consent heading"),
    ("1.5", "Invented psychosocial heading"),
    ("1.10", "Invented tenth heading"),
]
STANDARD_TEXT = {
    "1.1.1": "Invented text one.\n• first invented point\n• second invented point",
    "1.1.2": "Invented text two:\n• flattened point a\n• flattened point b",
    "1.1.3": "Invented text three,\nwith a line break.",
    "1.1.4": "Invented text four.",
    "1.2.1": "Invented text 1.2.1.",
    "1.2.2": "Invented text 1.2.2.",
    "1.2.3": "Invented text 1.2.3.",
    "1.5.1": "Invented text 1.5.1.",
    "1.5.2": "Invented text 1.5.2.",
    "1.10.1": "Invented text 1.10.1.",
}



def structure(bat) -> dict:
    """What an import takes from the tool, as plain data: sections with their recommendations, text and years."""
    return {
        "sections": [(s.id, s.title) for s in bat.sections],
        "ids": bat.ids,
        "text": {r.id: r.text for r in bat.recommendations},
        "years": {r.id: r.year for r in bat.recommendations},
        "section_of": {r.id: s.id for s in bat.sections for r in s.recommendations},
    }


STANDARD = {
    "sections": STANDARD_SECTIONS,
    "ids": STANDARD_IDS,
    "text": STANDARD_TEXT,
    "years": {**{i: "2022" for i in STANDARD_IDS}, "1.1.2": "2004, amended 2022", "1.1.4": "2011"},
    "section_of": {i: ".".join(i.split(".")[:2]) for i in STANDARD_IDS},
}

