"""Safe writing of untrusted text and safe output files (and, in the reading half, safe opening of untrusted files).

Rules (DESIGN.md "Safety"): never write to an input; write atomically (temporary file + rename); refuse to
overwrite without --force; every text from a return is written as text, never as a formula; control characters
removed; over 32,767 characters is an issue, never a silent cut.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Callable

from baseline.issues import BaselineError
from baseline.xlsx.layout import EXCEL_CELL_LIMIT

# Characters openpyxl refuses (IllegalCharacterError) and Excel cannot store; tab, LF and CR are kept.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
FORMULA_PREFIXES = ("=", "+", "-", "@")


def clean_text(text: str) -> str:
    """Remove control characters Excel cannot hold. Length is *not* cut: callers report over-long text."""
    return _CONTROL_CHARACTERS.sub("", text)


def is_too_long(text: str) -> bool:
    return len(text) > EXCEL_CELL_LIMIT


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES)


def write_text(cell, text: str | None) -> None:
    """Put untrusted text into an openpyxl cell as plain text, never a formula.

    openpyxl turns a str starting with "=" into a formula; forcing data_type "s" keeps it text through openpyxl and
    LibreOffice round-trips, and quotePrefix tells Excel not to re-interpret it on edit (XLSX_PITFALLS.md §5).
    """
    if text is None or text == "":
        cell.value = None
        return
    text = clean_text(str(text))
    if is_too_long(text):
        # Callers validate lengths first; reaching here is a programming error, never a silent cut.
        raise ValueError(f"text of {len(text)} characters exceeds Excel's cell limit of {EXCEL_CELL_LIMIT}")
    cell.value = text
    cell.data_type = "s"
    if looks_like_formula(text):
        cell.quotePrefix = True


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
