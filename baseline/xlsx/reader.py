"""A returned agency workbook -> AgencyReturn + Issues, pointing at the exact cell.

Hot path (DESIGN.md "Performance"): safety checks on the bytes (safety.check_untrusted) -> python-calamine for the
values of `Assessment` and `_baseline` -> custom properties, defined names and formula cells read straight from the
zip with defusedxml. No openpyxl load. Columns are found by header text and rows by recommendation id, so sorted,
filtered, re-saved, re-ordered, extra-column and extra-row workbooks read the same (DESIGN.md "Reading a return").

`read_return` never raises for bad input: every failure is an Issue in the result's report. It keeps no file open.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from baseline.assessment import ActionStatus, AgencyReturn, Answer, Choice, YesNo
from baseline.issues import FileReport, Issue, make_issue
from baseline.xlsx import layout
from baseline.xlsx.layout import ASSESSMENT_SHEET, META_SHEET, Column
from baseline.xlsx.safety import CheckedFile, FileRefused, check_untrusted, clean_text, parse_xml

if TYPE_CHECKING:
    from baseline.xlsx.nice_bat import AgencyMap

NICE_BAT_SHEET = "Data sheet"  # NICE's own baseline assessment tool keeps its rows on this sheet
HEADER_SEARCH_ROWS = 30  # the header row is row 1 as generated; people insert title rows above it
REQUIRED_META = ("format", "guideline", "version", "fingerprint", "agency")
RECOMMENDATION_ID = re.compile(r"^\d+(\.\d+)+$")

_ENUMS = {"yes_partial_no": Choice, "action_status": ActionStatus, "yes_no": YesNo}
_RELEVANT = (Choice.YES, Choice.PARTIAL)
_SHORT = (Choice.NO, Choice.PARTIAL)
# Answers that show the row was assessed (who filled it in is not an answer).
_ANSWER_KEYS = ("meets", "evidence", "action", "owner", "deadline", "action_status", "risk")


@dataclass
class ReadResult:
    report: FileReport  # issues for this file (path, agency, guideline, version filled when known)
    agency_return: AgencyReturn | None  # None when the file could not be read as a return at all


# --- entry point ---------------------------------------------------------------------------------------------


def read_return(path: str | Path, agencies: "AgencyMap | None" = None) -> ReadResult:
    """Read one returned workbook. Never raises for bad input; every failure is an Issue.

    `agencies` names the agency of a return made with NICE's own tool, which carries no agency stamp.
    """
    report = FileReport(path=str(path))
    try:
        with check_untrusted(path) as checked:
            source = SourceWorkbook.open(checked)
            try:
                kind = detect_format(source)
                if kind == "baseline":
                    agency_return = _read_baseline(source, report)
                elif kind == "nice-bat":
                    from baseline.xlsx.nice_bat import read_nice_source

                    agency_return = read_nice_source(source, report, agencies)
                else:
                    report.issues.append(make_issue(
                        "not-a-baseline-workbook",
                        f"This workbook was not made by baseline (it has no hidden '{META_SHEET}' sheet), so its "
                        "answers cannot be matched to the assessment. Fill in the workbook the facilitator sent your "
                        "agency, or ask for a new one.",
                        file=str(path)))
                    agency_return = None
            finally:
                source.close()
    except FileRefused as refused:
        report.issues.append(make_issue(refused.code, refused.message, file=str(path)))
        return ReadResult(report, None)
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - incl. pyo3's PanicException: a parser choking on a damaged file
        # The last line of "never crash on a return": whatever a parser raised, this file is reported, the
        # others are still read. The type is named so a bug here can still be found.
        report.issues.append(make_issue(
            "unreadable-file", f"The file could not be read ({type(exc).__name__}: {str(exc)[:200] or 'no detail'}). "
                               "Open it in Excel or LibreOffice, save it again as .xlsx and send it again.",
            file=str(path)))
        return ReadResult(report, None)
    return ReadResult(report, agency_return)


def detect_format(source: "SourceWorkbook") -> str | None:
    """"baseline" (our own workbook), "nice-bat" (NICE's baseline assessment tool) or None (anything else)."""
    if META_SHEET in source.sheet_names:
        return "baseline"
    if NICE_BAT_SHEET in source.sheet_names:
        return "nice-bat"
    return None


# --- the opened workbook ---------------------------------------------------------------------------------------


@dataclass
class SourceWorkbook:
    """A checked file opened with python-calamine (values) next to its zip (structure)."""

    checked: CheckedFile
    calamine: Any
    sheet_names: list[str]

    @classmethod
    def open(cls, checked: CheckedFile) -> "SourceWorkbook":
        from python_calamine import CalamineError, CalamineWorkbook, PasswordError

        try:
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(checked.data))
            names = list(workbook.sheet_names)
        except PasswordError:
            raise FileRefused("encrypted-file", "The workbook is protected with a password, so it cannot be read. "
                                                "Remove the password, save and send it again.") from None
        except (CalamineError, ValueError, OSError, RuntimeError) as exc:
            raise FileRefused("unreadable-file", _damaged(exc)) from None
        return cls(checked, workbook, names)

    def close(self) -> None:
        try:
            self.calamine.close()
        except Exception:  # already closed: nothing left to release
            pass

    def rows(self, sheet: str) -> list[list[Any]]:
        """Every row of a sheet from A1 (0-based grid; empty cells are "")."""
        from python_calamine import CalamineError

        try:
            return self.calamine.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        except (CalamineError, ValueError, OSError, RuntimeError) as exc:
            raise FileRefused("unreadable-file", _damaged(exc, f"the sheet '{sheet}'")) from None


def _damaged(exc: Exception, what: str = "the file") -> str:
    return (f"The file is damaged: {what} cannot be read ({str(exc).strip() or type(exc).__name__}). Open it in Excel "
            "or LibreOffice, save it again as .xlsx and send it again.")


# --- metadata -------------------------------------------------------------------------------------------------


@dataclass
class Metadata:
    values: dict[str, str]  # from the _baseline sheet, the one stamp every format keeps
    cells: dict[str, str]  # key -> cell of its value on the _baseline sheet ("B3")
    issues: list[Issue] = field(default_factory=list)


def read_metadata(source: SourceWorkbook, file: str) -> Metadata:
    """The three stamps (DESIGN.md "Agency workbook"): the _baseline sheet is mandatory; custom document
    properties and defined names, when present (an .ods or a re-save may lack them), must agree with it."""
    grid = source.rows(META_SHEET)
    values: dict[str, str] = {}
    cells: dict[str, str] = {}
    for r, row in enumerate(grid):
        if len(row) < 2:
            continue
        key = meta_text(row[0])
        if key in layout.META_KEYS and key not in values:
            values[key] = meta_text(row[1])
            cells[key] = cell_ref(r, 1)
    metadata = Metadata(values, cells)
    if source.checked.kind != "xlsx":
        return metadata

    def disagree(key: str, where: str, other: str, cell: str | None = None, sheet: str | None = None) -> None:
        metadata.issues.append(make_issue(
            "metadata-mismatch",
            f"The workbook's hidden stamps disagree: the '{META_SHEET}' sheet says {key} is {_quote(values.get(key, ''))} "
            f"but {where} says {_quote(other)}. The workbook has been altered or pieced together from two workbooks; "
            "ask the facilitator for a new one and copy your answers into it.",
            file=file, sheet=sheet or META_SHEET, cell=cell or cells.get(key)))

    for key, value in custom_properties(source.checked).items():
        if key in layout.META_KEYS and value != values.get(key, ""):
            disagree(key, f"the document property {layout.META_PREFIX}{key}", value)
    for key, (sheet, ref) in defined_names(source.checked).items():
        if key not in layout.META_KEYS:
            continue
        target = _grid_value(grid, ref) if sheet == META_SHEET else None
        if target is None or meta_text(target) != values.get(key):
            shown = meta_text(target) if target is not None else f"{sheet}!{ref}"
            disagree(key, f"the defined name {layout.META_PREFIX}{key}", shown)
    return metadata


def meta_text(value: Any) -> str:
    """Metadata values as text, however a re-save typed them (1.0 -> "1", a date -> ISO)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return cell_text(value)


def custom_properties(checked: CheckedFile) -> dict[str, str]:
    """Custom document properties named META_PREFIX + key -> text value (docProps/custom.xml)."""
    root = checked.read_xml("docProps/custom.xml")
    out: dict[str, str] = {}
    if root is None:
        return out
    for prop in root:
        name = prop.get("name") or ""
        if not name.startswith(layout.META_PREFIX) or len(prop) == 0:
            continue
        out.setdefault(name[len(layout.META_PREFIX):], (prop[0].text or "").strip())
    return out


_DEFINED_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Za-z]{1,3})\$?(\d+)$")


def defined_names(checked: CheckedFile) -> dict[str, tuple[str, str]]:
    """Defined names META_PREFIX + key -> (sheet, "B3") they point at (xl/workbook.xml)."""
    root = checked.read_xml("xl/workbook.xml")
    out: dict[str, tuple[str, str]] = {}
    if root is None:
        return out
    for element in root.iter():
        if _local(element.tag) != "definedName":
            continue
        name = element.get("name") or ""
        if not name.startswith(layout.META_PREFIX):
            continue
        match = _DEFINED_REF.match((element.text or "").strip())
        if match is None:
            out.setdefault(name[len(layout.META_PREFIX):], ("", (element.text or "").strip()))
            continue
        sheet = (match.group(1) or "").replace("''", "'") or match.group(2)
        out.setdefault(name[len(layout.META_PREFIX):], (sheet, f"{match.group(3).upper()}{match.group(4)}"))
    return out


def _grid_value(grid: list[list[Any]], ref: str) -> Any:
    row, col = parse_cell_ref(ref)
    if row < len(grid) and col < len(grid[row]):
        return grid[row][col]
    return ""


# --- formulas ---------------------------------------------------------------------------------------------------

_F_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")


def _may_hold_formulas(raw: bytes) -> bool:
    """Does the sheet's <sheetData> hold an <f> element? One substring search in the usual case.

    Only cells live in sheetData, and their only child element starting with "f" is the formula, so "<f" there
    is one (the <formula1> of data validations comes after sheetData). Namespace-prefixed XML takes the regex.
    """
    end = raw.rfind(b"sheetData>")
    if end < 0:
        end = len(raw)
    if raw.find(b"<worksheet", 0, 4096) >= 0:
        return raw.find(b"<f", 0, end) >= 0
    return _F_ELEMENT.search(raw, 0, end) is not None
_LITERAL_BOOLEAN_FORMULAS = {"TRUE()", "FALSE()"}  # how LibreOffice saves a typed TRUE/FALSE: not a formula


def formula_cells(checked: CheckedFile, sheet: str) -> dict[tuple[int, int], str]:
    """(row, col) 0-based -> formula text, for the cells of one sheet that hold a formula.

    calamine only returns cached values, so formulas are found in the sheet's XML. Cheap: one regex pass over the
    part, and a parse only when it has formulas at all.
    """
    if checked.kind == "xlsx":
        part = _sheet_part(checked, sheet)
        if part is None:
            return {}
        raw = checked.read_part(part) or b""
        if not _may_hold_formulas(raw):
            return {}
        return _xlsx_formulas(raw)
    raw = checked.read_part("content.xml") or b""
    if b":formula=" not in raw:
        return {}
    return _ods_formulas(raw, sheet)


def _sheet_part(checked: CheckedFile, sheet: str) -> str | None:
    workbook = checked.read_xml("xl/workbook.xml")
    rels = checked.read_xml("xl/_rels/workbook.xml.rels")
    if workbook is None or rels is None:
        return None
    rel_id = None
    for element in workbook.iter():
        if _local(element.tag) == "sheet" and element.get("name") == sheet:
            rel_id = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
            break
    for rel in rels:
        if rel.get("Id") == rel_id:
            target = rel.get("Target") or ""
            part = target.lstrip("/") if target.startswith("/") else "xl/" + target
            return part if part in checked.zip.NameToInfo else None
    return None


def _xlsx_formulas(raw: bytes) -> dict[tuple[int, int], str]:
    root = parse_xml(raw, "worksheet")
    out: dict[tuple[int, int], str] = {}
    row_index = -1
    for row in root.iter():
        if _local(row.tag) != "row":
            continue
        row_index = int(row.get("r")) - 1 if (row.get("r") or "").isdigit() else row_index + 1
        col_index = -1
        for cell in row:
            if _local(cell.tag) != "c":
                continue
            ref = cell.get("r")
            col_index = parse_cell_ref(ref)[1] if ref and _CELL_REF.match(ref) else col_index + 1
            formula = next((child for child in cell if _local(child.tag) == "f"), None)
            if formula is None:
                continue
            text = (formula.text or "").strip()
            if text.upper() in _LITERAL_BOOLEAN_FORMULAS:
                continue
            out[(row_index, col_index)] = "=" + text if text else "(a shared formula)"
    return out


def _ods_formulas(raw: bytes, sheet: str) -> dict[tuple[int, int], str]:
    import defusedxml.ElementTree as DET
    from defusedxml.common import DefusedXmlException

    table_ns = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
    name_attr, formula_attr = f"{{{table_ns}}}name", f"{{{table_ns}}}formula"
    rows_repeated, cols_repeated = f"{{{table_ns}}}number-rows-repeated", f"{{{table_ns}}}number-columns-repeated"
    out: dict[tuple[int, int], str] = {}
    in_sheet = False
    row = col = 0
    row_repeat = 1
    try:
        for event, element in DET.iterparse(io.BytesIO(raw), events=("start", "end"), forbid_dtd=True):
            tag = _local(element.tag)
            if event == "start":
                if tag == "table":
                    in_sheet = element.get(name_attr) == sheet
                    row = 0
                elif in_sheet and tag == "table-row":
                    col, row_repeat = 0, _repeat(element.get(rows_repeated))
                elif in_sheet and tag in ("table-cell", "covered-table-cell"):
                    repeat = _repeat(element.get(cols_repeated))
                    text = (element.get(formula_attr) or "").removeprefix("of:")
                    if text and text.lstrip("=").strip().upper() not in _LITERAL_BOOLEAN_FORMULAS:
                        for k in range(min(repeat, 1024)):
                            out[(row, col + k)] = text if text.startswith("=") else "=" + text
                    col += repeat
            else:
                if in_sheet and tag == "table-row":
                    row += row_repeat
                elif tag == "table" and in_sheet:
                    break
                if tag in ("table-row", "table"):
                    element.clear()
    except DefusedXmlException:
        raise FileRefused("unsafe-file", "The file contains XML declarations that spreadsheets never need; it was "
                                         "not read. Save it again from Excel or LibreOffice.") from None
    except Exception as exc:  # noqa: BLE001 - any parse failure means the part is damaged
        raise FileRefused("unreadable-file", _damaged(exc)) from None
    return out


def _repeat(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 1


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


# --- cells ------------------------------------------------------------------------------------------------------

_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def column_letter(index: int) -> str:
    """0-based column index -> letters (0 -> "A", 26 -> "AA")."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def cell_ref(row: int, col: int) -> str:
    """0-based (row, col) -> "E23"."""
    return f"{column_letter(col)}{row + 1}"


def parse_cell_ref(ref: str) -> tuple[int, int]:
    """"E23" -> (22, 4)."""
    match = _CELL_REF.match(ref)
    if match is None:
        raise ValueError(f"not a cell reference: {ref!r}")
    col = 0
    for letter in match.group(1).upper():
        col = col * 26 + ord(letter) - ord("A") + 1
    return int(match.group(2)) - 1, col - 1


def cell_text(value: Any) -> str:
    """Any cell value as the text a person sees: numbers typed into text cells are text ("2", not 2.0)."""
    if value is None:
        return ""
    if isinstance(value, str):
        # isprintable() is a fast C scan: only text with line breaks or control characters needs the regex.
        return value.strip() if value.isprintable() else clean_text(value).strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value).strip()


def normalise_choice(text: str) -> str:
    """"  yes " -> "yes", "In   PROGRESS" -> "in progress": case and spaces never matter."""
    return " ".join(text.split()).casefold()


_UK_DATE = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4}|\d{2})$")
_DATE_WORD_FORMATS = ("%d %B %Y", "%d %b %Y", "%d %B %y", "%d %b %y")


def parse_date(value: Any) -> dt.date | None:
    """A real date, ISO text (2027-03-31) or UK day-first text (31/03/2027, 31-03-2027, 31.03.27, 31 March 2027).

    None for a blank cell; ValueError for anything else. Day-first always: this is an English tool.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError("not a date")
    text = " ".join(value.split())
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return dt.datetime.fromisoformat(text).date()
    except ValueError:
        pass
    match = _UK_DATE.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        if len(match.group(3)) == 2:
            year += 2000
        return dt.date(year, month, day)  # ValueError for 31/02/2027
    for fmt in _DATE_WORD_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError("not a date")


def _quote(text: str, limit: int = 60) -> str:
    text = " ".join(str(text).split())
    return "'" + (text if len(text) <= limit else text[: limit - 1] + "…") + "'"


def _or_list(values: Iterable[str]) -> str:
    values = list(values)
    return ", ".join(values[:-1]) + " or " + values[-1] if len(values) > 1 else values[0]


# --- the return ---------------------------------------------------------------------------------------------------


def _read_baseline(source: SourceWorkbook, report: FileReport) -> AgencyReturn | None:
    from baseline import catalogue

    file = report.path
    add = report.issues.append
    metadata = read_metadata(source, file)
    meta = metadata.values
    report.agency = meta.get("agency") or None
    report.guideline = meta.get("guideline") or None
    report.version = meta.get("version") or None
    absent = [key for key in REQUIRED_META if not meta.get(key)]
    if absent:
        add(make_issue("not-a-baseline-workbook",
                       f"The hidden '{META_SHEET}' sheet that identifies the workbook is incomplete (no "
                       f"{', '.join(absent)}), so the return cannot be matched to the assessment. Ask the facilitator "
                       "for a new workbook and copy your answers into it.", file=file, sheet=META_SHEET))
        return None
    if meta["format"] != str(layout.FORMAT):
        add(make_issue("not-a-baseline-workbook",
                       f"This workbook is in baseline's format {meta['format']}; this version of baseline reads format "
                       f"{layout.FORMAT}. Use the baseline version that generated it, or ask for a new workbook.",
                       file=file, sheet=META_SHEET, cell=metadata.cells.get("format")))
        return None
    report.issues.extend(metadata.issues)

    guideline = _find_encoding(meta["guideline"], meta["version"], meta["fingerprint"])
    if guideline is None:
        same_version = any(e.guideline == meta["guideline"].upper() and e.version == meta["version"]
                           for e in catalogue.entries())
        if same_version:
            add(make_issue("fingerprint-mismatch",
                           f"The workbook was generated from a different list of {meta['guideline']} "
                           f"({meta['version']}) recommendations than this installation has (fingerprint "
                           f"{meta['fingerprint']}). The facilitator must validate it with the same recommendation "
                           "files that generated it, or re-issue the workbook.",
                           file=file, sheet=META_SHEET, cell=metadata.cells.get("fingerprint")))
        else:
            add(make_issue("unknown-guideline-version",
                           f"The workbook is for {meta['guideline']} version {meta['version']}, which this installation "
                           "does not know. The facilitator needs that guideline encoding (see `baseline recs list`).",
                           file=file, sheet=META_SHEET, cell=metadata.cells.get("version")))

    if ASSESSMENT_SHEET not in source.sheet_names:
        add(make_issue("missing-sheet",
                       f"The '{ASSESSMENT_SHEET}' sheet is missing (renamed or deleted?). Put it back with its original "
                       "name, or copy your answers into a new workbook from the facilitator.", file=file))
        return None

    sectors = [s.strip() for s in meta.get("sector", "").split(",") if s.strip()]
    grid = source.rows(ASSESSMENT_SHEET)
    formulas = formula_cells(source.checked, ASSESSMENT_SHEET)
    sheet = _AssessmentSheet(grid, formulas, file, guideline)
    answers = sheet.read(add)
    if answers is None:
        return None
    if guideline is not None:
        view = _view(guideline)
        for rec_id in view.expected(tuple(sectors)):
            if rec_id not in answers:
                add(make_issue("missing-recommendation",
                               f"Recommendation {rec_id} is missing from the {ASSESSMENT_SHEET} sheet (its row was "
                               "deleted or its number changed). Put the row back: copy it from the original workbook, "
                               "or ask the facilitator for a new one.",
                               file=file, sheet=ASSESSMENT_SHEET, recommendation=rec_id))
        order = view.order
    else:
        order = {}
    if all(rid in order for rid in answers):
        ordered = sorted(answers, key=order.__getitem__)
    else:
        ordered = sorted(answers, key=lambda rid: (order.get(rid, len(order)), _id_key(rid)))
    return AgencyReturn(
        agency=meta["agency"], guideline=meta["guideline"], version=meta["version"], fingerprint=meta["fingerprint"],
        sectors=sectors, area=meta.get("area", ""), generated_at=meta.get("generated_at", ""),
        source=str(source.checked.path), source_format="baseline", sha256=source.checked.sha256,
        answers={rid: answers[rid] for rid in ordered},
    )


class _GuidelineView:
    """What reading needs from an encoding, computed once per encoding rather than once per file."""

    def __init__(self, guideline):
        self.guideline = guideline
        self.order = {r.id: i for i, r in enumerate(guideline.recommendations)}
        self._expected: dict[tuple[str, ...], tuple[str, ...]] = {}

    def expected(self, sectors: tuple[str, ...]) -> tuple[str, ...]:
        """The ids a workbook for these sectors lists (all of them when no sector is stamped)."""
        if sectors not in self._expected:
            recs = self.guideline.recommendations_for(list(sectors) or None)
            self._expected[sectors] = tuple(r.id for r in recs)
        return self._expected[sectors]


_VIEWS: dict[tuple[str, str, str], _GuidelineView] = {}
_FOUND: dict[tuple[str, ...], Any] = {}


def _find_encoding(guideline: str, version: str, fingerprint: str):
    """catalogue.find_by_fingerprint, remembered for the search path in force: a merge asks 200 times."""
    import os

    from baseline import catalogue

    key = (guideline, version, fingerprint, os.environ.get(catalogue.ENV_VAR, ""))
    found = _FOUND.get(key)
    if found is None:
        found = catalogue.find_by_fingerprint(guideline, version, fingerprint)
        if found is not None:  # an encoding added later is still found: only hits are remembered
            _FOUND[key] = found
    return found


def _view(guideline) -> _GuidelineView:
    key = (guideline.guideline, guideline.version, guideline.fingerprint)
    view = _VIEWS.get(key)
    if view is None or view.guideline is not guideline:  # a reloaded file (summaries edited) gets a new view
        view = _VIEWS[key] = _GuidelineView(guideline)
    return view


def _id_key(identifier: str) -> tuple[int, ...]:
    return tuple(int(p) for p in identifier.split(".")) if RECOMMENDATION_ID.match(identifier) else (10**9,)


class _AssessmentSheet:
    """Reads the Assessment grid: header row, columns by header text, one Answer per recommendation row."""

    def __init__(self, grid: list[list[Any]], formulas: dict[tuple[int, int], str], file: str, guideline):
        self.grid = grid
        self.formulas = formulas
        self.file = file
        self.guideline = guideline
        self.known_ids = _view(guideline).order if guideline is not None else None

    def issue(self, code: str, message: str, row: int | None = None, col: int | None = None,
              recommendation: str | None = None) -> Issue:
        cell = cell_ref(row, col) if row is not None and col is not None else None
        return make_issue(code, message, file=self.file, sheet=ASSESSMENT_SHEET, cell=cell,
                          recommendation=recommendation)

    def find_header(self) -> tuple[int, dict[str, int]] | None:
        wanted = {layout.normalise_header(c.header): c.key for c in layout.ASSESSMENT_COLUMNS}
        recommendation = layout.normalise_header(layout.COLUMNS_BY_KEY["recommendation"].header)
        for r, row in enumerate(self.grid[:HEADER_SEARCH_ROWS]):
            headers = [layout.normalise_header(v) if isinstance(v, str) else "" for v in row]
            if recommendation not in headers:
                continue
            columns: dict[str, int] = {}
            for c, text in enumerate(headers):
                key = wanted.get(text)
                if key is not None and key not in columns:  # first one wins: a copied column is ignored
                    columns[key] = c
            if len(columns) >= 2:
                return r, columns
        return None

    def read(self, add: Callable[[Issue], None]) -> dict[str, Answer] | None:
        found = self.find_header()
        if found is None:
            needed = ", ".join(f"'{layout.COLUMNS_BY_KEY[k].header}'" for k in layout.REQUIRED_COLUMNS)
            add(self.issue("missing-column",
                           f"The {ASSESSMENT_SHEET} sheet has no header row with the columns {needed}: the headers were "
                           "changed or deleted. Put the original header texts back."))
            return None
        header_row, columns = found
        for column in layout.ASSESSMENT_COLUMNS:
            if (column.is_input or column.key in layout.REQUIRED_COLUMNS) and column.key not in columns:
                add(self.issue("missing-column",
                               f"The column '{column.header}' is missing from the {ASSESSMENT_SHEET} sheet (deleted, or "
                               f"its header text changed). Put the header '{column.header}' back on row "
                               f"{header_row + 1} above that column."))
        if "recommendation" not in columns:
            return None

        answers: dict[str, Answer] = {}
        first_row: dict[str, int] = {}
        id_col = columns["recommendation"]
        self.inputs = [(column, columns[column.key], column_letter(columns[column.key]), column.key, column.kind,
                        _EXACT_CHOICES.get(column.vocabulary or ""))
                       for column in layout.INPUT_COLUMNS if column.key in columns]
        for r in range(header_row + 1, len(self.grid)):
            row = self.grid[r]
            rec_id = cell_text(row[id_col]) if id_col < len(row) else ""
            if not rec_id:
                continue  # a section heading row, or a blank one
            listed = rec_id in self.known_ids if self.known_ids is not None else RECOMMENDATION_ID.match(rec_id)
            if not listed:
                if RECOMMENDATION_ID.match(rec_id) or self._has_answers(row, columns):
                    add(self.issue("unknown-recommendation",
                                   f"Cell {cell_ref(r, id_col)} says {_quote(rec_id)}, which is not a recommendation of "
                                   f"this assessment. Put back the recommendation number that was there, or delete "
                                   "the row if you added it.", r, id_col))
                continue  # a note typed below the table, say
            if rec_id in answers:
                add(self.issue("duplicate-recommendation",
                               f"Recommendation {rec_id} appears twice: on row {first_row[rec_id] + 1} and again in cell "
                               f"{cell_ref(r, id_col)}. Keep one row with your answers and delete the other; only the "
                               "first was read.", r, id_col, rec_id))
                continue
            first_row[rec_id] = r
            answers[rec_id] = self._answer(rec_id, r, row, columns, add)
        return answers

    def _has_answers(self, row: list[Any], columns: dict[str, int]) -> bool:
        return any(columns.get(c.key) is not None and columns[c.key] < len(row) and cell_text(row[columns[c.key]])
                   for c in layout.INPUT_COLUMNS)

    def _answer(self, rec_id: str, r: int, row: list[Any], columns: dict[str, int],
                add: Callable[[Issue], None]) -> Answer:
        # The hot loop of validate and merge (200 returns x 50 rows x 9 cells): plain text and dropdown picks
        # take a fast path; anything unusual goes through _value.
        values: dict[str, Any] = {}
        cells: dict[str, str] = {}
        bad_date = False
        number = str(r + 1)
        width = len(row)
        formulas = self.formulas
        for column, c, letter, key, kind, exact in self.inputs:
            cells[key] = letter + number
            raw = row[c] if c < width else ""
            if formulas and (r, c) in formulas:
                raw = self._formula(rec_id, r, c, column, raw, add)
            if raw == "":
                continue
            if kind == "text" and raw.__class__ is str and raw.isprintable():
                text = raw.strip()
                if len(text) <= layout.EXCEL_CELL_LIMIT:
                    if text:
                        values[key] = text
                    continue
            elif exact is not None and raw in exact:
                values[key] = exact[raw]
                continue
            value = self._value(rec_id, r, c, column, raw, add)
            if value is _INVALID:
                bad_date = bad_date or kind == "date"
            elif value is not None and value != "":
                values[key] = value
        answer = Answer(rec_id, **values, cells=cells)
        if values or bad_date:  # a blank row cannot be inconsistent
            self._consistency(answer, r, columns, add, bad_date)
        return answer

    def _formula(self, rec_id: str, r: int, c: int, column: Column, raw: Any, add: Callable[[Issue], None]) -> Any:
        """A formula in an answer cell: warn, and read the value it shows (or the formula itself) as typed text."""
        formula = self.formulas[(r, c)]
        shown = cell_text(raw)
        add(self.issue("formula-in-input",
                       f"{self._where(r, c, rec_id, column)} contains a formula ({_quote(formula, 40)}). Type the answer "
                       "in directly; baseline reads "
                       + (f"the value it shows, {_quote(shown, 40)}, as plain text." if shown
                          else "the formula itself as plain text."),
                       r, c, rec_id))
        if not shown:
            return formula
        return shown if column.kind == "text" else raw

    def _where(self, r: int, c: int, rec_id: str, column: Column) -> str:
        return f"Cell {cell_ref(r, c)} (recommendation {rec_id}, '{column.header}')"

    def _value(self, rec_id: str, r: int, c: int, column: Column, raw: Any, add: Callable[[Issue], None]) -> Any:
        if column.kind == "choice":
            text = cell_text(raw)
            if not text:
                return None
            chosen = _CHOICES[column.vocabulary].get(normalise_choice(text))
            if chosen is None:
                add(self.issue("invalid-choice",
                               f"{self._where(r, c, rec_id, column)} says {_quote(text)}; choose "
                               f"{_or_list(layout.VOCABULARIES[column.vocabulary])} from the list.", r, c, rec_id))
                return _INVALID
            return chosen
        if column.kind == "date":
            try:
                return parse_date(raw)
            except ValueError:
                add(self.issue("invalid-date",
                               f"{self._where(r, c, rec_id, column)} says {_quote(cell_text(raw))}, which is not a "
                               "date; enter a date such as 31/03/2027, or leave it blank.", r, c, rec_id))
                return _INVALID
        text = cell_text(raw)
        if len(text) > layout.EXCEL_CELL_LIMIT:
            add(self.issue("text-too-long",
                           f"{self._where(r, c, rec_id, column)} holds {len(text):,} characters, more than the "
                           f"{layout.EXCEL_CELL_LIMIT:,} a spreadsheet cell can hold. Shorten it, or put the detail in "
                           "a separate document and refer to it.", r, c, rec_id))
        return text

    def _consistency(self, answer: Answer, r: int, columns: dict[str, int], add: Callable[[Issue], None],
                     bad_date: bool) -> None:
        """Warnings: answers that do not hang together (reported; they do not block merging)."""
        rec_id = answer.recommendation

        def at(key: str) -> tuple[int, int | None]:
            return r, columns.get(key)

        relevant, meets, action, owner = answer.relevant, answer.meets, answer.action, answer.owner
        # Plain attribute tests rather than Answer's properties: this runs for every answered row.
        not_fully_met = relevant in _RELEVANT and meets in _SHORT  # status not_met or partially_met
        if (action or not_fully_met) and not owner and "owner" in columns:
            reason = "has an action needed" if answer.action else "is not fully met"
            add(self.issue("owner-missing",
                           f"Recommendation {rec_id} {reason} but no action owner: put the name or role of who owns "
                           f"the action in cell {cell_ref(*at('owner'))}.", *at("owner"), rec_id))
        is_open = (action or owner) and answer.action_status is not ActionStatus.COMPLETE
        if is_open and answer.deadline is None and not bad_date and "deadline" in columns:
            add(self.issue("deadline-missing",
                           f"Recommendation {rec_id} has an open action but no deadline: put a date such as 31/03/2027 "
                           f"in cell {cell_ref(*at('deadline'))}.", *at("deadline"), rec_id))
        if relevant is None and (bad_date or any(getattr(answer, k) not in (None, "") for k in _ANSWER_KEYS)) \
                and "relevant" in columns:
            add(self.issue("answer-without-relevance",
                           f"Recommendation {rec_id} has answers but 'Relevant to us?' (cell "
                           f"{cell_ref(*at('relevant'))}) is blank, so it counts as not assessed: choose Yes, Partial "
                           "or No.", *at("relevant"), rec_id))
        if relevant is Choice.NO and meets is not None and "meets" in columns:
            add(self.issue("answered-but-not-relevant",
                           f"Recommendation {rec_id} is marked not relevant (cell {cell_ref(*at('relevant'))} says No) "
                           f"but 'Meets it?' (cell {cell_ref(*at('meets'))}) is answered: clear it, or change "
                           "'Relevant to us?'.", *at("meets"), rec_id))


_INVALID = object()  # a cell value that was reported as an issue and is left out of the Answer
# Normalised spelling -> enum member, per vocabulary ("in progress" -> ActionStatus.IN_PROGRESS).
_CHOICES = {name: {normalise_choice(v): _ENUMS[name](v) for v in values} for name, values in layout.VOCABULARIES.items()}
_EXACT_CHOICES = {name: {v: _ENUMS[name](v) for v in values} for name, values in layout.VOCABULARIES.items()}
