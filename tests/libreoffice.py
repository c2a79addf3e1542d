"""LibreOffice headless helpers for round-trip tests (skipped only where `soffice` is absent; CI installs it).

Each call uses its own user profile, so parallel runs do not fight over LibreOffice's profile lock.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_soffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")


def convert(source: Path, out_dir: Path, target: str = "xlsx", timeout: int = 180, infilter: str | None = None) -> Path:
    """Open `source` in LibreOffice headless and save it as `target` ("xlsx", "ods", ...) in out_dir.

    Opening recalculates formulas without cached values, so this is also how tests get LibreOffice's results.
    `infilter` picks the import filter and its options (a CSV's separator and character set, as a user chooses
    them in LibreOffice's import dialog).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        filter_name = {"xlsx": "xlsx:Calc MS Excel 2007 XML", "ods": "ods"}.get(target, target)
        subprocess.run(
            [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
             *([f"--infilter={infilter}"] if infilter else []),
             "--convert-to", filter_name, "--outdir", str(out_dir), str(source)],
            check=True, capture_output=True, timeout=timeout,
        )
    result = out_dir / (source.stem + "." + target)
    if not result.exists():
        raise RuntimeError(f"LibreOffice did not produce {result}")
    return result
