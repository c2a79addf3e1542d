"""Everything before a parser trusts a file: size, container type, zip entry count, total uncompressed size and
compression ratio, a DTD/entity scan of every part (by content, whatever its name), encryption (XLSX_PITFALLS.md
§1), and the extent of every sheet, measured by streaming its XML before calamine or openpyxl allocate a grid for it
(a single cell typed at XFD1048576 spans 17 billion cells): up front, or (measure_later, for reading returns) just
before a parser reads the sheet, so that a sheet no parser reads costs nothing.

The bytes checked are the bytes parsed afterwards (no second read of the path, so no swap in between). Parts are
read through CheckedFile.read_part, bounded by the size the zip directory declares.
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import io
import os
import re
import stat
import struct
import sys
import zipfile
import zlib
from collections.abc import Collection
from contextlib import contextmanager
from dataclasses import field
from pathlib import Path
from xml.etree.ElementTree import ParseError, TreeBuilder, XMLParser

import defusedxml.ElementTree as DET
from defusedxml.common import DefusedXmlException

from baseline.issues import BaselineError
from baseline.records import record
from baseline.xlsx.cells import KEPT, cell_ref, parse_cell_ref

MAX_FILE_BYTES = 20 * 1024 * 1024  # a full NG225 return is well under 1 MB
MAX_ZIP_ENTRIES = 500
# The merged workbook of 2,000 returns unpacks to about 230 MB (its All answers and Actions sheets, and the notes'
# drawing): its own tool must read it back. What a parser may allocate is bounded per sheet below, and bombs by the
# compression ratio; this bounds only the streaming scans.
MAX_UNCOMPRESSED_BYTES = 512 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100  # a real 100k-row sheet compresses about 11:1
RATIO_CHECK_MIN_BYTES = 1024 * 1024  # small entries cannot bomb, whatever their ratio
XML_PROLOG_SCAN_BYTES = 64 * 1024  # a DTD can only sit in the prolog, before the root element
# A sheet's extent (last row and column holding a cell), bounded before any parser builds a grid for it. A return
# has about 150 rows by 12 columns; a merged workbook of 800 returns about 120,000 rows by 15 columns.
MAX_SHEET_ROWS = 150_000
MAX_SHEET_CELLS = 2_000_000  # rows x columns of the extent
# Cells covered by merged ranges in one sheet: openpyxl makes an object for each, and readers spread a merged value
# over each (a return merges a few heading rows; NICE's tool about 50 rows by 13 columns).
MAX_MERGED_CELLS = 100_000
SCAN_CHUNK_BYTES = 1024 * 1024
# A part this small is inflated whole for the DTD scan (as cheap as its first KB) and kept: the properties,
# workbook.xml and its relationships are then never inflated again.
WHOLE_HEAD_BYTES = 4096

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, and password-protected .xlsx
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


class FileRefused(Exception):
    """A file that must not (or cannot) be parsed; `code` is an issue code, `message` is for the sender."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def require_defusedxml() -> None:
    """openpyxl (when loaded) must be using defusedxml (imported above): else XML bombs get through."""
    openpyxl = sys.modules.get("openpyxl")
    if openpyxl is not None and not getattr(openpyxl, "DEFUSEDXML", False):
        raise BaselineError("openpyxl is running without defusedxml (OPENPYXL_DEFUSEDXML is set?); refusing to read "
                            "untrusted workbooks.")


_NOT_MAPPED = object()


@record
class CheckedFile:
    """An untrusted file that passed the checks: its bytes, their sha256, its kind and its zip directory.

    Parts are inflated straight from the bytes in memory (zlib, bounded by the size the directory declares):
    several times cheaper than zipfile's per-entry machinery, which matters at 200 returns per run.
    """

    path: Path
    data: bytes
    sha256: str
    kind: str  # "xlsx" (also .xlsm) or "ods"
    zip: zipfile.ZipFile
    _parsed: dict = field(default_factory=dict, repr=False)
    # Parts the checks inflated whole (the sheets, at most SCAN_CHUNK_BYTES each): read_part serves them from
    # here, so the Assessment sheet is inflated once for the extent check and the formula look.
    _inflated: dict[str, bytes] = field(default_factory=dict, repr=False)
    # Parts not measured yet (check_untrusted's measure_later), in the zip's order: part -> (its zip entry, its head).
    # A worksheet (a part whose root element is one: _worksheet_root, looked at when first asked) is measured before
    # any parser reads it: by `measure`, by read_part, and SourceWorkbook measures every sheet it reads; so is any
    # other part the workbook points a sheet to (a parser reads it as a sheet whatever its root element), by
    # `measure`. A part no parser reads is never measured.
    _unmeasured: dict[str, tuple[zipfile.ZipInfo, bytes]] = field(default_factory=dict, repr=False)
    _worksheets: dict[str, bool] = field(default_factory=dict, repr=False)  # _worksheet_root of a part, once
    _sheet_map: object = field(default=None, repr=False)  # _sheet_parts of the workbook, once (_NOT_MAPPED: not yet)

    def __post_init__(self) -> None:
        self._sheet_map = _NOT_MAPPED

    def close(self) -> None:
        self.zip.close()
        self._parsed.clear()
        self._inflated.clear()
        self._unmeasured.clear()
        self._worksheets.clear()

    def __enter__(self) -> "CheckedFile":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def names(self) -> set[str]:
        return set(self.zip.NameToInfo)

    def read_part(self, name: str, limit: int | None = None) -> bytes | None:
        """One part of the zip, inflated (at most `limit` bytes); None if the part does not exist. A worksheet not
        measured yet is measured first (FileRefused)."""
        if name in self._unmeasured and self._is_worksheet(name):
            self._measure_part(name)
        whole = self._inflated.get(name)
        if whole is not None:
            return whole if limit is None else whole[:limit]
        info = self.zip.NameToInfo.get(name)
        if info is None:
            return None
        return inflate(self.data, info, limit)

    def read_xml(self, name: str):
        """Parse one XML part with defusedxml (no DTD, no entities), once; None if the part does not exist."""
        if name not in self._parsed:
            raw = self.read_part(name)
            self._parsed[name] = None if raw is None else parse_xml(raw, name)
        return self._parsed[name]

    def measure(self, sheets: Collection[str] | None = None) -> None:
        """Measure the extent of the worksheets named (None: every one) that are not measured yet, as check_untrusted
        does (FileRefused: sheet-too-large, or a damaged part): the parts the workbook points them to, whatever
        their root element. A name the workbook does not map plainly to its part (see _sheet_parts) has every sheet
        measured: every worksheet and every part a sheet points to; every part when the workbook maps none plainly."""
        if not self._unmeasured:
            return
        parts = None if sheets is None else self._parts_of(sheets)
        if parts is None:
            parts = _every_sheet_part(self._sheets(), {name: self._is_worksheet(name) for name in self._unmeasured})
        pending = [name for name in parts if name in self._unmeasured]
        if len(pending) > 1:  # in the zip's order
            pending = [name for name in self._unmeasured if name in parts]
        for name in pending:
            self._measure_part(name)

    def sheet_names(self) -> list[str] | None:
        """The sheets' names as xl/workbook.xml lists them, in order; None when it cannot be read (or an .ods)."""
        sheets = self._sheets()
        return None if sheets is None else [name for name, _ in sheets]

    def _sheets(self) -> list[tuple[str | None, set[str]]] | None:
        if self._sheet_map is _NOT_MAPPED:
            try:
                self._sheet_map = _sheet_parts(self.read_xml("xl/_rels/workbook.xml.rels"),
                                               self.read_xml("xl/workbook.xml")) if self.kind == "xlsx" else None
            except FileRefused:  # reported where a reader parses the part; until then, every sheet is in doubt
                return None
        return self._sheet_map

    def _parts_of(self, sheets: Collection[str]) -> set[str] | None:
        """The parts of the sheets named; None (every part) unless each name is one sheet's, mapped plainly."""
        mapped = self._sheets()
        if mapped is None:
            return None
        parts: set[str] = set()
        for wanted in sheets:
            found = [sheet_parts for name, sheet_parts in mapped if name == wanted]
            if len(found) != 1:
                return None
            parts |= found[0]
        return parts

    def _is_worksheet(self, name: str) -> bool:
        if name not in self._worksheets:
            self._worksheets[name] = _worksheet_root(self._unmeasured[name][1])
        return self._worksheets[name]

    def _measure_part(self, name: str) -> None:
        info, head = self._unmeasured[name]
        _check_extent(self.data, self.zip, self.kind, info, head, self._inflated)
        del self._unmeasured[name]


def _every_sheet_part(mapped: list[tuple[str | None, set[str]]] | None, worksheet: dict[str, bool]) -> set[str]:
    """Of some parts (name -> whether its root element is a worksheet), those any sheet may be read from: each
    worksheet, and each part the workbook maps a sheet to (`mapped`, see _sheet_parts); every part when it maps
    none plainly."""
    if mapped is None:
        return set(worksheet)
    return {name for name, is_worksheet in worksheet.items() if is_worksheet} | {
        part for _, sheet_parts in mapped for part in sheet_parts}


def inflate(data: bytes, info: zipfile.ZipInfo, limit: int | None = None) -> bytes:
    """The content of one zip entry, from the archive's bytes, never more than it declares (or `limit`). Read whole,
    it must be exactly the size the directory declares and match its CRC-32, else FileRefused (unreadable-file)."""
    packed = _packed(data, info)
    wanted = info.file_size if limit is None else min(limit, info.file_size)
    method = info.compress_type
    if method == _DEFLATED:
        try:
            out = _inflater(_RAW_DEFLATE).decompress(packed, wanted + 1) if wanted else b""
        except _ZLIB_ERROR:
            raise _damaged_part(info) from None
        if len(out) > wanted and limit is None:  # it inflates to more than the directory says: a lie, refuse it
            raise _damaged_part(info)
        out = out[:wanted]
    elif method == _STORED:
        out = bytes(packed[:wanted])
    else:
        raise _damaged_part(info)
    if limit is None and (len(out) != info.file_size or _crc32(out) != info.CRC):
        raise _damaged_part(info)  # cut short, or garbage that happened to inflate
    return out


# Looked up once: inflate runs for every part of every file.
_STORED, _DEFLATED, _RAW_DEFLATE = zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, -zlib.MAX_WBITS
_inflater, _crc32, _ZLIB_ERROR = zlib.decompressobj, zlib.crc32, zlib.error


def _packed(data: bytes, info: zipfile.ZipInfo) -> memoryview:
    """The compressed bytes of one zip entry (a view: not copied), found through its local header."""
    offset = info.header_offset
    if 0 <= offset <= len(data) - 30:  # the header lies within the file (else read as below: refused)
        magic, name_length, extra_length = _LOCAL_HEADER.unpack_from(data, offset)
        if magic != b"PK\x03\x04":
            raise _damaged_part(info)
        start = offset + 30 + name_length + extra_length
        return memoryview(data)[start: start + info.compress_size]
    view = memoryview(data)
    header = bytes(view[offset: offset + 30])
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise _damaged_part(info)
    start = offset + 30 + int.from_bytes(header[26:28], "little") + int.from_bytes(header[28:30], "little")
    return view[start: start + info.compress_size]


_LOCAL_HEADER = struct.Struct("<4s22xHH")  # a zip entry's local header: its magic, then its name's and extra's lengths


def _damaged_part(info: zipfile.ZipInfo) -> FileRefused:
    return FileRefused("unreadable-file", f"The file is damaged: part {info.filename} cannot be unpacked. {RESAVE}")


class _DoctypeRefused(Exception):
    pass


class _NoDoctypeBuilder(TreeBuilder):
    """The C parser's tree builder, refusing a DOCTYPE (belt and braces: _without_doctype already saw none)."""

    def doctype(self, name, pubid, system):
        raise _DoctypeRefused


# The encodings in which "<!DOCTYPE" can only be written as those very bytes (expat reads these itself).
_ASCII_BASED = {b"utf-8", b"us-ascii", b"iso-8859-1"}
_DECLARED_ENCODING = re.compile(rb"""<\?xml\s[^>]*?encoding\s*=\s*["']([^"']*)["']""")


def _without_doctype(raw: bytes) -> bool:
    """True when `raw` surely holds no DTD: an ASCII-based encoding, and no "<!DOCTYPE" anywhere in it."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if not raw.startswith(b"<") or b"\x00" in raw[:4]:  # UTF-16, or something else altogether
        return False
    if raw.startswith(b"<?xml"):
        declared = _DECLARED_ENCODING.match(raw, 0, raw.find(b"?>") + 2)
        if declared and declared.group(1).lower() not in _ASCII_BASED:
            return False
    return b"<!DOCTYPE" not in raw


def parse_xml(raw: bytes, name: str = "XML"):
    """One XML part -> its root element; a DTD is refused (unsafe-file), malformed XML too (unreadable-file).

    A part that surely holds no DTD (almost all) goes to the C parser; any other to defusedxml, which stops at a
    DTD's first byte (the C parser, told to stop, would still expand the entities up to expat's own limits), but
    swaps in the pure-Python parser: 2.5 times slower on every part.
    """
    try:
        if _without_doctype(raw):
            parser = XMLParser(target=_NoDoctypeBuilder())
            parser.feed(raw)
            return parser.close()
        return DET.fromstring(raw, forbid_dtd=True)
    except (_DoctypeRefused, DefusedXmlException):
        raise FileRefused("unsafe-file", UNSAFE_XML) from None
    except ParseError:
        raise FileRefused("unreadable-file", f"The file is damaged: part {name} is not valid XML. Open it in Excel or "
                                             "LibreOffice, save it again as .xlsx and resend it.") from None


UNSAFE_XML = ("The file contains XML declarations (a DTD or entities) that spreadsheets never need and that can be "
               "used to attack the computer reading it; it was not read. Save it again from Excel or LibreOffice "
               "as .xlsx.")
RESAVE = "Open it in Excel or LibreOffice, save it as an Excel workbook (.xlsx) and send it again."


def check_untrusted(path: Path | str, sheets: Collection[str] | None = None, *,
                    measure_later: bool = False, data: bytes | None = None) -> CheckedFile:
    """Read an untrusted workbook's bytes and check them before any parser does. Raises FileRefused.

    `sheets`: the names of the only sheets the caller's parser reads (None: any), so that the extents of the others
    are not measured (a sheet no parser reads is never allocated); every part is still scanned for a DTD. See
    _unread_parts for when a sheet counts as unread. `measure_later` (.xlsx): no worksheet is measured here; each
    is measured before a parser reads it (CheckedFile.measure, read_part; SourceWorkbook measures every sheet it
    reads): for a caller that knows which sheets it reads only once the workbook is open. `data`: the file's bytes
    as read_untrusted read them (else they are read here).
    """
    require_defusedxml()
    path = path if isinstance(path, Path) else Path(path)
    if data is None:
        data = read_untrusted(path)
    if data.startswith(OLE_MAGIC):
        # Both a legacy .xls and a password-protected .xlsx are OLE compound files; the latter stores the
        # stream names "EncryptionInfo" / "EncryptedPackage" (UTF-16 in the OLE directory).
        if "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data:
            raise FileRefused("encrypted-file", "The workbook is protected with a password, so it cannot be read. "
                                                "Remove the password (in Excel: File > Info > Protect Workbook > "
                                                "Encrypt with Password, clear it), save and send it again.")
        raise FileRefused("unreadable-file", "This is an old-style Excel 97-2003 (.xls) or other Office file, not "
                                             f"an .xlsx workbook. {RESAVE}")
    if not data.startswith(ZIP_MAGICS):
        raise FileRefused("unreadable-file", f"This is not an Excel workbook (.xlsx, .xlsm) or LibreOffice "
                                             f"spreadsheet (.ods). {RESAVE}")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise FileRefused("unreadable-file", f"The file is damaged or incomplete (perhaps cut off while being "
                                             f"copied or attached to an email). {RESAVE}") from None
    try:
        _check_zip(infos)
        kind = _container_kind(archive)
        inflated: dict[str, bytes] = {}
        heads = _scan_xml_prologs(data, infos, inflated)
        unmeasured: dict[str, tuple[zipfile.ZipInfo, bytes]] = {}
        if measure_later and kind == "xlsx":  # each measured before a parser reads it (CheckedFile.measure)
            for info in infos:
                if not info.is_dir():
                    unmeasured[info.filename] = (info, heads.get(info.filename, b""))
        elif kind == "xlsx":
            # The sheets read (all when `sheets` is None): their parts, whatever their root element, and every
            # worksheet; in any doubt (a workbook that maps no sheet plainly), every part.
            mapped = _workbook_sheet_parts(data, archive, inflated)
            worksheets = {info.filename for info in _sheet_entries(archive, kind, heads)}
            wanted = _every_sheet_part(mapped, {info.filename: info.filename in worksheets
                                                for info in infos if not info.is_dir()})
            if sheets is not None and mapped is not None:
                unread = _unread_parts(mapped, sheets)
                wanted = {name for name in wanted if name not in unread}
            for info in infos:
                if info.filename in wanted:
                    _check_extent(data, archive, kind, info, heads.get(info.filename, b""), inflated)
        else:
            for info in _sheet_entries(archive, kind, heads):
                _check_extent(data, archive, kind, info, heads.get(info.filename, b""), inflated)
    except BaseException:
        archive.close()
        raise
    return CheckedFile(path=path, data=data, sha256=hashlib.sha256(data).hexdigest(), kind=kind, zip=archive,
                       _inflated=inflated, _unmeasured=unmeasured)


def require_regular_file(path: Path | str) -> None:
    """Refuse (FileRefused) a path that is missing, a folder, or not a regular file: a named pipe or a device would
    block whoever opens it for ever. Call it before anything opens a file a user named."""
    with _open_regular(Path(path)):
        pass


@contextmanager
def _open_regular(path: Path | str):
    """The file opened for reading, once it is known to be a regular file. Opened without blocking and checked on
    the open descriptor, so a pipe swapped in after a check cannot block the read."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise FileRefused("unreadable-file", "There is no such file.") from None
    except PermissionError:
        raise FileRefused("unreadable-file", "The file cannot be opened: permission denied.") from None
    except OSError as exc:
        raise FileRefused("unreadable-file", f"The file cannot be opened: {exc.strerror or exc}.") from None
    with os.fdopen(fd, "rb") as handle:
        status = os.fstat(fd)
        if stat.S_ISDIR(status.st_mode):
            raise FileRefused("unreadable-file", "This is a folder, not a workbook.")
        if not stat.S_ISREG(status.st_mode):  # a pipe or a device would block or never end
            raise FileRefused("unreadable-file", "This is not a regular file (a pipe or a device?), not a workbook.")
        yield handle, status


def read_untrusted(path: Path | str) -> bytes:
    """The bytes of a file a user named: a regular file only (_open_regular), of at most MAX_FILE_BYTES, not empty;
    else FileRefused."""
    try:
        with _open_regular(path) as (handle, status):
            if status.st_size > MAX_FILE_BYTES:
                raise FileRefused("unsafe-file", f"The file is {status.st_size / 1024 / 1024:.1f} MB, more than the "
                                                 f"{MAX_FILE_BYTES // 1024 // 1024} MB a return can be; it was not "
                                                 "read. Remove pictures or extra sheets and send it again.")
            # The size it has and a byte more (asking for the limit would allocate 20 MB per file); then, if it grew
            # between stat and read, the rest, up to the limit.
            data = handle.read(status.st_size + 1)
            if len(data) > status.st_size:
                data += handle.read(MAX_FILE_BYTES + 1 - len(data))
    except OSError as exc:
        raise FileRefused("unreadable-file", f"The file cannot be opened: {exc.strerror or exc}.") from None
    if len(data) > MAX_FILE_BYTES:
        raise FileRefused("unsafe-file", f"The file is larger than {MAX_FILE_BYTES // 1024 // 1024} MB; it was not "
                                         "read.")
    if not data:
        raise FileRefused("unreadable-file", f"The file is empty (0 bytes). {RESAVE}")
    return data


def _check_zip(infos: list[zipfile.ZipInfo]) -> None:
    bomb = ("The file unpacks to far more data than a spreadsheet of this size can hold (a 'zip bomb'); it was not "
            "read. Save it again from Excel or LibreOffice as .xlsx.")
    if len(infos) > MAX_ZIP_ENTRIES:
        raise FileRefused("unsafe-file", f"The file holds {len(infos)} parts, more than the {MAX_ZIP_ENTRIES} a "
                                         "workbook can reasonably have; it was not read.")
    total = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise FileRefused("unsafe-file", bomb)
    for info in infos:
        if info.flag_bits & 0x1:
            raise FileRefused("encrypted-file", "Part of the file is encrypted, so it cannot be read. Remove the "
                                                "password, save and send it again.")
        if info.file_size >= RATIO_CHECK_MIN_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
            raise FileRefused("unsafe-file", bomb)
    if total >= RATIO_CHECK_MIN_BYTES and total > MAX_COMPRESSION_RATIO * max(packed, 1):
        raise FileRefused("unsafe-file", bomb)


def _container_kind(archive: zipfile.ZipFile) -> str:
    names = archive.NameToInfo  # every name in the directory (as namelist gives them)
    if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
        return "xlsx"
    if "mimetype" in names and archive.read("mimetype").strip() == ODS_MIMETYPE:
        return "ods"
    if "xl/workbook.bin" in names:
        raise FileRefused("unreadable-file", f"This is an Excel binary workbook (.xlsb), which is not supported. "
                                             f"{RESAVE}")
    raise FileRefused("unreadable-file", f"This is a zip file but not an Excel workbook (.xlsx) or LibreOffice "
                                         f"spreadsheet (.ods): perhaps a Word document or a folder of files. {RESAVE}")


def _scan_xml_prologs(data: bytes, infos: list[zipfile.ZipInfo], inflated: dict[str, bytes]) -> dict[str, bytes]:
    """Refuse any part with a DTD or entity declaration before its root element (no spreadsheet needs one).

    Every part is looked at, whatever its name: the relationships decide which part a parser reads, so a sheet can
    be named "sheet1.bin". A part that is not XML (a picture) ends the scan at its first byte. The parsers behind
    calamine and openpyxl differ in how they treat entities; refusing the declarations up front protects all of
    them. Only the start of each part is inflated; those starts are returned (part name -> bytes), and a part that
    small, inflated whole, is kept in `inflated` (see CheckedFile).
    """
    heads: dict[str, bytes] = {}
    for info in infos:
        if info.is_dir() or info.file_size == 0:
            continue
        # Almost every part's root element starts within its first few hundred bytes: look there first.
        whole = _inflate_small(data, info) if info.file_size <= WHOLE_HEAD_BYTES else None
        if whole is not None:
            inflated[info.filename] = head = whole
        else:
            head = inflate(data, info, 1024)
        safe = _prolog_is_safe(head, complete=len(head) >= info.file_size)
        if safe is None:
            head = inflate(data, info, XML_PROLOG_SCAN_BYTES)
            safe = _prolog_is_safe(head, complete=len(head) >= info.file_size)
        if not safe:  # a DTD, or still no root element after 64 KB
            raise FileRefused("unsafe-file", UNSAFE_XML)
        heads[info.filename] = head
    return heads


# The prolog of almost every part: an XML declaration (holding no "<", ">" or "?") or none, white space, and the
# root element's start. It holds no DTD; anything else is looked at piece by piece (_prolog_is_safe).
_PLAIN_PROLOG = re.compile(rb"(?:<\?xml[^<>?]*\?>)?[ \t\r\n]*<[A-Za-z_]")


def _utf16(head: bytes) -> str | None:
    """The codec of an XML part in UTF-16 (with or without its byte-order mark), else None."""
    return _UTF16_STARTS.get(head[:2])


# How a part in UTF-16 starts: its byte-order mark, else "<" in either byte order.
_UTF16_STARTS = {b"\xff\xfe": "utf-16", b"\xfe\xff": "utf-16", b"<\x00": "utf-16-le", b"\x00<": "utf-16-be"}


def _prolog_is_safe(head: bytes, complete: bool) -> bool | None:
    """True when the XML prolog (declaration, comments, processing instructions) ends in a root element, with no
    DOCTYPE or ENTITY declaration before it; False when it has one; None when `head` ends inside the prolog of a
    part we have not seen all of. Comments are skipped properly, so none can hide a DTD."""
    if _PLAIN_PROLOG.match(head):  # as every office program writes it: at most a declaration, then the root
        return True
    encoding = _utf16(head)
    if encoding:
        head = head[: len(head) // 2 * 2].decode(encoding, errors="replace").encode("utf-8")
    elif head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    position = 0
    while True:
        position = _skip_space(head, position)
        if position >= len(head):
            return True if complete else None  # an empty or all-prolog part is harmless when we saw all of it
        if head.startswith(b"<?", position):
            terminator = b"?>"
        elif head.startswith(b"<!--", position):
            terminator = b"-->"
        elif head.startswith(b"<!", position):  # <!DOCTYPE, <!ENTITY...: no business in a spreadsheet
            return False
        else:  # the root element (or garbage, which the parser reports as a damaged file)
            return True
        end = head.find(terminator, position + 2)
        if end < 0:
            # Unterminated: malformed XML (the parser will say so) when we saw it all; else read on.
            return True if complete else None
        position = end + len(terminator)


def _skip_space(data: bytes, position: int) -> int:
    while position < len(data) and data[position] in b" \t\r\n":
        position += 1
    return position


# --- sheet extents -------------------------------------------------------------------------------------------------

_XLSX_CELL_OR_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])([^>]*)>")
# The fast paths. Excel, LibreOffice, Google Sheets and openpyxl write every cell as <c r="B7" ...>; when every cell
# tag starts so, a few regular-expression passes in C tell whether any reference is large (a row of 4 digits or
# more, a column of 3 letters): if none is, the sheet is at most 999 rows by 702 columns, within the limits. Each
# pattern starts with a literal, which the engine searches for fast. A cell tag written any other way (a prefix,
# r elsewhere or missing) is counted as a cell but not as a reference, which sends the sheet down the slow path.
_XLSX_CELL = re.compile(rb"<c[ />\t\r\n]")
_XLSX_PREFIXED_CELL = re.compile(rb":c[ />\t\r\n]")  # <x:c ...> (and </x:c>)
_XLSX_REF = re.compile(rb'<c r="[A-Z]')
_XLSX_LARGE_REF = re.compile(rb'<c r="(?:[A-Z]{3}|[A-Z]{1,2}[0-9]{4})')
_XLSX_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
# The fastest path: one search for a cell tag NOT written <c r="A1"> within a bound (rows, columns) — by default 999
# rows by 702 columns (2 letters, 3 digits), or the sheet's own <dimension> when that is larger and within the limits
# (a merged workbook's 10,000-row sheets). The <dimension> is only a guess of the bound: it is the search, over every
# cell, that shows no cell lies outside it (whatever the order of cells and rows). When no piece has such a cell
# (nor a prefixed cell), the bound is an upper bound of the extent.
_SMALL_BOUND = (999, 702)
_DIMENSION = re.compile(rb'<dimension ref="(?:[A-Z]{1,3}[0-9]{1,7}:)?([A-Z]{1,3})([0-9]{1,7})"')  # as all write it
_REF_ATTRIBUTE = re.compile(rb"""(?:^|\s)r\s*=\s*["']([A-Za-z]*)([0-9]*)["']""")
_BEYOND = 10 ** 8  # a reference past any sheet's end (more than 3 letters, 8 digits): counted as far away
_ODS_ELEMENT = re.compile(rb"<(/?)table:(table|table-row|table-cell|covered-table-cell)(?=[\s/>])([^>]*?)(/?)>")
_ROWS_REPEATED = re.compile(rb"""table:number-rows-repeated\s*=\s*["']([0-9]{1,10})["']""")
_COLUMNS_REPEATED = re.compile(rb"""table:number-columns-repeated\s*=\s*["']([0-9]{1,10})["']""")
_ODS_VALUE = re.compile(rb"office:value-type\s*=")
_ROWS_SPANNED = re.compile(rb"""table:number-rows-spanned\s*=\s*["']([0-9]{1,10})["']""")
_COLUMNS_SPANNED = re.compile(rb"""table:number-columns-spanned\s*=\s*["']([0-9]{1,10})["']""")
_WORKSHEET_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?worksheet[\s>]")


def _sheet_entries(archive: zipfile.ZipFile, kind: str, heads: dict[str, bytes]):
    """The zip entries whose extent is measured (_check_extent), in the zip's order: an .ods content.xml; every
    .xlsx part whose root element is a worksheet (whatever its name: the relationships decide what a parser reads)."""
    for info in archive.infolist():
        if kind == "ods":
            if info.filename == "content.xml":
                yield info
            continue
        if _worksheet_root(heads.get(info.filename, b"")):
            yield info


def _worksheet_root(head: bytes) -> bool:
    """Does a part starting so have a worksheet root element (any prefix; UTF-16 too)?"""
    encoding = _utf16(head)
    if encoding is not None:
        head = head.decode(encoding, "replace").encode()
    return b"worksheet" in head and _WORKSHEET_ROOT.search(head) is not None  # the literal first: a fast scan


def _check_extent(data: bytes, archive: zipfile.ZipFile, kind: str, info: zipfile.ZipInfo, head: bytes,
                  inflated: dict[str, bytes]) -> None:
    """Refuse a file with a sheet whose cells reach past MAX_SHEET_ROWS rows or MAX_SHEET_CELLS cells.

    The extent is what a parser would allocate: from A1 to the last row and column holding a cell (an .xlsx <c>
    element, empty or not: openpyxl keeps styled empty cells too; an .ods cell with a value, its row and column
    repeats multiplied out: LibreOffice ends every sheet with a million repeated *empty* rows). A sheet's
    <dimension> is not trusted: it can say anything. A large part is streamed through the bounded inflate, so the
    check itself costs no memory; a small one (a return's sheets) is inflated whole, once, and kept in `inflated`
    for the readers after it. A sheet that does not inflate cleanly to the size and CRC-32 the zip directory
    declares is unreadable-file, whatever its garbage looks like.
    """
    encoding = _utf16(head)
    # A damaged sheet is refused here, as unreadable: never measured by the garbage it inflates to, which can
    # name a far cell before it breaks (a large one is checked the same way at the end of its stream).
    whole = inflated.get(info.filename)  # a sheet small enough for the DTD scan to have inflated it whole
    if whole is None and info.file_size <= SCAN_CHUNK_BYTES:
        whole = inflated[info.filename] = inflate(data, info)

    def stream():
        pieces = _stream(data, info) if whole is None else iter((whole,))
        return pieces if encoding is None else _as_utf8(pieces, encoding)

    extents = _ods_extents(stream()) if kind == "ods" else [(None, *_xlsx_extent(stream, head))]
    for name, rows, columns, merged_rows, merged_columns, merged in extents:
        if merged > MAX_MERGED_CELLS or merged_rows > MAX_SHEET_ROWS or \
                merged_rows * merged_columns > MAX_SHEET_CELLS:
            sheet = name or _sheet_name(archive, data, info.filename)
            raise FileRefused("sheet-too-large", (
                f"The sheet '{sheet}' has cells merged over {merged:,} cells, as far as cell "
                f"{_shown_ref(merged_rows, merged_columns)}, far beyond any assessment table, so the file was "
                "not read. On that sheet select everything (Ctrl+A), choose Unmerge Cells, save and send the "
                "file again."))
        if rows > MAX_SHEET_ROWS or rows * columns > MAX_SHEET_CELLS:
            sheet = name or _sheet_name(archive, data, info.filename)
            raise FileRefused("sheet-too-large", (
                f"The sheet '{sheet}' has something in cell {_shown_ref(rows, columns)}, far outside any "
                f"assessment table ({rows:,} rows by {columns:,} columns), so the file was not read. Something "
                "was typed or pasted far below or to the right of the table: on that sheet press Ctrl+End to "
                "find it, delete those rows and columns, save and send the file again."))


# A worksheet's target as Excel, LibreOffice, openpyxl and xlsxwriter write it (relative to xl/, or absolute): any
# other form may be resolved otherwise by another parser, so then every sheet is measured.
_PLAIN_SHEET_TARGET = re.compile(r"(?:/xl/)?(worksheets/[A-Za-z0-9_-]+\.xml)")


def _workbook_sheet_parts(data: bytes, archive: zipfile.ZipFile,
                          inflated: dict[str, bytes]) -> list[tuple[str | None, set[str]]] | None:
    """_sheet_parts of the workbook in `archive`; None when it maps no sheet plainly or cannot be read."""
    try:
        rels = parse_xml(inflated.get("xl/_rels/workbook.xml.rels")
                         or inflate(data, archive.getinfo("xl/_rels/workbook.xml.rels")))
        workbook = parse_xml(inflated.get("xl/workbook.xml") or inflate(data, archive.getinfo("xl/workbook.xml")))
    except (FileRefused, KeyError):
        return None
    return _sheet_parts(rels, workbook)


def _unread_parts(mapped: list[tuple[str | None, set[str]]], sheets: Collection[str]) -> set[str]:
    """The parts only sheets not named in `sheets` point to (`mapped`: see _sheet_parts). A part that sheets to be
    read point to is always measured."""
    read = {part for name, parts in mapped if name in sheets for part in parts}
    return {part for name, parts in mapped if name not in sheets for part in parts} - read


def _sheet_parts(rels, workbook) -> list[tuple[str | None, set[str]]] | None:
    """Each sheet of a workbook, in order: its name and the worksheet parts it points to, when the workbook maps
    every sheet to its part plainly (each sheet's relationship id, every attribute naming one, to a plain target);
    else None: in any doubt, every sheet is measured. `rels`, `workbook`: the parsed relationships and workbook."""
    if rels is None or workbook is None:
        return None
    targets: dict[str, list[str]] = {}
    for rel in rels.iter():
        if local_name(rel.tag) == "Relationship":
            targets.setdefault(rel.get("Id", ""), []).append(rel.get("Target", ""))
    sheets: list[tuple[str | None, set[str]]] = []
    for sheet in workbook.iter():
        if local_name(sheet.tag) != "sheet":  # by its local name, as a parser may match it, whatever its namespace
            continue
        ids = [value for key, value in sheet.attrib.items() if local_name(key).lower() == "id"]
        if not ids:
            return None
        parts = set()
        for target in (target for rel_id in ids for target in targets.get(rel_id, [""])):
            part = _plain_sheet_part(target)
            if part is None:
                return None
            parts.add(part)
        sheets.append((sheet.get("name"), parts))
    return sheets


@functools.lru_cache(maxsize=KEPT)  # every workbook repeats the same few targets
def _plain_sheet_part(target: str) -> str | None:
    """The worksheet part a plain target names ("worksheets/sheet2.xml", "/xl/worksheets/sheet2.xml" ->
    "xl/worksheets/sheet2.xml"); None for any other target."""
    plain = _PLAIN_SHEET_TARGET.fullmatch(target)
    return "xl/" + plain.group(1) if plain else None


@functools.lru_cache(maxsize=KEPT)  # every workbook repeats the same few dozen tags
def local_name(tag) -> str:
    """An XML tag or attribute name without its namespace ("" for a comment or processing instruction, whose tag
    is not a string)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _shown_ref(rows: int, columns: int) -> str:
    """The last cell of an extent as a person reads it ("XFD1048576"); beyond any sheet, "far beyond XFD1048576"."""
    if rows > 1_048_576 or columns > 16_384:
        return "far beyond XFD1048576"
    return cell_ref(rows - 1, columns - 1)


def _inflate_small(data: bytes, info: zipfile.ZipInfo) -> bytes | None:
    """A part of at most SCAN_CHUNK_BYTES inflated whole (see inflate), else None: a larger part, or a damaged one,
    whose head alone is then looked at (the parser, or the extent check for a sheet, reports the damage)."""
    if info.file_size > SCAN_CHUNK_BYTES:
        return None
    try:
        return inflate(data, info)
    except FileRefused:
        return None


def _stream(data: bytes, info: zipfile.ZipInfo):
    """A zip entry's content in pieces, never more in all than the directory declares (see inflate). A part that
    does not inflate, inflates to another size or fails its CRC-32 raises FileRefused (unreadable-file) by the end
    of the stream, so that nothing is decided on its garbage: every caller reads the stream to its end."""
    packed = _packed(data, info)
    if info.compress_type == zipfile.ZIP_STORED:
        pieces = (bytes(packed[offset: offset + SCAN_CHUNK_BYTES]) for offset in range(0, len(packed), SCAN_CHUNK_BYTES))
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        pieces = _inflated_pieces(packed)
    else:
        raise _damaged_part(info)
    left, crc = info.file_size, 0
    try:
        for piece in pieces:
            if len(piece) > left:  # more than the directory says: a lie, never held
                raise _damaged_part(info)
            left -= len(piece)
            crc = zlib.crc32(piece, crc)
            yield piece
    except zlib.error:
        raise _damaged_part(info) from None
    if left or crc != info.CRC:
        raise _damaged_part(info)


def _inflated_pieces(packed: memoryview):
    """A deflated stream inflated in pieces of at most SCAN_CHUNK_BYTES; zlib.error when it breaks or stops short."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    for offset in range(0, len(packed), SCAN_CHUNK_BYTES):
        piece = inflater.decompress(packed[offset: offset + SCAN_CHUNK_BYTES], SCAN_CHUNK_BYTES)
        while piece:
            yield piece
            piece = inflater.decompress(inflater.unconsumed_tail, SCAN_CHUNK_BYTES)
    if not inflater.eof:
        raise zlib.error("the compressed data ends before the end of its stream")


def _as_utf8(pieces, encoding: str):
    """A UTF-16 part's pieces as UTF-8 (the patterns here are written for it)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    for piece in pieces:
        yield decoder.decode(piece).encode("utf-8")


def _tags(pieces, pattern: re.Pattern):
    """Every match of a tag pattern over a stream of XML pieces (a tag cut between two pieces is joined first)."""
    for piece in _pieces_whole_tags(pieces):
        yield from pattern.finditer(piece)


def _xlsx_extent(stream, head: bytes = b"") -> tuple[int, int, int, int, int]:
    """(last row, last column) of the cells in a worksheet's XML (`stream()` gives it in pieces), or an upper bound
    of it within the limits (see _cells_outside); then (last row, last column, cells covered) of its merged ranges
    (see _xlsx_merges), found in the same pass. `head` is the part's start, where its <dimension> is.

    Cells without a reference written the usual way are followed one by one, those without any placed after the
    previous one, as parsers place them.
    """
    bound = _bound_guess(head)
    outside = _cells_outside(*bound)
    merges: list[bytes] = []
    irregular = False
    for piece in _pieces_whole_tags(stream()):
        irregular = irregular or outside.search(piece) is not None or _XLSX_PREFIXED_CELL.search(piece) is not None
        merges += _MERGE_REF.findall(piece)  # as fast as a test for "mergeCell" first
    if not irregular:
        return (*bound, *_xlsx_merges(merges))
    cells = refs = 0
    large = False
    merges = []
    for piece in _pieces_whole_tags(stream()):
        cells += len(_XLSX_CELL.findall(piece)) + len(_XLSX_PREFIXED_CELL.findall(piece))
        refs += len(_XLSX_REF.findall(piece))
        large = large or _XLSX_LARGE_REF.search(piece) is not None
        merges += _MERGE_REF.findall(piece)
    merged = _xlsx_merges(merges)
    if cells != refs:
        return (*_xlsx_extent_cell_by_cell(stream()), *merged)
    if not large:
        return (999, 702, *merged)
    last_row, widest, seen = 0, (0, b""), 0
    for piece in _pieces_whole_tags(stream()):
        found = _XLSX_CELL_REF.findall(piece)
        seen += len(found)
        if found:
            columns, rows = zip(*found)
            last_row = max(last_row, max(map(int, rows)))
            widest = max(widest, max(zip(map(len, columns), columns)))
    if seen != refs:  # a reference of another shape (4 letters, 8 digits): follow the cells one by one
        return (*_xlsx_extent_cell_by_cell(stream()), *merged)
    return (last_row, parse_cell_ref(widest[1].decode() + "1")[1] + 1 if widest[1] else 0, *merged)


def _bound_guess(head: bytes) -> tuple[int, int]:
    """The bound to look for cells outside of: the last cell of the sheet's <dimension> when that is further down
    than _SMALL_BOUND and within the limits (a guess, never trusted: see _cells_outside), else _SMALL_BOUND."""
    found = _DIMENSION.search(head)
    if found and _SMALL_BOUND[0] < int(found.group(2)) <= MAX_SHEET_ROWS:
        rows, columns = int(found.group(2)), parse_cell_ref(found.group(1).decode() + "1")[1] + 1
        if rows * columns <= MAX_SHEET_CELLS:
            return rows, columns
    return _SMALL_BOUND


@functools.lru_cache(maxsize=64)
def _cells_outside(rows: int, columns: int) -> re.Pattern:
    """A pattern for a cell tag NOT written <c r="B7"> (upper-case letters, digits) within `rows` by `columns`: a
    sheet where no piece has one (nor a prefixed cell, searched apart) reaches no further than that."""
    letters = cell_ref(0, columns - 1)[:-1].encode()
    # The usual cell fails the first test at once (the engine then tries no other); a <col> passes it, not the second.
    return re.compile(rb'<c(?! r="(?:' + _at_most(letters, b"A", b"Z") + rb")(?:"
                      + _at_most(str(rows).encode(), b"0", b"9") + rb')")(?=[ />\t\r\n])')


# A run of letters (or digits) is always followed by something else (digits, or the closing quote): giving any back
# cannot help a match, so the runs are possessive where the engine has them (Python 3.11), and each cell that is no
# match is given up at once: a sixth off the search that reads every cell of every sheet.
_POSSESSIVE = b"+" if sys.version_info >= (3, 11) else b""


def _at_most(limit: bytes, low: bytes, high: bytes) -> bytes:
    """A pattern for the strings of the symbols low..high (letters or digits) that are no larger than `limit` as
    positional numbers: any shorter string (a leading zero only makes a number smaller), or one as long that is not
    larger symbol by symbol."""
    symbols = b"[" + low + b"-" + high + b"]"
    if limit.strip(high) == b"":  # "ZZ", "999": any string of that length or less (one class: faster to match)
        return symbols + b"{1,%d}" % len(limit) + _POSSESSIVE
    ways = [symbols + b"{1,%d}" % (len(limit) - 1) + _POSSESSIVE] if len(limit) > 1 else []
    for index, symbol in enumerate(limit):
        if symbol > low[0]:
            smaller = b"[" + low + b"-" + bytes([symbol - 1]) + b"]"
            ways.append(limit[:index] + smaller + (symbols + b"{%d}" % (len(limit) - index - 1) if index < len(limit) - 1 else b""))
    ways.append(limit)
    return b"|".join(ways)


def _pieces_whole_tags(pieces):
    """The pieces of a stream re-cut so that no tag is split between two of them (the last, or only, piece is
    given whole: a sheet inflated whole is not copied)."""
    carry = b""
    pieces = iter(pieces)
    following = next(pieces, None)
    while following is not None:
        piece, following = following, next(pieces, None)
        buffer = carry + piece
        if following is None:
            carry = b""
            yield buffer
            break
        cut = buffer.rfind(b"<")
        if cut < 0:  # text only: no tag starts here, so none can run on into the next piece
            carry = b""
            yield buffer
            continue
        yield buffer[:cut]
        carry = buffer[cut:]
    if carry:
        yield carry


def _xlsx_extent_cell_by_cell(pieces) -> tuple[int, int]:
    row = column = last_row = last_column = 0
    columns: dict[bytes, int] = {}
    for match in _tags(pieces, _XLSX_CELL_OR_ROW):
        ref = _REF_ATTRIBUTE.search(match.group(2))
        if match.group(1) == b"row":
            row = _number(ref.group(2)) if ref and ref.group(2) else row + 1
            column = 0
            continue
        if ref and ref.group(1):
            letters = ref.group(1).upper()
            if letters not in columns:
                columns[letters] = parse_cell_ref(letters.decode() + "1")[1] + 1 if len(letters) <= 3 else _BEYOND
            column = columns[letters]
            if ref.group(2):
                row = _number(ref.group(2))
        else:
            column += 1
        last_row, last_column = max(last_row, row), max(last_column, column)
    return last_row, last_column


_MERGE_REF = re.compile(rb"""mergeCell\b[^>]*?\sref\s*=\s*["']([^"']*)["']""")
_REF_PARTS = re.compile(rb"\$?([A-Za-z]*)\$?([0-9]*)")


def _xlsx_merges(refs: list[bytes]) -> tuple[int, int, int]:
    """(last row, last column, cells covered) of merged ranges (the refs of <mergeCell ref="A1:C3"/>); a reference
    no sheet can have (no row, 4 letters) counts as far away."""
    last_row = last_column = covered = 0
    for ref in refs:
        corners = [_position(part) for part in ref.split(b":")[:2]]
        (top, left), (bottom, right) = corners[0], corners[-1]
        top, bottom = sorted((top, bottom))
        left, right = sorted((left, right))
        last_row, last_column = max(last_row, bottom), max(last_column, right)
        covered += (bottom - top + 1) * (right - left + 1)
    return last_row, last_column, covered


def _position(ref: bytes) -> tuple[int, int]:
    """(row, column), 1-based, of a cell reference as written ("B7", "$B$7"); _BEYOND for a part no sheet has."""
    found = _REF_PARTS.fullmatch(ref.strip())
    letters, digits = found.groups() if found else (b"", b"")
    row = _number(digits) if digits else _BEYOND
    column = parse_cell_ref(letters.decode().upper() + "1")[1] + 1 if 0 < len(letters) <= 3 else _BEYOND
    return row, column


def _number(digits: bytes) -> int:
    return int(digits) if len(digits) <= 8 else _BEYOND


def _ods_extents(pieces) -> list[tuple[str | None, int, int, int, int, int]]:
    """(sheet name, last row, last column, last merged row, last merged column, cells merged) of each table of an
    .ods content.xml, counting only cells that hold something (a value type or text), with their row and column
    repeats, and every merged (spanned) cell."""
    out: list[tuple[str | None, int, int, int, int, int]] = []
    name: str | None = None
    row = column = last_row = last_column = merged_row = merged_column = merged = 0
    repeat, row_used = 1, False
    for match in _tags(pieces, _ODS_ELEMENT):
        closing, tag, attributes, empty = match.groups()
        if tag == b"table":
            if closing:
                out.append((name, last_row, last_column, merged_row, merged_column, merged))
            else:
                found = re.search(rb"""table:name\s*=\s*["']([^"']*)["']""", attributes)
                name = found.group(1).decode("utf-8", "replace") if found else None
                row = last_row = last_column = merged_row = merged_column = merged = 0
            continue
        if tag == b"table-row":
            if not closing:
                found = _ROWS_REPEATED.search(attributes)
                repeat, column, row_used = (int(found.group(1)) if found else 1), 0, False
            if closing or empty:
                if row_used:
                    last_row = max(last_row, row + repeat)
                row += repeat
            continue
        if closing:
            continue
        found = _COLUMNS_REPEATED.search(attributes)
        span = int(found.group(1)) if found else 1
        if not empty or _ODS_VALUE.search(attributes):
            row_used = True
            last_column = max(last_column, column + span)
        down, across = _ROWS_SPANNED.search(attributes), _COLUMNS_SPANNED.search(attributes)
        down, across = int(down.group(1)) if down else 1, int(across.group(1)) if across else 1
        if down * across > 1:
            merged += down * across * span * repeat
            merged_row, merged_column = max(merged_row, row + repeat - 1 + down), max(merged_column, column + span - 1 + across)
        column += span
    return out


def _sheet_name(archive: zipfile.ZipFile, data: bytes, part: str) -> str:
    """The name a person sees for a worksheet part (from the workbook and its relationships), else the part."""
    try:
        rels = parse_xml(inflate(data, archive.getinfo("xl/_rels/workbook.xml.rels")))
        workbook = parse_xml(inflate(data, archive.getinfo("xl/workbook.xml")))
        targets = {rel.get("Id"): rel.get("Target", "").lstrip("/").removeprefix("xl/") for rel in rels}
        for sheet in workbook.iter():
            if sheet.tag.endswith("}sheet"):
                rel_id = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
                if targets.get(rel_id) == part.removeprefix("xl/"):
                    return sheet.get("name") or part
    except (FileRefused, KeyError):
        pass
    return part


def damaged(exc: BaseException, what: str = "the file") -> str:
    """The message for a file a parser choked on."""
    return (f"The file is damaged: {what} cannot be read ({str(exc).strip() or type(exc).__name__}). Open it in "
            "Excel or LibreOffice, save it again as .xlsx and send it again.")
