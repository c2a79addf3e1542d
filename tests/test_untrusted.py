"""Safe opening of untrusted returns (DESIGN.md "Safety"): every check runs before any parser sees the file."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest

from baseline.issues import BaselineError
from baseline.xlsx import untrusted
from baseline.xlsx.returns import read_return
from baseline.xlsx.untrusted import FileRefused, check_untrusted
from tests.cases import builders


@pytest.fixture
def workbook(tmp_path):
    return builders.save(builders.new_workbook(), tmp_path / "return.xlsx")


def refused(path) -> FileRefused:
    with pytest.raises(FileRefused) as info:
        check_untrusted(path)
    return info.value


def zip_bytes(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_generated_workbook_passes_with_its_hash(workbook):
    with check_untrusted(workbook) as checked:
        assert checked.kind == "xlsx"
        assert checked.sha256 == hashlib.sha256(workbook.read_bytes()).hexdigest()
        assert checked.data == workbook.read_bytes()
    assert checked.zip.fp is None  # closed on leaving the block


def test_an_ods_container_is_recognised(tmp_path):
    path = tmp_path / "return.ods"
    path.write_bytes(zip_bytes({"mimetype": untrusted.ODS_MIMETYPE, "content.xml": b"<office:document-content/>"},
                               zipfile.ZIP_STORED))
    with check_untrusted(path) as checked:
        assert checked.kind == "ods"


@pytest.mark.parametrize("name, content, code, words", [
    ("missing.xlsx", None, "unreadable-file", "no such file"),
    ("empty.xlsx", b"", "unreadable-file", "empty"),
    ("letter.xlsx", b"Dear facilitator", "unreadable-file", "not an Excel workbook"),
    ("answers.csv", b"Recommendation,Relevant\n1.1.1,Yes\n", "unreadable-file", "not an Excel workbook"),
    ("old.xls", untrusted.OLE_MAGIC + b"\0" * 2000, "unreadable-file", "97-2003"),
    ("locked.xlsx", untrusted.OLE_MAGIC + b"\0" * 600 + "EncryptionInfo".encode("utf-16-le") + b"\0" * 600,
     "encrypted-file", "password"),
    ("report.docx", zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}),
     "unreadable-file", "Word document"),
    ("binary.xlsb", zip_bytes({"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\0\1"}),
     "unreadable-file", ".xlsb"),
])
def test_files_that_are_not_workbooks_get_their_own_issue(tmp_path, name, content, code, words):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    problem = refused(path)
    assert problem.code == code
    assert words.lower() in problem.message.lower()


def test_a_folder_is_not_a_workbook(tmp_path):
    assert refused(tmp_path).code == "unreadable-file"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_is_refused_without_blocking(tmp_path):
    pipe = tmp_path / "return.xlsx"
    os.mkfifo(pipe)
    problem = refused(pipe)  # reading it would wait for a writer for ever
    assert problem.code == "unreadable-file" and "regular file" in problem.message


@pytest.mark.parametrize("fraction", [0.3, 0.6, 0.95])
def test_a_truncated_workbook_is_unreadable_not_a_crash(workbook, fraction):
    data = workbook.read_bytes()
    workbook.write_bytes(data[: int(len(data) * fraction)])
    problem = refused(workbook)
    assert problem.code == "unreadable-file"
    assert "damaged or incomplete" in problem.message


def _packed_span(data: bytes, part: str) -> tuple[int, int]:
    """(start, length) of one part's compressed bytes in a zip (after its local header)."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(part)
    header = data[info.header_offset: info.header_offset + 30]
    start = info.header_offset + 30 + int.from_bytes(header[26:28], "little") + int.from_bytes(header[28:30], "little")
    return start, info.compress_size


@pytest.mark.parametrize("part", ["Assessment", "xl/styles.xml", "xl/workbook.xml"])
def test_a_corrupted_part_is_unreadable(workbook, part):
    """Zeroed bytes in the middle of one part's compressed data (the zip directory still lists the part): whether
    the stream breaks or inflates to garbage, the file is unreadable, never judged by that garbage."""
    part = builders.sheet_part(workbook, part) if part == "Assessment" else part
    data = bytearray(workbook.read_bytes())
    start, length = _packed_span(bytes(data), part)
    data[start + length // 3: start + length // 3 + min(200, length // 3)] = bytes(min(200, length // 3))
    workbook.write_bytes(bytes(data))
    result = read_return(workbook)
    assert [i.code for i in result.report.issues] == ["unreadable-file"]
    assert result.agency_return is None


def _sheet_inflating_to_a_far_cell(path: Path, breaks: bool) -> Path:
    """A workbook whose sheet's compressed data was replaced (the zip directory unchanged): it inflates to a cell at
    XFD1048576 and then breaks (runs on into bytes that are no deflate block), or ends early, which the size and
    CRC-32 alone tell. A stretch of zeroed bytes in a real return does either."""
    far = (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           b'<sheetData><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData><!-- ' +
           os.urandom(1500).hex().encode())
    sheet = far + os.urandom(1500).hex().encode() + b" --></worksheet>"  # what the directory's size and CRC are of
    data = bytearray(zip_bytes({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>",
                                "xl/worksheets/sheet1.xml": sheet}))
    deflater = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    if breaks:  # the far cell, a block edge, then 0b11: a reserved block type, an error
        replacement, padding = deflater.compress(far) + deflater.flush(zlib.Z_FULL_FLUSH), b"\xff"
    else:  # a whole stream of other bytes: what follows its end is ignored
        replacement, padding = deflater.compress(far) + deflater.flush(), b"\x00"
    start, length = _packed_span(bytes(data), "xl/worksheets/sheet1.xml")
    assert 1024 < len(replacement) < length  # longer than the small chunk below: its first piece holds the cell
    data[start: start + length] = replacement + padding * (length - len(replacement))
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("breaks", [True, False])
@pytest.mark.parametrize("chunk", [1024, untrusted.SCAN_CHUNK_BYTES])
def test_a_damaged_sheet_naming_a_far_cell_is_unreadable_not_too_large(tmp_path, monkeypatch, breaks, chunk):
    """Inflated whole or (when larger than a chunk) streamed, a sheet is checked against the zip directory's size
    and CRC-32 before its extent counts: the far cell is garbage of a damaged part."""
    monkeypatch.setattr(untrusted, "SCAN_CHUNK_BYTES", chunk)
    problem = refused(_sheet_inflating_to_a_far_cell(tmp_path / "damaged.xlsx", breaks))
    assert problem.code == "unreadable-file" and "xl/worksheets/sheet1.xml" in problem.message


@pytest.mark.parametrize("chunk", [1024, untrusted.SCAN_CHUNK_BYTES])
def test_a_sheet_whose_crc_does_not_match_is_unreadable(tmp_path, monkeypatch, chunk):
    """Garbage that happens to inflate cleanly is caught by the CRC-32, whole or streamed."""
    monkeypatch.setattr(untrusted, "SCAN_CHUNK_BYTES", chunk)
    path = tmp_path / "crc.xlsx"
    sheet = sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>') + b"<!-- %s -->" % os.urandom(2000).hex().encode()
    data = bytearray(zip_bytes({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>",
                                "xl/worksheets/sheet1.xml": sheet}, zipfile.ZIP_STORED))
    start, _ = _packed_span(bytes(data), "xl/worksheets/sheet1.xml")
    data[start + len(sheet) - 100] ^= 1  # one bit of the comment: still well-formed, but not the bytes the CRC is of
    path.write_bytes(bytes(data))
    assert refused(path).code == "unreadable-file"


def test_size_is_checked_before_reading(workbook, monkeypatch):
    monkeypatch.setattr(untrusted, "MAX_FILE_BYTES", 1000)
    problem = refused(workbook)
    assert problem.code == "unsafe-file"
    assert "MB" in problem.message


def test_too_many_zip_entries_is_unsafe(tmp_path):
    entries = {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}
    entries.update({f"xl/media/image{i}.png": b"x" for i in range(untrusted.MAX_ZIP_ENTRIES)})
    path = tmp_path / "many.xlsx"
    path.write_bytes(zip_bytes(entries))
    problem = refused(path)
    assert problem.code == "unsafe-file"
    assert str(untrusted.MAX_ZIP_ENTRIES) in problem.message


def test_a_zip_bomb_entry_is_unsafe(tmp_path):
    entries = {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>",
               "xl/worksheets/sheet1.xml": b"<worksheet>" + b" " * (4 * 1024 * 1024) + b"</worksheet>"}
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(zip_bytes(entries))
    with zipfile.ZipFile(path) as archive:  # the premise: far beyond 100:1
        info = archive.getinfo("xl/worksheets/sheet1.xml")
        assert info.file_size > 100 * info.compress_size
    problem = refused(path)
    assert problem.code == "unsafe-file"
    assert "zip bomb" in problem.message


def test_total_uncompressed_size_is_capped(workbook, monkeypatch):
    monkeypatch.setattr(untrusted, "MAX_UNCOMPRESSED_BYTES", 10_000)
    assert refused(workbook).code == "unsafe-file"


def _parts(*sizes: tuple[int, int]) -> list[zipfile.ZipInfo]:
    infos = []
    for n, (unpacked, packed) in enumerate(sizes):
        info = zipfile.ZipInfo(f"xl/worksheets/sheet{n}.xml")
        info.file_size, info.compress_size = unpacked, packed
        infos.append(info)
    return infos


def test_a_national_merged_workbook_unpacks_within_the_limits():
    """The parts of the merged workbook of 2,000 returns (bench, 2026-11-30): 229 MB unpacked, 14 MB packed. The cap
    was 200 MB, and the tool refused its own workbook as a zip bomb."""
    MB = 1024 * 1024
    untrusted._check_zip(_parts((93 * MB, 7 * MB), (80 * MB, 4 * MB), (22 * MB, MB), (11 * MB, MB), (10 * MB, MB)))
    with pytest.raises(untrusted.FileRefused, match="zip bomb"):  # the cap still holds beyond it
        untrusted._check_zip(_parts(*[(90 * MB, 6 * MB)] * 6))


def test_an_encrypted_zip_entry_is_refused(tmp_path):
    data = bytearray(zip_bytes({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}))
    # Set the "encrypted" flag of xl/workbook.xml in its local header and central directory record (zipfile
    # cannot write encrypted entries, and the check needs only the flag).
    for signature, flags_at, name_length_at, name_at in ((b"PK\x03\x04", 6, 26, 30), (b"PK\x01\x02", 8, 28, 46)):
        position = data.find(signature)
        while position >= 0:
            length = int.from_bytes(data[position + name_length_at: position + name_length_at + 2], "little")
            if data[position + name_at: position + name_at + length] == b"xl/workbook.xml":
                data[position + flags_at] |= 0x1
            position = data.find(signature, position + 4)
    path = tmp_path / "zipcrypto.xlsx"
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("xl/workbook.xml").flag_bits & 0x1
    assert refused(path).code == "encrypted-file"


BILLION_LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
                  + b"".join(b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                             for i in range(1, 10))
                  + b"]>\n")


@pytest.mark.parametrize("part", ["xl/workbook.xml", "[Content_Types].xml", "docProps/custom.xml"])
def test_entity_declarations_in_any_part_are_refused(workbook, part):
    builders.rewrite_part(workbook, part, lambda data: BILLION_LAUGHS + data.split(b"?>", 1)[-1].lstrip())
    problem = refused(workbook)
    assert problem.code == "unsafe-file"
    assert "entities" in problem.message


def test_entity_declarations_in_the_sheet_are_refused_before_calamine_reads_it(workbook):
    part = builders.sheet_part(workbook, "Assessment")
    builders.rewrite_part(workbook, part, lambda data: BILLION_LAUGHS + data.split(b"?>", 1)[-1].lstrip())
    result = read_return(workbook)
    assert [i.code for i in result.report.issues] == ["unsafe-file"]


@pytest.mark.parametrize("head, safe", [
    (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="x"/>', True),
    (b"<workbook/>", True),
    (b"\xef\xbb\xbf<?xml version='1.0'?><worksheet/>", True),
    ('<?xml version="1.0" encoding="UTF-16"?><workbook/>'.encode("utf-16"), True),
    (b'<?xml version="1.0"?><!-- a comment --><workbook/>', True),
    (b'<?xml version="1.0"?><!DOCTYPE workbook><workbook/>', False),
    (b'<?xml version="1.0"?><!-- <a> hides nothing --><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', False),
    (b'<!ENTITY x "y"><a/>', False),
    ('<?xml version="1.0"?><!DOCTYPE a><a/>'.encode("utf-16"), False),
])
def test_prolog_scan(head, safe):
    assert untrusted._prolog_is_safe(head, complete=True) is safe


def test_a_prolog_longer_than_the_scan_is_refused(workbook):
    padding = b"<!--" + b"x" * untrusted.XML_PROLOG_SCAN_BYTES + b"-->"
    builders.rewrite_part(workbook, "xl/workbook.xml", lambda data: padding + data.split(b"?>", 1)[-1])
    assert refused(workbook).code == "unsafe-file"


def test_defusedxml_is_installed_and_used_by_openpyxl():
    assert openpyxl.DEFUSEDXML is True
    untrusted.require_defusedxml()


def test_openpyxl_without_defusedxml_is_refused(monkeypatch, workbook):
    monkeypatch.setattr(openpyxl, "DEFUSEDXML", False)
    with pytest.raises(BaselineError, match="defusedxml"):
        untrusted.require_defusedxml()


def test_parse_xml_refuses_entities_itself():
    with pytest.raises(FileRefused) as info:
        untrusted.parse_xml(BILLION_LAUGHS + b"<a>&lol9;</a>")
    assert info.value.code == "unsafe-file"
    with pytest.raises(FileRefused) as info:
        untrusted.parse_xml(b"<a><b></a>", "xl/workbook.xml")
    assert info.value.code == "unreadable-file"
    assert "xl/workbook.xml" in info.value.message


def test_reading_never_writes_to_the_input(workbook):
    before = workbook.read_bytes()
    stat = workbook.stat()
    read_return(workbook)
    assert workbook.read_bytes() == before
    assert workbook.stat().st_mtime_ns == stat.st_mtime_ns


# --- sheet extents, measured before any parser allocates ---------------------------------------------------------


def sheet_xml(body: str, prefix: str = "") -> bytes:
    ns = f"xmlns{':' + prefix[:-1] if prefix else ''}=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\""
    return f'<?xml version="1.0"?><{prefix}worksheet {ns}><{prefix}sheetData>{body}</{prefix}sheetData></{prefix}worksheet>'.encode()


@pytest.mark.parametrize("body, prefix, extent", [
    ('<row r="3"><c r="B3"><v>1</v></c><c r="L3" s="1"/></row>', "", (3, 12)),
    ('<row><c><v>1</v></c><c><v>2</v></c></row><row><c><v>3</v></c></row>', "", (2, 2)),  # no r attributes
    ('<x:row r="7"><x:c r="AZ7"><x:v>1</x:v></x:c></x:row>', "x:", (7, 52)),  # a namespace prefix
    ('<row r="2" spans="1:3"><c t="s" r="C2"><v>0</v></c></row><row r="9"/>', "", (2, 3)),  # empty rows cost nothing
    ('<row r="5"><c r="C5"/><c r=\'XFD5\'><v>1</v></c><c xr="ZZZ9"/></row>', "", (5, 16385)),  # quotes differ; no r: next
    ('<row r="1"><c r="AA1"><v>1</v></c><c r="B1048576"><v>1</v></c><c r="Z3"/></row>', "", (1048576, 27)),
    ('<row r="1"><c r="A1"/><c r="AAAAA1"><v>1</v></c></row>', "", (1, 10 ** 8)),  # no sheet is that wide
    ('<row r="1"><c\nr="XFD1048576"><v>1</v></c></row>', "", (1048576, 16384)),  # any whitespace
])
def test_xlsx_extent_counts_every_cell_however_it_is_written(body, prefix, extent):
    pieces = [sheet_xml(body, prefix)[i:i + 7] for i in range(0, len(sheet_xml(body, prefix)), 7)]  # tags cut
    assert untrusted._xlsx_extent_cell_by_cell(iter(pieces)) == extent
    fast = untrusted._xlsx_extent(lambda: iter(pieces))[:2]  # exact, or the bound (999, 702) of a small sheet
    assert fast == extent or (fast == (999, 702) and extent[0] <= 999 and extent[1] <= 702)


def test_a_small_sheet_is_passed_on_the_fast_path(monkeypatch):
    monkeypatch.setattr(untrusted, "_xlsx_extent_cell_by_cell", None)  # would fail if called
    body = "".join(f'<row r="{r}">' + "".join(f'<c r="{c}{r}" t="s"><v>1</v></c>' for c in "ABCDEFGHIJKL") + "</row>"
                   for r in range(1, 200))
    assert untrusted._xlsx_extent(lambda: iter([sheet_xml(body)])) == (999, 702, 0, 0, 0)  # a bound: within limits


def sheet_with_dimension(dimension: str, body: str) -> bytes:
    return sheet_xml(body).replace(b"<sheetData>", f'<dimension ref="{dimension}"/><sheetData>'.encode())


def large_rows(count: int, columns: str = "ABCDEFGHIJKLM", middle: str = "") -> str:
    """`count` rows of cells in order; `middle` (cells) is put in the middle of row 2."""
    return "".join(f'<row r="{r}">' + "".join(f'<c r="{c}{r}"><v>1</v></c>' for c in columns[:6])
                   + (middle if r == 2 else "") + "".join(f'<c r="{c}{r}"><v>1</v></c>' for c in columns[6:])
                   + "</row>" for r in range(1, count + 1))


def test_a_large_sheet_within_its_dimension_is_passed_on_the_fast_path(monkeypatch):
    for slow in ("_xlsx_extent_cell_by_cell", "_XLSX_REF", "_XLSX_CELL_REF"):  # the passes after the first
        monkeypatch.setattr(untrusted, slow, None)  # would fail if used
    xml = sheet_with_dimension("A1:M5000", large_rows(5000))
    # the dimension is only the bound looked against: one search shows that no cell lies outside it
    assert untrusted._xlsx_extent(lambda: iter([xml[:4096], xml[4096:]]), xml[:1024]) == (5000, 13, 0, 0, 0)


@pytest.mark.parametrize("middle, extent", [
    ('<c r="XFD1048576"><v>1</v></c>', (1048576, 16384)),  # a far cell in the middle of a row
    ('<c r="A9999"/>', (9999, 13)),  # a row further down than the dimension, in a row tag that says 2
    ('<c r="Z2"/><c r="B2"/>', (5000, 26)),  # cells out of order: the widest is not the row's last
    ('<c r="N2"/>', (5000, 14)),  # one column wider than the dimension
    ('<c><v>1</v></c>', (5000, 13)),  # a cell without a reference (placed after the one before it)
])
def test_a_dimension_smaller_than_its_cells_is_never_the_bound(middle, extent):
    xml = sheet_with_dimension("A1:M5000", large_rows(5000, middle=middle))
    assert untrusted._xlsx_extent(lambda: iter([xml]), xml[:1024])[:2] == extent


def test_a_far_cell_inside_a_large_sheet_with_a_small_dimension_is_refused(workbook):
    part = builders.sheet_part(workbook, "Assessment")

    def lie(xml: bytes) -> bytes:  # a dimension within the limits, cells past it in the middle of a row
        xml = xml.replace(b'<dimension ref="', b'<dimension ref="A1:M5000" x="')
        row = xml.index(b"<c ", xml.index(b"<sheetData"))
        return xml[:row] + b'<c r="A2"/><c r="XFD140000"><v>1</v></c>' + xml[row:]

    builders.rewrite_part(workbook, part, lie)
    with pytest.raises(FileRefused) as info:
        check_untrusted(workbook)
    assert info.value.code == "sheet-too-large" and "XFD140000" in info.value.message


def test_a_dimension_is_not_trusted(workbook):
    part = builders.sheet_part(workbook, "Assessment")
    builders.rewrite_part(workbook, part, lambda xml: xml.replace(b'<dimension ref="', b'<dimension ref="A1:XFD1048576" x="'))
    with check_untrusted(workbook) as checked:  # a claim alone allocates nothing: the cells decide
        assert checked.kind == "xlsx"


@pytest.mark.parametrize("rows, columns, refused", [(untrusted.MAX_SHEET_ROWS, 13, False),
                                                   (untrusted.MAX_SHEET_ROWS + 1, 1, True),
                                                   (1000, untrusted.MAX_SHEET_CELLS // 1000 + 1, True),
                                                   (1, 16384, False)])
def test_sheet_limits(tmp_path, rows, columns, refused):
    from openpyxl.utils import get_column_letter

    body = f'<row r="1"><c r="A1"><v>1</v></c></row><row r="{rows}"><c r="{get_column_letter(columns)}{rows}"><v>1</v></c></row>'
    path = tmp_path / "sheet.xlsx"
    path.write_bytes(zip_bytes({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>",
                                "xl/worksheets/sheet1.xml": sheet_xml(body)}))
    if refused:
        with pytest.raises(FileRefused) as info:
            check_untrusted(path)
        assert info.value.code == "sheet-too-large" and f"{get_column_letter(columns)}{rows}" in info.value.message
    else:
        check_untrusted(path).close()


def test_the_message_names_the_sheet_a_person_sees(workbook):
    builders.rewrite_part(workbook, builders.sheet_part(workbook, "Assessment"),
                          lambda xml: xml.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c>'
                                                                   b"</row></sheetData>"))
    problem = refused(workbook)
    assert problem.code == "sheet-too-large"
    assert "The sheet 'Assessment' has something in cell XFD1048576" in problem.message


def ods_content(table: str) -> bytes:
    return ('<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
            'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
            f'{table}</office:spreadsheet></office:body></office:document-content>').encode()


def test_ods_extent_multiplies_repeats_of_cells_with_content_only():
    content = ods_content(
        '<table:table table:name="Assessment">'
        '<table:table-row><table:table-cell office:value-type="string"><text:p>a</text:p></table:table-cell>'
        '<table:table-cell table:number-columns-repeated="3"/>'
        '<table:table-cell table:number-columns-repeated="2"><text:p>b</text:p></table:table-cell></table:table-row>'
        '<table:table-row table:number-rows-repeated="5"><table:table-cell office:value-type="float" '
        'office:value="1"/></table:table-row>'
        # LibreOffice ends every sheet like this: a million empty rows, 1024 empty cells wide
        '<table:table-row table:number-rows-repeated="1048569"><table:table-cell table:number-columns-repeated="1024"/>'
        '</table:table-row></table:table><table:table table:name="Lists"><table:table-row><table:table-cell '
        'office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row></table:table>')
    pieces = [content[i:i + 11] for i in range(0, len(content), 11)]
    assert untrusted._ods_extents(pieces) == [("Assessment", 6, 6, 0, 0, 0), ("Lists", 1, 1, 0, 0, 0)]


def test_ods_merged_cells_count_with_their_span():
    content = ods_content(
        '<table:table table:name="Data"><table:table-row><table:table-cell table:number-columns-spanned="13" '
        'table:number-rows-spanned="2" office:value-type="string"><text:p>Heading</text:p></table:table-cell>'
        '<table:covered-table-cell table:number-columns-repeated="12"/></table:table-row>'
        '<table:table-row><table:table-cell table:number-rows-spanned="1048575"/></table:table-row></table:table>')
    assert untrusted._ods_extents([content]) == [("Data", 1, 1, 1048576, 13, 26 + 1048575)]


@pytest.mark.parametrize("refs, expected", [
    (['A1:M1', 'A5:M6'], (6, 13, 13 + 26)),
    (['$B$2:$C$3', 'E9:D8'], (9, 5, 4 + 4)),  # absolute references; corners in either order
    (['N3:XFD1048576'], (1048576, 16384, 1048574 * 16371)),
    (['A1:AAAA1'], (1, 10 ** 8, 10 ** 8)),  # no sheet is that wide
])
def test_xlsx_merges(refs, expected):
    xml = sheet_xml("") + b"<mergeCells>" + b"".join(b'<mergeCell ref="%s"/>' % r.encode() for r in refs) + \
        b"</mergeCells>"
    assert untrusted._xlsx_extent(lambda: iter([xml[i:i + 9] for i in range(0, len(xml), 9)]))[2:] == expected


def test_a_huge_merged_range_is_refused_naming_it(workbook):
    builders.rewrite_part(workbook, builders.sheet_part(workbook, "Assessment"), lambda xml: xml.replace(
        b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="D3:XFD1048576"/></mergeCells>'))
    problem = refused(workbook)
    assert problem.code == "sheet-too-large" and "merged over" in problem.message and "XFD1048576" in problem.message


def test_stream_matches_the_part_stored_or_deflated(tmp_path):
    data = b"<worksheet>" + b"<row/>" * 400_000 + b"</worksheet>"
    for compression in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raw = zip_bytes({"xl/worksheets/sheet1.xml": data}, compression)
        info = zipfile.ZipFile(io.BytesIO(raw)).getinfo("xl/worksheets/sheet1.xml")
        assert b"".join(untrusted._stream(raw, info)) == data


def test_a_utf16_sheet_is_measured_too(tmp_path):
    body = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    sheet = sheet_xml(body).decode().replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>')
    path = tmp_path / "utf16.xlsx"
    path.write_bytes(zip_bytes({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>",
                                "xl/worksheets/sheet1.xml": sheet.encode("utf-16")}))
    assert refused(path).code == "sheet-too-large"
