"""Headless Chromium for the report tests: print an HTML file to PDF as a reader would, and read the PDF back.

Skipped where Chromium is absent, except in CI (CI=true), where a browser test that would skip fails instead:
`.ci/run` installs Debian's `chromium`, so a skip there would hide a broken install.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Everything that would make the browser talk to the network or keep state is switched off.
QUIET_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-extensions")


def require_chromium() -> str:
    if CHROMIUM is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is not installed, but CI must run the browser tests (.ci/run installs chromium)")
        pytest.skip("Chromium (Debian package chromium) is not installed")
    return CHROMIUM


def _run(*arguments: str, timeout: int = 180) -> None:
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        subprocess.run([require_chromium(), *QUIET_FLAGS, f"--user-data-dir={profile}", *arguments],
                       check=True, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)


def print_to_pdf(html: Path, pdf: Path) -> Path:
    """Print `html` to `pdf` as the browser's print dialog would, without header and footer lines."""
    _run(f"--print-to-pdf={pdf}", "--no-pdf-header-footer", html.resolve().as_uri())
    if not pdf.exists():
        raise RuntimeError(f"Chromium did not write {pdf}")
    return pdf


def screenshot(html: Path, png: Path, width: int = 794, height: int = 1123) -> Path:
    """A PNG of the page at A4 proportions (794 x 1123 CSS pixels is A4 at 96 dpi)."""
    _run(f"--screenshot={png}", f"--window-size={width},{height}", "--hide-scrollbars", html.resolve().as_uri())
    return png


def pdf_pages(pdf: Path) -> list[str]:
    """The text of each page, ligatures unfolded ("ﬂ" -> "fl": the browser's fonts use them)."""
    return [unicodedata.normalize("NFKC", page.extract_text() or "") for page in PdfReader(pdf).pages]


def pdf_page_sizes(pdf: Path) -> list[tuple[float, float]]:
    """Each page's width and height in points."""
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in PdfReader(pdf).pages]
