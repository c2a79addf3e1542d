"""The file system outside workbooks: which files a command reads (expand_paths), YAML files (load_yaml), and
writing outputs safely (atomic_write, refuse_overwrite).

Rules (DESIGN.md "Safety"): never write to an input; write atomically (temporary file + rename); refuse to
overwrite without --force; every file in a folder given to a command is accounted for.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from baseline.guideline import parse_yaml
from baseline.issues import BaselineError, FileReport, make_issue

# Spreadsheet-like files are returns (DESIGN.md "Folders"): each is read, or reported as an error saying why and
# what to do; any other file in a folder is listed as skipped. Exit 0 never hides an unread return.
RETURN_SUFFIXES = (".xlsx", ".xlsm", ".ods", ".xls", ".xlsb", ".csv", ".numbers")
MAX_YAML_BYTES = 5 * 1024 * 1024  # the full NG225 encoding with NICE's text is about 200 KB


def is_ignored(path: Path) -> bool:
    """Lock files ("~$…", ".~lock…") and hidden files are nobody's return."""
    return path.name.startswith(("~$", ".~lock", "."))


@dataclass
class ExpandedPaths:
    files: list[Path] = field(default_factory=list)  # the files to read, once each, in order
    reports: list[FileReport] = field(default_factory=list)  # paths that hold nothing to read, said so


def skipped_reason(path: Path) -> str:
    """Why a file in a folder was not read, and what to do if it should have been."""
    if path.is_dir():
        return (f"Not read: a folder inside {path.parent}. Folders given to the command are read, folders inside "
                f"them are not; if it holds returns, give it as well ({path}).")
    return (f"Not read: not a spreadsheet (only {', '.join(RETURN_SUFFIXES)} files in a folder are returns). "
            "If it is a return, save it as .xlsx and give it again.")


def expand_paths(paths: Iterable[str | Path]) -> ExpandedPaths:
    """Files as given; a folder stands for the spreadsheets inside it (sorted; lock and hidden files ignored).

    Every path is accounted for: every spreadsheet-like file is a return (read, or an error saying why), any other
    file in a folder is listed as skipped (a warning), a folder with no spreadsheet is reported (unreadable-file),
    and a file named twice
    (directly and through its folder, say) is read once: it is one return, not two agencies.
    """
    out = ExpandedPaths()
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            inside = sorted(p for p in path.iterdir() if not is_ignored(p))
            found = [p for p in inside if p.suffix.lower() in RETURN_SUFFIXES]
            out.reports += [FileReport(path=str(p), skipped=True, issues=[make_issue(
                "skipped-file", skipped_reason(p), file=str(p))]) for p in inside if p not in found]
            if not found:
                out.reports.append(FileReport(path=str(path), issues=[make_issue(
                    "unreadable-file", f"The folder contains no spreadsheets ({', '.join(RETURN_SUFFIXES)} files).",
                    file=str(path))]))
        else:
            found = [path]
        for candidate in found:
            key = candidate.resolve()
            if key not in seen:
                seen.add(key)
                out.files.append(candidate)
    return out


def load_yaml(path: Path | str) -> Any:
    """Read a YAML file safely (bounded size, no tags, no duplicate keys); any failure is a BaselineError naming the
    file (and line, when YAML gives one)."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_YAML_BYTES + 1)
        if len(raw) > MAX_YAML_BYTES:
            raise BaselineError(f"Cannot read {path}: it is larger than {MAX_YAML_BYTES // 1024 // 1024} MB.")
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"Cannot read {path}: {exc}") from None
    return parse_yaml(text, str(path))


def refuse_overwrite(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise BaselineError(f"{path} already exists; nothing was written. Use --force to overwrite it.")
    if path.exists() and path.is_dir():
        raise BaselineError(f"{path} is a directory; give a file name.")


def atomic_write(path: Path | str, write: Callable[[Path], None], force: bool = False,
                 inputs: tuple[Path, ...] = ()) -> Path:
    """Write `path` through `write(tmp_path)`, then rename into place, so nobody ever sees half a file.

    Refuses to overwrite an existing file unless `force`, and refuses ever to write onto one of `inputs`.
    """
    path = Path(path)
    for source in inputs:
        if path.exists() and Path(source).exists() and path.resolve() == Path(source).resolve():
            raise BaselineError(f"{path} is one of the input files; choose another output name.")
    refuse_overwrite(path, force)
    if not path.parent.exists():
        raise BaselineError(f"the folder {path.parent} does not exist; nothing was written.")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}

MAX_STEM_LENGTH = 60

def safe_filename(agency: str, taken: set[str]) -> str:
    """A file name for an agency's workbook: "North CAMHS" -> "north-camhs.xlsx".

    ASCII letters, digits and hyphens only (no path separators, dots, spaces or Windows device names), at most
    60 characters before ".xlsx", and unique within `taken` compared case-insensitively (as on Windows and macOS
    file systems): "-2", "-3"... is added when needed. The name returned is added to `taken`.
    """
    text = re.sub(r"['\u2019]", "", agency).replace("&", " and ")  # "Children's" -> "childrens", not "children-s"
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(stem) > MAX_STEM_LENGTH:
        stem = stem[:MAX_STEM_LENGTH].rsplit("-", 1)[0] if "-" in stem[:MAX_STEM_LENGTH] else stem[:MAX_STEM_LENGTH]
    stem = stem or "agency"
    if stem in _WINDOWS_RESERVED:
        stem += "-agency"
    used = {name.casefold() for name in taken}
    name, counter = f"{stem}.xlsx", 1
    while name.casefold() in used:
        counter += 1
        name = f"{stem}-{counter}.xlsx"
    taken.add(name)
    return name
