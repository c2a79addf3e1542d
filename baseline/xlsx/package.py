"""Raw parts of a workbook, read straight from its (already checked) zip: the values through python-calamine
(SourceWorkbook), custom document properties, defined names, the last-saved time, formula cells and merged ranges,
and ONE walker over an ODS `content.xml`, which reads the part through the bounded read of untrusted.py.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
from contextlib import contextmanager
from dataclasses import field
from typing import Any, Callable, Iterator

from defusedxml.common import DefusedXmlException
from defusedxml.ElementTree import iterparse
from python_calamine import CalamineError, CalamineWorkbook, PasswordError

from baseline.records import record
from baseline.xlsx.cells import is_cell_ref, parse_cell_ref
from baseline.xlsx.untrusted import CheckedFile, FileRefused, damaged, local_name, parse_xml

META_PREFIX = "baseline_"  # custom properties and defined names baseline stamps are named META_PREFIX + key
_TABLE_NS = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


@record
class SourceWorkbook:
    """A checked file opened with python-calamine (values) next to its zip (structure)."""

    checked: CheckedFile
    calamine: Any
    sheet_names: list[str]
    _sheets: dict[str, Any] = field(default_factory=dict, repr=False)  # parsed once: values and merges both need it

    @classmethod
    def open(cls, checked: CheckedFile) -> "SourceWorkbook":
        try:
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(checked.data))
            names = list(workbook.sheet_names)
        except PasswordError:
            raise FileRefused("encrypted-file", "The workbook is protected with a password, so it cannot be read. "
                                                "Remove the password, save and send it again.") from None
        except (CalamineError, ValueError, OSError, RuntimeError) as exc:
            raise FileRefused("unreadable-file", damaged(exc)) from None
        return cls(checked, workbook, names)

    def close(self) -> None:
        self._sheets.clear()
        try:
            self.calamine.close()
        except Exception:  # already closed: nothing left to release
            pass

    def _sheet(self, sheet: str) -> Any:
        if sheet not in self._sheets:
            self.checked.measure((sheet,))  # its extent, before calamine allocates it (check_untrusted's measure_later)
            self._sheets[sheet] = self.calamine.get_sheet_by_name(sheet)
        return self._sheets[sheet]

    def rows(self, sheet: str) -> list[list[Any]]:
        """Every row of a sheet from A1 (0-based grid; empty cells are "")."""
        try:
            return self._sheet(sheet).to_python(skip_empty_area=False)
        except (CalamineError, ValueError, OSError, RuntimeError) as exc:
            raise FileRefused("unreadable-file", damaged(exc, f"the sheet '{sheet}'")) from None

    def merged_ranges(self, sheet: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
        """The merged ranges of one sheet, 0-based and inclusive ((first row, col), (last row, col))."""
        try:
            if self.checked.kind == "ods":  # calamine reports no merged cells for .ods
                return ods_merged_ranges(self.checked, sheet)
            return list(self._sheet(sheet).merged_cell_ranges or [])
        except FileRefused:
            raise
        except Exception as exc:  # noqa: BLE001 - calamine raises its own types for damaged parts
            raise FileRefused("unreadable-file", damaged(exc, f"the merged cells of '{sheet}'")) from None


def custom_properties(checked: CheckedFile) -> dict[str, str]:
    """Custom document properties named META_PREFIX + key -> text value (docProps/custom.xml)."""
    root = checked.read_xml("docProps/custom.xml")
    out: dict[str, str] = {}
    if root is None:
        return out
    for prop in root:
        name = prop.get("name") or ""
        if not name.startswith(META_PREFIX) or len(prop) == 0:
            continue
        out.setdefault(name[len(META_PREFIX):], (prop[0].text or "").strip())
    return out


_DEFINED_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Za-z]{1,3})\$?(\d+)$")


def defined_names(checked: CheckedFile) -> dict[str, tuple[str, str]]:
    """Defined names META_PREFIX + key -> (sheet, "B3") they point at (xl/workbook.xml)."""
    root = checked.read_xml("xl/workbook.xml")
    out: dict[str, tuple[str, str]] = {}
    if root is None:
        return out
    for element in root.iter():
        if local_name(element.tag) != "definedName":
            continue
        name = element.get("name") or ""
        if not name.startswith(META_PREFIX):
            continue
        out.setdefault(name[len(META_PREFIX):], _defined_target((element.text or "").strip()))
    return out


@functools.lru_cache(maxsize=256)  # every return of one layout points its stamps at the same cells
def _defined_target(text: str) -> tuple[str, str]:
    """A defined name's text ("'_baseline'!$B$3") -> (sheet, "B3"); ("", the text) when it is no single cell."""
    match = _DEFINED_REF.match(text)
    if match is None:
        return "", text
    sheet = (match.group(1) or "").replace("''", "'") or match.group(2)
    return sheet, f"{match.group(3).upper()}{match.group(4)}"


# --- when the file was last saved ---------------------------------------------------------------------------------

_SAVED_PARTS = {"xlsx": ("docProps/core.xml", "{http://purl.org/dc/terms/}modified"),  # Excel, LibreOffice, Sheets
                "ods": ("meta.xml", "{http://purl.org/dc/elements/1.1/}date")}
# W3CDTF as written by Excel ("2027-01-26T09:05:00Z") and LibreOffice ("2027-01-26T09:05:00.123456789", no zone).
_W3CDTF = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)(?:[.,](\d+))?(Z|[+-]\d{2}:?\d{2})?$")


def last_saved(checked: CheckedFile) -> dt.datetime | None:
    """When the file was last saved, by the file's own properties: `docProps/core.xml` dcterms:modified (.xlsx,
    .xlsm) or `meta.xml` dc:date (.ods). None when the file does not say or says something unreadable, and for an
    old .xls (whose OLE properties are not read).

    This, never the generated-at stamp (the same in every copy of one blank workbook), tells a resubmission from
    the first return. A time without a zone (LibreOffice's .ods) stays naive: the caller decides how to compare it.
    """
    if checked.kind not in _SAVED_PARTS:
        return None
    part, tag = _SAVED_PARTS[checked.kind]
    try:
        root = checked.read_xml(part)
    except FileRefused:  # damaged properties hide no answers: the time is unknown, the answers are still read
        return None
    element = next(root.iter(tag), None) if root is not None else None
    return parse_saved_time(element.text if element is not None else None)


def parse_saved_time(text: str | None) -> dt.datetime | None:
    """A W3CDTF time as office files write it, or None (fractions beyond microseconds are cut)."""
    match = _W3CDTF.match((text or "").strip())
    if match is None:
        return None
    moment, fraction, zone = match.groups()
    fraction = f".{fraction[:6]:0<6}" if fraction else ""
    zone = "+00:00" if zone == "Z" else (f"{zone[:3]}:{zone[-2:]}" if zone else "")
    try:
        return dt.datetime.fromisoformat(moment + fraction + zone)
    except ValueError:  # 2027-02-30T…: no such time
        return None


# --- formulas ---------------------------------------------------------------------------------------------------

_F_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_F_START = re.compile(rb"<f")  # the regex engine's literal search: twice as fast here as bytes.find, "<" being everywhere


def _may_hold_formulas(raw: bytes) -> bool:
    """Does the sheet's <sheetData> hold an <f> element? One substring search in the usual case.

    Only cells live in sheetData, and their only child element starting with "f" is the formula, so "<f" there
    is one (the <formula1> of data validations comes after sheetData). Namespace-prefixed XML takes the regex.
    """
    end = raw.rfind(b"sheetData>")
    if end < 0:
        end = len(raw)
    if raw.find(b"<worksheet", 0, 4096) >= 0:
        # The same search in two: up to the first "sheetData" (no "<f" can straddle it: it starts with "s"), and
        # from there only when an "f" is there at all (one memchr: the cells of a sheet without formulas seldom
        # hold an "f").
        split = raw.find(b"sheetData", 0, end)
        if split < 0:
            return _F_START.search(raw, 0, end) is not None
        return _F_START.search(raw, 0, split) is not None or (
            raw.find(b"f", split, end) >= 0 and _F_START.search(raw, split, end) is not None)
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
    return _ods_formulas(checked, sheet)


_COLS = re.compile(rb"<(?:\w+:)?cols\b.*?</(?:\w+:)?cols>", re.S)
_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData\b")


def hidden_column_ranges(checked: CheckedFile, sheet: str) -> list[tuple[int, int]]:
    """The hidden columns of one sheet as 1-based inclusive ranges (calamine does not say which columns are hidden):
    an agency that copies a column and hides the copy still means the visible one."""
    if checked.kind == "ods":
        return _ods_hidden_columns(checked, sheet)
    if checked.kind != "xlsx":
        return []  # a legacy .xls: its column records are not read (calamine gives none either)
    part = _sheet_part(checked, sheet)
    raw = (checked.read_part(part) or b"") if part else b""
    data_start = _SHEET_DATA.search(raw)
    cols = _COLS.search(raw, 0, data_start.start() if data_start else len(raw))  # <cols> comes before the cells
    if cols is None:
        return []
    ranges = []
    for element in parse_xml(cols.group(0), "worksheet").iter():
        if local_name(element.tag) == "col" and element.get("hidden") in ("1", "true"):
            low, high = element.get("min") or "", element.get("max") or ""
            if low.isdigit():
                ranges.append((int(low), int(high) if high.isdigit() else int(low)))
    return ranges


@contextmanager
def _ods_parse_errors() -> Iterator[None]:
    """Walking an .ods content.xml: a DTD or entity declaration refuses the file, any other failure means the part
    is damaged."""
    try:
        yield
    except DefusedXmlException:
        raise FileRefused("unsafe-file", "The file contains XML declarations that spreadsheets never need; it was "
                                         "not read. Save it again from Excel or LibreOffice.") from None
    except Exception as exc:  # noqa: BLE001 - any parse failure means the part is damaged
        raise FileRefused("unreadable-file", damaged(exc)) from None


def _ods_hidden_columns(checked: CheckedFile, sheet: str) -> list[tuple[int, int]]:
    raw = checked.read_part("content.xml") or b""
    ranges: list[tuple[int, int]] = []
    in_sheet, col = False, 1
    with _ods_parse_errors():
        for event, element in iterparse(io.BytesIO(raw), events=("start", "end"), forbid_dtd=True):
            tag = local_name(element.tag)
            if event == "start" and tag == "table":
                in_sheet, col = element.get(_TABLE_NS + "name") == sheet, 1
            elif event == "start" and in_sheet and tag == "table-column":
                repeat = _repeat(element.get(_TABLE_NS + "number-columns-repeated"))
                if element.get(_TABLE_NS + "visibility") in ("collapse", "filter"):
                    ranges.append((col, col + repeat - 1))
                col += repeat
            elif event == "start" and in_sheet and tag == "table-row":
                break  # the column definitions come before the first row
            elif event == "end" and tag == "table":
                if in_sheet:
                    break
                element.clear()
    return ranges


def _sheet_part(checked: CheckedFile, sheet: str) -> str | None:
    workbook = checked.read_xml("xl/workbook.xml")
    rels = checked.read_xml("xl/_rels/workbook.xml.rels")
    if workbook is None or rels is None:
        return None
    rel_id = None
    for element in workbook.iter():
        if local_name(element.tag) == "sheet" and element.get("name") == sheet:
            rel_id = next((v for k, v in element.attrib.items() if local_name(k) == "id"), None)
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
        if local_name(row.tag) != "row":
            continue
        row_index = int(row.get("r")) - 1 if (row.get("r") or "").isdigit() else row_index + 1
        col_index = -1
        for cell in row:
            if local_name(cell.tag) != "c":
                continue
            ref = cell.get("r")
            col_index = parse_cell_ref(ref)[1] if ref and is_cell_ref(ref) else col_index + 1
            formula = next((child for child in cell if local_name(child.tag) == "f"), None)
            if formula is None:
                continue
            text = (formula.text or "").strip()
            if text.upper() in _LITERAL_BOOLEAN_FORMULAS:
                continue
            out[(row_index, col_index)] = "=" + text if text else "(a shared formula)"
    return out



# --- ODS content.xml ---------------------------------------------------------------------------------------------

OdsVisit = Callable[[str, Any, int, int], None]  # (tag, element, row, col), 0-based, for each cell of one sheet


def walk_ods_sheet(checked: CheckedFile, sheet: str, visit: OdsVisit, *, needle: bytes | None = None) -> None:
    """Call `visit` for every cell (table-cell or covered-table-cell) of one sheet of an .ods, with its 0-based
    position; repeated rows are visited once, at their first row. Reads content.xml through the bounded read, parses
    it with defusedxml (no DTD), and stops at the end of the sheet. With `needle`, a part that does not contain it
    is not parsed at all (a cheap test for formulas, say).
    """
    raw = checked.read_part("content.xml") or b""
    if needle is not None and needle not in raw:
        return
    in_sheet = False
    row = col = 0
    row_repeat = 1
    with _ods_parse_errors():
        for event, element in iterparse(io.BytesIO(raw), events=("start", "end"), forbid_dtd=True):
            tag = local_name(element.tag)
            if event == "start":
                if tag == "table":
                    in_sheet = element.get(_TABLE_NS + "name") == sheet
                    row = 0
                elif in_sheet and tag == "table-row":
                    col, row_repeat = 0, _repeat(element.get(_TABLE_NS + "number-rows-repeated"))
                elif in_sheet and tag in ("table-cell", "covered-table-cell"):
                    visit(tag, element, row, col)
                    col += _repeat(element.get(_TABLE_NS + "number-columns-repeated"))
            else:
                if in_sheet and tag == "table-row":
                    row += row_repeat
                elif tag == "table" and in_sheet:
                    break
                if tag in ("table-row", "table"):
                    element.clear()


def _ods_formulas(checked: CheckedFile, sheet: str) -> dict[tuple[int, int], str]:
    out: dict[tuple[int, int], str] = {}

    def visit(tag: str, element, row: int, col: int) -> None:
        text = (element.get(_TABLE_NS + "formula") or "").removeprefix("of:")
        if text and text.lstrip("=").strip().upper() not in _LITERAL_BOOLEAN_FORMULAS:
            for k in range(min(_repeat(element.get(_TABLE_NS + "number-columns-repeated")), 1024)):
                out[(row, col + k)] = text if text.startswith("=") else "=" + text

    walk_ods_sheet(checked, sheet, visit, needle=b":formula=")
    return out


def ods_merged_ranges(checked: CheckedFile, sheet: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Merged ranges of one sheet of an .ods, as calamine gives them for .xlsx: 0-based, inclusive."""
    out: list[tuple[tuple[int, int], tuple[int, int]]] = []

    def visit(tag: str, element, row: int, col: int) -> None:
        rows = _repeat(element.get(_TABLE_NS + "number-rows-spanned"))
        cols = _repeat(element.get(_TABLE_NS + "number-columns-spanned"))
        if tag == "table-cell" and (rows > 1 or cols > 1):
            out.append(((row, col), (row + rows - 1, col + cols - 1)))

    walk_ods_sheet(checked, sheet, visit)
    return out


def _repeat(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 1
