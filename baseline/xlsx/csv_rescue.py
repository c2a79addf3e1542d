"""A CSV export of the Assessment sheet, read as a return when the facilitator names its agency.

Someone saved the Assessment sheet as CSV ("File > Save as > CSV"): the answers survive, the workbook's stamps
(guideline version, fingerprint, agency, area) do not. Asking them to "save it as .xlsx" only produces a workbook
with no stamps either, so instead the facilitator names the agency (`--as-agency NAME [--sector S]`, or the
config's `files` patterns through the same resolver), and the table is read with the agency workbook's own rules
(agency/reader.read_assessment_table), with a `missing-stamps` warning. Without an agency it is an error that says
exactly this.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any, Protocol

from baseline import catalogue
from baseline.assessment import AgencyReturn
from baseline.config import AgencyAssignment
from baseline.guideline import Guideline
from baseline.issues import FileReport, make_issue
from baseline.xlsx.agency.reader import read_assessment_table, report_missing_recommendations
from baseline.xlsx.cells import recommendation_id
from baseline.xlsx.untrusted import MAX_FILE_BYTES, FileRefused

SOURCE_FORMAT = "csv"
MAX_CSV_ROWS, MAX_CSV_CELLS = 150_000, 2_000_000
_DELIMITERS = ",;\t"  # comma; semicolon (Excel in locales whose decimal mark is a comma); tab ("Unicode text")
_ENCODINGS = ("utf-8-sig", "cp1252")  # LibreOffice and Excel's "CSV UTF-8"; Excel's plain "CSV" on Windows
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # Excel's "Unicode Text" (tab-separated)


class AgencyResolver(Protocol):
    """Names the agency of a file that carries none: config.AgencyMap (`--as-agency`, a mapping file) or, once the
    tracker is wired, the assessment config's `files` patterns."""

    def for_path(self, path: Path | str) -> AgencyAssignment | None: ...


def read_csv_return(path: Path | str, report: FileReport, agencies: AgencyResolver | None,
                    guideline: Guideline | None = None) -> AgencyReturn | None:
    """A CSV export of an agency workbook's Assessment sheet -> AgencyReturn | None; every problem an Issue.

    `guideline`: the encoding the assessment uses, when the caller knows it (the config does); otherwise the
    newest encoding that lists every recommendation number in the file.
    """
    path = Path(path)
    file = report.path
    add = report.issues.append
    assignment = agencies.for_path(path) if agencies is not None else None
    if assignment is None:
        add(make_issue(
            "agency-unknown",
            "This is a CSV file: a copy of the answers without the workbook's hidden stamps, so baseline cannot tell "
            "which agency or guideline version it belongs to. Saving it again as .xlsx does not bring the stamps "
            "back. Either read it as it is, naming the agency: `baseline validate FILE.csv --as-agency NAME --sector "
            "S`, or ask the agency to send the workbook they were given (the .xlsx, saved from Excel or LibreOffice "
            "as an Excel workbook).", file=file))
        return None
    report.agency = assignment.agency
    data = _read_bounded(path)
    grid = parse_csv(data)
    sheet = path.stem
    if guideline is None:
        guideline = guess_guideline(grid)
    if guideline is None:
        add(make_issue("unknown-guideline-version",
                       "No guideline encoding of this installation lists the recommendation numbers in this CSV file "
                       "(see `baseline recs list`), so its answers cannot be matched. Ask the agency for the workbook "
                       "itself.", file=file))
        return None
    report.guideline, report.version = guideline.guideline, guideline.version
    answers = read_assessment_table(grid, [], {}, file=file, sheet=sheet, guideline=guideline, add=add)
    if answers is None:
        return None
    sectors = list(assignment.sectors)
    report_missing_recommendations(answers, guideline, sectors, file=file, sheet=sheet, add=add)
    add(make_issue(
        "missing-stamps",
        f"This CSV file carries none of the workbook's stamps (guideline version, agency, area): it was read as "
        f"{assignment.agency}'s return for {guideline.guideline} ({guideline.version}) because that agency was named "
        "for it. Check that it is theirs, and ask them to send the workbook itself (.xlsx) next time.", file=file))
    order = {r.id: i for i, r in enumerate(guideline.recommendations)}
    ordered = sorted((rid for rid in answers if rid in order), key=order.__getitem__)
    return AgencyReturn(
        agency=assignment.agency, guideline=guideline.guideline, version=guideline.version,
        fingerprint=guideline.fingerprint, sectors=sectors, area="", generated_at="", source=str(path),
        source_format=SOURCE_FORMAT, sha256=hashlib.sha256(data).hexdigest(),
        answers={rid: answers[rid] for rid in ordered},
    )


def _read_bounded(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise FileRefused("unreadable-file", f"The file cannot be opened: {exc.strerror or exc}.") from None
    if len(data) > MAX_FILE_BYTES:
        raise FileRefused("unsafe-file", f"The file is larger than {MAX_FILE_BYTES // 1024 // 1024} MB; it was not "
                                         "read.")
    if b"\0" in data[:4096] and not data.startswith(_UTF16_BOMS):
        raise FileRefused("unreadable-file", "This file has a .csv name but is not text (perhaps a workbook renamed "
                                             "to .csv). Send the workbook itself, as .xlsx.")
    return data


def parse_csv(data: bytes) -> list[list[Any]]:
    """The rows of a CSV file as a grid of text, whatever the encoding and separator a spreadsheet chose."""
    import csv  # here: only a CSV return needs it, and every command that reads returns imports this module

    for encoding in ("utf-16",) if data.startswith(_UTF16_BOMS) else _ENCODINGS:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # cp1252 leaves five bytes undefined; latin-1 decodes anything
        text = data.decode("latin-1")
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS)
    except csv.Error:
        dialect = csv.excel
    grid: list[list[Any]] = []
    cells = 0
    try:
        for row in csv.reader(io.StringIO(text, newline=""), dialect):
            grid.append(row)
            cells += len(row)
            if len(grid) > MAX_CSV_ROWS or cells > MAX_CSV_CELLS:  # as untrusted.py bounds a sheet's extent
                raise FileRefused("unsafe-file", f"The CSV file holds more than {MAX_CSV_ROWS:,} rows or "
                                                 f"{MAX_CSV_CELLS:,} cells, far more than an assessment table; it "
                                                 "was not read. Send the workbook itself, as .xlsx.")
    except csv.Error as exc:
        raise FileRefused("unreadable-file", f"The CSV file is damaged ({exc}). Send the workbook itself, as .xlsx.") \
            from None
    return grid


def guess_guideline(grid: list[list[Any]]) -> Guideline | None:
    """The newest encoding whose recommendation numbers include every number-shaped cell of the file."""
    found = {rid for row in grid for value in row if (rid := recommendation_id(value)) is not None}
    if not found:
        return None
    for entry in sorted(catalogue.entries(), key=lambda e: e.version, reverse=True):
        guideline = catalogue.load(entry.ref)
        if found <= {r.id for r in guideline.recommendations}:
            return guideline
    return None
