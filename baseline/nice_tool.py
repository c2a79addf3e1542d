"""`baseline recs import` and `baseline recs verify`: the commands that read NICE's own baseline assessment tool.

Apart from workflow.py (and not re-exported there), because reading NICE's tool needs openpyxl (xlsx/nice/
structure.py reads its cell fills), which, with numpy that openpyxl loads when it is installed, is about 150 ms and
30 MB that merge, report, compare, migrate and actions would otherwise load at start-up (issue 16).
"""

from __future__ import annotations

from pathlib import Path

from baseline.xlsx.nice.encoding import ImportResult, VerifyResult, import_bat, verify_file


def import_nice_tool(bat: Path | str, output: Path | str, *, version: str | None = None,
                     force: bool = False) -> ImportResult:
    """`recs import`: NICE's tool -> a complete recommendation YAML at `output` (its folder created if missing, once
    the tool has been read)."""
    return import_bat(bat, output, version=version, force=force)


def verify_encoding(encoding: str, bat: Path | str) -> VerifyResult:
    """`recs verify`: an encoding (reference or YAML path) against NICE's tool."""
    return verify_file(encoding, bat)


__all__ = ["import_nice_tool", "verify_encoding", "ImportResult", "VerifyResult"]
