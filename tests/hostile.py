"""The hostile corpus of issue 11, built in code: files an attacker or an unlucky user sends, and the harness that
runs a command on them and checks what every case must hold — no traceback, the inputs untouched (same hash), no
partial or stray output, bounded time, and (in a subprocess with an address-space limit) bounded memory.

Builders go through the CLI (`generate`), openpyxl and raw zip/XML edits only, never baseline's internals, so the
corpus stays valid however the package is laid out inside.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import resource
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import openpyxl
from click.testing import CliRunner

from baseline.cli import cli
from tests.cases.builders import rewrite_part

AGENCY = "North CAMHS"
SECTOR = "mental_health"
AREA = "Northshire"
AS_AGENCY = "--as-agency"  # the option naming the agency of a file that carries none (generate, NICE-format returns)
ASSESSMENT_SHEET = "Assessment"
META_SHEET = "_baseline"
HEADERS = {  # Assessment column headers (DESIGN.md contract) by the names the builders use
    "recommendation": "Recommendation", "relevant": "Relevant to us?", "meets": "Meets it?",
    "evidence": "Evidence / current activity", "action": "Action needed", "owner": "Action owner",
    "deadline": "Deadline", "action_status": "Action status", "risk": "Risk if not done?",
    "completed_by": "Completed by",
}
FREE_TEXT = ("evidence", "action", "owner", "completed_by")
MEMORY_LIMIT = 1024 * 1024 * 1024  # address space for a subprocess run: far above a real run, far below a bomb
TIME_LIMIT = 60  # seconds: not a timing test, only a bound against hangs
REPO = Path(__file__).resolve().parent.parent


# --- running a command ---------------------------------------------------------------------------------------


@dataclass
class Outcome:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_cli(*args, env: dict | None = None) -> Outcome:
    """The CLI in this process (fast). An exception escaping the command fails here, with its traceback."""
    result = CliRunner().invoke(cli, [str(a) for a in args], env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"baseline {' '.join(map(str, args))} raised "
                             f"{type(result.exception).__name__}: {result.exception}") from result.exception
    outcome = Outcome(result.exit_code, result.stdout, result.stderr)
    assert_no_traceback(outcome)
    return outcome


def _limit_memory() -> None:  # runs in the child before exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_process(*args, cwd: Path, memory: bool = True, timeout: float = TIME_LIMIT) -> Outcome:
    """The CLI as a user runs it, in a fresh process with at most MEMORY_LIMIT of address space and a timeout."""
    env = {key: value for key, value in os.environ.items() if key not in ("BASELINE_RECOMMENDATIONS",
                                                                         "BASELINE_DEBUG")}
    env["PYTHONPATH"] = str(REPO)
    completed = subprocess.run([sys.executable, "-m", "baseline", *map(str, args)], cwd=cwd, env=env,
                               capture_output=True, text=True, timeout=timeout,
                               preexec_fn=_limit_memory if memory else None)
    outcome = Outcome(completed.returncode, completed.stdout, completed.stderr)
    assert_no_traceback(outcome)
    return outcome


def assert_no_traceback(outcome: Outcome) -> None:
    assert "Traceback (most recent call last)" not in outcome.output, outcome.output[-3000:]
    assert outcome.exit_code in (0, 1, 2), f"exit {outcome.exit_code}: {outcome.output[-3000:]}"


# --- the folder before and after -----------------------------------------------------------------------------


def snapshot(folder: Path) -> dict[str, str]:
    """Every path under `folder` (files by content hash, folders, links by target): what a run may not change."""
    found: dict[str, str] = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root, name)
            key = str(path.relative_to(folder))
            if path.is_symlink():
                found[key] = "link:" + os.readlink(path)
            elif path.is_dir():
                found[key] = "dir"
            elif path.is_file():
                found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                found[key] = "special"
    return found


def assert_untouched(before: dict[str, str], folder: Path, written: Iterable[str] = ()) -> None:
    """Inputs unchanged, nothing new but `written` (relative names): no temporary, lock or partial file."""
    after = snapshot(folder)
    changed = {key for key in before if before[key] != after.get(key)}
    assert not changed, f"inputs changed or removed: {sorted(changed)}"
    extra = set(after) - set(before) - set(written)
    assert not extra, f"stray output: {sorted(extra)}"


def stray_temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith((".tmp", ".lock")))


# --- returns built through the CLI and openpyxl -------------------------------------------------------------


def generate_return(folder: Path, name: str = "return.xlsx", agency: str = AGENCY, sector: str = SECTOR,
                    area: str = AREA) -> Path:
    path = folder / name
    outcome = run_cli("generate", AS_AGENCY, agency, "--sector", sector, "--area", area, "-o", path)
    assert outcome.exit_code == 0, outcome.output
    return path


def _columns(ws) -> tuple[int, dict[str, int]]:
    wanted = {text.casefold(): key for key, text in HEADERS.items()}
    for row in ws.iter_rows(min_row=1, max_row=10):
        found = {wanted[str(c.value).strip().casefold()]: c.column for c in row
                 if c.value is not None and str(c.value).strip().casefold() in wanted}
        if "recommendation" in found:
            return row[0].row, found
    raise KeyError("no header row")


def recommendation_ids(path: Path) -> list[str]:
    ws = openpyxl.load_workbook(path)[ASSESSMENT_SHEET]
    header, columns = _columns(ws)
    ids = (ws.cell(r, columns["recommendation"]).value for r in range(header + 1, ws.max_row + 1))
    return [i for i in ids if i]


def fill(path: Path, answers: dict[str, dict[str, object]]) -> Path:
    """Type answers into a return as a person would (rec id -> {column name: value}); text stays text."""
    wb = openpyxl.load_workbook(path)
    ws = wb[ASSESSMENT_SHEET]
    header, columns = _columns(ws)
    rows = {ws.cell(r, columns["recommendation"]).value: r for r in range(header + 1, ws.max_row + 1)}
    for rec_id, values in answers.items():
        for key, value in values.items():
            cell = ws.cell(rows[rec_id], columns[key])
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # "=..." typed as text stays text, as Excel keeps a quote-prefixed entry
    wb.save(path)
    return path


def answered(path: Path, **extra: object) -> Path:
    """The first recommendation answered with an open action (owner, deadline): a return merge accepts."""
    first = recommendation_ids(path)[0]
    values = dict(relevant="Yes", meets="Partial", evidence="Audit 2026", action="Write a pathway",
                  owner="Service lead", deadline="31/03/2027", action_status="In progress", risk="Yes",
                  completed_by="A. Lead")
    values.update(extra)
    return fill(path, {first: values})


# --- raw parts ---------------------------------------------------------------------------------------------------


def sheet_part(path: Path, sheet: str) -> str:
    with zipfile.ZipFile(path) as archive:
        workbook = archive.read("xl/workbook.xml").decode()
        rels = archive.read("xl/_rels/workbook.xml.rels").decode()
    rel_id = re.search(rf'<sheet[^>]*name="{re.escape(sheet)}"[^>]*r:id="(\w+)"', workbook).group(1)
    target = next(m.group(1) for m in re.finditer(r"<Relationship\b[^>]*>", rels)
                  if re.search(rf'Id="{rel_id}"', m.group(0))
                  for m in [re.search(r'Target="([^"]+)"', m.group(0))])
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


def add_far_cell(path: Path, ref: str, sheet: str = ASSESSMENT_SHEET, value: str = "x") -> Path:
    """One cell typed far away (`XFD1048576`): a few bytes in the file, a huge range for a naive reader."""
    row = int(re.sub(r"[A-Z]", "", ref))
    cell = f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c></row>'.encode()
    return rewrite_part(path, sheet_part(path, sheet), lambda xml: xml.replace(b"</sheetData>",
                                                                                cell + b"</sheetData>"))


def add_merge(path: Path, ref: str, sheet: str = ASSESSMENT_SHEET) -> Path:
    """A merged range (`D3:XFD1048576`): one line of XML, and a parser that makes an object per covered cell, or a
    reader that spreads the merged value over each, runs out of memory."""
    merge = f'<mergeCell ref="{ref}"/>'.encode()

    def change(xml: bytes) -> bytes:
        if b"<mergeCells" in xml:
            return re.sub(rb"<mergeCells[^>]*>", lambda m: m.group(0) + merge, xml, count=1)
        return xml.replace(b"</sheetData>", b"</sheetData><mergeCells>" + merge + b"</mergeCells>")

    return rewrite_part(path, sheet_part(path, sheet), change)


def set_stamp(path: Path, key: str, value: str) -> Path:
    """Change a metadata stamp in both places a generated workbook keeps it as text (the _baseline sheet, the
    custom property), raw, so values openpyxl would refuse (too long, U+FFFF) get in, as another writer could."""
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode("utf-8")

    def in_sheet(xml: bytes) -> bytes:
        return re.sub(rb"(<t>" + key.encode() + rb"</t></is></c><c [^>]*><is><t>)[^<]*(</t>)",
                      lambda m: m.group(1) + escaped + m.group(2), xml, count=1)

    def in_property(xml: bytes) -> bytes:
        return re.sub(rb'(name="baseline_' + key.encode() + rb'"[^>]*><vt:lpwstr>)[^<]*(</vt:lpwstr>)',
                      lambda m: m.group(1) + escaped + m.group(2), xml, count=1)

    rewrite_part(path, sheet_part(path, META_SHEET), in_sheet)
    return rewrite_part(path, "docProps/custom.xml", in_property)


def replace_text(path: Path, part: str, old: str, new: str) -> Path:
    return rewrite_part(path, part, lambda xml: xml.replace(old.encode(), new.encode("utf-8")))


def written(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def zip_of(entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# --- classics ----------------------------------------------------------------------------------------------------


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENTITY_BOMB = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
               + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                          for i in range(1, 10))
               + b"]>\n")
XXE = b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'


def strip_declaration(xml: bytes) -> bytes:
    return re.sub(rb"^<\?xml[^>]*\?>\s*", b"", xml)


def with_doctype(path: Path, part: str, doctype: bytes, use: bytes | None = None) -> Path:
    """Put a DTD in front of a part (and optionally an entity reference into its first text)."""

    def change(xml: bytes) -> bytes:
        xml = doctype + strip_declaration(xml)
        return xml.replace(b"<t>", b"<t>" + use, 1) if use else xml

    return rewrite_part(path, part, change)


def with_renamed_part(path: Path, part: str, new_name: str, doctype: bytes) -> Path:
    """Move a part to a name not ending in .xml (rels and content types follow), with a DTD in it: a parser still
    reads it, so the DTD check must key on content, not on the name."""
    old_target = part.removeprefix("xl/")
    new_target = new_name.removeprefix("xl/")
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            name = info.filename
            if name == part:
                name, data = new_name, doctype + strip_declaration(data)
            elif name == "xl/_rels/workbook.xml.rels":
                data = data.replace(f'"{old_target}"'.encode(), f'"{new_target}"'.encode())
                data = data.replace(f'"/{part}"'.encode(), f'"/{new_name}"'.encode())
            elif name == "[Content_Types].xml":
                data = data.replace(f'"/{part}"'.encode(), f'"/{new_name}"'.encode())
            target.writestr(name, data)
    path.write_bytes(buffer.getvalue())
    return path


def zip_bomb(path: Path) -> Path:
    """A workbook-shaped zip whose sheet inflates from ~20 KB to 20 MB of spaces (1000:1; real sheets are ~11:1)."""
    sheet = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             + b" " * (20 * 1024 * 1024) + b"</sheetData></worksheet>")
    path.write_bytes(zip_of({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>",
                             "xl/worksheets/sheet1.xml": sheet}))
    return path


def encrypted(path: Path) -> Path:
    """The start of an OLE compound file holding an encrypted OOXML package (what Excel writes with a password)."""
    path.write_bytes(OLE_MAGIC + b"\0" * 504 + "EncryptionInfo".encode("utf-16-le") + b"\0" * 64
                     + "EncryptedPackage".encode("utf-16-le") + b"\0" * 512)
    return path


def random_bytes(path: Path, size: int = 20_000) -> Path:
    path.write_bytes(hashlib.sha256(b"seed").digest() * (size // 32))
    return path


def ods_with_far_cell(path: Path, rows: int, columns: int) -> Path:
    """An .ods spreadsheet whose one written cell is repeated `columns` wide and `rows` deep (a few hundred bytes):
    ODS's repeat attributes make a tiny file describe a huge range."""
    content = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 office:version="1.3"><office:body><office:spreadsheet><table:table table:name="{ASSESSMENT_SHEET}">
<table:table-row><table:table-cell office:value-type="string"><text:p>Recommendation</text:p></table:table-cell>
</table:table-row>
<table:table-row table:number-rows-repeated="{rows}"><table:table-cell table:number-columns-repeated="{columns}"
 office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>
</table:table></office:spreadsheet></office:body></office:document-content>""".encode()
    manifest = b"""<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">
<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", b"application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    path.write_bytes(buffer.getvalue())
    return path


def junk_rows(path: Path, count: int) -> Path:
    """`count` rows of made-up recommendation numbers appended to the Assessment sheet, written raw (fast)."""
    rows = b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>9.%d.%d</t></is></c>'
                    b'<c r="D%d" t="inlineStr"><is><t>Yes</t></is></c></row>' % (r, r, r % 97, r, r)
                    for r in range(1000, 1000 + count))
    return rewrite_part(path, sheet_part(path, ASSESSMENT_SHEET),
                        lambda xml: re.sub(rb'<dimension ref="[^"]*"\s*/>', b"", xml).replace(b"</sheetData>",
                                                                                             rows + b"</sheetData>"))


# --- YAML ----------------------------------------------------------------------------------------------------------


def nested_yaml(depth: int = 50_000) -> str:
    return "a: " + "[" * depth + "]" * depth + "\n"


def alias_bomb_yaml() -> str:
    """About 16 KB of YAML that expands to 10**9 strings through anchors and aliases (a 'billion laughs')."""
    lines = ['x0: &x0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        lines.append(f"x{level}: &x{level} [" + ", ".join([f"*x{level - 1}"] * 10) + "]")
    body = "\n".join(lines)
    padding = "# " + "p" * 78 + "\n"
    text = "schema: 1\nguideline: NG999\n" + body + "\nsections: *x9\n"
    return text + padding * max(0, (16 * 1024 - len(text)) // len(padding))
