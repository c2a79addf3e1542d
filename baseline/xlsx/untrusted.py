"""Everything before a parser trusts a file: size, container type, zip entry count, total uncompressed size and
compression ratio, a DTD/entity scan of every XML part, encryption (XLSX_PITFALLS.md §1).

The bytes checked are the bytes parsed afterwards (no second read of the path, so no swap in between). Parts are
read through CheckedFile.read_part, bounded by the size the zip directory declares.
"""

from __future__ import annotations

import hashlib
import io
import stat
import sys
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as DET
from defusedxml.common import DefusedXmlException

from baseline.issues import BaselineError

MAX_FILE_BYTES = 20 * 1024 * 1024  # a full NG225 return is well under 1 MB
MAX_ZIP_ENTRIES = 500
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100  # a real 100k-row sheet compresses about 11:1
RATIO_CHECK_MIN_BYTES = 1024 * 1024  # small entries cannot bomb, whatever their ratio
XML_PROLOG_SCAN_BYTES = 64 * 1024  # a DTD can only sit in the prolog, before the root element

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


@dataclass
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

    def close(self) -> None:
        self.zip.close()
        self._parsed.clear()

    def __enter__(self) -> "CheckedFile":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def names(self) -> set[str]:
        return set(self.zip.NameToInfo)

    def read_part(self, name: str, limit: int | None = None) -> bytes | None:
        """One part of the zip, inflated (at most `limit` bytes); None if the part does not exist."""
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


def inflate(data: bytes, info: zipfile.ZipInfo, limit: int | None = None) -> bytes:
    """The content of one zip entry, from the archive's bytes, never more than it declares (or `limit`)."""
    damaged = FileRefused("unreadable-file", f"The file is damaged: part {info.filename} cannot be unpacked. "
                                             f"{RESAVE}")
    view = memoryview(data)  # slices without copying the compressed bytes
    header = bytes(view[info.header_offset: info.header_offset + 30])
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise damaged
    start = info.header_offset + 30 + int.from_bytes(header[26:28], "little") + int.from_bytes(header[28:30], "little")
    packed = view[start: start + info.compress_size]
    wanted = info.file_size if limit is None else min(limit, info.file_size)
    if info.compress_type == zipfile.ZIP_STORED:
        return bytes(packed[:wanted])
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise damaged
    try:
        out = zlib.decompressobj(-zlib.MAX_WBITS).decompress(packed, wanted + 1) if wanted else b""
    except zlib.error:
        raise damaged from None
    if len(out) > wanted and limit is None:  # it inflates to more than the directory says: a lie, refuse it
        raise damaged
    return out[:wanted]


def parse_xml(raw: bytes, name: str = "XML"):
    try:
        return DET.fromstring(raw, forbid_dtd=True)
    except DefusedXmlException:
        raise FileRefused("unsafe-file", UNSAFE_XML) from None
    except ParseError:
        raise FileRefused("unreadable-file", f"The file is damaged: part {name} is not valid XML. Open it in Excel or "
                                             "LibreOffice, save it again as .xlsx and resend it.") from None


UNSAFE_XML = ("The file contains XML declarations (a DTD or entities) that spreadsheets never need and that can be "
               "used to attack the computer reading it; it was not read. Save it again from Excel or LibreOffice "
               "as .xlsx.")
RESAVE = "Open it in Excel or LibreOffice, save it as an Excel workbook (.xlsx) and send it again."


def check_untrusted(path: Path | str) -> CheckedFile:
    """Read an untrusted workbook's bytes and check them before any parser does. Raises FileRefused."""
    require_defusedxml()
    path = Path(path)
    data = _read_limited(path)
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
        _scan_xml_prologs(data, infos)
    except BaseException:
        archive.close()
        raise
    return CheckedFile(path=path, data=data, sha256=hashlib.sha256(data).hexdigest(), kind=kind, zip=archive)


def _read_limited(path: Path) -> bytes:
    try:
        status = path.stat()
        if stat.S_ISDIR(status.st_mode):
            raise FileRefused("unreadable-file", "This is a folder, not a workbook.")
        if not stat.S_ISREG(status.st_mode):  # a pipe or a device would block or never end
            raise FileRefused("unreadable-file", "This is not a regular file (a pipe or a device?), not a workbook.")
        size = status.st_size
        if size > MAX_FILE_BYTES:
            raise FileRefused("unsafe-file", f"The file is {size / 1024 / 1024:.1f} MB, more than the "
                                             f"{MAX_FILE_BYTES // 1024 // 1024} MB a return can be; it was not read. "
                                             "Remove pictures or extra sheets and send it again.")
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)  # the file may grow between stat and read
    except FileNotFoundError:
        raise FileRefused("unreadable-file", "There is no such file.") from None
    except PermissionError:
        raise FileRefused("unreadable-file", "The file cannot be opened: permission denied.") from None
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
    names = set(archive.namelist())
    if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
        return "xlsx"
    if "mimetype" in names and archive.read("mimetype").strip() == ODS_MIMETYPE:
        return "ods"
    if "xl/workbook.bin" in names:
        raise FileRefused("unreadable-file", f"This is an Excel binary workbook (.xlsb), which is not supported. "
                                             f"{RESAVE}")
    raise FileRefused("unreadable-file", f"This is a zip file but not an Excel workbook (.xlsx) or LibreOffice "
                                         f"spreadsheet (.ods): perhaps a Word document or a folder of files. {RESAVE}")


def _scan_xml_prologs(data: bytes, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse any XML part with a DTD or entity declaration before its root element (no spreadsheet needs one).

    The parsers behind calamine and openpyxl differ in how they treat entities; refusing the declarations up
    front protects all of them. Only the start of each part is inflated.
    """
    for info in infos:
        if not info.filename.endswith((".xml", ".rels", ".vml")):
            continue
        # Almost every part's root element starts within its first few hundred bytes: look there first.
        head = inflate(data, info, 1024)
        safe = _prolog_is_safe(head, complete=len(head) >= info.file_size)
        if safe is None:
            head = inflate(data, info, XML_PROLOG_SCAN_BYTES)
            safe = _prolog_is_safe(head, complete=len(head) >= info.file_size)
        if not safe:  # a DTD, or still no root element after 64 KB
            raise FileRefused("unsafe-file", UNSAFE_XML)


def _prolog_is_safe(head: bytes, complete: bool) -> bool | None:
    """True when the XML prolog (declaration, comments, processing instructions) ends in a root element, with no
    DOCTYPE or ENTITY declaration before it; False when it has one; None when `head` ends inside the prolog of a
    part we have not seen all of. Comments are skipped properly, so none can hide a DTD."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head[: len(head) // 2 * 2].decode("utf-16", errors="replace").encode("utf-8")
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


def damaged(exc: BaseException, what: str = "the file") -> str:
    """The message for a file a parser choked on."""
    return (f"The file is damaged: {what} cannot be read ({str(exc).strip() or type(exc).__name__}). Open it in "
            "Excel or LibreOffice, save it again as .xlsx and send it again.")
